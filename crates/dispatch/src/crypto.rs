//! Signing secrets at rest: XChaCha20-Poly1305 under a key derived from `ROSTER_SECRET_KEY`.
//!
//! Stored form: `v1.<base64(24-byte nonce || ciphertext || tag)>`. The key is
//! HMAC-SHA256(`ROSTER_SECRET_KEY`, "roster webhook secrets v1"), so it is never the server key
//! itself and other uses of that key (API key cache, portal sessions) stay independent.

use crate::DispatchError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: &str = "v1.";
const NONCE_LEN: usize = 24;

/// Encrypts and decrypts webhook signing secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

impl SecretBox {
    /// Derives the encryption key from the server's secret key bytes.
    pub fn new(server_secret: &[u8]) -> SecretBox {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(server_secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"roster webhook secrets v1");
        let key = mac.finalize().into_bytes();
        SecretBox {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    pub fn encrypt(&self, plaintext: &str) -> Result<String, DispatchError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| DispatchError::Crypto("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION}{}", STANDARD.encode(out)))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, DispatchError> {
        let corrupt = |what: &str| DispatchError::Crypto(format!("stored secret {what}"));
        let body = stored
            .strip_prefix(VERSION)
            .ok_or_else(|| corrupt("has an unknown format"))?;
        let bytes = STANDARD
            .decode(body)
            .map_err(|_| corrupt("is not base64"))?;
        if bytes.len() <= NONCE_LEN {
            return Err(corrupt("is truncated"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| {
                corrupt("cannot be decrypted (was ROSTER_SECRET_KEY changed since it was stored?)")
            })?;
        String::from_utf8(plaintext).map_err(|_| corrupt("is not text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_another_key_or_tampering() {
        let a = SecretBox::new(b"a server key of at least 32 characters");
        let b = SecretBox::new(b"another server key, also 32+ characters");
        let stored = a.encrypt("whsec_abc").expect("encrypt");
        assert!(!stored.contains("whsec_abc"));
        assert_eq!(a.decrypt(&stored).expect("decrypt"), "whsec_abc");
        assert!(b.decrypt(&stored).is_err());
        let mut tampered = stored.clone();
        tampered.pop();
        tampered.push('A');
        assert!(a.decrypt(&tampered).is_err() || tampered == stored);
        assert!(a.decrypt("v1.").is_err());
        assert!(a.decrypt("garbage").is_err());
        // A fresh nonce each time.
        assert_ne!(a.encrypt("x").expect("e"), a.encrypt("x").expect("e"));
    }
}
