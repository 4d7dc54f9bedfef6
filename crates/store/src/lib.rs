//! Roster's storage: sea-orm over SQLite (embedded default) and PostgreSQL (production), with the
//! same code and the same migrations.
//!
//! The central guarantee lives in [`events`]: every state change and the events it causes commit
//! in one transaction ([`DirectoryWrite`]), each directory's events are numbered 1, 2, 3, … in
//! commit order, and the Events API cursor never skips or repeats an event.
#![forbid(unsafe_code)]

pub mod activity;
pub mod api_keys;
pub mod directories;
pub mod directory_data;
pub mod entity;
mod error;
pub mod events;
mod filter_sql;
pub mod organizations;
pub mod page;
pub mod planner;
pub mod portal;
pub mod read;
pub mod retention;
pub mod webhooks;

pub use directory_data::{ListPage, Member};
pub use error::{Result, StoreError};
pub use events::{DirectoryWrite, EventCursor, EventPage, EventQuery};
pub use page::{Page, PageRequest};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
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
    /// Bumped after every commit that appended events, so the dispatcher wakes at once.
    commits: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

/// A connection idle for longer than this is checked with a round trip before it is handed out.
const IDLE_CHECK_AFTER: Duration = Duration::from_secs(1);

/// The PostgreSQL pool, built with sqlx directly for one setting sea-orm does not expose: sqlx
/// by default pings every connection it hands out, a round trip before each transaction on top
/// of the one it makes when the connection comes back. Under load a connection was in use a
/// moment ago (and that return trip proved it alive), so only one that sat idle for a while —
/// long enough for a database restart or a dropped link to have killed it — is checked.
async fn connect_postgres(url: &str, options: &StoreOptions) -> Result<DatabaseConnection> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    let connect_options = url
        .parse::<PgConnectOptions>()
        .map_err(unavailable)?
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_CHECK_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(connect_options)
        .await
        .map_err(unavailable)?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        pool,
    ))
}

fn unavailable(err: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Unavailable(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err)))
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
        if is_sqlite {
            // Set on every connection the pool opens (a connection is replaced when it reaches
            // its lifetime, and per-connection pragmas would silently vanish with it). WAL lets
            // readers proceed during a write and survives crashes without a rollback journal;
            // foreign keys cascade directory deletion to its users and groups; SCIM `co`/`sw`/`ew`
            // on case-exact attributes (externalId) must not fold case, while case-insensitive
            // ones compare lower-cased columns.
            connect.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    .pragma("case_sensitive_like", "ON")
            });
        }
        let db = if is_sqlite {
            Database::connect(connect).await?
        } else {
            connect_postgres(url, options).await?
        };
        let store = Store {
            db,
            commits: std::sync::Arc::new(tokio::sync::watch::channel(0).0),
        };
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

    /// A receiver that changes after every commit of new events in this process.
    pub fn subscribe_commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Signals that new events were committed (done by [`DirectoryWrite::commit`]).
    pub fn notify_commit(&self) {
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub async fn close(self) {
        let _ = self.db.close().await;
    }
}
