//! Directory data: normalized users and groups, and group memberships.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).text().not_null().primary_key())
                    .col(ColumnDef::new(Users::DirectoryId).text().not_null())
                    .col(ColumnDef::new(Users::OrganizationId).text().not_null())
                    .col(ColumnDef::new(Users::IdpId).text().null())
                    .col(ColumnDef::new(Users::ExternalId).text().null())
                    .col(ColumnDef::new(Users::UserName).text().not_null())
                    .col(ColumnDef::new(Users::UserNameKey).text().not_null())
                    .col(ColumnDef::new(Users::DisplayName).text().null())
                    .col(ColumnDef::new(Users::PrimaryEmail).text().null())
                    .col(ColumnDef::new(Users::State).text().not_null())
                    .col(
                        ColumnDef::new(Users::Version)
                            .big_integer()
                            .not_null()
                            .default(1i64),
                    )
                    .col(ColumnDef::new(Users::Data).json_binary().not_null())
                    .col(
                        ColumnDef::new(Users::RawAttributes)
                            .json_binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_directory_id")
                            .from(Users::Table, Users::DirectoryId)
                            .to(Directories::Table, Directories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_directory_id_user_name_key")
                    .table(Users::Table)
                    .col(Users::DirectoryId)
                    .col(Users::UserNameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_directory_id_external_id")
                    .table(Users::Table)
                    .col(Users::DirectoryId)
                    .col(Users::ExternalId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_directory_id_primary_email")
                    .table(Users::Table)
                    .col(Users::DirectoryId)
                    .col(Users::PrimaryEmail)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_directory_id_id")
                    .table(Users::Table)
                    .col(Users::DirectoryId)
                    .col(Users::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(ColumnDef::new(Groups::Id).text().not_null().primary_key())
                    .col(ColumnDef::new(Groups::DirectoryId).text().not_null())
                    .col(ColumnDef::new(Groups::OrganizationId).text().not_null())
                    .col(ColumnDef::new(Groups::IdpId).text().null())
                    .col(ColumnDef::new(Groups::ExternalId).text().null())
                    .col(ColumnDef::new(Groups::Name).text().not_null())
                    .col(ColumnDef::new(Groups::NameKey).text().not_null())
                    .col(ColumnDef::new(Groups::AppGroupKey).text().null())
                    .col(
                        ColumnDef::new(Groups::MemberCount)
                            .big_integer()
                            .not_null()
                            .default(0i64),
                    )
                    .col(
                        ColumnDef::new(Groups::Version)
                            .big_integer()
                            .not_null()
                            .default(1i64),
                    )
                    .col(
                        ColumnDef::new(Groups::RawAttributes)
                            .json_binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Groups::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Groups::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_groups_directory_id")
                            .from(Groups::Table, Groups::DirectoryId)
                            .to(Directories::Table, Directories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_groups_directory_id_name_key")
                    .table(Groups::Table)
                    .col(Groups::DirectoryId)
                    .col(Groups::NameKey)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_groups_directory_id_external_id")
                    .table(Groups::Table)
                    .col(Groups::DirectoryId)
                    .col(Groups::ExternalId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GroupMemberships::Table)
                    .col(ColumnDef::new(GroupMemberships::GroupId).text().not_null())
                    .col(ColumnDef::new(GroupMemberships::UserId).text().not_null())
                    .col(
                        ColumnDef::new(GroupMemberships::DirectoryId)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(GroupMemberships::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .name("pk_group_memberships")
                            .col(GroupMemberships::GroupId)
                            .col(GroupMemberships::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_memberships_group_id")
                            .from(GroupMemberships::Table, GroupMemberships::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_memberships_user_id")
                            .from(GroupMemberships::Table, GroupMemberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_memberships_user_id")
                    .table(GroupMemberships::Table)
                    .col(GroupMemberships::UserId)
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse order of creation; indexes go with their tables.
        manager
            .drop_table(Table::drop().table(GroupMemberships::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Groups::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await?;
        Ok(())
    }
}

/// Only referenced by foreign keys; created in `m20261123_000001_create_tenancy`.
#[derive(DeriveIden)]
enum Directories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    DirectoryId,
    OrganizationId,
    IdpId,
    ExternalId,
    UserName,
    UserNameKey,
    DisplayName,
    PrimaryEmail,
    State,
    Version,
    Data,
    RawAttributes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    DirectoryId,
    OrganizationId,
    IdpId,
    ExternalId,
    Name,
    NameKey,
    AppGroupKey,
    MemberCount,
    Version,
    RawAttributes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupMemberships {
    Table,
    GroupId,
    UserId,
    DirectoryId,
    CreatedAt,
}
