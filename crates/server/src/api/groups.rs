//! `/directories/{id}/groups`: app groups the vendor creates before the IdP syncs, so an IdP can
//! link its group to one (Okta "Push Groups → link group") instead of creating a new group. They
//! are ordinary groups of the directory, listed over SCIM; `app_group_key` rides on their events.

use super::dto::{AppGroupIn, GroupOut};
use super::organizations::not_found_as;
use super::{method_not_allowed, ApiKey, JsonBody};
use crate::error::ApiError;
use crate::scim::groups::group_object_of;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use roster_core::{EventType, GroupId, NewEvent, ValidationErrors};
use roster_store::entity::group;
use serde_json::json;

const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/directories/{directory_id}/groups")
            .default_service(method_not_allowed("POST"))
            .route(web::post().to(create)),
    );
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
