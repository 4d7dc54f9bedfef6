//! Recomputing normalized users when something other than their SCIM resource changes: a
//! membership of a group that grants a role, a group's rename, or the directory's role and
//! attribute mappings. Each user whose normalized object really changes gets `user.updated` with
//! the previous values (e.g. `{"role": "viewer", "roles": ["viewer"]}`), in the same transaction
//! as the change that caused it.

use chrono::Utc;
use roster_core::normalize::{self, GroupRef, Stamp, UserProfile, UserState};
use roster_core::{
    AttributeMapping, DeactivationPolicy, DirectorySettings, EventType, NewEvent, Provider,
};
use roster_store::entity::user;
use roster_store::DirectoryWrite;
use serde_json::Value;

/// How many users a directory-wide recompute reads at a time.
const PAGE: u64 = 500;

/// What a directory's normalized users are derived with.
#[derive(Clone, Debug)]
pub struct Rules {
    pub provider: Provider,
    pub settings: DirectorySettings,
    /// The effective attribute mappings: the provider's defaults and the directory's own.
    pub mappings: Vec<AttributeMapping>,
}

impl Rules {
    pub fn new(provider: Provider, settings: DirectorySettings) -> Rules {
        let mappings =
            roster_core::attributes::effective_mappings(provider, &settings.attribute_mappings)
                .into_iter()
                .map(|(m, _)| m)
                .collect();
        Rules {
            provider,
            settings,
            mappings,
        }
    }

    /// Whether the app has been told this user no longer exists (`delete` policy).
    pub fn deleted_for_app(&self, state: &str) -> bool {
        self.settings.deactivation_policy == DeactivationPolicy::Delete
            && state == UserState::Inactive.as_str()
    }
}

/// A user object with its groups, as events and the read API show it.
pub fn with_groups(mut data: Value, groups: &[GroupRef]) -> Value {
    if let Some(obj) = data.as_object_mut() {
        obj.insert(
            "groups".into(),
            serde_json::to_value(groups).unwrap_or_default(),
        );
    }
    data
}

/// The normalized object of a stored user under `rules`, given its groups.
fn rebuild(row: &user::Model, rules: &Rules, groups: &[GroupRef]) -> Value {
    let mut profile = UserProfile::from_scim(&row.raw_attributes, &rules.mappings);
    // The row's state wins: a user the IdP deleted under `suspend` is inactive whatever its
    // last resource said.
    profile.state = if row.state == UserState::Active.as_str() {
        UserState::Active
    } else {
        UserState::Inactive
    };
    normalize::user_object(
        &Stamp {
            id: &row.id,
            organization_id: &row.organization_id,
            directory_id: &row.directory_id,
            created_at: row.created_at,
            updated_at: Utc::now(),
        },
        &profile,
        row.manager_id.as_deref(),
        &rules.settings,
        groups,
        &row.raw_attributes,
    )
}

/// Recomputes `rows` and stores those that changed; returns their `user.updated` events.
pub async fn refresh_users(
    write: &DirectoryWrite,
    rules: &Rules,
    rows: &[user::Model],
) -> roster_store::Result<Vec<NewEvent>> {
    refresh(write, rules, rules, rows).await
}

/// Recomputes `rows` under `after` (the rules were `before`). Besides `user.updated` for a
/// changed user, a new deactivation policy can make an inactive user appear to the app
/// (`user.created`, then `group.user_added` for each of its groups) or disappear
/// (`user.deleted`), so that the app's copy always matches what the read API shows.
async fn refresh(
    write: &DirectoryWrite,
    before: &Rules,
    after: &Rules,
    rows: &[user::Model],
) -> roster_store::Result<Vec<NewEvent>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut groups_of = write.groups_of_users(&ids).await?;
    let mut events = Vec::new();
    for row in rows {
        let groups = groups_of.remove(&row.id).unwrap_or_default();
        let data = rebuild(row, after, &groups);
        let previous = normalize::previous_attributes(&row.data, &data);
        // Unchanged: the stored object, `updated_at` included, is what the app must see.
        let data = if previous.is_some() {
            write
                .set_user_data(&row.id, data.clone(), Utc::now())
                .await?;
            data
        } else {
            row.data.clone()
        };
        let (was_known, is_known) = (
            !before.deleted_for_app(&row.state),
            !after.deleted_for_app(&row.state),
        );
        match (was_known, is_known, previous) {
            (true, true, Some(previous)) => events.push(
                NewEvent::new(EventType::UserUpdated, with_groups(data, &groups))
                    .with_previous(previous),
            ),
            (true, false, _) => events.push(NewEvent::new(
                EventType::UserDeleted,
                with_groups(row.data.clone(), &[]),
            )),
            (false, true, _) => {
                let user = with_groups(data, &groups);
                events.push(NewEvent::new(EventType::UserCreated, user.clone()));
                for g in &groups {
                    if let Some(group) = write.group(&g.id).await? {
                        events.push(NewEvent::new(
                            EventType::GroupUserAdded,
                            serde_json::json!({
                                "group": crate::scim::groups::group_object_of(&group),
                                "user": user,
                            }),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(events)
}

/// After memberships of a group changed: recomputes the users whose roles it may change.
pub async fn refresh_members(
    write: &DirectoryWrite,
    rules: &Rules,
    group: (&str, &str),
    user_ids: &[String],
) -> roster_store::Result<Vec<NewEvent>> {
    if user_ids.is_empty() || !rules.settings.maps_group(group.0, group.1) {
        return Ok(Vec::new());
    }
    let rows = write.users_by_ids(user_ids).await?;
    refresh_users(write, rules, &rows).await
}

/// Recomputes every user of the directory (its role or attribute mappings or its deactivation
/// policy changed from `before` to `rules`) and appends the events page by page, so a large
/// directory is not held in memory. Returns how many events that made.
pub async fn refresh_directory(
    write: &mut DirectoryWrite,
    before: &Rules,
    rules: &Rules,
) -> roster_store::Result<usize> {
    let mut changed = 0;
    let mut after: Option<String> = None;
    loop {
        let rows = write.all_users_after(after.as_deref(), PAGE).await?;
        let events = refresh(write, before, rules, &rows).await?;
        changed += events.len();
        write.append(events).await?;
        match rows.last() {
            Some(last) if rows.len() as u64 == PAGE => after = Some(last.id.clone()),
            _ => break,
        }
    }
    Ok(changed)
}
