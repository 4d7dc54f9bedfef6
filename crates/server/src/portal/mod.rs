//! The admin portal: server-rendered pages for a tenant's IT admin, opened through a single-use
//! link the vendor creates (`POST /api/v1/organizations/{id}/portal_links`).
//!
//! - **Links** (`rpl_<id>_<secret>`): the secret is kept as an argon2id hash; opening a link marks
//!   it used (one statement checks unused and unexpired), then redirects to `/portal` without the
//!   link in the address bar.
//! - **Sessions** are a signed cookie (`roster_portal`: organization, expiry, nonce, HMAC-SHA256
//!   under a key derived from `ROSTER_SECRET_KEY`): any replica can check one, nothing to store.
//!   HttpOnly, SameSite=Lax, Secure when the public URL is https. A session sees one organization:
//!   every directory in a path is checked against it (another's is "not found").
//! - **CSRF**: every form carries a token derived from the session's nonce; a POST without the
//!   right one is refused.
//! - Pages work without JavaScript; `portal.js` (vendored, a few lines) only adds copy buttons.

pub mod guides;
pub mod pages;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

use crate::state::AppState;

pub const SESSION_COOKIE: &str = "roster_portal";
/// Prefix of a portal link's credential.
pub const LINK_PREFIX: &str = "rpl_";

/// The vendor's look, from configuration (`ROSTER_PORTAL_*`).
#[derive(Clone, Debug)]
pub struct Branding {
    pub name: String,
    pub logo_url: Option<String>,
    /// `#rgb` or `#rrggbb` (validated: it goes into the stylesheet).
    pub accent_color: String,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            name: "Roster".into(),
            logo_url: None,
            accent_color: "#2446c7".into(),
        }
    }
}

/// Portal settings and the session key.
pub struct PortalRuntime {
    key: [u8; 32],
    pub branding: Branding,
    pub link_ttl: Duration,
    pub session_ttl: Duration,
    /// Cookies get `Secure` when the portal is served over https.
    pub secure_cookies: bool,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        m.update(part);
        m.update(b"\x00");
    }
    m.finalize().into_bytes().into()
}

/// A signed-in portal visitor: which organization, until when.
#[derive(Clone, Debug)]
pub struct Session {
    pub organization_id: String,
    pub expires_at: DateTime<Utc>,
    nonce: String,
    /// The CSRF token forms must send back.
    pub csrf: String,
}

impl PortalRuntime {
    pub fn new(
        secret_key: &[u8],
        branding: Branding,
        link_ttl: Duration,
        session_ttl: Duration,
        secure_cookies: bool,
    ) -> Self {
        PortalRuntime {
            // Its own key, so a session MAC can never be confused with another use of the secret.
            key: mac(secret_key, &[b"roster admin portal session v1"]),
            branding,
            link_ttl,
            session_ttl,
            secure_cookies,
        }
    }

    fn csrf_for(&self, nonce: &str) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.key, &[b"csrf", nonce.as_bytes()]))
    }

    /// The cookie value of a new session of `organization_id`.
    pub fn new_session(&self, organization_id: &str) -> (String, Session) {
        let nonce = crate::auth::random_secret(16);
        let expires_at = Utc::now()
            + chrono::Duration::from_std(self.session_ttl).unwrap_or(chrono::Duration::hours(8));
        let payload = format!("{organization_id}.{}.{nonce}", expires_at.timestamp());
        let signature = URL_SAFE_NO_PAD.encode(mac(&self.key, &[payload.as_bytes()]));
        let session = Session {
            organization_id: organization_id.to_owned(),
            expires_at,
            csrf: self.csrf_for(&nonce),
            nonce,
        };
        (format!("{payload}.{signature}"), session)
    }

    /// The session a cookie value proves, if its signature holds and it has not expired.
    pub fn session(&self, cookie: &str) -> Option<Session> {
        let (payload, signature) = cookie.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut m = HmacSha256::new_from_slice(&self.key).ok()?;
        m.update(payload.as_bytes());
        m.update(b"\x00");
        // Constant-time comparison.
        m.verify_slice(&signature).ok()?;
        let mut parts = payload.split('.');
        let organization_id = parts.next()?.to_owned();
        let expires = parts.next()?.parse::<i64>().ok()?;
        let nonce = parts.next()?.to_owned();
        let expires_at = DateTime::from_timestamp(expires, 0)?;
        if expires_at <= Utc::now() {
            return None;
        }
        Some(Session {
            organization_id,
            expires_at,
            csrf: self.csrf_for(&nonce),
            nonce,
        })
    }

    pub fn session_cookie(&self, value: String) -> Cookie<'static> {
        Cookie::build(SESSION_COOKIE, value)
            .path("/portal")
            .http_only(true)
            .secure(self.secure_cookies)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::seconds(
                self.session_ttl.as_secs() as i64,
            ))
            .finish()
    }
}

impl Session {
    /// Whether a submitted form's CSRF token is this session's (constant time).
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.csrf.as_bytes().ct_eq(submitted.as_bytes()).into()
    }

    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

/// What a portal page shows when something is wrong, and with which status.
#[derive(Debug)]
pub struct PortalError {
    pub status: u16,
    pub title: String,
    pub message: String,
}

impl PortalError {
    pub fn new(status: u16, title: &str, message: impl Into<String>) -> Self {
        PortalError {
            status,
            title: title.to_owned(),
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        PortalError::new(
            404,
            "Not found",
            "This page does not exist, or belongs to another organization.",
        )
    }

    pub fn signed_out() -> Self {
        PortalError::new(
            401,
            "Your session has ended",
            "Portal sessions last a few hours. Ask the application's administrator for a new \
             setup link.",
        )
    }
}

impl From<roster_store::StoreError> for PortalError {
    fn from(e: roster_store::StoreError) -> Self {
        match e {
            roster_store::StoreError::Unavailable(_) => PortalError::new(
                503,
                "Temporarily unavailable",
                "The service cannot reach its database right now. Try again in a minute.",
            ),
            roster_store::StoreError::NotFound => PortalError::not_found(),
            other => {
                tracing::error!(error = %other, "portal page failed");
                PortalError::new(
                    500,
                    "Something went wrong",
                    "The page could not be shown. Try again; if it keeps happening, tell the \
                     application's administrator.",
                )
            }
        }
    }
}

impl From<crate::error::ApiError> for PortalError {
    fn from(e: crate::error::ApiError) -> Self {
        use crate::error::ApiError;
        match e {
            ApiError::NotFound(_) | ApiError::NotFoundExplained(_) => PortalError::not_found(),
            ApiError::Unavailable => PortalError::new(
                503,
                "Temporarily unavailable",
                "The service cannot reach its database right now. Try again in a minute.",
            ),
            ApiError::BadRequest(m) | ApiError::Conflict(m) => {
                PortalError::new(400, "That did not work", m)
            }
            ApiError::Validation(errors) => PortalError::new(
                400,
                "Please check the form",
                errors
                    .0
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => {
                tracing::error!(error = ?other, "portal action failed");
                PortalError::new(
                    500,
                    "Something went wrong",
                    "That did not work. Try again; if it keeps happening, tell the \
                     application's administrator.",
                )
            }
        }
    }
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage<'a> {
    brand: &'a Branding,
    title: &'a str,
    message: &'a str,
    signed_in: bool,
}

impl PortalError {
    pub fn render(&self, brand: &Branding, signed_in: bool) -> HttpResponse {
        let page = ErrorPage {
            brand,
            title: &self.title,
            message: &self.message,
            signed_in,
        };
        html(
            actix_web::http::StatusCode::from_u16(self.status)
                .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
            page.render(),
        )
    }
}

/// An HTML response with the portal's security headers.
pub fn html(
    status: actix_web::http::StatusCode,
    body: Result<String, askama::Error>,
) -> HttpResponse {
    match body {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' https: data:; script-src 'self'; \
                 style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "portal template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("The page could not be rendered.")
        }
    }
}

/// The session of a request, if any.
pub fn session_of(req: &HttpRequest, state: &AppState) -> Option<Session> {
    let cookie = req.cookie(SESSION_COOKIE)?;
    state.portal.session(cookie.value())
}

/// A portal form that cannot be read (missing or malformed fields) gets the portal's error page,
/// not actix's plain-text 400. (The management API takes JSON only: this touches no API route.)
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default().error_handler(|error, req| {
        let brand = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.portal.branding.clone())
            .unwrap_or_default();
        tracing::debug!(error = %error, "unreadable portal form");
        pages::PortalResponse::new(
            PortalError::new(
                400,
                "This form could not be read",
                "Go back, reload the page and submit the form again.",
            ),
            brand,
            true,
        )
        .into()
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/portal/assets/portal.css",
        web::get().to(pages::stylesheet),
    )
    .route("/portal/assets/portal.js", web::get().to(pages::script))
    .route("/portal/start", web::get().to(pages::start))
    .route("/portal", web::get().to(pages::home))
    .route("/portal/setup", web::get().to(pages::providers))
    .route("/portal/setup/{provider}", web::get().to(pages::guide))
    .route("/portal/setup/{provider}", web::post().to(pages::configure))
    .route("/portal/directories/{id}", web::get().to(pages::overview))
    .route(
        "/portal/directories/{id}/users",
        web::get().to(pages::users),
    )
    .route(
        "/portal/directories/{id}/groups",
        web::get().to(pages::groups),
    )
    .route(
        "/portal/directories/{id}/activity",
        web::get().to(pages::activity),
    )
    .route(
        "/portal/directories/{id}/roles",
        web::get().to(pages::roles),
    )
    .route(
        "/portal/directories/{id}/roles",
        web::post().to(pages::save_roles),
    )
    .route(
        "/portal/directories/{id}/attributes",
        web::get().to(pages::attributes),
    )
    .route(
        "/portal/directories/{id}/attributes",
        web::post().to(pages::save_attributes),
    )
    .route(
        "/portal/directories/{id}/token",
        web::get().to(pages::token),
    )
    .route(
        "/portal/directories/{id}/token",
        web::post().to(pages::reset_token),
    );
}
