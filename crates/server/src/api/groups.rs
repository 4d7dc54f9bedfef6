//! `/directories/{id}/groups`: the directory's groups for the read API (`GET`, in the shape of
//! their `group.*` events, see `api/read.rs`), and app groups the vendor creates before the IdP
//! syncs (`POST`), so an IdP can link its group to one (Okta "Push Groups → link group") instead
//! of creating a new group. App groups are ordinary groups of the directory, listed over SCIM;
//! `app_group_key` rides on their events.

use super::dto::{AppGroupIn, GroupObject, GroupOut, GroupPageOut, UserPageOut};
use super::organizations::not_found_as;
use super::read::{self, CursorOf, GroupListParams, PageParams};
use super::{method_not_allowed, ApiKey, JsonBody};
use crate::error::ApiError;
use crate::scim::groups::group_object_of;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use roster_core::{EventType, GroupId, NewEvent, ValidationErrors};
use roster_store::entity::group;
use roster_store::read::{GroupQuery, UserQuery};
use serde_json::json;

const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/directories/{directory_id}/groups")
            .default_service(method_not_allowed("GET, POST"))
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/directories/{directory_id}/groups/{group_id}")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(get)),
    )
    .service(
        web::resource("/directories/{directory_id}/groups/{group_id}/users")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list_users)),
    );
}

/// The directory's groups, in id order, each exactly as `group.*` events carry it.
///
/// `as_of_sequence` is the directory's last event `sequence` read in the same database snapshot
/// as the page: read every page, then continue with
/// `GET /api/v1/events?directory_id=…&after_sequence=<the first page's as_of_sequence>`.
#[utoipa::path(get, operation_id = "list_directory_groups", path = "/api/v1/directories/{directory_id}/groups", tag = "directory data",
    params(("directory_id" = String, Path), GroupListParams),
    responses((status = 200, body = GroupPageOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<GroupListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = GroupQuery {
        limit: read::limit(params.limit)?,
        after: read::cursor(params.after.as_deref(), CursorOf::Groups)?,
        updated_after: read::updated_after(params.updated_after.as_deref())?,
    };
    let page = state
        .store
        .read_groups(&path, &query)
        .await?
        .map_err(read::not_found)?;
    Ok(HttpResponse::Ok().json(GroupPageOut {
        data: page.data.iter().map(read::group_json).collect(),
        next_cursor: page.next_cursor,
        as_of_sequence: page.as_of_sequence,
    }))
}

/// One group of the directory, as `group.*` events carry it; 404 when it is not in this
/// directory.
#[utoipa::path(get, operation_id = "get_directory_group", path = "/api/v1/directories/{directory_id}/groups/{group_id}", tag = "directory data",
    params(("directory_id" = String, Path), ("group_id" = String, Path)),
    responses((status = 200, body = GroupObject), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (directory_id, group_id) = path.into_inner();
    let group = state
        .store
        .read_group(&directory_id, &group_id)
        .await?
        .map_err(read::not_found)?;
    Ok(HttpResponse::Ok().json(read::group_json(&group)))
}

/// The group's members, in user id order, each as `user.*` events carry it, with the
/// directory's `as_of_sequence`. Under the `delete` policy inactive members are left out (they
/// were reported as deleted), so the list can be shorter than `member_count`.
#[utoipa::path(get, operation_id = "list_directory_group_users", path = "/api/v1/directories/{directory_id}/groups/{group_id}/users", tag = "directory data",
    params(("directory_id" = String, Path), ("group_id" = String, Path), PageParams),
    responses((status = 200, body = UserPageOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list_users(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (directory_id, group_id) = path.into_inner();
    let query = UserQuery {
        limit: read::limit(params.limit)?,
        after: read::cursor(params.after.as_deref(), CursorOf::Users)?,
        group_id: Some(group_id),
        ..Default::default()
    };
    let page = state
        .store
        .read_users(&directory_id, &query)
        .await?
        .map_err(read::not_found)?;
    Ok(HttpResponse::Ok().json(UserPageOut {
        data: page.data.into_iter().map(read::user_json).collect(),
        next_cursor: page.next_cursor,
        as_of_sequence: page.as_of_sequence,
    }))
}

/// Create an app group in a directory: an empty group the IdP can link its own group to. Its
/// name is unique in the directory like any group's; `app_group_key` (your app's own id for
/// the group) is unique too, and is carried on every event of the group.
#[utoipa::path(post, operation_id = "create_app_group", path = "/api/v1/directories/{directory_id}/groups", tag = "directories",
    request_body = AppGroupIn,
    responses((status = 201, body = GroupOut), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<AppGroupIn>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::default();
    errors.check_text("name", &body.name, 200);
    errors.check_text("app_group_key", &body.app_group_key, 200);
    errors.into_result()?;
    let name = body.name.trim().to_owned();
    let app_group_key = body.app_group_key.trim().to_owned();
    let mut write = state
        .store
        .begin_directory_write(&path)
        .await
        .map_err(|e| not_found_as(e, "directory"))?;
    let name_key = name.to_lowercase();
    if let Some(holder) = write.group_by_name_key(&name_key).await? {
        return Err(ApiError::Conflict(format!(
            "a group named '{}' already exists in this directory (id {})",
            holder.name, holder.id
        )));
    }
    if let Some(holder) = write.group_by_app_group_key(&app_group_key).await? {
        return Err(ApiError::Conflict(format!(
            "app_group_key '{app_group_key}' is already the key of group '{}' (id {}) in this directory",
            holder.name, holder.id
        )));
    }
    let now = Utc::now();
    let model = group::Model {
        id: GroupId::generate().into_string(),
        directory_id: write.directory_id().to_owned(),
        organization_id: write.organization_id().to_owned(),
        idp_id: None,
        external_id: None,
        name: name.clone(),
        name_key,
        app_group_key: Some(app_group_key),
        member_count: 0,
        version: 1,
        // What SCIM shows of it until the IdP links and pushes its own attributes.
        raw_attributes: json!({"schemas": [GROUP_URN], "displayName": name}),
        created_at: now,
        updated_at: now,
    };
    write.save_group(model.clone(), true).await?;
    write
        .append(vec![NewEvent::new(
            EventType::GroupCreated,
            group_object_of(&model),
        )])
        .await?;
    write.commit().await?;
    tracing::info!(
        directory_id = %model.directory_id,
        group_id = %model.id,
        "app group created"
    );
    Ok(HttpResponse::Created().json(GroupOut::from_model(model)))
}
