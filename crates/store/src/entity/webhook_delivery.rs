//! `webhook_deliveries`: one event owed to one endpoint, created durably before any attempt.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// `dlv_…`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub endpoint_id: String,
    #[sea_orm(column_type = "Text")]
    pub event_id: String,
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub directory_id: Option<String>,
    pub sequence: Option<i64>,
    /// Deliveries sharing an endpoint and a lane go one at a time in `sequence` order; `NULL`:
    /// unordered.
    #[sea_orm(column_type = "Text", nullable)]
    pub lane: Option<String>,
    /// `event`, `resend` or `replay`.
    #[sea_orm(column_type = "Text")]
    pub trigger: String,
    /// `queued` (behind an earlier delivery of its lane), `pending` (due at `next_attempt_at`),
    /// `succeeded` or `failed` (retries exhausted).
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub attempts: i32,
    /// When a pending delivery may next be claimed (also the lease of one in flight).
    pub next_attempt_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub event_created_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
