//! What every request handler shares.

use crate::auth::Verifier;
use roster_store::Store;

pub struct AppState {
    pub store: Store,
    /// Base of issued SCIM URLs, without a trailing slash.
    pub public_url: String,
    pub verifier: Verifier,
}
