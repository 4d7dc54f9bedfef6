//! Webhook dispatch benchmark: sustained deliveries per second (`ordering: none`, and
//! `ordering: directory` over 100 directories) and the latency from an event's commit to its
//! first attempt at a steady 100 events/s.
//!
//! A real server runs in this process on a fresh database (SQLite by default, `--postgres URL`
//! for PostgreSQL, `--redis URL` for the Redis backend); events are committed through the store
//! (state + event in one transaction, as SCIM ingress does); a local sink verifies every
//! signature with the `standardwebhooks` crate and answers 200.
//!
//! ```text
//! cargo run --release -p roster-bench --bin dispatch -- [--events 20000] [--postgres URL]
//! ```

use anyhow::{bail, Context};
use clap::Parser;
use roster_bench::percentile;
use roster_core::{EventType, NewEvent};
use roster_testkit::receiver::Receiver;
use roster_testkit::{Engine, TestApp};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Roster webhook dispatch benchmark")]
struct Args {
    /// Events per throughput run.
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Directories the events are spread over.
    #[arg(long, default_value_t = 100)]
    directories: usize,
    /// Seconds of the steady 100 events/s latency run.
    #[arg(long, default_value_t = 30)]
    latency_seconds: u64,
    /// Run on this PostgreSQL server (a fresh database is created) instead of SQLite.
    #[arg(long)]
    postgres: Option<String>,
    /// Use the Redis backend.
    #[arg(long)]
    redis: Option<String>,
    /// Events per transaction in the throughput runs (round robin over the directories).
    #[arg(long, default_value_t = 100)]
    per_txn: usize,
    /// Attempts in flight at once.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let engine = match &args.postgres {
        Some(url) => Engine::Postgres(url.clone()),
        None => Engine::Sqlite,
    };
    println!(
        "dispatch benchmark: {} + {}, {} events over {} directories, concurrency {}",
        engine.name(),
        if args.redis.is_some() {
            "redis"
        } else {
            "in-process"
        },
        args.events,
        args.directories,
        args.concurrency
    );
    for ordering in ["none", "directory"] {
        let (rate, elapsed) = throughput(&args, &engine, ordering).await?;
        println!(
            "ordering {ordering:>9}: {} deliveries in {:.2} s = {:.0} deliveries/s",
            args.events,
            elapsed.as_secs_f64(),
            rate
        );
    }
    let (p50, p99, max, n) = latency(&args, &engine).await?;
    println!(
        "commit → first attempt at 100 events/s ({n} events): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
    Ok(())
}

async fn setup(
    args: &Args,
    engine: &Engine,
    ordering: &str,
) -> anyhow::Result<(TestApp, Arc<Receiver>, Vec<String>)> {
    let redis = args.redis.clone();
    let concurrency = args.concurrency;
    let app = TestApp::spawn_with(engine, move |c| {
        c.redis_url = redis;
        c.dispatch.concurrency = concurrency;
    })
    .await;
    let sink = Receiver::start().await;
    let org = app.create_organization("Bench").await;
    let org_id = org["id"].as_str().context("org id")?.to_owned();
    let mut dirs = Vec::new();
    for _ in 0..args.directories {
        let (dir, _) = app.create_directory(&org_id, "okta").await;
        dirs.push(dir["id"].as_str().context("directory id")?.to_owned());
    }
    let created = app
        .expect(
            reqwest::Method::POST,
            "/api/v1/webhook_endpoints",
            Some(json!({"url": sink.url(), "ordering": ordering})),
            201,
        )
        .await;
    sink.set_secrets(&[created["secret"].as_str().context("secret")?]);
    Ok((app, sink, dirs))
}

/// A user-sized event body (~0.7 KB).
fn user(i: usize, directory_id: &str) -> serde_json::Value {
    json!({
        "id": format!("user_{i:032x}"),
        "directory_id": directory_id,
        "idp_id": format!("00u{i:017}"),
        "user_name": format!("user{i}@example.com"),
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
        "first_name": "Ada", "last_name": "Lovelace", "display_name": "Ada Lovelace",
        "state": "active", "role": "member", "roles": ["member"],
        "custom_attributes": {"department": "Engineering", "employee_number": i.to_string()},
        "groups": [], "created_at": "2026-11-23T00:00:00Z", "updated_at": "2026-11-23T00:00:00Z"
    })
}

/// Commits `count` events spread over the directories, `per_txn` per transaction; returns the
/// commit instant of each event id.
async fn write(
    app: &TestApp,
    dirs: &[String],
    start: usize,
    count: usize,
    per_txn: usize,
) -> anyhow::Result<HashMap<String, Instant>> {
    let mut committed = HashMap::new();
    let mut i = start;
    while i < start + count {
        let dir = &dirs[(i / per_txn) % dirs.len()];
        let n = per_txn.min(start + count - i);
        let mut w = app.store.begin_directory_write(dir).await?;
        let events = (0..n)
            .map(|k| NewEvent::new(EventType::UserCreated, user(i + k, dir)))
            .collect();
        w.append(events).await?;
        let envelopes = w.commit().await?;
        let at = Instant::now();
        for e in envelopes {
            committed.insert(e.id, at);
        }
        i += n;
    }
    Ok(committed)
}

async fn throughput(
    args: &Args,
    engine: &Engine,
    ordering: &str,
) -> anyhow::Result<(f64, Duration)> {
    let (app, sink, dirs) = setup(args, engine, ordering).await?;
    let started = Instant::now();
    // Batches of events per transaction, round robin over the directories: writes outpace
    // deliveries, so this measures the dispatcher draining a backlog while events keep arriving.
    write(&app, &dirs, 0, args.events, args.per_txn.max(1)).await?;
    let written = started.elapsed();
    let total = args.events;
    if !sink
        .wait_until(Duration::from_secs(600), |a| a.len() >= total)
        .await
    {
        bail!("only {} of {total} delivered", sink.accepted().len());
    }
    let elapsed = sink
        .accepted()
        .iter()
        .map(|a| a.at)
        .max()
        .map(|last| last - started)
        .unwrap_or_default();
    if sink.bad_signatures() > 0 {
        bail!("{} deliveries failed verification", sink.bad_signatures());
    }
    if ordering == "directory" && sink.out_of_order() > 0 {
        bail!("{} deliveries out of order", sink.out_of_order());
    }
    eprintln!(
        "  ({ordering}: events written in {:.2} s, {} requests for {total} events)",
        written.as_secs_f64(),
        sink.requests()
    );
    app.shutdown().await;
    Ok((total as f64 / elapsed.as_secs_f64(), elapsed))
}

async fn latency(
    args: &Args,
    engine: &Engine,
) -> anyhow::Result<(Duration, Duration, Duration, usize)> {
    let (app, sink, dirs) = setup(args, engine, "directory").await?;
    // Warm up connections and caches.
    write(&app, &dirs, 0, 20, 1).await?;
    sink.wait_until(Duration::from_secs(30), |a| a.len() >= 20)
        .await;
    let n = (args.latency_seconds * 100) as usize;
    let mut committed = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0..n {
        tick.tick().await;
        committed
            .extend(write(&app, &dirs[i % dirs.len()..=i % dirs.len()], 1000 + i, 1, 1).await?);
    }
    if !sink
        .wait_until(Duration::from_secs(60), |a| a.len() >= n + 20)
        .await
    {
        bail!("only {} of {} delivered", sink.accepted().len(), n + 20);
    }
    let mut samples: Vec<Duration> = sink
        .accepted()
        .iter()
        .filter_map(|a| {
            committed
                .get(a.event_id())
                .map(|c| a.at.saturating_duration_since(*c))
        })
        .collect();
    samples.sort();
    app.shutdown().await;
    Ok((
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
        samples.last().copied().unwrap_or_default(),
        samples.len(),
    ))
}
