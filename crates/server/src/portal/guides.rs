//! The providers a tenant's IT admin can pick in the portal, and the setup guide of each, in the
//! IdP's own screen and field names (what the admin sees on the other screen). The values to
//! paste (`{url}`, `{token}`) are shown on the Configure step, beside these instructions.

use roster_core::{Provider, ScimVersion};

/// One choice on the "Choose your identity provider" page.
pub struct Guide {
    /// The URL segment: `/portal/setup/{key}`.
    pub key: &'static str,
    pub name: &'static str,
    pub provider: Provider,
    pub scim_version: ScimVersion,
    /// One line under the name.
    pub summary: &'static str,
    /// `Some(reason)`: shown, but cannot be set up yet.
    pub unavailable: Option<&'static str>,
    /// What to fill in at the IdP: the label of the field for the endpoint URL and for the token.
    pub url_field: &'static str,
    pub token_field: &'static str,
    /// The steps before the values are needed, then after them.
    pub before: &'static [&'static str],
    pub after: &'static [&'static str],
}

pub const GUIDES: &[Guide] = &[
    Guide {
        key: "okta",
        name: "Okta",
        provider: Provider::Okta,
        scim_version: ScimVersion::V2,
        summary: "SCIM 2.0 app integration with HTTP Header authentication",
        unavailable: None,
        url_field: "SCIM connector base URL",
        token_field: "Authorization (HTTP Header, Bearer)",
        before: &[
            "In the Okta Admin Console, open Applications → Applications and select the app \
             integration for this application (or Create App Integration → SAML 2.0 / OIDC).",
            "On the General tab, click Edit under App Settings, set Provisioning to SCIM and \
             click Save. A Provisioning tab appears.",
            "Open Provisioning → Integration → Edit.",
        ],
        after: &[
            "Unique identifier field for users: Email.",
            "Supported provisioning actions: check Import New Users and Profile Updates, Push \
             New Users, Push Profile Updates and Push Groups.",
            "Authentication Mode: HTTP Header. Paste the token into Authorization.",
            "Click Test Connector Configuration: Okta lists what it can do. Then Save.",
            "Open Provisioning → To App → Edit, enable Create Users, Update User Attributes and \
             Deactivate Users, and Save.",
            "Assign people or groups on the Assignments tab: Okta creates them here.",
            "On the Push Groups tab, click + Push Groups → Find groups by name, pick the groups \
             whose members should be synced, and Save.",
        ],
    },
    Guide {
        key: "okta-scim11",
        name: "Okta (SCIM 1.1 Header Auth)",
        provider: Provider::Okta,
        scim_version: ScimVersion::V1_1,
        summary: "for an existing Okta app built on the SCIM 1.1 template",
        unavailable: None,
        url_field: "Base URL",
        token_field: "API Token",
        before: &[
            "In the Okta Admin Console, open Applications → Applications and select the SCIM 1.1 \
             app (from the \"SCIM 1.1 Test App (Header Auth)\" template).",
            "Open Provisioning → Configure API Integration and check Enable API integration.",
        ],
        after: &[
            "Click Test API Credentials, then Save.",
            "Open Provisioning → To App → Edit, enable Create Users, Update User Attributes and \
             Deactivate Users, and Save.",
            "Assign people or groups on the Assignments tab, and push groups on the Push Groups \
             tab. Reset API Token later keeps every user and group.",
        ],
    },
    Guide {
        key: "entra",
        name: "Microsoft Entra ID",
        provider: Provider::Entra,
        scim_version: ScimVersion::V2,
        summary: "enterprise application with automatic provisioning",
        unavailable: None,
        url_field: "Tenant URL",
        token_field: "Secret Token",
        before: &[
            "In the Microsoft Entra admin center, open Enterprise applications → New application \
             → Create your own application, name it, choose \"Integrate any other application you \
             don't find in the gallery (Non-gallery)\" and click Create.",
            "Open Provisioning → Get started (or New configuration) and set Provisioning Mode to \
             Automatic.",
            "Under Admin Credentials:",
        ],
        after: &[
            "Click Test Connection; Entra says the credentials are authorized. Click Save.",
            "Under Mappings, keep Provision Microsoft Entra ID Users and Provision Microsoft Entra \
             ID Groups enabled.",
            "Under Settings, set Scope to \"Sync only assigned users and groups\", then set \
             Provisioning Status to On and Save.",
            "Add users and groups under Users and groups. Entra syncs every 40 minutes; Provision \
             on demand syncs one user at once.",
        ],
    },
    Guide {
        key: "onelogin",
        name: "OneLogin",
        provider: Provider::Onelogin,
        scim_version: ScimVersion::V2,
        summary: "SCIM Provisioner with SAML (SCIM v2 Enterprise)",
        unavailable: None,
        url_field: "SCIM Base URL",
        token_field: "SCIM Bearer Token",
        before: &[
            "In OneLogin Administration, open Applications → Add App and pick \"SCIM Provisioner \
             with SAML (SCIM v2 Enterprise)\". Save it.",
            "Open the app's Configuration tab.",
        ],
        after: &[
            "Under API Connection, click Enable.",
            "On the Provisioning tab, check Enable provisioning and the Create user, Delete user \
             and Update user actions, then Save.",
            "Give users access to the app (Users, or a role); OneLogin provisions them.",
        ],
    },
    Guide {
        key: "jumpcloud",
        name: "JumpCloud",
        provider: Provider::Jumpcloud,
        scim_version: ScimVersion::V2,
        summary: "custom SSO application with Identity Management (SCIM)",
        unavailable: None,
        url_field: "Base URL",
        token_field: "Token Key",
        before: &[
            "In the JumpCloud Admin Portal, open SSO Applications → + Add New Application → \
             Custom Application, and enable Manage Identity Management / SCIM.",
            "Open the application's Identity Management tab and choose SCIM 2.0.",
        ],
        after: &[
            "Click Test Connection, then Activate and Save.",
            "Bind user groups to the application: their members are provisioned, and the groups \
             are pushed.",
        ],
    },
    Guide {
        key: "rippling",
        name: "Rippling",
        provider: Provider::Rippling,
        scim_version: ScimVersion::V2,
        summary: "custom app with SCIM provisioning",
        unavailable: None,
        url_field: "SCIM base URL",
        token_field: "Bearer token",
        before: &[
            "In Rippling, open the app's settings (App Shop → custom app) and choose SCIM \
             provisioning.",
        ],
        after: &[
            "Save and choose which employees get the app: Rippling provisions them and keeps \
             their profiles in sync.",
        ],
    },
    Guide {
        key: "google",
        name: "Google Workspace",
        provider: Provider::Google,
        scim_version: ScimVersion::V2,
        summary: "Google Workspace does not send SCIM to custom applications",
        unavailable: Some(
            "Google Workspace cannot push users to a custom SCIM endpoint. Reading your \
             directory from Google's Directory API is planned; until then, connect Google \
             Workspace through an identity provider that supports SCIM, or contact the \
             application's support.",
        ),
        url_field: "",
        token_field: "",
        before: &[],
        after: &[],
    },
    Guide {
        key: "custom",
        name: "Custom SCIM client",
        provider: Provider::Generic,
        scim_version: ScimVersion::V2,
        summary: "any SCIM 2.0 client (RFC 7643/7644)",
        unavailable: None,
        url_field: "SCIM base URL",
        token_field: "Authorization: Bearer <token>",
        before: &["Configure your SCIM 2.0 client with:"],
        after: &[
            "The endpoint serves /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and \
             /Schemas, with filters, paging and PATCH.",
        ],
    },
];

pub fn guide(key: &str) -> Option<&'static Guide> {
    GUIDES.iter().find(|g| g.key == key)
}

/// The guide a directory was set up with (by provider and SCIM version).
pub fn guide_for(provider: Provider, version: ScimVersion) -> &'static Guide {
    GUIDES
        .iter()
        .find(|g| g.provider == provider && g.scim_version == version)
        .or_else(|| GUIDES.iter().find(|g| g.provider == provider))
        .unwrap_or(&GUIDES[GUIDES.len() - 1])
}
