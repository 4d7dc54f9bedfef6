//! The SCIM error code table and its two wire shapes.

use roster_scim::error::{ScimError, ScimType};
use serde_json::json;

#[test]
fn constructors_follow_the_rfc_table() {
    type Ctor = fn(&'static str) -> ScimError;
    let cases: Vec<(Ctor, u16, Option<&str>)> = vec![
        (|d| ScimError::invalid_filter(d), 400, Some("invalidFilter")),
        (|d| ScimError::invalid_syntax(d), 400, Some("invalidSyntax")),
        (|d| ScimError::invalid_value(d), 400, Some("invalidValue")),
        (|d| ScimError::invalid_path(d), 400, Some("invalidPath")),
        (|d| ScimError::no_target(d), 400, Some("noTarget")),
        (|d| ScimError::mutability(d), 400, Some("mutability")),
        (|d| ScimError::too_many(d), 400, Some("tooMany")),
        (|d| ScimError::invalid_vers(d), 400, Some("invalidVers")),
        (|d| ScimError::sensitive(d), 403, Some("sensitive")),
        (|d| ScimError::uniqueness(d), 409, Some("uniqueness")),
        (|d| ScimError::not_found(d), 404, None),
        (|d| ScimError::precondition_failed(d), 412, None),
        (|d| ScimError::unauthorized(d), 401, None),
        (|d| ScimError::payload_too_large(d), 413, None),
        (|d| ScimError::too_many_requests(d), 429, None),
        (|d| ScimError::internal(d), 500, None),
    ];
    for (ctor, status, scim_type) in cases {
        let e = ctor("some detail");
        assert_eq!(e.status, status);
        assert_eq!(e.scim_type.map(ScimType::as_str), scim_type);
        assert_eq!(e.to_string(), "some detail");
        let mut want = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.to_string(),
            "detail": "some detail",
        });
        if let Some(t) = scim_type {
            want["scimType"] = json!(t);
        }
        assert_eq!(e.to_json_v2(), want, "{status} {scim_type:?}");
        assert_eq!(
            e.to_json_v1(),
            json!({"Errors": [{"description": "some detail", "code": status.to_string()}]})
        );
    }
}

#[test]
fn scim_type_keywords() {
    let all = [
        (ScimType::InvalidFilter, "invalidFilter"),
        (ScimType::TooMany, "tooMany"),
        (ScimType::Uniqueness, "uniqueness"),
        (ScimType::Mutability, "mutability"),
        (ScimType::InvalidSyntax, "invalidSyntax"),
        (ScimType::InvalidPath, "invalidPath"),
        (ScimType::NoTarget, "noTarget"),
        (ScimType::InvalidValue, "invalidValue"),
        (ScimType::InvalidVers, "invalidVers"),
        (ScimType::Sensitive, "sensitive"),
    ];
    for (t, s) in all {
        assert_eq!(t.as_str(), s);
        assert_eq!(t.to_string(), s);
    }
}
