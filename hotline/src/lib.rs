//! disrupt-hotline: the hotline's rules, with no HTTP, no Redis and no async runtime. The server (disrupt-api)
//! gathers facts from its store and passes them in; an auditor's tools use the audit chain without the server.
//!
//! # Layout
//! - [`audit`]: the tamper-evident audit chain: entries, their canonical bytes, SHA-256 chaining, verification
//!   (of a whole log, page by page, or of a JSON-lines export).
//! - [`review`]: analyst review decisions: reject reasons and notes, bulk limits, the popular-benign-image
//!   heuristic, the two-analyst rule for rejecting a whole case, a queue item's neighbours.
//! - [`flood`]: flood rules: when a new case's entries are held for an analyst instead of published.
//! - [`notices`]: reported URLs grouped per host, legal grounds, notices from editable templates, their
//!   lifecycle, the stored notice.
//! - [`receipt`]: checking a victim's signed receipt (Ed25519) offline.
//! - [`forwards`]: forwards of cases to the authorities: what may be recorded, when a minor's case still waits
//!   for one, when a notice may say the content was reported, the export the hotline files.
//! - [`stats`]: statistics with small-count suppression; the yearly trusted-flagger report.
//! - [`time`]: unix-millisecond now, and the UTC month, day, hour and year labels of a time.
#![deny(missing_docs)]

pub mod audit;
pub mod flood;
pub mod forwards;
pub mod notices;
pub mod receipt;
pub mod review;
pub mod stats;
pub mod time;
