//! The management API (`/api/v1`), for the app vendor. Handlers are thin: parse, one store call,
//! map to a DTO.

pub mod activity;
mod attributes;
pub mod directories;
pub mod dto;
pub mod events;
pub mod groups;
pub mod openapi;
pub mod organizations;
pub mod read;
pub mod schemas;
pub mod users;
pub mod webhooks;

use crate::auth::credential_from_header;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use roster_store::PageRequest;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;

/// Mounts every `/api/v1` route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi::serve))
            .configure(organizations::routes)
            .configure(directories::routes)
            .configure(groups::routes)
            .configure(attributes::routes)
            .configure(users::routes)
            .configure(activity::routes)
            .configure(events::routes)
            .configure(schemas::routes)
            .configure(webhooks::routes),
    );
}

/// Proof that the request carries a valid management API key. Taking it as a handler argument is
/// what makes a route authenticated.
pub struct ApiKey {
    pub id: String,
}

impl FromRequest for ApiKey {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        crate::telemetry::record_tenant(
            req,
            req.match_info().get("organization_id"),
            req.match_info().get("directory_id"),
        );
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(credential_from_header)
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let credential = credential.ok_or(ApiError::Unauthorized)?;
            match state
                .verifier
                .verify_api_key(&state.store, &credential)
                .await
            {
                Ok(id) => Ok(ApiKey { id }),
                Err(crate::auth::AuthError::Store(e)) => Err(e.into()),
                Err(_) => Err(ApiError::Unauthorized),
            }
        })
    }
}

/// `?limit=&after=` of list routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
}

impl ListParams {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit {
            None => 20,
            Some(n @ 1..=100) => n,
            Some(n) => {
                return Err(ApiError::validation(
                    "limit",
                    format!("{n} is out of range: use 1 to 100"),
                ))
            }
        };
        Ok(PageRequest {
            after: self.after.clone().filter(|a| !a.is_empty()),
            limit,
        })
    }
}

/// A JSON object body. Unlike `web::Json`, it refuses a JSON array where an object is expected
/// (serde would otherwise read `[null, null]` as a struct) and always answers in our error shape.
pub struct JsonBody<T>(pub T);

/// Like [`JsonBody`], but an empty body is `None` — while a malformed one is still an error.
pub struct OptionalJsonBody<T>(pub Option<T>);

fn parse_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the body must be a JSON object, e.g. {\"name\": \"Acme\"}",
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> {
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        bytes
            .await
            .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::bad_request("a JSON object body is required"));
            }
            parse_object(&bytes).map(JsonBody)
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move {
            let bytes = body.await?;
            if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
                return Ok(OptionalJsonBody(None));
            }
            parse_object(&bytes).map(|v| OptionalJsonBody(Some(v)))
        })
    }
}

/// A JSON 405, with the `Allow` header, for a known route asked with a method it doesn't have.
pub fn method_not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move |req: HttpRequest| async move {
        Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow,
        })
    })
}
