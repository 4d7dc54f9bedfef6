//! `/Groups`: SCIM groups and their members in, `group.*` events out.
//!
//! Members live in their own table, not in the group's stored resource, so that reading a group
//! without its members (`excludedAttributes=members`, Entra's lookups) costs nothing however large
//! the group is, and a PATCH that adds or removes members only touches those members' rows: it
//! loads the current memberships of the users it names, not the whole group.

use super::{listing, read_json, render, DirectoryAuth};
use crate::error::ScimApiError;
use crate::normalized;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use roster_core::normalize::{self, Stamp};
use roster_core::{EventType, GroupId, NewEvent, ScimVersion};
use roster_scim::dialect::{get_ci, normalize_resource, put_resource, semantic_eq, OpKind};
use roster_scim::error::ScimError;
use roster_scim::filter::plan::ResourceKind;
use roster_scim::filter::{CompareOp, Filter};
use roster_scim::patch::{apply, PatchRequest};
use roster_scim::resource::check_if_match;
use roster_scim::{ListQuery, Projection};
use roster_store::entity::{group, user};
use roster_store::{DirectoryWrite, Member};
use serde_json::{json, Value};
use std::collections::HashMap;

const GROUP: &str = "Group";

/// The normalized group of a stored row: what its events (and the management API) carry.
pub(crate) fn group_object_of(g: &group::Model) -> Value {
    normalize::group_object(
        &Stamp {
            id: &g.id,
            organization_id: &g.organization_id,
            directory_id: &g.directory_id,
            created_at: g.created_at,
            updated_at: g.updated_at,
        },
        g.idp_id.as_deref(),
        &g.name,
        g.app_group_key.as_deref(),
        g.member_count,
        &g.raw_attributes,
    )
}

pub async fn list(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ScimApiError> {
    let q = listing::from_query(&auth, &state, req.query_string(), GROUP)?;
    respond_list(&auth, &state, &q).await
}

pub async fn search(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ScimApiError> {
    let body = read_json(&req, &mut payload, &auth, state.scim.max_payload).await?;
    let q = listing::from_search_body(&auth, &state, &body, GROUP)?;
    respond_list(&auth, &state, &q).await
}

fn mentions_members(q: &ListQuery) -> bool {
    q.filter_text
        .as_deref()
        .is_some_and(|f| f.to_ascii_lowercase().contains("members"))
}

async fn respond_list(
    auth: &DirectoryAuth,
    state: &AppState,
    q: &ListQuery,
) -> Result<HttpResponse, ScimApiError> {
    let qp = listing::query_plan(q, ResourceKind::Group);
    let store = &state.store;
    let (rows, total) = if qp.exact {
        let page = store
            .list_scim_groups(
                &auth.directory_id,
                &qp.plan,
                q.offset() as u64,
                q.page_size() as u64,
            )
            .await
            .map_err(|e| auth.store_error(e))?;
        (page.rows, page.total)
    } else {
        // Re-checking a filter on members needs them; any other filter does not.
        let mut candidates: Vec<(group::Model, Option<Vec<Member>>)> = Vec::new();
        let need_members = mentions_members(q);
        let mut after: Option<String> = None;
        loop {
            let rows = store
                .scan_scim_groups(&auth.directory_id, &qp.plan, after.as_deref(), 500)
                .await
                .map_err(|e| auth.store_error(e))?;
            let done = rows.len() < 500;
            after = rows.last().map(|r| r.id.clone());
            for row in rows {
                let members = if need_members {
                    Some(
                        store
                            .group_members(&row.id)
                            .await
                            .map_err(|e| auth.store_error(e))?,
                    )
                } else {
                    None
                };
                candidates.push((row, members));
            }
            if done {
                break;
            }
        }
        let filter = q.filter.clone();
        let types = state.scim.registry.for_resource(GROUP);
        listing::scan(
            q,
            {
                let mut batch = Some(candidates);
                move |_after, _size| {
                    let rows = batch.take().unwrap_or_default();
                    async move { Ok(rows) }
                }
            },
            |(row, _)| row.id.clone(),
            |(row, members)| match (&filter, &types) {
                (Some(f), Some(t)) => {
                    f.matches_validated(&render::group_resource(auth, row, members.as_deref()), t)
                }
                _ => true,
            },
        )
        .await
        .map(|(page, total)| {
            (
                page.into_iter().map(|(row, _)| row).collect::<Vec<_>>(),
                total,
            )
        })?
    };
    let with_members = render::wants(&q.attributes, &q.excluded_attributes, "members");
    let projection = Projection::new(
        &q.attributes,
        &q.excluded_attributes,
        &state.scim.registry,
        GROUP,
    );
    let mut resources = Vec::with_capacity(rows.len());
    for row in &rows {
        let members = if with_members {
            Some(
                store
                    .group_members(&row.id)
                    .await
                    .map_err(|e| auth.store_error(e))?,
            )
        } else {
            None
        };
        resources.push(render::finish(
            auth,
            &render::group_resource(auth, row, members.as_deref()),
            &projection,
        ));
    }
    Ok(render::ok(listing::response(auth, resources, total, q)))
}

async fn respond_group(
    auth: &DirectoryAuth,
    state: &AppState,
    req: &HttpRequest,
    model: &group::Model,
    status: StatusCode,
) -> Result<HttpResponse, ScimApiError> {
    let q = ListQuery::from_query_string(req.query_string(), &state.scim.list_limits)
        .unwrap_or_default();
    let members = if render::wants(&q.attributes, &q.excluded_attributes, "members") {
        Some(
            state
                .store
                .group_members(&model.id)
                .await
                .map_err(|e| auth.store_error(e))?,
        )
    } else {
        None
    };
    let projection = Projection::new(
        &q.attributes,
        &q.excluded_attributes,
        &state.scim.registry,
        GROUP,
    );
    let body = render::finish(
        auth,
        &render::group_resource(auth, model, members.as_deref()),
        &projection,
    );
    let location =
        (status == StatusCode::CREATED).then(|| format!("{}/Groups/{}", auth.base_url, model.id));
    Ok(render::resource(
        status,
        body,
        &render::group_etag(model),
        location,
    ))
}

fn not_found(auth: &DirectoryAuth, id: &str) -> ScimApiError {
    auth.error(ScimError::not_found(format!(
        "no group with id '{id}' in this directory"
    )))
}

pub async fn get(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimApiError> {
    let id = &path.1;
    let model = state
        .store
        .scim_group(&auth.directory_id, id)
        .await
        .map_err(|e| auth.store_error(e))?
        .ok_or_else(|| not_found(&auth, id))?;
    let etag = render::group_etag(&model);
    if let Some(not_modified) = render::not_modified(&req, &etag) {
        return Ok(not_modified);
    }
    respond_group(&auth, &state, &req, &model, StatusCode::OK).await
}

fn as_v2(auth: &DirectoryAuth, mut body: Value) -> Value {
    if auth.version == ScimVersion::V1_1 {
        roster_scim::v1::to_v2_body(&mut body, GROUP);
    }
    body
}

/// Splits a group resource into what is stored on the row and its members (as sent).
/// `None` members: the resource has no `members` attribute at all.
fn split_members(
    auth: &DirectoryAuth,
    mut resource: Value,
) -> Result<(Value, Option<Vec<Member>>), ScimApiError> {
    let mut members = None;
    if let Some(obj) = resource.as_object_mut() {
        let key = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case("members"))
            .cloned();
        if let Some(key) = key {
            let list = obj.remove(&key).unwrap_or(Value::Null);
            let mut out: Vec<Member> = Vec::new();
            for item in list.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let Some(o) = item.as_object() else { continue };
                let Some(value) = get_ci(o, "value").and_then(Value::as_str) else {
                    return Err(auth.error(ScimError::invalid_value(
                        "members: each member needs a 'value' (the user's id)",
                    )));
                };
                if let Some(kind) = get_ci(o, "type").and_then(Value::as_str) {
                    if kind.eq_ignore_ascii_case("group") {
                        return Err(auth.error(ScimError::invalid_value(format!(
                            "members: '{value}' is a group; nested groups are not supported, add its users instead"
                        ))));
                    }
                }
                if out.iter().any(|m| m.user_id == value) {
                    continue;
                }
                out.push(Member {
                    user_id: value.to_owned(),
                    display: get_ci(o, "display")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                });
            }
            members = Some(out);
        }
        obj.retain(|k, _| !(k.eq_ignore_ascii_case("id") || k.eq_ignore_ascii_case("meta")));
    }
    Ok((resource, members))
}

fn members_json(members: &[Member]) -> Value {
    Value::Array(
        members
            .iter()
            .map(|m| match &m.display {
                Some(d) => json!({"value": m.user_id, "display": d}),
                None => json!({"value": m.user_id}),
            })
            .collect(),
    )
}

fn display_name_key(auth: &DirectoryAuth, raw: &Value) -> Result<(String, String), ScimApiError> {
    let name = raw
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            auth.error(ScimError::invalid_value(
                "'displayName' is required and must be a non-empty string",
            ))
        })?;
    Ok((name.to_owned(), name.to_lowercase()))
}

async fn current(
    auth: &DirectoryAuth,
    write: &DirectoryWrite,
    id: &str,
) -> Result<group::Model, ScimApiError> {
    write
        .group(id)
        .await
        .map_err(|e| auth.store_error(e))?
        .ok_or_else(|| not_found(auth, id))
}

/// Checks that a new display name is free (another group holding it → 409).
async fn check_name_free(
    auth: &DirectoryAuth,
    write: &DirectoryWrite,
    key: &str,
    own_id: Option<&str>,
) -> Result<(), ScimApiError> {
    if let Some(holder) = write
        .group_by_name_key(key)
        .await
        .map_err(|e| auth.store_error(e))?
    {
        if Some(holder.id.as_str()) != own_id {
            return Err(auth.error(ScimError::uniqueness(format!(
                "a group named '{}' already exists in this directory (id {}); link to it instead",
                holder.name, holder.id
            ))));
        }
    }
    Ok(())
}

pub async fn create(
    mut auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ScimApiError> {
    let body = read_json(&req, &mut payload, &auth, state.scim.max_payload).await?;
    let mut resource = as_v2(&auth, body);
    normalize_resource(&mut resource, &state.scim.registry, GROUP).map_err(|e| auth.error(e))?;
    let (raw, members) = split_members(&auth, resource)?;
    let (name, key) = display_name_key(&auth, &raw)?;
    let mut write = auth.begin_write(&state).await?;
    check_name_free(&auth, &write, &key, None).await?;
    let now = Utc::now();
    let model = group::Model {
        id: GroupId::generate().into_string(),
        directory_id: auth.directory_id.clone(),
        organization_id: auth.organization_id.clone(),
        idp_id: external_id(&raw),
        external_id: external_id(&raw),
        name,
        name_key: key,
        app_group_key: None,
        member_count: 0,
        version: 1,
        raw_attributes: raw,
        created_at: now,
        updated_at: now,
    };
    write
        .save_group(model.clone(), true)
        .await
        .map_err(|e| auth.store_error(e))?;
    let mut events = vec![NewEvent::new(
        EventType::GroupCreated,
        group_object_of(&model),
    )];
    let members = members.unwrap_or_default();
    let model = change_members(&auth, &mut write, &model, &members, &[], &mut events).await?;
    // group.created carries the group as created; the member events follow with the count.
    write
        .append(events)
        .await
        .map_err(|e| auth.store_error(e))?;
    write.commit().await.map_err(|e| auth.store_error(e))?;
    respond_group(&auth, &state, &req, &model, StatusCode::CREATED).await
}

fn external_id(raw: &Value) -> Option<String> {
    raw.get("externalId")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

pub async fn replace(
    mut auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ScimApiError> {
    let id = &path.1;
    let body = read_json(&req, &mut payload, &auth, state.scim.max_payload).await?;
    let body = as_v2(&auth, body);
    // Normalization drops empty values, so remember whether `members` was sent at all.
    let members_sent = body
        .as_object()
        .is_some_and(|o| o.keys().any(|k| k.eq_ignore_ascii_case("members")));
    let mut write = auth.begin_write(&state).await?;
    let current = current(&auth, &write, id).await?;
    check_if_match(
        render::if_match(&req).as_deref(),
        &render::group_etag(&current),
    )
    .map_err(|e| auth.error(e))?;
    let current_resource = render::group_resource(&auth, &current, None);
    let resource = put_resource(&current_resource, body, &state.scim.registry, GROUP)
        .map_err(|e| auth.error(e))?;
    let (raw, members) = split_members(&auth, resource)?;
    let members = members.or_else(|| members_sent.then(Vec::new));
    let mut events = Vec::new();
    let mut model = save_attributes(&auth, &write, &current, raw, &mut events).await?;
    // A PUT without `members` leaves them alone (an omitted list is not an order to empty the
    // group); `"members": []` empties it.
    if let Some(wanted) = members {
        let existing = write
            .group_members(id)
            .await
            .map_err(|e| auth.store_error(e))?;
        let before: HashMap<&str, &Member> =
            existing.iter().map(|m| (m.user_id.as_str(), m)).collect();
        let after: HashMap<&str, &Member> =
            wanted.iter().map(|m| (m.user_id.as_str(), m)).collect();
        let added: Vec<Member> = wanted
            .iter()
            .filter(|m| !before.contains_key(m.user_id.as_str()))
            .cloned()
            .collect();
        let removed: Vec<String> = existing
            .iter()
            .filter(|m| !after.contains_key(m.user_id.as_str()))
            .map(|m| m.user_id.clone())
            .collect();
        model = change_members(&auth, &mut write, &model, &added, &removed, &mut events).await?;
    }
    write
        .append(events)
        .await
        .map_err(|e| auth.store_error(e))?;
    write.commit().await.map_err(|e| auth.store_error(e))?;
    respond_group(&auth, &state, &req, &model, StatusCode::OK).await
}

/// The member values a PATCH names, when it only adds or removes named members; `None` when it
/// needs the whole member list (a replace of `members`, a remove of all, a filter on anything
/// but `value`).
fn named_members(request: &PatchRequest) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    let values_of = |v: &Option<Value>, ids: &mut Vec<String>| -> bool {
        let items = match v {
            Some(Value::Array(items)) => items.as_slice(),
            Some(single @ Value::Object(_)) => std::slice::from_ref(single),
            _ => return false,
        };
        for item in items {
            match item
                .as_object()
                .and_then(|o| get_ci(o, "value"))
                .and_then(Value::as_str)
            {
                Some(value) => ids.push(value.to_owned()),
                None => return false,
            }
        }
        true
    };
    for op in &request.operations {
        match &op.parsed_path {
            Some(pp)
                if pp.attr.name_is("members")
                    && pp.attr.sub_attr.is_none()
                    && pp.sub_attr.is_none() =>
            {
                match (op.op, &pp.value_filter) {
                    (OpKind::Add, None) | (OpKind::Remove, None) => {
                        if !values_of(&op.value, &mut ids) {
                            return None;
                        }
                    }
                    (
                        OpKind::Remove,
                        Some(Filter::Compare {
                            path,
                            op: CompareOp::Eq,
                            value,
                        }),
                    ) if path.name_is("value") => {
                        ids.push(value.as_str()?.to_owned());
                    }
                    _ => return None,
                }
            }
            Some(pp) if pp.attr.name_is("members") => return None,
            Some(_) => {}
            None => {
                let has_members = op
                    .value
                    .as_ref()
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.keys().any(|k| k.eq_ignore_ascii_case("members")));
                if has_members {
                    if op.op != OpKind::Add {
                        return None;
                    }
                    let v = op
                        .value
                        .as_ref()
                        .and_then(Value::as_object)
                        .and_then(|o| get_ci(o, "members"))
                        .cloned();
                    if !values_of(&v, &mut ids) {
                        return None;
                    }
                }
            }
        }
    }
    Some(ids)
}

pub async fn patch(
    mut auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ScimApiError> {
    let id = &path.1;
    let body = read_json(&req, &mut payload, &auth, state.scim.max_payload).await?;
    let request = match auth.version {
        ScimVersion::V2 => PatchRequest::parse(&body),
        ScimVersion::V1_1 => {
            roster_scim::v1::patch_request_from_v1(&body, &state.scim.registry, GROUP)
        }
    }
    .map_err(|e| auth.error(e))?;
    let mut write = auth.begin_write(&state).await?;
    let current = current(&auth, &write, id).await?;
    check_if_match(
        render::if_match(&req).as_deref(),
        &render::group_etag(&current),
    )
    .map_err(|e| auth.error(e))?;
    // Only the members the request names, when that is enough to apply it exactly.
    let members = match named_members(&request) {
        Some(named) => {
            let present = write
                .members_among(id, &named)
                .await
                .map_err(|e| auth.store_error(e))?;
            present
                .into_iter()
                .map(|user_id| Member {
                    user_id,
                    display: None,
                })
                .collect()
        }
        None => write
            .group_members(id)
            .await
            .map_err(|e| auth.store_error(e))?,
    };
    let mut resource = render::group_resource(&auth, &current, None);
    if let Some(obj) = resource.as_object_mut() {
        if !members.is_empty() {
            obj.insert("members".into(), members_json(&members));
        }
    }
    let outcome =
        apply(&mut resource, &request, &state.scim.registry, GROUP).map_err(|e| auth.error(e))?;
    let mut model = current.clone();
    if outcome.changed {
        let (raw, after_members) = split_members(&auth, resource)?;
        let mut events = Vec::new();
        model = save_attributes(&auth, &write, &current, raw, &mut events).await?;
        let sent: HashMap<&str, &Member> = after_members
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|m| (m.user_id.as_str(), m))
            .collect();
        let added: Vec<Member> = outcome
            .members_added
            .iter()
            .map(|v| {
                sent.get(v.as_str())
                    .map(|m| (*m).clone())
                    .unwrap_or(Member {
                        user_id: v.clone(),
                        display: None,
                    })
            })
            .collect();
        model = change_members(
            &auth,
            &mut write,
            &model,
            &added,
            &outcome.members_removed,
            &mut events,
        )
        .await?;
        write
            .append(events)
            .await
            .map_err(|e| auth.store_error(e))?;
        write.commit().await.map_err(|e| auth.store_error(e))?;
    } else {
        drop(write);
    }
    let q = ListQuery::from_query_string(req.query_string(), &state.scim.list_limits)
        .unwrap_or_default();
    if q.attributes.is_empty() && q.excluded_attributes.is_empty() {
        // Entra expects 204 ("returning a body with a list of all the members isn't expected").
        return Ok(HttpResponse::NoContent()
            .insert_header((actix_web::http::header::ETAG, render::group_etag(&model)))
            .finish());
    }
    respond_group(&auth, &state, &req, &model, StatusCode::OK).await
}

/// Stores a group's non-member attributes if they changed; appends `group.updated`.
async fn save_attributes(
    auth: &DirectoryAuth,
    write: &DirectoryWrite,
    current: &group::Model,
    raw: Value,
    events: &mut Vec<NewEvent>,
) -> Result<group::Model, ScimApiError> {
    if semantic_eq(&current.raw_attributes, &raw) {
        return Ok(current.clone());
    }
    let (name, key) = display_name_key(auth, &raw)?;
    if key != current.name_key {
        check_name_free(auth, write, &key, Some(&current.id)).await?;
    }
    let model = group::Model {
        idp_id: external_id(&raw),
        external_id: external_id(&raw),
        name,
        name_key: key,
        version: current.version + 1,
        raw_attributes: raw,
        updated_at: Utc::now(),
        ..current.clone()
    };
    write
        .save_group(model.clone(), false)
        .await
        .map_err(|e| auth.store_error(e))?;
    if let Some(event) =
        normalize::group_change_event(Some(&group_object_of(current)), &group_object_of(&model))
    {
        events.push(event);
    }
    // A role mapping may name the group by its old or its new name.
    let maps = |g: &group::Model| auth.rules.settings.maps_group(&g.id, &g.name);
    if model.name_key != current.name_key && (maps(current) || maps(&model)) {
        let members: Vec<String> = write
            .group_members(&model.id)
            .await
            .map_err(|e| auth.store_error(e))?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let rows = write
            .users_by_ids(&members)
            .await
            .map_err(|e| auth.store_error(e))?;
        events.extend(
            normalized::refresh_users(write, &auth.rules, &rows)
                .await
                .map_err(|e| auth.store_error(e))?,
        );
    }
    Ok(model)
}

/// Adds and removes members, checking that every added member is a user of this directory, and
/// appends one `group.user_added` / `group.user_removed` per member. Returns the group with its
/// new member count and version.
async fn change_members(
    auth: &DirectoryAuth,
    write: &mut DirectoryWrite,
    group: &group::Model,
    added: &[Member],
    removed: &[String],
    events: &mut Vec<NewEvent>,
) -> Result<group::Model, ScimApiError> {
    if added.is_empty() && removed.is_empty() {
        return Ok(group.clone());
    }
    let store_err = |e| auth.store_error(e);
    let added_ids: Vec<String> = added.iter().map(|m| m.user_id.clone()).collect();
    let added_users = write.users_by_ids(&added_ids).await.map_err(store_err)?;
    if added_users.len() != added_ids.len() {
        let known: std::collections::HashSet<&str> =
            added_users.iter().map(|u| u.id.as_str()).collect();
        let unknown: Vec<&str> = added_ids
            .iter()
            .map(String::as_str)
            .filter(|id| !known.contains(id))
            .take(5)
            .collect();
        return Err(auth.error(ScimError::invalid_value(format!(
            "members: {} not a user of this directory (provision the user before adding it to a group): {}",
            if unknown.len() == 1 { "this is" } else { "these are" },
            unknown.join(", ")
        ))));
    }
    let removed_users = write.users_by_ids(removed).await.map_err(store_err)?;
    write
        .add_members(&group.id, added)
        .await
        .map_err(store_err)?;
    write
        .remove_members(&group.id, removed)
        .await
        .map_err(store_err)?;
    let member_count = group.member_count + i64::try_from(added.len()).unwrap_or(0)
        - i64::try_from(removed.len()).unwrap_or(0);
    let model = group::Model {
        member_count,
        version: group.version + 1,
        updated_at: Utc::now(),
        ..group.clone()
    };
    // The version and timestamp move with membership (the ETag must change); the row's count
    // was already adjusted by the membership writes.
    write
        .save_group(model.clone(), false)
        .await
        .map_err(store_err)?;
    let group_json = group_object_of(&model);
    let user_ids: Vec<String> = added_users
        .iter()
        .chain(&removed_users)
        .map(|u| u.id.clone())
        .collect();
    let mut groups_of = write_groups_of(write, &user_ids).await.map_err(store_err)?;
    let user_json = |u: &user::Model, groups_of: &mut HashMap<String, Vec<normalize::GroupRef>>| {
        let mut data = u.data.clone();
        if let Some(obj) = data.as_object_mut() {
            obj.insert(
                "groups".into(),
                serde_json::to_value(groups_of.remove(&u.id).unwrap_or_default())
                    .unwrap_or_default(),
            );
        }
        data
    };
    // Under the `delete` policy an inactive user no longer exists for the app.
    let known = |u: &&user::Model| !auth.rules.deleted_for_app(&u.state);
    for u in added_users.iter().filter(known) {
        events.push(NewEvent::new(
            EventType::GroupUserAdded,
            json!({"group": group_json, "user": user_json(u, &mut groups_of)}),
        ));
    }
    for u in removed_users.iter().filter(known) {
        events.push(NewEvent::new(
            EventType::GroupUserRemoved,
            json!({"group": group_json, "user": user_json(u, &mut groups_of)}),
        ));
    }
    // Then the role changes the new memberships cause, as `user.updated`.
    events.extend(
        normalized::refresh_members(write, &auth.rules, (&model.id, &model.name), &user_ids)
            .await
            .map_err(store_err)?,
    );
    Ok(model)
}

async fn write_groups_of(
    write: &DirectoryWrite,
    user_ids: &[String],
) -> roster_store::Result<HashMap<String, Vec<normalize::GroupRef>>> {
    write.groups_of_users(user_ids).await
}

pub async fn delete(
    mut auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimApiError> {
    let id = &path.1;
    let mut write = auth.begin_write(&state).await?;
    let current = current(&auth, &write, id).await?;
    check_if_match(
        render::if_match(&req).as_deref(),
        &render::group_etag(&current),
    )
    .map_err(|e| auth.error(e))?;
    let members = write
        .group_members(id)
        .await
        .map_err(|e| auth.store_error(e))?;
    let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
    let users = write
        .users_by_ids(&ids)
        .await
        .map_err(|e| auth.store_error(e))?;
    write
        .delete_group(id)
        .await
        .map_err(|e| auth.store_error(e))?;
    // Membership events carry the group as the request leaves it (no members) and each user
    // with the groups it still has, like every other membership event.
    let emptied = group::Model {
        member_count: 0,
        ..current.clone()
    };
    let group_json = group_object_of(&emptied);
    let user_ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let mut groups_of = write_groups_of(&write, &user_ids)
        .await
        .map_err(|e| auth.store_error(e))?;
    let mut events: Vec<NewEvent> = users
        .iter()
        .filter(|u| !auth.rules.deleted_for_app(&u.state))
        .map(|u| {
            let mut data = u.data.clone();
            if let Some(obj) = data.as_object_mut() {
                let groups = groups_of.remove(&u.id).unwrap_or_default();
                obj.insert(
                    "groups".into(),
                    serde_json::to_value(groups).unwrap_or_default(),
                );
            }
            NewEvent::new(
                EventType::GroupUserRemoved,
                json!({"group": group_json, "user": data}),
            )
        })
        .collect();
    // Members lose the roles the group granted.
    if auth.rules.settings.maps_group(&current.id, &current.name) {
        events.extend(
            normalized::refresh_users(&write, &auth.rules, &users)
                .await
                .map_err(|e| auth.store_error(e))?,
        );
    }
    events.push(NewEvent::new(
        EventType::GroupDeleted,
        group_object_of(&current),
    ));
    write
        .append(events)
        .await
        .map_err(|e| auth.store_error(e))?;
    write.commit().await.map_err(|e| auth.store_error(e))?;
    Ok(HttpResponse::NoContent().finish())
}
