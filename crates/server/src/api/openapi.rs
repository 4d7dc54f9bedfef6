//! The OpenAPI 3 document of the management API, generated from the handlers.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        super::directories::create,
        super::directories::list,
        super::directories::get,
        super::directories::update,
        super::directories::delete,
        super::directories::rotate_token,
        super::events::list,
    ),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "organizations", description = "The vendor's tenants"),
        (name = "directories", description = "IdP connections, their settings and SCIM tokens"),
        (name = "events", description = "The event stream"),
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
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
