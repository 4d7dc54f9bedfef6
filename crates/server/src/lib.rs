//! The Roster server: SCIM ingress, management API, events API, health; the `roster` binary.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod health;
pub mod metrics;
pub mod normalized;
pub mod portal;
pub mod scim;
pub mod state;
pub mod telemetry;
