//! SCIM 2.0 (RFC 7643 / RFC 7644) and SCIM 1.1 protocol, pure: no I/O, no database.
//!
//! A SCIM request passes through these modules in this order:
//!
//! | concern | module |
//! |---|---|
//! | the error an IdP sees (`status`, `scimType`, `detail`) | [`error`] |
//! | attribute and PATCH paths (`emails[type eq "work"].value`) | [`path`] |
//! | filters: parse, print, evaluate, plan an indexed SQL query | [`filter`] |
//! | the schemas (core User/Group, EnterpriseUser, custom extensions) | [`schema`] |
//! | IdP dialects absorbed before anything else (`"Replace"`, `"False"`, …) | [`dialect`] |
//! | PATCH operations and their application | [`patch`] |
//! | list parameters, paging and `ListResponse` | [`list`] |
//! | `attributes` / `excludedAttributes` projection, `meta`, ETags | [`resource`] |
//! | `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` | [`discovery`] |
//! | SCIM 1.1 differences | [`v1`] |
//!
//! ```
//! use roster_scim::{Filter, SchemaRegistry};
//! let registry = SchemaRegistry::new();
//! let users = registry.for_resource("User").expect("core User schema");
//! let user = serde_json::json!({"userName": "Ada@Example.com", "active": true});
//! // userName is caseExact=false in RFC 7643: Okta may send any case.
//! let filter = Filter::parse(r#"userName eq "ada@example.com" and active eq true"#)?;
//! assert!(filter.matches(&user, &users)?);
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
#![forbid(unsafe_code)]

// Errors, paths, filters.
pub mod error;
pub mod filter;
pub mod path;

pub use error::{Result, ScimError, ScimType};
pub use filter::{
    AttrInfo, AttrKind, AttributeTypes, CompValue, CompareOp, DefaultUserGroupTypes, Filter,
};
pub use path::{AttrPath, PatchPath};

// Schemas, discovery, projection, lists, PATCH, SCIM 1.1.
pub mod dialect;
pub mod discovery;
pub mod list;
pub mod patch;
pub mod resource;
pub mod schema;
pub mod v1;

pub use list::{ListLimits, ListQuery, ListResponse};
pub use patch::{apply as apply_patch, PatchOperation, PatchOutcome, PatchRequest};
pub use resource::Projection;
pub use schema::{AttributeDef, Schema, SchemaRegistry};
