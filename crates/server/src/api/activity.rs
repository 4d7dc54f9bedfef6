//! `GET /directories/{id}/activity`: the directory's SCIM request log, newest first.

use super::dto::ListOut;
use super::{method_not_allowed, ApiKey, ListParams};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use roster_store::entity::request_activity;
use serde::Serialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/directories/{directory_id}/activity")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list)),
    );
}

/// One SCIM request the directory's IdP made.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityOut {
    pub object: &'static str,
    pub id: String,
    pub directory_id: String,
    pub created_at: DateTime<Utc>,
    pub method: String,
    /// Path under the SCIM base URL, with the decoded query string.
    pub path: String,
    pub status: i32,
    pub latency_ms: i32,
    /// The SCIM error type, when the request failed with one (`invalidFilter`, `uniqueness`, …).
    pub scim_type: Option<String>,
    /// What went wrong, in words, when it did.
    pub error: Option<String>,
    pub user_agent: Option<String>,
    /// The IdP the request looks like: `okta`, `entra`, `onelogin`, `jumpcloud`, `rippling`.
    pub idp: Option<String>,
    /// The request body, at most 2 KiB, with passwords and secrets redacted.
    pub request_excerpt: Option<String>,
}

impl From<request_activity::Model> for ActivityOut {
    fn from(m: request_activity::Model) -> Self {
        Self {
            object: "scim_request",
            id: m.id.to_string(),
            directory_id: m.directory_id,
            created_at: m.created_at,
            method: m.method,
            path: m.path,
            status: m.status,
            latency_ms: m.latency_ms,
            scim_type: m.scim_type,
            error: m.error,
            user_agent: m.user_agent,
            idp: m.idp,
            request_excerpt: m.request_excerpt,
        }
    }
}

/// The directory's SCIM requests, newest first (method, path, status, latency, error, IdP).
#[utoipa::path(get, operation_id = "list_directory_activity", path = "/api/v1/directories/{directory_id}/activity", tag = "directories",
    params(("directory_id" = String, Path), ListParams),
    responses((status = 200, body = ListOut<ActivityOut>), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = params.page()?;
    if page
        .after
        .as_deref()
        .is_some_and(|a| a.parse::<i64>().is_err())
    {
        return Err(ApiError::validation(
            "after",
            "use the next_cursor of the previous page",
        ));
    }
    if state.store.find_directory(&path).await?.is_none() {
        return Err(ApiError::NotFound("directory"));
    }
    let rows = state.store.list_activity(&path, &page).await?;
    Ok(HttpResponse::Ok().json(ListOut {
        data: rows.data.into_iter().map(ActivityOut::from).collect(),
        next_cursor: rows.next_cursor,
    }))
}
