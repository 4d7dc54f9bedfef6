//! `request_activity`: the per-directory SCIM request log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_activity")]
pub struct Model {
    /// Assigned by the database (leave it `NotSet` on insert).
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub directory_id: String,
    #[sea_orm(column_type = "Text")]
    pub organization_id: String,
    #[sea_orm(column_type = "Text")]
    pub method: String,
    #[sea_orm(column_type = "Text")]
    pub path: String,
    pub status: i32,
    pub latency_ms: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub scim_type: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_agent: Option<String>,
    /// The IdP the request looks like (`okta`, `entra`, …), from its user agent.
    #[sea_orm(column_type = "Text", nullable)]
    pub idp: Option<String>,
    /// The request body, truncated and with secrets (`password`) redacted.
    #[sea_orm(column_type = "Text", nullable)]
    pub request_excerpt: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
