//! `users`: normalized directory users.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub directory_id: String,
    #[sea_orm(column_type = "Text")]
    pub organization_id: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub idp_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub external_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub user_name: String,
    /// `user_name` lower-cased; unique per directory.
    #[sea_orm(column_type = "Text")]
    pub user_name_key: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub display_name: Option<String>,
    /// Lower-cased.
    #[sea_orm(column_type = "Text", nullable)]
    pub primary_email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub state: String,
    #[sea_orm(default_value = 1)]
    pub version: i64,
    /// The normalized user.
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    /// The SCIM resource as received.
    #[sea_orm(column_type = "JsonBinary")]
    pub raw_attributes: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when the IdP deleted the user but the directory's `suspend` policy keeps it: the
    /// vendor still sees it (inactive), the IdP gets 404.
    pub deleted_at: Option<DateTimeUtc>,
    /// The enterprise extension's `manager.value` as sent (lower-cased), if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub manager_ref: Option<String>,
    /// The Roster user `manager_ref` resolved to, once it exists.
    #[sea_orm(column_type = "Text", nullable)]
    pub manager_id: Option<String>,
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
    #[sea_orm(has_many = "super::group_membership::Entity")]
    GroupMembership,
}

impl Related<super::directory::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Directory.def()
    }
}

impl Related<super::group_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GroupMembership.def()
    }
}

/// A user's groups, through `group_memberships`.
impl Related<super::group::Entity> for Entity {
    fn to() -> RelationDef {
        super::group_membership::Relation::Group.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::group_membership::Relation::User.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
