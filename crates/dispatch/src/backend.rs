//! Queue backends: how workers learn that work is waiting.
//!
//! The database is the state of record (deliveries, leases, cursors); a backend only carries
//! wake-ups, so losing one costs latency, never an event. Every loop also polls on a short timer.
//!
//! - [`InProcess`] (embedded default): `tokio::sync::Notify` inside one process.
//! - [`RedisBackend`] (production): the same, plus `PUBLISH`/`SUBSCRIBE` on
//!   `{prefix}:dispatch` so that an event committed by one replica, or a lane released by one
//!   worker, wakes the workers of every replica. The subscriber reconnects by itself after a Redis
//!   restart (and then wakes every loop, to catch up on what it may have missed); publishing
//!   is coalesced and never blocks a worker.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The kinds of work a wake-up announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// New events were committed: the fan-out should read the stream.
    Events,
    /// Deliveries became due: claimers should claim.
    Deliveries,
}

impl Wake {
    fn code(self) -> &'static str {
        match self {
            Wake::Events => "e",
            Wake::Deliveries => "d",
        }
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A queue backend (see the module docs).
pub trait QueueBackend: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Wakes the loops waiting for `kind`, in this process and (if distributed) in others.
    fn wake(&self, kind: Wake);
    /// Completes on a wake-up of `kind` or after `timeout`, whichever comes first.
    fn wait(&self, kind: Wake, timeout: Duration) -> BoxFuture<'_, ()>;
    /// Runs the backend's background work (subscriptions) until `shutdown`.
    fn run(self: Arc<Self>, shutdown: CancellationToken) -> BoxFuture<'static, ()>;
    /// Whether the backend's server answers (`None`: there is none, in-process).
    fn ping(&self) -> BoxFuture<'_, Option<bool>> {
        Box::pin(async { None })
    }
}

/// Local wake-ups, shared by both backends.
#[derive(Debug, Default)]
struct Signals {
    events: Notify,
    deliveries: Notify,
}

impl Signals {
    fn get(&self, kind: Wake) -> &Notify {
        match kind {
            Wake::Events => &self.events,
            Wake::Deliveries => &self.deliveries,
        }
    }

    fn wait(&self, kind: Wake, timeout: Duration) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = tokio::time::timeout(timeout, self.get(kind).notified()).await;
        })
    }
}

/// One process, no infrastructure.
#[derive(Debug, Default)]
pub struct InProcess {
    signals: Signals,
}

impl QueueBackend for InProcess {
    fn name(&self) -> &'static str {
        "in-process"
    }

    fn wake(&self, kind: Wake) {
        self.signals.get(kind).notify_one();
    }

    fn wait(&self, kind: Wake, timeout: Duration) -> BoxFuture<'_, ()> {
        self.signals.wait(kind, timeout)
    }

    fn run(self: Arc<Self>, shutdown: CancellationToken) -> BoxFuture<'static, ()> {
        Box::pin(async move { shutdown.cancelled().await })
    }
}

/// Redis pub/sub wake-ups across replicas.
pub struct RedisBackend {
    client: redis::Client,
    channel: String,
    signals: Signals,
    /// What the publisher task still has to announce.
    outgoing: Notify,
    pending_events: std::sync::atomic::AtomicBool,
    pending_deliveries: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// `url` is `redis://…`; every key and channel starts with `prefix`.
    pub fn new(url: &str, prefix: &str) -> Result<RedisBackend, redis::RedisError> {
        Ok(RedisBackend {
            client: redis::Client::open(url)?,
            channel: format!("{prefix}:dispatch"),
            signals: Signals::default(),
            outgoing: Notify::new(),
            pending_events: false.into(),
            pending_deliveries: false.into(),
        })
    }

    async fn subscribe_loop(self: Arc<Self>, shutdown: CancellationToken) {
        use futures_util::StreamExt;
        let mut pause = Duration::from_millis(100);
        loop {
            let connected = async {
                let mut pubsub = self.client.get_async_pubsub().await?;
                pubsub.subscribe(&self.channel).await?;
                Ok::<_, redis::RedisError>(pubsub)
            }
            .await;
            match connected {
                Ok(mut pubsub) => {
                    tracing::info!(channel = %self.channel, "dispatch wake-ups subscribed on Redis");
                    pause = Duration::from_millis(100);
                    // Anything published while we were away: look now.
                    self.signals.events.notify_one();
                    self.signals.deliveries.notify_one();
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            message = messages.next() => match message {
                                Some(message) => {
                                    let payload: String = message.get_payload().unwrap_or_default();
                                    if payload.contains('e') {
                                        self.signals.events.notify_one();
                                    }
                                    if payload.contains('d') {
                                        self.signals.deliveries.notify_one();
                                    }
                                }
                                None => break,
                            }
                        }
                    }
                    tracing::warn!("Redis subscription lost; reconnecting");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Redis unavailable for dispatch wake-ups; polling meanwhile");
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    async fn publish_loop(self: Arc<Self>, shutdown: CancellationToken) {
        use std::sync::atomic::Ordering;
        let mut connection: Option<redis::aio::MultiplexedConnection> = None;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.outgoing.notified() => {}
            }
            let mut payload = String::new();
            if self.pending_events.swap(false, Ordering::AcqRel) {
                payload.push_str(Wake::Events.code());
            }
            if self.pending_deliveries.swap(false, Ordering::AcqRel) {
                payload.push_str(Wake::Deliveries.code());
            }
            if payload.is_empty() {
                continue;
            }
            if connection.is_none() {
                match self.client.get_multiplexed_async_connection().await {
                    Ok(c) => connection = Some(c),
                    Err(e) => {
                        tracing::debug!(error = %e, "Redis unavailable; wake-up not published");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                }
            }
            if let Some(conn) = connection.as_mut() {
                let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(&self.channel)
                    .arg(&payload)
                    .query_async(conn)
                    .await;
                if let Err(e) = sent {
                    tracing::debug!(error = %e, "Redis publish failed; reconnecting");
                    connection = None;
                }
            }
        }
    }
}

impl QueueBackend for RedisBackend {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn wake(&self, kind: Wake) {
        use std::sync::atomic::Ordering;
        self.signals.get(kind).notify_one();
        match kind {
            Wake::Events => self.pending_events.store(true, Ordering::Release),
            Wake::Deliveries => self.pending_deliveries.store(true, Ordering::Release),
        }
        self.outgoing.notify_one();
    }

    fn wait(&self, kind: Wake, timeout: Duration) -> BoxFuture<'_, ()> {
        self.signals.wait(kind, timeout)
    }

    fn ping(&self) -> BoxFuture<'_, Option<bool>> {
        Box::pin(async move {
            let ping = async {
                let mut connection = self.client.get_multiplexed_async_connection().await?;
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
            };
            let answered = tokio::time::timeout(Duration::from_secs(1), ping).await;
            Some(matches!(answered, Ok(Ok(_))))
        })
    }

    fn run(self: Arc<Self>, shutdown: CancellationToken) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let subscriber = tokio::spawn(Arc::clone(&self).subscribe_loop(shutdown.clone()));
            let publisher = tokio::spawn(self.publish_loop(shutdown));
            let _ = tokio::join!(subscriber, publisher);
        })
    }
}
