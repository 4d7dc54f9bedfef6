//! Webhook delivery, driven by the event store (the outbox).
//!
//! ```text
//!  events (committed) ──► fan-out ──► webhook_deliveries ──► claimers ──► HTTP ──► completer
//!   cursor in the DB      one txn:      (pending, due at)     leases       signed    batch txn:
//!                         deliveries +                                             attempts,
//!                         cursor move                                              retries, disable
//! ```
//!
//! - [`endpoint`]: routing (`matches`), secrets and rotation.
//! - [`sign`]: Standard Webhooks signatures; [`crypto`]: secrets encrypted at rest.
//! - [`http`]: the outbound client and the SSRF guard; [`schedule`]: retries, jitter, `Retry-After`.
//! - [`backend`]: how workers are woken (in-process or Redis); the database stays the truth.
//! - [`worker`]: the loops; [`metrics`]: Prometheus metrics.
#![forbid(unsafe_code)]

pub mod backend;
pub mod crypto;
pub mod endpoint;
pub mod http;
pub mod metrics;
pub mod schedule;
pub mod sign;
pub mod worker;

pub use backend::{InProcess, QueueBackend, RedisBackend, Wake};
pub use crypto::SecretBox;
pub use http::{NetworkGuard, WebhookClient};
pub use metrics::DispatchMetrics;
pub use schedule::RetrySchedule;
pub use sign::SigningSecret;
pub use worker::{DispatchConfig, Dispatcher};

/// Everything that can go wrong in the dispatcher.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Store(#[from] roster_store::StoreError),
    #[error("secret storage: {0}")]
    Crypto(String),
    #[error("HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{0}")]
    Invalid(String),
}
