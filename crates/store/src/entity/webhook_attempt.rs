//! `webhook_attempts`: every HTTP attempt of a delivery, with what the receiver answered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    /// `att_…`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub delivery_id: String,
    #[sea_orm(column_type = "Text")]
    pub endpoint_id: String,
    /// 1 for the first attempt of the delivery.
    pub number: i32,
    pub started_at: DateTimeUtc,
    pub latency_ms: i32,
    pub status_code: Option<i32>,
    /// `succeeded` or `failed`.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_excerpt: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
