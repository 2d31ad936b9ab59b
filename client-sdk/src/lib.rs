//! disrupt-client: the Rust client of disrupt.
//!
//! # Layout
//! - [`local`]: hashing files on this device; nothing leaves it.
//! - [`api`]: the typed async HTTP client, one method per endpoint.
#![deny(missing_docs)]

pub mod api;
pub mod local;

pub use api::{Client, ClientError};
