//! SCIM ingress: `{public_url}/scim/v2/{directory_id}` (and `/scim/v1/…`).
//!
//! This module holds what every SCIM route needs — bearer-token authentication scoped to the
//! directory in the URL, activation on the first authenticated request, SCIM error bodies — and
//! the discovery routes. The resource routes (`/Users`, `/Groups`) arrive with the SCIM ingress.

use crate::auth::{credential_from_header, AuthError};
use crate::error::ScimApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use roster_core::{DirectoryState, EventType, NewEvent, ScimVersion};
use std::future::Future;
use std::pin::Pin;

pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

pub fn configure(cfg: &mut web::ServiceConfig) {
    for version in [ScimVersion::V2, ScimVersion::V1_1] {
        let prefix = format!("/scim/{}/{{directory_id}}", version.path_segment());
        cfg.service(
            web::scope(&prefix)
                .app_data(version)
                .route(
                    "/ServiceProviderConfig",
                    web::get().to(service_provider_config),
                )
                .route(
                    "/ServiceProviderConfigs",
                    web::get().to(service_provider_config),
                )
                .default_service(web::to(not_found)),
        );
    }
}

/// A request authenticated with a token of the directory named in its URL.
pub struct DirectoryAuth {
    pub directory_id: String,
    pub organization_id: String,
    pub version: ScimVersion,
}

impl FromRequest for DirectoryAuth {
    type Error = ScimApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let version = req.app_data::<ScimVersion>().copied().unwrap_or_default();
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ScimApiError::unauthorized(version))?;
            let directory_id = req
                .match_info()
                .get("directory_id")
                .unwrap_or_default()
                .to_owned();
            let credential = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(credential_from_header)
                .ok_or_else(|| ScimApiError::unauthorized(version))?
                .to_owned();
            // Unknown directory and wrong token answer alike: no existence leak.
            match state
                .verifier
                .verify_scim_token(&state.store, &directory_id, &credential)
                .await
            {
                Ok(_) => {}
                Err(AuthError::Store(e)) => return Err(ScimApiError::from_store(e, version)),
                Err(_) => return Err(ScimApiError::unauthorized(version)),
            }
            let directory = state
                .store
                .find_directory(&directory_id)
                .await
                .map_err(|e| ScimApiError::from_store(e, version))?
                .ok_or_else(|| ScimApiError::unauthorized(version))?;
            crate::telemetry::record_tenant(
                &req,
                Some(&directory.organization_id),
                Some(&directory.id),
            );
            if DirectoryState::parse(&directory.state) == DirectoryState::Pending {
                activate(&state, &directory.id)
                    .await
                    .map_err(|e| ScimApiError::from_store(e, version))?;
            }
            Ok(DirectoryAuth {
                directory_id: directory.id,
                organization_id: directory.organization_id,
                version,
            })
        })
    }
}

/// Marks the directory active and emits `directory.activated`, once.
async fn activate(state: &AppState, directory_id: &str) -> roster_store::Result<()> {
    let public_url = state.public_url.clone();
    let activated = state
        .store
        .activate_directory(directory_id, |directory| {
            let settings = roster_store::directories::settings_of(directory).unwrap_or_default();
            let data = serde_json::to_value(crate::api::dto::DirectoryOut::from_model(
                directory.clone(),
                settings,
                &public_url,
            ))
            .unwrap_or_default();
            NewEvent::new(EventType::DirectoryActivated, data)
        })
        .await?;
    if activated {
        tracing::info!(
            directory_id,
            "directory activated by its first authenticated request"
        );
    }
    Ok(())
}

async fn service_provider_config(auth: DirectoryAuth, state: web::Data<AppState>) -> HttpResponse {
    use roster_scim::discovery::{self, DiscoveryOptions};
    let base = format!(
        "{}/scim/{}/{}",
        state.public_url,
        auth.version.path_segment(),
        auth.directory_id
    );
    let options = DiscoveryOptions::default();
    let body = match auth.version {
        ScimVersion::V2 => discovery::service_provider_config(&base, &options),
        ScimVersion::V1_1 => discovery::service_provider_config_v1(&base, &options),
    };
    HttpResponse::Ok()
        .content_type(SCIM_CONTENT_TYPE)
        .body(body.to_string())
}

/// Unknown SCIM paths still authenticate first, so they reveal nothing to strangers.
async fn not_found(auth: DirectoryAuth, req: HttpRequest) -> Result<HttpResponse, ScimApiError> {
    Err(ScimApiError {
        error: roster_scim::error::ScimError::not_found(format!(
            "no SCIM resource at {}",
            req.path()
        )),
        version: auth.version,
    })
}
