//! Attribute mappings: which SCIM attribute becomes which key of a normalized user's
//! `custom_attributes`, with which type. Every provider comes with defaults (the enterprise
//! extension and the common core attributes); the vendor or the IT admin adds or overrides.

use crate::directory::{AttributeMapping, Provider};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use roster_scim::dialect::{coerce_bool, get_ci};
use roster_scim::path::AttrPath;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The JSON type a mapped attribute is delivered as. A value that cannot be read as its type is
/// left out of `custom_attributes` (it stays in `raw_attributes`) rather than failing the IdP's
/// write: the IdP admin could not fix it from there, and the app's code can rely on the type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// Text; numbers and booleans are written out.
    #[default]
    String,
    /// A whole number (from a number or a numeric string such as Entra's `"40117"`).
    Integer,
    /// Any number.
    Number,
    /// `true`/`false` (also from the strings `"True"`/`"false"`, as Entra sends them).
    Boolean,
    /// A calendar date, delivered as `YYYY-MM-DD` (from a date or an RFC 3339 date-time).
    Date,
    /// An instant, delivered as RFC 3339 in UTC with milliseconds.
    DateTime,
    /// Every value of a multi-valued attribute (e.g. all `phoneNumbers`), as a list of text.
    StringList,
}

impl AttributeType {
    pub const ALL: [AttributeType; 7] = [
        AttributeType::String,
        AttributeType::Integer,
        AttributeType::Number,
        AttributeType::Boolean,
        AttributeType::Date,
        AttributeType::DateTime,
        AttributeType::StringList,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Integer => "integer",
            AttributeType::Number => "number",
            AttributeType::Boolean => "boolean",
            AttributeType::Date => "date",
            AttributeType::DateTime => "date_time",
            AttributeType::StringList => "string_list",
        }
    }

    /// Reads `value` as this type; `None` when it cannot be.
    pub fn coerce(self, value: &Value) -> Option<Value> {
        let text = || match value {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match self {
            AttributeType::String => text().map(Value::String),
            AttributeType::Integer => match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => Some(value.clone()),
                Value::Number(n) => n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| Value::from(f as i64)),
                Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
                _ => None,
            },
            AttributeType::Number => match value {
                Value::Number(_) => Some(value.clone()),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number),
                _ => None,
            },
            AttributeType::Boolean => coerce_bool(value).map(Value::Bool),
            AttributeType::Date => {
                let s = text()?;
                let date = NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .ok()
                    .or_else(|| parse_instant(&s).map(|t| t.date_naive()))?;
                Some(Value::String(date.format("%Y-%m-%d").to_string()))
            }
            AttributeType::DateTime => {
                let s = text()?;
                let instant = parse_instant(&s).or_else(|| {
                    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                })?;
                Some(Value::String(
                    instant.to_rfc3339_opts(SecondsFormat::Millis, true),
                ))
            }
            AttributeType::StringList => match value {
                Value::Array(items) => {
                    let list: Vec<Value> = items
                        .iter()
                        .filter_map(|i| AttributeType::String.coerce(i))
                        .collect();
                    (!list.is_empty()).then_some(Value::Array(list))
                }
                other => AttributeType::String
                    .coerce(other)
                    .map(|v| Value::Array(vec![v])),
            },
        }
    }
}

/// RFC 3339, or a date-time without offset (taken as UTC, as some HR feeds send it).
fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Where an effective mapping comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingOrigin {
    /// Built in for the directory's provider.
    ProviderDefault,
    /// Set in the directory's settings (it replaces a default with the same target).
    Directory,
}

fn mapping(source: &str, target: &str, kind: AttributeType) -> AttributeMapping {
    AttributeMapping {
        source: source.to_owned(),
        target: target.to_owned(),
        kind,
    }
}

/// The mappings every directory of `provider` starts with.
///
/// The enterprise extension and the common core attributes are what Okta, Entra, OneLogin,
/// JumpCloud and Rippling all send when the admin maps them; JumpCloud and Rippling also push a
/// photo. Google Workspace pushes no SCIM (its directory is a label until polling exists), so it
/// gets the common set for when it does.
pub fn provider_defaults(provider: Provider) -> Vec<AttributeMapping> {
    let enterprise = |attr: &str| format!("{ENTERPRISE_USER_URN}:{attr}");
    let mut defaults = vec![
        mapping("title", "job_title", AttributeType::String),
        mapping(
            &enterprise("department"),
            "department",
            AttributeType::String,
        ),
        mapping(
            &enterprise("employeeNumber"),
            "employee_number",
            AttributeType::String,
        ),
        mapping(
            &enterprise("costCenter"),
            "cost_center",
            AttributeType::String,
        ),
        mapping(
            &enterprise("organization"),
            "organization",
            AttributeType::String,
        ),
        mapping(&enterprise("division"), "division", AttributeType::String),
        mapping("userType", "employee_type", AttributeType::String),
        mapping("phoneNumbers", "phone_number", AttributeType::String),
        mapping("locale", "locale", AttributeType::String),
        mapping(
            "preferredLanguage",
            "preferred_language",
            AttributeType::String,
        ),
        mapping("timezone", "timezone", AttributeType::String),
    ];
    if matches!(provider, Provider::Jumpcloud | Provider::Rippling) {
        defaults.push(mapping("photos", "photo_url", AttributeType::String));
    }
    defaults
}

/// The mappings in force: the provider's defaults, each replaced by a directory mapping with the
/// same target, then the directory's other mappings in their order.
pub fn effective_mappings(
    provider: Provider,
    configured: &[AttributeMapping],
) -> Vec<(AttributeMapping, MappingOrigin)> {
    let mut effective: Vec<(AttributeMapping, MappingOrigin)> = provider_defaults(provider)
        .into_iter()
        .filter(|d| !configured.iter().any(|c| c.target == d.target))
        .map(|d| (d, MappingOrigin::ProviderDefault))
        .collect();
    effective.extend(
        configured
            .iter()
            .cloned()
            .map(|c| (c, MappingOrigin::Directory)),
    );
    effective
}

/// Resolves a SCIM attribute path (`title`, `name.givenName`, `urn:…:User:department`,
/// `urn:…:enterprise:2.0:User:manager.value`) in a resource, case-insensitively.
/// Multi-valued attributes give their primary (else first) element's `value` unless a
/// sub-attribute is named; `all` gives every element's instead.
pub fn lookup_values(resource: &Value, path: &str, all: bool) -> Option<Value> {
    let path = AttrPath::parse(path).ok()?;
    let obj = resource.as_object()?;
    let container = match path.effective_urn() {
        Some(urn) if !roster_scim::path::is_core_urn(urn) => get_ci(obj, urn)?.as_object()?,
        _ => obj,
    };
    let value = get_ci(container, &path.name)?;
    let pick = |item: &Value| match item {
        Value::Object(o) => get_ci(o, path.sub_attr.as_deref().unwrap_or("value")).cloned(),
        other => Some(other.clone()),
    };
    let value = match (&path.sub_attr, value) {
        (Some(sub), Value::Object(o)) => get_ci(o, sub)?.clone(),
        (_, Value::Array(items)) if all => Value::Array(items.iter().filter_map(pick).collect()),
        (_, Value::Array(items)) => {
            let chosen = items
                .iter()
                .find(|i| i.get("primary").and_then(coerce_bool) == Some(true))
                .or_else(|| items.first())?;
            pick(chosen)?
        }
        (Some(_), _) => return None,
        (None, v) => v.clone(),
    };
    (!value.is_null()).then_some(value)
}

/// The `custom_attributes` a resource yields under `mappings`.
pub fn custom_attributes(
    resource: &Value,
    mappings: &[AttributeMapping],
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for m in mappings {
        let all = m.kind == AttributeType::StringList;
        if let Some(v) = lookup_values(resource, &m.source, all).and_then(|v| m.kind.coerce(&v)) {
            out.insert(m.target.clone(), v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coerces_what_idps_send_into_the_declared_type() {
        assert_eq!(
            AttributeType::Integer.coerce(&json!("40117")),
            Some(json!(40117))
        );
        assert_eq!(AttributeType::Integer.coerce(&json!("4.5")), None);
        assert_eq!(
            AttributeType::Boolean.coerce(&json!("True")),
            Some(json!(true))
        );
        assert_eq!(
            AttributeType::Date.coerce(&json!("2024-01-02T10:00:00+02:00")),
            Some(json!("2024-01-02"))
        );
        assert_eq!(AttributeType::Date.coerce(&json!("02/01/2024")), None);
        assert_eq!(
            AttributeType::DateTime.coerce(&json!("2024-01-02T10:00:00+02:00")),
            Some(json!("2024-01-02T08:00:00.000Z"))
        );
        assert_eq!(AttributeType::String.coerce(&json!(12)), Some(json!("12")));
        assert_eq!(AttributeType::String.coerce(&json!({"a": 1})), None);
    }

    #[test]
    fn directory_mappings_replace_provider_defaults_by_target() {
        let configured = vec![mapping("nickName", "department", AttributeType::String)];
        let effective = effective_mappings(Provider::Okta, &configured);
        let department: Vec<_> = effective
            .iter()
            .filter(|(m, _)| m.target == "department")
            .collect();
        assert_eq!(department.len(), 1);
        assert_eq!(department[0].0.source, "nickName");
        assert_eq!(department[0].1, MappingOrigin::Directory);
        assert!(effective
            .iter()
            .any(|(m, o)| m.target == "job_title" && *o == MappingOrigin::ProviderDefault));
    }

    #[test]
    fn string_lists_collect_every_value() {
        let r =
            json!({"phoneNumbers": [{"value": "+1 555"}, {"value": "+44 20", "primary": true}]});
        let list = mapping("phoneNumbers", "phones", AttributeType::StringList);
        let one = mapping("phoneNumbers", "phone", AttributeType::String);
        let out = custom_attributes(&r, &[list, one]);
        assert_eq!(out["phones"], json!(["+1 555", "+44 20"]));
        assert_eq!(out["phone"], json!("+44 20"));
    }

    #[test]
    fn lookup_resolves_urn_paths_and_multi_valued_primaries() {
        let r = json!({
            "emails": [{"value": "x@y", "primary": false}, {"value": "p@y", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:haystack:1.0:User": {"joinDate": "2024-01-02"},
        });
        assert_eq!(lookup_values(&r, "emails", false), Some(json!("p@y")));
        assert_eq!(
            lookup_values(
                &r,
                "urn:ietf:params:scim:schemas:extension:haystack:1.0:User:joinDate",
                false
            ),
            Some(json!("2024-01-02"))
        );
        assert_eq!(lookup_values(&r, "title", false), None);
    }
}
