//! Indexes for the management API's read API (`GET /directories/{id}/users`, `/groups`).
//!
//! - `groups (directory_id, id)`: a directory's groups in keyset (id) order; until now groups
//!   were only looked up by name or external id within a directory.
//! - `users (directory_id, updated_at)` and `groups (directory_id, updated_at)`: the
//!   `updated_after` filter of an incremental read, without walking the directory.
//!
//! Users in id order already have `ix_users_directory_id_id`; a group's members in user-id order
//! are the primary key of `group_memberships` `(group_id, user_id)`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const GROUPS_BY_ID: &str = "ix_groups_directory_id_id";
const GROUPS_BY_UPDATE: &str = "ix_groups_directory_id_updated_at";
const USERS_BY_UPDATE: &str = "ix_users_directory_id_updated_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(GROUPS_BY_ID)
                    .table(Groups::Table)
                    .col(Groups::DirectoryId)
                    .col(Groups::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(GROUPS_BY_UPDATE)
                    .table(Groups::Table)
                    .col(Groups::DirectoryId)
                    .col(Groups::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(USERS_BY_UPDATE)
                    .table(Users::Table)
                    .col(Users::DirectoryId)
                    .col(Users::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(USERS_BY_UPDATE)
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(GROUPS_BY_UPDATE)
                    .table(Groups::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(GROUPS_BY_ID)
                    .table(Groups::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    DirectoryId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    DirectoryId,
    UpdatedAt,
}
