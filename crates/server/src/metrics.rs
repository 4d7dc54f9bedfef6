//! `GET /metrics`: Prometheus (OpenMetrics text) for every role.
//!
//! Counters and histograms are this process's; the queue gauges are read from the database at
//! scrape time, so any replica reports the same, true backlog.

use crate::state::AppState;
use actix_web::{web, HttpResponse};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// An HTTP request: the route pattern (`/scim/v2/{directory_id}/Users`, never the ids, so the
/// number of series stays small), the method and the status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(serve));
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    pub dispatch: roster_dispatch::DispatchMetrics,
    queue_depth: Gauge,
    oldest_undelivered: Gauge<f64, AtomicU64>,
    events_written: Gauge,
    pub requests: Family<RequestLabels, Counter>,
    pub request_duration: Family<RouteLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let dispatch = roster_dispatch::DispatchMetrics::default();
        dispatch.register(&mut registry);
        let queue_depth = Gauge::default();
        registry.register(
            "roster_webhook_queue_depth",
            "Pending webhook deliveries of enabled endpoints",
            queue_depth.clone(),
        );
        let oldest_undelivered = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "roster_webhook_oldest_undelivered_event_age_seconds",
            "Age of the oldest event still owed to an enabled endpoint (0 when none)",
            oldest_undelivered.clone(),
        );
        let events_written = Gauge::default();
        registry.register(
            "roster_events_written",
            "Events committed to the event store since it began (read from the database, so every \
             replica reports the same; use rate() for events per second)",
            events_written.clone(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "roster_http_requests",
            "HTTP requests by route pattern, method and status",
            requests.clone(),
        );
        let request_duration = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "roster_http_request_duration_seconds",
            "HTTP request latency by route pattern",
            request_duration.clone(),
        );
        Metrics {
            registry,
            dispatch,
            queue_depth,
            oldest_undelivered,
            events_written,
            requests,
            request_duration,
        }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.request_duration
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }
}

async fn serve(state: web::Data<AppState>) -> HttpResponse {
    match state.store.webhook_queue_stats().await {
        Ok(stats) => {
            state.metrics.queue_depth.set(stats.pending);
            let age = stats
                .oldest_pending_event_at
                .map(|at| (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0)
                .unwrap_or(0.0);
            state.metrics.oldest_undelivered.set(age);
            state.metrics.events_written.set(stats.last_event_position);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the webhook queue"),
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &state.metrics.registry) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body)
}
