//! Request and response shapes of the management API (`*In`, `*Out`, `*Patch`).

use chrono::{DateTime, Utc};
use roster_core::directory::DirectorySettingsPatch;
use roster_core::{DirectorySettings, DirectoryState};
use roster_store::entity::{directory, organization};
use serde::{Deserialize, Deserializer, Serialize};

/// A page of results.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListOut<T> {
    pub data: Vec<T>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganizationOut {
    pub object: &'static str,
    pub id: String,
    pub name: String,
    /// The vendor's own id for this tenant.
    pub external_id: Option<String>,
    /// When false, the admin portal tells the tenant's IT admin that directory sync is not
    /// available and offers no setup.
    pub directory_sync_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<organization::Model> for OrganizationOut {
    fn from(m: organization::Model) -> Self {
        Self {
            object: "organization",
            id: m.id,
            name: m.name,
            external_id: m.external_id,
            directory_sync_enabled: m.directory_sync_enabled,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationIn {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[schema(min_length = 1, max_length = 256, pattern = r"\S")]
    pub external_id: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 256, pattern = r"\S")]
    pub external_id: Option<Option<String>>,
    /// Turns directory sync on or off for this organization in the admin portal.
    pub directory_sync_enabled: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DirectoryOut {
    pub object: &'static str,
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// okta, entra, onelogin, jumpcloud, google, rippling or generic.
    pub provider: String,
    /// "2.0" or "1.1".
    pub scim_version: String,
    /// `pending` until the IdP's first authenticated request, then `active`.
    pub state: String,
    pub enabled: bool,
    /// Paste into the IdP as the SCIM base URL / tenant URL.
    pub scim_base_url: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: DirectorySettings,
    /// Problems worth fixing before the first sync, e.g. `no_admin_role_mapping`.
    pub warnings: Vec<&'static str>,
    pub activated_at: Option<DateTime<Utc>>,
    pub last_request_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DirectoryOut {
    pub fn from_model(m: directory::Model, settings: DirectorySettings, public_url: &str) -> Self {
        let version = roster_core::ScimVersion::parse(&m.scim_version).unwrap_or_default();
        Self {
            object: "directory",
            scim_base_url: format!("{public_url}/scim/{}/{}", version.path_segment(), m.id),
            id: m.id,
            organization_id: m.organization_id,
            name: m.name,
            provider: m.provider,
            scim_version: m.scim_version,
            state: DirectoryState::parse(&m.state).as_str().to_owned(),
            enabled: m.enabled,
            warnings: settings.warnings(),
            settings,
            activated_at: m.activated_at,
            last_request_at: m.last_request_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryIn {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[schema(inline, value_type = ProviderName)]
    pub provider: String,
    #[schema(inline, value_type = Option<ScimVersionName>)]
    pub scim_version: Option<String>,
}

/// The identity provider: selects setup guides and quirk handling.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ProviderName {
    Okta,
    Entra,
    Onelogin,
    Jumpcloud,
    Google,
    Rippling,
    Generic,
}

/// The SCIM version the IdP speaks ("2.0" by default).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum ScimVersionName {
    #[schema(rename = "2.0")]
    V2,
    #[schema(rename = "1.1")]
    V1,
}

/// The new directory and its SCIM token. The token appears in this response only.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DirectoryCreatedOut {
    pub directory: DirectoryOut,
    pub token: String,
}

/// Settings to change; every field is optional, `null` clears a nullable one.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// `suspend` or `delete`.
    #[schema(value_type = Option<String>)]
    pub deactivation_policy: Option<roster_core::DeactivationPolicy>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 10_000_000)]
    pub seat_limit: Option<Option<u32>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub default_role: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub admin_role: Option<Option<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub role_mappings: Option<Vec<roster_core::RoleMapping>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub attribute_mappings: Option<Vec<roster_core::AttributeMapping>>,
}

impl DirectoryPatch {
    pub fn settings_patch(&mut self) -> DirectorySettingsPatch {
        DirectorySettingsPatch {
            deactivation_policy: self.deactivation_policy.take(),
            seat_limit: self.seat_limit.take(),
            default_role: self.default_role.take(),
            admin_role: self.admin_role.take(),
            role_mappings: self.role_mappings.take(),
            attribute_mappings: self.attribute_mappings.take(),
        }
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRotateIn {
    /// Keep the old token working this long (0–604800 seconds); default: stop it now.
    #[schema(minimum = 0, maximum = 604800)]
    pub grace_seconds: Option<i64>,
}

/// The new SCIM token, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenRotatedOut {
    pub object: &'static str,
    pub id: String,
    pub directory_id: String,
    pub token: String,
    pub token_suffix: String,
    /// When the previous token stops working (`null`: it already has).
    pub previous_token_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /directories/{id}/groups`: an app group for the IdP to link to.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppGroupIn {
    /// The group's name as the IdP will see it (`displayName`); unique in the directory,
    /// whatever its case. Okta links a pushed group to an existing one by this name.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Your application's own identifier for the group; unique in the directory. Every event of
    /// the group carries it.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub app_group_key: String,
}

/// A group, in the shape its events carry.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupOut {
    pub object: &'static str,
    pub id: String,
    pub directory_id: String,
    pub organization_id: String,
    /// The IdP's id for the group (its `externalId`), once the IdP has linked it.
    pub idp_id: Option<String>,
    pub name: String,
    pub app_group_key: Option<String>,
    pub member_count: i64,
    /// The SCIM resource as the IdP last sent it.
    #[schema(value_type = Object)]
    pub raw_attributes: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GroupOut {
    pub fn from_model(g: roster_store::entity::group::Model) -> Self {
        Self {
            object: "group",
            id: g.id,
            directory_id: g.directory_id,
            organization_id: g.organization_id,
            idp_id: g.idp_id,
            name: g.name,
            app_group_key: g.app_group_key,
            member_count: g.member_count,
            raw_attributes: g.raw_attributes,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A page of the read API: normalized users or groups, and the directory's event sequence in
/// the same database snapshot.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserPageOut {
    /// Users in id order, each exactly as `user.*` events carry it.
    #[schema(value_type = Vec<UserObject>)]
    pub data: Vec<serde_json::Value>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The directory's last event `sequence` (0 before its first event) in the same database
    /// snapshot as `data`: the page shows the effects of exactly the events up to this number.
    /// Continue with `GET /api/v1/events?directory_id=…&after_sequence=<as_of_sequence>`.
    pub as_of_sequence: i64,
}

/// A page of groups; see [`UserPageOut`].
#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupPageOut {
    /// Groups in id order, each exactly as `group.*` events carry it.
    #[schema(value_type = Vec<GroupObject>)]
    pub data: Vec<serde_json::Value>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The directory's last event `sequence` in the same database snapshot as `data`.
    pub as_of_sequence: i64,
}

/// A normalized user: the `data` of `user.*` events, and what the read API returns.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UserObject {
    pub id: String,
    pub directory_id: String,
    pub organization_id: String,
    /// The IdP's id for the user (SCIM `externalId`, else the IdP's own id).
    pub idp_id: Option<String>,
    pub user_name: String,
    #[schema(value_type = Vec<Object>)]
    pub emails: Vec<serde_json::Value>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    /// `active` or `inactive`.
    pub state: String,
    /// The highest of `roles`.
    pub role: Option<String>,
    pub roles: Vec<String>,
    /// The Roster id of the user's manager, once resolved.
    pub manager_id: Option<String>,
    /// Values of the directory's attribute mappings.
    #[schema(value_type = Object)]
    pub custom_attributes: serde_json::Value,
    /// The SCIM resource as the IdP last sent it.
    #[schema(value_type = Object)]
    pub raw_attributes: serde_json::Value,
    /// The groups the user is in, in group id order.
    pub groups: Vec<GroupRefOut>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group as a user's `groups` list shows it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct GroupRefOut {
    pub id: String,
    pub name: String,
}

/// A normalized group: the `data` of `group.created/updated/deleted`, and what the read API
/// returns.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct GroupObject {
    pub id: String,
    pub directory_id: String,
    pub organization_id: String,
    /// The IdP's id for the group (its `externalId`), once the IdP has linked it.
    pub idp_id: Option<String>,
    pub name: String,
    /// Your app's own id for the group, for groups created with `POST …/groups`.
    pub app_group_key: Option<String>,
    /// Members, whatever their state.
    pub member_count: i64,
    /// The SCIM resource as the IdP last sent it.
    #[schema(value_type = Object)]
    pub raw_attributes: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
