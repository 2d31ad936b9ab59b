//! End-to-end tests: one binary, the real server on a free port, its own redis-server, through the client SDK.
//!
//! # Layout
//! - `helpers`: `spawn_app()` and hash fixtures.
//! - `browser`: what the browser tests share: headless Chromium, the recording relay, screenshots.
//! - `victims`: case creation, status, withdrawal, secrets.
//! - `platforms`: feed, snapshot, match, feedback.
//! - `bounds`: work per request: the match API's list, search and time bounds.
//! - `admin`: keys, lists, scopes.
//! - `fuzz_corpus`: the fuzz targets' seeds and regressions through the code they fuzz.
//! - `flood`: flood detection holds (same hash in many cases, client bursts, service surges), hash budgets.
//! - `faults`: Redis paused, killed under load and full: 503s, recovery, nothing acknowledged lost.
//! - `schemathesis`: API fuzzing of every operation of the document, with every role, bounded in time.
//! - `roles`: every route of the OpenAPI document with every role.
//! - `upload`: media upload privacy.
//! - `stopncii`: StopNCII-compatible routes, and Meta's threatexchange client against them.
//! - `health`: the server starts on a free port.
//! - `web`: the victims' page in headless Chromium (hashes in the browser, no media sent).
//! - `console`: the analysts' console in headless Chromium: queue, bulk decisions, a case's URLs, notices, the
//!   audit log, statistics, sign-in and sign-out.
//! - `hotline`: analysts' review, quarantine, the audit chain, notices, statistics.
//! - `email`: notices by e-mail against a real SMTP server (`smtp_sink.py`): the message as received, reminders,
//!   outcomes recorded by analysts, a refused connection retried with backoff and delivered once.
//! - `notices`: notices a page at a time, per caller; none for withdrawn or rejected cases.
//! - `statistics`: no host or victim-derived label behind fewer than the minimum of sent notices.
#![allow(clippy::unwrap_used)]

mod admin;
mod bounds;
mod browser;
mod console;
mod email;
mod faults;
mod flood;
mod forwards;
mod fuzz_corpus;
mod health;
mod helpers;
mod hotline;
mod notices;
mod platforms;
mod roles;
mod schemathesis;
mod statistics;
mod stopncii;
mod upload;
mod victims;
mod web;
