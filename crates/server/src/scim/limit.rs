//! The per-directory SCIM rate limit: a token bucket per directory, in this process.
//!
//! Generous by default (an IdP's initial import runs flat out); it exists so that one tenant's
//! runaway client cannot starve the others.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    /// Tokens per second; 0 turns the limit off.
    rate: f64,
    burst: f64,
    buckets: moka::sync::Cache<String, Arc<Mutex<Bucket>>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second);
        Self {
            rate,
            burst: rate * 2.0,
            buckets: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
        }
    }

    /// Takes one request from the directory's budget, or says how long until there is one.
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
