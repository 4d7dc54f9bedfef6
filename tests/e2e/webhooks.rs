//! Webhook endpoints and deliveries, end to end: a real server per test and a receiver that
//! verifies every delivery with the `standardwebhooks` crate. Each test runs on every engine and
//! with both queue backends (in-process; Redis when `ROSTER_TEST_REDIS_URL` is set).

use reqwest::Method;
use roster_testkit::receiver::{Behavior, Receiver};
use roster_testkit::{engines, Engine, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

pub const REDIS_URL_ENV: &str = "ROSTER_TEST_REDIS_URL";

/// A database engine and a queue backend.
#[derive(Clone, Debug)]
pub struct Setup {
    pub engine: Engine,
    pub redis: Option<String>,
}

impl Setup {
    pub fn name(&self) -> String {
        format!(
            "{}+{}",
            self.engine.name(),
            if self.redis.is_some() {
                "redis"
            } else {
                "in-process"
            }
        )
    }
}

/// Every engine with the in-process queue, and with Redis when configured.
pub fn setups() -> Vec<Setup> {
    let redis = std::env::var(REDIS_URL_ENV).ok().filter(|u| !u.is_empty());
    let mut out = Vec::new();
    for engine in engines() {
        out.push(Setup {
            engine: engine.clone(),
            redis: None,
        });
        if let Some(url) = &redis {
            out.push(Setup {
                engine,
                redis: Some(url.clone()),
            });
        }
    }
    out
}

/// A server with a fast retry schedule and a short timeout.
pub async fn spawn(
    setup: &Setup,
    adjust: impl FnOnce(&mut roster_server::config::Config),
) -> TestApp {
    let redis = setup.redis.clone();
    TestApp::spawn_with(&setup.engine, move |c| {
        c.redis_url = redis;
        c.dispatch.retry_schedule = roster_dispatch::RetrySchedule::parse(
            "0s,100ms,200ms,300ms,400ms,500ms,500ms,500ms,500ms,500ms",
        )
        .expect("schedule");
        c.dispatch.timeout = Duration::from_secs(2);
        c.dispatch.poll_interval = Duration::from_millis(100);
        adjust(c);
    })
    .await
}

pub async fn create_endpoint(app: &TestApp, receiver: &Receiver, body: Value) -> (String, String) {
    let mut body = body;
    body["url"] = json!(receiver.url());
    let created = app
        .expect(Method::POST, "/api/v1/webhook_endpoints", Some(body), 201)
        .await;
    let secret = created["secret"].as_str().expect("secret").to_owned();
    receiver.set_secrets(&[&secret]);
    (created["id"].as_str().expect("id").to_owned(), secret)
}

/// An organization with `n` directories; returns their ids.
pub async fn directories(app: &TestApp, n: usize) -> (String, Vec<String>) {
    let org = app.create_organization("Acme").await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let mut ids = Vec::new();
    for _ in 0..n {
        let (directory, _) = app.create_directory(&org_id, "okta").await;
        ids.push(directory["id"].as_str().expect("id").to_owned());
    }
    (org_id, ids)
}

/// One `directory.updated` event.
pub async fn touch(app: &TestApp, directory_id: &str, i: usize) {
    app.expect(
        Method::PATCH,
        &format!("/api/v1/directories/{directory_id}"),
        Some(json!({"name": format!("update {i}")})),
        200,
    )
    .await;
}

async fn deliveries(app: &TestApp, endpoint_id: &str) -> Vec<Value> {
    let page = app
        .expect(
            Method::GET,
            &format!("/api/v1/webhook_endpoints/{endpoint_id}/deliveries?limit=100"),
            None,
            200,
        )
        .await;
    page["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn endpoints_are_created_listed_changed_and_deleted_with_the_secret_shown_once() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let receiver = Receiver::start().await;
        let (org_id, _) = directories(&app, 1).await;
        let created = app
            .expect(
                Method::POST,
                "/api/v1/webhook_endpoints",
                Some(json!({
                    "url": receiver.url(),
                    "event_types": ["user.created", "user.created", "webhook_endpoint.disabled"],
                    "organization_ids": [org_id],
                    "description": "billing",
                })),
                201,
            )
            .await;
        let id = created["id"].as_str().expect("id").to_owned();
        assert!(id.starts_with("whep_"), "{created}");
        assert!(created["secret"]
            .as_str()
            .expect("secret")
            .starts_with("whsec_"));
        assert_eq!(created["ordering"], "directory", "the default");
        assert_eq!(created["enabled"], true);
        assert_eq!(
            created["event_types"],
            json!(["user.created", "webhook_endpoint.disabled"])
        );
        let got = app
            .expect(
                Method::GET,
                &format!("/api/v1/webhook_endpoints/{id}"),
                None,
                200,
            )
            .await;
        assert!(
            got.get("secret").is_none(),
            "the secret is shown once: {got}"
        );
        let stored: String = app
            .store
            .find_webhook_endpoint(&id)
            .await
            .expect("store")
            .expect("row")
            .secret;
        assert!(!stored.contains("whsec_"), "encrypted at rest");
        let list = app
            .expect(Method::GET, "/api/v1/webhook_endpoints", None, 200)
            .await;
        assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
        assert!(list["data"][0].get("secret").is_none());

        let patched = app
            .expect(
                Method::PATCH,
                &format!("/api/v1/webhook_endpoints/{id}"),
                Some(json!({"event_types": null, "organization_ids": null, "ordering": "none", "enabled": false, "description": null})),
                200,
            )
            .await;
        assert_eq!(patched["event_types"], Value::Null);
        assert_eq!(patched["ordering"], "none");
        assert_eq!(patched["enabled"], false);
        assert_eq!(patched["disabled_reason"], "manual");
        let patched = app
            .expect(
                Method::PATCH,
                &format!("/api/v1/webhook_endpoints/{id}"),
                Some(json!({"enabled": true})),
                200,
            )
            .await;
        assert_eq!(patched["disabled_reason"], Value::Null);

        // Mistakes get a status and a message a person can act on.
        for (body, status, needle) in [
            (json!({"url": "not a url"}), 422, "url"),
            (json!({"url": "ftp://example.com/x"}), 422, "http"),
            (
                json!({"url": "https://example.com", "event_types": ["user.exploded"]}),
                422,
                "unknown event type",
            ),
            (
                json!({"url": "https://example.com", "event_types": []}),
                422,
                "null",
            ),
            (
                json!({"url": "https://example.com", "organization_ids": ["org_nope"]}),
                422,
                "org_nope",
            ),
            (
                json!({"url": "https://example.com", "ordering": "sometimes"}),
                400,
                "expected `directory` or `none`",
            ),
            (
                json!({"url": "https://example.com", "colour": "red"}),
                400,
                "colour",
            ),
            (
                json!({"url": "http://169.254.169.254/latest/meta-data"}),
                422,
                "ROSTER_DISPATCH_ALLOWED_NETWORKS",
            ),
        ] {
            let (got, answer) = app
                .api(
                    Method::POST,
                    "/api/v1/webhook_endpoints",
                    Some(body.clone()),
                )
                .await;
            assert_eq!(got.as_u16(), status, "{body} → {answer}");
            assert!(answer.to_string().contains(needle), "{body} → {answer}");
        }
        let (got, answer) = app
            .api(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{id}/secret/rotate"),
                Some(json!({"overlap_seconds": 999999999})),
            )
            .await;
        assert_eq!(got.as_u16(), 422, "{answer}");

        app.expect(
            Method::DELETE,
            &format!("/api/v1/webhook_endpoints/{id}"),
            None,
            204,
        )
        .await;
        app.expect(
            Method::GET,
            &format!("/api/v1/webhook_endpoints/{id}"),
            None,
            404,
        )
        .await;
        app.expect(
            Method::DELETE,
            &format!("/api/v1/webhook_endpoints/{id}"),
            None,
            404,
        )
        .await;
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_delivery_verifies_as_standard_webhooks_and_carries_the_events_api_envelope() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let receiver = Receiver::start().await;
        let (_, dirs) = directories(&app, 2).await;
        // Events committed before the endpoint existed are not delivered to it.
        touch(&app, &dirs[0], 0).await;
        let before = app.all_events("").await.len();
        let (endpoint_id, _) = create_endpoint(&app, &receiver, json!({"ordering": "none"})).await;
        for i in 1..=10 {
            touch(&app, &dirs[i % 2], i).await;
        }
        let all = app.all_events("").await;
        let expected: Vec<Value> = all[before..].to_vec();
        assert_eq!(expected.len(), 10);
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| a.len() >= 10)
                .await,
            "{}: got {} of 10",
            setup.name(),
            receiver.accepted().len()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.bad_signatures(), 0);
        let accepted = receiver.accepted();
        assert_eq!(accepted.len(), 10, "no duplicates without failures");
        for event in &expected {
            let got = accepted
                .iter()
                .find(|a| a.event_id() == event["id"].as_str().unwrap_or_default())
                .unwrap_or_else(|| panic!("{} not delivered", event["id"]));
            assert_eq!(&got.body, event, "the body is the Events API envelope");
            assert_eq!(got.webhook_id, event["id"].as_str().unwrap_or_default());
            assert!((got.timestamp - chrono::Utc::now().timestamp()).abs() < 60);
        }
        let listed = deliveries(&app, &endpoint_id).await;
        assert_eq!(listed.len(), 10);
        assert!(
            listed.iter().all(|d| d["status"] == "succeeded"),
            "{listed:?}"
        );
        let attempts = app
            .expect(
                Method::GET,
                &format!(
                    "/api/v1/deliveries/{}/attempts",
                    listed[0]["id"].as_str().unwrap_or_default()
                ),
                None,
                200,
            )
            .await;
        assert_eq!(attempts["data"][0]["status_code"], 200);
        assert_eq!(attempts["data"][0]["outcome"], "succeeded");
        assert_eq!(attempts["data"][0]["response_excerpt"], "ok");

        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        assert!(
            metrics.contains("roster_webhook_attempts_total{outcome=\"succeeded\"} 10"),
            "{metrics}"
        );
        assert!(
            metrics.contains("roster_webhook_queue_depth 0"),
            "{metrics}"
        );
        assert!(metrics.contains("roster_webhook_oldest_undelivered_event_age_seconds"));
        assert!(metrics.contains("roster_webhook_attempt_duration_seconds_count 10"));
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_signs_with_the_old_and_new_secret_during_the_overlap() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let receiver = Receiver::start().await;
        let (_, dirs) = directories(&app, 1).await;
        let (endpoint_id, old) = create_endpoint(&app, &receiver, json!({})).await;
        let rotated = app
            .expect(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{endpoint_id}/secret/rotate"),
                None,
                200,
            )
            .await;
        let new = rotated["secret"].as_str().expect("secret").to_owned();
        assert_ne!(new, old);
        assert!(
            rotated["previous_secret_expires_at"].is_string(),
            "{rotated}"
        );
        // A consumer that already switched to the new secret verifies; so does one still on the
        // old secret (checked below on the same request).
        receiver.set_secrets(&[&new]);
        touch(&app, &dirs[0], 1).await;
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| !a.is_empty())
                .await
        );
        let got = receiver.accepted()[0].clone();
        assert_eq!(got.signatures.len(), 2, "{:?}", got.signatures);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("webhook-id", got.webhook_id.parse().expect("h"));
        headers.insert(
            "webhook-timestamp",
            got.timestamp.to_string().parse().expect("h"),
        );
        headers.insert(
            "webhook-signature",
            got.signatures.join(" ").parse().expect("h"),
        );
        standardwebhooks::Webhook::new(&old)
            .expect("old")
            .verify(&got.raw, &headers)
            .expect("the old secret still verifies during the overlap");

        // Without an overlap only the new secret signs.
        let rotated = app
            .expect(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{endpoint_id}/secret/rotate"),
                Some(json!({"overlap_seconds": 0})),
                200,
            )
            .await;
        let newest = rotated["secret"].as_str().expect("secret").to_owned();
        receiver.set_secrets(&[&newest]);
        touch(&app, &dirs[0], 2).await;
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| a.len() >= 2)
                .await
        );
        let got = receiver.accepted()[1].clone();
        // The secret of the first rotation keeps its overlap; the original one was replaced.
        assert!(
            got.signatures.len() >= 2 && got.signatures.len() <= 3,
            "{:?}",
            got.signatures
        );
        assert_eq!(receiver.bad_signatures(), 0);
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_attempts_are_retried_and_logged_with_a_stable_webhook_id() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let receiver = Receiver::start().await;
        let (_, dirs) = directories(&app, 1).await;
        let (endpoint_id, _) = create_endpoint(&app, &receiver, json!({})).await;
        receiver.set_behavior(Behavior {
            status: Some(503),
            ..Default::default()
        });
        touch(&app, &dirs[0], 1).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while receiver.requests() < 3 {
            assert!(tokio::time::Instant::now() < deadline, "no retries");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        receiver.set_behavior(Behavior::default());
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| !a.is_empty())
                .await
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let event = app.all_events("").await.last().cloned().expect("event");
        assert_eq!(
            receiver.accepted()[0].webhook_id,
            event["id"].as_str().unwrap_or_default()
        );
        let listed = deliveries(&app, &endpoint_id).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["status"], "succeeded");
        let attempts = app
            .expect(
                Method::GET,
                &format!(
                    "/api/v1/deliveries/{}/attempts",
                    listed[0]["id"].as_str().unwrap_or_default()
                ),
                None,
                200,
            )
            .await;
        let attempts = attempts["data"].as_array().cloned().unwrap_or_default();
        assert!(attempts.len() >= 3, "{attempts:?}");
        let (last, failed) = attempts.split_last().expect("attempts");
        for (i, a) in failed.iter().enumerate() {
            assert_eq!(a["number"], i + 1);
            assert_eq!(a["status_code"], 503);
            assert_eq!(a["outcome"], "failed");
            assert!(a["response_excerpt"]
                .as_str()
                .unwrap_or_default()
                .contains("failing on purpose"));
            assert!(a["error"].as_str().unwrap_or_default().contains("503"));
        }
        assert_eq!(last["outcome"], "succeeded");
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gone_disables_the_endpoint_at_once_and_the_vendor_gets_an_event() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let gone = Receiver::start().await;
        let watcher = Receiver::start().await;
        let (_, dirs) = directories(&app, 1).await;
        let (watcher_id, _) = create_endpoint(
            &app,
            &watcher,
            json!({"event_types": ["webhook_endpoint.disabled"]}),
        )
        .await;
        let (gone_id, _) = create_endpoint(&app, &gone, json!({})).await;
        gone.set_behavior(Behavior {
            status: Some(410),
            ..Default::default()
        });
        touch(&app, &dirs[0], 1).await;
        assert!(
            watcher
                .wait_until(Duration::from_secs(20), |a| !a.is_empty())
                .await,
            "{}: the vendor event was not delivered",
            setup.name()
        );
        let event = watcher.accepted()[0].body.clone();
        assert_eq!(event["type"], "webhook_endpoint.disabled");
        assert_eq!(event["organization_id"], "");
        assert_eq!(event["directory_id"], Value::Null);
        assert_eq!(event["data"]["id"], gone_id.as_str());
        assert_eq!(event["data"]["reason"], "gone");
        assert_eq!(gone.requests(), 1, "disabled at once, no retries");
        let endpoint = app
            .expect(
                Method::GET,
                &format!("/api/v1/webhook_endpoints/{gone_id}"),
                None,
                200,
            )
            .await;
        assert_eq!(endpoint["enabled"], false);
        assert_eq!(endpoint["disabled_reason"], "gone");
        let listed = app.all_events("&types=webhook_endpoint.disabled").await;
        assert_eq!(listed.len(), 1);
        // Resend to a disabled endpoint is refused with a reason.
        let (status, answer) = app
            .api(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{gone_id}/resend"),
                Some(json!({"event_id": event["id"]})),
            )
            .await;
        assert_eq!(status.as_u16(), 409, "{answer}");
        // Re-enabling resumes the pending delivery.
        gone.set_behavior(Behavior::default());
        app.expect(
            Method::PATCH,
            &format!("/api/v1/webhook_endpoints/{gone_id}"),
            Some(json!({"enabled": true})),
            200,
        )
        .await;
        assert!(
            gone.wait_until(Duration::from_secs(20), |a| !a.is_empty())
                .await
        );
        let _ = watcher_id;
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_endpoint_failing_for_too_long_is_disabled() {
    for setup in setups() {
        let app = spawn(&setup, |c| {
            c.dispatch.disable_after = Duration::from_millis(700);
        })
        .await;
        let receiver = Receiver::start().await;
        let (_, dirs) = directories(&app, 1).await;
        let (endpoint_id, _) = create_endpoint(&app, &receiver, json!({})).await;
        receiver.set_behavior(Behavior {
            status: Some(500),
            ..Default::default()
        });
        touch(&app, &dirs[0], 1).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let endpoint = app
                .expect(
                    Method::GET,
                    &format!("/api/v1/webhook_endpoints/{endpoint_id}"),
                    None,
                    200,
                )
                .await;
            if endpoint["enabled"] == false {
                assert_eq!(endpoint["disabled_reason"], "failing");
                assert!(endpoint["failing_since"].is_string());
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: not disabled",
                setup.name()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let events = app.all_events("&types=webhook_endpoint.disabled").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["data"]["reason"], "failing");
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ordered_endpoints_accept_each_directory_in_sequence_despite_failures() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let receiver = Receiver::start().await;
        let (_, dirs) = directories(&app, 3).await;
        create_endpoint(&app, &receiver, json!({"ordering": "directory"})).await;
        receiver.set_behavior(Behavior {
            fail_ratio: 0.4,
            ..Default::default()
        });
        for i in 0..15 {
            for d in &dirs {
                touch(&app, d, i).await;
            }
        }
        assert!(
            receiver
                .wait_until(Duration::from_secs(60), |a| {
                    a.iter()
                        .map(|x| x.event_id())
                        .collect::<std::collections::HashSet<_>>()
                        .len()
                        >= 45
                })
                .await,
            "{}: {} accepted",
            setup.name(),
            receiver.accepted_event_ids().len()
        );
        assert_eq!(receiver.out_of_order(), 0, "{}", setup.name());
        assert_eq!(receiver.concurrent_same_directory(), 0);
        assert_eq!(receiver.bad_signatures(), 0);
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resend_and_replay_deliver_again_with_the_same_webhook_id() {
    for setup in setups() {
        let app = spawn(&setup, |_| {}).await;
        let receiver = Receiver::start().await;
        let (_, dirs) = directories(&app, 2).await;
        let (endpoint_id, _) = create_endpoint(&app, &receiver, json!({})).await;
        for i in 0..5 {
            touch(&app, &dirs[0], i).await;
            touch(&app, &dirs[1], i).await;
        }
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| a.len() >= 10)
                .await
        );
        let events = app.all_events(&format!("&directory_id={}", dirs[0])).await;
        let first = events[0].clone();
        let resent = app
            .expect(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{endpoint_id}/resend"),
                Some(json!({"event_id": first["id"]})),
                202,
            )
            .await;
        assert_eq!(resent["trigger"], "resend");
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| a.len() >= 11)
                .await
        );
        let again = receiver.accepted()[10].clone();
        assert_eq!(again.webhook_id, first["id"].as_str().unwrap_or_default());
        assert_eq!(again.body, first);

        // Replay the directory after its second event: three events, in order.
        let after = events[1]["sequence"].as_i64().expect("sequence");
        let job = app
            .expect(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{endpoint_id}/replay"),
                Some(json!({"directory_id": dirs[0], "after_sequence": after})),
                202,
            )
            .await;
        assert_eq!(job["status"], "running");
        let tail: Vec<String> = events
            .iter()
            .filter(|e| e["sequence"].as_i64().unwrap_or_default() > after)
            .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(tail.len(), events.len() - 2);
        assert!(
            receiver
                .wait_until(Duration::from_secs(20), |a| a.len() >= 11 + tail.len())
                .await
        );
        let replayed: Vec<String> = receiver.accepted()[11..]
            .iter()
            .map(|a| a.webhook_id.clone())
            .collect();
        assert_eq!(
            replayed, tail,
            "replayed in sequence order with the same webhook-id"
        );

        for (body, status) in [
            (json!({"after_sequence": 3}), 422),
            (json!({}), 422),
            (json!({"directory_id": "nope"}), 422),
            (json!({"since": "yesterday"}), 400),
        ] {
            let (got, answer) = app
                .api(
                    Method::POST,
                    &format!("/api/v1/webhook_endpoints/{endpoint_id}/replay"),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(got.as_u16(), status, "{body} → {answer}");
        }
        let (got, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/webhook_endpoints/{endpoint_id}/resend"),
                Some(json!({"event_id": "evt_missing"})),
            )
            .await;
        assert_eq!(got.as_u16(), 422);
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loopback_targets_are_refused_without_allowed_networks() {
    let engine = engines().remove(0);
    let app = TestApp::spawn_with(&engine, |c| {
        c.dispatch.network = roster_dispatch::NetworkGuard::default();
        c.dispatch.retry_schedule =
            roster_dispatch::RetrySchedule::parse("0s,50ms").expect("schedule");
        c.dispatch.poll_interval = Duration::from_millis(50);
    })
    .await;
    let receiver = Receiver::start().await;
    let (status, answer) = app
        .api(
            Method::POST,
            "/api/v1/webhook_endpoints",
            Some(json!({"url": receiver.url()})),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{answer}");
    assert!(answer
        .to_string()
        .contains("ROSTER_DISPATCH_ALLOWED_NETWORKS"));
    // A hostname is checked where it matters: on the address it resolves to, at connect time.
    let url = format!("http://localhost:{}/hook", receiver.addr.port());
    // Unordered, so the delivery ends after the short schedule (an ordered lane's head is
    // retried until it succeeds).
    let created = app
        .expect(
            Method::POST,
            "/api/v1/webhook_endpoints",
            Some(json!({"url": url, "ordering": "none"})),
            201,
        )
        .await;
    let endpoint_id = created["id"].as_str().expect("id").to_owned();
    let (_, dirs) = directories(&app, 1).await;
    touch(&app, &dirs[0], 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let delivery = loop {
        let listed = deliveries(&app, &endpoint_id).await;
        if let Some(d) = listed.first().filter(|d| d["status"] == "failed") {
            break d.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{listed:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        delivery["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("SSRF"),
        "{delivery}"
    );
    assert_eq!(receiver.requests(), 0, "nothing reached the receiver");
    app.shutdown().await;
}
