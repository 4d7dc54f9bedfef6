//! `GET /events`: the event stream, oldest first, with a cursor that never skips or repeats.

use super::ApiKey;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use roster_core::{EventEnvelope, EventType};
use roster_store::{EventCursor, EventQuery};
use serde::{Deserialize, Serialize};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/events")
            .default_service(super::method_not_allowed("GET"))
            .route(web::get().to(list)),
    );
}

/// How long a read waits for transactions that were in flight when it arrived, so that a consumer
/// woken by a webhook finds that webhook's event.
const READ_YOUR_WRITES_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventParams {
    /// A `next_cursor` from a previous call, or an event id; absent: from the beginning.
    pub after: Option<String>,
    /// 1–1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Comma-separated event types, e.g. `user.created,user.deactivated`.
    pub types: Option<String>,
    pub organization_id: Option<String>,
    pub directory_id: Option<String>,
    /// With `directory_id` (and instead of `after`): start after the directory's event with this
    /// `sequence`, typically the `as_of_sequence` of a read API snapshot; 0 is the directory's
    /// first event. Continue with `after=<next_cursor>` as usual.
    #[param(minimum = 0)]
    pub after_sequence: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventsOut {
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<EventEnvelope>,
    /// Where to continue; at the end of the stream, where to poll from next. Never null.
    pub next_cursor: String,
}

/// Read events after a cursor. A consumer that passes each `next_cursor` back sees every event
/// exactly once, in order, even while writes commit concurrently.
///
/// **From a snapshot to the stream**: read a directory's users and groups through the read API
/// (`GET /api/v1/directories/{id}/users`, `…/groups`), note the first page's `as_of_sequence` N,
/// then call `GET /api/v1/events?directory_id={id}&after_sequence=N`: it returns the directory's
/// events numbered N+1, N+2, … in order, and its `next_cursor` continues from there like any
/// other. Applying them to the snapshot (each `user.*` event carries the whole user, each
/// `group.created/updated/deleted` the group, `group.user_added/removed` `{group, user}`) keeps
/// the copy equal to what the read API would return, with no gap and no miss.
#[utoipa::path(get, operation_id = "list_events", path = "/api/v1/events", tag = "events",
    params(EventParams),
    responses((status = 200, body = EventsOut), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    query: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = match query.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => {
            return Err(ApiError::validation(
                "limit",
                format!("{n} is out of range: use 1 to 1000"),
            ))
        }
    };
    let after = match (
        query.after.as_deref().filter(|a| !a.is_empty()),
        query.after_sequence,
    ) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "after and after_sequence both say where to start: pass only one \
                 (after_sequence for the first call after a snapshot, then after=<next_cursor>)",
            ))
        }
        (None, Some(sequence)) => {
            sequence_cursor(&state, query.directory_id.as_deref(), sequence).await?
        }
        (None, None) => EventCursor::default(),
        (Some(event_id), None) if event_id.starts_with("evt_") => {
            state.store.event_cursor(event_id).await?.ok_or_else(|| {
                ApiError::bad_request(format!("after: no event has id '{event_id}'"))
            })?
        }
        (Some(cursor), None) => cursor
            .parse()
            .map_err(|e: String| ApiError::bad_request(format!("after: {e}")))?,
    };
    let mut types = Vec::new();
    for name in query
        .types
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match EventType::parse(name) {
            Some(t) => types.push(t.as_str().to_owned()),
            // Organization-less vendor events (see docs/webhooks.md).
            None if roster_dispatch::endpoint::is_known_event_type(name) => {
                types.push(name.to_owned())
            }
            None => {
                let known = roster_dispatch::endpoint::event_types();
                return Err(ApiError::validation(
                    "types",
                    format!(
                        "unknown event type '{name}'; known types: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let page = state
        .store
        .list_events(&EventQuery {
            after,
            limit,
            types,
            organization_id: query.organization_id.clone(),
            directory_id: query.directory_id.clone(),
            wait_for_recent: READ_YOUR_WRITES_WAIT,
        })
        .await?;
    Ok(HttpResponse::Ok().json(EventsOut {
        data: page.events,
        next_cursor: page.next_cursor.to_string(),
    }))
}

/// The cursor just after a directory's event number `sequence` (`after_sequence`).
async fn sequence_cursor(
    state: &AppState,
    directory_id: Option<&str>,
    sequence: i64,
) -> Result<EventCursor, ApiError> {
    let Some(directory_id) = directory_id.filter(|d| !d.is_empty()) else {
        return Err(ApiError::validation(
            "after_sequence",
            "needs directory_id: sequence numbers count one directory's events \
             (e.g. ?directory_id=directory_…&after_sequence=42)",
        ));
    };
    if sequence < 0 {
        return Err(ApiError::validation(
            "after_sequence",
            format!("{sequence} is negative: use 0 for the directory's first event, or the as_of_sequence of a read API page"),
        ));
    }
    state
        .store
        .event_cursor_at_sequence(directory_id, sequence)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                "after_sequence",
                format!(
                    "directory '{directory_id}' has no event with sequence {sequence}: use the \
                     as_of_sequence of a read API page of this directory"
                ),
            )
        })
}
