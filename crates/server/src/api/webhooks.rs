//! `/webhook_endpoints` and `/deliveries`: where events are delivered, and what happened.

use super::dto::ListOut;
use super::organizations::not_found_as;
use super::{method_not_allowed, ApiKey, JsonBody, ListParams, OptionalJsonBody};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use roster_core::ValidationErrors;
use roster_dispatch::endpoint::{
    self, DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS, MAX_PREVIOUS_SECRETS,
};
use roster_dispatch::{SigningSecret, Wake};
use roster_store::entity::{webhook_attempt, webhook_delivery, webhook_endpoint, webhook_replay};
use roster_store::webhooks::{EndpointChange, NewDelivery, NewEndpoint};
use serde::{Deserialize, Deserializer, Serialize};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhook_endpoints")
            .default_service(method_not_allowed("GET, POST"))
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/webhook_endpoints/{endpoint_id}")
            .default_service(method_not_allowed("GET, PATCH, DELETE"))
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/webhook_endpoints/{endpoint_id}/secret/rotate")
            .default_service(method_not_allowed("POST"))
            .route(web::post().to(rotate_secret)),
    )
    .service(
        web::resource("/webhook_endpoints/{endpoint_id}/deliveries")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list_deliveries)),
    )
    .service(
        web::resource("/webhook_endpoints/{endpoint_id}/resend")
            .default_service(method_not_allowed("POST"))
            .route(web::post().to(resend)),
    )
    .service(
        web::resource("/webhook_endpoints/{endpoint_id}/replay")
            .default_service(method_not_allowed("POST"))
            .route(web::post().to(replay)),
    )
    .service(
        web::resource("/deliveries/{delivery_id}")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(get_delivery)),
    )
    .service(
        web::resource("/deliveries/{delivery_id}/attempts")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list_attempts)),
    );
}

/// How deliveries of one directory relate to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ordering {
    /// Strictly in `sequence` order per directory: the next event waits for the previous one's
    /// success (the head is retried until it succeeds or the endpoint is disabled).
    Directory,
    /// As fast as possible, in no particular order.
    None,
}

impl Ordering {
    fn as_str(self) -> &'static str {
        match self {
            Ordering::Directory => "directory",
            Ordering::None => "none",
        }
    }
}

/// A new webhook endpoint.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// `https://…` (or `http://…`) URL that receives POSTs.
    #[schema(min_length = 1, max_length = 2048)]
    pub url: String,
    /// Event types to deliver; absent or `null`: every type.
    pub event_types: Option<Vec<String>>,
    /// Organizations whose events to deliver; absent or `null`: every organization.
    pub organization_ids: Option<Vec<String>>,
    /// Default `directory`.
    pub ordering: Option<Ordering>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default `true`.
    pub enabled: Option<bool>,
}

/// Changes to an endpoint; absent fields are left alone, `null` clears a filter.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    #[schema(min_length = 1, max_length = 2048)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub event_types: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub organization_ids: Option<Option<Vec<String>>>,
    pub ordering: Option<Ordering>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    /// `true` re-enables a disabled endpoint (and resets its failure clock).
    pub enabled: Option<bool>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EndpointOut {
    /// Always `webhook_endpoint`.
    pub object: &'static str,
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// `null`: every type.
    pub event_types: Option<Vec<String>>,
    /// `null`: every organization.
    pub organization_ids: Option<Vec<String>>,
    pub ordering: String,
    pub enabled: bool,
    /// `gone` (the endpoint answered 410), `failing` (every attempt failed for days) or
    /// `manual`; `null` while enabled.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Start of the current run of failed attempts; `null` after any success.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_endpoint::Model> for EndpointOut {
    fn from(m: webhook_endpoint::Model) -> Self {
        let route = endpoint::Route::of(&m);
        EndpointOut {
            object: "webhook_endpoint",
            id: m.id,
            url: m.url,
            description: m.description,
            event_types: route.event_types,
            organization_ids: route.organization_ids,
            ordering: m.ordering,
            enabled: m.enabled,
            disabled_reason: m.disabled_reason,
            disabled_at: m.disabled_at,
            failing_since: m.failing_since,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A created endpoint with its signing secret, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EndpointCreatedOut {
    #[serde(flatten)]
    pub endpoint: EndpointOut,
    /// `whsec_…`: verify deliveries with it (any Standard Webhooks library). Shown once.
    pub secret: String,
}

/// `POST …/secret/rotate`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateIn {
    /// How long the old secret keeps signing beside the new one: 0 to 604800 (default 86400).
    #[schema(minimum = 0, maximum = 604800)]
    pub overlap_seconds: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RotatedOut {
    #[serde(flatten)]
    pub endpoint: EndpointOut,
    /// The new `whsec_…`, shown this once.
    pub secret: String,
    /// Until when the previous secret still signs (`null`: it stopped now).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryOut {
    /// Always `webhook_delivery`.
    pub object: &'static str,
    pub id: String,
    pub endpoint_id: String,
    /// Also the `webhook-id` header of every attempt.
    pub event_id: String,
    pub event_type: String,
    pub directory_id: Option<String>,
    pub sequence: Option<i64>,
    /// `event` (fan-out), `resend` or `replay`.
    pub trigger: String,
    /// `queued` (waiting for an earlier event of its directory, `ordering: directory`),
    /// `pending` (due at `next_attempt_at`), `succeeded` or `failed` (retries exhausted).
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<webhook_delivery::Model> for DeliveryOut {
    fn from(m: webhook_delivery::Model) -> Self {
        let pending = m.status == "pending";
        DeliveryOut {
            object: "webhook_delivery",
            id: m.id,
            endpoint_id: m.endpoint_id,
            event_id: m.event_id,
            event_type: m.event_type,
            directory_id: m.directory_id,
            sequence: m.sequence,
            trigger: m.trigger,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: pending.then_some(m.next_attempt_at),
            last_attempt_at: m.last_attempt_at,
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            created_at: m.created_at,
            completed_at: m.completed_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AttemptOut {
    /// Always `webhook_attempt`.
    pub object: &'static str,
    pub id: String,
    pub delivery_id: String,
    /// 1 for the first attempt of the delivery.
    pub number: i32,
    pub started_at: DateTime<Utc>,
    pub latency_ms: i32,
    /// The HTTP status, `null` if there was no response (timeout, connection error, refused).
    pub status_code: Option<i32>,
    /// `succeeded` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
    /// The first 4 KiB of the response body.
    pub response_excerpt: Option<String>,
}

impl From<webhook_attempt::Model> for AttemptOut {
    fn from(m: webhook_attempt::Model) -> Self {
        AttemptOut {
            object: "webhook_attempt",
            id: m.id,
            delivery_id: m.delivery_id,
            number: m.number,
            started_at: m.started_at,
            latency_ms: m.latency_ms,
            status_code: m.status_code,
            outcome: m.outcome,
            error: m.error,
            response_excerpt: m.response_excerpt,
        }
    }
}

/// `POST …/resend`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendIn {
    /// The event to deliver again (`evt_…`).
    pub event_id: String,
}

/// `POST …/replay`: re-deliver a range of the stream (events matching the endpoint's filters).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayIn {
    /// Events of this directory with a greater `sequence` (needs `directory_id`).
    #[schema(minimum = 0)]
    pub after_sequence: Option<i64>,
    /// Events created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only this directory's events.
    pub directory_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReplayOut {
    /// Always `webhook_replay`.
    pub object: &'static str,
    pub id: String,
    pub endpoint_id: String,
    pub directory_id: Option<String>,
    pub after_sequence: Option<i64>,
    pub since: Option<DateTime<Utc>>,
    /// Events created after this are delivered by the normal flow, not the replay.
    pub until: DateTime<Utc>,
    /// `running` or `done`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl From<webhook_replay::Model> for ReplayOut {
    fn from(m: webhook_replay::Model) -> Self {
        ReplayOut {
            object: "webhook_replay",
            id: m.id,
            endpoint_id: m.endpoint_id,
            directory_id: m.directory_id,
            after_sequence: m.after_sequence,
            since: m.since,
            until: m.until,
            status: m.status,
            created_at: m.created_at,
        }
    }
}

// ----- validation ----------------------------------------------------------------------------

fn check_url(state: &AppState, errors: &mut ValidationErrors, url: &str) {
    if url.trim().is_empty() || url.len() > 2048 {
        errors.push("url", "must be 1 to 2048 characters");
        return;
    }
    let parsed = match url::Url::parse(url) {
        Ok(p) => p,
        Err(e) => {
            errors.push(
                "url",
                format!("'{url}' is not a URL ({e}); e.g. https://app.example.com/webhooks/roster"),
            );
            return;
        }
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        errors.push("url", "must be an http(s) URL with a host");
        return;
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        errors.push(
            "url",
            "must not carry credentials; verify deliveries by their signature",
        );
        return;
    }
    let ip = match parsed.host() {
        Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        _ => None,
    };
    if let Some(ip) = ip {
        if !state.dispatch.network.allows(ip) {
            errors.push(
                "url",
                format!(
                    "{ip} is a private or reserved address, refused to prevent SSRF; the \
                     operator can allow it with ROSTER_DISPATCH_ALLOWED_NETWORKS"
                ),
            );
        }
    }
}

fn check_event_types(
    errors: &mut ValidationErrors,
    types: &Option<Vec<String>>,
) -> Option<Vec<String>> {
    let types = types.as_ref()?;
    if types.is_empty() {
        errors.push(
            "event_types",
            "must list at least one type; use null for every type",
        );
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for t in types {
        if !endpoint::is_known_event_type(t) {
            errors.push(
                "event_types",
                format!(
                    "unknown event type '{t}'; known types: {}",
                    endpoint::event_types().join(", ")
                ),
            );
        } else if !out.contains(t) {
            out.push(t.clone());
        }
    }
    Some(out)
}

async fn check_organizations(
    state: &AppState,
    errors: &mut ValidationErrors,
    ids: &Option<Vec<String>>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(ids) = ids.as_ref() else {
        return Ok(None);
    };
    if ids.is_empty() {
        errors.push(
            "organization_ids",
            "must list at least one organization; use null for all",
        );
        return Ok(None);
    }
    if ids.len() > 100 {
        errors.push("organization_ids", "at most 100 organizations per endpoint");
        return Ok(None);
    }
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if out.contains(id) {
            continue;
        }
        if roster_core::OrganizationId::parse(id).is_none()
            || state.store.find_organization(id).await?.is_none()
        {
            errors.push("organization_ids", format!("no organization has id '{id}'"));
        } else {
            out.push(id.clone());
        }
    }
    Ok(Some(out))
}

fn check_description(errors: &mut ValidationErrors, description: Option<&str>) {
    if description.is_some_and(|d| d.chars().count() > 500) {
        errors.push("description", "must be at most 500 characters");
    }
}

async fn find_endpoint(state: &AppState, id: &str) -> Result<webhook_endpoint::Model, ApiError> {
    state
        .store
        .find_webhook_endpoint(id)
        .await?
        .ok_or(ApiError::NotFound("webhook endpoint"))
}

// ----- handlers ------------------------------------------------------------------------------

/// Register a webhook endpoint. The answer carries its signing secret, shown this once. The
/// endpoint receives events committed after it was created.
#[utoipa::path(post, operation_id = "create_webhook_endpoint", path = "/api/v1/webhook_endpoints", tag = "webhooks",
    request_body = EndpointIn,
    responses((status = 201, body = EndpointCreatedOut), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    _key: ApiKey,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<EndpointIn>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::default();
    check_url(&state, &mut errors, &body.url);
    let event_types = check_event_types(&mut errors, &body.event_types);
    let organization_ids = check_organizations(&state, &mut errors, &body.organization_ids).await?;
    check_description(&mut errors, body.description.as_deref());
    errors.into_result()?;
    let secret = SigningSecret::generate();
    let encrypted = state
        .webhook_secrets
        .encrypt(&secret)
        .map_err(|e| ApiError::Internal(e.into()))?;
    let created = state
        .store
        .create_webhook_endpoint(NewEndpoint {
            url: body.url.trim().to_owned(),
            description: body.description.filter(|d| !d.trim().is_empty()),
            event_types,
            organization_ids,
            ordering: body
                .ordering
                .unwrap_or(Ordering::Directory)
                .as_str()
                .to_owned(),
            enabled: body.enabled.unwrap_or(true),
            secret: encrypted,
        })
        .await?;
    tracing::info!(endpoint_id = %created.id, "webhook endpoint created");
    Ok(HttpResponse::Created().json(EndpointCreatedOut {
        endpoint: created.into(),
        secret,
    }))
}

/// List webhook endpoints, oldest first.
#[utoipa::path(get, operation_id = "list_webhook_endpoints", path = "/api/v1/webhook_endpoints", tag = "webhooks",
    params(ListParams),
    responses((status = 200, body = ListOut<EndpointOut>)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .store
        .list_webhook_endpoints(&query.page()?)
        .await?
        .map(EndpointOut::from);
    Ok(HttpResponse::Ok().json(ListOut {
        data: page.data,
        next_cursor: page.next_cursor,
    }))
}

/// Get a webhook endpoint (never its secret).
#[utoipa::path(get, operation_id = "get_webhook_endpoint", path = "/api/v1/webhook_endpoints/{endpoint_id}", tag = "webhooks",
    responses((status = 200, body = EndpointOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(EndpointOut::from(find_endpoint(&state, &path).await?)))
}

/// Change a webhook endpoint: URL, filters, ordering, description, enabled. Enabling a disabled
/// endpoint resumes its pending deliveries.
#[utoipa::path(patch, operation_id = "update_webhook_endpoint", path = "/api/v1/webhook_endpoints/{endpoint_id}", tag = "webhooks",
    request_body = EndpointPatch,
    responses((status = 200, body = EndpointOut), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<EndpointPatch>,
) -> Result<HttpResponse, ApiError> {
    find_endpoint(&state, &path).await?;
    let mut errors = ValidationErrors::default();
    if let Some(url) = &body.url {
        check_url(&state, &mut errors, url);
    }
    let event_types = body
        .event_types
        .as_ref()
        .map(|types| check_event_types(&mut errors, types));
    let organization_ids = match &body.organization_ids {
        Some(ids) => Some(check_organizations(&state, &mut errors, ids).await?),
        None => None,
    };
    if let Some(Some(description)) = &body.description {
        check_description(&mut errors, Some(description));
    }
    errors.into_result()?;
    let updated = state
        .store
        .update_webhook_endpoint(
            &path,
            EndpointChange {
                url: body.url.map(|u| u.trim().to_owned()),
                description: body.description.map(|d| d.filter(|d| !d.trim().is_empty())),
                event_types,
                organization_ids,
                ordering: body.ordering.map(|o| o.as_str().to_owned()),
                enabled: body.enabled,
            },
        )
        .await
        .map_err(|e| not_found_as(e, "webhook endpoint"))?;
    if updated.enabled {
        state.queue.wake(Wake::Deliveries);
    }
    Ok(HttpResponse::Ok().json(EndpointOut::from(updated)))
}

/// Delete a webhook endpoint with its deliveries and attempt log.
#[utoipa::path(delete, operation_id = "delete_webhook_endpoint", path = "/api/v1/webhook_endpoints/{endpoint_id}", tag = "webhooks",
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn delete(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .delete_webhook_endpoint(&path)
        .await
        .map_err(|e| not_found_as(e, "webhook endpoint"))?;
    tracing::info!(endpoint_id = %path, "webhook endpoint deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Issue a new signing secret, shown once. The old one keeps signing beside it (two
/// `v1,` signatures per delivery) for `overlap_seconds` (default 24 h).
#[utoipa::path(post, operation_id = "rotate_webhook_secret", path = "/api/v1/webhook_endpoints/{endpoint_id}/secret/rotate", tag = "webhooks",
    request_body(content = Option<RotateIn>, description = "optional"),
    responses((status = 200, body = RotatedOut), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn rotate_secret(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<RotateIn>,
) -> Result<HttpResponse, ApiError> {
    let overlap = body
        .and_then(|b| b.overlap_seconds)
        .unwrap_or(DEFAULT_OVERLAP_SECONDS as i64);
    let max = MAX_OVERLAP_SECONDS as i64;
    if !(0..=max).contains(&overlap) {
        return Err(ApiError::validation(
            "overlap_seconds",
            format!("{overlap} is out of range: use 0 to {max}"),
        ));
    }
    let current = find_endpoint(&state, &path).await?;
    let now = Utc::now();
    let (secret, encrypted, previous) = endpoint::rotate(
        &current,
        &state.webhook_secrets,
        std::time::Duration::from_secs(overlap.unsigned_abs()),
        now,
    )
    .map_err(|e| ApiError::Internal(e.into()))?;
    let updated = state
        .store
        .set_webhook_secrets(&path, encrypted, previous)
        .await
        .map_err(|e| not_found_as(e, "webhook endpoint"))?;
    tracing::info!(endpoint_id = %path, overlap, max_previous = MAX_PREVIOUS_SECRETS, "webhook secret rotated");
    Ok(HttpResponse::Ok().json(RotatedOut {
        endpoint: updated.into(),
        secret,
        previous_secret_expires_at: (overlap > 0).then(|| now + chrono::Duration::seconds(overlap)),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub after: Option<String>,
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
}

/// A delivery's state.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Queued,
    Pending,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// An endpoint's deliveries, oldest first.
#[utoipa::path(get, operation_id = "list_webhook_deliveries", path = "/api/v1/webhook_endpoints/{endpoint_id}/deliveries", tag = "webhooks",
    params(DeliveryListParams),
    responses((status = 200, body = ListOut<DeliveryOut>), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list_deliveries(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DeliveryListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = ListParams {
        limit: query.limit,
        after: query.after.clone(),
    }
    .page()?;
    find_endpoint(&state, &path).await?;
    let page = state
        .store
        .list_webhook_deliveries(&path, query.status.map(DeliveryStatus::as_str), &page)
        .await?
        .map(DeliveryOut::from);
    Ok(HttpResponse::Ok().json(ListOut {
        data: page.data,
        next_cursor: page.next_cursor,
    }))
}

/// Get one delivery.
#[utoipa::path(get, operation_id = "get_webhook_delivery", path = "/api/v1/deliveries/{delivery_id}", tag = "webhooks",
    responses((status = 200, body = DeliveryOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get_delivery(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = state
        .store
        .find_webhook_delivery(&path)
        .await?
        .ok_or(ApiError::NotFound("delivery"))?;
    Ok(HttpResponse::Ok().json(DeliveryOut::from(delivery)))
}

/// Every attempt of a delivery, oldest first: time, status, latency, error, response excerpt.
#[utoipa::path(get, operation_id = "list_webhook_attempts", path = "/api/v1/deliveries/{delivery_id}/attempts", tag = "webhooks",
    params(ListParams),
    responses((status = 200, body = ListOut<AttemptOut>), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list_attempts(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    state
        .store
        .find_webhook_delivery(&path)
        .await?
        .ok_or(ApiError::NotFound("delivery"))?;
    let page = state
        .store
        .list_webhook_attempts(&path, &page)
        .await?
        .map(AttemptOut::from);
    Ok(HttpResponse::Ok().json(ListOut {
        data: page.data,
        next_cursor: page.next_cursor,
    }))
}

/// Deliver one event to this endpoint again (a new delivery with the same `webhook-id`),
/// whatever its filters say.
#[utoipa::path(post, operation_id = "resend_webhook_event", path = "/api/v1/webhook_endpoints/{endpoint_id}/resend", tag = "webhooks",
    request_body = ResendIn,
    responses((status = 202, body = DeliveryOut), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn resend(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<ResendIn>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = find_endpoint(&state, &path).await?;
    if !endpoint.enabled {
        return Err(ApiError::Conflict(
            "the endpoint is disabled; enable it (PATCH {\"enabled\": true}) before resending"
                .into(),
        ));
    }
    let event = state
        .store
        .find_event(&body.event_id)
        .await?
        .ok_or_else(|| {
            ApiError::validation("event_id", format!("no event has id '{}'", body.event_id))
        })?;
    let delivery = state
        .store
        .create_delivery(NewDelivery {
            endpoint_id: endpoint.id.clone(),
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            directory_id: event.directory_id.clone(),
            sequence: event.sequence,
            lane: None,
            trigger: "resend",
            event_created_at: event.created_at,
        })
        .await?;
    state.queue.wake(Wake::Deliveries);
    Ok(HttpResponse::Accepted().json(DeliveryOut::from(delivery)))
}

/// Re-deliver a range of events (those matching the endpoint's filters) as a durable job:
/// a directory's events after a `sequence`, and/or every event since a time. Replayed
/// deliveries of an ordered endpoint keep their per-directory order.
#[utoipa::path(post, operation_id = "replay_webhook_events", path = "/api/v1/webhook_endpoints/{endpoint_id}/replay", tag = "webhooks",
    request_body = ReplayIn,
    responses((status = 202, body = ReplayOut), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn replay(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(body): JsonBody<ReplayIn>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = find_endpoint(&state, &path).await?;
    let mut errors = ValidationErrors::default();
    if body.after_sequence.is_none() && body.since.is_none() && body.directory_id.is_none() {
        errors.push(
            "after_sequence",
            "give a range: after_sequence with directory_id, since, or directory_id",
        );
    }
    if body.after_sequence.is_some() && body.directory_id.is_none() {
        errors.push(
            "directory_id",
            "after_sequence needs directory_id: sequences are numbered per directory",
        );
    }
    if body.after_sequence.is_some_and(|s| s < 0) {
        errors.push("after_sequence", "must be 0 or more");
    }
    if let Some(directory_id) = &body.directory_id {
        if roster_core::DirectoryId::parse(directory_id).is_none() {
            errors.push(
                "directory_id",
                format!("'{directory_id}' is not a directory id"),
            );
        }
    }
    errors.into_result()?;
    if !endpoint.enabled {
        return Err(ApiError::Conflict(
            "the endpoint is disabled; enable it (PATCH {\"enabled\": true}) before replaying"
                .into(),
        ));
    }
    let job = state
        .store
        .create_webhook_replay(
            &endpoint.id,
            body.directory_id.clone(),
            body.after_sequence,
            body.since,
        )
        .await?;
    state.queue.wake(Wake::Events);
    tracing::info!(endpoint_id = %endpoint.id, replay_id = %job.id, "webhook replay started");
    Ok(HttpResponse::Accepted().json(ReplayOut::from(job)))
}
