//! The append-only event store and the per-directory SCIM request activity log.
//!
//! No foreign keys here: events and activity outlive deleted directories.
//!
//! `big_integer().auto_increment().primary_key()` is emitted by sea-query as
//! `integer NOT NULL PRIMARY KEY AUTOINCREMENT` on SQLite (a real rowid alias, values never
//! reused) and as `bigserial NOT NULL PRIMARY KEY` on PostgreSQL.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(
                        ColumnDef::new(Events::Position)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Events::Id).text().not_null())
                    .col(ColumnDef::new(Events::EventType).text().not_null())
                    .col(ColumnDef::new(Events::OrganizationId).text().not_null())
                    .col(ColumnDef::new(Events::DirectoryId).text().null())
                    .col(ColumnDef::new(Events::Sequence).big_integer().null())
                    .col(
                        ColumnDef::new(Events::TxId)
                            .big_integer()
                            .not_null()
                            .default(0i64),
                    )
                    .col(ColumnDef::new(Events::Data).json_binary().not_null())
                    .col(
                        ColumnDef::new(Events::PreviousAttributes)
                            .json_binary()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Events::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_events_id")
                    .table(Events::Table)
                    .col(Events::Id)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_events_directory_id_sequence")
                    .table(Events::Table)
                    .col(Events::DirectoryId)
                    .col(Events::Sequence)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_tx_id_position")
                    .table(Events::Table)
                    .col(Events::TxId)
                    .col(Events::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_organization_id_position")
                    .table(Events::Table)
                    .col(Events::OrganizationId)
                    .col(Events::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RequestActivity::Table)
                    .col(
                        ColumnDef::new(RequestActivity::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RequestActivity::DirectoryId)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RequestActivity::OrganizationId)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestActivity::Method).text().not_null())
                    .col(ColumnDef::new(RequestActivity::Path).text().not_null())
                    .col(ColumnDef::new(RequestActivity::Status).integer().not_null())
                    .col(
                        ColumnDef::new(RequestActivity::LatencyMs)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestActivity::ScimType).text().null())
                    .col(ColumnDef::new(RequestActivity::Error).text().null())
                    .col(
                        ColumnDef::new(RequestActivity::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_request_activity_directory_id_id")
                    .table(RequestActivity::Table)
                    .col(RequestActivity::DirectoryId)
                    .col(RequestActivity::Id)
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse order of creation; indexes go with their tables.
        manager
            .drop_table(Table::drop().table(RequestActivity::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Position,
    Id,
    EventType,
    OrganizationId,
    DirectoryId,
    Sequence,
    TxId,
    Data,
    PreviousAttributes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RequestActivity {
    Table,
    Id,
    DirectoryId,
    OrganizationId,
    Method,
    Path,
    Status,
    LatencyMs,
    ScimType,
    Error,
    CreatedAt,
}
