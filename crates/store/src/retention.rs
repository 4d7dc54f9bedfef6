//! Retention: deleting events, their finished deliveries and attempts, and activity-log rows
//! older than a cutoff (`roster prune`).
//!
//! An event is kept, whatever its age, while anything is still owed for it: a delivery `queued`
//! or `pending`, or the fan-out has not passed it yet (it has no deliveries *yet*). Deletes go in
//! batches of [`BATCH`] events, each in its own transaction, so a prune never holds locks for
//! long and several replicas may run it at once (a row deleted twice is deleted once).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};

use crate::webhooks::stmt;

use crate::{Result, Store};

/// Events deleted per transaction.
pub const BATCH: usize = 1000;

/// What a prune deleted (or, dry, would delete).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub events: u64,
    pub deliveries: u64,
    pub attempts: u64,
    pub activity: u64,
    /// Older than the cutoff but kept: a delivery of them is still owed.
    pub events_kept: u64,
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Events older than the cutoff with nothing owed, and the fan-out past them.
const PRUNABLE: &str = "FROM events e \
     WHERE e.created_at < $1 \
       AND e.position <= COALESCE((SELECT position FROM dispatch_cursors WHERE name = 'fanout'), 0) \
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
                       WHERE d.event_id = e.id AND d.status IN ('queued', 'pending'))";

impl Store {
    /// Deletes (or with `dry_run` counts) what is older than `cutoff`; see the module docs.
    pub async fn prune(&self, cutoff: DateTime<Utc>, dry_run: bool) -> Result<PruneReport> {
        let backend = self.backend();
        let db = self.connection();
        let mut report = PruneReport::default();
        let old = db
            .query_one(stmt(
                backend,
                "SELECT COUNT(*) AS n FROM events WHERE created_at < $1",
                vec![cutoff.into()],
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if dry_run {
            let count = |text: String| {
                let statement = stmt(backend, &text, vec![cutoff.into()]);
                async move {
                    Ok::<u64, crate::StoreError>(
                        db.query_one(statement)
                            .await?
                            .map(|row| row.try_get::<i64>("", "n"))
                            .transpose()?
                            .unwrap_or(0) as u64,
                    )
                }
            };
            report.events = count(format!("SELECT COUNT(*) AS n {PRUNABLE}")).await?;
            report.deliveries = count(format!(
                "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE event_id IN (SELECT e.id {PRUNABLE})"
            ))
            .await?;
            report.attempts = count(format!(
                "SELECT COUNT(*) AS n FROM webhook_attempts WHERE delivery_id IN \
                 (SELECT id FROM webhook_deliveries WHERE event_id IN (SELECT e.id {PRUNABLE}))"
            ))
            .await?;
            report.activity =
                count("SELECT COUNT(*) AS n FROM request_activity WHERE created_at < $1".into())
                    .await?;
            report.events_kept = (old as u64).saturating_sub(report.events);
            return Ok(report);
        }
        loop {
            let ids: Vec<String> = db
                .query_all(stmt(
                    backend,
                    &format!("SELECT e.id {PRUNABLE} ORDER BY e.position LIMIT {BATCH}"),
                    vec![cutoff.into()],
                ))
                .await?
                .into_iter()
                .map(|row| row.try_get::<String>("", "id"))
                .collect::<std::result::Result<_, _>>()?;
            if ids.is_empty() {
                break;
            }
            let values: Vec<Value> = ids.iter().map(|id| id.clone().into()).collect();
            let list = placeholders(1, ids.len());
            let txn = db.begin().await?;
            // Re-checked inside the transaction: a resend may have queued a delivery since.
            let owed =
                "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id \
                 AND d.status IN ('queued', 'pending'))";
            report.events += txn
                .execute(stmt(
                    backend,
                    &format!("DELETE FROM events WHERE id IN ({list}) {owed}"),
                    values.clone(),
                ))
                .await?
                .rows_affected();
            // Then what hung off the events just deleted (attempts before their deliveries).
            let gone =
                "NOT EXISTS (SELECT 1 FROM events WHERE events.id = webhook_deliveries.event_id)";
            report.attempts += txn
                .execute(stmt(
                    backend,
                    &format!(
                        "DELETE FROM webhook_attempts WHERE delivery_id IN \
                         (SELECT id FROM webhook_deliveries WHERE event_id IN ({list}) AND {gone})"
                    ),
                    values.clone(),
                ))
                .await?
                .rows_affected();
            report.deliveries += txn
                .execute(stmt(
                    backend,
                    &format!(
                        "DELETE FROM webhook_deliveries WHERE event_id IN ({list}) AND {gone}"
                    ),
                    values,
                ))
                .await?
                .rows_affected();
            txn.commit().await?;
            if ids.len() < BATCH {
                break;
            }
        }
        report.activity = db
            .execute(stmt(
                backend,
                "DELETE FROM request_activity WHERE created_at < $1",
                vec![cutoff.into()],
            ))
            .await?
            .rows_affected();
        let left = db
            .query_one(stmt(
                backend,
                "SELECT COUNT(*) AS n FROM events WHERE created_at < $1",
                vec![cutoff.into()],
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        report.events_kept = left as u64;
        Ok(report)
    }
}
