//! The read API's queries: a directory's normalized users and groups, page by page, each page read
//! together with the directory's last event `sequence` in **one database snapshot**.
//!
//! That pairing is what lets a consumer combine a snapshot with the event stream: every change
//! commits its rows and its events (and the directory's `event_sequence` counter) in one
//! transaction, so a page read in the same snapshot as the counter shows exactly the effects of
//! events `1..=as_of_sequence` — no more, no less. On PostgreSQL the page and the counter are
//! read in one `REPEATABLE READ, READ ONLY` transaction (one snapshot for every statement); on
//! SQLite in one transaction (a WAL reader keeps the snapshot of its first read until it ends).
//!
//! Which users are listed follows the directory's deactivation policy, so that the read API and
//! the event stream always agree: under `suspend`, every user, including those the IdP deleted
//! (kept inactive, `deleted_at` set); under `delete`, only active users, since an inactive user
//! was reported to the app as `user.deleted`.

use crate::directories::settings_of;
use crate::directory_data::groups_of_users;
use crate::entity::{directory, group, group_membership, user};
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use roster_core::normalize::GroupRef;
use roster_core::DeactivationPolicy;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, TransactionTrait,
};

/// One page of a read, and the directory's last event sequence in the same snapshot.
#[derive(Clone, Debug)]
pub struct Snapshot<T> {
    pub data: Vec<T>,
    /// The id to pass as `after` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The directory's last event `sequence` (0 before its first event) as of this page.
    pub as_of_sequence: i64,
}

/// A user row and the groups it belongs to (ordered by group id, as its events show them).
#[derive(Clone, Debug)]
pub struct UserWithGroups {
    pub user: user::Model,
    pub groups: Vec<GroupRef>,
}

/// What a read could not find: the handler says which, in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Directory,
    User,
    Group,
}

/// The result of a read: the rows, or which of the resources named in the path is missing.
pub type Read<T> = Result<std::result::Result<T, Missing>>;

/// Filters of `GET /directories/{id}/users`.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    /// Users whose id sorts after this one.
    pub after: Option<String>,
    /// At most this many (already validated by the caller).
    pub limit: u64,
    /// `active` or `inactive`.
    pub state: Option<String>,
    /// Only members of this group (which must be a group of the directory).
    pub group_id: Option<String>,
    /// Only users whose row changed after this instant.
    pub updated_after: Option<DateTime<Utc>>,
}

/// Filters of `GET /directories/{id}/groups`.
#[derive(Clone, Debug, Default)]
pub struct GroupQuery {
    pub after: Option<String>,
    pub limit: u64,
    pub updated_after: Option<DateTime<Utc>>,
}

/// The directory as a snapshot sees it.
struct DirectoryView {
    as_of_sequence: i64,
    policy: DeactivationPolicy,
}

impl DirectoryView {
    /// The users the read API lists (see the module docs).
    fn listed_users(&self, directory_id: &str) -> Condition {
        let mut condition = Condition::all().add(user::Column::DirectoryId.eq(directory_id));
        if self.policy == DeactivationPolicy::Delete {
            condition = condition.add(user::Column::State.eq("active"));
        }
        condition
    }
}

/// `limit + 1` rows in, a page out (the extra row only says that more exist).
fn paged<T>(
    rows: Vec<T>,
    limit: u64,
    as_of_sequence: i64,
    id_of: impl Fn(&T) -> String,
) -> Snapshot<T> {
    let page = crate::Page::from_overfetch(rows, limit, id_of);
    Snapshot {
        data: page.data,
        next_cursor: page.next_cursor,
        as_of_sequence,
    }
}

impl Store {
    /// A read-only transaction whose statements all see one snapshot.
    async fn begin_snapshot(&self) -> Result<DatabaseTransaction> {
        let txn = self.connection().begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // Before the first query, which is when PostgreSQL takes the snapshot.
            txn.execute_unprepared("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        Ok(txn)
    }

    /// A page of a directory's users with their groups (one query for the page, one for all of
    /// its users' groups).
    pub async fn read_users(
        &self,
        directory_id: &str,
        query: &UserQuery,
    ) -> Read<Snapshot<UserWithGroups>> {
        let txn = self.begin_snapshot().await?;
        let Some(view) = directory_view(&txn, directory_id).await? else {
            return Ok(Err(Missing::Directory));
        };
        if let Some(group_id) = &query.group_id {
            if group_in(&txn, directory_id, group_id).await?.is_none() {
                return Ok(Err(Missing::Group));
            }
        }
        let rows = users_page(&txn, directory_id, &view, query).await?;
        let page = paged(rows, query.limit, view.as_of_sequence, |u| u.id.clone());
        let page = with_groups(&txn, page).await?;
        txn.commit().await?;
        Ok(Ok(page))
    }

    /// One user with its groups; [`Missing::User`] also when the policy hides it.
    pub async fn read_user(&self, directory_id: &str, user_id: &str) -> Read<UserWithGroups> {
        let txn = self.begin_snapshot().await?;
        let Some(view) = directory_view(&txn, directory_id).await? else {
            return Ok(Err(Missing::Directory));
        };
        let Some(user) = listed_user(&txn, directory_id, &view, user_id).await? else {
            return Ok(Err(Missing::User));
        };
        let groups = groups_of_users(&txn, std::slice::from_ref(&user.id))
            .await?
            .remove(&user.id)
            .unwrap_or_default();
        txn.commit().await?;
        Ok(Ok(UserWithGroups { user, groups }))
    }

    /// A page of the groups one user belongs to, in group id order.
    pub async fn read_user_groups(
        &self,
        directory_id: &str,
        user_id: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Read<Snapshot<group::Model>> {
        let txn = self.begin_snapshot().await?;
        let Some(view) = directory_view(&txn, directory_id).await? else {
            return Ok(Err(Missing::Directory));
        };
        if listed_user(&txn, directory_id, &view, user_id)
            .await?
            .is_none()
        {
            return Ok(Err(Missing::User));
        }
        let mut select = group::Entity::find()
            .join(JoinType::InnerJoin, group::Relation::GroupMembership.def())
            .filter(group_membership::Column::UserId.eq(user_id))
            .filter(group::Column::DirectoryId.eq(directory_id));
        if let Some(after) = after {
            select = select.filter(group::Column::Id.gt(after));
        }
        let rows = select
            .order_by_asc(group::Column::Id)
            .limit(limit + 1)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(Ok(paged(rows, limit, view.as_of_sequence, |g| {
            g.id.clone()
        })))
    }

    /// A page of a directory's groups, in id order.
    pub async fn read_groups(
        &self,
        directory_id: &str,
        query: &GroupQuery,
    ) -> Read<Snapshot<group::Model>> {
        let txn = self.begin_snapshot().await?;
        let Some(view) = directory_view(&txn, directory_id).await? else {
            return Ok(Err(Missing::Directory));
        };
        let mut select = group::Entity::find().filter(group::Column::DirectoryId.eq(directory_id));
        if let Some(after) = &query.after {
            select = select.filter(group::Column::Id.gt(after.clone()));
        }
        if let Some(t) = query.updated_after {
            select = select.filter(group::Column::UpdatedAt.gt(t));
        }
        let rows = select
            .order_by_asc(group::Column::Id)
            .limit(query.limit + 1)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(Ok(paged(rows, query.limit, view.as_of_sequence, |g| {
            g.id.clone()
        })))
    }

    /// One group of a directory.
    pub async fn read_group(&self, directory_id: &str, group_id: &str) -> Read<group::Model> {
        let txn = self.begin_snapshot().await?;
        if directory_view(&txn, directory_id).await?.is_none() {
            return Ok(Err(Missing::Directory));
        }
        let found = group_in(&txn, directory_id, group_id).await?;
        txn.commit().await?;
        Ok(found.ok_or(Missing::Group))
    }
}

async fn directory_view(txn: &DatabaseTransaction, id: &str) -> Result<Option<DirectoryView>> {
    let Some(model) = directory::Entity::find_by_id(id.to_owned())
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(DirectoryView {
        as_of_sequence: model.event_sequence,
        policy: settings_of(&model)?.deactivation_policy,
    }))
}

async fn group_in(
    txn: &DatabaseTransaction,
    directory_id: &str,
    group_id: &str,
) -> Result<Option<group::Model>> {
    Ok(group::Entity::find_by_id(group_id.to_owned())
        .filter(group::Column::DirectoryId.eq(directory_id))
        .one(txn)
        .await?)
}

async fn listed_user(
    txn: &DatabaseTransaction,
    directory_id: &str,
    view: &DirectoryView,
    user_id: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(user_id.to_owned())
        .filter(view.listed_users(directory_id))
        .one(txn)
        .await?)
}

/// `limit + 1` users of the query, in id order.
async fn users_page(
    txn: &DatabaseTransaction,
    directory_id: &str,
    view: &DirectoryView,
    query: &UserQuery,
) -> Result<Vec<user::Model>> {
    let mut select = user::Entity::find().filter(view.listed_users(directory_id));
    if let Some(state) = &query.state {
        select = select.filter(user::Column::State.eq(state.clone()));
    }
    if let Some(t) = query.updated_after {
        select = select.filter(user::Column::UpdatedAt.gt(t));
    }
    let select = match &query.group_id {
        // Driven by the membership key `(group_id, user_id)`: a small group of a large directory
        // reads its members, not the directory.
        Some(group_id) => {
            let mut select = select
                .join(JoinType::InnerJoin, user::Relation::GroupMembership.def())
                .filter(group_membership::Column::GroupId.eq(group_id.clone()));
            if let Some(after) = &query.after {
                select = select.filter(group_membership::Column::UserId.gt(after.clone()));
            }
            select.order_by_asc(group_membership::Column::UserId)
        }
        None => {
            let mut select = select;
            if let Some(after) = &query.after {
                select = select.filter(user::Column::Id.gt(after.clone()));
            }
            select.order_by_asc(user::Column::Id)
        }
    };
    Ok(select.limit(query.limit + 1).all(txn).await?)
}

/// Adds each user's groups to a page, in one query per 1,000 users.
async fn with_groups(
    txn: &DatabaseTransaction,
    page: Snapshot<user::Model>,
) -> Result<Snapshot<UserWithGroups>> {
    let ids: Vec<String> = page.data.iter().map(|u| u.id.clone()).collect();
    let mut groups = if ids.is_empty() {
        Default::default()
    } else {
        groups_of_users(txn, &ids).await?
    };
    Ok(Snapshot {
        data: page
            .data
            .into_iter()
            .map(|user| UserWithGroups {
                groups: groups.remove(&user.id).unwrap_or_default(),
                user,
            })
            .collect(),
        next_cursor: page.next_cursor,
        as_of_sequence: page.as_of_sequence,
    })
}

impl Store {
    /// Where the event stream continues after a directory's event number `sequence`: the cursor
    /// of that event (the default cursor for 0, the start). `None` when the directory has no
    /// event with that number.
    ///
    /// Reading the stream after this cursor, filtered to the directory, yields its events
    /// `sequence + 1, sequence + 2, …` in order: one directory's events are in the stream's
    /// `(tx_id, position)` order by construction (see [`crate::events`]).
    pub async fn event_cursor_at_sequence(
        &self,
        directory_id: &str,
        sequence: i64,
    ) -> Result<Option<crate::EventCursor>> {
        use crate::entity::event;
        if sequence == 0 {
            return Ok(Some(crate::EventCursor::default()));
        }
        Ok(event::Entity::find()
            .filter(event::Column::DirectoryId.eq(directory_id))
            .filter(event::Column::Sequence.eq(sequence))
            .one(self.connection())
            .await?
            .map(|r| crate::EventCursor {
                tx_id: r.tx_id,
                position: r.position,
            }))
    }
}
