//! `/schemas/events`: the JSON Schema (draft 2020-12) of every event type, exactly the files in
//! `crates/core/schemas/events/` (see `roster_core::schemas` and docs/events.md).
//!
//! No API key: like `/openapi.json`, these describe the product, not a tenant — nothing in them
//! depends on who asks or on any stored data. The typical caller is a vendor's CI generating
//! event types for its webhook consumer, which should not need a management key (a credential
//! that can delete directories) to do so.

use super::method_not_allowed;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use roster_core::schemas::event_schema;
use roster_core::EventType;
use serde::Serialize;
use serde_json::Value;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/schemas/events")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/schemas/events/{event_type}")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(get)),
    );
}

/// One event type and its schema.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EventSchemaOut {
    /// The event type, e.g. `user.created`.
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// Its JSON Schema (draft 2020-12), standing alone.
    #[schema(value_type = Object)]
    pub schema: Value,
}

/// Every event type's schema. The list is complete: `next_cursor` is always null.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EventSchemasOut {
    pub data: Vec<EventSchemaOut>,
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The JSON Schema of every event type. Public: no API key needed.
#[utoipa::path(get, operation_id = "list_event_schemas", path = "/api/v1/schemas/events", tag = "events",
    responses((status = 200, description = "Every event type with its schema", body = EventSchemasOut)),
    security(()))]
pub async fn list() -> HttpResponse {
    let data = EventType::ALL
        .into_iter()
        .map(|t| EventSchemaOut {
            event_type: t.as_str(),
            schema: event_schema(t),
        })
        .collect();
    HttpResponse::Ok().json(EventSchemasOut {
        data,
        next_cursor: None,
    })
}

/// The JSON Schema (draft 2020-12) of one event type, e.g. `user.created`: the whole envelope,
/// standing alone. Public: no API key needed.
#[utoipa::path(get, operation_id = "get_event_schema", path = "/api/v1/schemas/events/{event_type}", tag = "events",
    params(("event_type" = String, Path, description = "An event type, e.g. `user.created`", example = "user.created")),
    responses((status = 200, description = "The schema", content_type = "application/schema+json", body = Object),
        (status = 404, description = "Unknown event type; the message lists the known ones", body = crate::error::ErrorBody)),
    security(()))]
pub async fn get(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let t = EventType::parse(&path).ok_or_else(|| {
        let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        ApiError::NotFoundExplained(format!(
            "no event type '{}'; the event types are: {}",
            path.as_str(),
            known.join(", ")
        ))
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/schema+json")
        .body(event_schema(t).to_string()))
}
