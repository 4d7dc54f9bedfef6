//! SCIM ingress: `{public_url}/scim/v2/{directory_id}` (and `/scim/v1/…`).
//!
//! What every SCIM route shares lives here: bearer-token authentication scoped to the directory
//! in the URL, activation on the first authenticated request, the per-directory rate limit, body
//! reading (size limit, media type, JSON), and SCIM responses. The resources are in [`users`] and
//! [`groups`], discovery in [`discovery`], the request log in [`activity`].

pub mod activity;
pub(crate) mod discovery;
pub(crate) mod groups;
pub mod limit;
mod listing;
mod render;
mod seats;
mod users;

use crate::auth::{credential_from_header, AuthError};
use crate::error::ScimApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use roster_core::{DirectoryState, EventType, NewEvent, Provider, ScimVersion};
use roster_scim::error::ScimError;
use roster_scim::{ListLimits, SchemaRegistry};
use roster_store::entity::directory;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// SCIM state shared by every request: schemas, caches, the rate limiter, the activity log.
pub struct ScimRuntime {
    pub registry: Arc<SchemaRegistry>,
    directories: moka::sync::Cache<String, Arc<directory::Model>>,
    limiter: limit::RateLimiter,
    pub activity: activity::Recorder,
    pub max_payload: usize,
    pub list_limits: ListLimits,
}

impl ScimRuntime {
    /// `limiter`: the per-directory request budget ([`limit::RateLimiter`]).
    pub fn new(
        store: roster_store::Store,
        limiter: limit::RateLimiter,
        max_payload: usize,
    ) -> Self {
        Self {
            registry: Arc::new(SchemaRegistry::new()),
            // Other replicas see settings changes within this time (as token rotation).
            directories: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(2))
                .build(),
            limiter,
            activity: activity::Recorder::start(store),
            max_payload,
            list_limits: ListLimits::default(),
        }
    }

    /// Forgets what is cached about a directory (settings changed, token rotated, deleted).
    pub fn evict(&self, directory_id: &str) {
        self.directories.invalidate(directory_id);
    }

    async fn directory(
        &self,
        store: &roster_store::Store,
        id: &str,
    ) -> roster_store::Result<Option<Arc<directory::Model>>> {
        if let Some(d) = self.directories.get(id) {
            return Ok(Some(d));
        }
        let Some(model) = store.find_directory(id).await? else {
            return Ok(None);
        };
        let model = Arc::new(model);
        self.directories.insert(id.to_owned(), model.clone());
        Ok(Some(model))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    for version in [ScimVersion::V2, ScimVersion::V1_1] {
        let prefix = format!("/scim/{}/{{directory_id}}", version.path_segment());
        cfg.service(
            web::scope(&prefix)
                .app_data(version)
                .wrap_fn(activity::record)
                .service(get_only(
                    "/ServiceProviderConfig",
                    discovery::service_provider_config,
                ))
                .service(get_only(
                    "/ServiceProviderConfigs",
                    discovery::service_provider_config,
                ))
                .service(get_only("/ResourceTypes", discovery::resource_types))
                .service(get_only("/ResourceTypes/{name}", discovery::resource_type))
                .service(get_only("/Schemas", discovery::schemas))
                .service(get_only("/Schemas/{id}", discovery::schema))
                .service(
                    web::resource("/.search")
                        .route(web::post().to(root_search))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/Users")
                        .route(web::get().to(users::list))
                        .route(web::post().to(users::create))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/Users/.search")
                        .route(web::post().to(users::search))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/Users/{id}")
                        .route(web::get().to(users::get))
                        .route(web::put().to(users::replace))
                        .route(web::patch().to(users::patch))
                        .route(web::delete().to(users::delete))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/Groups")
                        .route(web::get().to(groups::list))
                        .route(web::post().to(groups::create))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/Groups/.search")
                        .route(web::post().to(groups::search))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/Groups/{id}")
                        .route(web::get().to(groups::get))
                        .route(web::put().to(groups::replace))
                        .route(web::patch().to(groups::patch))
                        .route(web::delete().to(groups::delete))
                        .default_service(web::to(method_not_allowed)),
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
    /// The directory's settings and effective attribute mappings.
    pub rules: crate::normalized::Rules,
    /// `{public_url}/scim/{v}/{directory_id}`.
    pub base_url: String,
}

impl DirectoryAuth {
    pub fn error(&self, error: ScimError) -> ScimApiError {
        ScimApiError {
            error,
            version: self.version,
        }
    }

    pub fn store_error(&self, error: roster_store::StoreError) -> ScimApiError {
        ScimApiError::from_store(error, self.version)
    }

    /// Starts the write transaction of this directory (state + events, under its lock). The
    /// settings read when the request was authenticated may predate a change that committed
    /// since (another replica's cache lives 2 s): the write goes by the settings under the lock.
    pub async fn begin_write(
        &mut self,
        state: &AppState,
    ) -> Result<roster_store::DirectoryWrite, ScimApiError> {
        let write = state
            .store
            .begin_directory_write_in(&self.directory_id, &self.organization_id)
            .await
            .map_err(|e| self.store_error(e))?;
        if let Some(current) = write.locked_settings() {
            match serde_json::from_value::<roster_core::DirectorySettings>(current.clone()) {
                Ok(settings) if settings != self.rules.settings => {
                    self.rules = crate::normalized::Rules::new(self.rules.provider, settings);
                    state.scim.evict(&self.directory_id);
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(self.store_error(roster_store::StoreError::Corrupt(format!(
                        "settings of {}: {e}",
                        self.directory_id
                    ))))
                }
            }
        }
        Ok(write)
    }
}

/// Which directory a request was for, once known: the activity log reads it.
#[derive(Clone)]
pub(crate) struct RequestDirectory {
    pub directory_id: String,
    pub organization_id: String,
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
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(credential_from_header)
                .map(str::to_owned);
            let directory = state
                .scim
                .directory(&state.store, &directory_id)
                .await
                .map_err(|e| ScimApiError::from_store(e, version))?;
            // A known directory logs refused requests too: its admin wants to see a wrong token.
            if let Some(d) = &directory {
                req.extensions_mut().insert(RequestDirectory {
                    directory_id: d.id.clone(),
                    organization_id: d.organization_id.clone(),
                });
            }
            let (Some(directory), Some(credential)) = (directory, credential) else {
                return Err(ScimApiError::unauthorized(version));
            };
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
            crate::telemetry::record_tenant(
                &req,
                Some(&directory.organization_id),
                Some(&directory.id),
            );
            if !directory.enabled {
                return Err(ScimApiError {
                    error: ScimError::new(
                        403,
                        None,
                        "directory sync is turned off for this directory by the application; \
                         ask the application's administrator to enable it",
                    ),
                    version,
                });
            }
            if let Err(wait) = state.scim.limiter.admit(&directory.id).await {
                return Err(ScimApiError {
                    error: ScimError::too_many_requests(format!(
                        "too many requests for this directory; retry after {} s",
                        wait.as_secs().max(1)
                    )),
                    version,
                });
            }
            if DirectoryState::parse(&directory.state) == DirectoryState::Pending {
                activate(&state, &directory.id)
                    .await
                    .map_err(|e| ScimApiError::from_store(e, version))?;
                state.scim.evict(&directory.id);
            }
            let settings = roster_store::directories::settings_of(&directory)
                .map_err(|e| ScimApiError::from_store(e, version))?;
            let provider = Provider::parse(&directory.provider).unwrap_or(Provider::Generic);
            Ok(DirectoryAuth {
                base_url: format!(
                    "{}/scim/{}/{}",
                    state.public_url,
                    version.path_segment(),
                    directory.id
                ),
                directory_id: directory.id.clone(),
                organization_id: directory.organization_id.clone(),
                version,
                rules: crate::normalized::Rules::new(provider, settings),
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

/// The redacted body excerpt the activity log keeps for a request.
#[derive(Clone)]
pub(crate) struct RequestExcerpt(pub String);

/// Reads a SCIM request body: size limit (413), media type (415), JSON object (400).
pub(crate) async fn read_json(
    req: &HttpRequest,
    payload: &mut web::Payload,
    auth: &DirectoryAuth,
    max: usize,
) -> Result<Value, ScimApiError> {
    let too_large = || {
        auth.error(ScimError::payload_too_large(format!(
            "the request body is larger than {max} bytes (see bulk.maxPayloadSize in \
             /ServiceProviderConfig)"
        )))
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > max {
            return Err(too_large());
        }
    }
    if let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        let essence = ct.split(';').next().unwrap_or_default().trim();
        if !essence.is_empty() && !essence.to_ascii_lowercase().contains("json") {
            return Err(auth.error(ScimError::new(
                415,
                None,
                format!(
                    "Content-Type '{essence}' is not supported; send application/scim+json or \
                     application/json"
                ),
            )));
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            auth.error(ScimError::invalid_syntax(format!(
                "could not read the request body: {e}"
            )))
        })?;
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    req.extensions_mut()
        .insert(RequestExcerpt(activity::excerpt(&body)));
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(auth.error(ScimError::invalid_syntax(
            "the request body is empty; send a JSON object",
        )));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        auth.error(ScimError::invalid_syntax(format!(
            "the request body is not valid JSON: {e}"
        )))
    })?;
    if !value.is_object() {
        return Err(auth.error(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        )));
    }
    Ok(value)
}

fn get_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(method_not_allowed))
}

/// Searching across resource types is optional (RFC 7644 §3.4.3): 501 says so.
async fn root_search(auth: DirectoryAuth) -> Result<HttpResponse, ScimApiError> {
    Err(auth.error(ScimError::new(
        501,
        None,
        "searching across resource types is not supported; use /Users/.search or /Groups/.search",
    )))
}

async fn method_not_allowed(
    auth: DirectoryAuth,
    req: HttpRequest,
) -> Result<HttpResponse, ScimApiError> {
    Err(auth.error(ScimError::new(
        405,
        None,
        format!("{} is not supported on {}", req.method(), req.path()),
    )))
}

/// Unknown SCIM paths still authenticate first, so they reveal nothing to strangers.
async fn not_found(auth: DirectoryAuth, req: HttpRequest) -> Result<HttpResponse, ScimApiError> {
    Err(auth.error(ScimError::not_found(format!(
        "no SCIM resource at {}",
        req.path()
    ))))
}
