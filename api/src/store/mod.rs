//! The Redis store: every Redis key and command of disrupt lives in this module tree.
//!
//! # Layout
//! [`Store`] is defined here with its connection; its methods live with the aggregate they touch:
//! - `lists`: lists and their numbers.
//! - `cases`: creating and withdrawing cases.
//! - `entries`: entries by id, state changes, platforms' feedback.
//! - `feed`: feed pages, platform keys' positions in it (erasure receipts), heads and trimming.
//! - `snapshot`: snapshots of the live entries and scans of the live hashes.
//! - `follower`: blocking reads of the change log for the match indexes.
//! - `api_keys`: API keys.
//! - `review`: review queues, case rejections waiting for a second analyst, URL reviews.
//! - `counters`: statistics counters and match counts.
//! - [`notices`]: takedown notices, their indexes (pages per caller) and their purge with their case.
//! - `hosts`: the hosts directory (where each host's notices go).
//! - `forwards`: forwards of cases to the authorities, by time and by case.
//! - [`mail`]: the e-mail outbox: notices and reminders waiting for the sender, claimed under a lease.
//! - [`audit`]: the audit log, the outboxes that carry actions' records into it.
//! - [`publication`]: publication batches, which publish live entries to the feed.
//! - `purge`: withdrawn cases' hashes and URLs leave once their tombstones left the feed.
//! - [`limits`]: the anonymous routes' budgets and lock-outs, shared by every process.
//! - [`replication`]: promised writes wait for replicas (`WAIT`).
//!
//! And what they share:
//! - [`model`]: the domain types (lists, entries, cases, feed records, API keys).
//! - [`keys`]: key names and the id layouts; see there for the full key map.
//! - [`cursor`]: opaque feed cursors over stream ids.
//! - `scripts`: the Lua scripts that make multi-key writes atomic.
//! - `connection`: one connection type over single Redis and Redis Cluster.
//! - `codec`: reading stored hashes and stream records back into the model.
//! - [`error`]: the store's error type, [`StoreError`][].
//!
//! Writes that belong together (a case with its entries and feed records; a withdrawal with its tombstones; a
//! state change with its feed record) run as one Lua script, so a crash never leaves them half-done. Every change
//! of an entry appends one record to its list's stream, which is the delta feed.

mod api_keys;
pub mod audit;
mod cases;
mod codec;
mod connection;
mod counters;
pub mod cursor;
mod entries;
pub mod error;
mod feed;
mod follower;
mod forwards;
mod hosts;
pub mod keys;
pub mod limits;
mod lists;
pub mod mail;
pub mod model;
pub mod notices;
pub mod publication;
mod purge;
pub mod replication;
mod review;
mod scripts;
mod snapshot;

use std::{collections::HashMap, sync::Arc, time::Duration};

use parking_lot::RwLock;
use ring::rand::SystemRandom;
use secrecy::ExposeSecret;

pub use audit::Outbox;
pub use cases::MAX_CASE_ENTRIES;
pub use connection::CLUSTER_SCHEME;
pub use counters::StatCounters;
pub use cursor::StreamId;
pub use entries::AuditWhen;
pub use error::StoreError;
pub use feed::{MAX_FEED_PAGE, RECORD_OVERHEAD_BYTES};
pub use follower::{Change, Changes, FeedFollower};
pub use model::*;
pub use notices::NoticeRecord;
pub use snapshot::LiveHash;

use crate::settings::{MIN_PAGE_BYTES, RedisSettings, ReplicationSettings};
use connection::{Client, Connection};
use keys::Keys;
use scripts::Scripts;

/// Compare-and-set updates (of an API key, of a feed position) give up after this many tries (each try loses only
/// to another update).
const MAX_UPDATE_TRIES: usize = 8;
/// The store. Cheap to clone; share one (as `web::Data`) across the server.
#[derive(Clone)]
pub struct Store {
    conn: Connection,
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    keys: Keys,
    scripts: Scripts,
    retention: Duration,
    response_timeout: Duration,
    /// Promised writes' own connection, when they wait for replicas.
    durable: Option<Connection>,
    replication: ReplicationSettings,
    /// See [`RedisSettings::page_bytes`].
    page_bytes: usize,
    /// List number -> name; lists are never renamed or deleted, so this only grows.
    list_names: RwLock<HashMap<u64, String>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("keys", &self.inner.keys)
            .field("retention", &self.inner.retention)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects (single server or cluster, from the URL) and makes sure the default list and the minors' list exist.
    pub async fn connect(settings: &RedisSettings) -> Result<Store, StoreError> {
        let keys = Keys::new(&settings.key_prefix)?;
        let client = Client::open(settings.url.expose_secret())?;
        let conn = client.connect(settings.response_timeout).await?;
        let durable = if settings.replication.wait_for.is_off() {
            None
        } else {
            Some(client.connect(settings.response_timeout + settings.replication.timeout()).await?)
        };
        let store = Store {
            conn,
            inner: Arc::new(Inner {
                client,
                keys,
                scripts: Scripts::new(),
                retention: settings.feed_retention,
                response_timeout: settings.response_timeout,
                durable,
                replication: settings.replication,
                page_bytes: settings.page_bytes.max(MIN_PAGE_BYTES),
                list_names: RwLock::new(HashMap::new()),
                rng: SystemRandom::new(),
            }),
        };
        for list in [DEFAULT_LIST, MINORS_LIST] {
            match store.create_list(list).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(store)
    }

    fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    fn conn(&self) -> Connection {
        self.conn.clone()
    }

    /// The byte budget of one page or batch of list records ([`RedisSettings::page_bytes`]).
    pub fn page_bytes(&self) -> usize {
        self.inner.page_bytes
    }

    /// How long feed records are kept.
    pub fn feed_retention(&self) -> Duration {
        self.inner.retention
    }

    /// Checks that Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn()).await?;
        Ok(())
    }
}
