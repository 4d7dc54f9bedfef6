//! Young tables get planner statistics within one refresh: a prepared statement whose generic
//! plan was made on an empty `users` table (and so filters the whole directory row by row) is
//! re-planned onto the unique `(directory_id, user_name_key)` index after
//! `Store::analyze_young_tables`. PostgreSQL only (SQLite has no generic plans).

mod common;

use roster_store::{Store, StoreOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::time::{Duration, Instant};

/// The plan PostgreSQL would run for the prepared lookup now, as text.
async fn plan(session: &impl ConnectionTrait, directory: &str) -> String {
    let rows = session
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            format!("EXPLAIN EXECUTE holder('{directory}', 'nobody@example.com')"),
        ))
        .await
        .expect("explain");
    rows.iter()
        .map(|r| r.try_get::<String>("", "QUERY PLAN").expect("plan line"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn stale_generic_plan_is_replanned(url: String) {
    let (store, directory, org) = common::store_with_directory(&url).await;
    let db = store.connection();

    // One session prepares the lookup and runs it on the empty table until PostgreSQL settles
    // on a generic plan.
    // A pool of one: every statement below runs on the same server session, each in its own
    // transaction, as the server's pooled connections do. (Inside one long transaction
    // PostgreSQL would not look at invalidations for tables it already holds locks on.)
    let session_store = Store::connect(
        &url,
        &StoreOptions {
            max_connections: 1,
            ..StoreOptions::default()
        },
    )
    .await
    .expect("connect the session");
    let session = session_store.connection();
    session
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "PREPARE holder(text, text) AS SELECT id FROM users \
             WHERE directory_id = $1 AND user_name_key = $2"
                .to_owned(),
        ))
        .await
        .expect("prepare");
    for _ in 0..8 {
        session
            .execute(Statement::from_string(
                DbBackend::Postgres,
                format!("EXECUTE holder('{directory}', 'nobody@example.com')"),
            ))
            .await
            .expect("execute");
    }

    // The directory fills up (another connection, committed).
    db.execute(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "INSERT INTO users (id, directory_id, organization_id, user_name, user_name_key, \
                 state, version, data, raw_attributes, created_at, updated_at, manager_ref) \
             SELECT 'user_' || i, '{directory}', '{org}', 'u' || i || '@example.com', \
                    'u' || i || '@example.com', 'active', 1, '{{}}', '{{}}', now(), now(), \
                    'manager' || (i % 7) \
             FROM generate_series(1, 3000) AS i"
        ),
    ))
    .await
    .expect("users");
    // The generic plan made on the empty table scans the directory and filters on userName.
    let before = plan(session, &directory).await;
    assert!(
        !before.contains("ux_users_directory_id_user_name_key") || before.contains("Filter"),
        "expected the stale generic plan made on the empty table (else this test proves nothing):\n{before}"
    );

    // Statistics counters reach pg_stat_user_tables within a second or so.
    let deadline = Instant::now() + Duration::from_secs(15);
    let analyzed = loop {
        let analyzed = store.analyze_young_tables().await.expect("analyze");
        if analyzed.iter().any(|t| t == "users") || Instant::now() > deadline {
            break analyzed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        analyzed.iter().any(|t| t == "users"),
        "users was not analyzed after 3,000 inserts: {analyzed:?}"
    );
    let after = plan(session, &directory).await;
    assert!(
        after.contains("ux_users_directory_id_user_name_key") && !after.contains("Filter"),
        "after ANALYZE the lookup should use the unique index:\n{after}"
    );
    // Nothing changed since: the next refresh leaves the table alone.
    let again = store.analyze_young_tables().await.expect("analyze again");
    assert!(!again.iter().any(|t| t == "users"), "{again:?}");
    session_store.close().await;
    store.close().await;
}

#[tokio::test]
async fn young_tables_are_analyzed_so_generic_plans_follow_the_data() {
    for engine in roster_testdb::engines() {
        if engine.name() != "postgres" {
            // SQLite: nothing to refresh, and the call says so.
            let database = roster_testdb::TestDatabase::create(&engine).await;
            let store = Store::connect(&database.url, &StoreOptions::default())
                .await
                .expect("connect");
            store.migrate().await.expect("migrate");
            assert!(store
                .analyze_young_tables()
                .await
                .expect("no-op")
                .is_empty());
            store.close().await;
            database.destroy().await;
            continue;
        }
        let database = roster_testdb::TestDatabase::create(&engine).await;
        let outcome = tokio::spawn(stale_generic_plan_is_replanned(database.url.clone())).await;
        database.destroy().await;
        if let Err(err) = outcome {
            std::panic::resume_unwind(err.into_panic());
        }
    }
}
