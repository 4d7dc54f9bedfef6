//! Endpoint routing and secrets.

use crate::crypto::SecretBox;
use crate::sign::SigningSecret;
use crate::DispatchError;
use chrono::{DateTime, Utc};
use roster_core::{EventEnvelope, EventType};
use roster_store::entity::webhook_endpoint;
use roster_store::webhooks::ENDPOINT_DISABLED_EVENT;
use serde::{Deserialize, Serialize};

/// At most this many rotated-out secrets keep signing at once.
pub const MAX_PREVIOUS_SECRETS: usize = 10;
/// The longest overlap a rotation may ask for.
pub const MAX_OVERLAP_SECONDS: u64 = 7 * 86400;
pub const DEFAULT_OVERLAP_SECONDS: u64 = 86400;

/// Every event type an endpoint may subscribe to.
pub fn event_types() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    all.push(ENDPOINT_DISABLED_EVENT);
    all
}

pub fn is_known_event_type(name: &str) -> bool {
    EventType::parse(name).is_some() || name == ENDPOINT_DISABLED_EVENT
}

/// What the fan-out needs to know about an endpoint.
#[derive(Clone, Debug)]
pub struct Route {
    pub id: String,
    pub event_types: Option<Vec<String>>,
    pub organization_ids: Option<Vec<String>>,
    /// `ordering: directory`.
    pub ordered: bool,
    pub created_at: DateTime<Utc>,
}

fn string_list(value: &Option<serde_json::Value>) -> Option<Vec<String>> {
    value
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

impl Route {
    pub fn of(model: &webhook_endpoint::Model) -> Route {
        Route {
            id: model.id.clone(),
            event_types: string_list(&model.event_types),
            organization_ids: string_list(&model.organization_ids),
            ordered: model.ordering == "directory",
            created_at: model.created_at,
        }
    }

    /// Whether the endpoint's filters take this event.
    pub fn matches(&self, event: &EventEnvelope) -> bool {
        let type_ok = self
            .event_types
            .as_ref()
            .is_none_or(|types| types.contains(&event.event_type));
        let org_ok = self
            .organization_ids
            .as_ref()
            .is_none_or(|orgs| orgs.contains(&event.organization_id));
        type_ok && org_ok
    }

    /// Whether the fan-out owes it this event: it matches and was created after the endpoint.
    pub fn subscribed_to(&self, event: &EventEnvelope) -> bool {
        event.created_at >= self.created_at && self.matches(event)
    }

    /// The ordering lane of an event's delivery: its directory, for ordered endpoints.
    pub fn lane(&self, event: &EventEnvelope) -> Option<String> {
        if self.ordered {
            event.directory_id.clone()
        } else {
            None
        }
    }
}

/// A rotated-out secret, still signing until it expires (stored encrypted).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PreviousSecret {
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

fn previous(model: &webhook_endpoint::Model) -> Vec<PreviousSecret> {
    serde_json::from_value(model.previous_secrets.clone()).unwrap_or_default()
}

/// The secrets that sign an attempt now: the current one first, then unexpired previous ones.
pub fn signing_secrets(
    model: &webhook_endpoint::Model,
    secrets: &SecretBox,
    now: DateTime<Utc>,
) -> Result<Vec<SigningSecret>, DispatchError> {
    let mut out = Vec::new();
    let parse = |stored: &str| {
        let plain = secrets.decrypt(stored)?;
        SigningSecret::parse(&plain)
            .ok_or_else(|| DispatchError::Crypto("stored secret is not a whsec_ secret".into()))
    };
    out.push(parse(&model.secret)?);
    for old in previous(model) {
        if old.expires_at > now {
            out.push(parse(&old.secret)?);
        }
    }
    Ok(out)
}

/// A new secret for an endpoint: (the `whsec_…` to show once, its encrypted form, the new list
/// of previous secrets with the old current one signing for `overlap`).
pub fn rotate(
    model: &webhook_endpoint::Model,
    secrets: &SecretBox,
    overlap: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<(String, String, serde_json::Value), DispatchError> {
    let plain = SigningSecret::generate();
    let encrypted = secrets.encrypt(&plain)?;
    let mut kept: Vec<PreviousSecret> = previous(model)
        .into_iter()
        .filter(|p| p.expires_at > now)
        .collect();
    if !overlap.is_zero() {
        let overlap = chrono::Duration::from_std(overlap)
            .map_err(|_| DispatchError::Invalid("overlap is too long".into()))?;
        kept.insert(
            0,
            PreviousSecret {
                secret: model.secret.clone(),
                expires_at: now + overlap,
            },
        );
    }
    kept.truncate(MAX_PREVIOUS_SECRETS);
    let list = serde_json::to_value(kept)
        .map_err(|e| DispatchError::Invalid(format!("cannot store secrets: {e}")))?;
    Ok((plain, encrypted, list))
}

/// Seconds since the Unix epoch, as the `webhook-timestamp` header carries them.
pub fn unix_seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, org: &str, dir: Option<&str>) -> EventEnvelope {
        EventEnvelope {
            id: "evt_1".into(),
            event_type: kind.into(),
            created_at: Utc::now(),
            organization_id: org.into(),
            directory_id: dir.map(str::to_owned),
            sequence: Some(1),
            data: json!({}),
            previous_attributes: None,
        }
    }

    #[test]
    fn routes_filter_by_type_and_organization_and_lane_by_directory() {
        let route = Route {
            id: "whep_1".into(),
            event_types: Some(vec!["user.created".into()]),
            organization_ids: Some(vec!["org_a".into()]),
            ordered: true,
            created_at: Utc::now() - chrono::Duration::seconds(5),
        };
        assert!(route.subscribed_to(&event("user.created", "org_a", Some("directory_1"))));
        assert!(!route.matches(&event("user.deleted", "org_a", None)));
        assert!(!route.matches(&event("user.created", "org_b", None)));
        assert_eq!(
            route.lane(&event("user.created", "org_a", Some("directory_1"))),
            Some("directory_1".into())
        );
        let everything = Route {
            event_types: None,
            organization_ids: None,
            ordered: false,
            ..route.clone()
        };
        assert!(everything.matches(&event(ENDPOINT_DISABLED_EVENT, "", None)));
        assert_eq!(
            everything.lane(&event("user.created", "org_a", Some("d"))),
            None
        );
        let mut old = event("user.created", "org_a", None);
        old.created_at = route.created_at - chrono::Duration::seconds(1);
        assert!(
            !route.subscribed_to(&old),
            "events before the endpoint existed"
        );
    }
}
