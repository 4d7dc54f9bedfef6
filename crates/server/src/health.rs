//! Liveness and readiness probes.

use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// The process is up and serving HTTP.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The process can do its work: the database answers (503 otherwise: take the replica out of
/// the load balancer). Redis is reported but does not make a replica unready: without it every
/// replica still serves (the database is the truth; dispatch polls, rate limits fall back to
/// each process), and failing every replica's readiness on a Redis restart would turn a blip
/// into an outage.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (database, redis) = tokio::join!(state.store.ping(), state.queue.ping());
    let redis = redis.map(|up| if up { "ok" } else { "unreachable" });
    match database {
        Ok(()) => {
            let status = if redis == Some("unreachable") {
                "degraded"
            } else {
                "ready"
            };
            HttpResponse::Ok().json(json!({"status": status, "database": "ok", "redis": redis}))
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((actix_web::http::header::RETRY_AFTER, "5"))
                .json(json!({"status": "not_ready", "database": "unreachable", "redis": redis}))
        }
    }
}
