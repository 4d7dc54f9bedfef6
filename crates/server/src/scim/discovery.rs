//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`: what this directory's endpoint
//! supports, including the custom extensions its attribute mappings read.

use super::{render, DirectoryAuth};
use crate::error::ScimApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use roster_core::{AttributeMapping, ScimVersion};
use roster_scim::discovery::{self, DiscoveryOptions};
use roster_scim::error::ScimError;
use roster_scim::schema::{is_urn_like, AttributeDef, Schema, SchemaRegistry};
use roster_scim::AttrPath;
use std::borrow::Cow;

/// The registry to describe: the default one, plus an extension schema for every custom URN an
/// attribute mapping reads (e.g. `urn:…:haystack:1.0:User:joinDate`), so an IdP admin can see
/// and map it. Processing stays lenient: unknown extensions are kept whatever their types.
pub(crate) fn described_registry<'a>(
    mappings: &[AttributeMapping],
    base: &'a SchemaRegistry,
) -> Cow<'a, SchemaRegistry> {
    let mut extensions: Vec<(String, Vec<String>)> = Vec::new();
    for mapping in mappings {
        let Ok(path) = AttrPath::parse(&mapping.source) else {
            continue;
        };
        let Some(urn) = path.urn.as_deref() else {
            continue;
        };
        if !is_urn_like(urn) || base.schema(urn).is_some() {
            continue;
        }
        match extensions
            .iter_mut()
            .find(|(u, _)| u.eq_ignore_ascii_case(urn))
        {
            Some((_, attrs)) => attrs.push(path.name.clone()),
            None => extensions.push((urn.to_owned(), vec![path.name.clone()])),
        }
    }
    if extensions.is_empty() {
        return Cow::Borrowed(base);
    }
    let mut registry = base.clone();
    for (urn, attrs) in extensions {
        let name = urn.rsplit(':').nth(1).unwrap_or("Extension").to_owned();
        let attributes = attrs
            .iter()
            .map(|a| AttributeDef::string(a).describe("Mapped to a custom attribute by the app."))
            .collect();
        let schema = Schema::new(
            &urn,
            &name,
            "Custom extension read by this directory's attribute mappings.",
            attributes,
        );
        if let Err(e) = registry.register_extension(schema, "User") {
            tracing::debug!(urn, error = %e.detail, "attribute mapping URN not describable");
        }
    }
    Cow::Owned(registry)
}

pub async fn service_provider_config(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
) -> HttpResponse {
    let options = DiscoveryOptions {
        max_results: state.scim.list_limits.max_count,
        max_payload_size: state.scim.max_payload,
        ..DiscoveryOptions::default()
    };
    let body = match auth.version {
        ScimVersion::V2 => discovery::service_provider_config(&auth.base_url, &options),
        ScimVersion::V1_1 => discovery::service_provider_config_v1(&auth.base_url, &options),
    };
    render::ok(body)
}

pub async fn resource_types(auth: DirectoryAuth, state: web::Data<AppState>) -> HttpResponse {
    let registry = described_registry(&auth.rules.mappings, &state.scim.registry);
    render::ok(match auth.version {
        ScimVersion::V2 => discovery::resource_types(&auth.base_url, &registry),
        ScimVersion::V1_1 => discovery::resource_types_v1(&auth.base_url, &registry),
    })
}

pub async fn resource_type(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimApiError> {
    let registry = described_registry(&auth.rules.mappings, &state.scim.registry);
    let name = &path.1;
    discovery::resource_type_by_name(&auth.base_url, &registry, name)
        .map(render::ok)
        .ok_or_else(|| {
            auth.error(ScimError::not_found(format!(
                "no resource type '{name}' (there are User and Group)"
            )))
        })
}

pub async fn schemas(auth: DirectoryAuth, state: web::Data<AppState>) -> HttpResponse {
    let registry = described_registry(&auth.rules.mappings, &state.scim.registry);
    render::ok(match auth.version {
        ScimVersion::V2 => discovery::schemas(&auth.base_url, &registry),
        ScimVersion::V1_1 => discovery::schemas_v1(&auth.base_url, &registry),
    })
}

pub async fn schema(
    auth: DirectoryAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ScimApiError> {
    let registry = described_registry(&auth.rules.mappings, &state.scim.registry);
    let id = &path.1;
    let found = match auth.version {
        ScimVersion::V2 => discovery::schema_by_id(&auth.base_url, &registry, id),
        ScimVersion::V1_1 => discovery::schema_by_id_v1(&auth.base_url, &registry, id),
    };
    found.map(render::ok).ok_or_else(|| {
        auth.error(ScimError::not_found(format!(
            "no schema '{id}'; GET /Schemas lists them"
        )))
    })
}
