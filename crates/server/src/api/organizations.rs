//! `/organizations`: the vendor's tenants.

use super::dto::{ListOut, OrganizationIn, OrganizationOut, OrganizationPatch};
use super::{method_not_allowed, ApiKey, JsonBody, ListParams, OptionalJsonBody};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use roster_core::ValidationErrors;
use roster_store::organizations::OrganizationChange;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizations")
            .default_service(method_not_allowed("GET, POST"))
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/organizations/{organization_id}")
            .default_service(method_not_allowed("GET, PATCH, DELETE"))
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/organizations/{organization_id}/portal_links")
            .default_service(method_not_allowed("POST"))
            .route(web::post().to(create_portal_link)),
    );
}

fn check_external_id(errors: &mut ValidationErrors, external_id: Option<&str>) {
    if let Some(external_id) = external_id {
        errors.check_text("external_id", external_id, 256);
    }
}

/// Create an organization.
#[utoipa::path(post, operation_id = "create_organization", path = "/api/v1/organizations", tag = "organizations",
    request_body = OrganizationIn,
    responses((status = 201, body = OrganizationOut), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    _key: ApiKey,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<OrganizationIn>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::default();
    errors.check_text("name", &body.name, 200);
    check_external_id(&mut errors, body.external_id.as_deref());
    errors.into_result()?;
    let org = state
        .store
        .create_organization(body.name.trim(), body.external_id.as_deref())
        .await?;
    tracing::info!(organization_id = %org.id, "organization created");
    Ok(HttpResponse::Created().json(OrganizationOut::from(org)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganizationListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub after: Option<String>,
    /// Only the organization with this external_id.
    pub external_id: Option<String>,
}

/// List organizations, oldest first.
#[utoipa::path(get, operation_id = "list_organizations", path = "/api/v1/organizations", tag = "organizations",
    params(OrganizationListParams),
    responses((status = 200, body = ListOut<OrganizationOut>)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    query: web::Query<OrganizationListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = ListParams {
        limit: query.limit,
        after: query.after.clone(),
    }
    .page()?;
    let page = state
        .store
        .list_organizations(&page, query.external_id.as_deref())
        .await?
        .map(OrganizationOut::from);
    Ok(HttpResponse::Ok().json(ListOut {
        data: page.data,
        next_cursor: page.next_cursor,
    }))
}

/// Get an organization.
#[utoipa::path(get, operation_id = "get_organization", path = "/api/v1/organizations/{organization_id}", tag = "organizations",
    responses((status = 200, body = OrganizationOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org = state
        .store
        .find_organization(&path)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    Ok(HttpResponse::Ok().json(OrganizationOut::from(org)))
}

/// Rename an organization or change its external_id.
#[utoipa::path(patch, operation_id = "update_organization", path = "/api/v1/organizations/{organization_id}", tag = "organizations",
    request_body = OrganizationPatch,
    responses((status = 200, body = OrganizationOut), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::default();
    if let Some(name) = &body.name {
        errors.check_text("name", name, 200);
    }
    check_external_id(
        &mut errors,
        body.external_id.as_ref().and_then(|e| e.as_deref()),
    );
    errors.into_result()?;
    let change = OrganizationChange {
        name: body.name.map(|n| n.trim().to_owned()),
        external_id: body.external_id,
        directory_sync_enabled: body.directory_sync_enabled,
    };
    let org = state
        .store
        .update_organization(&path, change)
        .await
        .map_err(|e| not_found_as(e, "organization"))?;
    Ok(HttpResponse::Ok().json(OrganizationOut::from(org)))
}

/// Delete an organization and all its directories (each emits `directory.deleted`).
#[utoipa::path(delete, operation_id = "delete_organization", path = "/api/v1/organizations/{organization_id}", tag = "organizations",
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let public_url = state.public_url.clone();
    let deleted = state
        .store
        .delete_organization(&path, |d| super::directories::deleted_event(d, &public_url))
        .await
        .map_err(|e| not_found_as(e, "organization"))?;
    for directory_id in deleted {
        state.verifier.evict_directory(&directory_id);
        state.scim.evict(&directory_id);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A store `NotFound` named after what the route looks for.
pub fn not_found_as(err: roster_store::StoreError, what: &'static str) -> ApiError {
    match err {
        roster_store::StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

/// `POST /organizations/{id}/portal_links` body (optional).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalLinkIn {
    /// How long the link may be opened (1–10080 minutes); default `ROSTER_PORTAL_LINK_TTL`.
    #[schema(minimum = 1, maximum = 10080)]
    pub expires_in_minutes: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PortalLinkOut {
    pub object: &'static str,
    /// Send it to the organization's IT admin: it opens the admin portal once.
    pub url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Create a single-use admin-portal link for the organization's IT admin. Opening it starts a
/// portal session scoped to this organization.
#[utoipa::path(post, operation_id = "create_portal_link", path = "/api/v1/organizations/{organization_id}/portal_links", tag = "organizations",
    request_body(content = Option<PortalLinkIn>, description = "optional"),
    responses((status = 201, body = PortalLinkOut), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create_portal_link(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<PortalLinkIn>,
) -> Result<HttpResponse, ApiError> {
    let minutes = body.and_then(|b| b.expires_in_minutes);
    let ttl = match minutes {
        None => chrono::Duration::from_std(state.portal.link_ttl)
            .unwrap_or(chrono::Duration::minutes(15)),
        Some(m) if (1..=10080).contains(&m) => chrono::Duration::minutes(m),
        Some(m) => {
            return Err(ApiError::validation(
                "expires_in_minutes",
                format!("{m} is out of range: use 1 to 10080 (a week)"),
            ))
        }
    };
    if state.store.find_organization(&path).await?.is_none() {
        return Err(ApiError::NotFound("organization"));
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    let secret = crate::auth::random_secret(32);
    let hash = crate::auth::hash_secret_blocking(secret.clone()).await?;
    let expires_at = chrono::Utc::now() + ttl;
    state
        .store
        .create_portal_link(&format!("plink_{id}"), &path, &hash, expires_at)
        .await
        .map_err(|e| not_found_as(e, "organization"))?;
    tracing::info!(organization_id = %path.as_str(), "portal link created");
    Ok(HttpResponse::Created().json(PortalLinkOut {
        object: "portal_link",
        url: format!(
            "{}/portal/start?link={}{id}_{secret}",
            state.public_url,
            crate::portal::LINK_PREFIX
        ),
        expires_at,
    }))
}
