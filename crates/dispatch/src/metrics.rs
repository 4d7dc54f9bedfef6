//! The dispatcher's Prometheus metrics (registered by the server at `GET /metrics`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `succeeded`, `retrying`, `failed` (retries exhausted) or `gone` (410, endpoint disabled).
    pub outcome: String,
}

/// Counters and histograms updated by the workers of this process.
#[derive(Clone, Debug)]
pub struct DispatchMetrics {
    pub attempts: Family<OutcomeLabels, Counter>,
    pub attempt_latency: Histogram,
    pub deliveries_created: Counter,
    pub endpoints_disabled: Counter,
}

impl Default for DispatchMetrics {
    fn default() -> Self {
        DispatchMetrics {
            attempts: Family::default(),
            attempt_latency: Histogram::new(exponential_buckets(0.001, 2.0, 16)),
            deliveries_created: Counter::default(),
            endpoints_disabled: Counter::default(),
        }
    }
}

impl DispatchMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "roster_webhook_attempts",
            "Webhook delivery attempts by outcome",
            self.attempts.clone(),
        );
        registry.register(
            "roster_webhook_attempt_duration_seconds",
            "Webhook attempt latency (request sent to response read)",
            self.attempt_latency.clone(),
        );
        registry.register(
            "roster_webhook_deliveries_created",
            "Deliveries created by the fan-out, resends and replays",
            self.deliveries_created.clone(),
        );
        registry.register(
            "roster_webhook_endpoints_disabled",
            "Endpoints disabled by the dispatcher (410 Gone or failing for too long)",
            self.endpoints_disabled.clone(),
        );
    }

    pub fn attempt(&self, outcome: &str) {
        self.attempts
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}
