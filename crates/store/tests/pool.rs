//! The PostgreSQL pool skips sqlx's liveness round trip for connections in steady use, but a
//! connection that sat idle is still checked: after the server drops every connection (a
//! restart, a failover, an idle timeout in a proxy) the next query gets a fresh one instead of
//! an error. PostgreSQL only (SQLite has no server to lose).

use roster_store::{Store, StoreOptions};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::time::Duration;

async fn idle_connections_killed_by_the_server_are_replaced(url: String, admin_url: String) {
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .expect("connect");
    store.ping().await.expect("first query");
    let database = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .expect("database name")
        .to_owned();

    // Let the pooled connection become idle, then have the server terminate it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let admin = Database::connect(admin_url.as_str())
        .await
        .expect("admin connection");
    let killed = admin
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            [database.into()],
        ))
        .await
        .expect("terminate")
        .expect("a row")
        .try_get::<i64>("", "killed")
        .expect("count");
    assert!(killed >= 1, "the pool's connection should have been open");
    let _ = admin.close().await;

    // The dead connection is noticed before use and replaced; the caller never sees it.
    for _ in 0..3 {
        store
            .ping()
            .await
            .expect("a query after the server dropped the pool's connections");
    }
    store.close().await;
}

#[tokio::test]
async fn a_dropped_idle_connection_is_replaced_before_use() {
    for engine in roster_testdb::engines() {
        let roster_testdb::Engine::Postgres(admin_url) = &engine else {
            continue;
        };
        let database = roster_testdb::TestDatabase::create(&engine).await;
        let outcome = tokio::spawn(idle_connections_killed_by_the_server_are_replaced(
            database.url.clone(),
            admin_url.clone(),
        ))
        .await;
        database.destroy().await;
        if let Err(err) = outcome {
            std::panic::resume_unwind(err.into_panic());
        }
    }
}
