//! sea-orm entities, one module per table.
//!
//! They mirror the schema created by `roster-migrations` (the migrations are the source of
//! truth; these are never used to create tables). `crates/store/tests/entities.rs` migrates a
//! fresh database and round-trips a row of every entity to prove they match.

pub mod api_key;
pub mod directory;
pub mod directory_token;
pub mod event;
pub mod group;
pub mod group_membership;
pub mod organization;
pub mod request_activity;
pub mod user;
pub mod user_email;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod webhook_replay;

/// The entity types under short names: `use roster_store::entity::prelude::*;`.
pub mod prelude {
    pub use super::api_key::Entity as ApiKey;
    pub use super::directory::Entity as Directory;
    pub use super::directory_token::Entity as DirectoryToken;
    pub use super::event::Entity as Event;
    pub use super::group::Entity as Group;
    pub use super::group_membership::Entity as GroupMembership;
    pub use super::organization::Entity as Organization;
    pub use super::request_activity::Entity as RequestActivity;
    pub use super::user::Entity as User;
    pub use super::user_email::Entity as UserEmail;
    pub use super::webhook_attempt::Entity as WebhookAttempt;
    pub use super::webhook_delivery::Entity as WebhookDelivery;
    pub use super::webhook_endpoint::Entity as WebhookEndpoint;
    pub use super::webhook_replay::Entity as WebhookReplay;
}
