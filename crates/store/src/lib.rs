//! Roster's storage: sea-orm over SQLite (embedded default) and PostgreSQL (production), with the
//! same code and the same migrations.
//!
//! The central guarantee lives in [`events`]: every state change and the events it causes commit
//! in one transaction ([`DirectoryWrite`]), each directory's events are numbered 1, 2, 3, … in
//! commit order, and the Events API cursor never skips or repeats an event.
#![forbid(unsafe_code)]

pub mod api_keys;
pub mod directories;
pub mod entity;
mod error;
pub mod events;
pub mod organizations;
pub mod page;

pub use error::{Result, StoreError};
pub use events::{DirectoryWrite, EventCursor, EventPage, EventQuery};
pub use page::{Page, PageRequest};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// How to open the database.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Pool size for PostgreSQL. SQLite always gets one connection: it has a single writer, and
    /// one connection makes every write transaction run alone instead of failing with SQLITE_BUSY.
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// The database handle every component shares. Cloning is cheap (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
}

impl Store {
    /// Connects (creating the SQLite file if needed) and checks that the database answers.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Store> {
        let is_sqlite = url.starts_with("sqlite:");
        let mut connect = ConnectOptions::new(url.to_owned());
        connect
            .max_connections(if is_sqlite {
                1
            } else {
                options.max_connections
            })
            .min_connections(if is_sqlite { 1 } else { 0 })
            .connect_timeout(options.connect_timeout)
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let db = Database::connect(connect).await?;
        if is_sqlite {
            // WAL lets readers proceed during a write and survives crashes without a rollback
            // journal; foreign keys cascade directory deletion to its users and groups.
            for pragma in [
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 5000",
            ] {
                db.execute(Statement::from_string(DbBackend::Sqlite, pragma))
                    .await?;
            }
        }
        let store = Store { db };
        store.ping().await?;
        Ok(store)
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        roster_migrations::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Whether migrations are pending (the server refuses to serve an old schema).
    pub async fn pending_migrations(&self) -> Result<usize> {
        Ok(
            roster_migrations::Migrator::get_pending_migrations(&self.db)
                .await?
                .len(),
        )
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        self.db
            .execute(Statement::from_string(self.backend(), "SELECT 1"))
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn close(self) {
        let _ = self.db.close().await;
    }
}
