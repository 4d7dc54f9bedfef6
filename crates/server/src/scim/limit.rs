//! The per-directory SCIM rate limit.
//!
//! Generous by default (an IdP's initial import runs flat out); it exists so that one tenant's
//! runaway client cannot starve the others. With Redis configured the budget is shared by every
//! replica (GCRA in one Lua script, one round trip); without Redis, or while Redis is
//! unreachable, each process keeps its own token bucket, so a Redis outage never refuses a
//! request the local budget allows.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The shared budget: a theoretical arrival time per directory in Redis (GCRA). Returns 0 when
/// the request may go, else how many milliseconds until it may. Times come from Redis's clock,
/// the same for every replica.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + tonumber(now_parts[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - tolerance
if allowed_at > now then
  return math.ceil(allowed_at - now)
end
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil(tolerance + interval))
return 0
";

/// How long a Redis call may take before the local bucket decides instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// After a Redis failure, how long to use the local bucket before trying Redis again.
const REDIS_BACKOFF: Duration = Duration::from_secs(1);

struct Shared {
    client: redis::Client,
    prefix: String,
    script: redis::Script,
    connection: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
    /// Until when Redis is skipped after a failure.
    resting_until: Mutex<Option<Instant>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    /// Tokens per second; 0 turns the limit off.
    rate: f64,
    burst: f64,
    buckets: moka::sync::Cache<String, Arc<Mutex<Bucket>>>,
    shared: Option<Shared>,
}

impl RateLimiter {
    /// A limiter of this process alone.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second);
        Self {
            rate,
            burst: rate * 2.0,
            buckets: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            shared: None,
        }
    }

    /// A limiter whose budget every replica on this Redis shares (keys `{prefix}:rate:{id}`).
    pub fn shared(per_second: u32, redis_url: &str, prefix: &str) -> redis::RedisResult<Self> {
        let mut limiter = Self::new(per_second);
        limiter.shared = Some(Shared {
            client: redis::Client::open(redis_url)?,
            prefix: prefix.to_owned(),
            script: redis::Script::new(GCRA),
            connection: tokio::sync::Mutex::new(None),
            resting_until: Mutex::new(None),
        });
        Ok(limiter)
    }

    /// Takes one request from the directory's budget (shared through Redis when configured and
    /// reachable), or says how long until there is one.
    pub async fn admit(&self, directory_id: &str) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        if let Some(shared) = &self.shared {
            if let Some(verdict) = self.ask_redis(shared, directory_id).await {
                return verdict;
            }
        }
        self.check(directory_id)
    }

    async fn ask_redis(&self, shared: &Shared, directory_id: &str) -> Option<Result<(), Duration>> {
        {
            let resting = shared
                .resting_until
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if resting.is_some_and(|until| Instant::now() < until) {
                return None;
            }
        }
        let interval_ms = 1000.0 / self.rate;
        let tolerance_ms = interval_ms * self.burst;
        let key = format!("{}:rate:{directory_id}", shared.prefix);
        let attempt = async {
            let mut guard = shared.connection.lock().await;
            if guard.is_none() {
                *guard = Some(shared.client.get_multiplexed_async_connection().await?);
            }
            let mut connection = guard.clone().expect("just set");
            drop(guard);
            shared
                .script
                .key(&key)
                .arg(interval_ms)
                .arg(tolerance_ms)
                .invoke_async::<u64>(&mut connection)
                .await
        };
        match tokio::time::timeout(REDIS_TIMEOUT, attempt).await {
            Ok(Ok(0)) => Some(Ok(())),
            Ok(Ok(wait_ms)) => Some(Err(Duration::from_millis(wait_ms))),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "Redis unavailable for the shared SCIM rate limit; each replica limits alone meanwhile");
                self.rest(shared).await;
                None
            }
            Err(_) => {
                tracing::warn!("Redis too slow for the shared SCIM rate limit; each replica limits alone meanwhile");
                self.rest(shared).await;
                None
            }
        }
    }

    /// Drops the connection and leaves Redis alone for a moment.
    async fn rest(&self, shared: &Shared) {
        *shared.connection.lock().await = None;
        *shared
            .resting_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(Instant::now() + REDIS_BACKOFF);
    }

    /// Takes one request from this process's budget of the directory, or says how long until
    /// there is one.
    pub fn check(&self, directory_id: &str) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let burst = self.burst;
        let bucket = self.buckets.get_with_by_ref(directory_id, || {
            Arc::new(Mutex::new(Bucket {
                tokens: burst,
                updated: Instant::now(),
            }))
        });
        let mut b = bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let elapsed = now.duration_since(b.updated).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_to_twice_the_rate_then_refuses_with_a_wait() {
        let limiter = RateLimiter::new(5);
        for _ in 0..10 {
            assert!(limiter.check("d1").is_ok());
        }
        let wait = limiter.check("d1").expect_err("the burst is spent");
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
        // Another directory has its own budget.
        assert!(limiter.check("d2").is_ok());
        assert!(RateLimiter::new(0).check("d1").is_ok());
    }
}
