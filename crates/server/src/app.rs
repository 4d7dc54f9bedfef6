//! Boot: open the store, build the app, serve on a bound listener until a shutdown signal.
//!
//! `main` and every test call [`start`] the same way; tests bind `127.0.0.1:0`.

use crate::auth::Verifier;
use crate::config::{secret_bytes, Config, ConfigError};
use crate::error::{path_config, payload_config, query_config, ApiError};
use crate::state::AppState;
use crate::telemetry::RosterRootSpan;
use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use roster_store::{Store, StoreOptions};
use std::net::TcpListener;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::{RequestId, TracingLogger};

/// Which parts of Roster this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// HTTP (SCIM, management API, events API) and dispatch workers.
    All,
    /// HTTP only.
    Api,
    /// Dispatch workers only; HTTP serves just /healthz and /readyz for probes.
    Worker,
}

impl Role {
    pub fn serves_api(self) -> bool {
        matches!(self, Role::All | Role::Api)
    }
}

/// Opens the database named by the configuration, with an error naming the setting.
pub async fn open_store(config: &Config) -> Result<Store, ConfigError> {
    config.prepare_data_dir()?;
    Store::connect(
        &config.database_url,
        &StoreOptions {
            max_connections: config.database_max_connections,
            ..StoreOptions::default()
        },
    )
    .await
    .map_err(|e| {
        ConfigError::new(
            "ROSTER_DATABASE_URL",
            format!(
                "cannot use database {}: {}",
                crate::config::redact_url(&config.database_url),
                root_cause(&e)
            ),
        )
    })
}

fn root_cause(err: &dyn std::error::Error) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// A running server.
pub struct Running {
    pub local_addr: std::net::SocketAddr,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts serving on `listener` until `shutdown` is cancelled; in-flight requests then get up to
/// 30 seconds to finish.
pub fn start(
    listener: TcpListener,
    state: AppState,
    role: Role,
    shutdown: CancellationToken,
) -> std::io::Result<Running> {
    let local_addr = listener.local_addr()?;
    spawn_dispatch(&state, role, shutdown.clone())?;
    spawn_statistics_refresh(&state, shutdown.clone());
    let state = web::Data::new(state);
    let after_drain = state.clone();
    let server = HttpServer::new(move || {
        let app = App::new()
            .app_data(state.clone())
            .app_data(payload_config())
            .app_data(query_config())
            .app_data(crate::portal::form_config())
            .app_data(path_config())
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().copied();
                let started = std::time::Instant::now();
                let method = req.method().to_string();
                let metrics = req
                    .app_data::<web::Data<AppState>>()
                    .map(|s| std::sync::Arc::clone(&s.metrics));
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    if let Some(metrics) = metrics {
                        // The matched pattern, not the path: ids would make a series per tenant.
                        let route = res
                            .request()
                            .match_pattern()
                            .unwrap_or_else(|| "unmatched".to_owned());
                        metrics.observe(
                            &route,
                            &method,
                            res.status().as_u16(),
                            started.elapsed().as_secs_f64(),
                        );
                    }
                    if let Some(id) = request_id {
                        if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                    }
                    Ok(res)
                }
            })
            .wrap(TracingLogger::<RosterRootSpan>::new())
            .configure(crate::health::routes)
            .configure(crate::metrics::routes);
        let app = if role.serves_api() {
            app.configure(crate::api::configure)
                .configure(crate::scim::configure)
                .configure(crate::portal::routes)
        } else {
            app
        };
        app.default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::NotFound("route"))
        }))
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(30)
    .run();
    let server_handle = server.handle();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        server_handle.stop(true).await;
    });
    Ok(Running {
        local_addr,
        handle: tokio::spawn(async move {
            let served = server.await;
            // In-flight requests are done: their activity records are queued; write them.
            after_drain.scim.activity.finish().await;
            served
        }),
    })
}

/// Keeps PostgreSQL's planner statistics fresh while the directory tables are young, so a first
/// import never runs on plans made for empty tables (see `roster_store::planner`).
fn spawn_statistics_refresh(state: &AppState, shutdown: CancellationToken) {
    if state.store.backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(STATISTICS_REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            match store.analyze_young_tables().await {
                Ok(tables) if !tables.is_empty() => {
                    tracing::debug!(?tables, "planner statistics refreshed");
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "planner statistics refresh failed"),
            }
        }
    });
}

/// How often young tables are checked for stale planner statistics.
const STATISTICS_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// Starts the webhook dispatcher (roles `all` and `worker`). An `api` replica with Redis still
/// announces its commits, so that workers elsewhere wake at once.
fn spawn_dispatch(
    state: &AppState,
    role: Role,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    if role == Role::Api {
        if state.queue.name() != "in-process" {
            tokio::spawn(std::sync::Arc::clone(&state.queue).run(shutdown.clone()));
            roster_dispatch::worker::spawn_commit_forwarder(
                state.store.clone(),
                std::sync::Arc::clone(&state.queue),
                shutdown,
            );
        }
        return Ok(());
    }
    let dispatcher = roster_dispatch::Dispatcher::new(
        state.store.clone(),
        state.webhook_secrets.clone(),
        state.dispatch.clone(),
        std::sync::Arc::clone(&state.queue),
        state.metrics.dispatch.clone(),
    )
    .map_err(std::io::Error::other)?;
    dispatcher.spawn(shutdown);
    Ok(())
}

/// Everything `serve` needs, built from configuration.
pub async fn build_state(config: &mut Config, store: Store) -> Result<AppState, ConfigError> {
    let secret = config.ensure_secret_key()?;
    let queue: std::sync::Arc<dyn roster_dispatch::QueueBackend> = match &config.redis_url {
        Some(url) => std::sync::Arc::new(
            roster_dispatch::RedisBackend::new(url, &config.redis_prefix).map_err(|e| {
                ConfigError::new("ROSTER_REDIS_URL", format!("cannot use Redis: {e}"))
            })?,
        ),
        None => std::sync::Arc::new(roster_dispatch::InProcess::default()),
    };
    let limiter = match &config.redis_url {
        Some(url) => crate::scim::limit::RateLimiter::shared(
            config.scim_rate_limit,
            url,
            &config.redis_prefix,
        )
        .map_err(|e| ConfigError::new("ROSTER_REDIS_URL", format!("cannot use Redis: {e}")))?,
        None => crate::scim::limit::RateLimiter::new(config.scim_rate_limit),
    };
    Ok(AppState {
        webhook_secrets: roster_dispatch::SecretBox::new(&secret_bytes(&secret)),
        queue,
        dispatch: config.dispatch.clone(),
        metrics: std::sync::Arc::new(crate::metrics::Metrics::new()),
        scim: crate::scim::ScimRuntime::new(store.clone(), limiter, config.scim_max_payload_bytes),
        portal: crate::portal::PortalRuntime::new(
            &secret_bytes(&secret),
            config.portal.branding.clone(),
            config.portal.link_ttl,
            config.portal.session_ttl,
            config.public_url.starts_with("https://"),
        ),
        store,
        public_url: config.public_url.clone(),
        verifier: Verifier::new(
            &secret_bytes(&secret),
            Duration::from_secs(config.api_key_cache_seconds),
        ),
    })
}
