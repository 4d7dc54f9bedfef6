//! Runs the real `Migrator` up → down → up on a fresh SQLite file and, when
//! `ROSTER_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database created for the test.

use std::future::Future;
use std::path::PathBuf;

use roster_migrations::Migrator;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

const TABLES: [&str; 9] = [
    "organizations",
    "api_keys",
    "directories",
    "directory_tokens",
    "users",
    "groups",
    "group_memberships",
    "events",
    "request_activity",
];

const POSTGRES_URL_ENV: &str = "ROSTER_TEST_POSTGRES_URL";

fn unique_name() -> String {
    format!("roster_test_{}", uuid::Uuid::now_v7().simple())
}

/// A fresh SQLite file in the system temp dir; removed (with its WAL/SHM files) on drop.
struct TempSqlite {
    path: PathBuf,
}

impl TempSqlite {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name()));
        Self { path }
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.path.display())
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Replaces the database name in a `postgres://…/db?params` URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority = base[scheme_end..].split('/').next().unwrap_or_default();
    let mut out = format!("{}{authority}/{database}", &base[..scheme_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Creates `roster_test_<random>` on the server at `ROSTER_TEST_POSTGRES_URL`, runs `body`
/// with its URL, and drops it afterwards, also when `body` panics. Nothing to do when PostgreSQL is not configured.
async fn with_postgres<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var(POSTGRES_URL_ENV) else {
        eprintln!("{POSTGRES_URL_ENV} not set: PostgreSQL not configured for this run");
        return;
    };
    let name = unique_name();
    let admin = Database::connect(&admin_url).await.expect("connect admin");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    let outcome = tokio::spawn(body(with_database(&admin_url, &name))).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .expect("drop database");
    admin.close().await.expect("close admin");
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

async fn assert_tables(db: &DatabaseConnection, present: bool) {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        let has = manager.has_table(table).await.expect("has_table");
        assert_eq!(
            has, present,
            "table {table} present={has}, expected {present}"
        );
    }
}

/// The declared type of `events.position` and `request_activity.id`.
async fn assert_autoincrement_keys(db: &DatabaseConnection) {
    for (table, column) in [("events", "position"), ("request_activity", "id")] {
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                let row = db
                    .query_one(Statement::from_sql_and_values(
                        DbBackend::Sqlite,
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                        [table.into()],
                    ))
                    .await
                    .expect("query sqlite_master")
                    .expect("table sql");
                let sql: String = row.try_get("", "sql").expect("sql");
                let expected = format!("\"{column}\" integer NOT NULL PRIMARY KEY AUTOINCREMENT");
                assert!(sql.contains(&expected), "{table}: {sql}");
            }
            DbBackend::Postgres => {
                let row = db
                    .query_one(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT data_type, column_default FROM information_schema.columns \
                         WHERE table_name = $1 AND column_name = $2",
                        [table.into(), column.into()],
                    ))
                    .await
                    .expect("query information_schema")
                    .expect("column");
                let data_type: String = row.try_get("", "data_type").expect("data_type");
                let default: String = row.try_get("", "column_default").expect("default");
                assert_eq!(data_type, "bigint", "{table}.{column}");
                assert!(
                    default.starts_with("nextval("),
                    "{table}.{column}: {default}"
                );
            }
            other => panic!("unexpected backend {other:?}"),
        }
    }
}

async fn up_down_up(url: String) {
    let db = Database::connect(&url).await.expect("connect");

    Migrator::up(&db, None).await.expect("first up");
    assert_tables(&db, true).await;
    assert_autoincrement_keys(&db).await;
    assert!(Migrator::get_pending_migrations(&db)
        .await
        .expect("pending")
        .is_empty());

    Migrator::down(&db, None).await.expect("down");
    assert_tables(&db, false).await;
    assert_eq!(
        Migrator::get_pending_migrations(&db)
            .await
            .expect("pending")
            .len(),
        Migrator::migrations().len()
    );

    Migrator::up(&db, None).await.expect("second up");
    assert_tables(&db, true).await;
    assert_autoincrement_keys(&db).await;

    db.close().await.expect("close");
}

/// SQLite always; PostgreSQL too when `ROSTER_TEST_POSTGRES_URL` is set (always in CI).
#[tokio::test]
async fn up_down_up_on_every_configured_engine() {
    let file = TempSqlite::new();
    up_down_up(file.url()).await;
    with_postgres(up_down_up).await;
}

#[test]
fn with_database_replaces_the_path() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}
