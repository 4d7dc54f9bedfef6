//! Users, groups and memberships of a directory: the state SCIM writes and the read API serves.
//!
//! Writes go through a [`DirectoryWrite`] (one transaction with the events they cause, taken
//! after the directory's write lock, so a read-modify-write inside it cannot lose an update).
//! Reads of SCIM lists take a filter's query plan and answer it from indexed columns
//! ([`crate::filter_sql`]); they never load a whole directory.

use crate::entity::{group, group_membership, user, user_email};
use crate::events::APPEND_CHUNK;
use crate::filter_sql::condition;
use crate::{DirectoryWrite, Result, Store};
use chrono::Utc;
use roster_core::normalize::GroupRef;
use roster_core::{EventEnvelope, NewEvent};
use roster_scim::filter::plan::{Plan, ResourceKind};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend,
    EntityTrait, FromQueryResult, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row INSERT or `IN (…)` list: far below SQLite's 32,766 bound parameters.
const CHUNK: usize = 1000;

/// A page of a filtered list and how many rows match in all.
#[derive(Debug, Clone)]
pub struct ListPage<T> {
    pub rows: Vec<T>,
    pub total: u64,
}

/// A group member as SCIM shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    /// `display` as the IdP sent it, if it did.
    pub display: Option<String>,
}

/// The `n`th bound parameter (1-based) in the backend's syntax; SQLite binds `?` in order.
fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// The total a page already tells: a page that is neither full nor past the end holds the last
/// rows, so nothing more matches. (An IdP's `userName eq` lookup then costs one query, not two.)
fn known_total(offset: u64, limit: u64, rows: usize) -> Option<u64> {
    let rows = rows as u64;
    (limit > 0 && rows < limit && (rows > 0 || offset == 0)).then_some(offset + rows)
}

fn visible_users(directory_id: &str) -> Condition {
    Condition::all()
        .add(user::Column::DirectoryId.eq(directory_id))
        .add(user::Column::DeletedAt.is_null())
}

async fn user_by_id<C: ConnectionTrait>(
    db: &C,
    directory_id: &str,
    id: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id.to_owned())
        .filter(visible_users(directory_id))
        .one(db)
        .await?)
}

async fn group_by_id<C: ConnectionTrait>(
    db: &C,
    directory_id: &str,
    id: &str,
) -> Result<Option<group::Model>> {
    Ok(group::Entity::find_by_id(id.to_owned())
        .filter(group::Column::DirectoryId.eq(directory_id))
        .one(db)
        .await?)
}

pub(crate) async fn groups_of_users<C: ConnectionTrait>(
    db: &C,
    user_ids: &[String],
) -> Result<HashMap<String, Vec<GroupRef>>> {
    let mut out: HashMap<String, Vec<GroupRef>> = HashMap::new();
    for chunk in user_ids.chunks(CHUNK) {
        let rows: Vec<(String, String, String)> = group_membership::Entity::find()
            .select_only()
            .column(group_membership::Column::UserId)
            .column(group::Column::Id)
            .column(group::Column::Name)
            .inner_join(group::Entity)
            .filter(group_membership::Column::UserId.is_in(chunk.iter().cloned()))
            .order_by_asc(group::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        for (user_id, id, name) in rows {
            out.entry(user_id).or_default().push(GroupRef { id, name });
        }
    }
    Ok(out)
}

async fn members<C: ConnectionTrait>(db: &C, group_id: &str) -> Result<Vec<Member>> {
    let rows: Vec<(String, Option<String>)> = group_membership::Entity::find()
        .select_only()
        .column(group_membership::Column::UserId)
        .column(group_membership::Column::Display)
        .filter(group_membership::Column::GroupId.eq(group_id))
        .order_by_asc(group_membership::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, display)| Member { user_id, display })
        .collect())
}

impl Store {
    /// A user the IdP can see (not deleted over SCIM).
    pub async fn scim_user(&self, directory_id: &str, id: &str) -> Result<Option<user::Model>> {
        user_by_id(self.connection(), directory_id, id).await
    }

    pub async fn scim_group(&self, directory_id: &str, id: &str) -> Result<Option<group::Model>> {
        group_by_id(self.connection(), directory_id, id).await
    }

    /// Users matching `plan`, in id (creation) order: `limit` rows from `offset`, and the total.
    pub async fn list_scim_users(
        &self,
        directory_id: &str,
        plan: &Plan,
        offset: u64,
        limit: u64,
    ) -> Result<ListPage<user::Model>> {
        let select = user::Entity::find()
            .filter(visible_users(directory_id))
            .filter(condition(plan, ResourceKind::User)?);
        let rows = if limit == 0 {
            Vec::new()
        } else {
            select
                .clone()
                .order_by_asc(user::Column::Id)
                .offset(offset)
                .limit(limit)
                .all(self.connection())
                .await?
        };
        let total = match known_total(offset, limit, rows.len()) {
            Some(total) => total,
            None => select.count(self.connection()).await?,
        };
        Ok(ListPage { rows, total })
    }

    /// Candidate users for a filter the index cannot answer exactly: a batch after `after_id`.
    pub async fn scan_scim_users(
        &self,
        directory_id: &str,
        plan: &Plan,
        after_id: Option<&str>,
        batch: u64,
    ) -> Result<Vec<user::Model>> {
        let mut select = user::Entity::find()
            .filter(visible_users(directory_id))
            .filter(condition(plan, ResourceKind::User)?);
        if let Some(after) = after_id {
            select = select.filter(user::Column::Id.gt(after));
        }
        Ok(select
            .order_by_asc(user::Column::Id)
            .limit(batch)
            .all(self.connection())
            .await?)
    }

    pub async fn list_scim_groups(
        &self,
        directory_id: &str,
        plan: &Plan,
        offset: u64,
        limit: u64,
    ) -> Result<ListPage<group::Model>> {
        let select = group::Entity::find()
            .filter(group::Column::DirectoryId.eq(directory_id))
            .filter(condition(plan, ResourceKind::Group)?);
        let rows = if limit == 0 {
            Vec::new()
        } else {
            select
                .clone()
                .order_by_asc(group::Column::Id)
                .offset(offset)
                .limit(limit)
                .all(self.connection())
                .await?
        };
        let total = match known_total(offset, limit, rows.len()) {
            Some(total) => total,
            None => select.count(self.connection()).await?,
        };
        Ok(ListPage { rows, total })
    }

    pub async fn scan_scim_groups(
        &self,
        directory_id: &str,
        plan: &Plan,
        after_id: Option<&str>,
        batch: u64,
    ) -> Result<Vec<group::Model>> {
        let mut select = group::Entity::find()
            .filter(group::Column::DirectoryId.eq(directory_id))
            .filter(condition(plan, ResourceKind::Group)?);
        if let Some(after) = after_id {
            select = select.filter(group::Column::Id.gt(after));
        }
        Ok(select
            .order_by_asc(group::Column::Id)
            .limit(batch)
            .all(self.connection())
            .await?)
    }

    /// Every member of a group, by user id.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<Member>> {
        members(self.connection(), group_id).await
    }

    /// The groups of each of `user_ids` (users without groups are absent).
    pub async fn groups_of_users(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupRef>>> {
        groups_of_users(self.connection(), user_ids).await
    }
}

impl DirectoryWrite {
    /// A user the IdP can see, read inside the write (after the directory lock).
    pub async fn user(&self, id: &str) -> Result<Option<user::Model>> {
        user_by_id(self.txn(), self.directory_id(), id).await
    }

    /// The user holding a userName (lower-cased key), deleted over SCIM or not.
    pub async fn user_by_name_key(&self, key: &str) -> Result<Option<user::Model>> {
        Ok(user::Entity::find()
            .filter(user::Column::DirectoryId.eq(self.directory_id()))
            .filter(user::Column::UserNameKey.eq(key))
            .one(self.txn())
            .await?)
    }

    /// Inserts (`is_new`) or updates a user row and replaces its email index.
    pub async fn save_user(
        &self,
        model: user::Model,
        email_keys: &[String],
        is_new: bool,
    ) -> Result<()> {
        let id = model.id.clone();
        let active = model.into_active_model().reset_all();
        if is_new {
            user::Entity::insert(active).exec(self.txn()).await?;
        } else {
            user::Entity::update(active).exec(self.txn()).await?;
            user_email::Entity::delete_many()
                .filter(user_email::Column::UserId.eq(id.clone()))
                .exec(self.txn())
                .await?;
        }
        let mut seen = HashSet::new();
        let rows: Vec<user_email::ActiveModel> = email_keys
            .iter()
            .filter(|k| seen.insert(k.as_str()))
            .map(|k| user_email::ActiveModel {
                user_id: Set(id.clone()),
                directory_id: Set(self.directory_id().to_owned()),
                value_key: Set(k.clone()),
            })
            .collect();
        if !rows.is_empty() {
            user_email::Entity::insert_many(rows)
                .exec(self.txn())
                .await?;
        }
        Ok(())
    }

    /// Inserts a new user with its email index and appends the events of its creation. On
    /// PostgreSQL all of it is one statement (the row, the emails, the counter bump and the
    /// events: one round trip where four would do the same work); on SQLite, where statements
    /// cost no round trip, it is [`DirectoryWrite::save_user`] then [`DirectoryWrite::append`].
    pub async fn insert_user_and_append(
        &mut self,
        model: user::Model,
        email_keys: &[String],
        events: Vec<NewEvent>,
    ) -> Result<Vec<EventEnvelope>> {
        let backend = self.txn().get_database_backend();
        if backend != DbBackend::Postgres || events.is_empty() || events.len() > APPEND_CHUNK {
            self.save_user(model, email_keys, true).await?;
            return self.append(events).await;
        }
        let insert = user::Entity::insert(model.into_active_model().reset_all()).build(backend);
        let mut values = insert.values.map(|v| v.0).unwrap_or_default();
        let mut ctes = format!("new_user AS ({} RETURNING id), ", insert.sql);
        let mut seen = HashSet::new();
        let keys: Vec<&String> = email_keys
            .iter()
            .filter(|k| seen.insert(k.as_str()))
            .collect();
        if !keys.is_empty() {
            values.push(self.directory_id().to_owned().into());
            let directory_p = values.len();
            let mut rows = Vec::with_capacity(keys.len());
            for key in keys {
                values.push(key.clone().into());
                rows.push(format!("(${})", values.len()));
            }
            ctes.push_str(&format!(
                "new_emails AS (INSERT INTO user_emails (user_id, directory_id, value_key) \
                 SELECT new_user.id, ${directory_p}, v.k FROM new_user \
                 CROSS JOIN (VALUES {}) AS v(k)), ",
                rows.join(", ")
            ));
        }
        self.append_with_ctes(ctes, values, events).await
    }

    /// Replaces a user's normalized object when something other than its SCIM resource changed
    /// it (its roles, a new attribute mapping). The SCIM version, hence the ETag, stays.
    pub async fn set_user_data(
        &self,
        id: &str,
        data: serde_json::Value,
        updated_at: chrono::DateTime<Utc>,
    ) -> Result<()> {
        user::Entity::update_many()
            .col_expr(user::Column::Data, Expr::value(data))
            .col_expr(user::Column::UpdatedAt, Expr::value(updated_at))
            .filter(user::Column::DirectoryId.eq(self.directory_id()))
            .filter(user::Column::Id.eq(id))
            .exec(self.txn())
            .await?;
        Ok(())
    }

    /// Every user row of the directory after `after` by id, hidden (IdP-deleted) ones included:
    /// for recomputing the whole directory when its settings change.
    pub async fn all_users_after(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<user::Model>> {
        let mut select = user::Entity::find()
            .filter(user::Column::DirectoryId.eq(self.directory_id()))
            .order_by_asc(user::Column::Id)
            .limit(limit);
        if let Some(after) = after {
            select = select.filter(user::Column::Id.gt(after));
        }
        Ok(select.all(self.txn()).await?)
    }

    /// Removes a user row; memberships and emails go with it (cascade). Returns the groups it
    /// was in, whose member counts were adjusted.
    pub async fn delete_user(&self, id: &str) -> Result<Vec<GroupRef>> {
        let groups = self.groups_of_user(id).await?;
        for g in &groups {
            self.bump_member_count(&g.id, -1).await?;
        }
        group_membership::Entity::delete_many()
            .filter(group_membership::Column::UserId.eq(id))
            .exec(self.txn())
            .await?;
        user::Entity::delete_by_id(id.to_owned())
            .exec(self.txn())
            .await?;
        Ok(groups)
    }

    /// The groups one user belongs to.
    pub async fn groups_of_user(&self, id: &str) -> Result<Vec<GroupRef>> {
        Ok(groups_of_users(self.txn(), &[id.to_owned()])
            .await?
            .remove(id)
            .unwrap_or_default())
    }

    /// The groups of each of `user_ids`, in batched queries (users without groups are absent).
    pub async fn groups_of_users(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupRef>>> {
        groups_of_users(self.txn(), user_ids).await
    }

    /// Users the IdP can see among `ids`, in the order given (unknown ids are left out).
    pub async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<user::Model>> {
        let mut found: HashMap<String, user::Model> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            for row in user::Entity::find()
                .filter(visible_users(self.directory_id()))
                .filter(user::Column::Id.is_in(chunk.iter().cloned()))
                .all(self.txn())
                .await?
            {
                found.insert(row.id.clone(), row);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    pub async fn group(&self, id: &str) -> Result<Option<group::Model>> {
        group_by_id(self.txn(), self.directory_id(), id).await
    }

    /// Groups with this display-name key (lower-cased).
    pub async fn group_by_name_key(&self, key: &str) -> Result<Option<group::Model>> {
        Ok(group::Entity::find()
            .filter(group::Column::DirectoryId.eq(self.directory_id()))
            .filter(group::Column::NameKey.eq(key))
            .one(self.txn())
            .await?)
    }

    /// The group the vendor created with this `app_group_key`, if any.
    pub async fn group_by_app_group_key(&self, key: &str) -> Result<Option<group::Model>> {
        Ok(group::Entity::find()
            .filter(group::Column::DirectoryId.eq(self.directory_id()))
            .filter(group::Column::AppGroupKey.eq(key))
            .one(self.txn())
            .await?)
    }

    pub async fn save_group(&self, model: group::Model, is_new: bool) -> Result<()> {
        let active = model.into_active_model().reset_all();
        if is_new {
            group::Entity::insert(active).exec(self.txn()).await?;
        } else {
            group::Entity::update(active).exec(self.txn()).await?;
        }
        Ok(())
    }

    pub async fn delete_group(&self, id: &str) -> Result<()> {
        group_membership::Entity::delete_many()
            .filter(group_membership::Column::GroupId.eq(id))
            .exec(self.txn())
            .await?;
        group::Entity::delete_by_id(id.to_owned())
            .exec(self.txn())
            .await?;
        Ok(())
    }

    /// Every member of a group.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<Member>> {
        members(self.txn(), group_id).await
    }

    /// Which of `user_ids` are members of the group.
    pub async fn members_among(&self, group_id: &str, user_ids: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for chunk in user_ids.chunks(CHUNK) {
            let rows: Vec<String> = group_membership::Entity::find()
                .select_only()
                .column(group_membership::Column::UserId)
                .filter(group_membership::Column::GroupId.eq(group_id))
                .filter(group_membership::Column::UserId.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(self.txn())
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Adds memberships (the caller passes users that exist and are not members yet).
    pub async fn add_members(&self, group_id: &str, members: &[Member]) -> Result<()> {
        let now = Utc::now();
        for chunk in members.chunks(CHUNK) {
            let rows = chunk.iter().map(|m| group_membership::ActiveModel {
                group_id: Set(group_id.to_owned()),
                user_id: Set(m.user_id.clone()),
                directory_id: Set(self.directory_id().to_owned()),
                created_at: Set(now),
                display: Set(m.display.clone()),
            });
            group_membership::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        group_membership::Column::GroupId,
                        group_membership::Column::UserId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .do_nothing()
                .exec(self.txn())
                .await?;
        }
        self.bump_member_count(group_id, i64::try_from(members.len()).unwrap_or(0))
            .await
    }

    /// Removes memberships (the caller passes current members).
    pub async fn remove_members(&self, group_id: &str, user_ids: &[String]) -> Result<()> {
        for chunk in user_ids.chunks(CHUNK) {
            group_membership::Entity::delete_many()
                .filter(group_membership::Column::GroupId.eq(group_id))
                .filter(group_membership::Column::UserId.is_in(chunk.iter().cloned()))
                .exec(self.txn())
                .await?;
        }
        self.bump_member_count(group_id, -i64::try_from(user_ids.len()).unwrap_or(0))
            .await
    }

    async fn bump_member_count(&self, group_id: &str, delta: i64) -> Result<()> {
        if delta == 0 {
            return Ok(());
        }
        group::Entity::update_many()
            .col_expr(
                group::Column::MemberCount,
                Expr::col(group::Column::MemberCount).add(delta),
            )
            .filter(group::Column::Id.eq(group_id))
            .exec(self.txn())
            .await?;
        Ok(())
    }

    /// The id of the user an IdP reference names: a Roster id, an `externalId`, or a userName
    /// (IdPs fill the enterprise `manager.value` with any of these).
    pub async fn resolve_user_ref(&self, reference: &str) -> Result<Option<String>> {
        // One index lookup per kind of reference, in order of precedence (a Roster id, the
        // IdP's id, a userName, an email), rather than an OR with ORDER BY id, which planners
        // answer by walking the whole directory.
        let backend = self.txn().get_database_backend();
        let lower = reference.to_lowercase();
        let mut values: Vec<sea_orm::Value> = Vec::new();
        let mut branches = Vec::new();
        for (rank, column, value) in [
            (0, "id", reference),
            (1, "external_id", reference),
            (2, "user_name_key", lower.as_str()),
            (3, "primary_email", lower.as_str()),
        ] {
            values.push(self.directory_id().to_owned().into());
            let directory_p = placeholder(backend, values.len());
            values.push(value.to_owned().into());
            let value_p = placeholder(backend, values.len());
            branches.push(format!(
                "SELECT id, {rank} AS precedence FROM users WHERE directory_id = {directory_p} \
                 AND deleted_at IS NULL AND {column} = {value_p}"
            ));
        }
        let row = self
            .txn()
            .query_one(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id FROM ({}) AS candidates ORDER BY precedence, id LIMIT 1",
                    branches.join(" UNION ALL ")
                ),
                values,
            ))
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("", "id")?),
            None => None,
        })
    }

    /// For a create, in one query: the user already holding `user_name_key` (deleted over SCIM
    /// or not), and the users waiting for a manager with this userName, externalId or email.
    pub async fn name_holder_and_reports(
        &self,
        user_name_key: &str,
        external_id: Option<&str>,
        primary_email: Option<&str>,
    ) -> Result<(Option<user::Model>, Vec<user::Model>)> {
        let mut refs = vec![user_name_key.to_owned()];
        for other in [external_id, primary_email].into_iter().flatten() {
            let other = other.to_lowercase();
            if !refs.contains(&other) {
                refs.push(other);
            }
        }
        // Two index lookups glued by UNION ALL rather than one `a OR b` with an ORDER BY: with
        // the OR (and the sort), SQLite — and PostgreSQL on a plan made before statistics —
        // walked every user of the directory through the (directory_id, id) index.
        let backend = self.txn().get_database_backend();
        let mut values: Vec<sea_orm::Value> = Vec::new();
        let mut param = |v: String| {
            values.push(v.into());
            match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_owned(),
            }
        };
        let holder_sql = format!(
            "SELECT * FROM users WHERE directory_id = {} AND user_name_key = {}",
            param(self.directory_id().to_owned()),
            param(user_name_key.to_owned())
        );
        let reports_sql = format!(
            "SELECT * FROM users WHERE directory_id = {} AND manager_ref IN ({}) \
             AND manager_id IS NULL AND deleted_at IS NULL AND user_name_key <> {}",
            param(self.directory_id().to_owned()),
            refs.into_iter()
                .map(&mut param)
                .collect::<Vec<_>>()
                .join(", "),
            param(user_name_key.to_owned())
        );
        let mut rows = user::Model::find_by_statement(Statement::from_sql_and_values(
            backend,
            format!("{holder_sql} UNION ALL {reports_sql}"),
            values,
        ))
        .all(self.txn())
        .await?;
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        let mut holder = None;
        let mut reports = Vec::new();
        for row in rows {
            if row.user_name_key == user_name_key {
                holder = Some(row);
            } else {
                reports.push(row);
            }
        }
        Ok((holder, reports))
    }

    /// Users whose manager reference names `manager` (by id, externalId, userName or primary
    /// email) but is not resolved yet: the reports provisioned before their manager.
    pub async fn unresolved_reports(&self, manager: &user::Model) -> Result<Vec<user::Model>> {
        let mut keys = vec![manager.id.to_lowercase(), manager.user_name_key.clone()];
        if let Some(ext) = &manager.external_id {
            keys.push(ext.to_lowercase());
        }
        if let Some(email) = &manager.primary_email {
            keys.push(email.clone());
        }
        // Sorted here, not in SQL: an ORDER BY id made SQLite walk the directory's
        // (directory_id, id) index instead of looking the references up.
        let mut reports = user::Entity::find()
            .filter(visible_users(self.directory_id()))
            .filter(user::Column::ManagerRef.is_in(keys))
            .filter(user::Column::ManagerId.is_null())
            .filter(user::Column::Id.ne(manager.id.clone()))
            .all(self.txn())
            .await?;
        reports.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(reports)
    }

    /// Moves a group's version and timestamp on (its members changed from elsewhere, e.g. a
    /// member was deleted): its ETag must change.
    pub async fn touch_group(&self, group_id: &str) -> Result<()> {
        group::Entity::update_many()
            .col_expr(
                group::Column::Version,
                Expr::col(group::Column::Version).add(1),
            )
            .col_expr(group::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(group::Column::Id.eq(group_id))
            .exec(self.txn())
            .await?;
        Ok(())
    }

    /// Gives a user hidden from the IdP (deleted under `suspend`) a userName key nobody can send,
    /// so that its old userName can be taken by another user.
    pub async fn release_user_name(&self, hidden: &user::Model) -> Result<()> {
        user::Entity::update_many()
            .col_expr(
                user::Column::UserNameKey,
                Expr::value(format!("{}\u{1f}{}", hidden.user_name_key, hidden.id)),
            )
            .filter(user::Column::Id.eq(hidden.id.clone()))
            .exec(self.txn())
            .await?;
        Ok(())
    }

    /// Active users the IdP can see, for seat limits.
    /// Records that the directory's seat limit refused a user; `true` if this is the first
    /// refusal since seats were last available (the caller then emits the event).
    pub async fn mark_seat_limit_reached(&self) -> Result<bool> {
        let backend = self.txn().get_database_backend();
        let update = sea_orm::sea_query::Query::update()
            .table(Alias::new("directories"))
            .value(Alias::new("seat_limit_reached_at"), Utc::now())
            .and_where(Expr::col(Alias::new("id")).eq(self.directory_id()))
            .and_where(Expr::col(Alias::new("seat_limit_reached_at")).is_null())
            .to_owned();
        let done = self.txn().execute(backend.build(&update)).await?;
        Ok(done.rows_affected() == 1)
    }

    /// A user fit within the seat limit: the next refusal is a new crossing.
    pub async fn clear_seat_limit_reached(&self) -> Result<()> {
        let backend = self.txn().get_database_backend();
        let update = sea_orm::sea_query::Query::update()
            .table(Alias::new("directories"))
            .value(
                Alias::new("seat_limit_reached_at"),
                Option::<chrono::DateTime<Utc>>::None,
            )
            .and_where(Expr::col(Alias::new("id")).eq(self.directory_id()))
            .and_where(Expr::col(Alias::new("seat_limit_reached_at")).is_not_null())
            .to_owned();
        self.txn().execute(backend.build(&update)).await?;
        Ok(())
    }

    pub async fn count_active_users(&self) -> Result<u64> {
        Ok(user::Entity::find()
            .filter(visible_users(self.directory_id()))
            .filter(user::Column::State.eq("active"))
            .count(self.txn())
            .await?)
    }
}
