//! Resources as JSON: attribute projection and `meta` / ETag helpers.
//!
//! Roster keeps SCIM resources as `serde_json::Value` objects: core
//! attributes at the top level, extension attributes in an object under the
//! extension URN (RFC 7643 §3.3). This module decides what a response shows.
//!
//! # Projection (`attributes` / `excludedAttributes`, RFC 7644 §3.4.2.5, §3.9)
//!
//! * `schemas` and attributes with `returned: always` (`id`) are always shown.
//!   `meta` is `returned: default` (RFC 7643 §3.1): shown unless excluded, and
//!   not shown when `attributes` lists other names only.
//! * `returned: never` (`password`) is never shown.
//! * `returned: request` attributes are shown only when named in `attributes`.
//! * With `attributes`, only the named attributes (plus the "always" ones)
//!   are shown; `name.givenName` keeps just that sub-attribute, a bare
//!   extension URN keeps the whole extension object.
//! * Without `attributes`, `excludedAttributes` removes what it names
//!   (Entra asks for groups with `excludedAttributes=members`).
//! * Names are case-insensitive and may be URN-qualified. Unknown names are
//!   ignored, as the RFC allows.
//!
//! ```
//! use roster_scim::resource::Projection;
//! use roster_scim::schema::SchemaRegistry;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::new();
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "u1", "userName": "ada", "password": "hunter2",
//!     "name": {"givenName": "Ada", "familyName": "Lovelace"},
//! });
//! let p = Projection::new(&["name.givenName"], &[], &registry, "User");
//! assert_eq!(p.apply(&user), json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "u1", "name": {"givenName": "Ada"},
//! }));
//! // Without parameters: everything except `password`.
//! let all = Projection::new::<&str>(&[], &[], &registry, "User").apply(&user);
//! assert!(all.get("password").is_none());
//! ```
//!
//! # ETags
//!
//! ```
//! use roster_scim::resource::{weak_etag, check_if_match};
//! let etag = weak_etag(7);
//! assert_eq!(etag, "W/\"7\"");
//! assert!(check_if_match(Some("W/\"7\""), &etag).is_ok());
//! assert!(check_if_match(Some("*"), &etag).is_ok());
//! assert_eq!(check_if_match(Some("W/\"6\""), &etag).unwrap_err().status, 412);
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::error::{Result, ScimError};
use crate::path::AttrPath;
use crate::schema::{is_urn_like, AttributeDef, Returned, SchemaRegistry};

/// One resolved name from `attributes` / `excludedAttributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selector {
    /// A whole extension object, by URN (lower-cased).
    Schema(String),
    /// An attribute: container URN (lower-cased; `None` = top level), name
    /// and optional sub-attribute (both lower-cased).
    Attr {
        container: Option<String>,
        name: String,
        sub: Option<String>,
    },
}

/// A compiled `attributes` / `excludedAttributes` pair for one resource type.
///
/// Build it once per request and apply it to every resource of a list.
#[derive(Debug, Clone)]
pub struct Projection<'a> {
    include: Vec<Selector>,
    exclude: Vec<Selector>,
    registry: &'a SchemaRegistry,
    resource_type: String,
}

impl<'a> Projection<'a> {
    /// Compiles the two lists (already split on commas, see
    /// [`crate::list::ListQuery`]) for `resource_type` (`"User"` / `"Group"`).
    /// Names that do not parse are ignored.
    pub fn new<S: AsRef<str>>(
        attributes: &[S],
        excluded: &[S],
        registry: &'a SchemaRegistry,
        resource_type: &str,
    ) -> Self {
        let resolve = |list: &[S]| -> Vec<Selector> {
            list.iter()
                .filter_map(|s| resolve_selector(s.as_ref(), registry, resource_type))
                .collect()
        };
        Projection {
            include: resolve(attributes),
            exclude: resolve(excluded),
            registry,
            resource_type: resource_type.to_owned(),
        }
    }

    /// Whether neither list names anything (only `never` attributes are cut).
    pub fn is_identity(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// The projected copy of `resource`. A non-object is returned unchanged.
    pub fn apply(&self, resource: &Value) -> Value {
        let Some(obj) = resource.as_object() else {
            return resource.clone();
        };
        let view = self.registry.for_resource(&self.resource_type);
        let mut out = Map::new();
        for (key, value) in obj {
            if key.eq_ignore_ascii_case("schemas") {
                out.insert(key.clone(), value.clone());
                continue;
            }
            if is_urn_like(key) {
                if let Some(ext) = value.as_object() {
                    let schema = view.as_ref().and_then(|v| v.schema(key));
                    let container = key.to_ascii_lowercase();
                    let mut inner = Map::new();
                    for (k, v) in ext {
                        let def = schema.and_then(|s| s.attribute(k));
                        if let Some(v) = self.project_attr(Some(&container), k, def, v) {
                            inner.insert(k.clone(), v);
                        }
                    }
                    if !inner.is_empty() {
                        out.insert(key.clone(), Value::Object(inner));
                    }
                    continue;
                }
            }
            let def = view.as_ref().and_then(|v| v.core.attribute(key));
            if let Some(v) = self.project_attr(None, key, def, value) {
                out.insert(key.clone(), v);
            }
        }
        Value::Object(out)
    }

    fn project_attr(
        &self,
        container: Option<&str>,
        key: &str,
        def: Option<&AttributeDef>,
        value: &Value,
    ) -> Option<Value> {
        let returned = def.map_or(Returned::Default, |d| d.returned);
        match returned {
            Returned::Never => return None,
            Returned::Always => return Some(value.clone()),
            _ => {}
        }
        let name = key.to_ascii_lowercase();
        let matches = |sel: &Selector| -> Option<Option<String>> {
            match sel {
                Selector::Schema(urn) => (container == Some(urn.as_str())).then_some(None),
                Selector::Attr {
                    container: c,
                    name: n,
                    sub,
                } => (c.as_deref() == container && *n == name).then(|| sub.clone()),
            }
        };
        if !self.include.is_empty() {
            let mut subs: Vec<String> = Vec::new();
            let mut whole = false;
            for sel in &self.include {
                match matches(sel) {
                    Some(None) => whole = true,
                    Some(Some(sub)) => subs.push(sub),
                    None => {}
                }
            }
            if whole {
                return Some(strip_never_subs(def, value.clone()));
            }
            if subs.is_empty() {
                return None;
            }
            return keep_subs(value, &subs, def);
        }
        if returned == Returned::Request {
            return None;
        }
        let mut subs: Vec<String> = Vec::new();
        for sel in &self.exclude {
            match matches(sel) {
                Some(None) => return None,
                Some(Some(sub)) => subs.push(sub),
                None => {}
            }
        }
        let value = strip_never_subs(def, value.clone());
        if subs.is_empty() {
            Some(value)
        } else {
            drop_subs(value, &subs)
        }
    }
}

/// Shortcut for [`Projection::new`] + [`Projection::apply`] on one resource.
pub fn project<S: AsRef<str>>(
    resource: &Value,
    attributes: &[S],
    excluded: &[S],
    registry: &SchemaRegistry,
    resource_type: &str,
) -> Value {
    Projection::new(attributes, excluded, registry, resource_type).apply(resource)
}

fn resolve_selector(raw: &str, registry: &SchemaRegistry, resource_type: &str) -> Option<Selector> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if is_urn_like(raw) && registry.schema(raw).is_some() {
        return Some(Selector::Schema(raw.to_ascii_lowercase()));
    }
    let Ok(path) = AttrPath::parse(raw) else {
        // An unregistered extension URN still selects its object.
        return is_urn_like(raw).then(|| Selector::Schema(raw.to_ascii_lowercase()));
    };
    let view = registry.for_resource(resource_type);
    let container = match (&path.urn, &view) {
        (Some(urn), Some(v)) if v.is_core(urn) => None,
        (Some(urn), _) => Some(urn.to_ascii_lowercase()),
        (None, Some(v)) => match v.top_level(None, &path.name) {
            Some((schema, _)) if !v.is_core(&schema.id) => Some(schema.id.to_ascii_lowercase()),
            _ => None,
        },
        (None, None) => None,
    };
    Some(Selector::Attr {
        container,
        name: path.name.to_ascii_lowercase(),
        sub: path.sub_attr.as_ref().map(|s| s.to_ascii_lowercase()),
    })
}

/// Removes `returned: never` sub-attributes.
fn strip_never_subs(def: Option<&AttributeDef>, value: Value) -> Value {
    let Some(def) = def else { return value };
    if !def
        .sub_attributes
        .iter()
        .any(|s| s.returned == Returned::Never)
    {
        return value;
    }
    let never: Vec<String> = def
        .sub_attributes
        .iter()
        .filter(|s| s.returned == Returned::Never)
        .map(|s| s.name.to_ascii_lowercase())
        .collect();
    drop_subs(value, &never).unwrap_or(Value::Null)
}

fn map_elements(
    value: Value,
    f: &dyn Fn(Map<String, Value>) -> Option<Map<String, Value>>,
) -> Option<Value> {
    match value {
        Value::Object(o) => f(o).map(Value::Object),
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(o) => f(o).map(Value::Object),
                    other => Some(other),
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other),
    }
}

fn keep_subs(value: &Value, subs: &[String], def: Option<&AttributeDef>) -> Option<Value> {
    let always: Vec<String> = def
        .map(|d| {
            d.sub_attributes
                .iter()
                .filter(|s| s.returned == Returned::Always)
                .map(|s| s.name.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    map_elements(value.clone(), &|o| {
        let kept: Map<String, Value> = o
            .into_iter()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                subs.contains(&k) || always.contains(&k)
            })
            .collect();
        (!kept.is_empty()).then_some(kept)
    })
}

fn drop_subs(value: Value, subs: &[String]) -> Option<Value> {
    map_elements(value, &|o| {
        let kept: Map<String, Value> = o
            .into_iter()
            .filter(|(k, _)| !subs.contains(&k.to_ascii_lowercase()))
            .collect();
        (!kept.is_empty()).then_some(kept)
    })
}

// ---------------------------------------------------------------------------
// meta and ETags
// ---------------------------------------------------------------------------

/// The weak ETag Roster uses for a resource version: `W/"<version>"`.
/// It is also the resource's `meta.version`.
pub fn weak_etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

fn opaque_tag(tag: &str) -> &str {
    let tag = tag.trim();
    tag.strip_prefix("W/")
        .or_else(|| tag.strip_prefix("w/"))
        .unwrap_or(tag)
        .trim()
}

/// Whether an `If-Match` header value matches `current` (weak comparison,
/// RFC 7232 §2.3.2): `*` matches anything; otherwise any listed tag whose
/// opaque part equals the current one.
pub fn etag_matches(if_match: &str, current: &str) -> bool {
    let current = opaque_tag(current);
    if_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || opaque_tag(t) == current)
}

/// `If-Match` precondition: `None` (no header) passes; a non-matching
/// header fails with 412 (RFC 7644 §3.14).
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<()> {
    match if_match {
        Some(h) if !etag_matches(h, current) => Err(ScimError::precondition_failed(format!(
            "resource version {current} does not match If-Match {}",
            h.trim()
        ))),
        _ => Ok(()),
    }
}

/// `If-None-Match` on GET: `true` when the client's copy is current (answer
/// 304). `*` matches any existing resource.
pub fn if_none_match_hits(if_none_match: Option<&str>, current: &str) -> bool {
    if_none_match.is_some_and(|h| etag_matches(h, current))
}

/// What goes into a resource's `meta` (RFC 7643 §3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Meta<'a> {
    /// `User` or `Group`.
    pub resource_type: &'a str,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last modification time.
    pub last_modified: DateTime<Utc>,
    /// Base URL of the SCIM endpoint, e.g. `https://x/scim/v2/directory_1`.
    pub base_url: &'a str,
    /// The resource id.
    pub id: &'a str,
    /// Version counter, rendered as a weak ETag.
    pub version: u64,
}

impl Meta<'_> {
    /// The resource's location: `{base_url}/Users/{id}` (or `/Groups/`).
    pub fn location(&self) -> String {
        let endpoint = if self.resource_type.eq_ignore_ascii_case("group") {
            "Groups"
        } else {
            "Users"
        };
        format!(
            "{}/{endpoint}/{}",
            self.base_url.trim_end_matches('/'),
            self.id
        )
    }

    /// The `meta` object.
    pub fn to_json(&self) -> Value {
        json!({
            "resourceType": self.resource_type,
            "created": self.created.to_rfc3339_opts(SecondsFormat::Secs, true),
            "lastModified": self.last_modified.to_rfc3339_opts(SecondsFormat::Secs, true),
            "location": self.location(),
            "version": weak_etag(self.version),
        })
    }

    /// Sets `id` and `meta` on a resource object (server-assigned values
    /// always win over anything a client sent).
    pub fn stamp(&self, resource: &mut Value) {
        if let Some(o) = resource.as_object_mut() {
            o.retain(|k, _| !k.eq_ignore_ascii_case("id") && !k.eq_ignore_ascii_case("meta"));
            o.insert("id".into(), Value::String(self.id.to_owned()));
            o.insert("meta".into(), self.to_json());
        }
    }
}
