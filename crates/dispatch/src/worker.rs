//! The dispatcher's loops: fan-out (events → deliveries), claimers (due deliveries → HTTP
//! attempts) and the completer (outcomes → database, in batches).
//!
//! Nothing is held only in memory: a delivery exists in the database before it is attempted, a
//! claim is a lease that runs out if the worker dies, and an attempt's outcome is written before
//! the delivery is considered done. A `kill -9` at any point therefore loses nothing; at worst an
//! attempt that was in flight is made again after its lease.

use crate::backend::{QueueBackend, Wake};
use crate::crypto::SecretBox;
use crate::endpoint::{signing_secrets, unix_seconds, Route};
use crate::http::{NetworkGuard, WebhookClient};
use crate::metrics::DispatchMetrics;
use crate::schedule::RetrySchedule;
use crate::DispatchError;
use chrono::Utc;
use roster_core::EventEnvelope;
use roster_store::entity::webhook_endpoint;
use roster_store::webhooks::{ClaimedDelivery, Completion, NewDelivery};
use roster_store::{EventQuery, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The fan-out's cursor over the event stream.
const FANOUT_CURSOR: &str = "fanout";
/// Events read per fan-out transaction.
const FANOUT_BATCH: u64 = 1000;
/// How long the fan-out lets events gather after catching up (bounds its reads under write load;
/// well inside the 100 ms commit-to-attempt budget).
const FANOUT_COALESCE: Duration = Duration::from_millis(10);
/// Deliveries claimed per claim query, and outcomes written per completion transaction.
const CLAIM_BATCH: usize = 500;
const COMPLETE_BATCH: usize = 1000;

/// How the dispatcher behaves.
#[derive(Clone, Debug)]
pub struct DispatchConfig {
    pub retry_schedule: RetrySchedule,
    /// A 2xx within this time is success.
    pub timeout: Duration,
    pub network: NetworkGuard,
    /// An endpoint failing every attempt for this long is disabled.
    pub disable_after: Duration,
    /// Attempts in flight at once in this process.
    pub concurrency: usize,
    /// How often idle loops look for work without a wake-up.
    pub poll_interval: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            retry_schedule: RetrySchedule::default(),
            timeout: Duration::from_secs(15),
            network: NetworkGuard::default(),
            disable_after: Duration::from_secs(5 * 86400),
            concurrency: 256,
            poll_interval: Duration::from_millis(250),
        }
    }
}

impl DispatchConfig {
    /// How long a claimed delivery stays leased: well past the timeout, so a live worker
    /// finishes and records its attempt first; after a crash, the delivery is due again then.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }
}

/// The webhook dispatcher of one process.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    secrets: SecretBox,
    config: DispatchConfig,
    client: WebhookClient,
    backend: Arc<dyn QueueBackend>,
    metrics: DispatchMetrics,
}

/// An attempt's outcome on its way to the completer, holding its concurrency slot.
struct Done {
    completion: Completion,
    _permit: OwnedSemaphorePermit,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        secrets: SecretBox,
        config: DispatchConfig,
        backend: Arc<dyn QueueBackend>,
        metrics: DispatchMetrics,
    ) -> Result<Dispatcher, DispatchError> {
        let client = WebhookClient::new(config.network.clone(), config.timeout)?;
        Ok(Dispatcher {
            inner: Arc::new(Inner {
                store,
                secrets,
                config,
                client,
                backend,
                metrics,
            }),
        })
    }

    /// Starts every loop; the handle completes after `shutdown` once in-flight attempts are
    /// recorded (or their leases are left to run out).
    pub fn spawn(&self, shutdown: CancellationToken) -> JoinHandle<()> {
        let inner = Arc::clone(&self.inner);
        tracing::info!(
            backend = inner.backend.name(),
            concurrency = inner.config.concurrency,
            "webhook dispatcher started"
        );
        tokio::spawn(async move {
            let backend = tokio::spawn(Arc::clone(&inner.backend).run(shutdown.clone()));
            let forwarder = spawn_commit_forwarder(
                inner.store.clone(),
                Arc::clone(&inner.backend),
                shutdown.clone(),
            );
            let (results_tx, results_rx) = mpsc::unbounded_channel();
            let fanout = tokio::spawn(fanout_loop(Arc::clone(&inner), shutdown.clone()));
            let claimer =
                tokio::spawn(claim_loop(Arc::clone(&inner), results_tx, shutdown.clone()));
            let completer = tokio::spawn(complete_loop(Arc::clone(&inner), results_rx));
            let _ = tokio::join!(backend, forwarder, fanout, claimer, completer);
            tracing::info!("webhook dispatcher stopped");
        })
    }
}

/// Turns this process's commits into `Events` wake-ups (for the Redis backend, on every
/// replica). Runs in every role that writes events.
pub fn spawn_commit_forwarder(
    store: Store,
    backend: Arc<dyn QueueBackend>,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    let mut commits = store.subscribe_commits();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = commits.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    backend.wake(Wake::Events);
                }
            }
        }
    })
}

async fn fanout_loop(inner: Arc<Inner>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        let fanned = match fanout_once(&inner).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "webhook fan-out failed; retrying");
                pause(&shutdown, Duration::from_secs(1)).await;
                0
            }
        };
        let progressed = fanned > 0;
        let replayed = match replays_once(&inner).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "webhook replay step failed; retrying");
                false
            }
        };
        if progressed || replayed {
            if fanned < FANOUT_BATCH as usize && !replayed {
                // Caught up while writes go on: let events gather for a moment, so a burst of
                // SCIM writes costs the database one fan-out read per few milliseconds, not one
                // per commit (every read also waits out the transactions in flight).
                pause(&shutdown, FANOUT_COALESCE).await;
            }
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = inner.backend.wait(Wake::Events, inner.config.poll_interval) => {}
        }
    }
}

async fn pause(shutdown: &CancellationToken, how_long: Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(how_long) => {}
    }
}

/// One fan-out step; how many events it moved the cursor past (0: caught up).
async fn fanout_once(inner: &Inner) -> Result<usize, DispatchError> {
    let store = &inner.store;
    let cursor = store.dispatch_cursor(FANOUT_CURSOR).await?;
    let page = store
        .list_events(&EventQuery {
            after: cursor,
            limit: FANOUT_BATCH,
            wait_for_recent: Duration::from_millis(200),
            ..EventQuery::default()
        })
        .await?;
    if page.events.is_empty() {
        return Ok(0);
    }
    // The routing table is read after the page, every time: an endpoint created before an event
    // of the page is committed is visible now (one indexed query per batch of events).
    let routes: Vec<Route> = store
        .enabled_webhook_endpoints()
        .await?
        .iter()
        .map(Route::of)
        .collect();
    let mut deliveries = Vec::new();
    for event in &page.events {
        for route in &routes {
            if route.subscribed_to(event) {
                deliveries.push(new_delivery(route, event, route.lane(event), "event"));
            }
        }
    }
    let created = deliveries.len();
    // If the compare-and-set fails, another replica moved the cursor first: its deliveries
    // stand, and the next step goes on from there.
    let moved = store
        .fan_out(FANOUT_CURSOR, cursor, page.next_cursor, deliveries)
        .await?;
    if moved && created > 0 {
        inner.metrics.deliveries_created.inc_by(created as u64);
        inner.backend.wake(Wake::Deliveries);
    }
    Ok(page.events.len())
}

fn new_delivery(
    route: &Route,
    event: &EventEnvelope,
    lane: Option<String>,
    trigger: &'static str,
) -> NewDelivery {
    NewDelivery {
        endpoint_id: route.id.clone(),
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        directory_id: event.directory_id.clone(),
        sequence: event.sequence,
        lane,
        trigger,
        event_created_at: event.created_at,
    }
}

/// Advances every running replay job by one page; `true` if any made progress.
async fn replays_once(inner: &Inner) -> Result<bool, DispatchError> {
    let store = &inner.store;
    let jobs = store.running_webhook_replays().await?;
    let mut progressed = false;
    for job in jobs {
        let Some(endpoint) = store.find_webhook_endpoint(&job.endpoint_id).await? else {
            continue;
        };
        let route = Route::of(&endpoint);
        let cursor = roster_store::EventCursor {
            tx_id: job.cursor_tx_id,
            position: job.cursor_position,
        };
        let page = store
            .list_events(&EventQuery {
                after: cursor,
                limit: FANOUT_BATCH,
                directory_id: job.directory_id.clone(),
                wait_for_recent: Duration::ZERO,
                ..EventQuery::default()
            })
            .await?;
        let mut done = page.events.is_empty();
        let mut deliveries = Vec::new();
        for event in &page.events {
            if event.created_at > job.until {
                done = true;
                break;
            }
            let in_range = job
                .after_sequence
                .is_none_or(|after| event.sequence.is_some_and(|s| s > after))
                && job.since.is_none_or(|since| event.created_at >= since);
            if in_range && route.matches(event) {
                // Replayed events keep their order per directory within the job.
                let lane = route.ordered.then(|| {
                    format!(
                        "replay:{}:{}",
                        job.id,
                        event.directory_id.as_deref().unwrap_or_default()
                    )
                });
                deliveries.push(new_delivery(&route, event, lane, "replay"));
            }
        }
        let created = deliveries.len();
        if store
            .advance_webhook_replay(&job.id, cursor, page.next_cursor, deliveries, done)
            .await?
        {
            progressed |= !done;
            if created > 0 {
                inner.metrics.deliveries_created.inc_by(created as u64);
                inner.backend.wake(Wake::Deliveries);
            }
            if done {
                tracing::info!(replay_id = %job.id, "webhook replay finished");
            }
        }
    }
    Ok(progressed)
}

async fn claim_loop(
    inner: Arc<Inner>,
    results: mpsc::UnboundedSender<Done>,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(inner.config.concurrency.max(1)));
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => return,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let mut permits = vec![first];
        while permits.len() < CLAIM_BATCH {
            match Arc::clone(&slots).try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let now = Utc::now();
        let lease_until = now
            + chrono::Duration::from_std(inner.config.lease())
                .unwrap_or_else(|_| chrono::Duration::seconds(60));
        let claimed = match inner
            .store
            .claim_due_deliveries(now, lease_until, permits.len() as u64)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "claiming webhook deliveries failed; retrying");
                drop(permits);
                pause(&shutdown, Duration::from_secs(1)).await;
                continue;
            }
        };
        if claimed.is_empty() {
            drop(permits);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = inner.backend.wait(Wake::Deliveries, inner.config.poll_interval) => {}
            }
            continue;
        }
        permits.truncate(claimed.len());
        if let Err(e) = start_attempts(&inner, claimed, permits, &results).await {
            // The claimed deliveries' leases run out and they are claimed again.
            tracing::warn!(error = %e, "loading claimed webhook deliveries failed");
            pause(&shutdown, Duration::from_secs(1)).await;
        }
    }
}

async fn start_attempts(
    inner: &Arc<Inner>,
    claimed: Vec<ClaimedDelivery>,
    permits: Vec<OwnedSemaphorePermit>,
    results: &mpsc::UnboundedSender<Done>,
) -> Result<(), DispatchError> {
    let mut endpoint_ids: Vec<String> = claimed.iter().map(|c| c.endpoint_id.clone()).collect();
    endpoint_ids.sort();
    endpoint_ids.dedup();
    let endpoints: HashMap<String, Arc<webhook_endpoint::Model>> = inner
        .store
        .webhook_endpoints_by_ids(endpoint_ids)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), Arc::new(e)))
        .collect();
    let event_ids: Vec<String> = claimed.iter().map(|c| c.event_id.clone()).collect();
    let events: HashMap<String, Arc<EventEnvelope>> = inner
        .store
        .events_by_ids(event_ids)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), Arc::new(e)))
        .collect();
    for (delivery, permit) in claimed.into_iter().zip(permits) {
        let inner = Arc::clone(inner);
        let endpoint = endpoints.get(&delivery.endpoint_id).cloned();
        let event = events.get(&delivery.event_id).cloned();
        let results = results.clone();
        tokio::spawn(async move {
            let completion = attempt(&inner, delivery, endpoint, event).await;
            let _ = results.send(Done {
                completion,
                _permit: permit,
            });
        });
    }
    Ok(())
}

/// Makes one signed attempt and decides what happens next.
async fn attempt(
    inner: &Inner,
    delivery: ClaimedDelivery,
    endpoint: Option<Arc<webhook_endpoint::Model>>,
    event: Option<Arc<EventEnvelope>>,
) -> Completion {
    let number = delivery.attempts + 1;
    let started_at = Utc::now();
    let prepared = match (endpoint, event) {
        (Some(endpoint), Some(event)) => prepare(inner, &endpoint, &event, started_at)
            .map(|(headers, body)| (endpoint, headers, body)),
        (None, _) => Err("the endpoint no longer exists".to_owned()),
        (_, None) => Err("the event no longer exists".to_owned()),
    };
    let outcome = match prepared {
        Ok((endpoint, headers, body)) => inner.client.post(&endpoint.url, headers, body).await,
        Err(error) => crate::http::AttemptOutcome {
            status: None,
            latency: Duration::ZERO,
            error: Some(error),
            response_excerpt: None,
            retry_after: None,
        },
    };
    let succeeded = outcome.succeeded();
    let gone = outcome.status == Some(410);
    let retry_at = if succeeded {
        None
    } else {
        let schedule = &inner.config.retry_schedule;
        schedule
            .next_delay(
                usize::try_from(number).unwrap_or(usize::MAX),
                outcome.retry_after,
            )
            // `ordering: directory`: the next event waits for this one's success, so the head
            // never gives up; the endpoint's failing-for-days rule is what ends it.
            .or_else(|| {
                delivery
                    .lane
                    .is_some()
                    .then(|| schedule.last_delay(outcome.retry_after))
                    .flatten()
            })
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| Utc::now() + d)
    };
    let label = match (succeeded, gone, retry_at.is_some()) {
        (true, _, _) => "succeeded",
        (false, true, _) => "gone",
        (false, false, true) => "retrying",
        (false, false, false) => "failed",
    };
    inner.metrics.attempt(label);
    inner
        .metrics
        .attempt_latency
        .observe(outcome.latency.as_secs_f64());
    Completion {
        delivery_id: delivery.id,
        endpoint_id: delivery.endpoint_id,
        lane: delivery.lane,
        attempt_number: number,
        started_at,
        latency_ms: i32::try_from(outcome.latency.as_millis()).unwrap_or(i32::MAX),
        status_code: outcome.status.map(i32::from),
        succeeded,
        error: outcome.error,
        response_excerpt: outcome.response_excerpt,
        retry_at,
        gone,
    }
}

/// The body (the event envelope exactly as the Events API shows it) and signed headers.
fn prepare(
    inner: &Inner,
    endpoint: &webhook_endpoint::Model,
    event: &EventEnvelope,
    now: chrono::DateTime<Utc>,
) -> Result<(reqwest::header::HeaderMap, Vec<u8>), String> {
    use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
    let body = serde_json::to_vec(event).map_err(|e| format!("cannot encode the event: {e}"))?;
    let secrets = signing_secrets(endpoint, &inner.secrets, now).map_err(|e| e.to_string())?;
    let timestamp = unix_seconds(now);
    let signature = crate::sign::signature_header(&secrets, &event.id, timestamp, &body);
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let value = |s: &str| HeaderValue::from_str(s).map_err(|e| format!("bad header value: {e}"));
    headers.insert("webhook-id", value(&event.id)?);
    headers.insert("webhook-timestamp", value(&timestamp.to_string())?);
    headers.insert("webhook-signature", value(&signature)?);
    Ok((headers, body))
}

/// Records outcomes: the batch in one transaction, or, if that fails, each outcome on its own, so
/// one outcome that cannot be written does not hold back (or lose) the others. Retries stay well
/// inside the lease: past it, the delivery is claimed again anyway (at least once).
async fn record_outcomes(
    inner: &Inner,
    completions: Vec<Completion>,
    disable_after: chrono::Duration,
) {
    let apply = |disabled: Vec<roster_store::webhooks::DisabledEndpoint>| {
        if !disabled.is_empty() {
            inner
                .metrics
                .endpoints_disabled
                .inc_by(disabled.len() as u64);
            inner.backend.wake(Wake::Events);
        }
    };
    match inner
        .store
        .complete_deliveries(completions.clone(), disable_after)
        .await
    {
        Ok(disabled) => return apply(disabled),
        Err(e) if completions.len() == 1 => {
            tracing::warn!(error = %e, "recording a webhook attempt failed; retrying");
        }
        Err(e) => {
            tracing::warn!(error = %e, count = completions.len(),
                "recording a batch of webhook attempts failed; recording them one by one");
        }
    }
    for completion in completions {
        let mut tries = 0u32;
        loop {
            match inner
                .store
                .complete_deliveries(vec![completion.clone()], disable_after)
                .await
            {
                Ok(disabled) => {
                    apply(disabled);
                    break;
                }
                Err(e) => {
                    tries += 1;
                    if tries >= 5 {
                        tracing::error!(error = %e, delivery_id = %completion.delivery_id,
                            "giving up recording a webhook attempt; the delivery will be attempted again when its lease ends");
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(tries))).await;
                }
            }
        }
    }
}

async fn complete_loop(inner: Arc<Inner>, mut results: mpsc::UnboundedReceiver<Done>) {
    let disable_after = chrono::Duration::from_std(inner.config.disable_after)
        .unwrap_or_else(|_| chrono::Duration::days(5));
    while let Some(first) = results.recv().await {
        let mut batch = vec![first];
        while batch.len() < COMPLETE_BATCH {
            match results.try_recv() {
                Ok(done) => batch.push(done),
                Err(_) => break,
            }
        }
        let completions: Vec<Completion> = batch.iter().map(|d| d.completion.clone()).collect();
        record_outcomes(&inner, completions, disable_after).await;
        drop(batch);
        inner.backend.wake(Wake::Deliveries);
    }
}
