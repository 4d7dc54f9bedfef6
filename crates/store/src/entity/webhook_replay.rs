//! `webhook_replays`: a durable job re-delivering a range of the event stream to one endpoint.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_replays")]
pub struct Model {
    /// `replay_…`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub endpoint_id: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub directory_id: Option<String>,
    pub after_sequence: Option<i64>,
    pub since: Option<DateTimeUtc>,
    /// Events created after this are left to the normal fan-out.
    pub until: DateTimeUtc,
    pub cursor_tx_id: i64,
    pub cursor_position: i64,
    /// `running` or `done`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub enqueued: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
