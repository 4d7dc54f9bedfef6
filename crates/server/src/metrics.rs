//! `GET /metrics`: Prometheus (OpenMetrics text) for every role.
//!
//! Counters and histograms are this process's; the queue gauges are read from the database at
//! scrape time, so any replica reports the same, true backlog.

use crate::state::AppState;
use actix_web::{web, HttpResponse};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(serve));
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    pub dispatch: roster_dispatch::DispatchMetrics,
    queue_depth: Gauge,
    oldest_undelivered: Gauge<f64, AtomicU64>,
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
        Metrics {
            registry,
            dispatch,
            queue_depth,
            oldest_undelivered,
        }
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
