//! `events`: the append-only event store. No foreign keys: events outlive directories.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Global commit-order position; assigned by the database (leave it `NotSet` on insert).
    #[sea_orm(primary_key)]
    pub position: i64,
    /// `evt_…`.
    #[sea_orm(column_type = "Text", unique)]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub organization_id: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub directory_id: Option<String>,
    /// Per-directory sequence (no gaps); unique with `directory_id`.
    pub sequence: Option<i64>,
    #[sea_orm(default_value = 0)]
    pub tx_id: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub previous_attributes: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
