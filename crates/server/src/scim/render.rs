//! SCIM resources as the IdP sees them: the stored resource, `id`, `meta`, and the attributes
//! derived from other tables (a user's `groups`, a group's `members`), projected and in the
//! endpoint's SCIM version.

use super::{DirectoryAuth, SCIM_CONTENT_TYPE};
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use roster_core::normalize::GroupRef;
use roster_core::ScimVersion;
use roster_scim::resource::{weak_etag, Meta};
use roster_scim::Projection;
use roster_store::entity::{group, user};
use roster_store::Member;
use serde_json::{json, Value};

pub fn ok(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(SCIM_CONTENT_TYPE)
        .body(body.to_string())
}

fn version_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub fn user_etag(model: &user::Model) -> String {
    weak_etag(version_of(model.version))
}

pub fn group_etag(model: &group::Model) -> String {
    weak_etag(version_of(model.version))
}

/// The SCIM User: stored attributes, `id`, `meta`, and `groups` when given.
pub fn user_resource(
    auth: &DirectoryAuth,
    model: &user::Model,
    groups: Option<&[GroupRef]>,
) -> Value {
    let mut resource = model.raw_attributes.clone();
    Meta {
        resource_type: "User",
        created: model.created_at,
        last_modified: model.updated_at,
        base_url: &auth.base_url,
        id: &model.id,
        version: version_of(model.version),
    }
    .stamp(&mut resource);
    if let (Some(groups), Some(obj)) = (groups, resource.as_object_mut()) {
        if !groups.is_empty() {
            let refs: Vec<Value> = groups
                .iter()
                .map(|g| {
                    json!({
                        "value": g.id,
                        "display": g.name,
                        "$ref": format!("{}/Groups/{}", auth.base_url, g.id),
                        "type": "direct",
                    })
                })
                .collect();
            obj.insert("groups".into(), Value::Array(refs));
        }
    }
    resource
}

/// The SCIM Group: stored attributes, `id`, `meta`, and `members` when given.
pub fn group_resource(
    auth: &DirectoryAuth,
    model: &group::Model,
    members: Option<&[Member]>,
) -> Value {
    let mut resource = model.raw_attributes.clone();
    Meta {
        resource_type: "Group",
        created: model.created_at,
        last_modified: model.updated_at,
        base_url: &auth.base_url,
        id: &model.id,
        version: version_of(model.version),
    }
    .stamp(&mut resource);
    if let (Some(members), Some(obj)) = (members, resource.as_object_mut()) {
        let list: Vec<Value> = members
            .iter()
            .map(|m| {
                let mut member = json!({
                    "value": m.user_id,
                    "$ref": format!("{}/Users/{}", auth.base_url, m.user_id),
                    "type": "User",
                });
                // `display` is returned as the IdP sent it, or not at all.
                if let (Some(display), Some(o)) = (&m.display, member.as_object_mut()) {
                    o.insert("display".into(), Value::String(display.clone()));
                }
                member
            })
            .collect();
        obj.insert("members".into(), Value::Array(list));
    }
    resource
}

/// Projection, then the endpoint's dialect.
pub fn finish(auth: &DirectoryAuth, resource: &Value, projection: &Projection<'_>) -> Value {
    let projected = projection.apply(resource);
    match auth.version {
        ScimVersion::V2 => projected,
        ScimVersion::V1_1 => roster_scim::v1::to_v1_resource(&projected),
    }
}

/// A single resource with its `ETag` (and `Location` on 201).
pub fn resource(
    status: StatusCode,
    body: Value,
    etag: &str,
    location: Option<String>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type(SCIM_CONTENT_TYPE)
        .insert_header((header::ETAG, etag.to_owned()));
    if let Some(location) = location {
        response.insert_header((header::LOCATION, location));
    }
    response.body(body.to_string())
}

/// Whether a projection keeps an attribute that costs a query (`members`, `groups`).
pub fn wants(attributes: &[String], excluded: &[String], name: &str) -> bool {
    let named = |list: &[String]| {
        list.iter().any(|a| {
            let a = a.rsplit(':').next().unwrap_or(a);
            a.eq_ignore_ascii_case(name)
                || a.split('.')
                    .next()
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
        })
    };
    if !attributes.is_empty() {
        return named(attributes);
    }
    !named(excluded)
}

/// The `If-Match` header, if any.
pub fn if_match(req: &actix_web::HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// 304 when `If-None-Match` names the current version (the client's copy is current).
pub fn not_modified(req: &actix_web::HttpRequest, etag: &str) -> Option<HttpResponse> {
    let header = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    roster_scim::resource::if_none_match_hits(header, etag).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag.to_owned()))
            .finish()
    })
}
