//! Webhook endpoints, deliveries, attempts and replay jobs: the dispatcher's state of record.
//!
//! # How the dispatcher uses these tables
//!
//! 1. **Fan-out** reads the event stream after the durable cursor `dispatch_cursors('fanout')` and,
//!    in one transaction, inserts one `webhook_deliveries` row per matching endpoint and moves the
//!    cursor with a compare-and-set ([`Store::fan_out`]). A crash before the commit leaves both
//!    untouched; after it, both are durable. Several replicas may race: the loser's transaction
//!    changes nothing and it re-reads.
//! 2. **Claims** ([`Store::claim_due_deliveries`]) take due `pending` deliveries and move their
//!    `next_attempt_at` forward by a lease, so a worker that dies mid-attempt simply lets the
//!    delivery become due again (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite has one writer).
//!    Deliveries in an ordered *lane* (same endpoint, same lane, e.g. a directory) are created
//!    `queued`; only the lowest `sequence` of a lane is `pending` (claimable), and the next one is
//!    promoted in the transaction that finishes it (`promote_lanes`).
//! 3. **Completions** ([`Store::complete_deliveries`]) record attempts and outcomes in batches, and
//!    keep the endpoint's failure clock, disabling it (with a `webhook_endpoint.disabled` event)
//!    on 410 Gone or after failing for too long.

use crate::entity::{event, webhook_attempt, webhook_delivery, webhook_endpoint, webhook_replay};
use crate::{EventCursor, Page, PageRequest, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use roster_core::{EventEnvelope, EventId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
    Value,
};

/// The event type emitted (organization-less) when the dispatcher disables an endpoint.
pub const ENDPOINT_DISABLED_EVENT: &str = "webhook_endpoint.disabled";

/// A new id `<prefix>_<uuidv7>`: unique and sortable by creation.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// What a new endpoint is made of (validated by the caller).
#[derive(Clone, Debug)]
pub struct NewEndpoint {
    pub url: String,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub organization_ids: Option<Vec<String>>,
    pub ordering: String,
    pub enabled: bool,
    /// The signing secret, already encrypted.
    pub secret: String,
}

/// A change to an endpoint: `None` leaves a field alone; `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub event_types: Option<Option<Vec<String>>>,
    pub organization_ids: Option<Option<Vec<String>>>,
    pub ordering: Option<String>,
    pub enabled: Option<bool>,
}

/// A delivery the fan-out (or a replay) is about to create.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub directory_id: Option<String>,
    pub sequence: Option<i64>,
    pub lane: Option<String>,
    pub trigger: &'static str,
    pub event_created_at: DateTime<Utc>,
}

/// A claimed delivery, leased to this worker until the lease runs out.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub lane: Option<String>,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// The outcome of one attempt, to record.
#[derive(Clone, Debug)]
pub struct Completion {
    pub delivery_id: String,
    pub endpoint_id: String,
    pub lane: Option<String>,
    /// 1 for the first attempt.
    pub attempt_number: i32,
    pub started_at: DateTime<Utc>,
    pub latency_ms: i32,
    pub status_code: Option<i32>,
    pub succeeded: bool,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    /// When to try again; `None` ends the delivery (success, or retries exhausted).
    pub retry_at: Option<DateTime<Utc>>,
    /// The receiver answered 410 Gone: disable the endpoint now.
    pub gone: bool,
}

/// An endpoint the completion batch disabled.
#[derive(Clone, Debug)]
pub struct DisabledEndpoint {
    pub endpoint_id: String,
    pub reason: &'static str,
}

/// How much work is waiting, for metrics.
#[derive(Clone, Debug, Default)]
pub struct QueueStats {
    pub pending: i64,
    pub oldest_pending_event_at: Option<DateTime<Utc>>,
    /// The position of the newest event: events written since the store began (positions only
    /// grow, and pruning never lowers the newest).
    pub last_event_position: i64,
}

/// Writes `$1, $2, …` placeholders as SQLite's `?1, ?2, …` when needed.
pub(crate) fn sql(backend: DbBackend, text: &str) -> String {
    match backend {
        DbBackend::Postgres => text.to_owned(),
        _ => text.replace('$', "?"),
    }
}

pub(crate) fn stmt(backend: DbBackend, text: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql(backend, text), values)
}

fn json_list(list: Option<Vec<String>>) -> Option<serde_json::Value> {
    list.map(serde_json::Value::from)
}

impl Store {
    pub async fn create_webhook_endpoint(
        &self,
        new: NewEndpoint,
    ) -> Result<webhook_endpoint::Model> {
        let now = Utc::now();
        let model = webhook_endpoint::ActiveModel {
            id: Set(new_id("whep")),
            url: Set(new.url),
            description: Set(new.description),
            event_types: Set(json_list(new.event_types)),
            organization_ids: Set(json_list(new.organization_ids)),
            ordering: Set(new.ordering),
            enabled: Set(new.enabled),
            disabled_reason: Set(None),
            disabled_at: Set(None),
            failing_since: Set(None),
            secret: Set(new.secret),
            previous_secrets: Set(serde_json::json!([])),
            created_at: Set(now),
            updated_at: Set(now),
        };
        Ok(model.insert(self.connection()).await?)
    }

    pub async fn find_webhook_endpoint(&self, id: &str) -> Result<Option<webhook_endpoint::Model>> {
        Ok(webhook_endpoint::Entity::find_by_id(id.to_owned())
            .one(self.connection())
            .await?)
    }

    pub async fn list_webhook_endpoints(
        &self,
        page: &PageRequest,
    ) -> Result<Page<webhook_endpoint::Model>> {
        let mut select = webhook_endpoint::Entity::find()
            .order_by_asc(webhook_endpoint::Column::Id)
            .limit(page.limit + 1);
        if let Some(after) = &page.after {
            select = select.filter(webhook_endpoint::Column::Id.gt(after.clone()));
        }
        let rows = select.all(self.connection()).await?;
        Ok(Page::from_overfetch(rows, page.limit, |r| r.id.clone()))
    }

    /// Every enabled endpoint (the fan-out's routing table).
    pub async fn enabled_webhook_endpoints(&self) -> Result<Vec<webhook_endpoint::Model>> {
        Ok(webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .all(self.connection())
            .await?)
    }

    /// Endpoints by id (enabled or not).
    pub async fn webhook_endpoints_by_ids(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<webhook_endpoint::Model>> {
        Ok(webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(ids))
            .all(self.connection())
            .await?)
    }

    /// Applies a change. Enabling an endpoint clears why it was disabled and its failure clock.
    pub async fn update_webhook_endpoint(
        &self,
        id: &str,
        change: EndpointChange,
    ) -> Result<webhook_endpoint::Model> {
        let current = self
            .find_webhook_endpoint(id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let was_enabled = current.enabled;
        let mut model: webhook_endpoint::ActiveModel = current.into();
        if let Some(url) = change.url {
            model.url = Set(url);
        }
        if let Some(description) = change.description {
            model.description = Set(description);
        }
        if let Some(types) = change.event_types {
            model.event_types = Set(json_list(types));
        }
        if let Some(orgs) = change.organization_ids {
            model.organization_ids = Set(json_list(orgs));
        }
        if let Some(ordering) = change.ordering {
            model.ordering = Set(ordering);
        }
        if let Some(enabled) = change.enabled {
            model.enabled = Set(enabled);
            if enabled && !was_enabled {
                model.disabled_reason = Set(None);
                model.disabled_at = Set(None);
                model.failing_since = Set(None);
            } else if !enabled && was_enabled {
                model.disabled_reason = Set(Some("manual".into()));
                model.disabled_at = Set(Some(Utc::now()));
            }
        }
        model.updated_at = Set(Utc::now());
        Ok(model.update(self.connection()).await?)
    }

    /// Replaces the signing secrets (current and still-valid previous ones, all encrypted).
    pub async fn set_webhook_secrets(
        &self,
        id: &str,
        secret: String,
        previous: serde_json::Value,
    ) -> Result<webhook_endpoint::Model> {
        let current = self
            .find_webhook_endpoint(id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut model: webhook_endpoint::ActiveModel = current.into();
        model.secret = Set(secret);
        model.previous_secrets = Set(previous);
        model.updated_at = Set(Utc::now());
        Ok(model.update(self.connection()).await?)
    }

    /// Deletes an endpoint with its deliveries, attempts and replay jobs.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<()> {
        let txn = self.connection().begin().await?;
        let backend = txn.get_database_backend();
        // Explicit, not only by FK cascade: SQLite enforces cascades only with the pragma on.
        txn.execute(stmt(
            backend,
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)",
            vec![id.into()],
        ))
        .await?;
        for table in ["webhook_deliveries", "webhook_replays"] {
            txn.execute(stmt(
                backend,
                &format!("DELETE FROM {table} WHERE endpoint_id = $1"),
                vec![id.into()],
            ))
            .await?;
        }
        let deleted = webhook_endpoint::Entity::delete_by_id(id.to_owned())
            .exec(&txn)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }

    // ----- fan-out -------------------------------------------------------------------------

    /// The durable cursor `name` (created at the start of the stream on first use).
    pub async fn dispatch_cursor(&self, name: &str) -> Result<EventCursor> {
        let backend = self.backend();
        let select = stmt(
            backend,
            "SELECT tx_id, position FROM dispatch_cursors WHERE name = $1",
            vec![name.into()],
        );
        if let Some(row) = self.connection().query_one(select.clone()).await? {
            return Ok(EventCursor {
                tx_id: row.try_get("", "tx_id")?,
                position: row.try_get("", "position")?,
            });
        }
        self.connection()
            .execute(stmt(
                backend,
                "INSERT INTO dispatch_cursors (name, tx_id, position, updated_at) \
                 VALUES ($1, 0, 0, $2) ON CONFLICT (name) DO NOTHING",
                vec![name.into(), Utc::now().into()],
            ))
            .await?;
        Ok(EventCursor::default())
    }

    /// In one transaction: moves cursor `name` from `expected` to `next` and creates the
    /// deliveries. Returns `false` (and changes nothing) if another worker moved the cursor first.
    pub async fn fan_out(
        &self,
        name: &str,
        expected: EventCursor,
        next: EventCursor,
        deliveries: Vec<NewDelivery>,
    ) -> Result<bool> {
        let txn = self.connection().begin().await?;
        let backend = txn.get_database_backend();
        let moved = txn
            .execute(stmt(
                backend,
                "UPDATE dispatch_cursors SET tx_id = $1, position = $2, updated_at = $3 \
                 WHERE name = $4 AND tx_id = $5 AND position = $6",
                vec![
                    next.tx_id.into(),
                    next.position.into(),
                    Utc::now().into(),
                    name.into(),
                    expected.tx_id.into(),
                    expected.position.into(),
                ],
            ))
            .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        insert_deliveries(&txn, deliveries).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// A delivery outside the fan-out (resend): created at once, due now.
    pub async fn create_delivery(&self, delivery: NewDelivery) -> Result<webhook_delivery::Model> {
        let model = delivery_model(delivery, Utc::now());
        Ok(model.insert(self.connection()).await?)
    }

    // ----- claims and completions ----------------------------------------------------------

    /// Claims up to `limit` due deliveries of enabled endpoints, leasing them until `lease_until`.
    pub async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let backend = self.backend();
        let lock = match backend {
            DbBackend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
            _ => "",
        };
        let text = format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id IN ( \
               SELECT d.id FROM webhook_deliveries d \
               JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               WHERE d.status = 'pending' AND d.next_attempt_at <= $2 AND e.enabled = TRUE \
                 AND (d.lane IS NULL OR NOT EXISTS ( \
                   SELECT 1 FROM webhook_deliveries p \
                   WHERE p.status = 'pending' AND p.endpoint_id = d.endpoint_id \
                     AND p.lane = d.lane AND p.sequence < d.sequence)) \
               ORDER BY d.next_attempt_at LIMIT $3 {lock}) \
             RETURNING id, endpoint_id, event_id, lane, attempts"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .connection()
            .query_all(stmt(
                backend,
                &text,
                vec![lease_until.into(), now.into(), limit.into()],
            ))
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(ClaimedDelivery {
                    id: row.try_get("", "id")?,
                    endpoint_id: row.try_get("", "endpoint_id")?,
                    event_id: row.try_get("", "event_id")?,
                    lane: row.try_get("", "lane")?,
                    attempts: row.try_get("", "attempts")?,
                })
            })
            .collect()
    }

    /// Events by id, in any order.
    pub async fn events_by_ids(&self, ids: Vec<String>) -> Result<Vec<EventEnvelope>> {
        Ok(event::Entity::find()
            .filter(event::Column::Id.is_in(ids))
            .all(self.connection())
            .await?
            .into_iter()
            .map(crate::events::envelope)
            .collect())
    }

    /// Records a batch of attempt outcomes in one transaction. Endpoints answering 410 Gone, or
    /// failing without a success for `disable_after`, are disabled and a
    /// `webhook_endpoint.disabled` event is written; they are returned.
    pub async fn complete_deliveries(
        &self,
        completions: Vec<Completion>,
        disable_after: chrono::Duration,
    ) -> Result<Vec<DisabledEndpoint>> {
        if completions.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let txn = self.connection().begin().await?;
        let backend = txn.get_database_backend();
        // Text from receivers may hold NUL, which PostgreSQL refuses in text columns.
        let completions: Vec<Completion> = completions
            .into_iter()
            .map(|mut c| {
                c.error = c.error.map(|e| e.replace('\0', "\u{FFFD}"));
                c.response_excerpt = c.response_excerpt.map(|e| e.replace('\0', "\u{FFFD}"));
                c
            })
            .collect();
        // Deliveries deleted meanwhile (their endpoint was deleted while attempts were in
        // flight) have nothing left to record.
        let mut existing = std::collections::HashSet::new();
        for chunk in completions.chunks(500) {
            let ids: Vec<String> = webhook_delivery::Entity::find()
                .select_only()
                .column(webhook_delivery::Column::Id)
                .filter(
                    webhook_delivery::Column::Id.is_in(chunk.iter().map(|c| c.delivery_id.clone())),
                )
                .into_tuple()
                .all(&txn)
                .await?;
            existing.extend(ids);
        }
        let completions: Vec<Completion> = completions
            .into_iter()
            .filter(|c| existing.contains(&c.delivery_id))
            .collect();
        if completions.is_empty() {
            txn.commit().await?;
            return Ok(Vec::new());
        }
        let attempts: Vec<webhook_attempt::ActiveModel> = completions
            .iter()
            .map(|c| webhook_attempt::ActiveModel {
                id: Set(new_id("att")),
                delivery_id: Set(c.delivery_id.clone()),
                endpoint_id: Set(c.endpoint_id.clone()),
                number: Set(c.attempt_number),
                started_at: Set(c.started_at),
                latency_ms: Set(c.latency_ms),
                status_code: Set(c.status_code),
                outcome: Set(if c.succeeded { "succeeded" } else { "failed" }.into()),
                error: Set(c.error.clone()),
                response_excerpt: Set(c.response_excerpt.clone()),
            })
            .collect();
        for chunk in attempts.chunks(500) {
            webhook_attempt::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        let mut finished_lanes = std::collections::BTreeSet::new();
        let mut succeeded_endpoints = std::collections::BTreeSet::new();
        let mut failed_endpoints = std::collections::BTreeSet::new();
        let mut gone_endpoints = std::collections::BTreeSet::new();
        let outcome = |c: &Completion| match (c.succeeded, c.retry_at) {
            (true, _) => ("succeeded", now, Some(now)),
            (false, Some(at)) => ("pending", at, None),
            (false, None) => ("failed", now, Some(now)),
        };
        let row = |c: &Completion| {
            let (status, next, completed_at) = outcome(c);
            vec![
                status.into(),
                next.into(),
                c.attempt_number.into(),
                c.started_at.into(),
                c.status_code.into(),
                c.error.clone().into(),
                completed_at.into(),
                c.delivery_id.clone().into(),
            ]
        };
        let mut applied = std::collections::HashSet::new();
        if backend == DbBackend::Postgres {
            // One statement per 500 outcomes: round trips, not rows, cost on PostgreSQL.
            for chunk in completions.chunks(500) {
                let mut values = Vec::with_capacity(chunk.len() * 8);
                let mut tuples = Vec::with_capacity(chunk.len());
                for (i, c) in chunk.iter().enumerate() {
                    let n = i * 8;
                    tuples.push(format!(
                        "(${}::text, ${}::timestamptz, ${}::int, ${}::timestamptz, ${}::int, \
                         ${}::text, ${}::timestamptz, ${}::text)",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5,
                        n + 6,
                        n + 7,
                        n + 8
                    ));
                    values.extend(row(c));
                }
                let updated = txn
                    .query_all(Statement::from_sql_and_values(
                        backend,
                        format!(
                            "UPDATE webhook_deliveries AS d SET status = v.status, \
                             next_attempt_at = v.next_attempt_at, attempts = v.attempts, \
                             last_attempt_at = v.last_attempt_at, \
                             last_status_code = v.last_status_code, last_error = v.last_error, \
                             completed_at = v.completed_at \
                             FROM (VALUES {}) AS v(status, next_attempt_at, attempts, \
                               last_attempt_at, last_status_code, last_error, completed_at, id) \
                             WHERE d.id = v.id AND d.status = 'pending' \
                               AND d.attempts = v.attempts - 1 \
                             RETURNING d.id",
                            tuples.join(", ")
                        ),
                        values,
                    ))
                    .await?;
                for r in updated {
                    applied.insert(r.try_get::<String>("", "id")?);
                }
            }
        } else {
            for c in &completions {
                let result = txn
                    .execute(stmt(
                        backend,
                        "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, \
                         attempts = $3, last_attempt_at = $4, last_status_code = $5, \
                         last_error = $6, completed_at = $7 \
                         WHERE id = $8 AND status = 'pending' AND attempts = $3 - 1",
                        row(c),
                    ))
                    .await?;
                if result.rows_affected() == 1 {
                    applied.insert(c.delivery_id.clone());
                }
            }
        }
        // An outcome applies once: if a lease ran out and the delivery was claimed again, the
        // attempt that records first moves the state on; the other is logged only. A stale
        // outcome can therefore never reopen a finished delivery or its lane.
        let completions: Vec<&Completion> = completions
            .iter()
            .filter(|c| applied.contains(&c.delivery_id))
            .collect();
        for c in completions.iter().copied() {
            let (status, _, _) = outcome(c);
            if let Some(lane) = &c.lane {
                if status != "pending" {
                    finished_lanes.insert((c.endpoint_id.clone(), lane.clone()));
                }
            }
            if c.succeeded {
                succeeded_endpoints.insert(c.endpoint_id.clone());
            } else if c.gone {
                gone_endpoints.insert(c.endpoint_id.clone());
            } else {
                failed_endpoints.insert(c.endpoint_id.clone());
            }
        }
        // The next delivery of each lane whose head finished may go now.
        promote_lanes(&txn, &finished_lanes, now).await?;
        for endpoint_id in &succeeded_endpoints {
            txn.execute(stmt(
                backend,
                "UPDATE webhook_endpoints SET failing_since = NULL \
                 WHERE id = $1 AND failing_since IS NOT NULL",
                vec![endpoint_id.clone().into()],
            ))
            .await?;
        }
        let mut disabled = Vec::new();
        for endpoint_id in &gone_endpoints {
            if disable_endpoint(&txn, endpoint_id, "gone", now, None).await? {
                disabled.push(DisabledEndpoint {
                    endpoint_id: endpoint_id.clone(),
                    reason: "gone",
                });
            }
        }
        for endpoint_id in failed_endpoints.difference(&succeeded_endpoints) {
            txn.execute(stmt(
                backend,
                "UPDATE webhook_endpoints SET failing_since = $1 \
                 WHERE id = $2 AND failing_since IS NULL",
                vec![now.into(), endpoint_id.clone().into()],
            ))
            .await?;
            if disable_endpoint(&txn, endpoint_id, "failing", now, Some(now - disable_after))
                .await?
            {
                disabled.push(DisabledEndpoint {
                    endpoint_id: endpoint_id.clone(),
                    reason: "failing",
                });
            }
        }
        txn.commit().await?;
        if !disabled.is_empty() {
            self.notify_commit();
        }
        Ok(disabled)
    }

    /// Pending deliveries and the age of the oldest event still owed to someone.
    pub async fn webhook_queue_stats(&self) -> Result<QueueStats> {
        let backend = self.backend();
        let row = self
            .connection()
            .query_one(stmt(
                backend,
                "SELECT COUNT(*) AS pending, MIN(event_created_at) AS oldest, \
                 (SELECT COALESCE(MAX(position), 0) FROM events) AS last_position \
                 FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                 WHERE d.status IN ('pending', 'queued') AND e.enabled = TRUE",
                vec![],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(QueueStats::default());
        };
        Ok(QueueStats {
            pending: row.try_get("", "pending")?,
            oldest_pending_event_at: row.try_get("", "oldest")?,
            last_event_position: row.try_get("", "last_position")?,
        })
    }

    // ----- reading deliveries and attempts ---------------------------------------------------

    pub async fn list_webhook_deliveries(
        &self,
        endpoint_id: &str,
        status: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<webhook_delivery::Model>> {
        let mut select = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(page.limit + 1);
        if let Some(after) = &page.after {
            select = select.filter(webhook_delivery::Column::Id.gt(after.clone()));
        }
        if let Some(status) = status {
            select = select.filter(webhook_delivery::Column::Status.eq(status));
        }
        let rows = select.all(self.connection()).await?;
        Ok(Page::from_overfetch(rows, page.limit, |r| r.id.clone()))
    }

    pub async fn find_webhook_delivery(&self, id: &str) -> Result<Option<webhook_delivery::Model>> {
        Ok(webhook_delivery::Entity::find_by_id(id.to_owned())
            .one(self.connection())
            .await?)
    }

    pub async fn list_webhook_attempts(
        &self,
        delivery_id: &str,
        page: &PageRequest,
    ) -> Result<Page<webhook_attempt::Model>> {
        let mut select = webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.eq(delivery_id))
            .order_by_asc(webhook_attempt::Column::Id)
            .limit(page.limit + 1);
        if let Some(after) = &page.after {
            select = select.filter(webhook_attempt::Column::Id.gt(after.clone()));
        }
        let rows = select.all(self.connection()).await?;
        Ok(Page::from_overfetch(rows, page.limit, |r| r.id.clone()))
    }

    // ----- replay jobs ---------------------------------------------------------------------

    pub async fn create_webhook_replay(
        &self,
        endpoint_id: &str,
        directory_id: Option<String>,
        after_sequence: Option<i64>,
        since: Option<DateTime<Utc>>,
    ) -> Result<webhook_replay::Model> {
        let now = Utc::now();
        let model = webhook_replay::ActiveModel {
            id: Set(new_id("replay")),
            endpoint_id: Set(endpoint_id.to_owned()),
            directory_id: Set(directory_id),
            after_sequence: Set(after_sequence),
            since: Set(since),
            until: Set(now),
            cursor_tx_id: Set(0),
            cursor_position: Set(0),
            status: Set("running".into()),
            enqueued: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let created = model.insert(self.connection()).await?;
        self.notify_commit();
        Ok(created)
    }

    pub async fn running_webhook_replays(&self) -> Result<Vec<webhook_replay::Model>> {
        Ok(webhook_replay::Entity::find()
            .filter(webhook_replay::Column::Status.eq("running"))
            .order_by_asc(webhook_replay::Column::Id)
            .all(self.connection())
            .await?)
    }

    /// In one transaction: moves a replay job's cursor (compare-and-set), creates its
    /// deliveries and, when `done`, finishes it. Returns `false` if another worker got there first.
    pub async fn advance_webhook_replay(
        &self,
        job_id: &str,
        expected: EventCursor,
        next: EventCursor,
        deliveries: Vec<NewDelivery>,
        done: bool,
    ) -> Result<bool> {
        let txn = self.connection().begin().await?;
        let backend = txn.get_database_backend();
        let count = i64::try_from(deliveries.len()).unwrap_or(i64::MAX);
        let moved = txn
            .execute(stmt(
                backend,
                "UPDATE webhook_replays SET cursor_tx_id = $1, cursor_position = $2, \
                 status = $3, enqueued = enqueued + $4, updated_at = $5 \
                 WHERE id = $6 AND status = 'running' AND cursor_tx_id = $7 \
                   AND cursor_position = $8",
                vec![
                    next.tx_id.into(),
                    next.position.into(),
                    if done { "done" } else { "running" }.into(),
                    count.into(),
                    Utc::now().into(),
                    job_id.into(),
                    expected.tx_id.into(),
                    expected.position.into(),
                ],
            ))
            .await?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        insert_deliveries(&txn, deliveries).await?;
        txn.commit().await?;
        Ok(true)
    }
}

fn delivery_model(d: NewDelivery, now: DateTime<Utc>) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(new_id("dlv")),
        endpoint_id: Set(d.endpoint_id),
        event_id: Set(d.event_id),
        event_type: Set(d.event_type),
        directory_id: Set(d.directory_id),
        sequence: Set(d.sequence),
        lane: Set(d.lane),
        trigger: Set(d.trigger.to_owned()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_attempt_at: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        event_created_at: Set(d.event_created_at),
        created_at: Set(now),
        completed_at: Set(None),
    }
}

async fn insert_deliveries(txn: &DatabaseTransaction, deliveries: Vec<NewDelivery>) -> Result<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let lanes: std::collections::BTreeSet<(String, String)> = deliveries
        .iter()
        .filter_map(|d| d.lane.clone().map(|l| (d.endpoint_id.clone(), l)))
        .collect();
    let models: Vec<_> = deliveries
        .into_iter()
        .map(|d| {
            let queued = d.lane.is_some();
            let mut model = delivery_model(d, now);
            if queued {
                // Behind its lane until promoted (below, or when the lane's head finishes).
                model.status = Set("queued".into());
            }
            model
        })
        .collect();
    // Bound the bind parameters per statement (17 columns; PostgreSQL allows 65,535).
    for chunk in models.chunks(1000) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    promote_lanes(txn, &lanes, now).await
}

/// For each (endpoint, lane) with no pending delivery, makes the queued delivery with the lowest
/// `sequence` pending (due now).
///
/// On PostgreSQL a transaction-scoped advisory lock per lane, taken in sorted order before the
/// check, serializes the fan-out (which queues) and the completer (which finishes heads): each
/// sees the other's committed rows, so a lane can never be left with queued deliveries and no
/// pending one. SQLite runs one write transaction at a time.
async fn promote_lanes(
    txn: &DatabaseTransaction,
    lanes: &std::collections::BTreeSet<(String, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let backend = txn.get_database_backend();
    for (endpoint_id, lane) in lanes {
        if backend == DbBackend::Postgres {
            txn.execute(stmt(
                backend,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 1))",
                vec![format!("webhook-lane:{endpoint_id}:{lane}").into()],
            ))
            .await?;
        }
        txn.execute(stmt(
            backend,
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1 \
             WHERE id = (SELECT q.id FROM webhook_deliveries q \
                         WHERE q.status = 'queued' AND q.endpoint_id = $2 AND q.lane = $3 \
                         ORDER BY q.sequence LIMIT 1) \
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
                               WHERE p.status = 'pending' AND p.endpoint_id = $2 AND p.lane = $3)",
            vec![now.into(), endpoint_id.clone().into(), lane.clone().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Disables an enabled endpoint (when `failing_before` is set, only if it has been failing since
/// before then) and writes the `webhook_endpoint.disabled` event in the same transaction.
async fn disable_endpoint(
    txn: &DatabaseTransaction,
    endpoint_id: &str,
    reason: &'static str,
    now: DateTime<Utc>,
    failing_before: Option<DateTime<Utc>>,
) -> Result<bool> {
    let backend = txn.get_database_backend();
    let changed = match failing_before {
        None => {
            txn.execute(stmt(
                backend,
                "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1, \
                 disabled_at = $2, updated_at = $2 WHERE id = $3 AND enabled = TRUE",
                vec![reason.into(), now.into(), endpoint_id.into()],
            ))
            .await?
        }
        Some(before) => {
            txn.execute(stmt(
                backend,
                "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1, \
                 disabled_at = $2, updated_at = $2 \
                 WHERE id = $3 AND enabled = TRUE AND failing_since <= $4",
                vec![reason.into(), now.into(), endpoint_id.into(), before.into()],
            ))
            .await?
        }
    };
    if changed.rows_affected() != 1 {
        return Ok(false);
    }
    let endpoint = webhook_endpoint::Entity::find_by_id(endpoint_id.to_owned())
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let data = serde_json::json!({
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "reason": reason,
        "failing_since": endpoint.failing_since,
        "disabled_at": now,
    });
    append_vendor_event(txn, ENDPOINT_DISABLED_EVENT, data, now).await?;
    tracing::warn!(endpoint_id, reason, "webhook endpoint disabled");
    Ok(true)
}

/// Appends an event that belongs to no organization or directory (`organization_id` is the empty
/// string, `directory_id` and `sequence` are null) to the stream, inside `txn`.
pub async fn append_vendor_event(
    txn: &DatabaseTransaction,
    event_type: &str,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<String> {
    let backend = txn.get_database_backend();
    let id = EventId::generate().into_string();
    let tx_id = match backend {
        DbBackend::Postgres => "pg_current_xact_id()::text::bigint",
        _ => "0",
    };
    let data = match backend {
        DbBackend::Postgres => Value::Json(Some(Box::new(data))),
        _ => Value::String(Some(Box::new(data.to_string()))),
    };
    txn.execute(stmt(
        backend,
        &format!(
            "INSERT INTO events (id, event_type, organization_id, directory_id, sequence, tx_id, \
             data, previous_attributes, created_at) \
             VALUES ($1, $2, '', NULL, NULL, {tx_id}, $3, NULL, $4)"
        ),
        vec![id.clone().into(), event_type.into(), data, now.into()],
    ))
    .await?;
    Ok(id)
}
