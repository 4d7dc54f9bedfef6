//! A query plan: which parts of a filter the store can answer from indexed
//! columns.
//!
//! [`plan()`] turns a [`Filter`] into a [`QueryPlan`] over a small set of
//! [`IndexedAttr`] columns. The store translates [`Plan`] to SQL; when
//! [`QueryPlan::exact`] is `false` the rows it returns are a **superset** of
//! the answer and each must be re-checked with [`Filter::matches`].
//!
//! ```
//! use roster_scim::filter::{plan, CompValue, CompareOp, Filter, IndexedAttr, Plan, ResourceKind};
//!
//! // Okta's lookup before create: fully indexed.
//! let f = Filter::parse(r#"userName eq "test.user@okta.local""#)?;
//! let q = plan(&f, ResourceKind::User);
//! assert!(q.exact);
//! assert_eq!(
//!     q.plan,
//!     Plan::Pred {
//!         attr: IndexedAttr::UserName,
//!         op: CompareOp::Eq,
//!         value: CompValue::String("test.user@okta.local".into()),
//!     }
//! );
//!
//! // Entra's email matching: the email index narrows, `type eq "work"` is re-checked.
//! let f = Filter::parse(r#"emails[type eq "work"].value eq "a@b.c""#)?;
//! let q = plan(&f, ResourceKind::User);
//! assert!(!q.exact);
//! assert!(matches!(q.plan, Plan::Pred { attr: IndexedAttr::EmailValue, .. }));
//!
//! // Nothing indexed: scan.
//! let q = plan(&Filter::parse(r#"title eq "CEO""#)?, ResourceKind::User);
//! assert_eq!((q.plan, q.exact), (Plan::ScanAll, false));
//! # Ok::<(), roster_scim::ScimError>(())
//! ```
//!
//! # Rules
//!
//! * `x and y` is pushable when at least one side is; an unpushable side is
//!   dropped and makes the plan inexact.
//! * `x or y` is pushable only when both sides are.
//! * `not (x)` is pushable only when `x` is pushable *and exact*.
//! * Inside a value path on `emails` (Users) or `members` (Groups), only
//!   conditions on `value` push down; several conditions on the same element
//!   become an inexact `And` (the index cannot tell they hold for the *same*
//!   element).
//! * `x eq null` becomes `Not(Present(x))`; `x ne null` becomes `Present(x)`.
//! * Anything else is [`Plan::ScanAll`] with `exact: false`: the store then
//!   pages through the directory in bounded batches and keeps what
//!   [`Filter::matches`] accepts.
//!
//! `plan` does not validate: call [`Filter::validate`] first so that refused
//! filters (`active gt true`, …) answer `invalidFilter` instead of scanning.
//!
//! # What the store must implement
//!
//! * **Case**: [`IndexedAttr::UserName`], [`IndexedAttr::EmailValue`],
//!   [`IndexedAttr::DisplayName`] and [`IndexedAttr::MembersValue`] compare
//!   case-insensitively (RFC 7643 `caseExact: false`; e.g. a lower-cased
//!   shadow column); [`IndexedAttr::Id`] and [`IndexedAttr::ExternalId`]
//!   compare exactly.
//! * **Multi-valued** (`EmailValue`, `MembersValue`): a predicate means
//!   "**some** value satisfies it" (`EXISTS (…)`), and `Not` negates that.
//! * **Absent values**: `Pred` is false for a missing value, including for
//!   `ne`; `Not` must be NULL-safe (`NOT COALESCE(pred, FALSE)`), so
//!   `not (externalId eq "x")` includes rows without an externalId.
//! * **Values**: [`IndexedAttr::Active`] gets `CompValue::Bool` with `eq` /
//!   `ne` only; [`IndexedAttr::LastModified`] gets an RFC 3339 string to be
//!   compared chronologically; `co`/`sw`/`ew` are substring matches
//!   (`LIKE` with `%`, `_` and `\` escaped).

use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::{AttrPath, CORE_GROUP_URN, CORE_USER_URN, CORE_V1_URN};

/// The resource type a filter runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/Users`
    User,
    /// `/Groups`
    Group,
}

/// Attributes the store keeps in indexed columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexedAttr {
    /// User `userName` (case-insensitive).
    UserName,
    /// `externalId` (exact).
    ExternalId,
    /// `id` (exact).
    Id,
    /// User `emails.value` (case-insensitive, multi-valued).
    EmailValue,
    /// Group `displayName` (case-insensitive).
    DisplayName,
    /// User `active` (boolean).
    Active,
    /// `meta.lastModified` (dateTime).
    LastModified,
    /// Group `members.value` (multi-valued).
    MembersValue,
}

/// A pushed-down condition tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `attr op value`
    Pred {
        /// Column.
        attr: IndexedAttr,
        /// Operator.
        op: CompareOp,
        /// Literal (never `Null`: null comparisons become `Present`/`Not`).
        value: CompValue,
    },
    /// The column has a non-empty value.
    Present(IndexedAttr),
    /// All of these (at least two).
    And(Vec<Plan>),
    /// Any of these (at least two).
    Or(Vec<Plan>),
    /// Negation (NULL-safe).
    Not(Box<Plan>),
    /// Every resource of the directory.
    ScanAll,
}

/// A [`Plan`] and whether its rows are exactly the filter's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// Conditions for the store.
    pub plan: Plan,
    /// `false`: rows are a superset; re-check each with [`Filter::matches`].
    pub exact: bool,
}

/// Plans `filter` over resources of kind `resource`.
pub fn plan(filter: &Filter, resource: ResourceKind) -> QueryPlan {
    match plan_node(filter, resource) {
        Some((plan, exact)) => QueryPlan { plan, exact },
        None => QueryPlan {
            plan: Plan::ScanAll,
            exact: false,
        },
    }
}

type Partial = Option<(Plan, bool)>;

/// True when `path` has no URN or the core URN of `resource`.
fn core_path(path: &AttrPath, resource: ResourceKind) -> bool {
    match &path.urn {
        None => true,
        Some(u) => {
            let own = match resource {
                ResourceKind::User => CORE_USER_URN,
                ResourceKind::Group => CORE_GROUP_URN,
            };
            u.eq_ignore_ascii_case(own) || u.eq_ignore_ascii_case(CORE_V1_URN)
        }
    }
}

/// The multi-valued indexed attribute for `attr` (`emails` / `members`).
fn multi_attr(path: &AttrPath, resource: ResourceKind) -> Option<IndexedAttr> {
    if !core_path(path, resource) {
        return None;
    }
    match resource {
        ResourceKind::User if path.name_is("emails") => Some(IndexedAttr::EmailValue),
        ResourceKind::Group if path.name_is("members") => Some(IndexedAttr::MembersValue),
        _ => None,
    }
}

fn indexed(path: &AttrPath, resource: ResourceKind) -> Option<IndexedAttr> {
    if !core_path(path, resource) {
        return None;
    }
    if let Some(multi) = multi_attr(path, resource) {
        // `emails.value`, or `emails` alone (compares `value`).
        return match &path.sub_attr {
            None => Some(multi),
            Some(_) if path.sub_is("value") => Some(multi),
            Some(_) => None,
        };
    }
    if path.name_is("meta") {
        return path
            .sub_is("lastModified")
            .then_some(IndexedAttr::LastModified);
    }
    if path.sub_attr.is_some() {
        return None;
    }
    let n = &path.name;
    let any = |s: &str| n.eq_ignore_ascii_case(s);
    match resource {
        _ if any("id") => Some(IndexedAttr::Id),
        _ if any("externalId") => Some(IndexedAttr::ExternalId),
        ResourceKind::User if any("userName") => Some(IndexedAttr::UserName),
        ResourceKind::User if any("active") => Some(IndexedAttr::Active),
        ResourceKind::Group if any("displayName") => Some(IndexedAttr::DisplayName),
        _ => None,
    }
}

fn leaf(attr: IndexedAttr, op: CompareOp, value: &CompValue) -> Partial {
    match value {
        CompValue::Null => match op {
            CompareOp::Eq => Some((Plan::Not(Box::new(Plan::Present(attr))), true)),
            CompareOp::Ne => Some((Plan::Present(attr), true)),
            _ => None,
        },
        CompValue::Bool(_) => (attr == IndexedAttr::Active
            && matches!(op, CompareOp::Eq | CompareOp::Ne))
        .then(|| {
            (
                Plan::Pred {
                    attr,
                    op,
                    value: value.clone(),
                },
                true,
            )
        }),
        CompValue::String(_) if attr != IndexedAttr::Active => Some((
            Plan::Pred {
                attr,
                op,
                value: value.clone(),
            },
            true,
        )),
        // Numbers never match string / dateTime columns; let the evaluator say so.
        _ => None,
    }
}

fn and(l: Partial, r: Partial, same_element: bool) -> Partial {
    match (l, r) {
        (Some((a, ea)), Some((b, eb))) => {
            let mut parts = Vec::new();
            for p in [a, b] {
                match p {
                    Plan::And(inner) => parts.extend(inner),
                    p => parts.push(p),
                }
            }
            Some((Plan::And(parts), ea && eb && !same_element))
        }
        (Some((a, _)), None) | (None, Some((a, _))) => Some((a, false)),
        (None, None) => None,
    }
}

fn or(l: Partial, r: Partial) -> Partial {
    let ((a, ea), (b, eb)) = (l?, r?);
    let mut parts = Vec::new();
    for p in [a, b] {
        match p {
            Plan::Or(inner) => parts.extend(inner),
            p => parts.push(p),
        }
    }
    Some((Plan::Or(parts), ea && eb))
}

fn plan_node(f: &Filter, resource: ResourceKind) -> Partial {
    match f {
        // `emails pr` / `emails eq null` look at whole elements, not at `value`.
        Filter::Compare {
            path,
            value: CompValue::Null,
            ..
        }
        | Filter::Present(path)
            if path.sub_attr.is_none() && multi_attr(path, resource).is_some() =>
        {
            None
        }
        Filter::Compare { path, op, value } => leaf(indexed(path, resource)?, *op, value),
        Filter::Present(path) => Some((Plan::Present(indexed(path, resource)?), true)),
        Filter::And(l, r) => and(plan_node(l, resource), plan_node(r, resource), false),
        Filter::Or(l, r) => or(plan_node(l, resource), plan_node(r, resource)),
        Filter::Not(inner) => match plan_node(inner, resource)? {
            (p, true) => Some((Plan::Not(Box::new(p)), true)),
            (_, false) => None,
        },
        Filter::ValuePath { attr, filter } => {
            let target = multi_attr(attr, resource)?;
            plan_element(filter, target)
        }
    }
}

/// Plans the filter inside `emails[…]` / `members[…]`.
fn plan_element(f: &Filter, target: IndexedAttr) -> Partial {
    match f {
        Filter::Compare { path, op, value } => {
            let is_value = path.urn.is_none() && path.sub_attr.is_none() && path.name_is("value");
            // `value eq null` inside brackets is about one element, not all of them.
            if is_value && !matches!(value, CompValue::Null) {
                leaf(target, *op, value)
            } else {
                None
            }
        }
        Filter::Present(path) => {
            (path.urn.is_none() && path.sub_attr.is_none() && path.name_is("value"))
                .then_some((Plan::Present(target), true))
        }
        Filter::And(l, r) => and(plan_element(l, target), plan_element(r, target), true),
        Filter::Or(l, r) => or(plan_element(l, target), plan_element(r, target)),
        // "some element is not X" is not "no element is X".
        Filter::Not(_) | Filter::ValuePath { .. } => None,
    }
}
