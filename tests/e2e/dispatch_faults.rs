//! Fault tests of the dispatcher: a receiver that fails 30 % of requests, hangs 5 % past the
//! timeout and goes down for a while; `kill -9` of the real `roster` binary mid-stream; a Redis
//! that dies and comes back. Every committed event must be accepted in the end, ordered
//! endpoints with no reordering per directory, duplicates only for attempts in flight at a kill.

use crate::webhooks::{create_endpoint, directories, setups, spawn, touch, Setup};
use futures_util::future::join_all;
use reqwest::Method;
use roster_testkit::process::ServerProcess;
use roster_testkit::receiver::{Accepted, Behavior, Receiver};
use roster_testkit::{engines, Engine};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the receiver is down in the fault test (the acceptance run uses 60).
fn down_for() -> Duration {
    let seconds = std::env::var("ROSTER_TEST_RECEIVER_DOWN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(seconds)
}

/// Enough attempts to outlast the receiver's downtime.
fn long_schedule() -> String {
    let mut s = String::from("0s,100ms,200ms,500ms,1s");
    for _ in 0..60 {
        s.push_str(",2s");
    }
    s
}

fn faulty() -> Behavior {
    Behavior {
        fail_ratio: 0.30,
        hang_ratio: 0.05,
        hang_for: Duration::from_millis(1500),
        ..Default::default()
    }
}

/// Ids of the directory events (vendor events have no directory).
fn directory_event_ids(events: &[Value]) -> HashSet<String> {
    events
        .iter()
        .filter(|e| e["directory_id"].is_string())
        .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_hanging_and_absent_receivers_lose_nothing_and_keep_directory_order() {
    let runs = setups().into_iter().map(|setup| async move {
        fault_run(&setup).await;
    });
    join_all(runs).await;
}

async fn fault_run(setup: &Setup) {
    let schedule = long_schedule();
    let app = spawn(setup, |c| {
        c.dispatch.timeout = Duration::from_millis(500);
        c.dispatch.retry_schedule =
            roster_dispatch::RetrySchedule::parse(&schedule).expect("schedule");
    })
    .await;
    let ordered = Receiver::start().await;
    let unordered = Receiver::start().await;
    let (_, dirs) = directories(&app, 10).await;
    create_endpoint(&app, &ordered, json!({"ordering": "directory"})).await;
    create_endpoint(&app, &unordered, json!({"ordering": "none"})).await;
    ordered.set_behavior(faulty());
    unordered.set_behavior(faulty());

    for round in 0..20 {
        if round == 8 {
            ordered.down().await;
            unordered.down().await;
        }
        for d in &dirs {
            touch(&app, d, round).await;
        }
    }
    // Down for the whole while, with events still owed.
    tokio::time::sleep(down_for()).await;
    ordered.up().await;
    unordered.up().await;

    let expected = directory_event_ids(&app.all_events("").await);
    assert_eq!(expected.len(), 200);
    for (name, receiver) in [("ordered", &ordered), ("unordered", &unordered)] {
        let all = receiver
            .wait_until(Duration::from_secs(120), |a| {
                let got: HashSet<&str> = a.iter().map(Accepted::event_id).collect();
                expected.iter().all(|id| got.contains(id.as_str()))
            })
            .await;
        let got = receiver.accepted_event_ids();
        assert!(
            all,
            "{} {name}: {} of {} events accepted",
            setup.name(),
            expected.iter().filter(|id| got.contains(*id)).count(),
            expected.len()
        );
        assert_eq!(receiver.bad_signatures(), 0, "{} {name}", setup.name());
    }
    assert_eq!(ordered.out_of_order(), 0, "{}: reordered", setup.name());
    eprintln!(
        "{}: ordered receiver saw {} requests for 200 events, unordered {}",
        setup.name(),
        ordered.requests(),
        unordered.requests()
    );
    app.shutdown().await;
}

/// `kill -9` of the real binary while events are written and delivered, then a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_stream_loses_nothing_and_duplicates_only_what_was_in_flight() {
    let redis = std::env::var(crate::webhooks::REDIS_URL_ENV)
        .ok()
        .filter(|u| !u.is_empty());
    let mut runs = vec![(Engine::Sqlite, None)];
    if let Some(pg) = engines()
        .into_iter()
        .find(|e| matches!(e, Engine::Postgres(_)))
    {
        runs.push((pg, redis.clone()));
    }
    for (engine, redis) in runs {
        kill_run(&engine, redis).await;
    }
}

async fn kill_run(engine: &Engine, redis: Option<String>) {
    let database = roster_testdb::TestDatabase::create(engine).await;
    let mut env: Vec<(String, String)> = vec![
        ("ROSTER_DATABASE_URL".into(), database.url.clone()),
        ("ROSTER_DATA_DIR".into(), database.dir.display().to_string()),
        (
            "ROSTER_SECRET_KEY".into(),
            format!("kill-test-secret-{}", uuid_like()),
        ),
        (
            "ROSTER_DISPATCH_ALLOWED_NETWORKS".into(),
            "127.0.0.1/32".into(),
        ),
        ("ROSTER_DISPATCH_RETRY_SCHEDULE".into(), long_schedule()),
        ("ROSTER_DISPATCH_TIMEOUT".into(), "1s".into()),
        ("ROSTER_LOG".into(), "warn".into()),
    ];
    let label = format!(
        "{}+{}",
        engine.name(),
        if redis.is_some() {
            "redis"
        } else {
            "in-process"
        }
    );
    if let Some(url) = &redis {
        env.push(("ROSTER_REDIS_URL".into(), url.clone()));
        env.push((
            "ROSTER_REDIS_PREFIX".into(),
            format!("kill-{}", uuid_like()),
        ));
    }
    let key = ServerProcess::create_api_key(&env);
    let log = database.dir.join("server.log");
    let mut server = ServerProcess::start(env, log).await;
    let client = reqwest::Client::new();
    let api = Api {
        client: client.clone(),
        base: server.base_url.clone(),
        key: key.clone(),
    };
    let org = api
        .call(
            Method::POST,
            "/api/v1/organizations",
            json!({"name": "Acme"}),
        )
        .await;
    let org_id = org["id"].as_str().expect("org").to_owned();
    let mut dirs = Vec::new();
    for _ in 0..5 {
        let created = api
            .call(
                Method::POST,
                &format!("/api/v1/organizations/{org_id}/directories"),
                json!({"name": "Okta", "provider": "okta"}),
            )
            .await;
        dirs.push(created["directory"]["id"].as_str().expect("dir").to_owned());
    }
    let ordered = Receiver::start().await;
    let unordered = Receiver::start().await;
    for (receiver, ordering) in [(&ordered, "directory"), (&unordered, "none")] {
        let created = api
            .call(
                Method::POST,
                "/api/v1/webhook_endpoints",
                json!({"url": receiver.url(), "ordering": ordering}),
            )
            .await;
        receiver.set_secrets(&[created["secret"].as_str().expect("secret")]);
    }
    // Slow answers keep attempts in flight when the kill comes.
    for receiver in [&ordered, &unordered] {
        receiver.set_behavior(Behavior {
            fail_ratio: 0.2,
            ..Default::default()
        });
    }

    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let api = api.clone();
        let dirs = dirs.clone();
        let writing = Arc::clone(&writing);
        tokio::spawn(async move {
            let mut i = 0usize;
            while writing.load(Ordering::SeqCst) {
                let d = &dirs[i % dirs.len()];
                // Failures while the server is down are expected: only committed events count.
                let _ = api
                    .try_call(
                        Method::PATCH,
                        &format!("/api/v1/directories/{d}"),
                        json!({"name": format!("update {i}")}),
                    )
                    .await;
                i += 1;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill9();
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.restart().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    writing.store(false, Ordering::SeqCst);
    let _ = writer.await;

    let events = api.all_events().await;
    let expected = directory_event_ids(&events);
    assert!(
        expected.len() > 20,
        "{label}: only {} events written",
        expected.len()
    );
    for (name, receiver) in [("ordered", &ordered), ("unordered", &unordered)] {
        let all = receiver
            .wait_until(Duration::from_secs(90), |a| {
                let got: HashSet<&str> = a.iter().map(Accepted::event_id).collect();
                expected.iter().all(|id| got.contains(id.as_str()))
            })
            .await;
        let got = receiver.accepted_event_ids();
        assert!(
            all,
            "{label} {name}: {} of {} events accepted; server log:\n{}",
            expected.iter().filter(|id| got.contains(*id)).count(),
            expected.len(),
            server.log()
        );
        assert_eq!(receiver.bad_signatures(), 0);
        // A duplicate is an attempt that was in flight (accepted, not yet recorded) at the kill.
        let mut first: HashMap<String, Instant> = HashMap::new();
        let mut duplicates = 0;
        for a in receiver.accepted() {
            match first.get(a.event_id()) {
                None => {
                    first.insert(a.event_id().to_owned(), a.at);
                }
                Some(at) => {
                    duplicates += 1;
                    assert!(
                        *at <= killed_at,
                        "{label} {name}: {} accepted twice without a kill in between",
                        a.event_id()
                    );
                }
            }
        }
        eprintln!(
            "{label} {name}: {} events, {} accepted, {duplicates} duplicates (in flight at the kill)",
            expected.len(),
            receiver.accepted().len()
        );
    }
    assert_eq!(ordered.out_of_order(), 0, "{label}: reordered");
    drop(server);
    database.destroy().await;
}

fn uuid_like() -> String {
    format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}

/// A minimal management API client for the child-process server.
#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    async fn try_call(&self, method: Method, path: &str, body: Value) -> Result<Value, String> {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(value)
        } else {
            Err(format!("{status}: {value}"))
        }
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> Value {
        self.try_call(method.clone(), path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    async fn all_events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: Value = self
                .client
                .get(format!(
                    "{}/api/v1/events?limit=1000&after={cursor}",
                    self.base
                ))
                .bearer_auth(&self.key)
                .send()
                .await
                .expect("events")
                .json()
                .await
                .expect("json");
            let data = page["data"].as_array().cloned().unwrap_or_default();
            cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
            if data.is_empty() {
                return events;
            }
            events.extend(data);
        }
    }
}

/// Redis dies and comes back: deliveries go on (the database is the truth, workers poll) and
/// the wake-up subscription reconnects by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_restart_loses_nothing_and_workers_resubscribe_by_themselves() {
    if std::env::var(crate::webhooks::REDIS_URL_ENV).map_or(true, |u| u.is_empty()) {
        eprintln!(
            "{} unset: Redis restart test skipped",
            crate::webhooks::REDIS_URL_ENV
        );
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let start_redis = || {
        std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (installed where ROSTER_TEST_REDIS_URL is set)")
    };
    let mut redis = start_redis();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let setup = Setup {
        engine: engines().pop().expect("engine"),
        redis: Some(format!("redis://127.0.0.1:{port}")),
    };
    let app = spawn(&setup, |c| {
        c.dispatch.poll_interval = Duration::from_millis(200);
    })
    .await;
    let receiver = Receiver::start().await;
    let (_, dirs) = directories(&app, 2).await;
    create_endpoint(&app, &receiver, json!({})).await;
    touch(&app, &dirs[0], 0).await;
    assert!(
        receiver
            .wait_until(Duration::from_secs(20), |a| !a.is_empty())
            .await
    );

    let _ = redis.kill();
    let _ = redis.wait();
    for i in 1..=5 {
        touch(&app, &dirs[i % 2], i).await;
    }
    assert!(
        receiver
            .wait_until(Duration::from_secs(20), |a| a.len() >= 6)
            .await,
        "deliveries go on without Redis"
    );
    redis = start_redis();
    // The subscriber comes back on its own (within its 5 s reconnect backoff).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let subscribers = std::process::Command::new("redis-cli")
            .args([
                "-p",
                &port.to_string(),
                "PUBSUB",
                "NUMSUB",
                &format!("{}:dispatch", prefix_of(&app)),
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default();
        if subscribers.lines().nth(1).is_some_and(|n| n.trim() == "1") {
            break;
        }
        assert!(Instant::now() < deadline, "not resubscribed: {subscribers}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for i in 6..=10 {
        touch(&app, &dirs[i % 2], i).await;
    }
    assert!(
        receiver
            .wait_until(Duration::from_secs(20), |a| a.len() >= 11)
            .await
    );
    app.shutdown().await;
    let _ = redis.kill();
    let _ = redis.wait();
}

/// The Redis prefix the test app was given.
fn prefix_of(app: &roster_testkit::TestApp) -> String {
    app.redis_prefix.clone()
}
