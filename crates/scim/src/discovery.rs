//! Discovery documents: `/ServiceProviderConfig`, `/ResourceTypes`,
//! `/Schemas` (RFC 7644 §4, RFC 7643 §5–§7), in SCIM 2.0 and 1.1 shapes.
//!
//! What Roster declares:
//!
//! | feature | supported | notes |
//! |---|---|---|
//! | patch | yes | RFC 7644 §3.5.2 plus IdP dialects ([`crate::patch`]) |
//! | bulk | no | no IdP Roster serves uses it |
//! | filter | yes | full grammar; `maxResults` from [`DiscoveryOptions`] |
//! | changePassword | no | Roster stores no passwords |
//! | sort | **no** | results come in a stable order (creation order) so paging is consistent, which is what Okta and Entra need; `sortBy` is accepted and ignored, as RFC 7644 §3.4.2.3 allows when sorting is not supported |
//! | etag | yes | weak ETags from `meta.version` ([`crate::resource::weak_etag`]) |
//! | authenticationSchemes | oauthbearertoken | the per-directory bearer token |
//!
//! All functions take the directory's SCIM base URL (no trailing slash), used
//! for `meta.location`:
//!
//! ```
//! use roster_scim::discovery::{service_provider_config, resource_types, schemas, DiscoveryOptions};
//! use roster_scim::schema::SchemaRegistry;
//!
//! let base = "https://roster.example.com/scim/v2/directory_01";
//! let spc = service_provider_config(base, &DiscoveryOptions::default());
//! assert_eq!(spc["patch"]["supported"], true);
//! assert_eq!(spc["bulk"]["supported"], false);
//! assert_eq!(spc["meta"]["location"], format!("{base}/ServiceProviderConfig"));
//!
//! let registry = SchemaRegistry::new();
//! let rts = resource_types(base, &registry);
//! assert_eq!(rts["totalResults"], 2);
//! assert_eq!(rts["Resources"][0]["schemaExtensions"][0]["schema"],
//!            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
//! assert_eq!(schemas(base, &registry)["totalResults"], 3);
//! ```
//!
//! SCIM 1.1 clients (Okta's "SCIM 1.1" apps, its on-premises agent) ask for
//! `/ServiceProviderConfigs` (plural); serve [`service_provider_config_v1`]
//! there. 1.1 schemas take the 1.1 form of draft-scim-core-schema-01 §7
//! ([`schemas_v1`], [`schema_by_id_v1`]); resource types, which 1.1 lacks, keep
//! the 2.0 document with 1.1 URNs ([`resource_types_v1`]).

use serde_json::{json, Value};

use crate::filter::eval::AttrKind;
use crate::list::ListResponse;
use crate::schema::{
    kind_str, AttributeDef, Mutability, ResourceTypeDef, Schema, SchemaRegistry,
    RESOURCE_TYPE_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA, V1_CORE_SCHEMA,
};
use crate::v1::{urn_to_v1, urn_to_v2};

/// Settings that appear in the ServiceProviderConfig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryOptions {
    /// `filter.maxResults`: the largest page (default 1000, same as
    /// [`crate::list::ListLimits::default`]).
    pub max_results: usize,
    /// `documentationUrl`, if any (e.g. the provider setup guide).
    pub documentation_url: Option<String>,
    /// The largest request body accepted, in bytes: advertised as `bulk.maxPayloadSize` (the
    /// only payload limit RFC 7643 §5 has a field for), and enforced on every request.
    pub max_payload_size: usize,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            max_results: 1000,
            documentation_url: None,
            max_payload_size: 1024 * 1024,
        }
    }
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

fn auth_schemes(options: &DiscoveryOptions) -> Value {
    let mut scheme = json!({
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": "Authentication with the directory's bearer token, sent as \
                        'Authorization: Bearer <token>'.",
        "specUri": "https://www.rfc-editor.org/info/rfc6750",
        "primary": true,
    });
    if let (Some(doc), Some(o)) = (&options.documentation_url, scheme.as_object_mut()) {
        o.insert("documentationUri".into(), Value::String(doc.clone()));
    }
    Value::Array(vec![scheme])
}

/// The SCIM 2.0 ServiceProviderConfig (RFC 7643 §5).
pub fn service_provider_config(base_url: &str, options: &DiscoveryOptions) -> Value {
    let mut spc = json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": options.max_payload_size},
        "filter": {"supported": true, "maxResults": options.max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": auth_schemes(options),
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base(base_url)),
        },
    });
    if let (Some(doc), Some(o)) = (&options.documentation_url, spc.as_object_mut()) {
        o.insert("documentationUri".into(), Value::String(doc.clone()));
    }
    spc
}

/// The SCIM 1.1 ServiceProviderConfig, served at `/ServiceProviderConfigs`.
/// Differences from 2.0: the 1.1 core URN, `documentationUrl` / `specUrl`
/// spellings, and `xmlDataFormat`.
pub fn service_provider_config_v1(base_url: &str, options: &DiscoveryOptions) -> Value {
    let mut spc = json!({
        "schemas": [V1_CORE_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": options.max_payload_size},
        "filter": {"supported": true, "maxResults": options.max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "xmlDataFormat": {"supported": false},
        "authenticationSchemes": [{
            "name": "OAuth Bearer Token",
            "description": "Authentication with the directory's bearer token, sent as \
                            'Authorization: Bearer <token>'.",
            "specUrl": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfigs", base(base_url)),
        },
    });
    if let (Some(doc), Some(o)) = (&options.documentation_url, spc.as_object_mut()) {
        o.insert("documentationUrl".into(), Value::String(doc.clone()));
    }
    spc
}

/// One ResourceType document (RFC 7643 §6).
pub fn resource_type(base_url: &str, rt: &ResourceTypeDef) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": rt.name,
        "name": rt.name,
        "endpoint": rt.endpoint,
        "description": rt.description,
        "schema": rt.schema,
        "schemaExtensions": rt.extensions.iter().map(|(urn, required)| json!({
            "schema": urn, "required": required,
        })).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{}/ResourceTypes/{}", base(base_url), rt.name),
        },
    })
}

/// `/ResourceTypes`: a ListResponse of User (with the enterprise and any
/// registered extensions) and Group.
pub fn resource_types(base_url: &str, registry: &SchemaRegistry) -> Value {
    let items: Vec<Value> = registry
        .resource_types()
        .iter()
        .map(|rt| resource_type(base_url, rt))
        .collect();
    let n = items.len();
    ListResponse::new(items, n, 1).to_json_v2()
}

/// `/ResourceTypes/{name}` (case-insensitive), if it exists.
pub fn resource_type_by_name(
    base_url: &str,
    registry: &SchemaRegistry,
    name: &str,
) -> Option<Value> {
    registry
        .resource_types()
        .iter()
        .find(|rt| rt.name.eq_ignore_ascii_case(name))
        .map(|rt| resource_type(base_url, rt))
}

/// `/Schemas`: a ListResponse of every schema in the registry (RFC 7643 §7).
pub fn schemas(base_url: &str, registry: &SchemaRegistry) -> Value {
    let items: Vec<Value> = registry
        .schemas()
        .iter()
        .map(|s| s.to_json(base(base_url)))
        .collect();
    let n = items.len();
    ListResponse::new(items, n, 1).to_json_v2()
}

/// `/Schemas/{urn}` (case-insensitive), if it exists.
pub fn schema_by_id(base_url: &str, registry: &SchemaRegistry, id: &str) -> Option<Value> {
    registry.schema(id).map(|s| s.to_json(base(base_url)))
}

/// `/ResourceTypes` for SCIM 1.1 clients (1.1 has no such endpoint; answered in the 1.1
/// ListResponse shape with 1.1 URNs for clients that probe it anyway).
pub fn resource_types_v1(base_url: &str, registry: &SchemaRegistry) -> Value {
    let items: Vec<Value> = registry
        .resource_types()
        .iter()
        .map(|rt| {
            let mut doc = resource_type(base_url, rt);
            doc["schemas"] = json!([V1_CORE_SCHEMA]);
            doc["schema"] = json!(urn_to_v1(&rt.schema));
            if let Some(list) = doc["schemaExtensions"].as_array_mut() {
                for ext in list {
                    let v1 = ext["schema"].as_str().map(|u| urn_to_v1(u).to_owned());
                    if let Some(v1) = v1 {
                        ext["schema"] = json!(v1);
                    }
                }
            }
            doc
        })
        .collect();
    let n = items.len();
    ListResponse::new(items, n, 1).to_json_v1()
}

/// `/Schemas` for SCIM 1.1 clients: each schema in the 1.1 form, in the 1.1 ListResponse.
pub fn schemas_v1(base_url: &str, registry: &SchemaRegistry) -> Value {
    let items: Vec<Value> = registry
        .schemas()
        .iter()
        .map(|s| schema_v1(base(base_url), registry, s))
        .collect();
    let n = items.len();
    ListResponse::new(items, n, 1).to_json_v1()
}

/// `/Schemas/{id}` for SCIM 1.1 clients: by 1.1 or 2.0 URN, by resource name (`User`) or by
/// endpoint (`Users`, as 1.1 clients ask). The 1.1 core URN names both User and Group; alone it
/// means User.
pub fn schema_by_id_v1(base_url: &str, registry: &SchemaRegistry, id: &str) -> Option<Value> {
    let by_urn = registry.schema(urn_to_v2(id, "User"));
    let by_resource = || {
        registry
            .resource_types()
            .iter()
            .find(|rt| {
                rt.name.eq_ignore_ascii_case(id)
                    || rt.endpoint.trim_start_matches('/').eq_ignore_ascii_case(id)
            })
            .and_then(|rt| registry.schema(&rt.schema))
    };
    by_urn
        .or_else(by_resource)
        .map(|s| schema_v1(base(base_url), registry, s))
}

/// A schema in the SCIM 1.1 form (draft-scim-core-schema-01 §7): the 1.1 URN as `id` and
/// `schema`, the `endpoint` it is served at, and per attribute `readOnly` in place of 2.0's
/// `mutability` and `returned`.
fn schema_v1(base_url: &str, registry: &SchemaRegistry, schema: &Schema) -> Value {
    let urn = urn_to_v1(&schema.id);
    let endpoint = registry
        .resource_types()
        .iter()
        .find(|rt| {
            rt.schema.eq_ignore_ascii_case(&schema.id)
                || rt
                    .extensions
                    .iter()
                    .any(|(ext, _)| ext.eq_ignore_ascii_case(&schema.id))
        })
        .map(|rt| rt.endpoint.clone());
    let location = match &endpoint {
        Some(endpoint) if urn == V1_CORE_SCHEMA => {
            format!("{base_url}/Schemas{endpoint}")
        }
        _ => format!("{base_url}/Schemas/{urn}"),
    };
    json!({
        "id": urn,
        "name": schema.name,
        "description": schema.description,
        "schema": urn,
        "endpoint": endpoint,
        "attributes": schema
            .attributes
            .iter()
            .map(|a| attribute_v1(a, urn))
            .collect::<Vec<_>>(),
        "meta": {"location": location},
    })
}

fn attribute_v1(attribute: &AttributeDef, urn: &str) -> Value {
    // 1.1 has no `reference` type: references are strings there.
    let kind = match attribute.kind {
        AttrKind::Reference => "string",
        other => kind_str(other),
    };
    let mut out = json!({
        "name": attribute.name,
        "type": kind,
        "multiValued": attribute.multi_valued,
        "description": attribute.description,
        "schema": urn,
        "readOnly": attribute.mutability == Mutability::ReadOnly,
        "required": attribute.required,
        "caseExact": attribute.case_exact,
    });
    if !attribute.canonical_values.is_empty() {
        out["canonicalValues"] = json!(attribute.canonical_values);
    }
    if !attribute.sub_attributes.is_empty() {
        out["subAttributes"] = Value::Array(
            attribute
                .sub_attributes
                .iter()
                .map(|a| attribute_v1(a, urn))
                .collect(),
        );
    }
    out
}
