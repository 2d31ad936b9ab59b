//! The api crate's one integration binary: the store, sync and embedded Redis against real redis-server
//! processes (each test starts its own on a free port; see `disrupt_api::testing`).
#![allow(clippy::unwrap_used)]

mod admin_keys;
mod audit_outbox;
mod cluster;
mod embedded;
mod feed;
mod formats;
mod helpers;
mod logs;
mod pages;
mod persistence;
mod records;
mod replication;
mod server;
mod server_limits;
mod shared_limits;
mod snapshot_cut;
mod sync;
