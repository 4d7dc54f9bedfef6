//! `directories.seat_limit_reached_at`: set when a create or reactivation is first refused for
//! the directory's seat limit (with the one `directory.seat_limit_reached` event of that
//! crossing), cleared when a later one fits again, so the next refusal is a new crossing.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Directories::Table)
                    .add_column(
                        ColumnDef::new(Directories::SeatLimitReachedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Directories::Table)
                    .drop_column(Directories::SeatLimitReachedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Directories {
    Table,
    SeatLimitReachedAt,
}
