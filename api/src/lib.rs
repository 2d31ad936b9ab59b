//! disrupt-api: the disrupt HTTP server. The hotline's rules (audit chain, review, flood rules, notices,
//! statistics) are in the pure crate disrupt-hotline; this crate serves them over HTTP and keeps their state in
//! Redis.
//!
//! # Layout
//! - [`startup`]: builds the application once (shared state, routes) and runs it until stopped; `/readyz`.
//! - [`routes`]: thin handlers, one module per audience; the route table is the OpenAPI document.
//! - [`service`]: what each route does, on top of the store and the match index.
//! - [`error`]: `ApiError`, the only place mapping failures to HTTP statuses.
//! - [`contact`]: victims' contacts sealed at rest (AES-256-GCM).
//! - [`receipt`]: victims' signed receipts (Ed25519 under a key derived from the server key).
//! - [`auth`]: API keys, roles, list scopes and case secrets.
//! - [`rate_limit`]: rate limits of the anonymous routes, without storing IP addresses.
//! - [`entry_ref`]: opaque entry references shown to platforms.
//! - [`wire`]: mapping between the store's model and the wire types.
//! - [`admin_cli`]: the `create-admin-key` command of the server binary.
//! - [`settings`]: the typed, layered configuration (the store's settings included) and the server key.
//! - [`store`]: the Redis store; every Redis key and command lives there.
//! - [`redis_server`]: the embedded, supervised redis-server used when no Redis is configured.
//! - [`match_index`]: the in-memory match index of every list.
//! - [`sync`]: loads the match index from Redis and follows the change feed.
//! - [`stats_page`]: the public statistics page.
//! - [`mailer`]: e-mail over SMTP (lettre): the transport `hotline.smtp` describes and a notice's message.
//! - `test_server` (feature `testing`): the real server with its own redis-server for other crates' tests
//!   (`spawn_server`).
//! - `testing` (feature `testing`): own redis-server processes and clusters.
//! - `module_graph` (tests only): fails on a dependency cycle among these modules.
#![deny(missing_docs)]

pub mod admin_cli;
pub mod auth;
pub mod candidates;
pub mod contact;
pub mod entry_ref;
pub mod error;
pub mod mailer;
pub mod match_index;
#[cfg(test)]
mod module_graph;
pub mod rate_limit;
pub mod receipt;
pub mod redis_server;
pub mod routes;
pub mod service;
pub mod settings;
pub mod startup;
pub mod stats_page;
pub mod store;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod test_server;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time_limit;
pub mod views;
pub mod wire;

pub use startup::{AppState, Application};
