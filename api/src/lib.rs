//! disrupt-api: the disrupt HTTP server.
//!
//! # Layout
//! - [`startup`]: builds the application once (shared state, routes) and runs it until stopped.
//! - [`routes`]: thin handlers, one module per audience.
#![deny(missing_docs)]

pub mod routes;
pub mod startup;

pub use startup::Application;
