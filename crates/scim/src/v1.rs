//! SCIM 1.1: what differs from 2.0, and how Roster maps it.
//!
//! Okta's "SCIM 1.1" application templates (and its on-premises agent) speak
//! the 2012 SCIM 1.1 draft. Roster stores every resource in its SCIM 2.0
//! form and translates at the edge:
//!
//! | | SCIM 1.1 | SCIM 2.0 / Roster |
//! |---|---|---|
//! | core schema URN | `urn:scim:schemas:core:1.0` (users, groups, messages) | `…:core:2.0:User` / `…:core:2.0:Group` |
//! | enterprise extension | `urn:scim:schemas:extension:enterprise:1.0` | `…:extension:enterprise:2.0:User` |
//! | PATCH body | a partial resource: plain attributes replace, multi-valued ones merge, elements with `"operation": "delete"` are removed, `meta.attributes` lists attributes to clear | `PatchOp` with `Operations` |
//! | error body | `{"Errors": [{"description", "code"}]}` ([`ScimError::to_json_v1`](crate::error::ScimError::to_json_v1)) | `{"schemas", "status", "scimType", "detail"}` |
//! | ListResponse | `schemas: ["urn:scim:schemas:core:1.0"]` | the ListResponse message URN |
//! | provider config | `/ServiceProviderConfigs` | `/ServiceProviderConfig` |
//!
//! **Filters.** The 1.1 grammar is a subset of the 2.0 one: `eq co sw pr gt
//! ge lt le`, `and`, `or` and parentheses, with the same string literal and
//! attribute-path syntax (attribute names case-insensitive, sub-attributes
//! with `.`). 2.0 adds `ne`, `ew`, `not` and value paths (`emails[…]`).
//! Nothing a 1.1 client can send parses differently, so 1.1 filters go
//! through [`crate::filter::Filter::parse`] unchanged. (In 1.1 `eq` on
//! strings was described as case-sensitive for some attributes; Roster
//! follows the 2.0 `caseExact` rules, which are the same for `userName`.)
//!
//! ```
//! use roster_scim::v1;
//! use roster_scim::schema::SchemaRegistry;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::new();
//! let mut group = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
//!     "id": "g1", "displayName": "Eng",
//!     "members": [{"value": "u1", "display": "ada"}],
//! });
//! // Okta 1.1: remove u1, add u2, in one partial-resource PATCH.
//! let body = json!({
//!     "schemas": ["urn:scim:schemas:core:1.0"],
//!     "members": [
//!         {"value": "u1", "display": "ada", "operation": "delete"},
//!         {"value": "u2", "display": "grace"},
//!     ],
//! });
//! let outcome = v1::apply_patch(&mut group, &body, &registry, "Group")?;
//! assert_eq!(group["members"], json!([{"value": "u2", "display": "grace"}]));
//! assert_eq!(outcome.members_removed, vec!["u1"]);
//!
//! // Responses go back out in the 1.1 shape.
//! let out = v1::to_v1_resource(&group);
//! assert_eq!(out["schemas"], json!(["urn:scim:schemas:core:1.0"]));
//! # Ok::<(), roster_scim::ScimError>(())
//! ```

use serde_json::{Map, Value};

use crate::dialect::{get_ci, OpKind};
use crate::error::{Result, ScimError};
use crate::patch::{apply, PatchOperation, PatchOutcome, PatchRequest};
use crate::path::AttrPath;
use crate::schema::{
    is_urn_like, SchemaRegistry, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, V1_CORE_SCHEMA,
    V1_ENTERPRISE_SCHEMA,
};

/// The SCIM 2.0 URN for a 1.1 URN, given the resource type (`User` /
/// `Group`); other URNs are returned unchanged.
pub fn urn_to_v2<'a>(urn: &'a str, resource_type: &str) -> &'a str {
    if urn.eq_ignore_ascii_case(V1_CORE_SCHEMA) {
        if resource_type.eq_ignore_ascii_case("group")
            || resource_type.eq_ignore_ascii_case(GROUP_SCHEMA)
        {
            GROUP_SCHEMA
        } else {
            USER_SCHEMA
        }
    } else if urn.eq_ignore_ascii_case(V1_ENTERPRISE_SCHEMA) {
        ENTERPRISE_USER_SCHEMA
    } else {
        urn
    }
}

/// The SCIM 1.1 URN for a 2.0 URN; other URNs are returned unchanged.
pub fn urn_to_v1(urn: &str) -> &str {
    if urn.eq_ignore_ascii_case(USER_SCHEMA) || urn.eq_ignore_ascii_case(GROUP_SCHEMA) {
        V1_CORE_SCHEMA
    } else if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
        V1_ENTERPRISE_SCHEMA
    } else {
        urn
    }
}

/// Rewrites a path or key that starts with a 1.1 URN (`urn:scim:…:1.0:x`).
fn path_to_v2(path: &str, resource_type: &str) -> String {
    for v1 in [V1_ENTERPRISE_SCHEMA, V1_CORE_SCHEMA] {
        if let Some(head) = path.get(..v1.len()) {
            if head.eq_ignore_ascii_case(v1) {
                let rest = path.get(v1.len()..).unwrap_or("");
                let v2 = urn_to_v2(v1, resource_type);
                return if v2 == USER_SCHEMA || v2 == GROUP_SCHEMA {
                    rest.trim_start_matches(':').to_owned()
                } else {
                    format!("{v2}{rest}")
                };
            }
        }
    }
    path.to_owned()
}

fn rename_schemas(obj: &mut Map<String, Value>, f: &dyn Fn(&str) -> String) {
    if let Some(Value::Array(list)) = obj.get_mut("schemas") {
        let mut out: Vec<Value> = Vec::with_capacity(list.len());
        for s in list.drain(..) {
            let v = match s.as_str() {
                Some(u) => Value::String(f(u)),
                None => s,
            };
            if !out.contains(&v) {
                out.push(v);
            }
        }
        *list = out;
    }
    let keys: Vec<String> = obj.keys().filter(|k| is_urn_like(k)).cloned().collect();
    for k in keys {
        let nk = f(&k);
        if nk != k {
            if let Some(v) = obj.remove(&k) {
                obj.insert(nk, v);
            }
        }
    }
}

/// Converts a 1.1 body (POST/PUT/PATCH) to 2.0 URNs in place: `schemas`
/// entries and extension object keys.
pub fn to_v2_body(body: &mut Value, resource_type: &str) {
    if let Value::Object(obj) = body {
        rename_schemas(obj, &|u| urn_to_v2(u, resource_type).to_owned());
    }
}

/// The 1.1 representation of a stored (2.0) resource.
pub fn to_v1_resource(resource: &Value) -> Value {
    let mut out = resource.clone();
    if let Value::Object(obj) = &mut out {
        rename_schemas(obj, &|u| urn_to_v1(u).to_owned());
    }
    out
}

fn is_delete(el: &Value) -> bool {
    el.as_object()
        .and_then(|o| get_ci(o, "operation"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("delete"))
}

fn without_operation(el: Value) -> Value {
    match el {
        Value::Object(mut o) => {
            o.retain(|k, _| !k.eq_ignore_ascii_case("operation"));
            Value::Object(o)
        }
        other => other,
    }
}

/// Translates a 1.1 PATCH body (a partial resource) into 2.0 operations:
///
/// 1. each name in `meta.attributes` → `remove` of that attribute;
/// 2. each multi-valued attribute → `remove` of its elements marked
///    `"operation": "delete"`, then `add` of the others (merge);
/// 3. every other attribute → `replace` (complex ones merge sub-attributes).
///
/// `id`, `meta` (other than `meta.attributes`) and `schemas` are ignored.
pub fn patch_request_from_v1(
    body: &Value,
    registry: &SchemaRegistry,
    resource_type: &str,
) -> Result<PatchRequest> {
    let mut body = body.clone();
    to_v2_body(&mut body, resource_type);
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "the PATCH body must be a JSON object",
        ));
    };
    let view = registry.for_resource(resource_type).ok_or_else(|| {
        ScimError::invalid_value(format!("unknown resource type '{resource_type}'"))
    })?;
    let mut ops = Vec::new();
    if let Some(attrs) = get_ci(&obj, "meta")
        .and_then(Value::as_object)
        .and_then(|m| get_ci(m, "attributes"))
    {
        let Some(list) = attrs.as_array() else {
            return Err(ScimError::invalid_syntax(
                "meta.attributes must be an array of attribute names",
            ));
        };
        for a in list {
            let Some(name) = a.as_str() else {
                return Err(ScimError::invalid_syntax(
                    "meta.attributes must be an array of attribute names",
                ));
            };
            let path = path_to_v2(name.trim(), resource_type);
            ops.push(PatchOperation::new(OpKind::Remove, Some(&path), None)?);
        }
    }
    let mut push_attr = |path: String, value: Value| -> Result<()> {
        let multi = AttrPath::parse(&path)
            .ok()
            .and_then(|p| view.attribute(&p))
            .map(|d| d.multi_valued)
            .unwrap_or_else(|| value.is_array());
        if multi {
            let items = match value {
                Value::Array(a) => a,
                Value::Null => Vec::new(),
                single => vec![single],
            };
            let (del, add): (Vec<Value>, Vec<Value>) = items.into_iter().partition(is_delete);
            if !del.is_empty() {
                let del = del.into_iter().map(without_operation).collect();
                ops.push(PatchOperation::new(
                    OpKind::Remove,
                    Some(&path),
                    Some(Value::Array(del)),
                )?);
            }
            if !add.is_empty() {
                ops.push(PatchOperation::new(
                    OpKind::Add,
                    Some(&path),
                    Some(Value::Array(add)),
                )?);
            }
        } else {
            ops.push(PatchOperation::new(
                OpKind::Replace,
                Some(&path),
                Some(value),
            )?);
        }
        Ok(())
    };
    for (k, v) in obj {
        if k.eq_ignore_ascii_case("schemas")
            || k.eq_ignore_ascii_case("id")
            || k.eq_ignore_ascii_case("meta")
        {
            continue;
        }
        if is_urn_like(&k) {
            if let Value::Object(inner) = v {
                for (k2, v2) in inner {
                    push_attr(format!("{k}:{k2}"), v2)?;
                }
                continue;
            }
        }
        push_attr(k, v)?;
    }
    Ok(PatchRequest { operations: ops })
}

/// Translates and applies a 1.1 PATCH body to a stored (2.0) resource.
pub fn apply_patch(
    resource: &mut Value,
    body: &Value,
    registry: &SchemaRegistry,
    resource_type: &str,
) -> Result<PatchOutcome> {
    let request = patch_request_from_v1(body, registry, resource_type)?;
    apply(resource, &request, registry, resource_type)
}
