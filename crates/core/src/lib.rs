//! The Roster domain, pure: no I/O, no database, no async runtime.
//!
//! - [`id`]: prefixed, time-sortable identifiers (`org_…`, `directory_…`, `user_…`, `evt_…`).
//! - [`attributes`]: attribute mappings, their types and the providers' defaults.
//! - [`directory`]: providers, SCIM versions, directory settings and their validation.
//! - [`event`]: event types and the envelope every consumer sees.
//! - [`normalize`]: the normalized user/group model derived from SCIM, and the events a change implies.
//! - [`schemas`]: the JSON Schema of every event type.
//! - [`validate`]: field-level validation errors shared by the management API.
#![forbid(unsafe_code)]

pub mod attributes;
pub mod directory;
pub mod event;
pub mod id;
pub mod normalize;
pub mod schemas;
pub mod validate;

pub use attributes::{AttributeType, MappingOrigin};
pub use directory::{
    AttributeMapping, DeactivationPolicy, DirectorySettings, DirectoryState, Provider, RoleMapping,
    ScimVersion,
};
pub use event::{EventEnvelope, EventType, NewEvent};
pub use id::{ApiKeyId, DirectoryId, EventId, GroupId, OrganizationId, TokenId, UserId};
pub use validate::{FieldError, ValidationErrors};
