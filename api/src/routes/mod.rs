//! HTTP handlers. Each extracts, makes one call (to `crate::service::Service`) and maps the result.
//!
//! Handlers are registered through `utoipa-actix-web`, so the route table is the OpenAPI document: `openapi()`
//! builds it from the same `configure` the server uses.
//!
//! # Layout
//! - [`health`] answers `/healthz`.
//! - `registry` holds the route table ([`configure`]) and the OpenAPI document ([`openapi`], [`ApiDoc`]).
//! - [`responses`]: the error rows handlers share in the document (`AdminErrors`, `CaseSecretErrors`, ...).
//! - [`cases`]: victims' anonymous case routes.
//! - [`feed`]: platforms' delta feed and snapshot.
//! - [`matching`]: platforms' match API, by hash or by upload.
//! - [`feedback`]: platforms' feedback.
//! - [`stopncii`]: StopNCII-compatible `FetchHashes` / `SubmitFeedback`.
//! - [`admin`]: API keys and lists.
//! - [`review`]: analysts' review queue, decisions and URL reviews.
//! - [`notices`]: takedown notices for the hotline and the platforms.
//! - [`hosts`]: the hosts directory (where each host's notices go).
//! - [`forwards`]: forwards of cases to the authorities, and their export.
//! - [`audit`]: admins' audit log.
//! - [`stats`]: public statistics and the trusted-flagger report.
//! - [`web`]: the victims' web page (static files of `web/`), served at `/` with a strict CSP.
//! - [`console`]: the analysts' console (static files of `web/console/`), served at `/console/` with its own CSP.

pub mod health;

pub mod admin;
pub mod audit;
pub mod cases;
pub mod console;
pub mod feed;
pub mod feedback;
pub mod forwards;
pub mod hosts;
pub mod matching;
pub mod notices;
mod registry;
pub mod responses;
pub mod review;
pub mod stats;
pub mod stopncii;
pub mod web;

pub use registry::{ApiDoc, MAX_JSON_BYTES, configure, openapi};
