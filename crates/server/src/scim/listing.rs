//! List requests (`GET /Users`, `GET /Groups`, `POST /.search`): parameters, filter validation,
//! and the pushed-down query.
//!
//! A filter whose plan is exact is answered by one indexed query (and one count). An inexact plan
//! narrows the rows by index and re-checks each candidate with the filter, in bounded batches:
//! memory stays flat however large the directory.

use super::DirectoryAuth;
use crate::error::ScimApiError;
use crate::state::AppState;
use roster_core::ScimVersion;
use roster_scim::error::ScimError;
use roster_scim::filter::plan::{plan, Plan, QueryPlan, ResourceKind};
use roster_scim::{ListQuery, ListResponse};
use serde_json::{Map, Value};

/// Rows per batch when a filter must be re-checked in memory.
const SCAN_BATCH: u64 = 500;

/// Parses and validates list parameters from a query string.
pub fn from_query(
    auth: &DirectoryAuth,
    state: &AppState,
    query: &str,
    resource: &str,
) -> Result<ListQuery, ScimApiError> {
    let q =
        ListQuery::from_query_string(query, &state.scim.list_limits).map_err(|e| auth.error(e))?;
    validate(auth, state, q, resource)
}

/// Parses a `POST /.search` body (RFC 7644 §3.4.3).
pub fn from_search_body(
    auth: &DirectoryAuth,
    state: &AppState,
    body: &Value,
    resource: &str,
) -> Result<ListQuery, ScimApiError> {
    let empty = Map::new();
    let obj = body.as_object().unwrap_or(&empty);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in obj {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            _ => continue,
        };
        pairs.push((key.clone(), text));
    }
    let q = ListQuery::from_pairs(pairs, &state.scim.list_limits).map_err(|e| auth.error(e))?;
    validate(auth, state, q, resource)
}

fn validate(
    auth: &DirectoryAuth,
    state: &AppState,
    q: ListQuery,
    resource: &str,
) -> Result<ListQuery, ScimApiError> {
    if let Some(filter) = &q.filter {
        let types = state
            .scim
            .registry
            .for_resource(resource)
            .ok_or_else(|| auth.error(ScimError::internal("resource type missing")))?;
        filter.validate(&types).map_err(|e| auth.error(e))?;
    }
    Ok(q)
}

/// The query plan of a list request (everything, when there is no filter).
pub fn query_plan(q: &ListQuery, kind: ResourceKind) -> QueryPlan {
    match &q.filter {
        Some(f) => plan(f, kind),
        None => QueryPlan {
            plan: Plan::ScanAll,
            exact: true,
        },
    }
}

/// The ListResponse body in the endpoint's version.
pub fn response(auth: &DirectoryAuth, resources: Vec<Value>, total: u64, q: &ListQuery) -> Value {
    let list = ListResponse::new(
        resources,
        usize::try_from(total).unwrap_or(usize::MAX),
        q.start_index,
    );
    match auth.version {
        ScimVersion::V2 => list.to_json_v2(),
        ScimVersion::V1_1 => list.to_json_v1(),
    }
}

/// Pages through candidate rows in batches, keeping those `keep` accepts: returns the page the
/// query asks for and the total count.
pub async fn scan<T, F, Fut, K>(
    q: &ListQuery,
    mut fetch: F,
    id_of: impl Fn(&T) -> String,
    mut keep: K,
) -> Result<(Vec<T>, u64), ScimApiError>
where
    F: FnMut(Option<String>, u64) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, ScimApiError>>,
    K: FnMut(&T) -> bool,
{
    let offset = q.offset() as u64;
    let size = q.page_size();
    let mut total = 0u64;
    let mut page = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let rows = fetch(after.clone(), SCAN_BATCH).await?;
        let done = (rows.len() as u64) < SCAN_BATCH;
        after = rows.last().map(&id_of);
        for row in rows {
            if keep(&row) {
                if total >= offset && page.len() < size {
                    page.push(row);
                }
                total += 1;
            }
        }
        if done {
            break;
        }
    }
    Ok((page, total))
}
