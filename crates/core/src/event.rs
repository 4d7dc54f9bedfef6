//! Events: what happened in a directory, in the shape every consumer (webhook or Events API) sees.
//!
//! Each event of a directory carries a `sequence` that increases by exactly one per event in commit
//! order; the store guarantees it (see `docs/architecture.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every event type Roster emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "directory.activated")]
    DirectoryActivated,
    #[serde(rename = "directory.updated")]
    DirectoryUpdated,
    #[serde(rename = "directory.deleted")]
    DirectoryDeleted,
    #[serde(rename = "directory.token_rotated")]
    DirectoryTokenRotated,
    #[serde(rename = "directory.seat_limit_reached")]
    DirectorySeatLimitReached,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "user.deactivated")]
    UserDeactivated,
    #[serde(rename = "user.reactivated")]
    UserReactivated,
    #[serde(rename = "user.deleted")]
    UserDeleted,
    #[serde(rename = "group.created")]
    GroupCreated,
    #[serde(rename = "group.updated")]
    GroupUpdated,
    #[serde(rename = "group.deleted")]
    GroupDeleted,
    #[serde(rename = "group.user_added")]
    GroupUserAdded,
    #[serde(rename = "group.user_removed")]
    GroupUserRemoved,
}

impl EventType {
    pub const ALL: [EventType; 15] = [
        EventType::DirectoryActivated,
        EventType::DirectoryUpdated,
        EventType::DirectoryDeleted,
        EventType::DirectoryTokenRotated,
        EventType::DirectorySeatLimitReached,
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserDeactivated,
        EventType::UserReactivated,
        EventType::UserDeleted,
        EventType::GroupCreated,
        EventType::GroupUpdated,
        EventType::GroupDeleted,
        EventType::GroupUserAdded,
        EventType::GroupUserRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::DirectoryActivated => "directory.activated",
            EventType::DirectoryUpdated => "directory.updated",
            EventType::DirectoryDeleted => "directory.deleted",
            EventType::DirectoryTokenRotated => "directory.token_rotated",
            EventType::DirectorySeatLimitReached => "directory.seat_limit_reached",
            EventType::UserCreated => "user.created",
            EventType::UserUpdated => "user.updated",
            EventType::UserDeactivated => "user.deactivated",
            EventType::UserReactivated => "user.reactivated",
            EventType::UserDeleted => "user.deleted",
            EventType::GroupCreated => "group.created",
            EventType::GroupUpdated => "group.updated",
            EventType::GroupDeleted => "group.deleted",
            EventType::GroupUserAdded => "group.user_added",
            EventType::GroupUserRemoved => "group.user_removed",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An event about to be written: the store assigns id, sequence and time inside the transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub event_type: EventType,
    pub data: serde_json::Value,
    pub previous_attributes: Option<serde_json::Value>,
}

impl NewEvent {
    pub fn new(event_type: EventType, data: serde_json::Value) -> Self {
        Self {
            event_type,
            data,
            previous_attributes: None,
        }
    }

    pub fn with_previous(mut self, previous: serde_json::Value) -> Self {
        self.previous_attributes = Some(previous);
        self
    }
}

/// The envelope of DESIGN.md "Events", identical in webhooks and the Events API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub organization_id: String,
    pub directory_id: Option<String>,
    pub sequence: Option<i64>,
    pub data: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_attributes: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            let json = serde_json::to_value(t).expect("serializable");
            assert_eq!(json, serde_json::Value::String(t.as_str().to_owned()));
        }
    }
}
