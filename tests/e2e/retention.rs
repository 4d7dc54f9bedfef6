//! Retention (`roster prune`): events older than the cutoff go with their finished deliveries
//! and attempts, and so do old activity rows; an event a delivery still waits for stays, and so
//! does everything newer.

use crate::webhooks::{create_endpoint, setups, spawn, touch};
use reqwest::Method;
use roster_testkit::receiver::{Behavior, Receiver};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::time::Duration;

async fn execute(app: &roster_testkit::TestApp, sql: &str) {
    let backend = app.store.backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace(
            "NOW() - INTERVAL '200 days'",
            "datetime('now', '-200 days')",
        ),
    };
    app.store
        .connection()
        .execute(Statement::from_string(backend, sql))
        .await
        .expect("sql");
}

#[tokio::test]
async fn prune_deletes_old_history_but_never_what_is_still_owed() {
    for setup in setups().into_iter().filter(|s| s.redis.is_none()) {
        let app = spawn(&setup, |c| {
            c.dispatch.poll_interval = Duration::from_millis(100);
        })
        .await;
        let receiver = Receiver::start().await;
        receiver.set_behavior(Behavior {
            status: Some(500),
            ..Default::default()
        });
        create_endpoint(&app, &receiver, json!({"ordering": "none"})).await;
        let org = app.create_organization("Acme").await;
        let (directory, token) = app
            .create_directory(org["id"].as_str().expect("org"), "okta")
            .await;
        let dirs = [directory["id"].as_str().expect("id").to_owned()];
        let scim = format!("/scim/v2/{}/Users", dirs[0]);
        let (status, _) = app.scim_get(&scim, Some(&format!("Bearer {token}"))).await;
        assert_eq!(status, 200);
        for i in 0..5 {
            touch(&app, &dirs[0], i).await;
        }
        // Every event has its (failing) delivery and at least one attempt; the request is logged.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let activity = app
                .expect(
                    Method::GET,
                    &format!("/api/v1/directories/{}/activity", dirs[0]),
                    None,
                    200,
                )
                .await;
            let logged = activity["data"].as_array().map_or(0, Vec::len);
            if receiver.requests() >= 6 && logged >= 1 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no attempts or activity yet"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let old = app.all_events("").await;
        assert_eq!(old.len(), 6, "activation + 5 updates");
        let owed = old[5]["id"].as_str().expect("id").to_owned();
        // Everything becomes 200 days old; all but the last event's delivery are finished.
        execute(
            &app,
            "UPDATE events SET created_at = NOW() - INTERVAL '200 days'",
        )
        .await;
        execute(
            &app,
            "UPDATE request_activity SET created_at = NOW() - INTERVAL '200 days'",
        )
        .await;
        execute(
            &app,
            &format!("UPDATE webhook_deliveries SET status = 'failed' WHERE event_id <> '{owed}'"),
        )
        .await;
        touch(&app, &dirs[0], 99).await; // a new event: kept

        let cutoff = chrono::Utc::now() - chrono::Duration::days(90);
        let dry = app.store.prune(cutoff, true).await.expect("dry run");
        assert_eq!((dry.events, dry.events_kept), (5, 1), "{dry:?}");
        assert_eq!(dry.deliveries, 5, "{dry:?}");
        assert!(dry.attempts >= 5, "{dry:?}");
        assert_eq!(
            app.all_events("").await.len(),
            7,
            "a dry run deletes nothing"
        );

        let done = app.store.prune(cutoff, false).await.expect("prune");
        assert_eq!(
            (done.events, done.deliveries, done.events_kept),
            (5, 5, 1),
            "{done:?}"
        );
        assert_eq!(done.attempts, dry.attempts, "{done:?}");
        let left: Vec<String> = app
            .all_events("")
            .await
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(left.len(), 2, "the owed event and the new one: {left:?}");
        assert_eq!(left[0], owed);
        // The owed event's delivery is still there and still being retried.
        let deliveries = app
            .expect(Method::GET, "/api/v1/webhook_endpoints", None, 200)
            .await;
        let endpoint = deliveries["data"][0]["id"]
            .as_str()
            .expect("endpoint")
            .to_owned();
        let listed = app
            .expect(
                Method::GET,
                &format!("/api/v1/webhook_endpoints/{endpoint}/deliveries"),
                None,
                200,
            )
            .await;
        let events_with_deliveries: Vec<&str> = listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|d| d["event_id"].as_str())
            .collect();
        assert!(events_with_deliveries.contains(&owed.as_str()), "{listed}");
        assert!(
            !events_with_deliveries.contains(&old[0]["id"].as_str().unwrap_or_default()),
            "{listed}"
        );
        let activity = app
            .expect(
                Method::GET,
                &format!("/api/v1/directories/{}/activity", dirs[0]),
                None,
                200,
            )
            .await;
        assert_eq!(
            activity["data"].as_array().map(Vec::len),
            Some(0),
            "{activity}"
        );
        // Twice is harmless.
        let again = app.store.prune(cutoff, false).await.expect("prune again");
        assert_eq!((again.events, again.deliveries, again.attempts), (0, 0, 0));
        app.shutdown().await;
    }
}
