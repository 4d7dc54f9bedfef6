//! IdP dialects: what real clients send, made regular before it is applied.
//!
//! The RFCs are strict; identity providers are not. Roster absorbs the
//! differences here, in one place, instead of refusing the request:
//!
//! | what arrives | who sends it | what Roster does |
//! |---|---|---|
//! | `"op": "Replace"` / `"Add"` / `"Remove"` | Entra ID | op names are case-insensitive ([`parse_op`]) |
//! | `"active": "False"`, `"primary": "True"` | Entra ID | strings `true`/`false` (any case) become booleans wherever the schema says boolean — PATCH values, POST/PUT bodies, sub-attributes |
//! | `"value": "<manager id>"` on `…:manager` | Entra ID | a bare scalar for a complex attribute with a `value` sub-attribute means `{"value": scalar}` |
//! | a single object where an array is expected | several | wrapped into a one-element array |
//! | `"emails": null` | JumpCloud (minimal PUT) | null means "clear the attribute" |
//! | `id`, `meta` in bodies; `groups` on a User | Okta (PUT, rename PATCH), Entra (`meta` on create) | ignored, never refused |
//! | `password` | Okta (create) | accepted and discarded: Roster stores no passwords (writeOnly attributes are never kept) |
//! | `"$ref": null` inside members | Entra ID | null sub-attributes are dropped |
//! | unknown extension URNs (`http://schemas.microsoft.com/…/ADSCIM/2.0/Group`) | Entra ID | kept as they are |
//! | numbers for string attributes (`"employeeNumber": 1234`) | custom mappings | stored as strings |
//!
//! Values are then *typed* by the schema ([`coerce_attribute`]): integers,
//! decimals and dateTimes are checked, and what cannot be read is a
//! `400 invalidValue` naming the attribute. `canonicalValues` are advisory
//! and never enforced (IdPs send `"Work"`, `"Mobile"`, custom types).
//!
//! For full bodies (POST, PUT) use [`normalize_resource`] and
//! [`put_resource`]:
//!
//! ```
//! use roster_scim::dialect::normalize_resource;
//! use roster_scim::schema::SchemaRegistry;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::new();
//! let mut body = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "ada", "active": "True", "meta": {"resourceType": "User"},
//!     "roles": [{"value": "admin", "primary": "True"}], "emails": null,
//! });
//! normalize_resource(&mut body, &registry, "User")?;
//! assert_eq!(body, json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "ada", "active": true,
//!     "roles": [{"value": "admin", "primary": true}],
//! }));
//! # Ok::<(), roster_scim::ScimError>(())
//! ```

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Map, Number, Value};

use crate::error::{Result, ScimError};
use crate::filter::eval::AttrKind;
use crate::path::AttrPath;
use crate::schema::{is_urn_like, AttributeDef, Mutability, ResourceSchemas, SchemaRegistry};

/// A PATCH operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

impl OpKind {
    /// The lower-case keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Replace => "replace",
            OpKind::Remove => "remove",
        }
    }
}

/// Reads an op name, ignoring case and surrounding spaces (`"Replace"`).
pub fn parse_op(s: &str) -> Option<OpKind> {
    match s.trim().to_ascii_lowercase().as_str() {
        "add" => Some(OpKind::Add),
        "replace" => Some(OpKind::Replace),
        "remove" => Some(OpKind::Remove),
        _ => None,
    }
}

/// Reads a boolean the way IdPs send it: `true`, `"true"`, `"True"`,
/// `"FALSE"` (surrounding spaces allowed).
pub fn coerce_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("true") {
                Some(true)
            } else if t.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let short: String = s.chars().take(57).collect();
        format!("{short}...")
    } else {
        s
    }
}

fn is_datetime(s: &str) -> bool {
    let t = s.trim();
    DateTime::parse_from_rfc3339(t).is_ok()
        || NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok()
}

/// Types one simple (non-complex) value per `def`. `what` names it in errors.
pub fn coerce_simple(v: Value, def: &AttributeDef, what: &str) -> Result<Value> {
    let bad = |v: &Value, expected: &str| {
        ScimError::invalid_value(format!("'{what}' must be {expected}, got {}", describe(v)))
    };
    match def.kind {
        AttrKind::Boolean => coerce_bool(&v)
            .map(Value::Bool)
            .ok_or_else(|| bad(&v, "a boolean")),
        AttrKind::Integer => match &v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    Ok(Value::Number(Number::from(f as i64)))
                }
                _ => Err(bad(&v, "an integer")),
            },
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map(|n| Value::Number(n.into()))
                .map_err(|_| bad(&v, "an integer")),
            _ => Err(bad(&v, "an integer")),
        },
        AttrKind::Decimal => match &v {
            Value::Number(_) => Ok(v),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad(&v, "a decimal")),
            _ => Err(bad(&v, "a decimal")),
        },
        AttrKind::DateTime => match &v {
            Value::String(s) if is_datetime(s) => Ok(v),
            _ => Err(bad(&v, "a dateTime (RFC 3339)")),
        },
        AttrKind::String => match v {
            Value::String(_) => Ok(v),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(bad(&other, "a string")),
        },
        AttrKind::Reference | AttrKind::Binary => match v {
            Value::String(_) => Ok(v),
            other => Err(bad(&other, "a string")),
        },
        // A complex definition reached as a "simple" value: keep untyped.
        AttrKind::Complex => Ok(v),
    }
}

/// Whether a sub-attribute value is already in canonical form (name
/// spelled as in the schema, right JSON type, not null), so an element can
/// be kept as it is without being rebuilt.
fn already_typed(key: &str, v: &Value, def: &AttributeDef) -> bool {
    if v.is_null() {
        return false;
    }
    let Some(sub) = def.sub_attribute(key) else {
        return true; // unknown sub-attributes are kept as they are
    };
    sub.name == key
        && match sub.kind {
            AttrKind::Boolean => v.is_boolean(),
            AttrKind::String | AttrKind::Reference | AttrKind::Binary => v.is_string(),
            AttrKind::Integer => v.is_i64() || v.is_u64(),
            AttrKind::Decimal => v.is_number(),
            AttrKind::DateTime => v.as_str().is_some_and(is_datetime),
            AttrKind::Complex => true,
        }
}

/// Types one element of a complex attribute: an object whose known
/// sub-attributes are typed, null sub-attributes dropped, unknown ones kept.
/// A bare scalar is read as `{"value": scalar}` when `def` has a `value`
/// sub-attribute.
pub fn coerce_complex(v: Value, def: &AttributeDef, what: &str) -> Result<Map<String, Value>> {
    match v {
        Value::Object(o) if o.iter().all(|(k, sv)| already_typed(k, sv, def)) => Ok(o),
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, sv) in o {
                if sv.is_null() {
                    continue;
                }
                match def.sub_attribute(&k) {
                    Some(sub) => {
                        let name = format!("{what}.{}", sub.name);
                        let typed = coerce_simple(sv, sub, &name)?;
                        out.insert(sub.name.clone(), typed);
                    }
                    None => {
                        out.insert(k, sv);
                    }
                }
            }
            Ok(out)
        }
        scalar @ (Value::String(_) | Value::Number(_) | Value::Bool(_))
            if def.has_value_sub_attribute() =>
        {
            let mut out = Map::new();
            if let Some(sub) = def.sub_attribute("value") {
                let typed = coerce_simple(scalar, sub, &format!("{what}.value"))?;
                out.insert(sub.name.clone(), typed);
            }
            Ok(out)
        }
        other => Err(ScimError::invalid_value(format!(
            "'{what}' must be an object, got {}",
            describe(&other)
        ))),
    }
}

/// Types a whole attribute value per its definition. `Ok(None)` means
/// "unassigned" (null, or an empty array / object).
///
/// * multi-valued: an array (a single value is wrapped), each element typed;
///   null elements dropped;
/// * complex: an object (see [`coerce_complex`]);
/// * simple: see [`coerce_simple`].
pub fn coerce_attribute(v: Value, def: &AttributeDef, what: &str) -> Result<Option<Value>> {
    if v.is_null() {
        return Ok(None);
    }
    if def.multi_valued {
        let items = match v {
            Value::Array(a) => a,
            single => vec![single],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if item.is_null() {
                continue;
            }
            out.push(coerce_element(item, def, what)?);
        }
        return Ok((!out.is_empty()).then_some(Value::Array(out)));
    }
    if def.kind == AttrKind::Complex {
        let o = coerce_complex(v, def, what)?;
        return Ok((!o.is_empty()).then_some(Value::Object(o)));
    }
    coerce_simple(v, def, what).map(Some)
}

/// Types one element of a multi-valued attribute.
pub fn coerce_element(v: Value, def: &AttributeDef, what: &str) -> Result<Value> {
    if def.kind == AttrKind::Complex {
        coerce_complex(v, def, what).map(Value::Object)
    } else {
        coerce_simple(v, def, what)
    }
}

/// Removes `null`, `[]` and `{}` members from an object, recursively
/// (bounded by the JSON parser's nesting limit).
pub fn prune_empty(v: &mut Value) {
    prune_depth(v, 0);
}

fn prune_depth(v: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(o) => {
            for (_, sv) in o.iter_mut() {
                prune_depth(sv, depth + 1);
            }
            o.retain(|_, sv| !is_empty_value(sv));
        }
        Value::Array(a) => {
            for sv in a.iter_mut() {
                prune_depth(sv, depth + 1);
            }
        }
        _ => {}
    }
}

/// `null`, `[]` or `{}`: what SCIM treats as unassigned.
pub fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Equality that treats unassigned members (`null`, `[]`, `{}`) as absent
/// and compares keys ignoring ASCII case (SCIM attribute names are
/// case-insensitive): `{"a": 1, "b": []}` equals `{"A": 1}`. Used for "did
/// anything change".
pub fn semantic_eq(a: &Value, b: &Value) -> bool {
    semantic_eq_depth(a, b, 0)
}

fn semantic_eq_depth(a: &Value, b: &Value, depth: usize) -> bool {
    if is_empty_value(a) && is_empty_value(b) {
        return true;
    }
    if depth > 64 {
        return a == b;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let covered = |p: &Map<String, Value>, q: &Map<String, Value>| {
                p.iter().all(|(k, v)| {
                    is_empty_value(v)
                        || get_ci(q, k).is_some_and(|w| semantic_eq_depth(v, w, depth + 1))
                })
            };
            covered(x, y) && covered(y, x)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(v, w)| semantic_eq_depth(v, w, depth + 1))
        }
        _ => a == b,
    }
}

/// Finds the key of `obj` equal to `name` ignoring ASCII case.
pub fn find_key(obj: &Map<String, Value>, name: &str) -> Option<String> {
    if obj.contains_key(name) {
        return Some(name.to_owned());
    }
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Gets `obj[name]` ignoring ASCII case.
pub fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Normalizes a POST/PUT body in place (see the module docs): client-sent
/// `id`, `meta` and readOnly attributes are dropped, values typed, nulls and
/// empty values removed, extension objects typed by their schema (unknown
/// extensions kept as they are), URN-qualified top-level keys moved into
/// their extension object, and required attributes checked.
///
/// Unknown core attributes are kept: the raw resource is stored as received.
pub fn normalize_resource(
    body: &mut Value,
    registry: &SchemaRegistry,
    resource_type: &str,
) -> Result<()> {
    let view = registry.for_resource(resource_type).ok_or_else(|| {
        ScimError::invalid_value(format!("unknown resource type '{resource_type}'"))
    })?;
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let input = std::mem::take(obj);
    let mut out = Map::new();
    for (key, value) in input {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert("schemas".into(), value);
            continue;
        }
        if key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("meta") {
            continue;
        }
        if is_urn_like(&key) {
            normalize_urn_key(&mut out, key, value, &view)?;
            continue;
        }
        match view.core.attribute(&key) {
            Some(def) => put_typed(&mut out, def, value, &def.name)?,
            None => {
                if !value.is_null() {
                    out.insert(key, value);
                }
            }
        }
    }
    if let Some(Value::Array(schemas)) = out.get_mut("schemas") {
        schemas.retain(|s| !s.is_null());
    }
    let mut body_value = Value::Object(out);
    add_extension_schemas(&mut body_value);
    *body = body_value;
    check_required(body, &view)
}

fn put_typed(
    out: &mut Map<String, Value>,
    def: &AttributeDef,
    value: Value,
    what: &str,
) -> Result<()> {
    if matches!(def.mutability, Mutability::ReadOnly | Mutability::WriteOnly) {
        // readOnly: the server's to set. writeOnly (`password`): accepted,
        // never stored — Roster keeps no passwords.
        return Ok(());
    }
    if let Some(v) = coerce_attribute(value, def, what)? {
        out.insert(def.name.clone(), v);
    }
    Ok(())
}

fn normalize_urn_key(
    out: &mut Map<String, Value>,
    key: String,
    value: Value,
    view: &ResourceSchemas<'_>,
) -> Result<()> {
    if let Some(schema) = view.schema(&key) {
        if view.is_core(&schema.id) {
            // `{"urn:…:core:2.0:User": {...}}`: core attributes, nested.
            if let Value::Object(inner) = value {
                for (k, v) in inner {
                    if let Some(def) = schema.attribute(&k) {
                        put_typed(out, def, v, &def.name)?;
                    }
                }
            }
            return Ok(());
        }
        let Value::Object(inner) = value else {
            if value.is_null() {
                return Ok(());
            }
            return Err(ScimError::invalid_value(format!(
                "'{}' must be an object of extension attributes",
                schema.id
            )));
        };
        let container_key = find_key(out, &schema.id).unwrap_or_else(|| schema.id.clone());
        let mut container = match out.remove(&container_key) {
            Some(Value::Object(o)) => o,
            _ => Map::new(),
        };
        for (k, v) in inner {
            match schema.attribute(&k) {
                Some(def) => {
                    let what = format!("{}:{}", schema.id, def.name);
                    put_typed(&mut container, def, v, &what)?;
                }
                None => {
                    if !v.is_null() {
                        container.insert(k, v);
                    }
                }
            }
        }
        if !container.is_empty() {
            out.insert(schema.id.clone(), Value::Object(container));
        }
        return Ok(());
    }
    // A URN-qualified attribute at the top level: move it into its object.
    if let Ok(path) = AttrPath::parse(&key) {
        if let (Some(urn), None) = (&path.urn, &path.sub_attr) {
            if let Some(schema) = view.schema(urn) {
                if let Some(def) = schema.attribute(&path.name) {
                    if view.is_core(&schema.id) {
                        return put_typed(out, def, value, &def.name);
                    }
                    let mut container = match out.remove(&schema.id) {
                        Some(Value::Object(o)) => o,
                        _ => Map::new(),
                    };
                    put_typed(&mut container, def, value, &key)?;
                    if !container.is_empty() {
                        out.insert(schema.id.clone(), Value::Object(container));
                    }
                    return Ok(());
                }
            }
        }
    }
    // Unknown extension: kept as it is.
    if !value.is_null() {
        out.insert(key, value);
    }
    Ok(())
}

/// Adds to `schemas` the URN of every extension object present (a registered
/// or unknown URN key holding a non-empty object).
pub fn add_extension_schemas(resource: &mut Value) {
    let Value::Object(obj) = resource else { return };
    let present: Vec<String> = obj
        .iter()
        .filter(|(k, v)| is_urn_like(k) && v.as_object().is_some_and(|o| !o.is_empty()))
        .map(|(k, _)| k.clone())
        .collect();
    if present.is_empty() {
        return;
    }
    let schemas = obj
        .entry("schemas")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !schemas.is_array() {
        *schemas = Value::Array(Vec::new());
    }
    if let Value::Array(list) = schemas {
        for urn in present {
            let known = list
                .iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&urn)));
            if !known {
                list.push(Value::String(urn));
            }
        }
    }
}

fn check_required(resource: &Value, view: &ResourceSchemas<'_>) -> Result<()> {
    let Some(obj) = resource.as_object() else {
        return Ok(());
    };
    for def in &view.core.attributes {
        if def.required && get_ci(obj, &def.name).is_none_or(is_empty_value) {
            return Err(ScimError::invalid_value(format!(
                "'{}' is required",
                def.name
            )));
        }
    }
    Ok(())
}

/// PUT (RFC 7644 §3.5.1): the new resource built from `body` replacing
/// `current`. The body is normalized ([`normalize_resource`]); `id` and
/// `meta` come from `current`, as do readOnly attributes (a User's
/// `groups`); an immutable attribute that is already set must not change
/// (`400 mutability`), and is kept when the body omits it.
///
/// Compare the result with `current` using [`semantic_eq`] to know whether
/// the PUT changed anything (Okta re-sends unchanged profiles).
pub fn put_resource(
    current: &Value,
    body: Value,
    registry: &SchemaRegistry,
    resource_type: &str,
) -> Result<Value> {
    let mut new = body;
    normalize_resource(&mut new, registry, resource_type)?;
    let view = registry.for_resource(resource_type).ok_or_else(|| {
        ScimError::invalid_value(format!("unknown resource type '{resource_type}'"))
    })?;
    let (Some(cur), Some(out)) = (current.as_object(), new.as_object_mut()) else {
        return Ok(new);
    };
    for key in ["id", "meta"] {
        if let Some(v) = get_ci(cur, key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    let schemas: Vec<&crate::schema::Schema> = std::iter::once(view.core)
        .chain(view.extensions.iter().copied())
        .collect();
    for schema in schemas {
        let core = view.is_core(&schema.id);
        for def in &schema.attributes {
            if def.name.eq_ignore_ascii_case("id") {
                continue;
            }
            let container_cur = if core {
                Some(cur)
            } else {
                get_ci(cur, &schema.id).and_then(Value::as_object)
            };
            let old = container_cur.and_then(|c| get_ci(c, &def.name)).cloned();
            let new_v = if core {
                get_ci(out, &def.name).cloned()
            } else {
                get_ci(out, &schema.id)
                    .and_then(Value::as_object)
                    .and_then(|c| get_ci(c, &def.name))
                    .cloned()
            };
            let Some(old) = old.filter(|v| !is_empty_value(v)) else {
                continue;
            };
            let keep_old = match def.mutability {
                Mutability::ReadOnly => true,
                Mutability::Immutable => match &new_v {
                    Some(nv) if !semantic_eq(nv, &old) => {
                        return Err(ScimError::mutability(format!(
                            "'{}' is immutable and cannot be changed",
                            def.name
                        )))
                    }
                    Some(_) => false,
                    None => true,
                },
                Mutability::ReadWrite | Mutability::WriteOnly => false,
            };
            if keep_old {
                let container = if core {
                    Some(&mut *out)
                } else {
                    let key = find_key(out, &schema.id).unwrap_or_else(|| schema.id.clone());
                    let slot = out.entry(key).or_insert_with(|| Value::Object(Map::new()));
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    slot.as_object_mut()
                };
                if let Some(c) = container {
                    c.retain(|k, _| !k.eq_ignore_ascii_case(&def.name));
                    c.insert(def.name.clone(), old);
                }
            }
        }
    }
    add_extension_schemas(&mut new);
    Ok(new)
}
