//! The admin portal: single-use links (`portal_links`, the secret kept as an argon2id hash) and
//! the vendor's per-organization switch for directory sync
//! (`organizations.directory_sync_enabled`; when off, the portal says so and offers no setup).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortalLinks::Table)
                    .col(
                        ColumnDef::new(PortalLinks::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PortalLinks::OrganizationId)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PortalLinks::SecretHash).text().not_null())
                    .col(
                        ColumnDef::new(PortalLinks::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PortalLinks::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PortalLinks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_portal_links_organization")
                            .from(PortalLinks::Table, PortalLinks::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_portal_links_organization_id")
                    .table(PortalLinks::Table)
                    .col(PortalLinks::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(
                        ColumnDef::new(Organizations::DirectorySyncEnabled)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(Organizations::DirectorySyncEnabled)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PortalLinks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PortalLinks {
    Table,
    Id,
    OrganizationId,
    SecretHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    DirectorySyncEnabled,
}
