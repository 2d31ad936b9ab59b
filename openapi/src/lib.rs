//! disrupt-openapi: the contract between the disrupt server and its clients.
//!
//! Wire types only (serde + utoipa schemas); no actix, no Redis. Requests reject unknown fields and every hash
//! string is validated when it is deserialised. The server generates `openapi.json` from its handlers with these
//! types; the committed copy (`openapi/openapi.json`) is checked against it by a test of the server crate.
//!
//! # Layout
//! - [`fuzzing`]: what the `wire` fuzz target runs, shared with its corpus regression test.
//! - [`error`]: the one JSON error body every endpoint answers with, and its stable codes.
//! - [`hash`]: validated hash strings (PDQ, MD5, SHA-256) in canonical lower-case hex.
//! - [`model`]: hash values, categories, states and roles shared by several endpoints (the one definition the
//!   server's store and rules use too; their names, [`UnknownName`] when a string names none).
//! - [`cases`]: victims' case submission, status and withdrawal.
//! - [`privacy`]: the facts of the victims' privacy notice (controller, retention).
//! - [`feed`]: the delta feed and the snapshot platforms copy the list with.
//! - [`matching`]: match requests and results.
//! - [`feedback`]: platforms' feedback on entries.
//! - [`admin`]: API keys and lists.
//! - [`review`]: analysts' review queue and decisions.
//! - [`notices`]: takedown notices for URLs where content is online.
//! - [`forwards`]: forwards of cases to the authorities (PHAROS, INHOPE/ICCAM, NCMEC).
//! - [`audit`]: the tamper-evident audit log.
//! - [`stats`]: public statistics with small-count suppression.
//! - [`stopncii`]: the StopNCII.org-compatible routes' wire format.
#![deny(missing_docs)]

#[macro_use]
mod names;

pub mod admin;
pub mod audit;
pub mod cases;
pub mod error;
pub mod feed;
pub mod feedback;
pub mod forwards;
pub mod fuzzing;
pub mod hash;
pub mod matching;
pub mod model;
pub mod notices;
pub mod privacy;
pub mod review;
pub mod stats;
pub mod stopncii;

pub use error::{ErrorBody, ErrorCode};
pub use names::UnknownName;
