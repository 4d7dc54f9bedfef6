//! Standard Webhooks signing (<https://www.standardwebhooks.com>, v1.0.0).
//!
//! A secret is `whsec_` + base64 of its key bytes. Each attempt is signed over
//! `"{webhook-id}.{webhook-timestamp}.{body}"` with HMAC-SHA256 and sent as
//! `webhook-signature: v1,<base64>`; during a rotation every valid secret signs, space-separated.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Key bytes of a generated secret (the spec allows 24–64).
const GENERATED_KEY_BYTES: usize = 32;

/// A signing key, decoded from its `whsec_…` form. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SigningSecret(Vec<u8>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

impl SigningSecret {
    /// A new random secret, in its `whsec_…` form.
    pub fn generate() -> String {
        let mut key = [0u8; GENERATED_KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut key);
        format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
    }

    /// Decodes `whsec_<base64>`; `None` if it is not of that form.
    pub fn parse(secret: &str) -> Option<SigningSecret> {
        let body = secret.strip_prefix(SECRET_PREFIX)?;
        let key = STANDARD.decode(body).ok()?;
        (!key.is_empty()).then_some(SigningSecret(key))
    }

    /// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header value: one `v1,…` per secret, space-separated.
pub fn signature_header(
    secrets: &[SigningSecret],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (and its reference libraries' tests).
    #[test]
    fn reproduces_the_specification_test_vector() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn the_standardwebhooks_crate_accepts_our_signatures_including_during_rotation() {
        let old = SigningSecret::generate();
        let new = SigningSecret::generate();
        let secrets = [
            SigningSecret::parse(&new).expect("new"),
            SigningSecret::parse(&old).expect("old"),
        ];
        let body = br#"{"id":"evt_1","type":"user.created"}"#;
        let timestamp = chrono::Utc::now().timestamp();
        let header = signature_header(&secrets, "evt_1", timestamp, body);
        assert_eq!(header.split(' ').count(), 2);
        for secret in [&old, &new] {
            let verifier = standardwebhooks::Webhook::new(secret).expect("verifier");
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("webhook-id", "evt_1".parse().expect("header"));
            headers.insert(
                "webhook-timestamp",
                timestamp.to_string().parse().expect("header"),
            );
            headers.insert("webhook-signature", header.parse().expect("header"));
            verifier.verify(body, &headers).expect("verifies");
        }
        let stranger = SigningSecret::generate();
        let verifier = standardwebhooks::Webhook::new(&stranger).expect("verifier");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("webhook-id", "evt_1".parse().expect("header"));
        headers.insert(
            "webhook-timestamp",
            timestamp.to_string().parse().expect("header"),
        );
        headers.insert("webhook-signature", header.parse().expect("header"));
        assert!(verifier.verify(body, &headers).is_err());
    }

    #[test]
    fn malformed_secrets_are_refused_and_never_printed() {
        assert!(SigningSecret::parse("whsec_").is_none());
        assert!(SigningSecret::parse("whsec_!!!").is_none());
        assert!(SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none());
        let secret = SigningSecret::parse(&SigningSecret::generate()).expect("valid");
        assert_eq!(format!("{secret:?}"), "SigningSecret([redacted])");
    }
}
