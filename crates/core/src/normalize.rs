//! The normalized model the vendor's app receives (DESIGN.md "Normalized model"), derived from
//! the SCIM resource an IdP sent, and the events a change between two versions implies.
//!
//! The app never parses SCIM: a user is `user_name`, `emails`, `first_name`, … whatever dialect the
//! IdP spoke. Pure functions; the ingress calls them inside the write transaction.

use crate::attributes::custom_attributes;
pub use crate::attributes::ENTERPRISE_USER_URN;
use crate::directory::{AttributeMapping, DirectorySettings};
use crate::event::{EventType, NewEvent};
use chrono::{DateTime, SecondsFormat, Utc};
use roster_scim::dialect::{coerce_bool, get_ci, is_empty_value, semantic_eq};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// `active` or `inactive`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserState {
    #[default]
    Active,
    Inactive,
}

impl UserState {
    pub fn as_str(self) -> &'static str {
        match self {
            UserState::Active => "active",
            UserState::Inactive => "inactive",
        }
    }
}

/// One email address of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub value: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub primary: bool,
}

/// What a SCIM User resource says about a person, in the normalized vocabulary.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UserProfile {
    /// `externalId`, when the IdP sent one.
    pub idp_id: Option<String>,
    pub user_name: String,
    pub emails: Vec<Email>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub state: UserState,
    /// The enterprise extension's `manager.value`, as the IdP sent it (resolved by the caller).
    pub manager_ref: Option<String>,
    pub custom_attributes: Map<String, Value>,
}

impl UserProfile {
    /// Reads a (dialect-normalized) SCIM User resource; `mappings` are the directory's effective
    /// attribute mappings (see [`crate::attributes::effective_mappings`]).
    pub fn from_scim(resource: &Value, mappings: &[AttributeMapping]) -> UserProfile {
        let empty = Map::new();
        let obj = resource.as_object().unwrap_or(&empty);
        let text = |v: Option<&Value>| -> Option<String> {
            v.and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let name = get_ci(obj, "name").and_then(Value::as_object);
        let emails = get_ci(obj, "emails")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|e| {
                        let e = e.as_object()?;
                        Some(Email {
                            value: text(get_ci(e, "value"))?,
                            kind: text(get_ci(e, "type")),
                            primary: get_ci(e, "primary").and_then(coerce_bool).unwrap_or(false),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let active = get_ci(obj, "active").and_then(coerce_bool).unwrap_or(true);
        let manager_ref = get_ci(obj, ENTERPRISE_USER_URN)
            .and_then(Value::as_object)
            .and_then(|ext| get_ci(ext, "manager"))
            .and_then(|m| match m {
                Value::Object(m) => text(get_ci(m, "value")),
                other => text(Some(other)),
            });
        let custom_attributes = custom_attributes(resource, mappings);
        UserProfile {
            idp_id: text(get_ci(obj, "externalId")),
            user_name: text(get_ci(obj, "userName")).unwrap_or_default(),
            emails,
            first_name: name.and_then(|n| text(get_ci(n, "givenName"))),
            last_name: name.and_then(|n| text(get_ci(n, "familyName"))),
            display_name: text(get_ci(obj, "displayName"))
                .or_else(|| name.and_then(|n| text(get_ci(n, "formatted")))),
            state: if active {
                UserState::Active
            } else {
                UserState::Inactive
            },
            manager_ref,
            custom_attributes,
        }
    }

    /// The primary email: the one marked primary, else the first.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary)
            .or_else(|| self.emails.first())
            .map(|e| e.value.as_str())
    }
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Identity and timestamps of a stored user or group.
#[derive(Clone, Debug)]
pub struct Stamp<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub directory_id: &'a str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group the user belongs to, as shown on the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

/// The normalized user object (events and read API), without `groups` (added from memberships);
/// `groups` are the user's groups, which decide its roles.
pub fn user_object(
    stamp: &Stamp<'_>,
    profile: &UserProfile,
    manager_id: Option<&str>,
    settings: &DirectorySettings,
    groups: &[GroupRef],
    raw: &Value,
) -> Value {
    let roles = settings.roles_for(groups);
    json!({
        "id": stamp.id,
        "directory_id": stamp.directory_id,
        "organization_id": stamp.organization_id,
        "idp_id": profile.idp_id,
        "user_name": profile.user_name,
        "emails": profile.emails,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "display_name": profile.display_name,
        "state": profile.state.as_str(),
        "role": roles.first(),
        "roles": roles,
        "manager_id": manager_id,
        "custom_attributes": profile.custom_attributes,
        "raw_attributes": raw,
        "created_at": timestamp(stamp.created_at),
        "updated_at": timestamp(stamp.updated_at),
    })
}

/// The normalized group object.
pub fn group_object(
    stamp: &Stamp<'_>,
    idp_id: Option<&str>,
    name: &str,
    app_group_key: Option<&str>,
    member_count: i64,
    raw: &Value,
) -> Value {
    json!({
        "id": stamp.id,
        "directory_id": stamp.directory_id,
        "organization_id": stamp.organization_id,
        "idp_id": idp_id,
        "name": name,
        "app_group_key": app_group_key,
        "member_count": member_count,
        "raw_attributes": raw,
        "created_at": timestamp(stamp.created_at),
        "updated_at": timestamp(stamp.updated_at),
    })
}

/// Fields that change on every write or are derived elsewhere: never a change by themselves.
const VOLATILE: [&str; 4] = ["updated_at", "created_at", "groups", "member_count"];

/// What changed between two normalized objects, as the previous values (`None` when nothing
/// really changed). Deep: inside nested objects (`custom_attributes`, `raw_attributes`) only the
/// changed keys appear, with their old value (`null` for a key that is new); a changed list
/// (`emails`, `roles`) appears whole. Timestamps, `groups` and `member_count` are not changes.
pub fn previous_attributes(before: &Value, after: &Value) -> Option<Value> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return None;
    };
    let mut previous = Map::new();
    for (key, old) in b {
        if VOLATILE.contains(&key.as_str()) {
            continue;
        }
        if let Some(p) = previous_value(old, a.get(key).unwrap_or(&Value::Null), 0) {
            previous.insert(key.clone(), p);
        }
    }
    for (key, new) in a {
        if !b.contains_key(key) && !VOLATILE.contains(&key.as_str()) && !is_empty_value(new) {
            previous.insert(key.clone(), Value::Null);
        }
    }
    (!previous.is_empty()).then_some(Value::Object(previous))
}

/// The part of `old` that `new` changed, or `None`. Object keys compare ignoring ASCII case,
/// as SCIM attribute names do in `raw_attributes`.
fn previous_value(old: &Value, new: &Value, depth: usize) -> Option<Value> {
    if semantic_eq(old, new) {
        return None;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) if depth < 32 => {
            let mut changed = Map::new();
            for (key, old_v) in o {
                let new_v = get_ci(n, key).unwrap_or(&Value::Null);
                if let Some(p) = previous_value(old_v, new_v, depth + 1) {
                    changed.insert(key.clone(), p);
                }
            }
            for (key, new_v) in n {
                if get_ci(o, key).is_none() && !is_empty_value(new_v) {
                    changed.insert(key.clone(), Value::Null);
                }
            }
            Some(Value::Object(changed))
        }
        _ => Some(old.clone()),
    }
}

/// The event a user write implies, if any: created, deactivated, reactivated or updated.
pub fn user_change_event(before: Option<&Value>, after: &Value) -> Option<NewEvent> {
    let Some(before) = before else {
        return Some(NewEvent::new(EventType::UserCreated, after.clone()));
    };
    let previous = previous_attributes(before, after)?;
    let state = |v: &Value| v.get("state").and_then(Value::as_str).map(str::to_owned);
    let event_type = match (state(before).as_deref(), state(after).as_deref()) {
        (Some("active"), Some("inactive")) => EventType::UserDeactivated,
        (Some("inactive"), Some("active")) => EventType::UserReactivated,
        _ => EventType::UserUpdated,
    };
    Some(NewEvent::new(event_type, after.clone()).with_previous(previous))
}

/// The event a group attribute write implies (memberships have their own events).
pub fn group_change_event(before: Option<&Value>, after: &Value) -> Option<NewEvent> {
    let Some(before) = before else {
        return Some(NewEvent::new(EventType::GroupCreated, after.clone()));
    };
    let previous = previous_attributes(before, after)?;
    Some(NewEvent::new(EventType::GroupUpdated, after.clone()).with_previous(previous))
}

/// Which IdP a request comes from, by its user agent (for the activity log and the portal).
pub fn idp_fingerprint(user_agent: &str) -> Option<&'static str> {
    let ua = user_agent.to_ascii_lowercase();
    let known: [(&str, &'static str); 8] = [
        ("okta", "okta"),
        ("azure", "entra"),
        ("microsoft", "entra"),
        ("aad", "entra"),
        ("onelogin", "onelogin"),
        ("jumpcloud", "jumpcloud"),
        ("rippling", "rippling"),
        ("google", "google"),
    ];
    known
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, idp)| *idp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_profile_with_string_boolean_and_bare_manager() {
        let resource = json!({
            "userName": "Ada@Contoso.com", "active": "False", "externalId": "e-1",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@contoso.com", "type": "work", "primary": "true"}],
            ENTERPRISE_USER_URN: {"manager": "m-9", "department": "R&D"},
        });
        let mappings = vec![AttributeMapping {
            source: format!("{ENTERPRISE_USER_URN}:department"),
            target: "department".into(),
            kind: crate::attributes::AttributeType::String,
        }];
        let p = UserProfile::from_scim(&resource, &mappings);
        assert_eq!(p.state, UserState::Inactive);
        assert_eq!(p.idp_id.as_deref(), Some("e-1"));
        assert_eq!(p.first_name.as_deref(), Some("Ada"));
        assert_eq!(p.primary_email(), Some("ada@contoso.com"));
        assert_eq!(p.manager_ref.as_deref(), Some("m-9"));
        assert_eq!(p.custom_attributes["department"], "R&D");
    }

    #[test]
    fn unchanged_profile_emits_nothing_and_state_changes_are_named() {
        let before = json!({"user_name": "a", "state": "active", "updated_at": "1"});
        let same = json!({"user_name": "a", "state": "active", "updated_at": "2"});
        assert!(user_change_event(Some(&before), &same).is_none());
        let off = json!({"user_name": "a", "state": "inactive", "updated_at": "3"});
        let event = user_change_event(Some(&before), &off).expect("a change");
        assert_eq!(event.event_type, EventType::UserDeactivated);
        assert_eq!(event.previous_attributes, Some(json!({"state": "active"})));
        let back = user_change_event(Some(&off), &before).expect("a change");
        assert_eq!(back.event_type, EventType::UserReactivated);
    }

    #[test]
    fn previous_attributes_are_deep_in_objects_and_whole_for_lists() {
        let before = json!({
            "first_name": "Ada", "state": "active", "updated_at": "1",
            "emails": [{"value": "a@x", "primary": true}],
            "custom_attributes": {"department": "R&D", "cost_center": "42"},
            "raw_attributes": {"userName": "ada", "title": "Eng"},
        });
        let after = json!({
            "first_name": "Ada", "state": "active", "updated_at": "2",
            "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": false}],
            "custom_attributes": {"department": "Sales", "cost_center": "42", "division": "EU"},
            "raw_attributes": {"USERNAME": "ada", "title": "Eng", "nickName": "A"},
        });
        let previous = previous_attributes(&before, &after).expect("a change");
        assert_eq!(
            previous,
            json!({
                "emails": [{"value": "a@x", "primary": true}],
                "custom_attributes": {"department": "R&D", "division": null},
                "raw_attributes": {"nickName": null},
            })
        );
    }

    #[test]
    fn fingerprints_common_user_agents() {
        assert_eq!(idp_fingerprint("Okta SCIM Client 1.0.0"), Some("okta"));
        assert_eq!(
            idp_fingerprint("Microsoft.Azure.ActiveDirectory.Provisioning"),
            Some("entra")
        );
        assert_eq!(idp_fingerprint("curl/8.0"), None);
    }
}
