//! The OpenAPI 3 document of the management API, generated from the handlers.

use actix_web::HttpResponse;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Roster management API", description = "Organizations, directories, SCIM tokens and the event stream. Authenticate with `Authorization: Bearer <api key>`."),
    paths(
        super::organizations::create,
        super::organizations::list,
        super::organizations::get,
        super::organizations::update,
        super::organizations::delete,
        super::organizations::create_portal_link,
        super::directories::create,
        super::directories::list,
        super::directories::get,
        super::directories::update,
        super::directories::delete,
        super::directories::rotate_token,
        super::groups::create,
        super::attributes::list,
        super::groups::list,
        super::groups::get,
        super::groups::list_users,
        super::users::list,
        super::users::get,
        super::users::list_groups,
        super::activity::list,
        super::events::list,
        super::schemas::list,
        super::schemas::get,
        super::webhooks::create,
        super::webhooks::list,
        super::webhooks::get,
        super::webhooks::update,
        super::webhooks::delete,
        super::webhooks::rotate_secret,
        super::webhooks::list_deliveries,
        super::webhooks::get_delivery,
        super::webhooks::list_attempts,
        super::webhooks::resend,
        super::webhooks::replay,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "organizations", description = "The vendor's tenants"),
        (name = "directories", description = "IdP connections, their settings and SCIM tokens"),
        (name = "events", description = "The event stream and the JSON Schema of every event type"),
        (name = "directory data", description = "The normalized users and groups of a directory, in the shapes their events carry, with the event sequence of the same snapshot"),
        (name = "webhooks", description = "Webhook endpoints, deliveries, attempts, resend and replay"),
    )
)]
pub struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Every operation can meet these; saying so once keeps the handlers' lists short.
        let common = [
            (
                "400",
                "Malformed request: bad JSON, unknown field or bad query parameter",
            ),
            ("401", "Missing or invalid API key"),
            (
                "422",
                "Well-formed input that breaks a rule; `fields` lists each problem",
            ),
            (
                "503",
                "The database is unavailable; retry after `Retry-After` seconds",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                // Public operations read no input and no database: none of these applies.
                if !needs_api_key(operation) {
                    continue;
                }
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// Whether an operation names a security scheme (public ones say `security(())`).
fn needs_api_key(operation: &utoipa::openapi::path::Operation) -> bool {
    let requirements = serde_json::to_value(&operation.security).unwrap_or_default();
    match requirements {
        serde_json::Value::Array(items) => items
            .iter()
            .any(|r| r.as_object().is_some_and(|o| !o.is_empty())),
        _ => false,
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
                    .build(),
            )
            .build(),
    )
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
