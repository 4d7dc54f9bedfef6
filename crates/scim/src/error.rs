//! SCIM errors: one type, one code table, two wire shapes.
//!
//! Every fallible operation in this crate returns [`Result<T>`], whose error
//! [`ScimError`] carries what an HTTP layer needs to answer a SCIM client:
//! the HTTP `status`, the optional RFC 7644 §3.12 `scimType` keyword and a
//! human-readable `detail`.
//!
//! Build errors through the named constructors so that the status code and
//! the `scimType` always agree with the RFC table:
//!
//! ```
//! use roster_scim::error::{ScimError, ScimType};
//!
//! let err = ScimError::invalid_filter("invalid filter at position 9: expected a value");
//! assert_eq!(err.status, 400);
//! assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
//!
//! // SCIM 2.0 body: `status` is a JSON *string* (RFC 7644 §3.12).
//! let body = err.to_json_v2();
//! assert_eq!(body["status"], "400");
//! assert_eq!(body["scimType"], "invalidFilter");
//!
//! // SCIM 1.1 body.
//! let v1 = ScimError::not_found("User 42 not found").to_json_v1();
//! assert_eq!(v1["Errors"][0]["code"], "404");
//! ```

use std::fmt;

use serde_json::{json, Value};

/// The SCIM 2.0 error schema URN (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` keywords of RFC 7644 §3.12 (Table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax is invalid, or the filter names an attribute or
    /// operator that cannot be used.
    InvalidFilter,
    /// The filter yields more results than the server is willing to compute.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the attribute's mutability.
    Mutability,
    /// The request body structure was invalid or did not conform to the schema.
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed.
    InvalidPath,
    /// The `path` did not yield an attribute or value that could be operated on.
    NoTarget,
    /// A required value was missing, or the value specified was not compatible.
    InvalidValue,
    /// The specified SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because it would reveal sensitive data.
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears on the wire, e.g. `"invalidFilter"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM protocol error: HTTP status, optional `scimType`, and detail text.
///
/// `Display` prints the `detail` only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ScimError {
    /// HTTP status code (400, 401, 404, 409, 412, 413, 429, 500, …).
    pub status: u16,
    /// The RFC 7644 §3.12 keyword, when one applies (only with 400 and 409).
    pub scim_type: Option<ScimType>,
    /// Human-readable explanation, safe to show to the client.
    pub detail: String,
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, ScimError>;

impl ScimError {
    /// Any status / type / detail combination. Prefer the named constructors.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    fn bad_request(t: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(t), detail)
    }

    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }
    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }
    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }
    /// 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }
    /// 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }
    /// 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }
    /// 400 `tooMany`.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::TooMany, detail)
    }
    /// 400 `invalidVers`.
    pub fn invalid_vers(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidVers, detail)
    }
    /// 403 `sensitive` (RFC 7644 §3.12 lists it under 403).
    pub fn sensitive(detail: impl Into<String>) -> Self {
        Self::new(403, Some(ScimType::Sensitive), detail)
    }
    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(ScimType::Uniqueness), detail)
    }
    /// 404, no `scimType`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }
    /// 412 (ETag / `If-Match` mismatch), no `scimType`.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(412, None, detail)
    }
    /// 401, no `scimType`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, None, detail)
    }
    /// 413, no `scimType`.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(413, None, detail)
    }
    /// 429, no `scimType`.
    pub fn too_many_requests(detail: impl Into<String>) -> Self {
        Self::new(429, None, detail)
    }
    /// 500, no `scimType`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, None, detail)
    }

    /// The SCIM 2.0 error body (RFC 7644 §3.12), `status` as a JSON string.
    ///
    /// `scimType` is omitted when there is none.
    pub fn to_json_v2(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(obj)) = (self.scim_type, body.as_object_mut()) {
            obj.insert("scimType".to_owned(), Value::String(t.as_str().to_owned()));
        }
        body
    }

    /// The SCIM 1.1 error body: `{"Errors":[{"description": …, "code": "400"}]}`.
    pub fn to_json_v1(&self) -> Value {
        json!({
            "Errors": [{
                "description": self.detail,
                "code": self.status.to_string(),
            }]
        })
    }
}
