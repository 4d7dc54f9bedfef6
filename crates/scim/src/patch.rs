//! SCIM PATCH (RFC 7644 §3.5.2), with every IdP dialect absorbed.
//!
//! Parse a body with [`PatchRequest::parse`], then [`apply`] it to a
//! resource. The request is atomic: on error the resource is left untouched.
//!
//! ```
//! use roster_scim::patch::{apply, PatchRequest};
//! use roster_scim::schema::SchemaRegistry;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::new();
//! let mut group = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
//!     "id": "g1", "displayName": "Admins",
//!     "members": [{"value": "u1"}, {"value": "u2"}],
//! });
//! // Entra ID: capitalised op, removal by value list (means "these", not "all").
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!         {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]},
//!         {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u3"}]},
//!     ],
//! });
//! let request = PatchRequest::parse(&body)?;
//! let outcome = apply(&mut group, &request, &registry, "Group")?;
//! assert!(outcome.changed);
//! assert_eq!(outcome.members_added, vec!["u3"]);
//! assert_eq!(outcome.members_removed, vec!["u1"]);
//! assert_eq!(group["members"], json!([{"value": "u2"}, {"value": "u3"}]));
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! # Semantics
//!
//! RFC 7644 §3.5.2, plus these choices (all IdP-friendly):
//!
//! * **Op names** are case-insensitive; `path: ""` means no path.
//! * **add without path** merges the value object. Its keys may be plain
//!   names, dotted paths (`name.givenName`), URN-qualified attributes
//!   (`urn:…:enterprise:2.0:User:employeeNumber`, Entra `aadOptscim062020`)
//!   or extension objects. `id`, `meta` and `schemas` keys in the value are
//!   ignored (Okta's group rename carries `id`).
//! * **replace without path** is the same with replace semantics.
//! * **add** to a multi-valued attribute appends; an element whose `value`
//!   equals an existing one is merged into it instead (no duplicates; Okta
//!   and Entra re-send members). Complex single-valued attributes merge
//!   sub-attributes; a bare scalar (Entra's manager id) replaces the object.
//! * **replace** of a multi-valued attribute replaces all its values (Okta's
//!   full `members` replace); of a complex attribute, merges sub-attributes
//!   (RFC); `null` clears.
//! * **Value filters** (`emails[type eq "work"].value`): add and replace
//!   write into every matching element. When **nothing matches**, and the
//!   filter is made of `eq` comparisons joined by `and`, a new element is
//!   created from them (`{"type": "work", "value": …}`) — Entra sends
//!   `Replace`/`Add` on `emails[type eq "work"].value` whether or not a work
//!   email exists. Any other filter that matches nothing is `noTarget`.
//! * **remove** of a multi-valued attribute *with a value* removes the listed
//!   elements (matched by `value`; Entra's and OneLogin's member removal),
//!   not all of them; without a value it removes the attribute. Removing
//!   something absent is a no-op. Removing a required attribute (`userName`,
//!   a group's `displayName`) is `mutability`.
//! * **primary**: writing `primary: true` on one element sets it to `false`
//!   on the others.
//! * **writeOnly** attributes (`password`) are accepted and discarded:
//!   Roster stores no passwords.
//! * **readOnly** attributes (`id`, `meta`, a User's `groups`): an
//!   operation that would change them is `mutability`; one that leaves them
//!   equal is accepted. **Immutable** attributes can be set while unset.
//! * Values are typed by the schema ([`crate::dialect`]): `"False"` is
//!   `false`, a string manager id is `{"value": id}`, etc.
//! * Unknown core attributes are `invalidPath`; unknown attributes of an
//!   extension, and unknown extensions, are kept untyped.
//! * Extension objects that appear get their URN added to `schemas`; an
//!   extension object emptied by the request is removed, with its URN.
//!
//! Performance: member additions and removals use hash maps keyed by
//! `value` (borrowed, so indexing 50,000 members allocates little), and
//! consecutive operations on the same multi-valued attribute are batched
//! into one pass. Membership requests — member-style operations, possibly
//! with operations on other attributes such as Okta's re-sent rename — take
//! a fast path that changes the member list in place instead of copying the
//! resource for atomicity (member values are typed first and the other
//! operations run on a copy without the member list, so nothing can fail
//! half-way). A 1,000-member change to a 50,000-member group is linear.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::dialect::{
    coerce_attribute, coerce_complex, coerce_simple, find_key, get_ci, is_empty_value, parse_op,
    semantic_eq, OpKind,
};
use crate::error::{Result, ScimError};
use crate::filter::eval::{AttrInfo, AttrKind, AttributeTypes};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::{is_core_urn, AttrPath, PatchPath};
use crate::schema::{
    is_urn_like, AttributeDef, Mutability, ResourceSchemas, Schema, SchemaRegistry,
    SubAttributeTypes, PATCH_OP_SCHEMA,
};

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// `add`, `replace` or `remove`.
    pub op: OpKind,
    /// The `path` as sent (trimmed); `None` when absent, null or empty.
    pub path: Option<String>,
    /// The parsed path; `None` without path, or for a bare URN that is not
    /// an attribute path (an extension URI such as `http://…`).
    pub parsed_path: Option<PatchPath>,
    /// The `value`: `None` when absent, `Some(Value::Null)` for `null`.
    pub value: Option<Value>,
}

impl PatchOperation {
    /// Builds an operation, parsing `path` (`invalidPath` on garbage).
    pub fn new(op: OpKind, path: Option<&str>, value: Option<Value>) -> Result<Self> {
        let path = path.map(str::trim).filter(|p| !p.is_empty());
        let parsed_path = match path {
            None => None,
            Some(p) => match PatchPath::parse(p) {
                Ok(pp) => Some(pp),
                Err(_) if is_extension_uri(p) => None,
                Err(e) => return Err(e),
            },
        };
        Ok(PatchOperation {
            op,
            path: path.map(str::to_owned),
            parsed_path,
            value,
        })
    }
}

/// A parsed PATCH request body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchRequest {
    /// The operations, in order.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Parses a PatchOp body. `schemas` may be absent, but when present it
    /// must name the PatchOp URN; `Operations` (any case) must be an array.
    /// Errors are `invalidSyntax` (`invalidPath` for a bad path) and name the
    /// offending operation, e.g.
    /// `Operations[2].op: unknown operation 'merge' (expected add, replace or remove)`.
    pub fn parse(body: &Value) -> Result<PatchRequest> {
        let Some(obj) = body.as_object() else {
            return Err(ScimError::invalid_syntax(
                "the PATCH body must be a JSON object",
            ));
        };
        if let Some(schemas) = get_ci(obj, "schemas") {
            let ok = schemas.as_array().is_some_and(|a| {
                a.iter().any(|s| {
                    s.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
                })
            });
            if !ok {
                return Err(ScimError::invalid_syntax(format!(
                    "schemas must contain \"{PATCH_OP_SCHEMA}\""
                )));
            }
        }
        let Some(ops) = get_ci(obj, "Operations") else {
            return Err(ScimError::invalid_syntax(
                "the PATCH body has no 'Operations' array",
            ));
        };
        let Some(ops) = ops.as_array() else {
            return Err(ScimError::invalid_syntax("'Operations' must be an array"));
        };
        let mut operations = Vec::with_capacity(ops.len());
        for (i, raw) in ops.iter().enumerate() {
            operations.push(parse_operation(i, raw)?);
        }
        Ok(PatchRequest { operations })
    }

    /// Parses a PatchOp body from bytes (`invalidSyntax` on bad JSON).
    pub fn from_slice(bytes: &[u8]) -> Result<PatchRequest> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| ScimError::invalid_syntax(format!("invalid JSON: {e}")))?;
        Self::parse(&v)
    }
}

fn parse_operation(i: usize, raw: &Value) -> Result<PatchOperation> {
    let Some(o) = raw.as_object() else {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{i}] must be an object"
        )));
    };
    let op = match get_ci(o, "op") {
        None | Some(Value::Null) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}].op is missing"
            )))
        }
        Some(Value::String(s)) => parse_op(s).ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "Operations[{i}].op: unknown operation '{s}' (expected add, replace or remove)"
            ))
        })?,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}].op must be a string, got {other}"
            )))
        }
    };
    let path = match get_ci(o, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}].path must be a string"
            )))
        }
    };
    let value = get_ci(o, "value").cloned();
    if op != OpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{i}].value is required for '{}'",
            op.as_str()
        )));
    }
    PatchOperation::new(op, path, value).map_err(|e| {
        ScimError::new(
            e.status,
            e.scim_type,
            format!("Operations[{i}].path: {}", e.detail),
        )
    })
}

/// What a PATCH did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchOutcome {
    /// Whether the resource differs from before (unassigned values —
    /// `null`, `[]`, `{}` — count as absent). Okta re-sending the same
    /// rename gives `false`.
    pub changed: bool,
    /// Top-level attributes whose value changed (names as stored), sorted;
    /// extension attributes as `urn:…:name`.
    pub changed_attributes: Vec<String>,
    /// `members[].value`s present after and not before, in resource order.
    pub members_added: Vec<String>,
    /// `members[].value`s present before and not after, in resource order.
    pub members_removed: Vec<String>,
}

/// Applies `request` to `resource` (a User or Group JSON object) of
/// `resource_type` (`"User"`, `"Group"`, or their core schema URN).
///
/// Atomic: on error `resource` is unchanged. See the module docs for the
/// semantics.
pub fn apply(
    resource: &mut Value,
    request: &PatchRequest,
    registry: &SchemaRegistry,
    resource_type: &str,
) -> Result<PatchOutcome> {
    let view = registry.for_resource(resource_type).ok_or_else(|| {
        ScimError::invalid_value(format!("unknown resource type '{resource_type}'"))
    })?;
    let mut engine = Engine {
        view,
        touched: Vec::new(),
        index_map: Vec::new(),
    };
    let Some(obj) = resource.as_object_mut() else {
        return Err(ScimError::invalid_value(
            "the resource is not a JSON object",
        ));
    };
    if let Some(outcome) = engine.members_fast_path(obj, &request.operations)? {
        return Ok(outcome);
    }
    let before: &Map<String, Value> = obj;
    let mut work = before.clone();
    engine.run(&mut work, &request.operations)?;
    engine.fix_extensions(&mut work);
    let outcome = outcome(before, &work);
    *resource = Value::Object(work);
    Ok(outcome)
}

/// What changed between two versions of a resource, in [`PatchOutcome`]
/// form. `apply` uses it; the ingress can use it for PUT, e.g. to turn an
/// Okta group PUT into `group.user_added` / `group.user_removed` events.
/// Non-objects compare as empty resources.
///
/// ```
/// use roster_scim::patch::diff;
/// use serde_json::json;
/// let before = json!({"displayName": "Eng", "members": [{"value": "u1"}, {"value": "u2"}]});
/// let after = json!({"displayName": "Eng", "members": [{"value": "u2"}, {"value": "u3"}]});
/// let d = diff(&before, &after);
/// assert!(d.changed);
/// assert_eq!(d.changed_attributes, vec!["members"]);
/// assert_eq!((d.members_added, d.members_removed), (vec!["u3".to_string()], vec!["u1".to_string()]));
/// ```
pub fn diff(before: &Value, after: &Value) -> PatchOutcome {
    let empty = Map::new();
    outcome(
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    )
}

fn outcome(before: &Map<String, Value>, after: &Map<String, Value>) -> PatchOutcome {
    let mut changed_attributes = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (k, _) in after.iter().chain(before.iter()) {
        let lk = k.to_ascii_lowercase();
        if !seen.insert(lk) {
            continue;
        }
        let a = get_ci(before, k).unwrap_or(&Value::Null);
        let b = get_ci(after, k).unwrap_or(&Value::Null);
        if semantic_eq(a, b) {
            continue;
        }
        match (a.as_object(), b.as_object(), is_urn_like(k)) {
            (x, y, true) if x.is_some() || y.is_some() => {
                let empty = Map::new();
                let (x, y) = (x.unwrap_or(&empty), y.unwrap_or(&empty));
                let mut inner_seen = HashSet::new();
                for (ik, _) in y.iter().chain(x.iter()) {
                    if !inner_seen.insert(ik.to_ascii_lowercase()) {
                        continue;
                    }
                    let p = get_ci(x, ik).unwrap_or(&Value::Null);
                    let q = get_ci(y, ik).unwrap_or(&Value::Null);
                    if !semantic_eq(p, q) {
                        changed_attributes.push(format!("{k}:{ik}"));
                    }
                }
            }
            _ => changed_attributes.push(k.clone()),
        }
    }
    fn ids(m: &Map<String, Value>) -> Vec<&str> {
        match get_ci(m, "members") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|e| match e {
                    Value::Object(o) => get_ci(o, "value").and_then(Value::as_str),
                    Value::String(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    changed_attributes.sort();
    let members_changed = changed_attributes
        .iter()
        .any(|a| a.eq_ignore_ascii_case("members"));
    let (mut members_added, mut members_removed) = (Vec::new(), Vec::new());
    if members_changed {
        let (old, new) = (ids(before), ids(after));
        let old_set: HashSet<&str> = old.iter().copied().collect();
        let new_set: HashSet<&str> = new.iter().copied().collect();
        let mut dedupe = HashSet::new();
        members_added = new
            .iter()
            .filter(|v| !old_set.contains(*v) && dedupe.insert(**v))
            .map(|v| (*v).to_owned())
            .collect();
        let mut dedupe = HashSet::new();
        members_removed = old
            .iter()
            .filter(|v| !new_set.contains(*v) && dedupe.insert(**v))
            .map(|v| (*v).to_owned())
            .collect();
    }
    PatchOutcome {
        changed: !changed_attributes.is_empty(),
        changed_attributes,
        members_added,
        members_removed,
    }
}

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Container {
    Top,
    Ext(String),
}

#[derive(Debug, Clone)]
struct Target<'a> {
    container: Container,
    name: String,
    def: Option<&'a AttributeDef>,
    filter: Option<Filter>,
    sub: Option<String>,
    sub_def: Option<&'a AttributeDef>,
}

impl Target<'_> {
    fn label(&self) -> String {
        let mut s = match &self.container {
            Container::Top => self.name.clone(),
            Container::Ext(u) => format!("{u}:{}", self.name),
        };
        if let Some(f) = &self.filter {
            s.push_str(&format!("[{f}]"));
        }
        if let Some(sub) = &self.sub {
            s.push('.');
            s.push_str(sub);
        }
        s
    }

    fn same_attribute(&self, other: &Target<'_>) -> bool {
        self.container == other.container && self.name.eq_ignore_ascii_case(&other.name)
    }
}

enum Resolved<'a> {
    /// No path, or a core schema URN as path.
    Root,
    /// A whole extension object (path = its URN).
    Extension(String, Option<&'a Schema>),
    /// An attribute.
    Attr(Target<'a>),
}

struct NoTypes;
impl AttributeTypes for NoTypes {
    fn lookup(&self, _: &AttrPath) -> Option<AttrInfo> {
        None
    }
}

struct Engine<'a> {
    view: ResourceSchemas<'a>,
    /// Extension containers written to (their canonical keys).
    touched: Vec<String>,
    /// Original request indices of the operations `run` receives, when it
    /// gets a subset (for error messages); empty = identity.
    index_map: Vec<usize>,
}

const MAX_NESTED: usize = 4;

impl<'a> Engine<'a> {
    fn run(&mut self, res: &mut Map<String, Value>, ops: &[PatchOperation]) -> Result<()> {
        let mut i = 0;
        while i < ops.len() {
            let Some(op) = ops.get(i) else { break };
            let at = self.index_map.get(i).copied().unwrap_or(i);
            let consumed = self.try_batch(res, ops, i).map_err(|e| prefix(e, at, op))?;
            if consumed > 0 {
                i += consumed;
                continue;
            }
            self.run_one(res, op).map_err(|e| prefix(e, at, op))?;
            i += 1;
        }
        Ok(())
    }

    fn run_one(&mut self, res: &mut Map<String, Value>, op: &PatchOperation) -> Result<()> {
        let resolved = match &op.path {
            None => Resolved::Root,
            Some(raw) => self.resolve(raw, op.parsed_path.as_ref())?,
        };
        let value = op.value.clone();
        self.dispatch(res, op.op, resolved, value, 0)
    }

    fn dispatch(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        resolved: Resolved<'a>,
        value: Option<Value>,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_NESTED {
            return Err(ScimError::invalid_value(
                "value objects are nested too deeply",
            ));
        }
        match resolved {
            Resolved::Root => self.root(res, op, value, depth),
            Resolved::Extension(urn, schema) => self.extension(res, op, &urn, schema, value, depth),
            Resolved::Attr(t) => self.attr(res, op, &t, value),
        }
    }

    fn resolve(&self, raw: &str, parsed: Option<&PatchPath>) -> Result<Resolved<'a>> {
        if let Some(schema) = self.view.schema(raw) {
            return Ok(if self.view.is_core(&schema.id) {
                Resolved::Root
            } else {
                Resolved::Extension(schema.id.clone(), Some(schema))
            });
        }
        if is_core_urn(raw) {
            return Ok(Resolved::Root);
        }
        let Some(pp) = parsed else {
            return if is_extension_uri(raw) {
                Ok(Resolved::Extension(raw.to_owned(), None))
            } else {
                Err(ScimError::invalid_path(format!(
                    "'{raw}' is not a valid path"
                )))
            };
        };
        let sub = match (&pp.attr.sub_attr, &pp.sub_attr) {
            (Some(_), Some(_)) => {
                return Err(ScimError::invalid_path(format!(
                    "'{raw}' names two sub-attributes"
                )))
            }
            (a, b) => a.as_deref().or(b.as_deref()),
        };
        self.target(
            pp.attr.urn.as_deref(),
            &pp.attr.name,
            sub,
            pp.value_filter.as_ref(),
        )
        .map(Resolved::Attr)
    }

    fn target(
        &self,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
        filter: Option<&Filter>,
    ) -> Result<Target<'a>> {
        let (container, def) = match urn.filter(|u| !is_core_urn(u) && !self.view.is_core(u)) {
            Some(u) => match self.view.extension(u) {
                Some(schema) => (Container::Ext(schema.id.clone()), schema.attribute(name)),
                None => (Container::Ext(u.to_owned()), None),
            },
            None => match self.view.top_level(None, name) {
                Some((schema, def)) if self.view.is_core(&schema.id) => (Container::Top, Some(def)),
                Some((schema, def)) => (Container::Ext(schema.id.clone()), Some(def)),
                None => {
                    return Err(ScimError::invalid_path(format!(
                        "unknown attribute '{name}' for a {}",
                        self.view.resource_type.name
                    )))
                }
            },
        };
        let name = def.map_or_else(|| name.to_owned(), |d| d.name.clone());
        let (sub, sub_def) = match (sub, def) {
            (None, _) => (None, None),
            (Some(s), None) => (Some(s.to_owned()), None),
            (Some(s), Some(d)) => match d.sub_attribute(s) {
                Some(sd) if d.kind == AttrKind::Complex => (Some(sd.name.clone()), Some(sd)),
                _ => {
                    return Err(ScimError::invalid_path(format!(
                        "'{name}' has no sub-attribute '{s}'"
                    )))
                }
            },
        };
        if let (Some(f), Some(d)) = (filter, def) {
            if !d.multi_valued {
                return Err(ScimError::invalid_path(format!(
                    "'{name}' is not multi-valued and cannot take a value filter"
                )));
            }
            if d.kind == AttrKind::Complex {
                f.validate(&SubAttributeTypes(d))?;
            }
        }
        Ok(Target {
            container,
            name,
            def,
            filter: filter.cloned(),
            sub,
            sub_def,
        })
    }

    // ------------------------------------------------------------- no path

    fn root(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        value: Option<Value>,
        depth: usize,
    ) -> Result<()> {
        let obj = match value {
            Some(Value::Object(o)) => o,
            Some(Value::Null) | None if op == OpKind::Remove => {
                return Err(ScimError::no_target("'remove' needs a path"))
            }
            Some(Value::Array(items)) if items.len() == 1 => match items.into_iter().next() {
                Some(Value::Object(o)) => o,
                _ => {
                    return Err(ScimError::invalid_syntax(
                        "without a path, the value must be an object of attributes",
                    ))
                }
            },
            _ => {
                return Err(ScimError::invalid_syntax(
                    "without a path, the value must be an object of attributes",
                ))
            }
        };
        for (key, v) in obj {
            let k = key.trim();
            if k.eq_ignore_ascii_case("schemas")
                || k.eq_ignore_ascii_case("id")
                || k.eq_ignore_ascii_case("meta")
            {
                continue;
            }
            let resolved = self.resolve_key(k, &v)?;
            if op == OpKind::Remove {
                if let Resolved::Attr(t) = &resolved {
                    let multi = t.def.is_some_and(|d| d.multi_valued);
                    self.attr(res, op, t, if multi { Some(v) } else { None })?;
                    continue;
                }
            }
            self.dispatch(res, op, resolved, Some(v), depth + 1)?;
        }
        Ok(())
    }

    /// A key of a no-path value object.
    fn resolve_key(&self, key: &str, v: &Value) -> Result<Resolved<'a>> {
        if let Some(schema) = self.view.schema(key) {
            return Ok(if self.view.is_core(&schema.id) {
                Resolved::Root
            } else {
                Resolved::Extension(schema.id.clone(), Some(schema))
            });
        }
        let parsed = PatchPath::parse(key);
        if is_urn_like(key) {
            let registered = parsed.as_ref().ok().is_some_and(|pp| {
                pp.attr
                    .urn
                    .as_deref()
                    .is_some_and(|u| self.view.schema(u).is_some() || is_core_urn(u))
            });
            if !registered && is_extension_uri(key) && (v.is_object() || parsed.is_err()) {
                return Ok(Resolved::Extension(key.to_owned(), None));
            }
        }
        match parsed {
            Ok(pp) => self.resolve(key, Some(&pp)),
            Err(e) => Err(ScimError::invalid_path(format!(
                "value key '{key}' is not an attribute path: {}",
                e.detail
            ))),
        }
    }

    fn extension(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        urn: &str,
        schema: Option<&'a Schema>,
        value: Option<Value>,
        depth: usize,
    ) -> Result<()> {
        if op == OpKind::Remove {
            if let Some(k) = find_key(res, urn) {
                res.remove(&k);
            }
            self.touch(urn);
            return Ok(());
        }
        let obj = match value {
            Some(Value::Object(o)) => o,
            Some(Value::Null) | None => {
                if op == OpKind::Replace {
                    if let Some(k) = find_key(res, urn) {
                        res.remove(&k);
                    }
                    self.touch(urn);
                }
                return Ok(());
            }
            Some(_) => {
                return Err(ScimError::invalid_value(format!(
                    "'{urn}' must be an object of extension attributes"
                )))
            }
        };
        for (k, v) in obj {
            let t = match schema {
                Some(s) => self.target(Some(&s.id), &k, None, None)?,
                None => Target {
                    container: Container::Ext(urn.to_owned()),
                    name: k.clone(),
                    def: None,
                    filter: None,
                    sub: None,
                    sub_def: None,
                },
            };
            self.dispatch(res, op, Resolved::Attr(t), Some(v), depth + 1)?;
        }
        Ok(())
    }

    fn touch(&mut self, urn: &str) {
        if !self.touched.iter().any(|u| u.eq_ignore_ascii_case(urn)) {
            self.touched.push(urn.to_owned());
        }
    }

    /// After all operations: touched extension objects that are empty are
    /// removed with their URN; present ones get their URN into `schemas`.
    fn fix_extensions(&self, res: &mut Map<String, Value>) {
        for urn in &self.touched {
            let key = find_key(res, urn);
            let present = key
                .as_ref()
                .and_then(|k| res.get(k))
                .is_some_and(|v| !is_empty_value(v));
            if !present {
                if let Some(k) = key {
                    res.remove(&k);
                }
            }
            let schemas = res
                .entry("schemas")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = schemas {
                let pos = list
                    .iter()
                    .position(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
                match (present, pos) {
                    (true, None) => list.push(Value::String(urn.clone())),
                    (false, Some(p)) => {
                        list.remove(p);
                    }
                    _ => {}
                }
            }
        }
    }

    // ------------------------------------------------------------- attributes

    fn container_mut<'r>(
        &mut self,
        res: &'r mut Map<String, Value>,
        c: &Container,
        create: bool,
    ) -> Option<&'r mut Map<String, Value>> {
        match c {
            Container::Top => Some(res),
            Container::Ext(urn) => {
                let key = match find_key(res, urn) {
                    Some(k) => k,
                    None if create => {
                        res.insert(urn.clone(), Value::Object(Map::new()));
                        urn.clone()
                    }
                    None => return None,
                };
                self.touch(urn);
                let slot = res.get_mut(&key)?;
                if !slot.is_object() {
                    if !create {
                        return None;
                    }
                    *slot = Value::Object(Map::new());
                }
                slot.as_object_mut()
            }
        }
    }

    fn attr(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        t: &Target<'a>,
        value: Option<Value>,
    ) -> Result<()> {
        if t.def.is_some_and(|d| d.mutability == Mutability::WriteOnly) {
            // `password`: accepted, never stored (Roster keeps no passwords).
            return Ok(());
        }
        let guarded = t
            .def
            .filter(|d| matches!(d.mutability, Mutability::ReadOnly | Mutability::Immutable));
        let before = guarded.map(|_| self.current(res, t).cloned());
        let creating = op != OpKind::Remove;
        let Some(c) = self.container_mut(res, &t.container, creating) else {
            return Ok(()); // remove inside an absent extension: nothing to do
        };
        match (op, &t.filter, &t.sub) {
            (OpKind::Remove, None, None) => remove_attr(c, t, value)?,
            (OpKind::Remove, None, Some(sub)) => remove_sub_everywhere(c, t, sub),
            (OpKind::Remove, Some(f), sub) => remove_filtered(c, t, f, sub.as_deref()),
            (_, None, None) => write_attr(c, op, t, value)?,
            (_, None, Some(sub)) => write_sub_everywhere(c, t, sub, value)?,
            (_, Some(f), sub) => write_filtered(c, t, f, sub.as_deref(), value)?,
        }
        if let (Some(def), Some(before)) = (guarded, before) {
            let after = self.current(res, t);
            let old = before.unwrap_or(Value::Null);
            let new = after.unwrap_or(&Value::Null);
            let violates = match def.mutability {
                Mutability::ReadOnly => !semantic_eq(&old, new),
                _ => !is_empty_value(&old) && !semantic_eq(&old, new),
            };
            if violates {
                return Err(ScimError::mutability(format!(
                    "'{}' is {} and cannot be changed",
                    t.name,
                    def.mutability.as_str()
                )));
            }
        }
        Ok(())
    }

    fn current<'r>(&self, res: &'r Map<String, Value>, t: &Target<'_>) -> Option<&'r Value> {
        let c = match &t.container {
            Container::Top => res,
            Container::Ext(urn) => get_ci(res, urn)?.as_object()?,
        };
        get_ci(c, &t.name)
    }

    // ------------------------------------------------------------- batching

    /// Batches consecutive member-style operations on one multi-valued
    /// attribute into a single pass. Returns how many operations it
    /// consumed (0 = not batchable).
    fn try_batch(
        &mut self,
        res: &mut Map<String, Value>,
        ops: &[PatchOperation],
        start: usize,
    ) -> Result<usize> {
        let Some(first) = ops.get(start) else {
            return Ok(0);
        };
        let Some((kind, t)) = self.batchable(first) else {
            return Ok(0);
        };
        let mut end = start + 1;
        while let Some(next) = ops.get(end) {
            match self.batchable(next) {
                Some((k, t2)) if k == kind && t2.same_attribute(&t) => end += 1,
                _ => break,
            }
        }
        if end - start < 2 {
            return Ok(0);
        }
        let Some(def) = t.def else { return Ok(0) };
        let slice = ops.get(start..end).unwrap_or(&[]);
        match kind {
            OpKind::Add => {
                let mut all = Vec::new();
                for op in slice {
                    match op.value.clone() {
                        Some(Value::Array(items)) => all.extend(items),
                        Some(Value::Null) | None => {}
                        Some(single) => all.push(single),
                    }
                }
                self.attr(res, OpKind::Add, &t, Some(Value::Array(all)))?;
            }
            _ => {
                let case_exact = def.sub_attribute("value").is_some_and(|d| d.case_exact);
                let mut keys = HashSet::new();
                for op in slice {
                    match (&op.parsed_path, &op.value) {
                        (Some(pp), _) if pp.value_filter.is_some() => {
                            if let Some(v) = pp.value_filter.as_ref().and_then(value_eq_literal) {
                                keys.insert(norm_key(v, case_exact).into_owned());
                            }
                        }
                        (_, Some(v)) => {
                            let typed = coerce_attribute(v.clone(), def, &t.name)?;
                            if let Some(Value::Array(items)) = typed {
                                for item in &items {
                                    if let Some(k) = element_key(item, def) {
                                        keys.insert(k.into_owned());
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                if let Some(c) = self.container_mut(res, &t.container, false) {
                    retain_not_keyed(c, &t.name, def, &keys);
                }
            }
        }
        Ok(end - start)
    }

    /// Fast path for membership requests: member-style operations (`add
    /// members`, `remove members[value eq "…"]`, `remove members` with a
    /// value list — what Okta, Entra and OneLogin send), possibly mixed with
    /// operations on *other* attributes (Okta re-sends its rename with every
    /// membership change).
    ///
    /// The member values are typed first; the other operations then run on
    /// a copy of the resource *without* the member list (cheap), and only
    /// when they succeed is the member list changed, in place — member
    /// operations cannot fail once typed. So a 50,000-member group is never
    /// copied, and the outcome comes from the changes themselves. Returns
    /// `None` when the request does not qualify (the general path runs).
    fn members_fast_path(
        &self,
        res: &mut Map<String, Value>,
        ops: &[PatchOperation],
    ) -> Result<Option<PatchOutcome>> {
        enum Step {
            Add(Vec<Value>),
            Remove(HashSet<String>),
        }
        let mut target: Option<Target<'a>> = None;
        let mut member_ops: Vec<(usize, &PatchOperation, OpKind)> = Vec::new();
        let mut others: Vec<(usize, &PatchOperation)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let member = self.batchable(op).filter(|(_, t)| {
                t.container == Container::Top
                    && t.def.is_some_and(|d| d.sub_attribute("primary").is_none())
                    && target.as_ref().is_none_or(|first| first.same_attribute(t))
            });
            match member {
                Some((kind, t)) => {
                    if target.is_none() {
                        target = Some(t);
                    }
                    member_ops.push((i, op, kind));
                }
                None => others.push((i, op)),
            }
        }
        let Some(t) = target else { return Ok(None) };
        let Some(def) = t.def else { return Ok(None) };
        if get_ci(res, &t.name).is_some_and(|v| !v.is_array() && !v.is_null()) {
            return Ok(None); // odd stored shape: let the general path sort it out
        }
        if !others.iter().all(|(_, op)| self.leaves_alone(op, &t.name)) {
            return Ok(None);
        }
        // 1. Type every member value (the only way member operations fail).
        let label = t.label();
        let mut steps: Vec<Step> = Vec::new();
        for (i, op, kind) in &member_ops {
            let typed = |v: Option<&Value>| -> Result<Vec<Value>> {
                match v {
                    None => Ok(Vec::new()),
                    Some(v) => match coerce_attribute(v.clone(), def, &label) {
                        Ok(Some(Value::Array(items))) => Ok(items),
                        Ok(_) => Ok(Vec::new()),
                        Err(e) => Err(prefix(e, *i, op)),
                    },
                }
            };
            if *kind == OpKind::Add {
                let items = typed(op.value.as_ref())?;
                match steps.last_mut() {
                    Some(Step::Add(prev)) => prev.extend(items),
                    _ => steps.push(Step::Add(items)),
                }
                continue;
            }
            let case_exact = def.sub_attribute("value").is_some_and(|d| d.case_exact);
            let mut keys = HashSet::new();
            let literal = op
                .parsed_path
                .as_ref()
                .and_then(|pp| pp.value_filter.as_ref())
                .and_then(value_eq_literal);
            match literal {
                Some(v) => {
                    keys.insert(norm_key(v, case_exact).into_owned());
                }
                None => {
                    for item in typed(op.value.as_ref())? {
                        if let Some(k) = element_key(&item, def) {
                            keys.insert(k.into_owned());
                        }
                    }
                }
            }
            match steps.last_mut() {
                Some(Step::Remove(prev)) => prev.extend(keys),
                _ => steps.push(Step::Remove(keys)),
            }
        }
        // 2. The other operations, on a copy without the member list.
        let mut rest_outcome = PatchOutcome::default();
        if !others.is_empty() {
            let key = find_key(res, &t.name);
            let members = key.as_ref().and_then(|k| res.remove(k));
            let mut work = res.clone();
            let mut engine = Engine {
                view: self.view.clone(),
                touched: Vec::new(),
                index_map: others.iter().map(|(i, _)| *i).collect(),
            };
            let subset: Vec<PatchOperation> = others.iter().map(|(_, op)| (*op).clone()).collect();
            if let Err(e) = engine.run(&mut work, &subset) {
                if let (Some(k), Some(m)) = (key, members) {
                    res.insert(k, m);
                }
                return Err(e);
            }
            engine.fix_extensions(&mut work);
            rest_outcome = outcome(res, &work);
            if let (Some(k), Some(m)) = (key, members) {
                work.insert(k, m);
            }
            *res = work;
        }
        // 3. The member operations, in place; they cannot fail.
        fn raw_value(el: &Value) -> Option<String> {
            match el {
                Value::Object(o) => get_ci(o, "value")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
        }
        let mut net = NetChanges::default();
        let mut arr = take_array(res, &t.name);
        for step in steps {
            match step {
                Step::Add(items) => {
                    let base = arr.len();
                    let (_, merged_changed) = merge_elements(&mut arr, items, def);
                    net.touched |= merged_changed;
                    for el in arr.get(base..).unwrap_or(&[]) {
                        match raw_value(el) {
                            Some(r) => net.on_add(r),
                            None => net.touched = true,
                        }
                    }
                }
                Step::Remove(keys) => {
                    if keys.is_empty() {
                        continue;
                    }
                    let mut gone = Vec::new();
                    arr.retain(|el| {
                        let drop = element_key(el, def).is_some_and(|k| keys.contains(k.as_ref()));
                        if drop {
                            gone.push(raw_value(el));
                        }
                        !drop
                    });
                    for r in gone {
                        match r {
                            Some(r) => net.on_remove(r),
                            None => net.touched = true,
                        }
                    }
                }
            }
        }
        set_attr(res, &def.name, Some(Value::Array(arr)));
        let members_changed = net.touched;
        let is_members = def.name.eq_ignore_ascii_case("members");
        let (added, removed) = net.finish();
        let mut changed_attributes = rest_outcome.changed_attributes;
        if members_changed {
            changed_attributes.push(def.name.clone());
            changed_attributes.sort();
        }
        Ok(Some(PatchOutcome {
            changed: members_changed || rest_outcome.changed,
            changed_attributes,
            members_added: if is_members { added } else { Vec::new() },
            members_removed: if is_members { removed } else { Vec::new() },
        }))
    }

    /// Whether `op` provably does not touch the top-level attribute `name`
    /// (conservative: `false` when unsure).
    fn leaves_alone(&self, op: &PatchOperation, name: &str) -> bool {
        let starts_with_name = |k: &str| {
            let k = k.trim();
            k.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        };
        // A URN key can reach a core attribute only through a core schema URN.
        let core_urn_key = |k: &str| {
            let k = k.trim();
            [
                "urn:ietf:params:scim:schemas:core:",
                "urn:scim:schemas:core:",
            ]
            .iter()
            .any(|p| k.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))
        };
        let value_keys_ok = |v: Option<&Value>| match v {
            Some(Value::Object(o)) => o.keys().all(|k| !starts_with_name(k) && !core_urn_key(k)),
            _ => false,
        };
        match &op.path {
            None => value_keys_ok(op.value.as_ref()),
            Some(raw) => match self.resolve(raw, op.parsed_path.as_ref()) {
                Ok(Resolved::Attr(t)) => {
                    !(t.container == Container::Top && t.name.eq_ignore_ascii_case(name))
                }
                Ok(Resolved::Extension(..)) => true,
                Ok(Resolved::Root) | Err(_) => false,
            },
        }
    }

    /// `(Add, target)` for `add` of values to a multi-valued complex
    /// attribute with `value`; `(Remove, target)` for removal of listed
    /// values or of `attr[value eq "…"]`.
    fn batchable(&self, op: &PatchOperation) -> Option<(OpKind, Target<'a>)> {
        let pp = op.parsed_path.as_ref()?;
        let raw = op.path.as_deref()?;
        let Resolved::Attr(t) = self.resolve(raw, Some(pp)).ok()? else {
            return None;
        };
        let def = t.def?;
        if !def.multi_valued || !def.has_value_sub_attribute() || t.sub.is_some() {
            return None;
        }
        if matches!(def.mutability, Mutability::ReadOnly | Mutability::Immutable) {
            return None;
        }
        let filter = t.filter.clone();
        match (op.op, &filter) {
            (OpKind::Add, None) => Some((OpKind::Add, t)),
            (OpKind::Remove, None) => {
                let listed = op.value.as_ref().is_some_and(|v| {
                    let items: Vec<&Value> = match v {
                        Value::Array(a) => a.iter().collect(),
                        other => vec![other],
                    };
                    !items.is_empty()
                        && items.iter().all(|i| match i {
                            Value::Object(o) => get_ci(o, "value").is_some_and(Value::is_string),
                            Value::String(_) => true,
                            _ => false,
                        })
                });
                listed.then_some((OpKind::Remove, t))
            }
            (OpKind::Remove, Some(f)) => value_eq_literal(f).map(|_| (OpKind::Remove, t)),
            _ => None,
        }
    }
}

/// Net membership changes of the fast path: an element removed and added
/// back in the same request is neither added nor removed (but still counts
/// as a change, conservatively, as its position moved).
#[derive(Default)]
struct NetChanges {
    added: Vec<String>,
    added_set: HashSet<String>,
    removed: Vec<String>,
    removed_set: HashSet<String>,
    touched: bool,
}

impl NetChanges {
    fn on_add(&mut self, r: String) {
        self.touched = true;
        if !self.removed_set.remove(&r) && self.added_set.insert(r.clone()) {
            self.added.push(r);
        }
    }

    fn on_remove(&mut self, r: String) {
        self.touched = true;
        if !self.added_set.remove(&r) && self.removed_set.insert(r.clone()) {
            self.removed.push(r);
        }
    }

    fn finish(self) -> (Vec<String>, Vec<String>) {
        let (mut added_set, mut removed_set) = (self.added_set, self.removed_set);
        (
            self.added
                .into_iter()
                .filter(|r| added_set.remove(r))
                .collect(),
            self.removed
                .into_iter()
                .filter(|r| removed_set.remove(r))
                .collect(),
        )
    }
}

/// A URN/URI that can name an extension object: URN-shaped and free of
/// filter and quoting characters (so `urn:x[...` stays a bad path).
fn is_extension_uri(s: &str) -> bool {
    is_urn_like(s)
        && !s.contains(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '"' | '(' | ')'))
}

fn prefix(e: ScimError, i: usize, op: &PatchOperation) -> ScimError {
    let what = match &op.path {
        Some(p) => format!("{} {p}", op.op.as_str()),
        None => op.op.as_str().to_owned(),
    };
    ScimError::new(
        e.status,
        e.scim_type,
        format!("Operations[{i}] ({what}): {}", e.detail),
    )
}

/// `value eq "literal"` → the literal.
fn value_eq_literal(f: &Filter) -> Option<&str> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(s),
        } if path.urn.is_none() && path.sub_attr.is_none() && path.name_is("value") => Some(s),
        _ => None,
    }
}

fn norm_key(s: &str, case_exact: bool) -> Cow<'_, str> {
    if case_exact || !s.chars().any(char::is_uppercase) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// The identity of an element for dedupe / removal: its `value` for complex
/// attributes that have one, the element itself for simple ones. Borrowed
/// when possible, so indexing 50,000 members allocates little.
fn element_key<'v>(el: &'v Value, def: &AttributeDef) -> Option<Cow<'v, str>> {
    let (v, case_exact) = if def.kind == AttrKind::Complex {
        let vd = def.sub_attribute("value")?;
        (get_ci(el.as_object()?, "value")?, vd.case_exact)
    } else {
        (el, def.case_exact)
    };
    match v {
        Value::String(s) => Some(norm_key(s, case_exact)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

fn set_attr(c: &mut Map<String, Value>, name: &str, v: Option<Value>) {
    c.retain(|k, _| !k.eq_ignore_ascii_case(name));
    if let Some(v) = v.filter(|v| !is_empty_value(v)) {
        c.insert(name.to_owned(), v);
    }
}

fn take_array(c: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    let key = find_key(c, name);
    match key.and_then(|k| c.remove(&k)) {
        Some(Value::Array(a)) => a,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

fn retain_not_keyed(
    c: &mut Map<String, Value>,
    name: &str,
    def: &AttributeDef,
    keys: &HashSet<String>,
) {
    if keys.is_empty() {
        return;
    }
    let mut arr = take_array(c, name);
    arr.retain(|el| element_key(el, def).is_none_or(|k| !keys.contains(k.as_ref())));
    set_attr(c, name, Some(Value::Array(arr)));
}

fn is_primary(el: &Value) -> bool {
    el.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .is_some_and(|p| p == &Value::Bool(true))
}

/// At most one element has `primary: true`: `preferred` wins if it is
/// primary, else the first primary one.
fn fix_primary(arr: &mut [Value], def: &AttributeDef, preferred: Option<usize>) {
    let Some(pd) = def.sub_attribute("primary") else {
        return;
    };
    let keep = preferred
        .filter(|p| arr.get(*p).is_some_and(is_primary))
        .or_else(|| arr.iter().position(is_primary));
    let Some(keep) = keep else { return };
    for (i, el) in arr.iter_mut().enumerate() {
        if i != keep && is_primary(el) {
            if let Some(o) = el.as_object_mut() {
                o.retain(|k, _| !k.eq_ignore_ascii_case("primary"));
                o.insert(pd.name.clone(), Value::Bool(false));
            }
        }
    }
}

/// Merges `new` sub-attributes into `old` (both element objects).
fn merge_object(old: &mut Map<String, Value>, new: Map<String, Value>) {
    for (k, v) in new {
        old.retain(|ok, _| !ok.eq_ignore_ascii_case(&k));
        if !v.is_null() {
            old.insert(k, v);
        }
    }
}

/// Keys given as `null` in a raw value object: they clear sub-attributes.
fn null_keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, x)| x.is_null())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Appends `new` elements to `arr`, merging those whose key already exists.
/// Returns the index of the last written element that is primary.
///
/// Two phases: plan with hash maps of borrowed keys (no allocation per
/// existing element), then write.
fn merge_elements(
    arr: &mut Vec<Value>,
    new: Vec<Value>,
    def: &AttributeDef,
) -> (Option<usize>, bool) {
    let base = arr.len();
    let plan: Vec<usize> = {
        let mut index: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(arr.len());
        for (i, el) in arr.iter().enumerate() {
            if let Some(k) = element_key(el, def) {
                index.entry(k).or_insert(i);
            }
        }
        let mut appended: HashMap<Cow<'_, str>, usize> = HashMap::new();
        let mut keyless: Vec<(usize, &Value)> = Vec::new();
        let mut next = base;
        let mut plan = Vec::with_capacity(new.len());
        for el in &new {
            let at = match element_key(el, def) {
                Some(k) => match index.get(&k).or_else(|| appended.get(&k)) {
                    Some(&i) => i,
                    None => {
                        appended.insert(k, next);
                        next += 1;
                        next - 1
                    }
                },
                None => match arr.iter().position(|x| semantic_eq(x, el)).or_else(|| {
                    keyless
                        .iter()
                        .find(|(_, x)| semantic_eq(x, el))
                        .map(|(i, _)| *i)
                }) {
                    Some(i) => i,
                    None => {
                        keyless.push((next, el));
                        next += 1;
                        next - 1
                    }
                },
            };
            plan.push(at);
        }
        plan
    };
    let mut primary = None;
    let mut existing_changed = false;
    for (el, at) in new.into_iter().zip(plan) {
        if is_primary(&el) {
            primary = Some(at);
        }
        if at >= arr.len() {
            arr.push(el);
        } else if let (Some(old), Value::Object(newo)) =
            (arr.get_mut(at).and_then(Value::as_object_mut), el)
        {
            if at < base {
                existing_changed |= merge_would_change(old, &newo);
            }
            merge_object(old, newo);
        }
    }
    (primary, existing_changed)
}

/// Whether merging `new` into `old` changes `old` (semantically).
fn merge_would_change(old: &Map<String, Value>, new: &Map<String, Value>) -> bool {
    new.iter()
        .any(|(k, v)| match (get_ci(old, k), v.is_null()) {
            (None, true) => false,
            (Some(c), true) => !is_empty_value(c),
            (None, false) => !is_empty_value(v),
            (Some(c), false) => !semantic_eq(c, v),
        })
}

fn typed_whole(t: &Target<'_>, value: Value) -> Result<Option<Value>> {
    match t.def {
        Some(def) => coerce_attribute(value, def, &t.label()),
        None => Ok((!value.is_null()).then_some(value)),
    }
}

fn typed_sub(t: &Target<'_>, value: Value) -> Result<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    match t.sub_def {
        Some(sd) => coerce_simple(value, sd, &t.label()).map(Some),
        None => Ok(Some(value)),
    }
}

/// Types a value object written into matched elements.
fn typed_element_object(t: &Target<'_>, value: Value) -> Result<Map<String, Value>> {
    let value = match value {
        Value::Array(items) if items.len() == 1 => items.into_iter().next().unwrap_or(Value::Null),
        other => other,
    };
    let nulls = null_keys(&value);
    let mut o = match t.def {
        Some(def) => coerce_complex(value, def, &t.label())?,
        None => match value {
            Value::Object(o) => o,
            other => {
                return Err(ScimError::invalid_value(format!(
                    "'{}' must be an object, got {other}",
                    t.label()
                )))
            }
        },
    };
    for k in nulls {
        o.insert(k, Value::Null);
    }
    Ok(o)
}

fn write_attr(
    c: &mut Map<String, Value>,
    op: OpKind,
    t: &Target<'_>,
    value: Option<Value>,
) -> Result<()> {
    let value = value.unwrap_or(Value::Null);
    let Some(def) = t.def else {
        // Untyped (unknown extension attribute).
        if value.is_null() {
            if op == OpKind::Replace {
                set_attr(c, &t.name, None);
            }
            return Ok(());
        }
        let merged = match (op, get_ci(c, &t.name).cloned(), value) {
            (OpKind::Add, Some(Value::Array(mut old)), Value::Array(new)) => {
                for v in new {
                    if !old.iter().any(|o| semantic_eq(o, &v)) {
                        old.push(v);
                    }
                }
                Value::Array(old)
            }
            (OpKind::Add, Some(Value::Object(mut old)), Value::Object(new)) => {
                merge_object(&mut old, new);
                Value::Object(old)
            }
            (_, _, v) => v,
        };
        set_attr(c, &t.name, Some(merged));
        return Ok(());
    };
    let scalar_for_complex = def.kind == AttrKind::Complex && !def.multi_valued && {
        matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
    };
    let nulls = null_keys(&value);
    let typed = typed_whole(t, value)?;
    if def.multi_valued {
        match (op, typed) {
            (OpKind::Replace, typed) => {
                let mut arr = match typed {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                };
                fix_primary(&mut arr, def, None);
                set_attr(c, &def.name, Some(Value::Array(arr)));
            }
            (_, Some(Value::Array(new))) => {
                let mut arr = take_array(c, &def.name);
                let (p, _) = merge_elements(&mut arr, new, def);
                fix_primary(&mut arr, def, p);
                set_attr(c, &def.name, Some(Value::Array(arr)));
            }
            _ => {}
        }
        return Ok(());
    }
    if def.kind == AttrKind::Complex {
        match typed {
            Some(Value::Object(new)) if !scalar_for_complex => {
                let mut old = match get_ci(c, &def.name) {
                    Some(Value::Object(o)) => o.clone(),
                    _ => Map::new(),
                };
                merge_object(&mut old, new);
                for k in &nulls {
                    old.retain(|ok, _| !ok.eq_ignore_ascii_case(k));
                }
                set_attr(c, &def.name, Some(Value::Object(old)));
            }
            Some(v) => set_attr(c, &def.name, Some(v)),
            None => {
                if !nulls.is_empty() {
                    if let Some(Value::Object(o)) = get_ci(c, &def.name) {
                        let mut old = o.clone();
                        for k in &nulls {
                            old.retain(|ok, _| !ok.eq_ignore_ascii_case(k));
                        }
                        set_attr(c, &def.name, Some(Value::Object(old)));
                    }
                } else if op == OpKind::Replace {
                    check_required_removal(c, def)?;
                    set_attr(c, &def.name, None);
                }
            }
        }
        return Ok(());
    }
    match typed {
        Some(v) => set_attr(c, &def.name, Some(v)),
        None if op == OpKind::Replace => {
            check_required_removal(c, def)?;
            set_attr(c, &def.name, None);
        }
        None => {}
    }
    Ok(())
}

fn check_required_removal(c: &Map<String, Value>, def: &AttributeDef) -> Result<()> {
    if def.required && get_ci(c, &def.name).is_some_and(|v| !is_empty_value(v)) {
        return Err(ScimError::mutability(format!(
            "'{}' is required and cannot be removed",
            def.name
        )));
    }
    Ok(())
}

fn write_sub_everywhere(
    c: &mut Map<String, Value>,
    t: &Target<'_>,
    sub: &str,
    value: Option<Value>,
) -> Result<()> {
    let typed = typed_sub(t, value.unwrap_or(Value::Null))?;
    let multi = t.def.is_some_and(|d| d.multi_valued)
        || (t.def.is_none() && get_ci(c, &t.name).is_some_and(Value::is_array));
    if multi {
        let mut arr = take_array(c, &t.name);
        if arr.is_empty() {
            if let Some(v) = typed {
                let mut o = Map::new();
                o.insert(sub.to_owned(), v);
                arr.push(Value::Object(o));
            }
        } else {
            for el in arr.iter_mut() {
                if let Some(o) = el.as_object_mut() {
                    set_attr(o, sub, typed.clone());
                }
            }
        }
        if let Some(def) = t.def {
            let preferred = arr.iter().position(is_primary);
            fix_primary(&mut arr, def, preferred);
        }
        set_attr(c, &t.name, Some(Value::Array(arr)));
    } else {
        let mut o = match get_ci(c, &t.name) {
            Some(Value::Object(o)) => o.clone(),
            _ => Map::new(),
        };
        set_attr(&mut o, sub, typed);
        set_attr(c, &t.name, Some(Value::Object(o)));
    }
    Ok(())
}

fn remove_sub_everywhere(c: &mut Map<String, Value>, t: &Target<'_>, sub: &str) {
    match get_ci(c, &t.name) {
        Some(Value::Array(_)) => {
            let mut arr = take_array(c, &t.name);
            for el in arr.iter_mut() {
                if let Some(o) = el.as_object_mut() {
                    set_attr(o, sub, None);
                }
            }
            arr.retain(|el| !is_empty_value(el));
            set_attr(c, &t.name, Some(Value::Array(arr)));
        }
        Some(Value::Object(o)) => {
            let mut o = o.clone();
            set_attr(&mut o, sub, None);
            set_attr(c, &t.name, Some(Value::Object(o)));
        }
        _ => {}
    }
}

fn remove_attr(c: &mut Map<String, Value>, t: &Target<'_>, value: Option<Value>) -> Result<()> {
    let listed = value.filter(|v| !v.is_null() && !is_empty_value(v) || v.is_array());
    if let (Some(def), Some(v)) = (t.def, listed) {
        if def.multi_valued {
            let given = match coerce_attribute(v, def, &t.label())? {
                Some(Value::Array(items)) => items,
                _ => return Ok(()),
            };
            let keyed: Option<HashSet<String>> = given
                .iter()
                .map(|g| element_key(g, def).map(Cow::into_owned))
                .collect();
            match keyed {
                Some(keys) => retain_not_keyed(c, &t.name, def, &keys),
                None => {
                    let mut arr = take_array(c, &t.name);
                    arr.retain(|el| !given.iter().any(|g| subset_match(g, el)));
                    set_attr(c, &t.name, Some(Value::Array(arr)));
                }
            }
            return Ok(());
        }
    }
    if let Some(def) = t.def {
        check_required_removal(c, def)?;
    }
    set_attr(c, &t.name, None);
    Ok(())
}

/// Whether every (non-null) sub-attribute of `given` equals `el`'s.
fn subset_match(given: &Value, el: &Value) -> bool {
    match (given, el) {
        (Value::Object(g), Value::Object(e)) => g.iter().all(|(k, v)| {
            v.is_null()
                || get_ci(e, k).is_some_and(|x| match (x, v) {
                    (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
                    _ => semantic_eq(x, v),
                })
        }),
        _ => semantic_eq(given, el),
    }
}

fn matching_indices(arr: &[Value], t: &Target<'_>, f: &Filter) -> Vec<usize> {
    let types: &dyn AttributeTypes = match t.def {
        Some(d) => &SubAttributeTypes(d),
        None => &NoTypes,
    };
    arr.iter()
        .enumerate()
        .filter(|(_, el)| f.matches_validated(el, types))
        .map(|(i, _)| i)
        .collect()
}

fn remove_filtered(c: &mut Map<String, Value>, t: &Target<'_>, f: &Filter, sub: Option<&str>) {
    if get_ci(c, &t.name).is_none() {
        return;
    }
    let mut arr = take_array(c, &t.name);
    if let (Some(def), None, Some(v)) = (t.def, sub, value_eq_literal(f)) {
        // Fast path: `members[value eq "…"]`.
        let case_exact = def.sub_attribute("value").is_some_and(|d| d.case_exact);
        let key = norm_key(v, case_exact);
        arr.retain(|el| element_key(el, def).is_none_or(|k| k != key));
    } else {
        let hits: HashSet<usize> = matching_indices(&arr, t, f).into_iter().collect();
        match sub {
            None => {
                let mut i = 0;
                arr.retain(|_| {
                    let keep = !hits.contains(&i);
                    i += 1;
                    keep
                });
            }
            Some(s) => {
                for i in &hits {
                    if let Some(o) = arr.get_mut(*i).and_then(Value::as_object_mut) {
                        set_attr(o, s, None);
                    }
                }
                arr.retain(|el| !is_empty_value(el));
            }
        }
    }
    set_attr(c, &t.name, Some(Value::Array(arr)));
}

/// The element a filter of `eq` comparisons joined by `and` describes
/// (`type eq "work" and display eq "x"`), or `None` for any other filter.
fn seed_from_filter(f: &Filter, def: Option<&AttributeDef>, out: &mut Map<String, Value>) -> bool {
    match f {
        Filter::And(l, r) => seed_from_filter(l, def, out) && seed_from_filter(r, def, out),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub_attr.is_none() && !matches!(value, CompValue::Null) => {
            let (name, v) = match def.and_then(|d| d.sub_attribute(&path.name)) {
                Some(sd) => match coerce_simple(value.to_json(), sd, &path.name) {
                    Ok(v) => (sd.name.clone(), v),
                    Err(_) => return false,
                },
                None => (path.name.clone(), value.to_json()),
            };
            out.insert(name, v);
            true
        }
        _ => false,
    }
}

fn write_filtered(
    c: &mut Map<String, Value>,
    t: &Target<'_>,
    f: &Filter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<()> {
    let value = value.unwrap_or(Value::Null);
    let mut arr = take_array(c, &t.name);
    let hits = matching_indices(&arr, t, f);
    let mut preferred = None;
    if hits.is_empty() {
        if value.is_null() {
            set_attr(c, &t.name, Some(Value::Array(arr)));
            return Ok(());
        }
        let mut seed = Map::new();
        if !seed_from_filter(f, t.def, &mut seed) {
            set_attr(c, &t.name, Some(Value::Array(arr)));
            return Err(ScimError::no_target(format!(
                "no value of '{}' matches [{f}]",
                t.name
            )));
        }
        match sub {
            Some(s) => {
                if let Some(v) = typed_sub(t, value)? {
                    seed.insert(s.to_owned(), v);
                }
            }
            None => merge_object(&mut seed, typed_element_object(t, value)?),
        }
        arr.push(Value::Object(seed));
        preferred = Some(arr.len() - 1);
    } else {
        match sub {
            Some(s) => {
                let typed = typed_sub(t, value)?;
                for i in &hits {
                    if let Some(o) = arr.get_mut(*i).and_then(Value::as_object_mut) {
                        set_attr(o, s, typed.clone());
                    }
                }
            }
            None => {
                let obj = typed_element_object(t, value)?;
                for i in &hits {
                    if let Some(o) = arr.get_mut(*i).and_then(Value::as_object_mut) {
                        merge_object(o, obj.clone());
                    }
                }
            }
        }
        preferred = hits
            .iter()
            .rev()
            .copied()
            .find(|i| arr.get(*i).is_some_and(is_primary))
            .or(preferred);
    }
    arr.retain(|el| !is_empty_value(el));
    if let Some(def) = t.def {
        fix_primary(&mut arr, def, preferred);
    }
    set_attr(c, &t.name, Some(Value::Array(arr)));
    Ok(())
}
