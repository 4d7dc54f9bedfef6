//! Attribute paths and PATCH paths (RFC 7644 §3.10 and §3.5.2).
//!
//! An [`AttrPath`] names one attribute, optionally qualified by its schema
//! URN and optionally narrowed to one sub-attribute:
//!
//! ```text
//! attrPath = [URI ":"] ATTRNAME ["." subAttr]
//! ```
//!
//! A [`PatchPath`] is what a PATCH operation's `path` holds: an attribute
//! path, or an attribute with a value filter in brackets, optionally followed
//! by a sub-attribute:
//!
//! ```text
//! PATH = attrPath / valuePath ["." subAttr]
//! ```
//!
//! Names are kept as the client spelled them; SCIM compares attribute names
//! case-insensitively, so use [`AttrPath::eq_ignore_case`] and friends rather
//! than `==` when matching against a schema.
//!
//! # URNs
//!
//! A path starting with `urn:` is split at the **last** `:`; everything before
//! it is the schema URN, so version numbers with dots inside the URN are fine:
//!
//! ```
//! use roster_scim::path::AttrPath;
//!
//! let p = AttrPath::parse(
//!     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
//! )?;
//! assert_eq!(
//!     p.urn.as_deref(),
//!     Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
//! );
//! assert_eq!(p.name, "manager");
//! assert_eq!(p.sub_attr.as_deref(), Some("value"));
//! assert_eq!(
//!     p.to_string(),
//!     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
//! );
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! A path that is *only* a schema URN (some clients send
//! `"path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`)
//! parses with the URN's last segment as `name` (`urn:…:2.0`, name `User`);
//! callers that care can compare `path.to_string()` against the schema URNs
//! they know.
//!
//! # PATCH paths
//!
//! ```
//! use roster_scim::path::PatchPath;
//! use roster_scim::filter::Filter;
//!
//! let p = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
//! assert_eq!(p.attr.name, "emails");
//! assert_eq!(p.value_filter, Some(Filter::parse(r#"type eq "work""#)?));
//! assert_eq!(p.sub_attr.as_deref(), Some("value"));
//!
//! // Errors are `invalidPath` and say where.
//! let err = PatchPath::parse("emails[type eq").unwrap_err();
//! assert_eq!(err.scim_type, Some(roster_scim::error::ScimType::InvalidPath));
//! assert!(err.detail.contains("position 14"), "{}", err.detail);
//! # Ok::<(), roster_scim::ScimError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, ScimError};
use crate::filter::parser::{Ctx, Parser};
use crate::filter::Filter;

/// The SCIM 2.0 core User schema URN.
pub const CORE_USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The SCIM 2.0 core Group schema URN.
pub const CORE_GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The SCIM 1.1 core schema URN.
pub const CORE_V1_URN: &str = "urn:scim:schemas:core:1.0";
/// The SCIM 2.0 enterprise User extension URN.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// True when `urn` is one of the core schema URNs (SCIM 2.0 User or Group,
/// or SCIM 1.1 core), compared case-insensitively. A core URN prefix on a path
/// means "top level of the resource".
pub fn is_core_urn(urn: &str) -> bool {
    [CORE_USER_URN, CORE_GROUP_URN, CORE_V1_URN]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(urn))
}

/// An attribute path: `[urn ":"] name ["." sub_attr]`.
///
/// Fields keep the client's spelling; compare with the `*_ignore_case`
/// helpers. `Display` prints the path back in the same form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// Schema URN qualifying the attribute, without the trailing `:`.
    pub urn: Option<String>,
    /// The attribute name, e.g. `emails`.
    pub name: String,
    /// One sub-attribute name, e.g. `value` in `emails.value`.
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// Parses a whole string as an attribute path. Errors are `invalidPath`.
    ///
    /// ```
    /// use roster_scim::path::AttrPath;
    /// let p = AttrPath::parse("name.givenName")?;
    /// assert_eq!((p.name.as_str(), p.sub_attr.as_deref()), ("name", Some("givenName")));
    /// assert!(AttrPath::parse("name.givenName.x").is_err());
    /// # Ok::<(), roster_scim::ScimError>(())
    /// ```
    pub fn parse(s: &str) -> Result<AttrPath> {
        let mut p = Parser::new(s, Ctx::Path);
        p.whole_attr_path().map_err(|e| p.to_error(e))
    }

    /// A path without URN or sub-attribute.
    pub fn simple(name: impl Into<String>) -> AttrPath {
        AttrPath {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }

    /// A path `name.sub` without URN.
    pub fn with_sub(name: impl Into<String>, sub: impl Into<String>) -> AttrPath {
        AttrPath {
            urn: None,
            name: name.into(),
            sub_attr: Some(sub.into()),
        }
    }

    /// Same path with `urn` set.
    pub fn in_schema(mut self, urn: impl Into<String>) -> AttrPath {
        self.urn = Some(urn.into());
        self
    }

    /// Case-insensitive equality of all three parts. A core schema URN and
    /// no URN are *not* unified here; see [`AttrPath::same_attribute`].
    pub fn eq_ignore_case(&self, other: &AttrPath) -> bool {
        opt_eq_ci(self.urn.as_deref(), other.urn.as_deref())
            && self.name.eq_ignore_ascii_case(&other.name)
            && opt_eq_ci(self.sub_attr.as_deref(), other.sub_attr.as_deref())
    }

    /// Like [`eq_ignore_case`](Self::eq_ignore_case), but treats a core
    /// schema URN (`urn:ietf:params:scim:schemas:core:2.0:User`, …) as
    /// equivalent to no URN.
    pub fn same_attribute(&self, other: &AttrPath) -> bool {
        opt_eq_ci(self.effective_urn(), other.effective_urn())
            && self.name.eq_ignore_ascii_case(&other.name)
            && opt_eq_ci(self.sub_attr.as_deref(), other.sub_attr.as_deref())
    }

    /// The URN unless it is a core schema URN (which means "top level").
    pub fn effective_urn(&self) -> Option<&str> {
        self.urn.as_deref().filter(|u| !is_core_urn(u))
    }

    /// True when the attribute name equals `name`, ignoring case.
    pub fn name_is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// True when the sub-attribute equals `sub`, ignoring case.
    pub fn sub_is(&self, sub: &str) -> bool {
        self.sub_attr
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(sub))
    }

    /// True when the URN equals `urn`, ignoring case.
    pub fn urn_is(&self, urn: &str) -> bool {
        self.urn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(urn))
    }
}

fn opt_eq_ci(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl FromStr for AttrPath {
    type Err = ScimError;
    fn from_str(s: &str) -> Result<Self> {
        AttrPath::parse(s)
    }
}

/// A PATCH operation path: `attrPath` or `attr[valFilter]["." subAttr]`.
///
/// * `members` → `attr = members`
/// * `name.familyName` → `attr = name.familyName`
/// * `members[value eq "2819c223"]` → `attr = members`, `value_filter = value eq "2819c223"`
/// * `emails[type eq "work"].value` → `attr = emails`, filter `type eq "work"`, `sub_attr = value`
///
/// Attribute paths inside `value_filter` are relative to the elements of
/// `attr` (`type` means `emails.type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    /// The targeted attribute. Has no `sub_attr` when `value_filter` is set.
    pub attr: AttrPath,
    /// The filter selecting elements of a multi-valued attribute.
    pub value_filter: Option<Filter>,
    /// Sub-attribute after the brackets (`].value`).
    pub sub_attr: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH `path`. Errors are `invalidPath` with the position.
    pub fn parse(s: &str) -> Result<PatchPath> {
        let mut p = Parser::new(s, Ctx::Path);
        p.whole_patch_path().map_err(|e| p.to_error(e))
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.value_filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl FromStr for PatchPath {
    type Err = ScimError;
    fn from_str(s: &str) -> Result<Self> {
        PatchPath::parse(s)
    }
}
