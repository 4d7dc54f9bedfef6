//! `directory_tokens`: SCIM bearer tokens of a directory (argon2 hashes only).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text", indexed)]
    pub directory_id: String,
    #[sea_orm(column_type = "Text")]
    pub token_hash: String,
    /// The token's last 4 characters, for display.
    #[sea_orm(column_type = "Text")]
    pub suffix: String,
    pub created_at: DateTimeUtc,
    /// Set when the token is rotated with a grace period.
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::directory::Entity",
        from = "Column::DirectoryId",
        to = "super::directory::Column::Id",
        on_delete = "Cascade"
    )]
    Directory,
}

impl Related<super::directory::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Directory.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
