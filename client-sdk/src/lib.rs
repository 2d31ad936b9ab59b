//! disrupt-client: the Rust client of disrupt.
//!
//! # Layout
//! - [`local`]: hashing files on this device; nothing leaves it.
#![deny(missing_docs)]

pub mod local;
