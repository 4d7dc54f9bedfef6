//! `/Users`: SCIM users in, normalized users and `user.*` events out.
//!
//! Every write runs in one [`roster_store::DirectoryWrite`]: it reads the current row after the
//! directory's write lock (so concurrent writes to a user serialize and none is lost), writes the
//! new state and appends the events the change implies, and commits before the response.

use super::{listing, read_json, render, seats, DirectoryAuth};
use crate::error::ScimApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use roster_core::normalize::{self, Stamp, UserProfile, UserState};
use roster_core::{DeactivationPolicy, EventType, NewEvent, ScimVersion, UserId};
use roster_scim::dialect::{normalize_resource, put_resource};
use roster_scim::error::ScimError;
use roster_scim::filter::plan::ResourceKind;
use roster_scim::patch::{apply, PatchRequest};
use roster_scim::resource::check_if_match;
use roster_scim::{ListQuery, Projection};
use roster_store::entity::user;
use roster_store::DirectoryWrite;
use serde_json::Value;

const USER: &str = "User";

pub async fn list(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ScimApiError> {
    let q = listing::from_query(&auth, &state, req.query_string(), USER)?;
    respond_list(&auth, &state, &q).await
}

pub async fn search(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ScimApiError> {
    let body = read_json(&req, &mut payload, &auth, state.scim.max_payload).await?;
    let q = listing::from_search_body(&auth, &state, &body, USER)?;
    respond_list(&auth, &state, &q).await
}

async fn respond_list(
    auth: &DirectoryAuth,
    state: &AppState,
    q: &ListQuery,
) -> Result<HttpResponse, ScimApiError> {
    let qp = listing::query_plan(q, ResourceKind::User);
    let store = &state.store;
    let (rows, total) = if qp.exact {
        let page = store
            .list_scim_users(
                &auth.directory_id,
                &qp.plan,
                q.offset() as u64,
                q.page_size() as u64,
            )
            .await
            .map_err(|e| auth.store_error(e))?;
        (page.rows, page.total)
    } else {
        let filter = q.filter.clone();
        let types = state.scim.registry.for_resource(USER);
        listing::scan(
            q,
            |after, batch| {
                let plan = qp.plan.clone();
                async move {
                    store
                        .scan_scim_users(&auth.directory_id, &plan, after.as_deref(), batch)
                        .await
                        .map_err(|e| auth.store_error(e))
                }
            },
            |row: &user::Model| row.id.clone(),
            |row| match (&filter, &types) {
                (Some(f), Some(t)) => {
                    f.matches_validated(&render::user_resource(auth, row, None), t)
                }
                _ => true,
            },
        )
        .await?
    };
    let with_groups = render::wants(&q.attributes, &q.excluded_attributes, "groups");
    let groups = if with_groups && !rows.is_empty() {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        store
            .groups_of_users(&ids)
            .await
            .map_err(|e| auth.store_error(e))?
    } else {
        Default::default()
    };
    let projection = Projection::new(
        &q.attributes,
        &q.excluded_attributes,
        &state.scim.registry,
        USER,
    );
    let resources = rows
        .iter()
        .map(|row| {
            let g = groups.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            render::finish(
                auth,
                &render::user_resource(auth, row, Some(g)),
                &projection,
            )
        })
        .collect();
    Ok(render::ok(listing::response(auth, resources, total, q)))
}

fn projection_of<'a>(state: &'a AppState, req: &HttpRequest) -> (Projection<'a>, bool) {
    let q = ListQuery::from_query_string(req.query_string(), &state.scim.list_limits)
        .unwrap_or_default();
    let wants_groups = render::wants(&q.attributes, &q.excluded_attributes, "groups");
    (
        Projection::new(
            &q.attributes,
            &q.excluded_attributes,
            &state.scim.registry,
            USER,
        ),
        wants_groups,
    )
}

async fn respond_user(
    auth: &DirectoryAuth,
    state: &AppState,
    req: &HttpRequest,
    model: &user::Model,
    status: StatusCode,
) -> Result<HttpResponse, ScimApiError> {
    let (projection, wants_groups) = projection_of(state, req);
    // A user just created is in no group yet: no query needed.
    let groups = if wants_groups && status != StatusCode::CREATED {
        state
            .store
            .groups_of_users(std::slice::from_ref(&model.id))
            .await
            .map_err(|e| auth.store_error(e))?
            .remove(&model.id)
    } else {
        None
    };
    let body = render::finish(
        auth,
        &render::user_resource(auth, model, groups.as_deref()),
        &projection,
    );
    let location =
        (status == StatusCode::CREATED).then(|| format!("{}/Users/{}", auth.base_url, model.id));
    Ok(render::resource(
        status,
        body,
        &render::user_etag(model),
        location,
    ))
}

fn not_found(auth: &DirectoryAuth, id: &str) -> ScimApiError {
    auth.error(ScimError::not_found(format!(
        "no user with id '{id}' in this directory"
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
        .scim_user(&auth.directory_id, id)
        .await
        .map_err(|e| auth.store_error(e))?
        .ok_or_else(|| not_found(&auth, id))?;
    let etag = render::user_etag(&model);
    if let Some(not_modified) = render::not_modified(&req, &etag) {
        return Ok(not_modified);
    }
    respond_user(&auth, &state, &req, &model, StatusCode::OK).await
}

/// The body as a 2.0 resource, whatever the endpoint's version.
fn as_v2(auth: &DirectoryAuth, mut body: Value) -> Value {
    if auth.version == ScimVersion::V1_1 {
        roster_scim::v1::to_v2_body(&mut body, USER);
    }
    body
}

/// `id`, `meta` and derived attributes are not stored: they are rebuilt on every read.
fn strip_server_fields(resource: &mut Value) {
    if let Some(obj) = resource.as_object_mut() {
        obj.retain(|k, _| {
            !(k.eq_ignore_ascii_case("id")
                || k.eq_ignore_ascii_case("meta")
                || k.eq_ignore_ascii_case("groups"))
        });
    }
}

pub async fn create(
    mut auth: DirectoryAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ScimApiError> {
    let body = read_json(&req, &mut payload, &auth, state.scim.max_payload).await?;
    let mut raw = as_v2(&auth, body);
    normalize_resource(&mut raw, &state.scim.registry, USER).map_err(|e| auth.error(e))?;
    strip_server_fields(&mut raw);
    let write = auth.begin_write(&state).await?;
    let key = user_name_key(&auth, &raw)?;
    let external_id = raw.get("externalId").and_then(Value::as_str);
    // Some IdPs name a manager by email: reports waiting for this address are linked too.
    let primary_email = UserProfile::from_scim(&raw, &[])
        .primary_email()
        .map(str::to_owned);
    let (holder, reports) = write
        .name_holder_and_reports(&key, external_id, primary_email.as_deref())
        .await
        .map_err(|e| auth.store_error(e))?;
    let revived = match holder {
        Some(existing) if existing.deleted_at.is_none() => {
            return Err(auth.error(ScimError::uniqueness(format!(
                "a user with userName '{}' already exists in this directory (id {})",
                existing.user_name, existing.id
            ))));
        }
        // Deleted by the IdP earlier but kept (suspend policy): the same person comes back.
        other => other,
    };
    // A revived user may also be named by its old id: let `save` look its reports up then.
    let reports = revived.is_none().then_some(reports);
    let mut write = seats::enforce(&auth, write, revived.as_ref(), &raw).await?;
    let model = save(&auth, &mut write, revived.as_ref(), raw, reports).await?;
    write.commit().await.map_err(|e| auth.store_error(e))?;
    respond_user(&auth, &state, &req, &model, StatusCode::CREATED).await
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
    let write = auth.begin_write(&state).await?;
    let current = current(&auth, &write, id).await?;
    check_if_match(
        render::if_match(&req).as_deref(),
        &render::user_etag(&current),
    )
    .map_err(|e| auth.error(e))?;
    let current_resource = render::user_resource(&auth, &current, None);
    let mut raw = put_resource(&current_resource, body, &state.scim.registry, USER)
        .map_err(|e| auth.error(e))?;
    strip_server_fields(&mut raw);
    let mut write = seats::enforce(&auth, write, Some(&current), &raw).await?;
    let model = save(&auth, &mut write, Some(&current), raw, None).await?;
    write.commit().await.map_err(|e| auth.store_error(e))?;
    respond_user(&auth, &state, &req, &model, StatusCode::OK).await
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
            roster_scim::v1::patch_request_from_v1(&body, &state.scim.registry, USER)
        }
    }
    .map_err(|e| auth.error(e))?;
    let write = auth.begin_write(&state).await?;
    let current = current(&auth, &write, id).await?;
    check_if_match(
        render::if_match(&req).as_deref(),
        &render::user_etag(&current),
    )
    .map_err(|e| auth.error(e))?;
    let mut resource = render::user_resource(&auth, &current, None);
    let outcome =
        apply(&mut resource, &request, &state.scim.registry, USER).map_err(|e| auth.error(e))?;
    let model = if outcome.changed {
        strip_server_fields(&mut resource);
        let mut write = seats::enforce(&auth, write, Some(&current), &resource).await?;
        let model = save(&auth, &mut write, Some(&current), resource, None).await?;
        write.commit().await.map_err(|e| auth.store_error(e))?;
        model
    } else {
        // Okta re-sends unchanged values: nothing to write, nothing to emit.
        drop(write);
        current
    };
    respond_user(&auth, &state, &req, &model, StatusCode::OK).await
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
        &render::user_etag(&current),
    )
    .map_err(|e| auth.error(e))?;
    let groups = write
        .groups_of_user(id)
        .await
        .map_err(|e| auth.store_error(e))?;
    let mut events = Vec::new();
    let user_data = with_groups(current.data.clone(), &[]);
    // Kept for the app as an inactive user (suspend): it loses its groups, hence maybe roles.
    let mut suspended = None;
    match auth.rules.settings.deactivation_policy {
        DeactivationPolicy::Delete => {
            // Memberships go with the row; the groups' counts follow.
            write
                .delete_user(id)
                .await
                .map_err(|e| auth.store_error(e))?;
        }
        DeactivationPolicy::Suspend => {
            // Gone for the IdP (404 from now on).
            for g in &groups {
                write
                    .remove_members(&g.id, std::slice::from_ref(&current.id))
                    .await
                    .map_err(|e| auth.store_error(e))?;
            }
            let now = Utc::now();
            let roles = auth.rules.settings.roles_for(&[]);
            let mut data = current.data.clone();
            if let Some(obj) = data.as_object_mut() {
                obj.insert("state".into(), Value::from(UserState::Inactive.as_str()));
                obj.insert("role".into(), serde_json::json!(roles.first()));
                obj.insert("roles".into(), serde_json::json!(roles));
                obj.insert(
                    "updated_at".into(),
                    Value::from(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                );
            }
            // Already inactive with the same roles: nothing changes for the app, not even
            // `updated_at` (no event will say so).
            let unchanged = normalize::previous_attributes(&current.data, &data).is_none();
            let (data, updated_at) = if unchanged {
                (current.data.clone(), current.updated_at)
            } else {
                (data, now)
            };
            let model = user::Model {
                state: UserState::Inactive.as_str().to_owned(),
                version: current.version + 1,
                data: data.clone(),
                updated_at,
                deleted_at: Some(now),
                ..current.clone()
            };
            let emails = email_keys(&model.raw_attributes);
            write
                .save_user(model, &emails, false)
                .await
                .map_err(|e| auth.store_error(e))?;
            suspended = Some(data);
        }
    }
    // Memberships end either way: the IdP no longer has this user in any group. Each group's
    // ETag moves on, and its events carry the group as it now is, unless the app was already
    // told the user is gone (`delete` policy, user inactive).
    let known_to_app = !auth.rules.deleted_for_app(&current.state);
    for g in &groups {
        write
            .touch_group(&g.id)
            .await
            .map_err(|e| auth.store_error(e))?;
        if !known_to_app {
            continue;
        }
        if let Some(group) = write.group(&g.id).await.map_err(|e| auth.store_error(e))? {
            events.push(NewEvent::new(
                EventType::GroupUserRemoved,
                serde_json::json!({"group": super::groups::group_object_of(&group), "user": user_data}),
            ));
        }
    }
    match suspended {
        // Deactivated if it was active; updated if losing its groups changed its roles.
        Some(data) => events.extend(
            normalize::user_change_event(Some(&current.data), &data).map(|e| NewEvent {
                data: with_groups(e.data, &[]),
                ..e
            }),
        ),
        None if known_to_app => events.push(NewEvent::new(EventType::UserDeleted, user_data)),
        None => {}
    }
    write
        .append(events)
        .await
        .map_err(|e| auth.store_error(e))?;
    write.commit().await.map_err(|e| auth.store_error(e))?;
    Ok(HttpResponse::NoContent().finish())
}

async fn current(
    auth: &DirectoryAuth,
    write: &DirectoryWrite,
    id: &str,
) -> Result<user::Model, ScimApiError> {
    write
        .user(id)
        .await
        .map_err(|e| auth.store_error(e))?
        .ok_or_else(|| not_found(auth, id))
}

fn user_name_key(auth: &DirectoryAuth, raw: &Value) -> Result<String, ScimApiError> {
    let name = raw
        .get("userName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            auth.error(ScimError::invalid_value(
                "'userName' is required and must be a non-empty string",
            ))
        })?;
    Ok(name.to_lowercase())
}

fn email_keys(raw: &Value) -> Vec<String> {
    UserProfile::from_scim(raw, &[])
        .emails
        .iter()
        .map(|e| e.value.to_lowercase())
        .collect()
}

use crate::normalized::with_groups;

/// Writes a user (new, revived or changed) and appends the event its change implies.
/// `before` is the stored row (for a revival, the hidden one); `raw` the new SCIM resource.
async fn save(
    auth: &DirectoryAuth,
    write: &mut DirectoryWrite,
    before: Option<&user::Model>,
    raw: Value,
    known_reports: Option<Vec<user::Model>>,
) -> Result<user::Model, ScimApiError> {
    let creating = before.is_none() || known_reports.is_some();
    let store_err = |e| auth.store_error(e);
    let key = user_name_key(auth, &raw)?;
    if let Some(before) = before {
        if before.user_name_key != key {
            if let Some(holder) = write.user_by_name_key(&key).await.map_err(store_err)? {
                if holder.id != before.id {
                    if holder.deleted_at.is_none() {
                        return Err(auth.error(ScimError::uniqueness(format!(
                            "userName '{}' is already taken by user {} in this directory",
                            holder.user_name, holder.id
                        ))));
                    }
                    write.release_user_name(&holder).await.map_err(store_err)?;
                }
            }
        }
    }
    let profile = UserProfile::from_scim(&raw, &auth.rules.mappings);
    let manager_id = match &profile.manager_ref {
        Some(r) => write.resolve_user_ref(r).await.map_err(store_err)?,
        None => None,
    };
    let now = Utc::now();
    let id = before
        .map(|b| b.id.clone())
        .unwrap_or_else(|| UserId::generate().into_string());
    let created_at = before.map(|b| b.created_at).unwrap_or(now);
    // The user's groups decide its roles (a new user has none yet).
    let groups = if before.is_some() {
        write.groups_of_user(&id).await.map_err(store_err)?
    } else {
        Vec::new()
    };
    let data = normalize::user_object(
        &Stamp {
            id: &id,
            organization_id: &auth.organization_id,
            directory_id: &auth.directory_id,
            created_at,
            updated_at: now,
        },
        &profile,
        manager_id.as_deref(),
        &auth.rules.settings,
        &groups,
        &raw,
    );
    let hidden = before.is_some_and(|b| b.deleted_at.is_some());
    let mut event = normalize::user_change_event(before.map(|b| &b.data), &data);
    if event.is_none() && !hidden {
        return before
            .cloned()
            .ok_or_else(|| auth.error(ScimError::internal("no user to keep")));
    }
    let model = user::Model {
        id: id.clone(),
        directory_id: auth.directory_id.clone(),
        organization_id: auth.organization_id.clone(),
        idp_id: profile.idp_id.clone(),
        external_id: profile.idp_id.clone(),
        user_name: profile.user_name.clone(),
        user_name_key: key,
        display_name: profile.display_name.clone(),
        primary_email: profile.primary_email().map(str::to_lowercase),
        state: profile.state.as_str().to_owned(),
        version: before.map(|b| b.version + 1).unwrap_or(1),
        data: data.clone(),
        raw_attributes: raw,
        created_at,
        updated_at: now,
        deleted_at: None,
        manager_ref: profile.manager_ref.as_deref().map(str::to_lowercase),
        manager_id: manager_id.clone(),
    };
    let emails: Vec<String> = profile
        .emails
        .iter()
        .map(|e| e.value.to_lowercase())
        .collect();
    // A new user's row goes in with its events (one statement on PostgreSQL), below.
    if before.is_some() {
        write
            .save_user(model.clone(), &emails, false)
            .await
            .map_err(store_err)?;
    }
    // An app that deletes deprovisioned users has no user to update while it stays inactive.
    if before.is_some_and(|b| auth.rules.deleted_for_app(&b.state))
        && auth.rules.deleted_for_app(&model.state)
    {
        event = None;
    }
    if let Some(e) = event.as_mut() {
        e.data = with_groups(e.data.take(), &groups);
        if auth.rules.settings.deactivation_policy == DeactivationPolicy::Delete {
            // For an app that deletes deprovisioned users, deactivation is deletion and
            // reactivation a new user.
            match e.event_type {
                EventType::UserDeactivated => {
                    e.event_type = EventType::UserDeleted;
                    e.previous_attributes = None;
                }
                EventType::UserReactivated => {
                    e.event_type = EventType::UserCreated;
                    e.previous_attributes = None;
                }
                _ => {}
            }
        }
    }
    let recreated = event
        .as_ref()
        .is_some_and(|e| e.event_type == EventType::UserCreated && before.is_some());
    let mut events: Vec<NewEvent> = event.into_iter().collect();
    if recreated {
        // The app forgot this user with its memberships: it learns them again.
        for g in &groups {
            if let Some(group) = write.group(&g.id).await.map_err(store_err)? {
                events.push(NewEvent::new(
                    EventType::GroupUserAdded,
                    serde_json::json!({
                        "group": super::groups::group_object_of(&group),
                        "user": with_groups(data.clone(), &groups),
                    }),
                ));
            }
        }
    }
    // Reports provisioned before this user may name it as their manager.
    let identity_changed = creating
        || hidden
        || before.is_none_or(|b| {
            b.user_name_key != model.user_name_key || b.external_id != model.external_id
        });
    if identity_changed {
        events.extend(link_reports(auth, write, &model, known_reports).await?);
    }
    if before.is_none() {
        write
            .insert_user_and_append(model.clone(), &emails, events)
            .await
            .map_err(store_err)?;
    } else {
        write.append(events).await.map_err(store_err)?;
    }
    Ok(model)
}

/// Resolves the manager of users who named `manager` before it existed; one `user.updated` each.
async fn link_reports(
    auth: &DirectoryAuth,
    write: &DirectoryWrite,
    manager: &user::Model,
    known: Option<Vec<user::Model>>,
) -> Result<Vec<NewEvent>, ScimApiError> {
    let store_err = |e| auth.store_error(e);
    let reports = match known {
        Some(reports) => reports,
        None => write.unresolved_reports(manager).await.map_err(store_err)?,
    };
    let mut events = Vec::new();
    for report in reports {
        let known_to_app = !auth.rules.deleted_for_app(&report.state);
        let now = Utc::now();
        let mut data = report.data.clone();
        if let Some(obj) = data.as_object_mut() {
            obj.insert("manager_id".into(), Value::from(manager.id.clone()));
            obj.insert(
                "updated_at".into(),
                Value::from(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            );
        }
        let model = user::Model {
            manager_id: Some(manager.id.clone()),
            version: report.version + 1,
            data: data.clone(),
            updated_at: now,
            ..report.clone()
        };
        let emails = email_keys(&model.raw_attributes);
        write
            .save_user(model, &emails, false)
            .await
            .map_err(store_err)?;
        if !known_to_app {
            continue;
        }
        let groups = write.groups_of_user(&report.id).await.map_err(store_err)?;
        events.push(
            NewEvent::new(EventType::UserUpdated, with_groups(data, &groups))
                .with_previous(serde_json::json!({"manager_id": null})),
        );
    }
    Ok(events)
}
