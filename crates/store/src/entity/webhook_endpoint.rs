//! `webhook_endpoints`: where the dispatcher delivers events, with their filters and secrets.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    /// `whep_…`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// A JSON array of event types; `NULL` = every type.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub event_types: Option<Json>,
    /// A JSON array of organization ids; `NULL` = every organization.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub organization_ids: Option<Json>,
    /// `directory` or `none`.
    #[sea_orm(column_type = "Text")]
    pub ordering: String,
    pub enabled: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTimeUtc>,
    /// When the current run of failures began (cleared by any success).
    pub failing_since: Option<DateTimeUtc>,
    /// The current signing secret, encrypted with a key derived from `ROSTER_SECRET_KEY`.
    #[sea_orm(column_type = "Text")]
    pub secret: String,
    /// `[{"secret": <encrypted>, "expires_at": <RFC 3339>}]`: rotated-out secrets still signing.
    #[sea_orm(column_type = "JsonBinary")]
    pub previous_secrets: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
