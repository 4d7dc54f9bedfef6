//! Indexes for `roster prune` (event and activity retention): old events and activity rows by
//! `created_at`, and a delivery by its event (is anything still owed for this event?), so a
//! prune reads what it deletes, not the whole history.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const EVENTS_BY_TIME: &str = "ix_events_created_at";
const ACTIVITY_BY_TIME: &str = "ix_request_activity_created_at";
const DELIVERIES_BY_EVENT: &str = "ix_webhook_deliveries_event_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in indexes() {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in indexes() {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn indexes() -> [(&'static str, &'static str, &'static str); 3] {
    [
        (EVENTS_BY_TIME, "events", "created_at"),
        (ACTIVITY_BY_TIME, "request_activity", "created_at"),
        (DELIVERIES_BY_EVENT, "webhook_deliveries", "event_id"),
    ]
}
