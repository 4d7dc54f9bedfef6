//! Schemas: attribute definitions, the standard SCIM schemas, and a registry
//! that also holds extensions registered at run time.
//!
//! A [`Schema`] is a list of [`AttributeDef`]s identified by a URN. The
//! [`SchemaRegistry`] knows the core `User` and `Group` schemas (RFC 7643 §4.1,
//! §4.2), the enterprise `User` extension (§4.3), and any extension a
//! directory registers, such as a vendor's `joinDate`:
//!
//! ```
//! use roster_scim::filter::eval::AttrKind;
//! use roster_scim::path::AttrPath;
//! use roster_scim::schema::{AttributeDef, Schema, SchemaRegistry, USER_SCHEMA, RESOURCE_USER};
//!
//! let mut registry = SchemaRegistry::new();
//! let acme = Schema::new(
//!     "urn:ietf:params:scim:schemas:extension:acme:1.0:User",
//!     "AcmeUser",
//!     "Acme's extra user attributes",
//!     vec![
//!         AttributeDef::new("joinDate", AttrKind::DateTime),
//!         AttributeDef::new("photoUrl", AttrKind::Reference).reference_types(&["external"]),
//!     ],
//! );
//! registry.register_extension(acme, RESOURCE_USER)?;
//!
//! // Lookups are case-insensitive and accept URN-qualified names.
//! let path = AttrPath::parse("urn:ietf:params:scim:schemas:extension:acme:1.0:User:JOINDATE")?;
//! assert_eq!(registry.attribute(&path).map(|a| a.kind), Some(AttrKind::DateTime));
//! let path = AttrPath::parse("name.givenName")?;
//! assert_eq!(registry.attribute(&path).map(|a| a.name.as_str()), Some("givenName"));
//! assert!(registry.schema(USER_SCHEMA).is_some());
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! Schemas serialize to the RFC 7643 §7 representation served at `/Schemas`
//! (see [`Schema::to_json`]).
//!
//! The registry implements the filter evaluator's [`AttributeTypes`], so a
//! filter knows which attributes are case-exact, boolean, dates, and so on.

use serde_json::{json, Map, Value};

use crate::error::{Result, ScimError};
use crate::filter::eval::{AttrInfo, AttrKind, AttributeTypes};
use crate::path::AttrPath;

/// Core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// ListResponse message (RFC 7644 §3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// PatchOp message (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Error message (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = crate::error::ERROR_SCHEMA;
/// ServiceProviderConfig schema (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// ResourceType schema (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema schema (RFC 7643 §7).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// SCIM 1.1 core schema: one URN for users, groups and messages.
pub const V1_CORE_SCHEMA: &str = "urn:scim:schemas:core:1.0";
/// SCIM 1.1 enterprise user extension.
pub const V1_ENTERPRISE_SCHEMA: &str = "urn:scim:schemas:extension:enterprise:1.0";
/// Entra ID's group extension URN, sent on group creation; kept as-is.
pub const ENTRA_ADSCIM_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Resource type name of users.
pub const RESOURCE_USER: &str = "User";
/// Resource type name of groups.
pub const RESOURCE_GROUP: &str = "Group";

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// Freely writable.
    ReadWrite,
    /// Writable once (when unset), then fixed.
    Immutable,
    /// Writable, never returned (e.g. `password`).
    WriteOnly,
}

impl Mutability {
    /// The wire keyword, e.g. `"readOnly"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    /// Always returned, whatever `attributes` / `excludedAttributes` say.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded, or unless `attributes` lists others.
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

impl Returned {
    /// The wire keyword, e.g. `"default"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    /// No uniqueness.
    None,
    /// Unique within the service provider (for Roster: within a directory).
    Server,
    /// Globally unique.
    Global,
}

impl Uniqueness {
    /// The wire keyword, e.g. `"server"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// The wire keyword of an attribute type (RFC 7643 §2.3), e.g. `"dateTime"`.
pub fn kind_str(kind: AttrKind) -> &'static str {
    match kind {
        AttrKind::String => "string",
        AttrKind::Boolean => "boolean",
        AttrKind::Decimal => "decimal",
        AttrKind::Integer => "integer",
        AttrKind::DateTime => "dateTime",
        AttrKind::Binary => "binary",
        AttrKind::Reference => "reference",
        AttrKind::Complex => "complex",
    }
}

/// One attribute of a schema (RFC 7643 §7 "attributes").
///
/// Built with [`AttributeDef::new`] and the chaining setters; defaults follow
/// RFC 7643 §2.2: single-valued, optional, case-insensitive, `readWrite`,
/// `returned: default`, `uniqueness: none`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    /// Attribute name, in its canonical case (`userName`).
    pub name: String,
    /// Data type.
    pub kind: AttrKind,
    /// Multi-valued (a JSON array).
    pub multi_valued: bool,
    /// Required on create/replace.
    pub required: bool,
    /// Case-sensitive comparisons.
    pub case_exact: bool,
    /// Who may write it.
    pub mutability: Mutability,
    /// When it is returned.
    pub returned: Returned,
    /// Uniqueness scope.
    pub uniqueness: Uniqueness,
    /// Suggested values (e.g. `work`, `home`); advisory, not enforced.
    pub canonical_values: Vec<String>,
    /// For references: what they point to (`User`, `Group`, `external`, `uri`).
    pub reference_types: Vec<String>,
    /// Sub-attributes of a complex attribute.
    pub sub_attributes: Vec<AttributeDef>,
    /// Human-readable description.
    pub description: String,
}

impl AttributeDef {
    /// A single-valued, optional, readWrite attribute of `kind`.
    pub fn new(name: &str, kind: AttrKind) -> Self {
        AttributeDef {
            name: name.to_owned(),
            kind,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
            description: String::new(),
        }
    }

    /// A string attribute.
    pub fn string(name: &str) -> Self {
        Self::new(name, AttrKind::String)
    }

    /// A boolean attribute.
    pub fn boolean(name: &str) -> Self {
        Self::new(name, AttrKind::Boolean)
    }

    /// A complex attribute with these sub-attributes.
    pub fn complex(name: &str, sub_attributes: Vec<AttributeDef>) -> Self {
        let mut def = Self::new(name, AttrKind::Complex);
        def.sub_attributes = sub_attributes;
        def
    }

    /// Marks the attribute multi-valued.
    pub fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Marks the attribute required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks the attribute case-exact.
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }

    /// Sets `returned`.
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }

    /// Sets `uniqueness`.
    pub fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }

    /// Sets the canonical values.
    pub fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Sets the reference types.
    pub fn reference_types(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Sets the description.
    pub fn describe(mut self, d: &str) -> Self {
        self.description = d.to_owned();
        self
    }

    /// The sub-attribute named `name` (case-insensitive).
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether this is a complex attribute with a `value` sub-attribute
    /// (`emails`, `members`, `manager`, …): such attributes accept a bare
    /// scalar, read as `{"value": scalar}`.
    pub fn has_value_sub_attribute(&self) -> bool {
        self.kind == AttrKind::Complex && self.sub_attribute("value").is_some()
    }

    /// The filter evaluator's view of this attribute.
    pub fn info(&self) -> AttrInfo {
        AttrInfo {
            kind: self.kind,
            case_exact: self.case_exact,
            multi_valued: self.multi_valued,
        }
    }

    /// RFC 7643 §7 representation of this attribute.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), Value::String(self.name.clone()));
        o.insert("type".into(), Value::String(kind_str(self.kind).into()));
        o.insert("multiValued".into(), Value::Bool(self.multi_valued));
        o.insert(
            "description".into(),
            Value::String(self.description.clone()),
        );
        o.insert("required".into(), Value::Bool(self.required));
        if self.kind != AttrKind::Complex {
            o.insert("caseExact".into(), Value::Bool(self.case_exact));
        }
        if !self.canonical_values.is_empty() {
            o.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if !self.reference_types.is_empty() {
            o.insert("referenceTypes".into(), json!(self.reference_types));
        }
        o.insert(
            "mutability".into(),
            Value::String(self.mutability.as_str().into()),
        );
        o.insert(
            "returned".into(),
            Value::String(self.returned.as_str().into()),
        );
        if self.kind != AttrKind::Complex {
            o.insert(
                "uniqueness".into(),
                Value::String(self.uniqueness.as_str().into()),
            );
        }
        if !self.sub_attributes.is_empty() {
            o.insert(
                "subAttributes".into(),
                Value::Array(self.sub_attributes.iter().map(|a| a.to_json()).collect()),
            );
        }
        Value::Object(o)
    }
}

/// A schema: a URN and its attributes (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The schema URN, e.g. [`USER_SCHEMA`].
    pub id: String,
    /// Short name, e.g. `User`.
    pub name: String,
    /// Human-readable description.
    pub description: String,
    /// Top-level attributes.
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// A schema from its parts.
    pub fn new(id: &str, name: &str, description: &str, attributes: Vec<AttributeDef>) -> Self {
        Schema {
            id: id.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            attributes,
        }
    }

    /// The attribute named `name` (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// RFC 7643 §7 representation, with `meta.location` under `base_url`
    /// (`{base_url}/Schemas/{id}`). `base_url` has no trailing slash.
    pub fn to_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(|a| a.to_json()).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{}/Schemas/{}", base_url.trim_end_matches('/'), self.id),
            }
        })
    }
}

/// A resource type the registry serves (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceTypeDef {
    /// Name, e.g. `User`.
    pub name: String,
    /// Endpoint, e.g. `/Users`.
    pub endpoint: String,
    /// Description.
    pub description: String,
    /// The core schema URN.
    pub schema: String,
    /// Extension schema URNs with their `required` flag.
    pub extensions: Vec<(String, bool)>,
}

/// All schemas a directory knows: standard ones and registered extensions.
///
/// Cheap to clone; build one per directory (or share the default).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRegistry {
    schemas: Vec<Schema>,
    resource_types: Vec<ResourceTypeDef>,
    meta: AttributeDef,
}

impl Default for SchemaRegistry {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `key` looks like a schema URN or URI rather than an attribute
/// name (`urn:…`, `http://…`, `https://…`).
pub fn is_urn_like(key: &str) -> bool {
    let starts = |p: &str| {
        key.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    starts("urn:") || starts("http://") || starts("https://")
}

impl SchemaRegistry {
    /// The standard schemas: core User, Group, and the enterprise extension
    /// on User.
    pub fn new() -> Self {
        SchemaRegistry {
            schemas: vec![user_schema(), group_schema(), enterprise_user_schema()],
            resource_types: vec![
                ResourceTypeDef {
                    name: RESOURCE_USER.into(),
                    endpoint: "/Users".into(),
                    description: "User Account".into(),
                    schema: USER_SCHEMA.into(),
                    extensions: vec![(ENTERPRISE_USER_SCHEMA.into(), false)],
                },
                ResourceTypeDef {
                    name: RESOURCE_GROUP.into(),
                    endpoint: "/Groups".into(),
                    description: "Group".into(),
                    schema: GROUP_SCHEMA.into(),
                    extensions: Vec::new(),
                },
            ],
            meta: meta_attribute(),
        }
    }

    /// Registers an extension schema on a resource type (`"User"` or
    /// `"Group"`). Its attributes then live under its URN in resources.
    ///
    /// Re-registering a URN replaces the previous definition. Fails with
    /// `invalidValue` for an unknown resource type, a core schema URN, or a
    /// URN that is not `urn:`/`http(s):`-shaped.
    pub fn register_extension(&mut self, schema: Schema, resource_type: &str) -> Result<()> {
        if !is_urn_like(&schema.id) {
            return Err(ScimError::invalid_value(format!(
                "extension schema id '{}' must be a URN",
                schema.id
            )));
        }
        if schema.id.eq_ignore_ascii_case(USER_SCHEMA)
            || schema.id.eq_ignore_ascii_case(GROUP_SCHEMA)
        {
            return Err(ScimError::invalid_value(format!(
                "'{}' is a core schema and cannot be registered as an extension",
                schema.id
            )));
        }
        let Some(rt) = self
            .resource_types
            .iter_mut()
            .find(|rt| rt.name.eq_ignore_ascii_case(resource_type))
        else {
            return Err(ScimError::invalid_value(format!(
                "unknown resource type '{resource_type}' (expected User or Group)"
            )));
        };
        if !rt
            .extensions
            .iter()
            .any(|(u, _)| u.eq_ignore_ascii_case(&schema.id))
        {
            rt.extensions.push((schema.id.clone(), false));
        }
        if let Some(existing) = self
            .schemas
            .iter_mut()
            .find(|s| s.id.eq_ignore_ascii_case(&schema.id))
        {
            *existing = schema;
        } else {
            self.schemas.push(schema);
        }
        Ok(())
    }

    /// All schemas, core first.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// All resource types.
    pub fn resource_types(&self) -> &[ResourceTypeDef] {
        &self.resource_types
    }

    /// The schema with this URN (case-insensitive).
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The resource type named `name` (`User`), or whose core schema is
    /// `name` (a URN).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceTypeDef> {
        self.resource_types
            .iter()
            .find(|rt| rt.name.eq_ignore_ascii_case(name) || rt.schema.eq_ignore_ascii_case(name))
    }

    /// A view restricted to one resource type, for lookups where `User` and
    /// `Group` attributes must not mix.
    pub fn for_resource<'a>(&'a self, resource: &str) -> Option<ResourceSchemas<'a>> {
        let rt = self.resource_type(resource)?;
        let core = self.schema(&rt.schema)?;
        let extensions = rt
            .extensions
            .iter()
            .filter_map(|(u, _)| self.schema(u))
            .collect();
        Some(ResourceSchemas {
            resource_type: rt,
            core,
            extensions,
            meta: &self.meta,
        })
    }

    /// Looks up an attribute path anywhere in the registry: in the schema its
    /// URN names, else in the core User then Group schemas, then extensions.
    /// With a sub-attribute (`name.givenName`) the sub-attribute is returned.
    pub fn attribute(&self, path: &AttrPath) -> Option<&AttributeDef> {
        let top = match &path.urn {
            Some(urn) => self.schema(urn)?.attribute(&path.name)?,
            None => self.schemas.iter().find_map(|s| s.attribute(&path.name))?,
        };
        match &path.sub_attr {
            Some(sub) => top.sub_attribute(sub),
            None => Some(top),
        }
    }
}

impl AttributeTypes for SchemaRegistry {
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo> {
        self.attribute(path).map(AttributeDef::info)
    }
}

/// The schemas of one resource type: its core schema and its extensions.
#[derive(Debug, Clone)]
pub struct ResourceSchemas<'a> {
    /// The resource type.
    pub resource_type: &'a ResourceTypeDef,
    /// Its core schema.
    pub core: &'a Schema,
    /// Its registered extension schemas.
    pub extensions: Vec<&'a Schema>,
    /// The common `meta` attribute (RFC 7643 §3.1), readOnly.
    pub meta: &'a AttributeDef,
}

impl<'a> ResourceSchemas<'a> {
    /// The extension schema with this URN (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&'a Schema> {
        self.extensions
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` is this resource's core schema.
    pub fn is_core(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn)
    }

    /// The schema named by `urn`: the core schema or one of the extensions.
    pub fn schema(&self, urn: &str) -> Option<&'a Schema> {
        if self.is_core(urn) {
            Some(self.core)
        } else {
            self.extension(urn)
        }
    }

    /// Looks up a top-level attribute: in the schema `urn` names, else in the
    /// core schema, else (for unqualified names) in the extensions. Returns
    /// the schema it was found in and its definition.
    pub fn top_level(
        &self,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(&'a Schema, &'a AttributeDef)> {
        match urn {
            Some(u) if !crate::path::is_core_urn(u) => {
                let s = self.schema(u)?;
                s.attribute(name).map(|a| (s, a))
            }
            Some(_) => {
                if name.eq_ignore_ascii_case("meta") {
                    return Some((self.core, self.meta));
                }
                self.core.attribute(name).map(|a| (self.core, a))
            }
            None if name.eq_ignore_ascii_case("meta") => Some((self.core, self.meta)),
            None => self
                .core
                .attribute(name)
                .map(|a| (self.core, a))
                .or_else(|| {
                    self.extensions
                        .iter()
                        .find_map(|s| s.attribute(name).map(|a| (*s, a)))
                }),
        }
    }

    /// Looks up an attribute path (with its sub-attribute, if any).
    pub fn attribute(&self, path: &AttrPath) -> Option<&'a AttributeDef> {
        let (_, top) = self.top_level(path.urn.as_deref(), &path.name)?;
        match &path.sub_attr {
            Some(sub) => top.sub_attribute(sub),
            None => Some(top),
        }
    }
}

impl AttributeTypes for ResourceSchemas<'_> {
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo> {
        self.attribute(path).map(AttributeDef::info)
    }
}

/// [`AttributeTypes`] for a filter evaluated *inside* a multi-valued complex
/// attribute (`emails[type eq "work"]`): names resolve to its sub-attributes.
#[derive(Debug, Clone, Copy)]
pub struct SubAttributeTypes<'a>(pub &'a AttributeDef);

impl AttributeTypes for SubAttributeTypes<'_> {
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo> {
        if path.sub_attr.is_some() {
            return None;
        }
        self.0.sub_attribute(&path.name).map(AttributeDef::info)
    }
}

// ---------------------------------------------------------------------------
// Standard schemas
// ---------------------------------------------------------------------------

fn s(name: &str) -> AttributeDef {
    AttributeDef::string(name)
}

fn type_attr(canonical: &[&str]) -> AttributeDef {
    s("type")
        .canonical(canonical)
        .describe("A label indicating the attribute's function.")
}

fn primary_attr() -> AttributeDef {
    AttributeDef::boolean("primary")
        .describe("Indicates the 'primary' or preferred attribute value for this attribute.")
}

fn display_attr() -> AttributeDef {
    s("display").describe("A human-readable name, primarily used for display purposes.")
}

/// A multi-valued complex attribute of the common `value/display/type/primary` shape.
fn multi_vdtp(name: &str, value_kind: AttrKind, types: &[&str], description: &str) -> AttributeDef {
    AttributeDef::complex(
        name,
        vec![
            AttributeDef::new("value", value_kind).describe("The attribute value."),
            display_attr(),
            type_attr(types),
            primary_attr(),
        ],
    )
    .multi()
    .describe(description)
}

/// The common `meta` attribute (RFC 7643 §3.1): complex, readOnly, set by
/// the server; clients' copies are ignored.
pub fn meta_attribute() -> AttributeDef {
    let ro = Mutability::ReadOnly;
    AttributeDef::complex(
        "meta",
        vec![
            s("resourceType").case_exact().mutability(ro),
            AttributeDef::new("created", AttrKind::DateTime).mutability(ro),
            AttributeDef::new("lastModified", AttrKind::DateTime).mutability(ro),
            AttributeDef::new("location", AttrKind::Reference)
                .reference_types(&["uri"])
                .mutability(ro),
            s("version").case_exact().mutability(ro),
        ],
    )
    .mutability(ro)
    .describe("Resource metadata maintained by the service provider.")
}

/// The core User schema (RFC 7643 §4.1, §8.7.1).
pub fn user_schema() -> Schema {
    let ro = Mutability::ReadOnly;
    let name = AttributeDef::complex(
        "name",
        vec![
            s("formatted").describe("The full name, formatted for display."),
            s("familyName").describe("The family name."),
            s("givenName").describe("The given name."),
            s("middleName").describe("The middle name(s)."),
            s("honorificPrefix").describe("The honorific prefix(es), e.g. 'Ms.'."),
            s("honorificSuffix").describe("The honorific suffix(es), e.g. 'III'."),
        ],
    )
    .describe("The components of the user's real name.");
    let addresses = AttributeDef::complex(
        "addresses",
        vec![
            s("formatted").describe("The full mailing address."),
            s("streetAddress").describe("The street address."),
            s("locality").describe("The city or locality."),
            s("region").describe("The state or region."),
            s("postalCode").describe("The postal code."),
            s("country").describe("The country, ISO 3166-1 alpha-2."),
            type_attr(&["work", "home", "other"]),
            primary_attr(),
        ],
    )
    .multi()
    .describe("A physical mailing address for this user.");
    let groups = AttributeDef::complex(
        "groups",
        vec![
            s("value").mutability(ro).describe("The id of the group."),
            AttributeDef::new("$ref", AttrKind::Reference)
                .reference_types(&["User", "Group"])
                .mutability(ro)
                .describe("The URI of the group."),
            display_attr().mutability(ro),
            type_attr(&["direct", "indirect"]).mutability(ro),
        ],
    )
    .multi()
    .mutability(ro)
    .describe("Groups the user belongs to, maintained by the service provider.");
    Schema::new(
        USER_SCHEMA,
        "User",
        "User Account",
        vec![
            s("id")
                .case_exact()
                .mutability(ro)
                .returned(Returned::Always)
                .uniqueness(Uniqueness::Server)
                .describe("Unique identifier issued by the service provider."),
            s("externalId")
                .case_exact()
                .describe("Identifier of the user in the provisioning client."),
            s("userName")
                .required()
                .uniqueness(Uniqueness::Server)
                .describe("Unique identifier for the user, used to sign in."),
            name,
            s("displayName").describe("The name of the user, suitable for display."),
            s("nickName").describe("The casual way to address the user."),
            AttributeDef::new("profileUrl", AttrKind::Reference)
                .reference_types(&["external"])
                .describe("A URI of the user's online profile."),
            s("title").describe("The user's title, such as 'Vice President'."),
            s("userType").describe("The relationship between the organization and the user."),
            s("preferredLanguage").describe("Preferred written or spoken language."),
            s("locale").describe("Default location for localization, e.g. 'en-US'."),
            s("timezone").describe("Time zone in IANA format, e.g. 'America/Los_Angeles'."),
            AttributeDef::boolean("active").describe("The user's administrative status."),
            s("password")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never)
                .describe("The user's cleartext password; never returned."),
            multi_vdtp(
                "emails",
                AttrKind::String,
                &["work", "home", "other"],
                "Email addresses for the user.",
            ),
            multi_vdtp(
                "phoneNumbers",
                AttrKind::String,
                &["work", "home", "mobile", "fax", "pager", "other"],
                "Phone numbers for the user.",
            ),
            multi_vdtp(
                "ims",
                AttrKind::String,
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                "Instant messaging addresses for the user.",
            ),
            multi_vdtp(
                "photos",
                AttrKind::Reference,
                &["photo", "thumbnail"],
                "URLs of photos of the user.",
            ),
            addresses,
            groups,
            multi_vdtp(
                "entitlements",
                AttrKind::String,
                &[],
                "Entitlements of the user.",
            ),
            multi_vdtp("roles", AttrKind::String, &[], "Roles of the user."),
            multi_vdtp(
                "x509Certificates",
                AttrKind::Binary,
                &[],
                "DER-encoded X.509 certificates of the user.",
            ),
        ],
    )
}

/// The core Group schema (RFC 7643 §4.2, §8.7.1).
///
/// `displayName` is required, as §4.2 says (the §8.7.1 listing has `false`,
/// a known erratum). Members carry `value`, `display`, `$ref` and `type`.
pub fn group_schema() -> Schema {
    let members = AttributeDef::complex(
        "members",
        vec![
            s("value")
                .mutability(Mutability::Immutable)
                .describe("Identifier of the member."),
            display_attr(),
            AttributeDef::new("$ref", AttrKind::Reference)
                .reference_types(&["User", "Group"])
                .mutability(Mutability::Immutable)
                .describe("The URI of the member resource."),
            s("type")
                .canonical(&["User", "Group"])
                .mutability(Mutability::Immutable)
                .describe("The type of the member."),
        ],
    )
    .multi()
    .describe("A list of members of the group.");
    Schema::new(
        GROUP_SCHEMA,
        "Group",
        "Group",
        vec![
            s("id")
                .case_exact()
                .mutability(Mutability::ReadOnly)
                .returned(Returned::Always)
                .uniqueness(Uniqueness::Server)
                .describe("Unique identifier issued by the service provider."),
            s("externalId")
                .case_exact()
                .describe("Identifier of the group in the provisioning client."),
            s("displayName")
                .required()
                .describe("A human-readable name for the group."),
            members,
        ],
    )
}

/// The enterprise User extension (RFC 7643 §4.3, §8.7.1).
pub fn enterprise_user_schema() -> Schema {
    let manager = AttributeDef::complex(
        "manager",
        vec![
            s("value").describe("The id of the user's manager."),
            AttributeDef::new("$ref", AttrKind::Reference)
                .reference_types(&["User"])
                .describe("The URI of the manager's User resource."),
            s("displayName")
                .mutability(Mutability::ReadOnly)
                .describe("The display name of the manager."),
        ],
    )
    .describe("The user's manager.");
    Schema::new(
        ENTERPRISE_USER_SCHEMA,
        "EnterpriseUser",
        "Enterprise User",
        vec![
            s("employeeNumber").describe("Identifier assigned by the organization."),
            s("costCenter").describe("Name of a cost center."),
            s("organization").describe("Name of an organization."),
            s("division").describe("Name of a division."),
            s("department").describe("Name of a department."),
            manager,
        ],
    )
}
