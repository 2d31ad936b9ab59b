//! disrupt-api: the disrupt HTTP server.
//!
//! # Layout
//! - [`startup`]: builds the application once (shared state, routes) and runs it until stopped; `/readyz`.
//! - [`routes`]: thin handlers, one module per audience.
//! - [`settings`]: the typed, layered configuration and the server key.
//! - [`store`]: the Redis store; every Redis key and command lives there.
//! - [`redis_server`]: the embedded, supervised redis-server used when no Redis is configured.
//! - [`match_index`]: the in-memory match index of every list.
//! - [`sync`]: loads the match index from Redis and follows the change feed.
//! - `testing` (feature `testing`): own redis-server processes and clusters for tests.
#![deny(missing_docs)]

pub mod match_index;
pub mod redis_server;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod store;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use startup::{AppState, Application};
