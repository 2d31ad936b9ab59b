//! The store's settings: how to reach Redis and lay out keys there, how many replicas promised writes wait
//! for, and when publication batches are due. [`super::Settings`] builds them from the configuration; tests and
//! tools build them directly.

use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer, de};

/// Default of [`RedisSettings::page_bytes`]: 4 MiB: four or more maximal videos (7,200 frames, about 900 KB
/// each), or a whole 5,000-record page of image hashes.
pub const DEFAULT_PAGE_BYTES: usize = 4 << 20;
/// The smallest [`RedisSettings::page_bytes`] accepted (tests use small budgets to cut pages early).
pub const MIN_PAGE_BYTES: usize = 1024;

/// How to reach Redis and how to lay out keys there.
#[derive(Clone, Debug)]
pub struct RedisSettings {
    /// `redis://host:port`, `rediss://...`, `redis+unix:///path/to/socket`, or
    /// `redis+cluster://[user:pass@]host:port,host:port` for Redis Cluster. May carry a password, hence secret.
    pub url: SecretString,
    /// Put before every key, so several installations (or tests) can share one Redis. No braces.
    pub key_prefix: String,
    /// Feed records older than this are trimmed.
    pub feed_retention: Duration,
    /// How long a command may take before the store reports [`StoreError::Unavailable`](crate::store::StoreError::Unavailable).
    pub response_timeout: Duration,
    /// How many replicas promised writes wait for.
    pub replication: ReplicationSettings,
    /// The most bytes of list records one read takes from Redis and one page carries: feed pages, FetchHashes
    /// pages, snapshot chunks, the match index's load and sync batches. A page stops before the record that
    /// would take it past the budget, but always carries at least one record, so cursors always advance. A
    /// record counts as its stored hash text plus [`RECORD_OVERHEAD_BYTES`](crate::store::RECORD_OVERHEAD_BYTES).
    pub page_bytes: usize,
}

impl RedisSettings {
    /// Settings for `url` with the default prefix `disrupt:`, 90 days of retention and a 5 s response timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: SecretString::from(url.into()),
            key_prefix: "disrupt:".into(),
            feed_retention: Duration::from_secs(90 * 24 * 3600),
            response_timeout: Duration::from_secs(5),
            replication: ReplicationSettings::default(),
            page_bytes: DEFAULT_PAGE_BYTES,
        }
    }
}

/// How many replicas must hold a promised write (setting `replication.wait_for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaWait {
    /// This many (0: do not wait, as for a single Redis without replicas).
    Count(u32),
    /// One if the node that took the write has a connected replica, none otherwise.
    Auto,
}

impl ReplicaWait {
    /// Whether writes wait at all.
    pub fn is_off(self) -> bool {
        self == ReplicaWait::Count(0)
    }
}

impl<'de> Deserialize<'de> for ReplicaWait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = ReplicaWait;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number of replicas or \"auto\"")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ReplicaWait, E> {
                u32::try_from(n).map(ReplicaWait::Count).map_err(|_| E::custom("too many replicas"))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ReplicaWait, E> {
                u64::try_from(n).map_err(|_| E::custom("a negative number of replicas")).and_then(|n| self.visit_u64(n))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ReplicaWait, E> {
                match text.trim() {
                    "auto" => Ok(ReplicaWait::Auto),
                    n => n.parse().map(ReplicaWait::Count).map_err(|_| E::custom("a number of replicas or \"auto\"")),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Waiting for replicas (settings `replication.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplicationSettings {
    /// Replicas that must hold a promised write before it is acknowledged: a number, or `auto` (1 when the node
    /// has a connected replica). `DISRUPT_REPLICATION__WAIT_FOR`, default 0 (off: an embedded or single Redis).
    pub wait_for: ReplicaWait,
    /// How long a write waits for them, ms, before the API answers 503. `DISRUPT_REPLICATION__TIMEOUT_MS` (1000).
    pub timeout_ms: u64,
}

impl Default for ReplicationSettings {
    fn default() -> Self {
        Self { wait_for: ReplicaWait::Count(0), timeout_ms: 1_000 }
    }
}

impl ReplicationSettings {
    /// The wait's timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }
}

/// When the waiting entries of a list are published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicationPolicy {
    /// Publish once entries of at least this many distinct cases wait (1: every case at once, unmixed).
    pub min_cases: usize,
    /// Publish whatever waits once the oldest has waited this long: a victim's hashes must not wait for other
    /// victims indefinitely.
    pub max_wait: Duration,
}

impl Default for PublicationPolicy {
    fn default() -> Self {
        Self { min_cases: 5, max_wait: Duration::from_secs(600) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        wait_for: ReplicaWait,
    }

    #[test]
    fn the_setting_takes_a_number_or_auto() {
        let parse = |text: &str| serde_json::from_str::<Holder>(text).map(|h| h.wait_for);
        assert_eq!(parse(r#"{"wait_for": 1}"#).ok(), Some(ReplicaWait::Count(1)));
        assert_eq!(parse(r#"{"wait_for": "2"}"#).ok(), Some(ReplicaWait::Count(2)));
        assert_eq!(parse(r#"{"wait_for": "auto"}"#).ok(), Some(ReplicaWait::Auto));
        assert!(parse(r#"{"wait_for": "some"}"#).is_err());
        assert!(parse(r#"{"wait_for": -1}"#).is_err());
        assert!(ReplicationSettings::default().wait_for.is_off());
    }
}
