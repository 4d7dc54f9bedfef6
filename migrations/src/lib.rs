//! Roster database migrations.
//!
//! One code path for SQLite and PostgreSQL: only the `SchemaManager` builder API and
//! migration-local `DeriveIden` enums are used (never the live entities), so a migration
//! stays frozen once released. Modules are listed in order in [`Migrator::migrations`].
#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tenancy;
mod m20261123_000002_create_directory_data;
mod m20261123_000003_create_events;
mod m20261123_000004_scim_ingress;
mod m20261123_000010_create_webhooks;
mod m20261123_000011_seat_limit;
mod m20261123_000012_read_api_indexes;
mod m20261123_000013_directory_lock;
mod m20261124_000014_retention_indexes;
mod m20261124_000015_admin_portal;

/// The Roster migrator: `Migrator::up(&db, None)` brings a database to the latest schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tenancy::Migration),
            Box::new(m20261123_000002_create_directory_data::Migration),
            Box::new(m20261123_000003_create_events::Migration),
            Box::new(m20261123_000004_scim_ingress::Migration),
            Box::new(m20261123_000010_create_webhooks::Migration),
            Box::new(m20261123_000011_seat_limit::Migration),
            Box::new(m20261123_000012_read_api_indexes::Migration),
            Box::new(m20261123_000013_directory_lock::Migration),
            Box::new(m20261124_000014_retention_indexes::Migration),
            Box::new(m20261124_000015_admin_portal::Migration),
        ]
    }
}
