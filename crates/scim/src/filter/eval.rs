//! Evaluating a [`Filter`] against a JSON resource.
//!
//! Attribute types come from an [`AttributeTypes`] implementation (the
//! schema registry in production, [`DefaultUserGroupTypes`] for the RFC 7643
//! core User / Group / enterprise attributes). The rules:
//!
//! * Attribute names match JSON keys **ignoring case** (`USERNAME` finds
//!   `userName`).
//! * A URN-qualified path looks inside the extension object
//!   (`urn:…:enterprise:2.0:User:employeeNumber` reads
//!   `resource["urn:…:enterprise:2.0:User"]["employeeNumber"]`); a core schema
//!   URN means the top level.
//! * Multi-valued attributes match when **any** value matches. Comparing a
//!   complex multi-valued attribute without sub-attribute (`emails co "x"`)
//!   compares its `value` sub-attribute.
//! * Strings compare ignoring case unless the attribute is `caseExact`;
//!   `gt`/`ge`/`lt`/`le` on strings are lexicographic (by code point, after
//!   lower-casing when not caseExact). Numbers compare numerically, dateTimes
//!   chronologically (RFC 3339).
//! * A value of the wrong JSON type (a number where a string is expected…)
//!   simply does not match. Booleans also match the strings `"true"` /
//!   `"false"` in any case, as Entra ID sends them.
//! * `pr` is false for an absent attribute, `null`, `""`, `[]` and `{}`.
//!   `eq null` means "not present", `ne null` means "present".
//! * `ne` needs a value: an absent attribute matches neither `eq` nor `ne`
//!   (use `not (x eq "…")` to include absent ones).
//! * Refused with `invalidFilter`: `gt`/`ge`/`lt`/`le` on booleans and binary
//!   attributes, `co`/`sw`/`ew` on booleans, comparing a single-valued complex
//!   attribute (`name eq "x"`), a dateTime compared with a string that is not
//!   a dateTime, and `null` with any operator other than `eq`/`ne`.
//!
//! Unknown attributes (no schema information) compare as case-insensitive
//! strings, or numerically / as booleans when both sides are numbers /
//! booleans.
//!
//! ```
//! use roster_scim::filter::{DefaultUserGroupTypes, Filter};
//! use serde_json::json;
//!
//! let user = json!({
//!     "userName": "Test.User@okta.local",
//!     "active": "False",
//!     "emails": [{"type": "work", "value": "test.user@okta.local", "primary": true}],
//! });
//! let types = DefaultUserGroupTypes;
//! let f = Filter::parse(r#"username eq "test.user@OKTA.local""#)?;
//! assert!(f.matches(&user, &types)?);
//! let f = Filter::parse(r#"emails[type eq "work" and value ew "@okta.local"]"#)?;
//! assert!(f.matches(&user, &types)?);
//! let f = Filter::parse("active eq false")?;
//! assert!(f.matches(&user, &types)?);
//! // Booleans have no order.
//! assert!(Filter::parse("active gt false")?.matches(&user, &types).is_err());
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! For many resources, call [`Filter::validate`] once and then
//! [`Filter::matches_validated`] per resource: after a successful validation,
//! evaluation cannot fail.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::{Map, Number, Value};

use crate::error::{Result, ScimError};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::{AttrPath, ENTERPRISE_USER_URN};

/// The type of an attribute's values (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrKind {
    /// string
    String,
    /// boolean
    Boolean,
    /// decimal
    Decimal,
    /// integer
    Integer,
    /// dateTime (xsd:dateTime, RFC 3339 on the wire)
    DateTime,
    /// binary (base64)
    Binary,
    /// reference (URI)
    Reference,
    /// complex
    Complex,
}

/// What the evaluator needs to know about one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttrInfo {
    /// Value type.
    pub kind: AttrKind,
    /// Whether string comparison respects case.
    pub case_exact: bool,
    /// Whether the attribute holds an array of values.
    pub multi_valued: bool,
}

/// Source of attribute types for filter evaluation.
///
/// `lookup` receives full paths: `emails.value`, or for an attribute inside a
/// value path `emails[type eq "work"]` the path `emails.type`. Paths may carry
/// a schema URN (a core schema URN means the core attribute). Return `None`
/// for unknown attributes.
pub trait AttributeTypes {
    /// Type information for `path`, or `None` if unknown.
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo>;
}

impl<T: AttributeTypes + ?Sized> AttributeTypes for &T {
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo> {
        (**self).lookup(path)
    }
}

/// RFC 7643 types of the core User and Group attributes and of the
/// enterprise User extension, for use until a schema registry is at hand.
///
/// Notable flags: `userName`, `emails.value`, `displayName` and
/// `members.value` are not caseExact; `id`, `externalId`, `meta.version`
/// and every `$ref` are caseExact; `active` and `*.primary` are booleans;
/// `meta.created` / `meta.lastModified` are dateTimes.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultUserGroupTypes;

type Sub = (&'static str, AttrKind, bool);
type Attr = (&'static str, AttrKind, bool, bool, &'static [Sub]);

use AttrKind as K;

const MULTI_STD: &[Sub] = &[
    ("value", K::String, false),
    ("display", K::String, false),
    ("type", K::String, false),
    ("primary", K::Boolean, false),
];
const MULTI_REF: &[Sub] = &[
    ("value", K::Reference, false),
    ("display", K::String, false),
    ("type", K::String, false),
    ("primary", K::Boolean, false),
];
const MEMBER_SUBS: &[Sub] = &[
    ("value", K::String, false),
    ("$ref", K::Reference, true),
    ("display", K::String, false),
    ("type", K::String, false),
];

const CORE: &[Attr] = &[
    ("id", K::String, true, false, &[]),
    ("externalId", K::String, true, false, &[]),
    ("userName", K::String, false, false, &[]),
    (
        "name",
        K::Complex,
        false,
        false,
        &[
            ("formatted", K::String, false),
            ("familyName", K::String, false),
            ("givenName", K::String, false),
            ("middleName", K::String, false),
            ("honorificPrefix", K::String, false),
            ("honorificSuffix", K::String, false),
        ],
    ),
    ("displayName", K::String, false, false, &[]),
    ("nickName", K::String, false, false, &[]),
    ("profileUrl", K::Reference, false, false, &[]),
    ("title", K::String, false, false, &[]),
    ("userType", K::String, false, false, &[]),
    ("preferredLanguage", K::String, false, false, &[]),
    ("locale", K::String, false, false, &[]),
    ("timezone", K::String, false, false, &[]),
    ("active", K::Boolean, false, false, &[]),
    ("password", K::String, false, false, &[]),
    ("emails", K::Complex, false, true, MULTI_STD),
    ("phoneNumbers", K::Complex, false, true, MULTI_STD),
    ("ims", K::Complex, false, true, MULTI_STD),
    ("photos", K::Complex, false, true, MULTI_REF),
    (
        "addresses",
        K::Complex,
        false,
        true,
        &[
            ("formatted", K::String, false),
            ("streetAddress", K::String, false),
            ("locality", K::String, false),
            ("region", K::String, false),
            ("postalCode", K::String, false),
            ("country", K::String, false),
            ("type", K::String, false),
            ("primary", K::Boolean, false),
        ],
    ),
    (
        "groups",
        K::Complex,
        false,
        true,
        &[
            ("value", K::String, false),
            ("$ref", K::Reference, true),
            ("display", K::String, false),
            ("type", K::String, false),
        ],
    ),
    ("entitlements", K::Complex, false, true, MULTI_STD),
    ("roles", K::Complex, false, true, MULTI_STD),
    (
        "x509Certificates",
        K::Complex,
        false,
        true,
        &[
            ("value", K::Binary, true),
            ("display", K::String, false),
            ("type", K::String, false),
            ("primary", K::Boolean, false),
        ],
    ),
    ("members", K::Complex, false, true, MEMBER_SUBS),
    ("schemas", K::Reference, true, true, &[]),
    (
        "meta",
        K::Complex,
        false,
        false,
        &[
            ("resourceType", K::String, true),
            ("created", K::DateTime, false),
            ("lastModified", K::DateTime, false),
            ("location", K::Reference, true),
            ("version", K::String, true),
        ],
    ),
];

const ENTERPRISE: &[Attr] = &[
    ("employeeNumber", K::String, false, false, &[]),
    ("costCenter", K::String, false, false, &[]),
    ("organization", K::String, false, false, &[]),
    ("division", K::String, false, false, &[]),
    ("department", K::String, false, false, &[]),
    (
        "manager",
        K::Complex,
        false,
        false,
        &[
            ("value", K::String, false),
            ("$ref", K::Reference, true),
            ("displayName", K::String, false),
        ],
    ),
];

impl AttributeTypes for DefaultUserGroupTypes {
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo> {
        let table = match path.effective_urn() {
            None => CORE,
            Some(u) if u.eq_ignore_ascii_case(ENTERPRISE_USER_URN) => ENTERPRISE,
            Some(_) => return None,
        };
        let (_, kind, case_exact, multi, subs) = table
            .iter()
            .find(|a| a.0.eq_ignore_ascii_case(&path.name))?;
        match &path.sub_attr {
            None => Some(AttrInfo {
                kind: *kind,
                case_exact: *case_exact,
                multi_valued: *multi,
            }),
            Some(sub) => {
                let (_, kind, case_exact) = subs.iter().find(|s| s.0.eq_ignore_ascii_case(sub))?;
                Some(AttrInfo {
                    kind: *kind,
                    case_exact: *case_exact,
                    multi_valued: false,
                })
            }
        }
    }
}

// ------------------------------------------------------------------ JSON access

/// Object member by key, ignoring ASCII case (exact match first).
pub(crate) fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object().and_then(|o| get_ci(o, key))
}

/// Pushes `v`, or its elements when it is an array.
fn push_flat<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Array(items) => out.extend(items.iter()),
        v => out.push(v),
    }
}

/// Where attribute paths are resolved: the resource, or one element of a
/// multi-valued attribute inside a value path.
#[derive(Clone, Copy)]
enum Scope<'v, 'p> {
    Top(&'v Value),
    Element {
        parent: &'p AttrPath,
        elem: &'v Value,
    },
}

impl<'v> Scope<'v, '_> {
    /// The values `path` designates, arrays flattened.
    fn resolve(&self, path: &AttrPath) -> Vec<&'v Value> {
        let mut out = Vec::new();
        let base = match *self {
            Scope::Top(resource) => match path.effective_urn() {
                None => Some(resource),
                Some(urn) => member(resource, urn),
            },
            Scope::Element { elem, .. } => {
                // Arrays of primitives: `value` is the element itself.
                if !elem.is_object() && path.name_is("value") && path.sub_attr.is_none() {
                    out.push(elem);
                    return out;
                }
                Some(elem)
            }
        };
        let Some(v) = base.and_then(|b| member(b, &path.name)) else {
            return out;
        };
        match &path.sub_attr {
            None => push_flat(v, &mut out),
            Some(sub) => {
                let mut parents = Vec::new();
                push_flat(v, &mut parents);
                for p in parents {
                    if let Some(sv) = member(p, sub) {
                        push_flat(sv, &mut out);
                    }
                }
            }
        }
        out
    }

    /// The path used for type lookups (absolute).
    fn type_path<'a>(&self, path: &'a AttrPath) -> Cow<'a, AttrPath> {
        match *self {
            Scope::Top(_) => Cow::Borrowed(path),
            Scope::Element { parent, .. } => Cow::Owned(element_path(parent, path)),
        }
    }
}

/// The absolute path of `path` inside a value path on `parent`
/// (`emails[type …]` → `emails.type`).
fn element_path(parent: &AttrPath, path: &AttrPath) -> AttrPath {
    AttrPath {
        urn: parent.urn.clone(),
        name: parent.name.clone(),
        sub_attr: Some(path.name.clone()),
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

// ------------------------------------------------------------------ typing

/// The effective type of a compared attribute: for a complex multi-valued
/// attribute without sub-attribute, the type of its `value`.
/// (Objects met while comparing are always read through their `value`.)
fn comparison_type(types: &dyn AttributeTypes, abs: &AttrPath) -> Option<AttrInfo> {
    match types.lookup(abs) {
        Some(info) if info.kind == AttrKind::Complex && info.multi_valued => {
            let mut p = abs.clone();
            p.sub_attr = Some("value".to_owned());
            types.lookup(&p)
        }
        other => other,
    }
}

fn refuse(path: &AttrPath, op: CompareOp, kind: &str) -> ScimError {
    ScimError::invalid_filter(format!(
        "invalid filter: operator '{op}' cannot be used with {kind} attribute '{path}'"
    ))
}

fn check_leaf(
    path: &AttrPath,
    abs: &AttrPath,
    op: CompareOp,
    value: &CompValue,
    types: &dyn AttributeTypes,
) -> Result<()> {
    if matches!(value, CompValue::Null) && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
        return Err(ScimError::invalid_filter(format!(
            "invalid filter: null can only be compared with 'eq' or 'ne' (found '{path} {op} null')"
        )));
    }
    let info = comparison_type(types, abs);
    let Some(info) = info else { return Ok(()) };
    match info.kind {
        AttrKind::Boolean if op.is_ordering() || op.is_substring() => {
            Err(refuse(path, op, "boolean"))
        }
        AttrKind::Binary if op.is_ordering() => Err(refuse(path, op, "binary")),
        AttrKind::Complex if !matches!(value, CompValue::Null) => {
            Err(ScimError::invalid_filter(format!(
                "invalid filter: '{path}' is a complex attribute; compare one of its sub-attributes (e.g. '{path}.value')"
            )))
        }
        AttrKind::DateTime if !op.is_substring() => match value {
            CompValue::String(s) if parse_datetime(s).is_none() => {
                Err(ScimError::invalid_filter(format!(
                    "invalid filter: {} is not a valid dateTime for '{path}' (expected RFC 3339, e.g. \"2011-05-13T04:42:34Z\")",
                    CompValue::String(s.clone())
                )))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

// ------------------------------------------------------------------ comparison

fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).ok().or_else(|| {
        NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| n.and_utc().fixed_offset())
    })
}

fn fold(s: &str, case_exact: bool) -> Cow<'_, str> {
    if case_exact || !s.chars().any(char::is_uppercase) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

fn ordering_matches(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_strings(a: &str, op: CompareOp, b: &str, case_exact: bool) -> bool {
    // Fast path: ASCII equality needs no allocation.
    if !case_exact && matches!(op, CompareOp::Eq | CompareOp::Ne) && a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b) == (op == CompareOp::Eq);
    }
    let a = fold(a, case_exact);
    let b = fold(b, case_exact);
    match op {
        CompareOp::Co => a.contains(b.as_ref()),
        CompareOp::Sw => a.starts_with(b.as_ref()),
        CompareOp::Ew => a.ends_with(b.as_ref()),
        op => ordering_matches(op, a.as_ref().cmp(b.as_ref())),
    }
}

fn cmp_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Compares one resource value with the literal.
fn compare_value(v: &Value, op: CompareOp, cv: &CompValue, info: Option<AttrInfo>) -> bool {
    let kind = info.map(|i| i.kind);
    let case_exact = info.is_some_and(|i| i.case_exact);
    match (kind, cv) {
        (_, CompValue::Null) => false,
        (Some(AttrKind::Boolean), CompValue::Bool(b)) | (None, CompValue::Bool(b)) => {
            match as_bool(v) {
                Some(x) => match op {
                    CompareOp::Eq => x == *b,
                    CompareOp::Ne => x != *b,
                    _ => false,
                },
                None => false,
            }
        }
        (Some(AttrKind::Integer | AttrKind::Decimal) | None, CompValue::Number(n)) => match v {
            Value::Number(x) => cmp_numbers(x, n).is_some_and(|o| ordering_matches(op, o)),
            _ => false,
        },
        (Some(AttrKind::DateTime), CompValue::String(s)) => {
            let Some(x) = v.as_str() else { return false };
            if op.is_substring() {
                return compare_strings(x, op, s, true);
            }
            match (parse_datetime(x), parse_datetime(s)) {
                (Some(a), Some(b)) => ordering_matches(op, a.cmp(&b)),
                _ => false,
            }
        }
        (
            Some(AttrKind::String | AttrKind::Reference | AttrKind::Binary) | None,
            CompValue::String(s),
        ) => match v.as_str() {
            Some(x) => compare_strings(x, op, s, case_exact),
            None => false,
        },
        _ => false,
    }
}

// ------------------------------------------------------------------ walking

impl Filter {
    /// Checks operator / type combinations against `types` without looking
    /// at any resource. [`Filter::matches`] does this first; call it once
    /// yourself before [`Filter::matches_validated`] over many resources.
    pub fn validate(&self, types: &dyn AttributeTypes) -> Result<()> {
        validate(self, None, types)
    }

    /// Evaluates the filter against `resource` (validating it first).
    pub fn matches(&self, resource: &Value, types: &dyn AttributeTypes) -> Result<bool> {
        self.validate(types)?;
        Ok(self.matches_validated(resource, types))
    }

    /// Evaluates a filter that already passed [`Filter::validate`] with the
    /// same `types`. On an unvalidated filter, refused combinations simply
    /// do not match.
    pub fn matches_validated(&self, resource: &Value, types: &dyn AttributeTypes) -> bool {
        eval(self, Scope::Top(resource), types)
    }

    /// Validates a value filter (the part in brackets) of the multi-valued
    /// attribute `parent`: type lookups see `parent.sub` paths
    /// (`emails[type eq "work"]` looks up `emails.type`).
    pub fn validate_element(&self, parent: &AttrPath, types: &dyn AttributeTypes) -> Result<()> {
        validate(self, Some(parent), types)
    }

    /// Evaluates a value filter against one element of `parent`, e.g. the
    /// PATCH path `emails[type eq "work"]` against each email object. Call
    /// [`Filter::validate_element`] first. For arrays of primitives, `value`
    /// designates the element itself.
    ///
    /// ```
    /// use roster_scim::filter::{DefaultUserGroupTypes, Filter};
    /// use roster_scim::path::AttrPath;
    /// use serde_json::json;
    ///
    /// let f = Filter::parse(r#"type eq "WORK" and primary eq true"#)?;
    /// let emails = AttrPath::simple("emails");
    /// f.validate_element(&emails, &DefaultUserGroupTypes)?;
    /// let el = json!({"type": "work", "primary": "True", "value": "a@b.c"});
    /// assert!(f.matches_element(&emails, &el, &DefaultUserGroupTypes));
    /// # Ok::<(), roster_scim::ScimError>(())
    /// ```
    pub fn matches_element(
        &self,
        parent: &AttrPath,
        element: &Value,
        types: &dyn AttributeTypes,
    ) -> bool {
        eval(
            self,
            Scope::Element {
                parent,
                elem: element,
            },
            types,
        )
    }
}

fn validate(f: &Filter, parent: Option<&AttrPath>, types: &dyn AttributeTypes) -> Result<()> {
    match f {
        Filter::Compare { path, op, value } => {
            let abs = match parent {
                None => Cow::Borrowed(path),
                Some(p) => Cow::Owned(element_path(p, path)),
            };
            check_leaf(path, &abs, *op, value, types)
        }
        Filter::Present(_) => Ok(()),
        Filter::And(l, r) | Filter::Or(l, r) => {
            validate(l, parent, types)?;
            validate(r, parent, types)
        }
        Filter::Not(inner) => validate(inner, parent, types),
        Filter::ValuePath { attr, filter } => validate(filter, Some(attr), types),
    }
}

fn eval(f: &Filter, scope: Scope<'_, '_>, types: &dyn AttributeTypes) -> bool {
    match f {
        Filter::Compare { path, op, value } => {
            let values = scope.resolve(path);
            if let CompValue::Null = value {
                let present = values.iter().any(|v| is_present(v));
                return match op {
                    CompareOp::Eq => !present,
                    CompareOp::Ne => present,
                    _ => false,
                };
            }
            let abs = scope.type_path(path);
            let info = comparison_type(types, &abs);
            values.into_iter().any(|v| {
                let v = match v {
                    Value::Object(o) => match get_ci(o, "value") {
                        Some(inner) => inner,
                        None => return false,
                    },
                    v => v,
                };
                compare_value(v, *op, value, info)
            })
        }
        Filter::Present(path) => scope.resolve(path).into_iter().any(is_present),
        Filter::And(l, r) => eval(l, scope, types) && eval(r, scope, types),
        Filter::Or(l, r) => eval(l, scope, types) || eval(r, scope, types),
        Filter::Not(inner) => !eval(inner, scope, types),
        Filter::ValuePath { attr, filter } => {
            // Nested value paths are not produced by the parser; if built by
            // hand, the inner attribute resolves relative to the element.
            scope
                .resolve(attr)
                .into_iter()
                .any(|elem| eval(filter, Scope::Element { parent: attr, elem }, types))
        }
    }
}
