//! `GET /directories/{id}/attributes`: what a directory's normalized users are made of — the
//! standard fields, the custom attributes its mappings produce (the provider's defaults and the
//! directory's own), and every SCIM attribute the endpoint accepts, for a mapping to read. Some
//! apps publish this list to their customers' IT admins.

use super::organizations::not_found_as;
use super::{method_not_allowed, ApiKey};
use crate::error::ApiError;
use crate::scim::discovery::described_registry;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use roster_core::attributes::effective_mappings;
use roster_core::{AttributeType, MappingOrigin, Provider};
use roster_scim::filter::eval::AttrKind;
use roster_scim::schema::{kind_str, AttributeDef, Mutability};
use roster_store::directories::settings_of;
use serde::Serialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/directories/{directory_id}/attributes")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list)),
    );
}

/// A field every normalized user has, and the SCIM attribute it comes from.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StandardAttributeOut {
    /// The field of the normalized user, e.g. `first_name`.
    pub key: &'static str,
    /// Where it comes from, e.g. `name.givenName`.
    pub source: &'static str,
}

/// A key of `custom_attributes` and the SCIM attribute it is read from.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MappedAttributeOut {
    /// The key in `custom_attributes`.
    pub target: String,
    /// The SCIM attribute path read.
    pub source: String,
    /// `string`, `integer`, `number`, `boolean`, `date`, `date_time` or `string_list`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: AttributeType,
    /// `provider_default` (built in for the directory's provider) or `directory` (its settings).
    #[schema(value_type = String)]
    pub origin: MappingOrigin,
}

/// A SCIM attribute this directory's endpoint accepts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SupportedAttributeOut {
    /// The path a mapping's `source` names, e.g. `title` or `urn:…:enterprise:2.0:User:department`.
    pub path: String,
    /// The SCIM type: `string`, `boolean`, `integer`, `decimal`, `dateTime`, `reference`, …
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub multi_valued: bool,
    pub description: String,
    /// The custom attribute keys reading it.
    pub mapped_to: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AttributesOut {
    pub directory_id: String,
    pub provider: String,
    pub standard: Vec<StandardAttributeOut>,
    pub mapped: Vec<MappedAttributeOut>,
    pub supported: Vec<SupportedAttributeOut>,
}

const STANDARD: [(&str, &str); 8] = [
    ("idp_id", "externalId"),
    ("user_name", "userName"),
    ("emails", "emails"),
    ("first_name", "name.givenName"),
    ("last_name", "name.familyName"),
    ("display_name", "displayName (else name.formatted)"),
    ("state", "active"),
    (
        "manager_id",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value (resolved to a Roster user id)",
    ),
];

/// List the standard, mapped and supported attributes of a directory's users: the
/// `custom_attributes` keys its mappings produce (with their types, and whether each is the
/// provider's default or the directory's own) and every SCIM attribute a mapping can read.
#[utoipa::path(get, operation_id = "list_directory_attributes", path = "/api/v1/directories/{directory_id}/attributes", tag = "directories",
    responses((status = 200, body = AttributesOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let directory = state
        .store
        .find_directory(&path)
        .await
        .map_err(|e| not_found_as(e, "directory"))?
        .ok_or(ApiError::NotFound("directory"))?;
    let settings = settings_of(&directory)?;
    let provider = Provider::parse(&directory.provider).unwrap_or(Provider::Generic);
    let effective = effective_mappings(provider, &settings.attribute_mappings);
    let mappings: Vec<_> = effective.iter().map(|(m, _)| m.clone()).collect();
    let registry = described_registry(&mappings, &state.scim.registry);
    let mut supported = Vec::new();
    if let Some(user) = registry.for_resource("User") {
        let schemas =
            std::iter::once((user.core, true)).chain(user.extensions.iter().map(|s| (*s, false)));
        for (schema, core) in schemas {
            for attr in &schema.attributes {
                let prefix = if core {
                    String::new()
                } else {
                    format!("{}:", schema.id)
                };
                collect(&mut supported, &prefix, attr);
            }
        }
    }
    for entry in &mut supported {
        entry.mapped_to = mappings
            .iter()
            .filter(|m| m.source.eq_ignore_ascii_case(&entry.path))
            .map(|m| m.target.clone())
            .collect();
    }
    Ok(HttpResponse::Ok().json(AttributesOut {
        directory_id: directory.id,
        provider: provider.as_str().to_owned(),
        standard: STANDARD
            .iter()
            .map(|&(key, source)| StandardAttributeOut { key, source })
            .collect(),
        mapped: effective
            .into_iter()
            .map(|(m, origin)| MappedAttributeOut {
                target: m.target,
                source: m.source,
                kind: m.kind,
                origin,
            })
            .collect(),
        supported,
    }))
}

/// Adds an attribute (and, for a complex one, its sub-attributes) that an IdP can write.
fn collect(out: &mut Vec<SupportedAttributeOut>, prefix: &str, attr: &AttributeDef) {
    if matches!(
        attr.mutability,
        Mutability::ReadOnly | Mutability::WriteOnly
    ) {
        return;
    }
    let path = format!("{prefix}{}", attr.name);
    if attr.kind == AttrKind::Complex {
        for sub in &attr.sub_attributes {
            if matches!(sub.mutability, Mutability::ReadOnly | Mutability::WriteOnly) {
                continue;
            }
            out.push(SupportedAttributeOut {
                path: format!("{path}.{}", sub.name),
                kind: kind_str(sub.kind),
                multi_valued: attr.multi_valued,
                description: sub.description.clone(),
                mapped_to: Vec::new(),
            });
        }
    }
    out.push(SupportedAttributeOut {
        path,
        kind: kind_str(attr.kind),
        multi_valued: attr.multi_valued,
        description: attr.description.clone(),
        mapped_to: Vec::new(),
    });
}
