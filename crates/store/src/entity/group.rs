//! `groups`: normalized directory groups.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
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
    pub name: String,
    /// `name` lower-cased.
    #[sea_orm(column_type = "Text")]
    pub name_key: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub app_group_key: Option<String>,
    #[sea_orm(default_value = 0)]
    pub member_count: i64,
    #[sea_orm(default_value = 1)]
    pub version: i64,
    /// The SCIM resource as received.
    #[sea_orm(column_type = "JsonBinary")]
    pub raw_attributes: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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

/// A group's members, through `group_memberships`.
impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        super::group_membership::Relation::User.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::group_membership::Relation::Group.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
