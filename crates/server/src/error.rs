//! The one place where errors become HTTP responses.
//!
//! Management API errors are `{"error": {"code", "message"}}`; SCIM errors are SCIM error bodies.
//! Server-side failures are logged with their cause chain and answered with a generic message:
//! no database text ever reaches a client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use roster_core::ValidationErrors;
use roster_store::StoreError;
use serde::Serialize;
use std::fmt;

/// An error of the management or events API.
#[derive(Debug)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad query parameter).
    BadRequest(String),
    /// Well-formed input that breaks a rule; every problem is listed.
    Validation(ValidationErrors),
    Unauthorized,
    NotFound(&'static str),
    /// Not found, with a message that says what exists instead.
    NotFoundExplained(String),
    /// The route exists but not with this method; `allow` lists the ones it has.
    MethodNotAllowed {
        method: String,
        allow: &'static str,
    },
    Conflict(String),
    /// The database is down: try again.
    Unavailable,
    Internal(anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid_request`, `validation_failed`, `unauthorized`,
    /// `not_found`, `method_not_allowed`, `conflict`, `unavailable`, `internal`.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
    /// Per-field problems, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub fields: Option<Vec<roster_core::FieldError>>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut errors = ValidationErrors::default();
        errors.push(field, message);
        ApiError::Validation(errors)
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "invalid_request",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) | ApiError::NotFoundExplained(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::BadRequest(m) | ApiError::Conflict(m) | ApiError::NotFoundExplained(m) => {
                f.write_str(m)
            }
            ApiError::Validation(errors) => write!(f, "invalid input: {errors}"),
            ApiError::Unauthorized => f.write_str(
                "missing or invalid API key: send `Authorization: Bearer <api key>` \
                 (create one with `roster api-key create --name NAME`)",
            ),
            ApiError::NotFound(what) => write!(f, "{what} not found"),
            ApiError::MethodNotAllowed { method, allow } => {
                write!(
                    f,
                    "{method} is not allowed on this route (allowed: {allow})"
                )
            }
            ApiError::Unavailable => {
                f.write_str("the database is unavailable; retry in a few seconds")
            }
            ApiError::Internal(_) => f.write_str("internal error; the server log has the details"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) | ApiError::NotFoundExplained(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let fields = match self {
            ApiError::Validation(errors) => Some(errors.0.clone()),
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"roster\""));
            }
            ApiError::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, *allow));
            }
            _ => {}
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                fields,
            },
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound("resource"),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Validation(errors)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        ApiError::Internal(err)
    }
}

/// Bodies up to 1 MiB; larger ones are refused before they are read.
pub fn payload_config() -> actix_web::web::PayloadConfig {
    actix_web::web::PayloadConfig::new(1 << 20)
}

/// Malformed query strings and paths answer with our error shape and serde's message, which
/// names the field and what was expected.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("invalid query string: {err}")).into())
}

pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("invalid path: {err}")).into())
}

/// A SCIM error, answered as a SCIM error body in the dialect of the endpoint that failed.
#[derive(Debug)]
pub struct ScimApiError {
    pub error: roster_scim::error::ScimError,
    pub version: roster_core::ScimVersion,
}

impl ScimApiError {
    pub fn v2(error: roster_scim::error::ScimError) -> Self {
        Self {
            error,
            version: roster_core::ScimVersion::V2,
        }
    }

    pub fn unauthorized(version: roster_core::ScimVersion) -> Self {
        Self {
            error: roster_scim::error::ScimError::unauthorized(
                "missing or invalid bearer token: copy the token shown when the directory was \
                 created (or rotated) into the IdP's API token / secret token field",
            ),
            version,
        }
    }

    pub fn from_store(err: StoreError, version: roster_core::ScimVersion) -> Self {
        use roster_scim::error::ScimError;
        let error = match err {
            StoreError::NotFound => ScimError::not_found("resource not found"),
            StoreError::Conflict(m) => ScimError::uniqueness(m),
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                ScimError::new(503, None, "service temporarily unavailable; retry shortly")
            }
            other => {
                tracing::error!(
                    error = format!("{:#}", anyhow::Error::from(other)),
                    "SCIM request failed"
                );
                ScimError::internal("internal error")
            }
        };
        Self { error, version }
    }
}

impl fmt::Display for ScimApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.detail)
    }
}

impl ResponseError for ScimApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self.version {
            roster_core::ScimVersion::V2 => self.error.to_json_v2(),
            roster_core::ScimVersion::V1_1 => self.error.to_json_v1(),
        };
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(crate::scim::SCIM_CONTENT_TYPE);
        match self.error.status {
            401 => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"roster-scim\""));
            }
            503 => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            // The bucket refills continuously: one second always buys at least one request.
            429 => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        let mut response = response.body(body.to_string());
        response
            .extensions_mut()
            .insert(crate::scim::activity::ErrorSummary {
                scim_type: self.error.scim_type.map(|t| t.as_str().to_owned()),
                detail: self.error.detail.clone(),
            });
        response
    }
}
