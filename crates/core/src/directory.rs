//! Directories: which identity provider, which SCIM dialect, and the vendor's settings.

use crate::attributes::AttributeType;
use crate::normalize::GroupRef;
use crate::validate::ValidationErrors;
use serde::{Deserialize, Deserializer, Serialize};

/// The identity provider behind a directory. It selects setup guides and quirk handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Okta,
    Entra,
    Onelogin,
    Jumpcloud,
    /// Google Workspace pushes no SCIM to custom apps; a label until Directory API polling exists.
    Google,
    Rippling,
    Generic,
}

impl Provider {
    pub const ALL: [Provider; 7] = [
        Provider::Okta,
        Provider::Entra,
        Provider::Onelogin,
        Provider::Jumpcloud,
        Provider::Google,
        Provider::Rippling,
        Provider::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Okta => "okta",
            Provider::Entra => "entra",
            Provider::Onelogin => "onelogin",
            Provider::Jumpcloud => "jumpcloud",
            Provider::Google => "google",
            Provider::Rippling => "rippling",
            Provider::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The SCIM protocol version the IdP speaks to this directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScimVersion {
    #[default]
    #[serde(rename = "2.0")]
    V2,
    #[serde(rename = "1.1")]
    V1_1,
}

impl ScimVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ScimVersion::V2 => "2.0",
            ScimVersion::V1_1 => "1.1",
        }
    }

    pub fn parse(s: &str) -> Option<ScimVersion> {
        match s {
            "2.0" | "2" => Some(ScimVersion::V2),
            "1.1" => Some(ScimVersion::V1_1),
            _ => None,
        }
    }

    /// The path segment of the SCIM base URL (`/scim/v2/…` or `/scim/v1/…`).
    pub fn path_segment(self) -> &'static str {
        match self {
            ScimVersion::V2 => "v2",
            ScimVersion::V1_1 => "v1",
        }
    }
}

/// `pending` until the IdP's first authenticated request, then `active`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectoryState {
    Pending,
    Active,
}

impl DirectoryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DirectoryState::Pending => "pending",
            DirectoryState::Active => "active",
        }
    }

    pub fn parse(s: &str) -> DirectoryState {
        if s == "active" {
            DirectoryState::Active
        } else {
            DirectoryState::Pending
        }
    }
}

/// What deprovisioning a user does: keep it inactive, or remove it as some apps require.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeactivationPolicy {
    #[default]
    Suspend,
    Delete,
}

/// An IdP group (by display name, case-insensitive, or a Roster group id) granting a role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    pub group: String,
    pub role: String,
    /// Higher wins when a user is in several mapped groups.
    #[serde(default)]
    pub priority: i32,
}

/// Turns any SCIM attribute path into a key of the normalized user's `custom_attributes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    pub source: String,
    pub target: String,
    /// What the value is delivered as; `string` when not given.
    #[serde(rename = "type", default)]
    pub kind: AttributeType,
}

/// The vendor's per-directory settings (DESIGN.md "Directory settings").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectorySettings {
    pub deactivation_policy: DeactivationPolicy,
    /// Counts active users; `None` means no limit.
    pub seat_limit: Option<u32>,
    pub default_role: Option<String>,
    /// The role that must be reachable through some mapping, or nobody can administer the app.
    pub admin_role: Option<String>,
    pub role_mappings: Vec<RoleMapping>,
    pub attribute_mappings: Vec<AttributeMapping>,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Self {
            deactivation_policy: DeactivationPolicy::Suspend,
            seat_limit: None,
            default_role: None,
            admin_role: None,
            role_mappings: Vec::new(),
            attribute_mappings: Vec::new(),
        }
    }
}

/// The largest seat limit accepted (larger ones are surely typos; `null` means no limit).
pub const MAX_SEAT_LIMIT: u32 = 10_000_000;

/// A warning code shown beside the settings (API `warnings`, portal banner).
pub const WARNING_NO_ADMIN_ROLE_MAPPING: &str = "no_admin_role_mapping";

impl RoleMapping {
    /// Whether this mapping names `group`: by Roster id, or by display name ignoring case.
    pub fn names(&self, group_id: &str, group_name: &str) -> bool {
        self.group == group_id || self.group.to_lowercase() == group_name.to_lowercase()
    }
}

impl DirectorySettings {
    /// The roles a member of `groups` holds: every role a mapping of one of its groups grants,
    /// highest priority first (ties in mapping order), each once; the default role when no
    /// mapping applies; none when there is no default either. `role` is the first.
    pub fn roles_for(&self, groups: &[GroupRef]) -> Vec<String> {
        let mut granted: Vec<(usize, &RoleMapping)> = self
            .role_mappings
            .iter()
            .enumerate()
            .filter(|(_, m)| groups.iter().any(|g| m.names(&g.id, &g.name)))
            .collect();
        granted.sort_by(|(ia, a), (ib, b)| b.priority.cmp(&a.priority).then(ia.cmp(ib)));
        let mut roles: Vec<String> = Vec::new();
        for (_, m) in granted {
            if !roles.contains(&m.role) {
                roles.push(m.role.clone());
            }
        }
        if roles.is_empty() {
            roles.extend(self.default_role.clone());
        }
        roles
    }

    /// Whether membership of this group can change anyone's roles.
    pub fn maps_group(&self, group_id: &str, group_name: &str) -> bool {
        self.role_mappings
            .iter()
            .any(|m| m.names(group_id, group_name))
    }

    /// Whether going from `self` to `next` can change normalized users (roles or custom
    /// attributes) or which of them the app sees (deactivation policy), so that every user of
    /// the directory must be recomputed.
    pub fn changes_users(&self, next: &DirectorySettings) -> bool {
        self.deactivation_policy != next.deactivation_policy
            || self.default_role != next.default_role
            || self.role_mappings != next.role_mappings
            || self.attribute_mappings != next.attribute_mappings
    }

    /// Problems that don't block saving but will surprise someone later.
    pub fn warnings(&self) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if let Some(admin) = &self.admin_role {
            if !self.role_mappings.iter().any(|m| &m.role == admin) {
                warnings.push(WARNING_NO_ADMIN_ROLE_MAPPING);
            }
        }
        warnings
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.seat_limit.is_some_and(|limit| limit > MAX_SEAT_LIMIT) {
            errors.push(
                "seat_limit",
                format!("at most {MAX_SEAT_LIMIT}; use null for no limit"),
            );
        }
        if let Some(role) = &self.default_role {
            errors.check_text("default_role", role, 100);
        }
        if let Some(role) = &self.admin_role {
            errors.check_text("admin_role", role, 100);
        }
        if self.role_mappings.len() > 500 {
            errors.push("role_mappings", "at most 500 mappings");
        }
        for (i, m) in self.role_mappings.iter().enumerate() {
            errors.check_text(&format!("role_mappings[{i}].group"), &m.group, 256);
            errors.check_text(&format!("role_mappings[{i}].role"), &m.role, 100);
        }
        if self.attribute_mappings.len() > 200 {
            errors.push("attribute_mappings", "at most 200 mappings");
        }
        let mut targets = std::collections::HashSet::new();
        for (i, m) in self.attribute_mappings.iter().enumerate() {
            let source_field = format!("attribute_mappings[{i}].source");
            errors.check_text(&source_field, &m.source, 512);
            if !m.source.trim().is_empty() {
                if let Err(e) = roster_scim::path::AttrPath::parse(&m.source) {
                    errors.push(
                        &source_field,
                        format!(
                            "'{}' is not a SCIM attribute path ({}); write e.g. 'title', \
                             'name.givenName' or 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'",
                            m.source, e.detail
                        ),
                    );
                }
            }
            let target_field = format!("attribute_mappings[{i}].target");
            errors.check_text(&target_field, &m.target, 100);
            let valid_key = m
                .target
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !m.target.is_empty() && !valid_key {
                errors.push(
                    &target_field,
                    "must use only letters, digits and underscores (it becomes a JSON key)",
                );
            }
            if !targets.insert(m.target.as_str()) {
                errors.push(&target_field, format!("'{}' is mapped twice", m.target));
            }
        }
        errors.into_result()
    }
}

/// A partial update of [`DirectorySettings`]: an absent field is left alone, `null` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySettingsPatch {
    #[serde(default)]
    pub deactivation_policy: Option<DeactivationPolicy>,
    #[serde(default, deserialize_with = "present")]
    pub seat_limit: Option<Option<u32>>,
    #[serde(default, deserialize_with = "present")]
    pub default_role: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub admin_role: Option<Option<String>>,
    #[serde(default)]
    pub role_mappings: Option<Vec<RoleMapping>>,
    #[serde(default)]
    pub attribute_mappings: Option<Vec<AttributeMapping>>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl DirectorySettingsPatch {
    /// Applies the patch and validates the result as a whole.
    pub fn apply_to(
        self,
        settings: &DirectorySettings,
    ) -> Result<DirectorySettings, ValidationErrors> {
        let mut next = settings.clone();
        if let Some(policy) = self.deactivation_policy {
            next.deactivation_policy = policy;
        }
        if let Some(limit) = self.seat_limit {
            next.seat_limit = limit;
        }
        if let Some(role) = self.default_role {
            next.default_role = role;
        }
        if let Some(role) = self.admin_role {
            next.admin_role = role;
        }
        if let Some(mappings) = self.role_mappings {
            next.role_mappings = mappings;
        }
        if let Some(mappings) = self.attribute_mappings {
            next.attribute_mappings = mappings;
        }
        next.validate()?;
        Ok(next)
    }

    pub fn is_empty(&self) -> bool {
        self == &DirectorySettingsPatch::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_distinguishes_null_from_absent() {
        let base = DirectorySettings {
            seat_limit: Some(10),
            default_role: Some("viewer".into()),
            ..Default::default()
        };
        let patch: DirectorySettingsPatch =
            serde_json::from_str(r#"{"seat_limit": null}"#).expect("valid patch");
        let next = patch.apply_to(&base).expect("valid settings");
        assert_eq!(next.seat_limit, None);
        assert_eq!(next.default_role.as_deref(), Some("viewer"));
    }

    #[test]
    fn warns_when_admin_role_is_unreachable() {
        let mut s = DirectorySettings {
            admin_role: Some("admin".into()),
            ..Default::default()
        };
        assert_eq!(s.warnings(), vec![WARNING_NO_ADMIN_ROLE_MAPPING]);
        s.role_mappings.push(RoleMapping {
            group: "Admins".into(),
            role: "admin".into(),
            priority: 10,
        });
        assert!(s.warnings().is_empty());
    }

    #[test]
    fn roles_follow_priority_and_fall_back_to_the_default() {
        let group = |id: &str, name: &str| GroupRef {
            id: id.into(),
            name: name.into(),
        };
        let s = DirectorySettings {
            default_role: Some("viewer".into()),
            role_mappings: vec![
                RoleMapping {
                    group: "Engineers".into(),
                    role: "editor".into(),
                    priority: 5,
                },
                RoleMapping {
                    group: "group_01ADMINS".into(),
                    role: "admin".into(),
                    priority: 10,
                },
                RoleMapping {
                    group: "engineers".into(),
                    role: "editor".into(),
                    priority: 1,
                },
            ],
            ..Default::default()
        };
        assert_eq!(s.roles_for(&[]), vec!["viewer"]);
        assert_eq!(s.roles_for(&[group("g1", "Sales")]), vec!["viewer"]);
        assert_eq!(
            s.roles_for(&[group("g2", "ENGINEERS"), group("group_01ADMINS", "Ops")]),
            vec!["admin", "editor"]
        );
        assert!(s.maps_group("group_01ADMINS", "renamed"));
        assert!(!s.maps_group("g1", "Sales"));
    }

    #[test]
    fn rejects_duplicate_and_malformed_attribute_targets() {
        let s = DirectorySettings {
            attribute_mappings: vec![
                AttributeMapping {
                    source: "title".into(),
                    target: "job title".into(),
                    kind: AttributeType::String,
                },
                AttributeMapping {
                    source: "a".into(),
                    target: "dept".into(),
                    kind: AttributeType::String,
                },
                AttributeMapping {
                    source: "b".into(),
                    target: "dept".into(),
                    kind: AttributeType::Integer,
                },
            ],
            ..Default::default()
        };
        let errors = s.validate().expect_err("invalid");
        assert_eq!(errors.0.len(), 2, "{errors}");
    }
}
