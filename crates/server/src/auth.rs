//! Secrets: management API keys and directory SCIM tokens.
//!
//! Both are high-entropy random strings shown once and stored only as argon2id hashes. Hashing
//! costs tens of milliseconds, so a verified secret is cached under an HMAC of the secret keyed
//! with the server's secret key: the cache never holds a usable secret, and a lookup costs one
//! HMAC. Rotation and deletion evict a directory's entries at once on this replica; the short TTL
//! bounds how long another replica may still accept a revoked token.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use moka::sync::Cache;
use rand::RngCore;
use roster_core::{ApiKeyId, TokenId};
use roster_store::entity::directory_token;
use roster_store::Store;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// Prefix of management API keys: `rk_<key id>_<secret>`.
const API_KEY_PREFIX: &str = "rk_";
/// Prefix of directory SCIM tokens, recognisable by secret scanners.
const SCIM_TOKEN_PREFIX: &str = "rscim_";

/// `n` random bytes, base64url without padding.
pub fn random_secret(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hashes a secret with argon2id (PHC string). CPU-heavy: call from a blocking thread.
pub fn hash_secret(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

/// Verifies a secret against a PHC hash; argon2 compares the digests in constant time.
pub fn verify_secret(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Runs argon2 on the blocking pool, keeping the current tracing span.
pub async fn hash_secret_blocking(secret: String) -> anyhow::Result<String> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| hash_secret(&secret)))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

pub(crate) async fn verify_secret_blocking(secret: String, phc: String) -> bool {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| verify_secret(&secret, &phc)))
        .await
        .unwrap_or(false)
}

/// A new API key: its id, the full key (shown once) and its hash.
pub struct GeneratedApiKey {
    pub id: ApiKeyId,
    pub key: String,
    pub hash: String,
}

pub async fn generate_api_key() -> anyhow::Result<GeneratedApiKey> {
    let id = ApiKeyId::generate();
    let body = id.as_str().trim_start_matches("key_");
    let key = format!("{API_KEY_PREFIX}{body}_{}", random_secret(32));
    let hash = hash_secret_blocking(key.clone()).await?;
    Ok(GeneratedApiKey { id, key, hash })
}

/// A new SCIM token: its id, the token (shown once), its hash and a display suffix.
pub struct GeneratedToken {
    pub id: TokenId,
    pub token: String,
    pub hash: String,
    pub suffix: String,
}

pub async fn generate_scim_token() -> anyhow::Result<GeneratedToken> {
    let token = format!("{SCIM_TOKEN_PREFIX}{}", random_secret(32));
    let suffix = token[token.len().saturating_sub(4)..].to_owned();
    let hash = hash_secret_blocking(token.clone()).await?;
    Ok(GeneratedToken {
        id: TokenId::generate(),
        token,
        hash,
        suffix,
    })
}

/// Splits `rk_<id>_<secret>` into the key id it names.
fn api_key_id_of(key: &str) -> Option<ApiKeyId> {
    let rest = key.strip_prefix(API_KEY_PREFIX)?;
    let (id_body, secret) = rest.split_once('_')?;
    if secret.len() < 20 {
        return None;
    }
    ApiKeyId::parse(&format!("key_{id_body}"))
}

#[derive(Clone)]
enum CachedKey {
    Valid(String),
    Invalid,
}

#[derive(Clone)]
struct CachedToken {
    directory_id: String,
    token_id: String,
}

/// Why a secret was refused (internal detail; clients get one uniform 401).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials")]
    Missing,
    #[error("credentials not recognised")]
    Invalid,
    #[error(transparent)]
    Store(#[from] roster_store::StoreError),
}

/// Verifies API keys and SCIM tokens with a cache in front of argon2.
pub struct Verifier {
    hmac_key: Vec<u8>,
    api_keys: Cache<[u8; 32], CachedKey>,
    /// Which token a (directory, token) pair verified as: argon2 runs once per pair and hour.
    tokens: Cache<[u8; 32], CachedToken>,
    /// Each directory's tokens valid right now, re-read from the database every 2 s: this is what
    /// makes a rotation or deletion on another replica take effect within seconds, while a
    /// request costs no argon2 hash and no query.
    active_tokens: Cache<String, Arc<Vec<directory_token::Model>>>,
    /// (directory, token) pairs that failed: a new token is random, so a pair that failed once
    /// never becomes valid, and retrying it (an IdP with a stale token, a brute force) must not
    /// cost an argon2 hash each time.
    rejected_tokens: Cache<[u8; 32], ()>,
    /// At most this many argon2 verifications run at once. A burst of requests with a token not
    /// cached yet (an IdP's import starting at concurrency 64) would otherwise hash 64 times in
    /// parallel, at 19 MiB each; waiting here, all but the first find the cache filled.
    hash_permits: tokio::sync::Semaphore,
}

impl Verifier {
    pub fn new(secret_key: &[u8], api_key_ttl: Duration) -> Self {
        Self {
            hmac_key: secret_key.to_vec(),
            api_keys: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(api_key_ttl)
                .build(),
            tokens: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(3600))
                .support_invalidation_closures()
                .build(),
            active_tokens: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(2))
                .build(),
            rejected_tokens: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            hash_permits: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8)),
            ),
        }
    }

    fn fingerprint(&self, parts: &[&[u8]]) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Returns the id of the API key, or why not.
    pub async fn verify_api_key(&self, store: &Store, key: &str) -> Result<String, AuthError> {
        let fingerprint = self.fingerprint(&[key.as_bytes()]);
        if let Some(known) = self.cached_api_key(&fingerprint) {
            return known;
        }
        let Some(id) = api_key_id_of(key) else {
            self.api_keys.insert(fingerprint, CachedKey::Invalid);
            return Err(AuthError::Invalid);
        };
        let _permit = self.hash_permit().await;
        if let Some(known) = self.cached_api_key(&fingerprint) {
            return known;
        }
        let Some(stored) = store.find_active_api_key(id.as_str()).await? else {
            self.api_keys.insert(fingerprint, CachedKey::Invalid);
            return Err(AuthError::Invalid);
        };
        if verify_secret_blocking(key.to_owned(), stored.key_hash).await {
            self.api_keys
                .insert(fingerprint, CachedKey::Valid(stored.id.clone()));
            Ok(stored.id)
        } else {
            self.api_keys.insert(fingerprint, CachedKey::Invalid);
            Err(AuthError::Invalid)
        }
    }

    fn cached_api_key(&self, fingerprint: &[u8; 32]) -> Option<Result<String, AuthError>> {
        match self.api_keys.get(fingerprint)? {
            CachedKey::Valid(id) => Some(Ok(id)),
            CachedKey::Invalid => Some(Err(AuthError::Invalid)),
        }
    }

    async fn hash_permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed; `None` would only mean running unthrottled.
        self.hash_permits.acquire().await.ok()
    }

    /// Returns the id of the token of `directory_id` that `token` matches, or why not. A valid
    /// token of another directory is refused like an unknown one.
    pub async fn verify_scim_token(
        &self,
        store: &Store,
        directory_id: &str,
        token: &str,
    ) -> Result<String, AuthError> {
        let fingerprint = self.fingerprint(&[directory_id.as_bytes(), token.as_bytes()]);
        if self.rejected_tokens.contains_key(&fingerprint) {
            return Err(AuthError::Invalid);
        }
        if let Some(cached) = self.tokens.get(&fingerprint) {
            return self
                .still_active(store, directory_id, &cached.token_id)
                .await;
        }
        if !token.starts_with(SCIM_TOKEN_PREFIX) {
            return Err(AuthError::Invalid);
        }
        let _permit = self.hash_permit().await;
        if let Some(cached) = self.tokens.get(&fingerprint) {
            return self
                .still_active(store, directory_id, &cached.token_id)
                .await;
        }
        if self.rejected_tokens.contains_key(&fingerprint) {
            return Err(AuthError::Invalid);
        }
        let cached = self.active_tokens.get(directory_id);
        let mut tried = Vec::new();
        if let Some(tokens) = &cached {
            if let Some(id) = self.matching(token, tokens, &tried).await {
                return Ok(self.remember(fingerprint, directory_id, id));
            }
            tried.extend(tokens.iter().map(|t| t.id.clone()));
        }
        // Not among the tokens this replica knows: a token rotated through another replica is
        // newer than this cache, and must work at once (the IdP admin just pasted it).
        let fresh = self.reload_active(store, directory_id).await?;
        if let Some(id) = self.matching(token, &fresh, &tried).await {
            return Ok(self.remember(fingerprint, directory_id, id));
        }
        self.rejected_tokens.insert(fingerprint, ());
        Err(AuthError::Invalid)
    }

    /// The id of the token among `tokens` (skipping those already `tried`) that `token` is.
    async fn matching(
        &self,
        token: &str,
        tokens: &[directory_token::Model],
        tried: &[String],
    ) -> Option<String> {
        for candidate in tokens.iter().filter(|t| !tried.contains(&t.id)) {
            if verify_secret_blocking(token.to_owned(), candidate.token_hash.clone()).await {
                return Some(candidate.id.clone());
            }
        }
        None
    }

    fn remember(&self, fingerprint: [u8; 32], directory_id: &str, token_id: String) -> String {
        self.tokens.insert(
            fingerprint,
            CachedToken {
                directory_id: directory_id.to_owned(),
                token_id: token_id.clone(),
            },
        );
        token_id
    }

    /// The directory's tokens valid now (cached for 2 s).
    async fn active(
        &self,
        store: &Store,
        directory_id: &str,
    ) -> Result<Arc<Vec<directory_token::Model>>, AuthError> {
        if let Some(tokens) = self.active_tokens.get(directory_id) {
            return Ok(tokens);
        }
        self.reload_active(store, directory_id).await
    }

    /// The directory's tokens valid now, read from the database (and cached).
    async fn reload_active(
        &self,
        store: &Store,
        directory_id: &str,
    ) -> Result<Arc<Vec<directory_token::Model>>, AuthError> {
        let tokens = Arc::new(
            store
                .active_directory_tokens(directory_id, Utc::now())
                .await?,
        );
        self.active_tokens
            .insert(directory_id.to_owned(), tokens.clone());
        Ok(tokens)
    }

    /// A verified token is accepted while it is among the directory's valid tokens (a grace
    /// period ends at its `expires_at`, a rotation removes it).
    async fn still_active(
        &self,
        store: &Store,
        directory_id: &str,
        token_id: &str,
    ) -> Result<String, AuthError> {
        let now = Utc::now();
        let valid = self
            .active(store, directory_id)
            .await?
            .iter()
            .any(|t| t.id == token_id && t.expires_at.is_none_or(|expires| expires > now));
        if valid {
            Ok(token_id.to_owned())
        } else {
            Err(AuthError::Invalid)
        }
    }

    /// Forgets every cached token of a directory (rotation, deletion).
    pub fn evict_directory(&self, directory_id: &str) {
        self.active_tokens.invalidate(directory_id);
        let directory_id = directory_id.to_owned();
        // Only fails if closures weren't enabled at build time, which they are.
        let _ = self
            .tokens
            .invalidate_entries_if(move |_, v| v.directory_id == directory_id);
    }
}

/// The credential in an `Authorization` header: `Bearer <secret>`, or the bare secret that some
/// IdPs' "HTTP Header" authentication sends.
pub fn credential_from_header(value: &str) -> Option<&str> {
    let value = value.trim();
    let secret = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None if value.eq_ignore_ascii_case("bearer") => return None,
        None => value,
    };
    (!secret.is_empty()).then_some(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_secret() {
        let hash = hash_secret("rscim_abc").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_secret("rscim_abc", &hash));
        assert!(!verify_secret("rscim_abd", &hash));
        assert!(!verify_secret("rscim_abc", "not a phc string"));
    }

    #[test]
    fn header_forms() {
        assert_eq!(credential_from_header("Bearer abc"), Some("abc"));
        assert_eq!(credential_from_header("bearer   abc "), Some("abc"));
        assert_eq!(credential_from_header("abc"), Some("abc"));
        assert_eq!(credential_from_header("Basic abc"), None);
        assert_eq!(credential_from_header("Bearer "), None);
        assert_eq!(credential_from_header(""), None);
    }

    #[test]
    fn api_key_ids_parse_from_keys() {
        let id = ApiKeyId::generate();
        let body = id.as_str().trim_start_matches("key_");
        let key = format!("rk_{body}_{}", random_secret(32));
        assert_eq!(api_key_id_of(&key), Some(id));
        assert_eq!(api_key_id_of("rk_short"), None);
        assert_eq!(api_key_id_of("sk_live_123"), None);
    }
}
