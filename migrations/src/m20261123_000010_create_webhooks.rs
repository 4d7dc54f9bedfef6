//! The webhook dispatcher: endpoints, deliveries (one per endpoint and event, written in the same
//! transaction that advances the dispatcher's cursor over the event stream), attempts, replay jobs
//! and the dispatcher's durable cursor.
//!
//! The two partial indexes (on unfinished deliveries only) keep the claim query and the lane
//! promotion proportional to the work still to do, not to the delivery history. Partial indexes
//! have the same syntax on SQLite and PostgreSQL, so they are one statement for both.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(
                        ColumnDef::new(WebhookEndpoints::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WebhookEndpoints::Url).text().not_null())
                    .col(ColumnDef::new(WebhookEndpoints::Description).text().null())
                    .col(
                        ColumnDef::new(WebhookEndpoints::EventTypes)
                            .json_binary()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::OrganizationIds)
                            .json_binary()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookEndpoints::Ordering).text().not_null())
                    .col(
                        ColumnDef::new(WebhookEndpoints::Enabled)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::DisabledReason)
                            .text()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::DisabledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::FailingSince)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookEndpoints::Secret).text().not_null())
                    .col(
                        ColumnDef::new(WebhookEndpoints::PreviousSecrets)
                            .json_binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookEndpoints::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(
                        ColumnDef::new(WebhookDeliveries::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::EndpointId)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::EventId).text().not_null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::EventType)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::DirectoryId).text().null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::Sequence)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::Lane).text().null())
                    .col(ColumnDef::new(WebhookDeliveries::Trigger).text().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Status).text().not_null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastStatusCode)
                            .integer()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::LastError).text().null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::EventCreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_endpoint_id_id")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) \
             WHERE status = 'pending'",
        )
        .await?;
        // Two indexes rather than one `IN ('pending', 'queued')`: SQLite uses a partial index
        // only when the query repeats its condition exactly.
        for status in ["pending", "queued"] {
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_webhook_deliveries_lane_{status} ON webhook_deliveries \
                 (endpoint_id, lane, sequence) WHERE status = '{status}'"
            ))
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(
                        ColumnDef::new(WebhookAttempts::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::DeliveryId)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::EndpointId)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookAttempts::Number).integer().not_null())
                    .col(
                        ColumnDef::new(WebhookAttempts::StartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::LatencyMs)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookAttempts::StatusCode).integer().null())
                    .col(ColumnDef::new(WebhookAttempts::Outcome).text().not_null())
                    .col(ColumnDef::new(WebhookAttempts::Error).text().null())
                    .col(
                        ColumnDef::new(WebhookAttempts::ResponseExcerpt)
                            .text()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                            .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_delivery_id_id")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookReplays::Table)
                    .col(
                        ColumnDef::new(WebhookReplays::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WebhookReplays::EndpointId).text().not_null())
                    .col(ColumnDef::new(WebhookReplays::DirectoryId).text().null())
                    .col(
                        ColumnDef::new(WebhookReplays::AfterSequence)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookReplays::Since)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookReplays::Until)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookReplays::CursorTxId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookReplays::CursorPosition)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookReplays::Status).text().not_null())
                    .col(
                        ColumnDef::new(WebhookReplays::Enqueued)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookReplays::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookReplays::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_replays_endpoint")
                            .from(WebhookReplays::Table, WebhookReplays::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DispatchCursors::Table)
                    .col(
                        ColumnDef::new(DispatchCursors::Name)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DispatchCursors::TxId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DispatchCursors::Position)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DispatchCursors::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DispatchCursors::Table.into_iden(),
            WebhookReplays::Table.into_iden(),
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Description,
    EventTypes,
    OrganizationIds,
    Ordering,
    Enabled,
    DisabledReason,
    DisabledAt,
    FailingSince,
    Secret,
    PreviousSecrets,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventId,
    EventType,
    DirectoryId,
    Sequence,
    Lane,
    Trigger,
    Status,
    Attempts,
    NextAttemptAt,
    LastAttemptAt,
    LastStatusCode,
    LastError,
    EventCreatedAt,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    EndpointId,
    Number,
    StartedAt,
    LatencyMs,
    StatusCode,
    Outcome,
    Error,
    ResponseExcerpt,
}

#[derive(DeriveIden)]
enum WebhookReplays {
    Table,
    Id,
    EndpointId,
    DirectoryId,
    AfterSequence,
    Since,
    Until,
    CursorTxId,
    CursorPosition,
    Status,
    Enqueued,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DispatchCursors {
    Table,
    Name,
    TxId,
    Position,
    UpdatedAt,
}
