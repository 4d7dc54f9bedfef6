//! The directory's seat limit, enforced at ingress: a create or reactivation that would take
//! the directory past `seat_limit` active users is refused with a SCIM error whose detail names
//! the limit (the IdP shows it to its admin on that user's provisioning task), nothing of it is
//! written, and the first refusal of each crossing emits one `directory.seat_limit_reached`.

use super::DirectoryAuth;
use crate::error::ScimApiError;
use roster_core::normalize::{UserProfile, UserState};
use roster_core::{EventType, NewEvent};
use roster_scim::error::ScimError;
use roster_store::entity::user;
use roster_store::DirectoryWrite;
use serde_json::{json, Value};

/// Lets the write go on (handing it back) unless it would activate a user past the limit. Must
/// run before the write changes anything: on refusal the write carries only the crossing's
/// event and is committed.
pub async fn enforce(
    auth: &DirectoryAuth,
    mut write: DirectoryWrite,
    before: Option<&user::Model>,
    resource: &Value,
) -> Result<DirectoryWrite, ScimApiError> {
    let Some(limit) = auth.rules.settings.seat_limit else {
        return Ok(write);
    };
    let profile = UserProfile::from_scim(resource, &[]);
    let was_active = before.is_some_and(|b| b.deleted_at.is_none() && b.state == "active");
    if profile.state != UserState::Active || was_active {
        return Ok(write);
    }
    let store_err = |e| auth.store_error(e);
    let active = write.count_active_users().await.map_err(store_err)?;
    if active < u64::from(limit) {
        write.clear_seat_limit_reached().await.map_err(store_err)?;
        return Ok(write);
    }
    if write.mark_seat_limit_reached().await.map_err(store_err)? {
        let event = NewEvent::new(
            EventType::DirectorySeatLimitReached,
            json!({
                "object": "seat_limit",
                "directory_id": auth.directory_id,
                "organization_id": auth.organization_id,
                "seat_limit": limit,
                "active_users": active,
                "refused_user": {
                    "user_name": profile.user_name,
                    "idp_id": profile.idp_id,
                    "reactivation": before.is_some(),
                },
            }),
        );
        write.append(vec![event]).await.map_err(store_err)?;
        write.commit().await.map_err(store_err)?;
    }
    let verb = if before.is_some() {
        "reactivating"
    } else {
        "creating"
    };
    Err(auth.error(ScimError::new(
        403,
        None,
        format!(
            "seat limit reached: this directory allows {limit} active users and has {active}; \
             {verb} '{}' would exceed it. Deactivate or unassign a user, or ask the application's \
             administrator to raise the seat limit, then retry.",
            profile.user_name
        ),
    )))
}
