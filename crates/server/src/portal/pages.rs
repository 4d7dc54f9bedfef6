//! The portal's pages: thin handlers that read through the store and render templates, and
//! forms that change directories through the same operations as the management API.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use roster_core::attributes::effective_mappings;
use roster_core::directory::WARNING_NO_ADMIN_ROLE_MAPPING;
use roster_core::{
    AttributeMapping, AttributeType, MappingOrigin, Provider, RoleMapping, ScimVersion,
};
use roster_store::entity::{directory, request_activity};
use serde::Deserialize;

use super::guides::{self, Guide, GUIDES};
use super::{html, session_of, Branding, PortalError, Session};
use crate::api::directories::{create_directory, rotate_directory_token, update_directory};
use crate::api::dto::{DirectoryIn, DirectoryPatch};
use crate::state::AppState;

type Page = Result<HttpResponse, PortalResponse>;

/// A portal error with what it needs to render itself (boxed: results stay small).
pub struct PortalResponse(Box<Failure>);

struct Failure {
    error: PortalError,
    brand: Branding,
    signed_in: bool,
}

impl PortalResponse {
    pub(crate) fn new(error: PortalError, brand: Branding, signed_in: bool) -> Self {
        PortalResponse(Box::new(Failure {
            error,
            brand,
            signed_in,
        }))
    }
}

impl std::fmt::Debug for PortalResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.error.fmt(f)
    }
}

impl std::fmt::Display for PortalResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.error.title, self.0.error.message)
    }
}

impl actix_web::ResponseError for PortalResponse {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        self.0.error.render(&self.0.brand, self.0.signed_in)
    }
}

/// What every handler starts with: the state, and the session (or the "signed out" page).
struct Visit {
    state: web::Data<AppState>,
    session: Session,
}

impl Visit {
    fn fail(&self, error: impl Into<PortalError>) -> PortalResponse {
        PortalResponse::new(error.into(), self.state.portal.branding.clone(), true)
    }

    /// A directory of the session's organization; any other is "not found".
    async fn directory(&self, id: &str) -> Result<directory::Model, PortalResponse> {
        match self.state.store.find_directory(id).await {
            Ok(Some(d)) if d.organization_id == self.session.organization_id => Ok(d),
            Ok(_) => Err(self.fail(PortalError::not_found())),
            Err(e) => Err(self.fail(e)),
        }
    }

    async fn organization(
        &self,
    ) -> Result<roster_store::entity::organization::Model, PortalResponse> {
        match self
            .state
            .store
            .find_organization(&self.session.organization_id)
            .await
        {
            Ok(Some(org)) => Ok(org),
            // The vendor deleted the organization while the session lived.
            Ok(None) => Err(self.fail(PortalError::signed_out())),
            Err(e) => Err(self.fail(e)),
        }
    }
}

fn visit(req: &HttpRequest, state: web::Data<AppState>) -> Result<Visit, PortalResponse> {
    match session_of(req, &state) {
        Some(session) => Ok(Visit { state, session }),
        None => Err(PortalResponse::new(
            PortalError::signed_out(),
            state.portal.branding.clone(),
            false,
        )),
    }
}

/// A form post: the session, and a CSRF token that matches it.
fn visit_form(
    req: &HttpRequest,
    state: web::Data<AppState>,
    csrf: &str,
) -> Result<Visit, PortalResponse> {
    let visit = visit(req, state)?;
    if !visit.session.csrf_ok(csrf) {
        return Err(visit.fail(PortalError::new(
            403,
            "This form has expired",
            "The page was opened in another session. Go back, reload the page and try again.",
        )));
    }
    Ok(visit)
}

fn ok(body: Result<String, askama::Error>) -> Page {
    Ok(html(StatusCode::OK, body))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

// ---------------------------------------------------------------------------------------------
// Assets

#[derive(Template)]
#[template(path = "portal/portal.css", escape = "none")]
struct Stylesheet<'a> {
    accent: &'a str,
}

pub async fn stylesheet(state: web::Data<AppState>) -> HttpResponse {
    let css = Stylesheet {
        accent: &state.portal.branding.accent_color,
    }
    .render()
    .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(css)
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(include_str!("../../templates/portal/portal.js"))
}

// ---------------------------------------------------------------------------------------------
// Opening a link

#[derive(Deserialize)]
pub struct StartQuery {
    link: Option<String>,
}

pub async fn start(state: web::Data<AppState>, query: web::Query<StartQuery>) -> Page {
    let refuse = |title: &str, message: &str| {
        PortalResponse::new(
            PortalError::new(410, title, message),
            state.portal.branding.clone(),
            false,
        )
    };
    let invalid = || {
        refuse(
            "This link is not valid",
            "Check that the whole link was copied, or ask the application's administrator for a \
             new one.",
        )
    };
    let Some(link) = query.link.as_deref() else {
        return Err(invalid());
    };
    let Some((id_body, secret)) = link
        .strip_prefix(super::LINK_PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Err(invalid());
    };
    let id = format!("plink_{id_body}");
    let stored = state
        .store
        .find_portal_link(&id)
        .await
        .map_err(|e| PortalResponse::new(e.into(), state.portal.branding.clone(), false))?;
    let Some(stored) = stored else {
        return Err(invalid());
    };
    if !crate::auth::verify_secret_blocking(secret.to_owned(), stored.secret_hash.clone()).await {
        return Err(invalid());
    }
    let now = Utc::now();
    if stored.used_at.is_some() {
        return Err(refuse(
            "This link has already been used",
            "Setup links work once. Ask the application's administrator for a new one.",
        ));
    }
    if stored.expires_at <= now {
        return Err(refuse(
            "This link has expired",
            "Setup links work for a short time. Ask the application's administrator for a new \
             one.",
        ));
    }
    let used = state
        .store
        .use_portal_link(&id, now)
        .await
        .map_err(|e| PortalResponse::new(e.into(), state.portal.branding.clone(), false))?;
    if !used {
        return Err(refuse(
            "This link has already been used",
            "Setup links work once. Ask the application's administrator for a new one.",
        ));
    }
    let (cookie, _) = state.portal.new_session(&stored.organization_id);
    tracing::info!(organization_id = %stored.organization_id, "portal session started");
    let mut response = see_other("/portal");
    response
        .add_cookie(&state.portal.session_cookie(cookie))
        .map_err(|_| invalid())?;
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Home: the organization's directories

struct DirectoryRow {
    id: String,
    name: String,
    provider: &'static str,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct Home<'a> {
    brand: &'a Branding,
    organization: String,
    sync_enabled: bool,
    directories: Vec<DirectoryRow>,
}

fn provider_name(d: &directory::Model) -> &'static str {
    let provider = Provider::parse(&d.provider).unwrap_or(Provider::Generic);
    let version = ScimVersion::parse(&d.scim_version).unwrap_or_default();
    guides::guide_for(provider, version).name
}

fn status_label(d: &directory::Model) -> &'static str {
    if !d.enabled {
        "Turned off by the application"
    } else if d.state == "pending" {
        "Waiting for the first request"
    } else {
        "Connected"
    }
}

pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Page {
    let v = visit(&req, state)?;
    let org = v.organization().await?;
    let page = roster_store::PageRequest {
        after: None,
        limit: 100,
    };
    let directories = v
        .state
        .store
        .list_directories(&org.id, &page)
        .await
        .map_err(|e| v.fail(e))?
        .data
        .into_iter()
        .map(|d| DirectoryRow {
            provider: provider_name(&d),
            status: status_label(&d),
            id: d.id,
            name: d.name,
        })
        .collect();
    ok(Home {
        brand: &v.state.portal.branding,
        organization: org.name,
        sync_enabled: org.directory_sync_enabled,
        directories,
    }
    .render())
}

// ---------------------------------------------------------------------------------------------
// Setup: provider → guide → configure

#[derive(Template)]
#[template(path = "portal/providers.html")]
struct Providers<'a> {
    brand: &'a Branding,
    guides: &'static [Guide],
}

async fn require_sync_enabled(v: &Visit) -> Result<(), PortalResponse> {
    if v.organization().await?.directory_sync_enabled {
        Ok(())
    } else {
        Err(v.fail(PortalError::new(
            403,
            "Directory sync is not enabled",
            "The application has not turned on directory sync for your organization. Contact \
             its administrator.",
        )))
    }
}

pub async fn providers(req: HttpRequest, state: web::Data<AppState>) -> Page {
    let v = visit(&req, state)?;
    require_sync_enabled(&v).await?;
    ok(Providers {
        brand: &v.state.portal.branding,
        guides: GUIDES,
    }
    .render())
}

#[derive(Template)]
#[template(path = "portal/guide.html")]
struct GuidePage<'a> {
    brand: &'a Branding,
    guide: &'static Guide,
    csrf: &'a str,
}

fn guide_or_404(v: &Visit, key: &str) -> Result<&'static Guide, PortalResponse> {
    match guides::guide(key) {
        Some(g) if g.unavailable.is_none() => Ok(g),
        Some(g) => Err(v.fail(PortalError::new(
            400,
            &format!("{} cannot be connected yet", g.name),
            g.unavailable.unwrap_or_default(),
        ))),
        None => Err(v.fail(PortalError::not_found())),
    }
}

pub async fn guide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Page {
    let v = visit(&req, state)?;
    require_sync_enabled(&v).await?;
    let guide = guide_or_404(&v, &path)?;
    ok(GuidePage {
        brand: &v.state.portal.branding,
        guide,
        csrf: &v.session.csrf,
    }
    .render())
}

#[derive(Deserialize)]
pub struct ConfigureForm {
    csrf: String,
}

#[derive(Template)]
#[template(path = "portal/configure.html")]
struct Configure<'a> {
    brand: &'a Branding,
    guide: &'static Guide,
    directory_id: String,
    url: String,
    token: String,
    reset: bool,
}

pub async fn configure(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ConfigureForm>,
) -> Page {
    let v = visit_form(&req, state, &form.csrf)?;
    require_sync_enabled(&v).await?;
    let guide = guide_or_404(&v, &path)?;
    let (directory, token) = create_directory(
        &v.state,
        &v.session.organization_id,
        DirectoryIn {
            name: guide.name.to_owned(),
            provider: guide.provider.as_str().to_owned(),
            scim_version: Some(guide.scim_version.as_str().to_owned()),
        },
    )
    .await
    .map_err(|e| v.fail(e))?;
    ok(Configure {
        brand: &v.state.portal.branding,
        guide,
        url: scim_url(&v.state, &directory),
        directory_id: directory.id,
        token,
        reset: false,
    }
    .render())
}

fn scim_url(state: &AppState, d: &directory::Model) -> String {
    let version = ScimVersion::parse(&d.scim_version).unwrap_or_default();
    format!(
        "{}/scim/{}/{}",
        state.public_url,
        version.path_segment(),
        d.id
    )
}

// ---------------------------------------------------------------------------------------------
// A directory: overview, users, groups, activity

/// The tabs of a directory's pages.
struct Tabs {
    id: String,
    name: String,
    provider: &'static str,
    current: &'static str,
}

impl Tabs {
    fn new(d: &directory::Model, current: &'static str) -> Tabs {
        Tabs {
            id: d.id.clone(),
            name: d.name.clone(),
            provider: provider_name(d),
            current,
        }
    }
}

struct ActivityRow {
    at: String,
    request: String,
    status: i32,
    /// The problem in plain words, for failed requests.
    problem: Option<String>,
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// What went wrong with an IdP's request, said the way an IdP admin understands it.
fn in_plain_words(row: &request_activity::Model, idp: &str) -> Option<String> {
    if row.status < 400 {
        return None;
    }
    let what = match (row.status, row.scim_type.as_deref()) {
        (401, _) => "a request with a wrong or replaced token (paste the current token)",
        (403, _) => "a request this directory refuses",
        (404, _) => "a request for a user or group that does not exist here",
        (409, _) | (_, Some("uniqueness")) => "a user or group that already exists",
        (413, _) => "a request larger than allowed",
        (429, _) => "too many requests at once (it retries by itself)",
        (_, Some("invalidFilter")) => "a filter we could not parse",
        (_, Some("invalidPath")) => "an attribute path we could not parse",
        (_, Some("invalidSyntax")) => "a request we could not read",
        (_, Some("invalidValue")) => "a value we could not accept",
        (_, Some("mutability")) => "a change to an attribute that cannot change",
        (s, _) if s >= 500 => "a request we failed to process (this is on our side)",
        _ => "a request we could not accept",
    };
    Some(match &row.error {
        Some(detail) => format!("{idp} sent {what}: {detail}"),
        None => format!("{idp} sent {what}."),
    })
}

fn activity_rows(rows: Vec<request_activity::Model>, idp: &str) -> Vec<ActivityRow> {
    rows.into_iter()
        .map(|r| ActivityRow {
            at: when(r.created_at),
            problem: in_plain_words(&r, idp),
            request: format!("{} {}", r.method, r.path),
            status: r.status,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/overview.html")]
struct Overview<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    status: &'static str,
    connected: bool,
    url: String,
    token_suffix: String,
    last_request: Option<String>,
    active_users: u64,
    users: u64,
    groups: u64,
    warnings: Vec<String>,
    recent: Vec<ActivityRow>,
}

fn settings(
    v: &Visit,
    d: &directory::Model,
) -> Result<roster_core::DirectorySettings, PortalResponse> {
    roster_store::directories::settings_of(d).map_err(|e| v.fail(e))
}

/// The warnings an IT admin must see, in words.
fn warnings_of(s: &roster_core::DirectorySettings) -> Vec<String> {
    s.warnings()
        .into_iter()
        .map(|w| match w {
            WARNING_NO_ADMIN_ROLE_MAPPING => format!(
                "No group grants the admin role \"{}\": after the first sync nobody could \
                 administer the application. Map a group to it under Roles.",
                s.admin_role.as_deref().unwrap_or_default()
            ),
            other => other.to_owned(),
        })
        .collect()
}

pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    let counts = v
        .state
        .store
        .directory_counts(&d.id)
        .await
        .map_err(|e| v.fail(e))?;
    let recent = v
        .state
        .store
        .list_activity(
            &d.id,
            &roster_store::PageRequest {
                after: None,
                limit: 5,
            },
        )
        .await
        .map_err(|e| v.fail(e))?
        .data;
    let last_request = recent.first().map(|r| when(r.created_at));
    let tokens = v
        .state
        .store
        .active_directory_tokens(&d.id, Utc::now())
        .await
        .map_err(|e| v.fail(e))?;
    let settings = settings(&v, &d)?;
    let tabs = Tabs::new(&d, "overview");
    let idp = tabs.provider;
    ok(Overview {
        brand: &v.state.portal.branding,
        status: status_label(&d),
        connected: d.state != "pending",
        url: scim_url(&v.state, &d),
        token_suffix: tokens.last().map(|t| t.suffix.clone()).unwrap_or_default(),
        last_request,
        active_users: counts.active_users,
        users: counts.users,
        groups: counts.groups,
        warnings: warnings_of(&settings),
        recent: activity_rows(recent, idp),
        tabs,
    }
    .render())
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<String>,
}

struct UserRow {
    name: String,
    email: String,
    state: String,
    roles: String,
    groups: String,
}

#[derive(Template)]
#[template(path = "portal/users.html")]
struct Users<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    users: Vec<UserRow>,
    next: Option<String>,
}

pub async fn users(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    let read = v
        .state
        .store
        .read_users(
            &d.id,
            &roster_store::read::UserQuery {
                after: query.after.clone(),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| v.fail(e))?
        .map_err(|_| v.fail(PortalError::not_found()))?;
    let users = read
        .data
        .into_iter()
        .map(|u| {
            let data = &u.user.data;
            let text = |key: &str| data[key].as_str().unwrap_or_default().to_owned();
            let name = [text("first_name"), text("last_name")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let email = data["emails"]
                .as_array()
                .and_then(|list| {
                    list.iter()
                        .find(|e| e["primary"] == true)
                        .or_else(|| list.first())
                })
                .and_then(|e| e["value"].as_str())
                .unwrap_or_default()
                .to_owned();
            UserRow {
                name: if name.is_empty() {
                    text("user_name")
                } else {
                    name
                },
                email: if email.is_empty() {
                    text("user_name")
                } else {
                    email
                },
                state: u.user.state.clone(),
                roles: data["roles"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                groups: u
                    .groups
                    .iter()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    ok(Users {
        brand: &v.state.portal.branding,
        tabs: Tabs::new(&d, "users"),
        users,
        next: read.next_cursor,
    }
    .render())
}

struct GroupRow {
    name: String,
    members: i64,
}

#[derive(Template)]
#[template(path = "portal/groups.html")]
struct Groups<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    groups: Vec<GroupRow>,
    next: Option<String>,
}

pub async fn groups(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    let read = v
        .state
        .store
        .read_groups(
            &d.id,
            &roster_store::read::GroupQuery {
                after: query.after.clone(),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| v.fail(e))?
        .map_err(|_| v.fail(PortalError::not_found()))?;
    ok(Groups {
        brand: &v.state.portal.branding,
        tabs: Tabs::new(&d, "groups"),
        groups: read
            .data
            .into_iter()
            .map(|g| GroupRow {
                name: g.name,
                members: g.member_count,
            })
            .collect(),
        next: read.next_cursor,
    }
    .render())
}

#[derive(Template)]
#[template(path = "portal/activity.html")]
struct Activity<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    rows: Vec<ActivityRow>,
    next: Option<String>,
}

pub async fn activity(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    let page = v
        .state
        .store
        .list_activity(
            &d.id,
            &roster_store::PageRequest {
                after: query.after.clone(),
                limit: 50,
            },
        )
        .await
        .map_err(|e| v.fail(e))?;
    let tabs = Tabs::new(&d, "activity");
    let idp = tabs.provider;
    ok(Activity {
        brand: &v.state.portal.branding,
        rows: activity_rows(page.data, idp),
        next: page.next_cursor,
        tabs,
    }
    .render())
}

// ---------------------------------------------------------------------------------------------
// Roles

struct RoleRow {
    group: String,
    role: String,
    priority: i32,
}

#[derive(Template)]
#[template(path = "portal/roles.html")]
struct Roles<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    csrf: &'a str,
    default_role: String,
    admin_role: String,
    rows: Vec<RoleRow>,
    group_names: Vec<String>,
    warnings: Vec<String>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn group_names(v: &Visit, directory_id: &str) -> Result<Vec<String>, PortalResponse> {
    let read = v
        .state
        .store
        .read_groups(
            directory_id,
            &roster_store::read::GroupQuery {
                after: None,
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| v.fail(e))?
        .map_err(|_| v.fail(PortalError::not_found()))?;
    Ok(read.data.into_iter().map(|g| g.name).collect())
}

pub async fn roles(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    let s = settings(&v, &d)?;
    let mut rows: Vec<RoleRow> = s
        .role_mappings
        .iter()
        .map(|m| RoleRow {
            group: m.group.clone(),
            role: m.role.clone(),
            priority: m.priority,
        })
        .collect();
    // Room for new mappings without JavaScript.
    for _ in 0..3 {
        rows.push(RoleRow {
            group: String::new(),
            role: String::new(),
            priority: 0,
        });
    }
    ok(Roles {
        brand: &v.state.portal.branding,
        csrf: &v.session.csrf,
        default_role: s.default_role.clone().unwrap_or_default(),
        admin_role: s.admin_role.clone().unwrap_or_default(),
        warnings: warnings_of(&s),
        group_names: group_names(&v, &d.id).await?,
        rows,
        saved: query.saved.is_some(),
        tabs: Tabs::new(&d, "roles"),
    }
    .render())
}

/// A form of repeated rows arrives as `group=…&role=…&priority=…` repeated: read it in order.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

fn column<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub async fn save_roles(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let pairs = form_pairs(&body);
    let v = visit_form(&req, state, field(&pairs, "csrf"))?;
    let d = v.directory(&path).await?;
    let groups = column(&pairs, "group");
    let roles = column(&pairs, "role");
    let priorities = column(&pairs, "priority");
    let mut mappings = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let role = roles.get(i).copied().unwrap_or_default();
        if group.is_empty() && role.is_empty() {
            continue;
        }
        if group.is_empty() || role.is_empty() {
            return Err(v.fail(PortalError::new(
                400,
                "Please check the form",
                format!("Row {}: a mapping needs both a group and a role.", i + 1),
            )));
        }
        let priority = match priorities.get(i).copied().unwrap_or_default() {
            "" => 0,
            p => p.parse::<i32>().map_err(|_| {
                v.fail(PortalError::new(
                    400,
                    "Please check the form",
                    format!(
                        "Row {}: the priority must be a whole number, not \"{p}\".",
                        i + 1
                    ),
                ))
            })?,
        };
        mappings.push(RoleMapping {
            group: (*group).to_owned(),
            role: role.to_owned(),
            priority,
        });
    }
    let patch = DirectoryPatch {
        default_role: Some(optional(field(&pairs, "default_role"))),
        admin_role: Some(optional(field(&pairs, "admin_role"))),
        role_mappings: Some(mappings),
        ..Default::default()
    };
    update_directory(&v.state, &d.id, patch)
        .await
        .map_err(|e| v.fail(e))?;
    Ok(see_other(&format!(
        "/portal/directories/{}/roles?saved=1",
        d.id
    )))
}

// ---------------------------------------------------------------------------------------------
// Attribute mapping

struct MappingRow {
    source: String,
    target: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "portal/attributes.html")]
struct Attributes<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    csrf: &'a str,
    defaults: Vec<MappingRow>,
    rows: Vec<MappingRow>,
    types: Vec<&'static str>,
    saved: bool,
}

pub async fn attributes(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    let s = settings(&v, &d)?;
    let provider = Provider::parse(&d.provider).unwrap_or(Provider::Generic);
    let defaults = effective_mappings(provider, &s.attribute_mappings)
        .into_iter()
        .filter(|(_, origin)| *origin == MappingOrigin::ProviderDefault)
        .map(|(m, _)| MappingRow {
            source: m.source,
            target: m.target,
            kind: m.kind.as_str(),
        })
        .collect();
    let mut rows: Vec<MappingRow> = s
        .attribute_mappings
        .iter()
        .map(|m| MappingRow {
            source: m.source.clone(),
            target: m.target.clone(),
            kind: m.kind.as_str(),
        })
        .collect();
    for _ in 0..3 {
        rows.push(MappingRow {
            source: String::new(),
            target: String::new(),
            kind: "string",
        });
    }
    ok(Attributes {
        brand: &v.state.portal.branding,
        csrf: &v.session.csrf,
        defaults,
        rows,
        types: AttributeType::ALL.iter().map(|t| t.as_str()).collect(),
        saved: query.saved.is_some(),
        tabs: Tabs::new(&d, "attributes"),
    }
    .render())
}

pub async fn save_attributes(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Page {
    let pairs = form_pairs(&body);
    let v = visit_form(&req, state, field(&pairs, "csrf"))?;
    let d = v.directory(&path).await?;
    let sources = column(&pairs, "source");
    let targets = column(&pairs, "target");
    let kinds = column(&pairs, "type");
    let mut mappings = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let target = targets.get(i).copied().unwrap_or_default();
        if source.is_empty() && target.is_empty() {
            continue;
        }
        if source.is_empty() || target.is_empty() {
            return Err(v.fail(PortalError::new(
                400,
                "Please check the form",
                format!(
                    "Row {}: a mapping needs both the SCIM attribute and the name it gets.",
                    i + 1
                ),
            )));
        }
        let kind = kinds.get(i).copied().unwrap_or("string");
        let kind = AttributeType::ALL
            .into_iter()
            .find(|t| t.as_str() == kind)
            .ok_or_else(|| {
                v.fail(PortalError::new(
                    400,
                    "Please check the form",
                    format!("Row {}: \"{kind}\" is not a type.", i + 1),
                ))
            })?;
        mappings.push(AttributeMapping {
            source: (*source).to_owned(),
            target: target.to_owned(),
            kind,
        });
    }
    let patch = DirectoryPatch {
        attribute_mappings: Some(mappings),
        ..Default::default()
    };
    update_directory(&v.state, &d.id, patch)
        .await
        .map_err(|e| v.fail(e))?;
    Ok(see_other(&format!(
        "/portal/directories/{}/attributes?saved=1",
        d.id
    )))
}

// ---------------------------------------------------------------------------------------------
// Token reset

#[derive(Template)]
#[template(path = "portal/token.html")]
struct TokenPage<'a> {
    brand: &'a Branding,
    tabs: Tabs,
    csrf: &'a str,
    token_field: &'static str,
}

fn guide_of(d: &directory::Model) -> &'static Guide {
    let provider = Provider::parse(&d.provider).unwrap_or(Provider::Generic);
    let version = ScimVersion::parse(&d.scim_version).unwrap_or_default();
    guides::guide_for(provider, version)
}

pub async fn token(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> Page {
    let v = visit(&req, state)?;
    let d = v.directory(&path).await?;
    ok(TokenPage {
        brand: &v.state.portal.branding,
        csrf: &v.session.csrf,
        token_field: guide_of(&d).token_field,
        tabs: Tabs::new(&d, "token"),
    }
    .render())
}

#[derive(Deserialize)]
pub struct ResetForm {
    csrf: String,
    confirm: Option<String>,
}

pub async fn reset_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Page {
    let v = visit_form(&req, state, &form.csrf)?;
    let d = v.directory(&path).await?;
    if form.confirm.as_deref() != Some("yes") {
        return Err(v.fail(PortalError::new(
            400,
            "Nothing was changed",
            "Check the box to confirm that you want a new token.",
        )));
    }
    let rotated = rotate_directory_token(&v.state, &d.id, 0)
        .await
        .map_err(|e| v.fail(e))?;
    let guide = guide_of(&d);
    ok(Configure {
        brand: &v.state.portal.branding,
        guide,
        url: scim_url(&v.state, &d),
        directory_id: d.id,
        token: rotated.token,
        reset: true,
    }
    .render())
}
