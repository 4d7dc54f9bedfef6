//! End-to-end tests: a real Roster server per test, driven over HTTP like a vendor's backend,
//! an IdP and an Events API consumer. Each test covers every configured engine (SQLite always,
//! PostgreSQL when `ROSTER_TEST_POSTGRES_URL` is set).

mod api_basics;
mod directories;
mod dispatch_faults;
mod event_shapes;
mod events;
mod organizations;
mod portal;
mod portal_browser;
mod read_api;
mod replay;
mod retention;
mod scim_groups;
mod scim_idps;
mod scim_isolation;
mod scim_users;
mod scim_v1;
mod shutdown;
mod tokens;
mod topology;
mod webhooks;
mod workflows;
