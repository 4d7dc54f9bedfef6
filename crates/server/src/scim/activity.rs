//! The activity log: every SCIM request of a known directory, with its outcome.
//!
//! Records are written off the request path, in batches, by one background task: an IdP's
//! import should not pay a second database write per request. A record can be lost in a crash;
//! the event store is where nothing may be lost.

use super::{RequestDirectory, RequestExcerpt};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{web, HttpMessage};
use chrono::Utc;
use roster_store::entity::request_activity;
use roster_store::Store;
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::Value;
use std::future::Future;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// At most this many records wait for the writer; past it, records are dropped (and counted in
/// the log) rather than slowing the IdP down.
const QUEUE: usize = 10_000;
const BATCH: usize = 500;
const EXCERPT_BYTES: usize = 2048;
/// How long the writer gathers records before writing them.
const LINGER: std::time::Duration = std::time::Duration::from_millis(200);
/// How long a shutdown waits for the last records to be written.
const FINISH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What the SCIM error said, attached to the response for the log.
#[derive(Clone)]
pub struct ErrorSummary {
    pub scim_type: Option<String>,
    pub detail: String,
}

pub struct Recorder {
    sender: mpsc::Sender<request_activity::ActiveModel>,
    stop: CancellationToken,
    writer: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Recorder {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> Self {
        let (sender, mut receiver) = mpsc::channel::<request_activity::ActiveModel>(QUEUE);
        let stop = CancellationToken::new();
        let stopping = stop.clone();
        let writer = tokio::spawn(async move {
            loop {
                let first = tokio::select! {
                    row = receiver.recv() => match row {
                        Some(row) => row,
                        None => return,
                    },
                    () = stopping.cancelled() => {
                        // Shutting down: what is queued is written before the process exits.
                        let mut rest = Vec::new();
                        while let Ok(row) = receiver.try_recv() {
                            rest.push(row);
                        }
                        for batch in rest.chunks(BATCH) {
                            write(&store, batch.to_vec()).await;
                        }
                        return;
                    }
                };
                // Gather what arrives within a short window: one write per window, not one per
                // request, when an IdP sends requests one at a time.
                let mut batch = vec![first];
                let window = tokio::time::sleep(LINGER);
                tokio::pin!(window);
                while batch.len() < BATCH {
                    tokio::select! {
                        row = receiver.recv() => match row {
                            Some(row) => batch.push(row),
                            None => break,
                        },
                        () = &mut window => break,
                        () = stopping.cancelled() => break,
                    }
                }
                write(&store, batch).await;
            }
        });
        Self {
            sender,
            stop,
            writer: std::sync::Mutex::new(Some(writer)),
        }
    }

    /// Writes what is queued and stops the writer; called once the server has drained its
    /// requests, so that the last requests before a shutdown are in the log too.
    pub async fn finish(&self) {
        self.stop.cancel();
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            if tokio::time::timeout(FINISH_TIMEOUT, writer).await.is_err() {
                tracing::warn!("SCIM activity records still unwritten at shutdown were dropped");
            }
        }
    }

    fn push(&self, row: request_activity::ActiveModel) {
        if self.sender.try_send(row).is_err() {
            tracing::warn!("SCIM activity queue full; a record was dropped");
        }
    }
}

async fn write(store: &Store, batch: Vec<request_activity::ActiveModel>) {
    if let Err(e) = store.record_activity(batch).await {
        tracing::warn!(error = %e, "could not write SCIM activity records");
    }
}

/// The body as the log keeps it: secrets redacted, at most 2 KiB.
pub fn excerpt(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            redact(&mut v);
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    truncate(text, EXCERPT_BYTES)
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Replaces the value of every `password`-like key, at any depth (PATCH values included).
fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let mut path_is_password = false;
            for (k, val) in map.iter_mut() {
                let key = k.to_ascii_lowercase();
                if key.contains("password") || key.contains("secret") || key == "token" {
                    *val = Value::String("[redacted]".into());
                } else if key == "path" {
                    path_is_password = val
                        .as_str()
                        .is_some_and(|p| p.to_ascii_lowercase().contains("password"));
                } else {
                    redact(val);
                }
            }
            if path_is_password {
                if let Some(val) = map.get_mut("value") {
                    *val = Value::String("[redacted]".into());
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Middleware around the SCIM scope: times the request and queues its record.
pub fn record<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + 'static
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    let started = Instant::now();
    let method = req.method().to_string();
    let path = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{}", req.path(), roster_scim::list::percent_decode(q)),
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| truncate(s.to_owned(), 300));
    let state = req.app_data::<web::Data<crate::state::AppState>>().cloned();
    let fut = srv.call(req);
    async move {
        let res = fut.await?;
        let directory = res
            .request()
            .extensions()
            .get::<RequestDirectory>()
            .cloned();
        if let (Some(directory), Some(state)) = (directory, state) {
            let excerpt = res
                .request()
                .extensions()
                .get::<RequestExcerpt>()
                .map(|e| e.0.clone());
            let error = res.response().extensions().get::<ErrorSummary>().cloned();
            let idp = user_agent
                .as_deref()
                .and_then(roster_core::normalize::idp_fingerprint)
                .map(str::to_owned);
            state.scim.activity.push(request_activity::ActiveModel {
                id: NotSet,
                directory_id: Set(directory.directory_id),
                organization_id: Set(directory.organization_id),
                method: Set(method),
                path: Set(truncate(path, 1000)),
                status: Set(i32::from(res.status().as_u16())),
                latency_ms: Set(i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)),
                scim_type: Set(error.as_ref().and_then(|e| e.scim_type.clone())),
                error: Set(error.map(|e| truncate(e.detail, 1000))),
                created_at: Set(Utc::now()),
                user_agent: Set(user_agent),
                idp: Set(idp),
                request_excerpt: Set(excerpt),
            });
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        let body = br#"{"userName":"a","password":"hunter2","Operations":[
            {"op":"replace","path":"password","value":"s3cret"},
            {"op":"replace","value":{"password":"p2","active":false}}]}"#;
        let e = excerpt(body);
        assert!(
            !e.contains("hunter2") && !e.contains("s3cret") && !e.contains("p2\""),
            "{e}"
        );
        assert!(e.contains("userName"));
    }

    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let long = format!("{{\"x\":\"{}\"}}", "é".repeat(3000));
        let e = excerpt(long.as_bytes());
        assert!(e.len() <= EXCERPT_BYTES + 3);
        assert!(e.ends_with('…'));
    }
}
