//! `directories`: one SCIM endpoint of an organization.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text", indexed)]
    pub organization_id: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub provider: String,
    #[sea_orm(column_type = "Text")]
    pub scim_version: String,
    /// `"pending"` | `"active"`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    #[sea_orm(default_value = true)]
    pub enabled: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub settings: Json,
    /// The per-directory event counter: the last `events.sequence` issued.
    #[sea_orm(default_value = 0)]
    pub event_sequence: i64,
    pub activated_at: Option<DateTimeUtc>,
    pub last_request_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(has_many = "super::directory_token::Entity")]
    DirectoryToken,
    #[sea_orm(has_many = "super::user::Entity")]
    User,
    #[sea_orm(has_many = "super::group::Entity")]
    Group,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::directory_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DirectoryToken.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
