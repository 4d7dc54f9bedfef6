//! What every request handler shares.

use crate::auth::Verifier;
use roster_store::Store;

pub struct AppState {
    pub store: Store,
    /// Base of issued SCIM URLs, without a trailing slash.
    pub public_url: String,
    pub verifier: Verifier,
    /// Webhook signing secrets are encrypted with it at rest.
    pub webhook_secrets: roster_dispatch::SecretBox,
    /// Wakes dispatch workers (in this process, or every replica through Redis).
    pub queue: std::sync::Arc<dyn roster_dispatch::QueueBackend>,
    pub dispatch: roster_dispatch::DispatchConfig,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    pub scim: crate::scim::ScimRuntime,
    /// Admin-portal sessions and branding.
    pub portal: crate::portal::PortalRuntime,
}
