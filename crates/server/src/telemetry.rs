//! Logging: `tracing` with per-request root spans carrying the request id and, once known, the
//! organization and directory ids.

use crate::config::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `ROSTER_LOG` (or `RUST_LOG`) sets the filter.
pub fn init(format: LogFormat) {
    let filter = std::env::var("ROSTER_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Root span of every request, with empty tenant fields that extractors fill in.
pub struct RosterRootSpan;

impl RootSpanBuilder for RosterRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing_actix_web::root_span!(
            request,
            organization_id = tracing::field::Empty,
            directory_id = tracing::field::Empty
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Records the tenant ids of a request on its root span.
pub fn record_tenant(
    req: &actix_web::HttpRequest,
    organization_id: Option<&str>,
    directory_id: Option<&str>,
) {
    use actix_web::HttpMessage;
    if let Some(span) = req.extensions().get::<tracing_actix_web::RootSpan>() {
        if let Some(org) = organization_id {
            span.record("organization_id", org);
        }
        if let Some(dir) = directory_id {
            span.record("directory_id", dir);
        }
    }
}
