//! SCIM filters (RFC 7644 §3.4.2.2): parse, print, evaluate, plan.
//!
//! A filter is what an IdP sends in `GET /Users?filter=…` to find resources,
//! and what appears inside brackets in PATCH paths. This module gives:
//!
//! * [`Filter::parse`] / [`str::parse`]: the full grammar: `eq ne co sw ew
//!   gt ge lt le pr`, `and` / `or` / `not`, parentheses, value paths
//!   (`emails[type eq "work" and value co "@example.com"]`), URN-qualified
//!   attributes, JSON string/number/`true`/`false`/`null` values. Operators
//!   and keywords are case-insensitive. Errors are `400 invalidFilter` with
//!   the position and what was expected.
//! * [`Display`](std::fmt::Display): a canonical form that parses back to the
//!   same tree (`parse(print(f)) == f`).
//! * [`Filter::matches`]: evaluation against a JSON resource, typed by an
//!   [`AttributeTypes`] (case-exactness, dateTime, boolean…).
//! * [`plan()`]: a query plan the store can push down to indexed SQL columns.
//!
//! # Parsing
//!
//! ```
//! use roster_scim::filter::{CompValue, CompareOp, Filter};
//! use roster_scim::path::AttrPath;
//!
//! let f = Filter::parse(r#"userName eq "test.user@okta.local""#)?;
//! assert_eq!(
//!     f,
//!     Filter::Compare {
//!         path: AttrPath::simple("userName"),
//!         op: CompareOp::Eq,
//!         value: CompValue::String("test.user@okta.local".into()),
//!     }
//! );
//!
//! // `and` binds tighter than `or`; keywords are case-insensitive.
//! let f: Filter = r#"title PR And userType EQ "Employee" or active eq true"#.parse()?;
//! assert_eq!(
//!     f.to_string(),
//!     r#"title pr and userType eq "Employee" or active eq true"#
//! );
//!
//! // Errors say where and what was expected.
//! let err = Filter::parse(r#"userName equals "bjensen""#).unwrap_err();
//! assert_eq!(err.status, 400);
//! assert_eq!(
//!     err.detail,
//!     "invalid filter at position 9: expected a comparison operator \
//!      (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName', found 'equals'"
//! );
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! # The `attr[filter].sub` form
//!
//! Entra ID matches users with `emails[type eq "work"].value eq "…"`. The
//! RFC grammar has no such production; this parser reads it as "some element
//! of `emails` has type work and that element's value equals …", i.e. the
//! value path `emails[type eq "work" and value eq "…"]`, which is also how it
//! prints back:
//!
//! ```
//! use roster_scim::filter::Filter;
//! let f = Filter::parse(r#"emails[type eq "work"].value eq "a@b.c""#)?;
//! assert_eq!(f.to_string(), r#"emails[type eq "work" and value eq "a@b.c"]"#);
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! # Limits
//!
//! Hostile input cannot exhaust the stack or time: nesting (parentheses,
//! `not`, value paths) is capped at [`MAX_DEPTH`] levels and a filter holds at
//! most [`MAX_TERMS`] comparisons; both give `invalidFilter`. Parsing is
//! linear in the input length.

mod display;
pub mod eval;
pub(crate) mod parser;
pub mod plan;

use std::str::FromStr;

use crate::error::{Result, ScimError};
use crate::path::AttrPath;

pub use eval::{AttrInfo, AttrKind, AttributeTypes, DefaultUserGroupTypes};
pub use plan::{plan, IndexedAttr, Plan, QueryPlan, ResourceKind};

/// Maximum nesting of parentheses, `not` and value paths.
pub const MAX_DEPTH: usize = 32;
/// Maximum number of attribute expressions (`x op v` / `x pr`) in one filter.
pub const MAX_TERMS: usize = 1000;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (strings).
    Co,
    /// `sw`: starts with (strings).
    Sw,
    /// `ew`: ends with (strings).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// All operators, in RFC order.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The lower-case keyword, e.g. `"eq"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Parses a keyword, ignoring ASCII case.
    pub fn from_keyword(s: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }

    /// True for `gt`, `ge`, `lt`, `le`.
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    /// True for `co`, `sw`, `ew`.
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

impl std::fmt::Display for CompareOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, unescaped.
    String(String),
}

impl CompValue {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CompValue::Null => serde_json::Value::Null,
            CompValue::Bool(b) => serde_json::Value::Bool(*b),
            CompValue::Number(n) => serde_json::Value::Number(n.clone()),
            CompValue::String(s) => serde_json::Value::String(s.clone()),
        }
    }

    /// The string, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CompValue::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A parsed filter expression.
///
/// Inside a [`Filter::ValuePath`], attribute paths are relative to the
/// elements of `attr` (`emails[type eq "work"]`: `type` is `emails.type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `path op value`
    Compare {
        /// Attribute compared.
        path: AttrPath,
        /// Operator.
        op: CompareOp,
        /// Literal compared with.
        value: CompValue,
    },
    /// `path pr`
    Present(AttrPath),
    /// `l and r`
    And(Box<Filter>, Box<Filter>),
    /// `l or r`
    Or(Box<Filter>, Box<Filter>),
    /// `not (f)`
    Not(Box<Filter>),
    /// `attr[filter]`: some element of multi-valued `attr` matches `filter`.
    ValuePath {
        /// The (multi-valued, complex) attribute.
        attr: AttrPath,
        /// Filter over each element's sub-attributes.
        filter: Box<Filter>,
    },
}

impl Filter {
    /// Parses a filter. Errors are `400 invalidFilter`, e.g.
    /// `invalid filter at position 14: expected a value …`.
    /// Positions count characters from 0.
    pub fn parse(s: &str) -> Result<Filter> {
        let mut p = parser::Parser::new(s, parser::Ctx::Filter);
        p.whole_filter().map_err(|e| p.to_error(e))
    }

    /// `path op value`.
    pub fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare { path, op, value }
    }

    /// `l and r`.
    pub fn and(l: Filter, r: Filter) -> Filter {
        Filter::And(Box::new(l), Box::new(r))
    }

    /// `l or r`.
    pub fn or(l: Filter, r: Filter) -> Filter {
        Filter::Or(Box::new(l), Box::new(r))
    }

    /// `not (f)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(f: Filter) -> Filter {
        Filter::Not(Box::new(f))
    }

    /// `attr[f]`.
    pub fn value_path(attr: AttrPath, f: Filter) -> Filter {
        Filter::ValuePath {
            attr,
            filter: Box::new(f),
        }
    }

    /// Number of attribute expressions (leaves).
    pub fn term_count(&self) -> usize {
        match self {
            Filter::Compare { .. } | Filter::Present(_) => 1,
            Filter::And(l, r) | Filter::Or(l, r) => l.term_count() + r.term_count(),
            Filter::Not(f) | Filter::ValuePath { filter: f, .. } => f.term_count(),
        }
    }
}

impl FromStr for Filter {
    type Err = ScimError;
    fn from_str(s: &str) -> Result<Filter> {
        Filter::parse(s)
    }
}
