//! `/organizations/{id}/directories` and `/directories/{id}`: IdP connections and their tokens.

use super::dto::{
    DirectoryCreatedOut, DirectoryIn, DirectoryOut, DirectoryPatch, ListOut, TokenRotateIn,
    TokenRotatedOut,
};
use super::organizations::not_found_as;
use super::{method_not_allowed, ApiKey, JsonBody, ListParams, OptionalJsonBody};
use crate::auth::generate_scim_token;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use roster_core::{
    DirectorySettings, EventType, NewEvent, Provider, ScimVersion, ValidationErrors,
};
use roster_store::directories::{settings_of, DirectoryChange, NewDirectory, NewToken};
use roster_store::entity::directory;
use serde_json::{Map, Value};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizations/{organization_id}/directories")
            .default_service(method_not_allowed("GET, POST"))
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/directories/{directory_id}")
            .default_service(method_not_allowed("GET, PATCH, DELETE"))
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/directories/{directory_id}/token")
            .default_service(method_not_allowed("POST"))
            .route(web::post().to(rotate_token)),
    );
}

/// Longest grace period for an old token: a week is enough to update any IdP.
const MAX_GRACE_SECONDS: i64 = 7 * 24 * 3600;

fn directory_out(model: directory::Model, public_url: &str) -> Result<DirectoryOut, ApiError> {
    let settings = settings_of(&model)?;
    Ok(DirectoryOut::from_model(model, settings, public_url))
}

/// The directory as events carry it (the same shape as the API returns).
fn directory_json(model: &directory::Model, public_url: &str) -> Value {
    let settings = settings_of(model).unwrap_or_default();
    serde_json::to_value(DirectoryOut::from_model(
        model.clone(),
        settings,
        public_url,
    ))
    .unwrap_or(Value::Null)
}

pub fn deleted_event(model: &directory::Model, public_url: &str) -> NewEvent {
    NewEvent::new(
        EventType::DirectoryDeleted,
        directory_json(model, public_url),
    )
}

/// Top-level fields of `before` whose value differs in `after` (timestamps of the change aside).
fn changed_fields(before: &Value, after: &Value) -> Map<String, Value> {
    let mut previous = Map::new();
    if let (Value::Object(before), Value::Object(after)) = (before, after) {
        for (key, old) in before {
            if key == "updated_at" {
                continue;
            }
            if after.get(key) != Some(old) {
                previous.insert(key.clone(), old.clone());
            }
        }
    }
    previous
}

/// Create a directory; the response carries its SCIM token, which is never shown again.
#[utoipa::path(post, operation_id = "create_directory", path = "/api/v1/organizations/{organization_id}/directories", tag = "directories",
    request_body = DirectoryIn,
    responses((status = 201, body = DirectoryCreatedOut), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<DirectoryIn>,
) -> Result<HttpResponse, ApiError> {
    let (directory, token) = create_directory(&state, &path, body).await?;
    Ok(HttpResponse::Created().json(DirectoryCreatedOut {
        directory: directory_out(directory, &state.public_url)?,
        token,
    }))
}

/// Creates a directory of `organization_id` with its first token (shown once: returned here).
/// The API and the admin portal both create directories through this.
pub(crate) async fn create_directory(
    state: &AppState,
    organization_id: &str,
    body: DirectoryIn,
) -> Result<(directory::Model, String), ApiError> {
    let path = organization_id;
    let mut errors = ValidationErrors::default();
    errors.check_text("name", &body.name, 200);
    let provider = Provider::parse(&body.provider);
    if provider.is_none() {
        errors.push(
            "provider",
            format!(
                "'{}' is not one of: okta, entra, onelogin, jumpcloud, google, rippling, generic",
                body.provider
            ),
        );
    }
    let scim_version = match body.scim_version.as_deref() {
        None => Some(ScimVersion::V2),
        Some(v) => ScimVersion::parse(v),
    };
    if scim_version.is_none() {
        errors.push("scim_version", "must be \"2.0\" or \"1.1\"");
    }
    errors.into_result()?;
    let (Some(provider), Some(scim_version)) = (provider, scim_version) else {
        return Err(ApiError::bad_request("invalid directory"));
    };
    if state.store.find_organization(path).await?.is_none() {
        return Err(ApiError::NotFound("organization"));
    }
    let token = generate_scim_token().await?;
    let (directory, _) = state
        .store
        .create_directory(
            NewDirectory {
                organization_id: path,
                name: body.name.trim(),
                provider,
                scim_version,
                settings: DirectorySettings::default(),
            },
            NewToken {
                id: token.id.as_str(),
                hash: &token.hash,
                suffix: &token.suffix,
            },
        )
        .await
        .map_err(|e| not_found_as(e, "organization"))?;
    tracing::info!(organization_id = %directory.organization_id, directory_id = %directory.id, "directory created");
    Ok((directory, token.token))
}

/// List an organization's directories.
#[utoipa::path(get, operation_id = "list_directories", path = "/api/v1/organizations/{organization_id}/directories", tag = "directories",
    params(ListParams),
    responses((status = 200, body = ListOut<DirectoryOut>), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    if state.store.find_organization(&path).await?.is_none() {
        return Err(ApiError::NotFound("organization"));
    }
    let page = state.store.list_directories(&path, &page).await?;
    let data = page
        .data
        .into_iter()
        .map(|d| directory_out(d, &state.public_url))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(ListOut {
        data,
        next_cursor: page.next_cursor,
    }))
}

/// Get a directory with its settings and warnings (never its token).
#[utoipa::path(get, operation_id = "get_directory", path = "/api/v1/directories/{directory_id}", tag = "directories",
    responses((status = 200, body = DirectoryOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let directory = state
        .store
        .find_directory(&path)
        .await?
        .ok_or(ApiError::NotFound("directory"))?;
    Ok(HttpResponse::Ok().json(directory_out(directory, &state.public_url)?))
}

/// Change a directory's name, enabled flag or settings. Emits `directory.updated` with the
/// previous values of what changed.
#[utoipa::path(patch, operation_id = "update_directory", path = "/api/v1/directories/{directory_id}", tag = "directories",
    request_body = DirectoryPatch,
    responses((status = 200, body = DirectoryOut), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<DirectoryPatch>,
) -> Result<HttpResponse, ApiError> {
    let updated = update_directory(&state, &path, body).await?;
    Ok(HttpResponse::Ok().json(directory_out(updated, &state.public_url)?))
}

/// Applies a directory PATCH (name, enabled, settings) under the directory's write lock, with
/// its `directory.updated` event and the recompute of users the settings change. The API and
/// the admin portal both change directories through this.
pub(crate) async fn update_directory(
    state: &AppState,
    directory_id: &str,
    body: DirectoryPatch,
) -> Result<directory::Model, ApiError> {
    let path = directory_id;
    let mut body = body;
    let mut errors = ValidationErrors::default();
    if let Some(name) = &body.name {
        errors.check_text("name", name, 200);
    }
    errors.into_result()?;
    let settings_patch = body.settings_patch();
    // Under the directory's write lock: a concurrent PATCH cannot lose this one's fields, and no
    // SCIM write interleaves with the recompute below.
    let mut write = state
        .store
        .begin_directory_write(path)
        .await
        .map_err(|e| not_found_as(e, "directory"))?;
    let current = write.directory().await?;
    let current_settings = settings_of(&current)?;
    let settings = if settings_patch.is_empty() {
        None
    } else {
        Some(settings_patch.apply_to(&current_settings)?)
    };
    let recompute = settings
        .as_ref()
        .filter(|next| current_settings.changes_users(next))
        .cloned();
    let change = DirectoryChange {
        name: body.name.map(|n| n.trim().to_owned()),
        enabled: body.enabled,
        settings,
    };
    let updated = write.update_directory(&current, change).await?;
    let before = directory_json(&current, &state.public_url);
    let after = directory_json(&updated, &state.public_url);
    let previous = changed_fields(&before, &after);
    if !previous.is_empty() {
        write
            .append(vec![NewEvent::new(EventType::DirectoryUpdated, after)
                .with_previous(Value::Object(previous))])
            .await?;
    }
    // New roles, attribute mappings or deactivation policy change what the app sees of users.
    if let Some(next) = recompute {
        let provider = Provider::parse(&updated.provider).unwrap_or(Provider::Generic);
        let before = crate::normalized::Rules::new(provider, current_settings);
        let rules = crate::normalized::Rules::new(provider, next);
        let changed = crate::normalized::refresh_directory(&mut write, &before, &rules).await?;
        tracing::info!(directory_id = %updated.id, users_updated = changed, "directory settings recomputed its users");
    }
    write.commit().await?;
    // SCIM requests on this replica use the new settings at once.
    state.scim.evict(path);
    Ok(updated)
}

/// Delete a directory with its users, groups and tokens. Emits `directory.deleted`.
#[utoipa::path(delete, operation_id = "delete_directory", path = "/api/v1/directories/{directory_id}", tag = "directories",
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let public_url = state.public_url.clone();
    state
        .store
        .delete_directory(&path, |d| deleted_event(d, &public_url))
        .await
        .map_err(|e| not_found_as(e, "directory"))?;
    state.verifier.evict_directory(&path);
    state.scim.evict(&path);
    tracing::info!(directory_id = %path, "directory deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Issue a new SCIM token. The old one stops working now, or after `grace_seconds`; users,
/// groups and events are kept. Emits `directory.token_rotated`.
#[utoipa::path(post, operation_id = "rotate_directory_token", path = "/api/v1/directories/{directory_id}/token", tag = "directories",
    request_body(content = Option<TokenRotateIn>, description = "optional"),
    responses((status = 200, body = TokenRotatedOut), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn rotate_token(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<TokenRotateIn>,
) -> Result<HttpResponse, ApiError> {
    let grace_seconds = body.and_then(|b| b.grace_seconds).unwrap_or(0);
    let rotated = rotate_directory_token(&state, &path, grace_seconds).await?;
    Ok(HttpResponse::Ok().json(TokenRotatedOut {
        object: "directory_token",
        id: rotated.created.id,
        directory_id: rotated.created.directory_id,
        token: rotated.token,
        token_suffix: rotated.created.suffix,
        previous_token_expires_at: rotated.previous_expiry,
        created_at: rotated.created.created_at,
    }))
}

/// A new token and what became of the old one.
pub(crate) struct RotatedToken {
    pub created: roster_store::entity::directory_token::Model,
    /// Shown once.
    pub token: String,
    pub previous_expiry: Option<chrono::DateTime<chrono::Utc>>,
}

/// Issues a new SCIM token; the old one stops now or after `grace_seconds`. Users, groups and
/// events are kept. The API and the admin portal both rotate through this.
pub(crate) async fn rotate_directory_token(
    state: &AppState,
    directory_id: &str,
    grace_seconds: i64,
) -> Result<RotatedToken, ApiError> {
    let path = directory_id;
    if !(0..=MAX_GRACE_SECONDS).contains(&grace_seconds) {
        return Err(ApiError::validation(
            "grace_seconds",
            format!("{grace_seconds} is out of range: use 0 to {MAX_GRACE_SECONDS}"),
        ));
    }
    let grace = (grace_seconds > 0).then(|| chrono::Duration::seconds(grace_seconds));
    let token = generate_scim_token().await?;
    let previous_expiry = grace.map(|g| chrono::Utc::now() + g);
    let created = state
        .store
        .rotate_directory_token(
            path,
            NewToken {
                id: token.id.as_str(),
                hash: &token.hash,
                suffix: &token.suffix,
            },
            grace,
            |directory, created| {
                NewEvent::new(
                    EventType::DirectoryTokenRotated,
                    serde_json::json!({
                        "directory_id": directory.id,
                        "organization_id": directory.organization_id,
                        "token_id": created.id,
                        "token_suffix": created.suffix,
                        "previous_token_expires_at": previous_expiry,
                        "created_at": created.created_at,
                    }),
                )
            },
        )
        .await
        .map_err(|e| not_found_as(e, "directory"))?;
    state.verifier.evict_directory(path);
    state.scim.evict(path);
    tracing::info!(directory_id = %path, grace_seconds, "directory token rotated");
    Ok(RotatedToken {
        created,
        token: token.token,
        previous_expiry,
    })
}
