//! A SCIM filter's query plan (`roster_scim::filter::plan`) as a SQL condition over indexed
//! columns. See the plan module for the contract: case-insensitive attributes compare their
//! lower-cased shadow columns, multi-valued ones become `EXISTS`, and `NOT` is NULL-safe.

use crate::entity::{group, group_membership, user, user_email};
use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use roster_scim::filter::plan::{IndexedAttr, Plan, ResourceKind};
use roster_scim::filter::{CompValue, CompareOp};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr};

/// The condition for `plan` over the rows of `kind`'s table.
pub(crate) fn condition(plan: &Plan, kind: ResourceKind) -> Result<SimpleExpr> {
    Ok(match plan {
        Plan::ScanAll => Expr::val(true).into(),
        Plan::Present(attr) => present(*attr, kind)?,
        Plan::Pred { attr, op, value } => predicate(*attr, kind, *op, value)?,
        Plan::And(parts) => combine(parts, kind, SimpleExpr::and)?,
        Plan::Or(parts) => combine(parts, kind, SimpleExpr::or)?,
        Plan::Not(inner) => {
            let inner = condition(inner, kind)?;
            SimpleExpr::from(Func::coalesce([inner, Expr::val(false).into()])).not()
        }
    })
}

fn combine(
    parts: &[Plan],
    kind: ResourceKind,
    join: fn(SimpleExpr, SimpleExpr) -> SimpleExpr,
) -> Result<SimpleExpr> {
    let mut out: Option<SimpleExpr> = None;
    for part in parts {
        let c = condition(part, kind)?;
        out = Some(match out {
            None => c,
            Some(prev) => join(prev, c),
        });
    }
    Ok(out.unwrap_or_else(|| Expr::val(true).into()))
}

fn unsupported(attr: IndexedAttr, kind: ResourceKind) -> StoreError {
    StoreError::Corrupt(format!("{attr:?} is not an indexed column of {kind:?}"))
}

/// The column holding `attr` for single-valued attributes, and whether it is lower-cased.
fn column(attr: IndexedAttr, kind: ResourceKind) -> Option<(SimpleExpr, bool)> {
    use ResourceKind::{Group, User};
    let col = |c: SimpleExpr, lower: bool| Some((c, lower));
    match (kind, attr) {
        (User, IndexedAttr::UserName) => col(
            Expr::col((user::Entity, user::Column::UserNameKey)).into(),
            true,
        ),
        (User, IndexedAttr::ExternalId) => col(
            Expr::col((user::Entity, user::Column::ExternalId)).into(),
            false,
        ),
        (User, IndexedAttr::Id) => col(Expr::col((user::Entity, user::Column::Id)).into(), false),
        (User, IndexedAttr::LastModified) => col(
            Expr::col((user::Entity, user::Column::UpdatedAt)).into(),
            false,
        ),
        (Group, IndexedAttr::DisplayName) => col(
            Expr::col((group::Entity, group::Column::NameKey)).into(),
            true,
        ),
        (Group, IndexedAttr::ExternalId) => col(
            Expr::col((group::Entity, group::Column::ExternalId)).into(),
            false,
        ),
        (Group, IndexedAttr::Id) => {
            col(Expr::col((group::Entity, group::Column::Id)).into(), false)
        }
        (Group, IndexedAttr::LastModified) => col(
            Expr::col((group::Entity, group::Column::UpdatedAt)).into(),
            false,
        ),
        _ => None,
    }
}

fn present(attr: IndexedAttr, kind: ResourceKind) -> Result<SimpleExpr> {
    match (kind, attr) {
        (ResourceKind::User, IndexedAttr::EmailValue) => Ok(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(user_email::Entity)
                .and_where(
                    Expr::col((user_email::Entity, user_email::Column::UserId))
                        .equals((user::Entity, user::Column::Id)),
                )
                .to_owned(),
        )),
        (ResourceKind::Group, IndexedAttr::MembersValue) => Ok(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(group_membership::Entity)
                .and_where(
                    Expr::col((group_membership::Entity, group_membership::Column::GroupId))
                        .equals((group::Entity, group::Column::Id)),
                )
                .to_owned(),
        )),
        (ResourceKind::User, IndexedAttr::Active) => Ok(Expr::val(true).into()),
        _ => {
            let (col, _) = column(attr, kind).ok_or_else(|| unsupported(attr, kind))?;
            Ok(col.clone().is_not_null().and(col.ne("")))
        }
    }
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `col op value` for a text column.
fn compare_text(col: SimpleExpr, op: CompareOp, value: String) -> SimpleExpr {
    let like = |pattern: String| col.clone().like(LikeExpr::new(pattern).escape('\\'));
    match op {
        CompareOp::Eq => col.eq(value),
        CompareOp::Ne => col.ne(value),
        CompareOp::Co => like(format!("%{}%", escape_like(&value))),
        CompareOp::Sw => like(format!("{}%", escape_like(&value))),
        CompareOp::Ew => like(format!("%{}", escape_like(&value))),
        CompareOp::Gt => col.gt(value),
        CompareOp::Ge => col.gte(value),
        CompareOp::Lt => col.lt(value),
        CompareOp::Le => col.lte(value),
    }
}

fn literal_text(value: &CompValue) -> String {
    match value {
        CompValue::String(s) => s.clone(),
        other => other.to_json().to_string(),
    }
}

fn predicate(
    attr: IndexedAttr,
    kind: ResourceKind,
    op: CompareOp,
    value: &CompValue,
) -> Result<SimpleExpr> {
    match (kind, attr) {
        (ResourceKind::User, IndexedAttr::Active) => {
            let wanted = match value {
                CompValue::Bool(b) => *b,
                _ => return Ok(Expr::val(false).into()),
            };
            let state = if wanted { "active" } else { "inactive" };
            let col = Expr::col((user::Entity, user::Column::State));
            Ok(match op {
                CompareOp::Ne => col.ne(state),
                _ => col.eq(state),
            })
        }
        (ResourceKind::User, IndexedAttr::EmailValue) => {
            let col: SimpleExpr =
                Expr::col((user_email::Entity, user_email::Column::ValueKey)).into();
            Ok(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(user_email::Entity)
                    .and_where(
                        Expr::col((user_email::Entity, user_email::Column::UserId))
                            .equals((user::Entity, user::Column::Id)),
                    )
                    .and_where(compare_text(col, op, literal_text(value).to_lowercase()))
                    .to_owned(),
            ))
        }
        (ResourceKind::Group, IndexedAttr::MembersValue) => {
            let col: SimpleExpr =
                Expr::col((group_membership::Entity, group_membership::Column::UserId)).into();
            Ok(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(group_membership::Entity)
                    .and_where(
                        Expr::col((group_membership::Entity, group_membership::Column::GroupId))
                            .equals((group::Entity, group::Column::Id)),
                    )
                    .and_where(compare_text(col, op, literal_text(value).to_lowercase()))
                    .to_owned(),
            ))
        }
        (_, IndexedAttr::LastModified) => {
            let (col, _) = column(attr, kind).ok_or_else(|| unsupported(attr, kind))?;
            let Some(at) = value
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
            else {
                return Ok(Expr::val(false).into());
            };
            Ok(match op {
                CompareOp::Eq => col.eq(at),
                CompareOp::Ne => col.ne(at),
                CompareOp::Gt => col.gt(at),
                CompareOp::Ge => col.gte(at),
                CompareOp::Lt => col.lt(at),
                CompareOp::Le => col.lte(at),
                _ => Expr::val(false).into(),
            })
        }
        _ => {
            let (col, lower) = column(attr, kind).ok_or_else(|| unsupported(attr, kind))?;
            let text = literal_text(value);
            Ok(compare_text(
                col,
                op,
                if lower { text.to_lowercase() } else { text },
            ))
        }
    }
}
