//! `roster_lock_directory(id)` (PostgreSQL only): takes a directory's write lock and returns its
//! settings as they are once the lock is held, in one round trip. A SCIM write authenticated
//! with cached settings learns of a settings change that committed while it waited for the lock,
//! so the users it writes follow the new role and attribute mappings. A plain `SELECT` in the
//! same statement as the lock would read from a snapshot taken before the wait; a volatile
//! PL/pgSQL function reads with a fresh one. SQLite has one writer: nothing to add there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE OR REPLACE FUNCTION roster_lock_directory(directory text) RETURNS jsonb \
                 LANGUAGE plpgsql VOLATILE AS $$ \
                 BEGIN \
                   PERFORM pg_advisory_xact_lock(hashtextextended(directory, 0)); \
                   RETURN (SELECT settings FROM directories WHERE id = directory); \
                 END $$",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("DROP FUNCTION IF EXISTS roster_lock_directory(text)")
            .await?;
        Ok(())
    }
}
