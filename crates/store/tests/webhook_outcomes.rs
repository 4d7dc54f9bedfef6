//! Recording webhook attempt outcomes: an outcome applies once (a stale one, from an attempt whose
//! lease ran out, cannot reopen a delivery), text a receiver sent is stored whatever its bytes,
//! and outcomes of deleted deliveries do not sink the others.

use chrono::Utc;
use roster_store::webhooks::{Completion, NewDelivery, NewEndpoint};
use roster_store::{Store, StoreOptions};

fn completion(delivery_id: &str, endpoint_id: &str, number: i32, succeeded: bool) -> Completion {
    Completion {
        delivery_id: delivery_id.to_owned(),
        endpoint_id: endpoint_id.to_owned(),
        lane: None,
        attempt_number: number,
        started_at: Utc::now(),
        latency_ms: 3,
        status_code: Some(if succeeded { 200 } else { 500 }),
        succeeded,
        error: (!succeeded).then(|| "the endpoint answered 500".to_owned()),
        response_excerpt: Some("ok\0with a NUL".to_owned()),
        retry_at: (!succeeded).then(|| Utc::now() + chrono::Duration::seconds(60)),
        gone: false,
    }
}

async fn outcomes(url: String) {
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let endpoint = |url: &str| NewEndpoint {
        url: url.to_owned(),
        description: None,
        event_types: None,
        organization_ids: None,
        ordering: "none".into(),
        enabled: true,
        secret: "encrypted".into(),
    };
    let kept = store
        .create_webhook_endpoint(endpoint("https://a.example/hook"))
        .await
        .expect("endpoint");
    let doomed = store
        .create_webhook_endpoint(endpoint("https://b.example/hook"))
        .await
        .expect("endpoint");
    let delivery = |endpoint_id: &str, event: &str| NewDelivery {
        endpoint_id: endpoint_id.to_owned(),
        event_id: event.to_owned(),
        event_type: "user.created".into(),
        directory_id: None,
        sequence: None,
        lane: None,
        trigger: "event",
        event_created_at: Utc::now(),
    };
    let d1 = store
        .create_delivery(delivery(&kept.id, "evt_1"))
        .await
        .expect("delivery");
    let d2 = store
        .create_delivery(delivery(&doomed.id, "evt_1"))
        .await
        .expect("delivery");
    store
        .delete_webhook_endpoint(&doomed.id)
        .await
        .expect("delete endpoint");

    // Attempt 1 succeeded (with a NUL in its body) and is recorded together with an outcome of a
    // delivery that no longer exists.
    store
        .complete_deliveries(
            vec![
                completion(&d1.id, &kept.id, 1, true),
                completion(&d2.id, &doomed.id, 1, true),
            ],
            chrono::Duration::days(5),
        )
        .await
        .expect("recorded despite the deleted delivery and the NUL");
    // A second claim of the same attempt (its lease ran out) then fails: logged, not applied.
    store
        .complete_deliveries(
            vec![completion(&d1.id, &kept.id, 1, false)],
            chrono::Duration::days(5),
        )
        .await
        .expect("stale outcome recorded");
    let now = store
        .find_webhook_delivery(&d1.id)
        .await
        .expect("find")
        .expect("delivery");
    assert_eq!(
        now.status, "succeeded",
        "a stale failure must not reopen it"
    );
    assert_eq!(now.attempts, 1);
    let attempts = store
        .list_webhook_attempts(
            &d1.id,
            &roster_store::PageRequest {
                after: None,
                limit: 10,
            },
        )
        .await
        .expect("attempts");
    assert_eq!(attempts.data.len(), 2, "both attempts are in the log");
    assert!(attempts.data.iter().any(|a| a
        .response_excerpt
        .as_deref()
        .is_some_and(|e| e.starts_with("ok"))));
    store.close().await;
}

#[tokio::test]
async fn an_outcome_applies_once_and_odd_input_sinks_nothing() {
    roster_testdb::with_each_engine(outcomes).await;
}
