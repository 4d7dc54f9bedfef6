//! Runs the real `Migrator` up → down → up on a fresh SQLite file and, when
//! `ROSTER_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database created for the test.

use roster_migrations::Migrator;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

const TABLES: [&str; 15] = [
    "organizations",
    "api_keys",
    "directories",
    "directory_tokens",
    "users",
    "groups",
    "group_memberships",
    "events",
    "request_activity",
    "user_emails",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "webhook_replays",
    "dispatch_cursors",
];

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
    roster_testdb::with_each_engine(up_down_up).await;
}
