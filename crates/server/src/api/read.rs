//! What the read API's handlers (`api/users.rs`, the GETs of `api/groups.rs`) share: query
//! parameters and their checks, and the JSON of users and groups — the very shapes `user.*` and
//! `group.*` events carry, built by the same functions.
//!
//! Every page answers `{"data", "next_cursor", "as_of_sequence"}`; `as_of_sequence` is the
//! directory's last event `sequence` read in the same database snapshot as `data`, so a consumer
//! can take a snapshot and continue with `GET /events?directory_id=…&after_sequence=…` without a
//! gap or a duplicate (docs/read-api.md).

use crate::error::ApiError;
use crate::normalized::with_groups;
use crate::scim::groups::group_object_of;
use chrono::{DateTime, Utc};
use roster_store::entity::group;
use roster_store::read::{Missing, UserWithGroups};
use serde::Deserialize;
use serde_json::Value;

/// `?limit=&after=` of the read API's lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
}

/// `GET /directories/{id}/users` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// `active` or `inactive`.
    pub state: Option<String>,
    /// Only members of this group. A group that is not in this directory is a 404.
    pub group_id: Option<String>,
    /// Only users changed after this RFC 3339 instant, e.g. `2026-01-31T12:00:00Z`. Compared
    /// with the stored timestamp at full precision, so passing a user's own `updated_at` (shown
    /// to the millisecond) may return that user again.
    pub updated_after: Option<String>,
}

/// `GET /directories/{id}/groups` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GroupListParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// Only groups changed (attributes or members) after this RFC 3339 instant, e.g.
    /// `2026-01-31T12:00:00Z`.
    pub updated_after: Option<String>,
}

/// The page size: 1–1000, 100 by default (as the Events API).
pub fn limit(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit {
        None => Ok(100),
        Some(n @ 1..=1000) => Ok(n),
        Some(n) => Err(ApiError::validation(
            "limit",
            format!("{n} is out of range: use 1 to 1000"),
        )),
    }
}

/// What a list's `next_cursor` is made of: ids of users or of groups.
#[derive(Clone, Copy)]
pub enum CursorOf {
    Users,
    Groups,
}

/// `after`: a `next_cursor` of the same list (absent or empty: the first page).
pub fn cursor(after: Option<&str>, of: CursorOf) -> Result<Option<String>, ApiError> {
    let Some(after) = after.filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let valid = match of {
        CursorOf::Users => roster_core::UserId::parse(after).is_some(),
        CursorOf::Groups => roster_core::GroupId::parse(after).is_some(),
    };
    if valid {
        Ok(Some(after.to_owned()))
    } else {
        Err(ApiError::bad_request(format!(
            "after: '{after}' is not a cursor of this list; pass the next_cursor of the \
             previous page, or leave it out for the first page"
        )))
    }
}

/// `state`: a user state.
pub fn user_state(state: Option<&str>) -> Result<Option<String>, ApiError> {
    match state {
        None => Ok(None),
        Some(s @ ("active" | "inactive")) => Ok(Some(s.to_owned())),
        Some(other) => Err(ApiError::validation(
            "state",
            format!("'{other}' is not a user state: use active or inactive"),
        )),
    }
}

/// `updated_after`: an RFC 3339 instant.
pub fn updated_after(value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    // An unencoded `+` of a UTC offset arrives as a space: read it as the `+` it was.
    let repaired = value.replace(' ', "+");
    DateTime::parse_from_rfc3339(&repaired)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            ApiError::validation(
                "updated_after",
                format!(
                    "'{value}' is not an RFC 3339 timestamp: use e.g. 2026-01-31T12:00:00Z \
                     (or 2026-01-31T12:00:00%2B02:00 with the `+` of an offset URL-encoded)"
                ),
            )
        })
}

/// A missing resource of the path as a 404 that names it.
pub fn not_found(missing: Missing) -> ApiError {
    ApiError::NotFound(match missing {
        Missing::Directory => "directory",
        Missing::User => "user",
        Missing::Group => "group",
    })
}

/// A user as `user.*` events carry it: the stored normalized user plus its groups.
pub fn user_json(row: UserWithGroups) -> Value {
    with_groups(row.user.data, &row.groups)
}

/// A group as `group.*` events carry it.
pub fn group_json(row: &group::Model) -> Value {
    group_object_of(row)
}
