//! The event store: append-only, written in the same transaction as the state it describes.
//!
//! # Guarantees
//!
//! 1. **Outbox**: a [`DirectoryWrite`] is one database transaction; state changes and the events
//!    appended to it commit together or not at all.
//! 2. **Gapless per-directory sequence**: appending bumps `directories.event_sequence` inside the
//!    transaction, which row-locks the directory until commit. Two writers of one directory
//!    therefore commit one after the other and their sequences follow commit order; a rollback
//!    rolls the counter back too, so no number is ever skipped.
//! 3. **A cursor that never skips or repeats** ([`Store::list_events`]). Events are read in
//!    `(tx_id, position)` order. On SQLite there is one writer at a time, so `position` (the
//!    autoincrement key) already is commit order and `tx_id` is 0. On PostgreSQL `position` is
//!    assigned at insert, not at commit, so a reader could see position 7 before 6 commits and
//!    skip 6 forever (the WorkOS Events API bug). Instead each event records its transaction's
//!    64-bit id (`pg_current_xact_id()`), and a reader only returns events whose transaction id is
//!    below the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`):
//!    every such transaction has finished, and every transaction that writes later gets a larger
//!    id, so nothing can ever appear behind a cursor that has been handed out. To make the
//!    per-directory order agree with this order, a directory write takes a transaction-scoped
//!    advisory lock on the directory *before* its first write (which is when PostgreSQL assigns
//!    the transaction id): writers of one directory get increasing transaction ids in commit order.

use crate::entity::event;
use crate::{Result, Store, StoreError};
use chrono::Utc;
use roster_core::{EventEnvelope, EventId, NewEvent};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A position in the event stream: everything up to and including it has been read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventCursor {
    pub tx_id: i64,
    pub position: i64,
}

impl fmt::Display for EventCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.tx_id, self.position)
    }
}

impl FromStr for EventCursor {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let invalid = || {
            format!("'{s}' is not a cursor from this API (use a next_cursor value or an event id)")
        };
        let (tx, pos) = s.split_once('-').ok_or_else(invalid)?;
        Ok(EventCursor {
            tx_id: tx.parse().map_err(|_| invalid())?,
            position: pos.parse().map_err(|_| invalid())?,
        })
    }
}

/// A request for a page of the event stream.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    pub after: EventCursor,
    pub limit: u64,
    pub types: Vec<String>,
    pub organization_id: Option<String>,
    pub directory_id: Option<String>,
    /// How long a read may wait for transactions in flight at its start (PostgreSQL only).
    pub wait_for_recent: Duration,
}

/// Events in stream order and where to continue; at the end, `next_cursor` is where to poll next.
#[derive(Clone, Debug)]
pub struct EventPage {
    pub events: Vec<EventEnvelope>,
    pub next_cursor: EventCursor,
}

/// Events per INSERT: keeps every statement far below SQLite's and PostgreSQL's bound-parameter
/// limits however many events one write emits.
pub(crate) const APPEND_CHUNK: usize = 1000;

/// One transaction that changes a directory's state and appends its events (the outbox).
///
/// Dropping it without [`DirectoryWrite::commit`] rolls everything back.
pub struct DirectoryWrite {
    txn: DatabaseTransaction,
    directory_id: String,
    organization_id: String,
    appended: Vec<EventEnvelope>,
    store: Store,
    /// The directory's settings column as read under the lock, when the write began with it.
    locked_settings: Option<serde_json::Value>,
}

impl Store {
    /// Starts a write to one directory. Fails with [`StoreError::NotFound`] if it doesn't exist.
    pub async fn begin_directory_write(&self, directory_id: &str) -> Result<DirectoryWrite> {
        let txn = self.connection().begin().await?;
        let backend = txn.get_database_backend();
        if backend == DbBackend::Postgres {
            // Must precede any write: see the module docs (transaction ids in commit order).
            txn.execute(Statement::from_sql_and_values(
                backend,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [directory_id.into()],
            ))
            .await?;
        }
        let row = txn
            .query_one(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => "SELECT organization_id FROM directories WHERE id = $1",
                    _ => "SELECT organization_id FROM directories WHERE id = ?",
                },
                [directory_id.into()],
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        let organization_id: String = row.try_get("", "organization_id")?;
        Ok(DirectoryWrite {
            txn,
            directory_id: directory_id.to_owned(),
            organization_id,
            appended: Vec::new(),
            store: self.clone(),
            locked_settings: None,
        })
    }

    /// Starts a write to a directory whose organization the caller already knows (the SCIM
    /// ingress authenticated the request against it): one round trip less than
    /// [`Store::begin_directory_write`]. If the directory has been deleted meanwhile, the write
    /// fails when it appends its events ([`StoreError::NotFound`]) or earlier on a foreign key.
    ///
    /// It also reads the directory's settings once the lock is held (same round trip on
    /// PostgreSQL, see migration `m20261123_000013`): [`DirectoryWrite::locked_settings`].
    pub async fn begin_directory_write_in(
        &self,
        directory_id: &str,
        organization_id: &str,
    ) -> Result<DirectoryWrite> {
        let txn = self.connection().begin().await?;
        let backend = txn.get_database_backend();
        // On PostgreSQL the lock must precede any write: see the module docs (transaction ids in
        // commit order).
        let sql = match backend {
            DbBackend::Postgres => "SELECT roster_lock_directory($1) AS settings",
            _ => "SELECT settings FROM directories WHERE id = ?",
        };
        let settings = txn
            .query_one(Statement::from_sql_and_values(
                backend,
                sql,
                [directory_id.into()],
            ))
            .await?
            .and_then(|row| {
                row.try_get::<Option<serde_json::Value>>("", "settings")
                    .ok()
            })
            .flatten();
        Ok(DirectoryWrite {
            txn,
            directory_id: directory_id.to_owned(),
            organization_id: organization_id.to_owned(),
            appended: Vec::new(),
            store: self.clone(),
            locked_settings: settings,
        })
    }

    /// Reads the stream after `query.after`, oldest first (see the module docs for why this
    /// never skips an event that commits late).
    ///
    /// On PostgreSQL the read also waits — up to `query.wait_for_recent` — until every
    /// transaction that was running when the call began has finished, so that events committed
    /// before the call (say, the event whose webhook prompted it) are included: read-your-writes.
    /// Past that wait it returns what is safe to return; nothing is ever skipped either way.
    pub async fn list_events(&self, query: &EventQuery) -> Result<EventPage> {
        let horizon = match self.backend() {
            DbBackend::Postgres => Some(self.settled_horizon(query.wait_for_recent).await?),
            _ => None,
        };
        let after = query.after;
        // "After the cursor" as an index range: a row-value comparison on PostgreSQL; on SQLite
        // every `tx_id` is 0 and `position` alone is the order (an `OR` of the two made SQLite
        // walk the index from the first event on every read).
        let after_cursor = match self.backend() {
            DbBackend::Postgres => Condition::all().add(
                Expr::tuple([
                    Expr::col(event::Column::TxId).into(),
                    Expr::col(event::Column::Position).into(),
                ])
                .gt(Expr::tuple([
                    Expr::value(after.tx_id),
                    Expr::value(after.position),
                ])),
            ),
            _ => Condition::all()
                .add(event::Column::TxId.eq(after.tx_id))
                .add(event::Column::Position.gt(after.position)),
        };
        let mut select = event::Entity::find()
            .filter(after_cursor)
            .order_by_asc(event::Column::TxId)
            .order_by_asc(event::Column::Position)
            .limit(query.limit);
        if let Some(horizon) = horizon {
            select = select.filter(event::Column::TxId.lt(horizon));
        }
        if !query.types.is_empty() {
            select = select.filter(event::Column::EventType.is_in(query.types.clone()));
        }
        if let Some(org) = &query.organization_id {
            select = select.filter(event::Column::OrganizationId.eq(org.clone()));
        }
        if let Some(dir) = &query.directory_id {
            select = select.filter(event::Column::DirectoryId.eq(dir.clone()));
        }
        let rows = select.all(self.connection()).await?;
        let next_cursor = rows
            .last()
            .map(|r| EventCursor {
                tx_id: r.tx_id,
                position: r.position,
            })
            .unwrap_or(after);
        Ok(EventPage {
            events: rows.into_iter().map(envelope).collect(),
            next_cursor,
        })
    }

    /// The PostgreSQL visibility horizon: every transaction with a smaller id has finished.
    /// Waits (bounded) until it passes every transaction that was running at the start.
    async fn settled_horizon(&self, wait: Duration) -> Result<i64> {
        let backend = self.backend();
        let scalar = |sql: &'static str| async move {
            let row = self
                .connection()
                .query_one(Statement::from_string(backend, sql))
                .await?
                .ok_or_else(|| StoreError::Corrupt("snapshot query returned no row".into()))?;
            Ok::<i64, StoreError>(row.try_get("", "x")?)
        };
        let target =
            scalar("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x").await?;
        let deadline = tokio::time::Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            let horizon =
                scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x").await?;
            if horizon >= target || tokio::time::Instant::now() + pause > deadline {
                return Ok(horizon);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    /// The cursor just after an event, so `after=<event id>` works like `after=<cursor>`.
    pub async fn event_cursor(&self, event_id: &str) -> Result<Option<EventCursor>> {
        Ok(event::Entity::find()
            .filter(event::Column::Id.eq(event_id))
            .one(self.connection())
            .await?
            .map(|r| EventCursor {
                tx_id: r.tx_id,
                position: r.position,
            }))
    }

    /// One event by id.
    pub async fn find_event(&self, event_id: &str) -> Result<Option<EventEnvelope>> {
        Ok(event::Entity::find()
            .filter(event::Column::Id.eq(event_id))
            .one(self.connection())
            .await?
            .map(envelope))
    }
}

impl DirectoryWrite {
    /// The transaction, for the state changes that go with the events.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The directory's settings as they were once this write held the directory's lock (writes
    /// begun with [`Store::begin_directory_write_in`]; `None` otherwise or if it is gone).
    pub fn locked_settings(&self) -> Option<&serde_json::Value> {
        self.locked_settings.as_ref()
    }

    pub fn directory_id(&self) -> &str {
        &self.directory_id
    }

    pub fn organization_id(&self) -> &str {
        &self.organization_id
    }

    /// Appends events, numbering them after the directory's last event.
    ///
    /// Events go in chunks (a group deletion can emit 50,000 `group.user_removed`), each chunk
    /// bumping the directory's counter and inserting its rows; on PostgreSQL both happen in one
    /// statement, so the common single-event write costs one round trip.
    pub async fn append(&mut self, events: Vec<NewEvent>) -> Result<Vec<EventEnvelope>> {
        let mut envelopes = Vec::with_capacity(events.len());
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<NewEvent> = events.by_ref().take(APPEND_CHUNK).collect();
            let appended = match self.txn.get_database_backend() {
                DbBackend::Postgres => {
                    self.append_chunk_postgres(String::new(), Vec::new(), chunk)
                        .await?
                }
                _ => self.append_chunk(chunk).await?,
            };
            envelopes.extend(appended);
        }
        self.appended.extend(envelopes.iter().cloned());
        Ok(envelopes)
    }

    /// PostgreSQL: appends up to [`APPEND_CHUNK`] events in the statement that also runs `ctes`
    /// (see [`DirectoryWrite::append_chunk_postgres`]).
    pub(crate) async fn append_with_ctes(
        &mut self,
        ctes: String,
        values: Vec<sea_orm::Value>,
        events: Vec<NewEvent>,
    ) -> Result<Vec<EventEnvelope>> {
        debug_assert!(!events.is_empty() && events.len() <= APPEND_CHUNK);
        let envelopes = self.append_chunk_postgres(ctes, values, events).await?;
        self.appended.extend(envelopes.iter().cloned());
        Ok(envelopes)
    }

    fn envelopes(&self, events: Vec<NewEvent>, first_sequence: i64) -> Vec<EventEnvelope> {
        let now = Utc::now();
        (0..)
            .zip(events)
            .map(|(offset, new_event)| EventEnvelope {
                id: EventId::generate().into_string(),
                event_type: new_event.event_type.as_str().to_owned(),
                created_at: now,
                organization_id: self.organization_id.clone(),
                directory_id: Some(self.directory_id.clone()),
                sequence: Some(first_sequence + offset),
                data: new_event.data,
                previous_attributes: new_event.previous_attributes,
            })
            .collect()
    }

    /// SQLite: bump the counter, then insert (both in-process, no round trips to save).
    async fn append_chunk(&mut self, events: Vec<NewEvent>) -> Result<Vec<EventEnvelope>> {
        let count = i64::try_from(events.len())
            .map_err(|_| StoreError::Corrupt("too many events".into()))?;
        let backend = self.txn.get_database_backend();
        let row = self
            .txn
            .query_one(Statement::from_sql_and_values(
                backend,
                "UPDATE directories SET event_sequence = event_sequence + ? WHERE id = ? \
                 RETURNING event_sequence",
                [count.into(), self.directory_id.clone().into()],
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        let last_sequence: i64 = row.try_get("", "event_sequence")?;
        let envelopes = self.envelopes(events, last_sequence - count + 1);
        let models = envelopes.iter().map(|e| event::ActiveModel {
            id: Set(e.id.clone()),
            event_type: Set(e.event_type.clone()),
            organization_id: Set(e.organization_id.clone()),
            directory_id: Set(e.directory_id.clone()),
            sequence: Set(e.sequence),
            tx_id: Set(0),
            data: Set(e.data.clone()),
            previous_attributes: Set(e.previous_attributes.clone()),
            created_at: Set(e.created_at),
            ..Default::default()
        });
        event::Entity::insert_many(models).exec(&self.txn).await?;
        Ok(envelopes)
    }

    /// PostgreSQL: the counter bump and the inserts in one statement. Sequences are computed
    /// from the bumped counter in SQL, in the order of the VALUES list; the transaction id is the
    /// one this write's first statement assigned.
    ///
    /// `ctes` (`name AS (…), ` fragments whose placeholders are `$1..$n`, bound to `values`) are
    /// state changes that ride in the same statement: a create then costs one round trip for the
    /// row and its event. They run whether or not the rest refers to them (PostgreSQL executes
    /// every data-modifying `WITH` exactly once), and a failure in any of them fails all.
    pub(crate) async fn append_chunk_postgres(
        &mut self,
        ctes: String,
        mut values: Vec<sea_orm::Value>,
        events: Vec<NewEvent>,
    ) -> Result<Vec<EventEnvelope>> {
        use sea_orm::Value;
        let count = i64::try_from(events.len())
            .map_err(|_| StoreError::Corrupt("too many events".into()))?;
        // Placeholder sequences: the real ones come back from the statement.
        let mut envelopes = self.envelopes(events, 0);
        let now = envelopes
            .first()
            .map(|e| e.created_at)
            .unwrap_or_else(Utc::now);
        let base = values.len();
        let [count_p, directory_p, organization_p, now_p] =
            [base + 1, base + 2, base + 3, base + 4];
        values.extend([
            count.into(),
            self.directory_id.clone().into(),
            self.organization_id.clone().into(),
            now.into(),
        ]);
        let mut rows = Vec::with_capacity(envelopes.len());
        for (ord, e) in (1i64..).zip(&envelopes) {
            let p = values.len();
            rows.push(format!(
                "(${}, ${}, ${}::jsonb, ${}::jsonb, {ord})",
                p + 1,
                p + 2,
                p + 3,
                p + 4
            ));
            values.push(e.id.clone().into());
            values.push(e.event_type.clone().into());
            values.push(Value::Json(Some(Box::new(e.data.clone()))));
            values.push(Value::Json(e.previous_attributes.clone().map(Box::new)));
        }
        let sql = format!(
            "WITH {ctes}bumped AS (\
                 UPDATE directories SET event_sequence = event_sequence + ${count_p} \
                 WHERE id = ${directory_p} \
                 RETURNING event_sequence, pg_current_xact_id()::text::bigint AS tx_id) \
             INSERT INTO events (id, event_type, organization_id, directory_id, sequence, tx_id, \
                                 data, previous_attributes, created_at) \
             SELECT v.id, v.event_type, ${organization_p}, ${directory_p}, \
                    bumped.event_sequence - ${count_p} + v.ord, bumped.tx_id, \
                    v.data, v.previous_attributes, ${now_p} \
             FROM bumped CROSS JOIN (VALUES {}) AS v(id, event_type, data, previous_attributes, ord) \
             RETURNING id, sequence",
            rows.join(", ")
        );
        let returned = self
            .txn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?;
        if returned.len() != envelopes.len() {
            // The directory row is gone (deleted concurrently): nothing was inserted.
            return Err(StoreError::NotFound);
        }
        let mut sequences = std::collections::HashMap::with_capacity(returned.len());
        for row in returned {
            let id: String = row.try_get("", "id")?;
            let sequence: i64 = row.try_get("", "sequence")?;
            sequences.insert(id, sequence);
        }
        for e in &mut envelopes {
            e.sequence = sequences.get(&e.id).copied();
        }
        Ok(envelopes)
    }

    pub async fn commit(self) -> Result<Vec<EventEnvelope>> {
        self.txn.commit().await?;
        if !self.appended.is_empty() {
            self.store.notify_commit();
        }
        Ok(self.appended)
    }
}

pub(crate) fn envelope(row: event::Model) -> EventEnvelope {
    EventEnvelope {
        id: row.id,
        event_type: row.event_type,
        created_at: row.created_at,
        organization_id: row.organization_id,
        directory_id: row.directory_id,
        sequence: row.sequence,
        data: row.data,
        previous_attributes: row.previous_attributes,
    }
}
