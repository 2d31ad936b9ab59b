//! disrupt-openapi: the contract between the disrupt server and its clients.
//!
//! Wire types only (serde + utoipa schemas); no actix, no Redis. The server generates `openapi.json` from its
//! handlers with these types, and the committed copy in this crate is checked against it by a test.
//!
//! # Layout
//! - [`error`]: the one JSON error body every endpoint answers with, and its stable codes.
#![deny(missing_docs)]

pub mod error;

pub use error::ErrorBody;
