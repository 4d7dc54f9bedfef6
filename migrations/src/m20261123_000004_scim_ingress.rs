//! SCIM ingress: what the resource routes need beyond the directory data tables.
//!
//! - `users.deleted_at`: a SCIM DELETE under the `suspend` deactivation policy keeps the user
//!   (inactive, for the vendor) but hides it from the IdP, which expects a 404 afterwards.
//! - `group_memberships.display`: the member's `display` as the IdP sent it, returned as sent.
//! - `users.manager_ref` / `users.manager_id`: the enterprise `manager.value` as the IdP sent it
//!   (lower-cased) and the Roster user it resolved to, so a report provisioned before its manager
//!   is linked when the manager arrives.
//! - `user_emails`: every email of a user, lower-cased, so `emails.value eq "…"` filters (Entra's
//!   and OneLogin's lookups) are answered from an index.
//! - `request_activity`: the client's user agent, the IdP it looks like, and a redacted excerpt of
//!   the request body, for the activity log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;

        for column in [Users::ManagerRef, Users::ManagerId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(ColumnDef::new(column).text().null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_users_directory_id_manager_ref")
                    .table(Users::Table)
                    .col(Users::DirectoryId)
                    .col(Users::ManagerRef)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserEmails::Table)
                    .col(ColumnDef::new(UserEmails::UserId).text().not_null())
                    .col(ColumnDef::new(UserEmails::DirectoryId).text().not_null())
                    .col(ColumnDef::new(UserEmails::ValueKey).text().not_null())
                    .primary_key(
                        Index::create()
                            .name("pk_user_emails")
                            .col(UserEmails::UserId)
                            .col(UserEmails::ValueKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_emails_user_id")
                            .from(UserEmails::Table, UserEmails::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_emails_directory_id_value_key")
                    .table(UserEmails::Table)
                    .col(UserEmails::DirectoryId)
                    .col(UserEmails::ValueKey)
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(GroupMemberships::Table)
                    .add_column(ColumnDef::new(GroupMemberships::Display).text().null())
                    .to_owned(),
            )
            .await?;

        // SQLite adds one column per ALTER TABLE.
        for column in [
            RequestActivity::UserAgent,
            RequestActivity::Idp,
            RequestActivity::RequestExcerpt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RequestActivity::Table)
                        .add_column(ColumnDef::new(column).text().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            RequestActivity::RequestExcerpt,
            RequestActivity::Idp,
            RequestActivity::UserAgent,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RequestActivity::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(GroupMemberships::Table)
                    .drop_column(GroupMemberships::Display)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(UserEmails::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_users_directory_id_manager_ref")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Users::ManagerId, Users::ManagerRef, Users::DeletedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    DirectoryId,
    DeletedAt,
    ManagerRef,
    ManagerId,
}

#[derive(DeriveIden)]
enum UserEmails {
    Table,
    UserId,
    DirectoryId,
    ValueKey,
}

#[derive(DeriveIden)]
enum GroupMemberships {
    Table,
    Display,
}

#[derive(DeriveIden)]
enum RequestActivity {
    Table,
    UserAgent,
    Idp,
    RequestExcerpt,
}
