//! The Redis store: every Redis key and command of disrupt lives in this module tree.
//!
//! # Layout
//! - [`model`]: the domain types (lists, entries, cases, feed records, API keys).
//! - [`keys`]: key names and the id layouts; see there for the full key map.
//! - [`cursor`]: opaque feed cursors over stream ids.
//! - [`notices`]: takedown notices' indexes (pages per caller) and their purge with their case.
//! - [`limits`]: the anonymous routes' budgets and lock-outs, shared by every process.
//! - [`replication`]: promised writes wait for replicas (`WAIT`).
//! - `scripts`: the Lua scripts that make multi-key writes atomic.
//! - `connection`: one connection type over single Redis and Redis Cluster.
//! - `codec`: reading stored hashes and stream records back into the model.
//! - [`error`]: the store's error type, [`StoreError`][].
//!
//! Writes that belong together (a case with its entries and feed records; a withdrawal with its tombstones; a
//! state change with its feed record) run as one Lua script, so a crash never leaves them half-done. Every change
//! of an entry appends one record to its list's stream, which is the delta feed.

pub mod audit;
mod codec;
mod connection;
pub mod cursor;
pub mod error;
mod hotline;
pub mod keys;
pub mod limits;
pub mod model;
pub mod notices;
pub mod publication;
mod purge;
pub mod replication;
mod scripts;

pub use hotline::{NoticeRecord, Outbox, StatCounters};
pub use publication::PublicationPolicy;

use std::{collections::HashMap, sync::Arc, time::Duration};

use disrupt_hotline::audit::{AuditAction, AuditActor};
use disrupt_hotline::time::{hour_of, month_of, now_ms};
use parking_lot::RwLock;
use redis::AsyncCommands;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};

pub use connection::CLUSTER_SCHEME;
pub use cursor::StreamId;
pub use error::StoreError;
pub use model::*;
pub use replication::{ReplicaWait, ReplicationSettings};

use audit::{AuditEvent, AuditRules};
use connection::{Client, Connection};
use keys::Keys;
use scripts::Scripts;

/// The most entries one case may carry (one script writes them all).
pub const MAX_CASE_ENTRIES: usize = 1000;
/// Compare-and-set updates (of an API key, of a feed position) give up after this many tries (each try loses only
/// to another update).
const MAX_UPDATE_TRIES: usize = 8;
/// The most records one feed page returns.
pub const MAX_FEED_PAGE: usize = 10_000;
/// Default of [`RedisSettings::page_bytes`]: 4 MiB: four or more maximal videos (7,200 frames, about 900 KB
/// each), or a whole 5,000-record page of image hashes.
pub const DEFAULT_PAGE_BYTES: usize = 4 << 20;
/// The smallest [`RedisSettings::page_bytes`] accepted (tests use small budgets to cut pages early).
pub const MIN_PAGE_BYTES: usize = 1024;
/// What a record costs on top of its stored hash text when pages are measured: the JSON field names, the entry
/// reference, state and times. Generous, so the measure is at or above the record's JSON size.
pub const RECORD_OVERHEAD_BYTES: usize = 256;

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
    /// How long a command may take before the store reports [`StoreError::Unavailable`].
    pub response_timeout: Duration,
    /// How many replicas promised writes wait for.
    pub replication: ReplicationSettings,
    /// The most bytes of list records one read takes from Redis and one page carries: feed pages, FetchHashes
    /// pages, snapshot chunks, the match index's load and sync batches. A page stops before the record that
    /// would take it past the budget, but always carries at least one record, so cursors always advance. A
    /// record counts as its stored hash text plus [`RECORD_OVERHEAD_BYTES`].
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

/// A live hash as the index loader reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveHash {
    /// The entry.
    pub id: EntryId,
    /// The hash's kind.
    pub kind: HashKind,
    /// The hash text.
    pub hash: String,
}

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
    /// Connects (single server or cluster, from the URL) and makes sure the default list exists.
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
        match store.create_list(DEFAULT_LIST).await {
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(store),
            Err(err) => Err(err),
        }
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

    // ----- lists -----

    /// Creates a list. [`StoreError::Conflict`] if it exists.
    pub async fn create_list(&self, name: &str) -> Result<(), StoreError> {
        self.create_list_audited(name, None).await
    }

    /// [`Store::create_list`], with `audit`'s record written in the same step when the list is created.
    pub async fn create_list_audited(&self, name: &str, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        validate_list_name(name)?;
        let keys = self.keys();
        let mut invocation = self.inner.scripts.create_list.prepare_invoke();
        invocation.key(keys.lists()).key(keys.list_numbers()).key(keys.list_seq()).arg(name).arg(keys::MAX_LISTS);
        let record = audit.map(|event| self.pending_audit(event, now_ms())).transpose()?;
        AuditRules::none().when("^[1-9]", record).finish(&mut invocation, keys.global_audit_outbox());
        let no: i64 = invocation.invoke_async(&mut self.conn()).await?;
        match no {
            0 => Err(StoreError::Conflict("the list exists")),
            n if n < 0 => Err(StoreError::Conflict("no more lists can be created")),
            n => {
                self.inner.list_names.write().insert(n as u64, name.to_owned());
                Ok(())
            }
        }
    }

    /// Every list's name, sorted.
    pub async fn list_names(&self) -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = self.conn().hkeys(self.keys().lists()).await?;
        names.sort();
        Ok(names)
    }

    /// The number of list `name`; [`StoreError::NotFound`] if there is no such list.
    async fn list_number(&self, name: &str) -> Result<u64, StoreError> {
        validate_list_name(name)?;
        if let Some((no, _)) = self.inner.list_names.read().iter().find(|(_, n)| *n == name) {
            return Ok(*no);
        }
        let no: Option<u64> = self.conn().hget(self.keys().lists(), name).await?;
        let no = no.ok_or(StoreError::NotFound { what: "list" })?;
        self.inner.list_names.write().insert(no, name.to_owned());
        Ok(no)
    }

    /// The name of list number `no`, if it exists.
    async fn list_name(&self, no: u64) -> Result<Option<String>, StoreError> {
        if let Some(name) = self.inner.list_names.read().get(&no) {
            return Ok(Some(name.clone()));
        }
        let name: Option<String> = self.conn().hget(self.keys().list_numbers(), no).await?;
        if let Some(name) = &name {
            self.inner.list_names.write().insert(no, name.clone());
        }
        Ok(name)
    }

    /// Fails with [`StoreError::NotFound`] unless the list exists.
    pub async fn require_list(&self, name: &str) -> Result<(), StoreError> {
        self.list_number(name).await.map(|_| ())
    }

    // ----- cases and entries -----

    /// Creates a case with its entries and their feed records in one atomic write.
    pub async fn create_case(&self, case: NewCase) -> Result<CreatedCase, StoreError> {
        self.create_case_audited(case, |_, _| None).await
    }

    /// [`Store::create_case`], with the audit record of what flood detection held written in the same step:
    /// `held(case id, surge)` makes it, for the case as it will be without and with the service-wide surge
    /// (which only the write itself decides); `None` when nothing is held.
    pub async fn create_case_audited(
        &self,
        case: NewCase,
        held: impl Fn(&str, bool) -> Option<AuditEvent>,
    ) -> Result<CreatedCase, StoreError> {
        if case.entries.is_empty() {
            return Err(StoreError::Invalid("a case needs at least one hash".into()));
        }
        if case.entries.len() > MAX_CASE_ENTRIES {
            return Err(StoreError::Invalid(format!("a case carries at most {MAX_CASE_ENTRIES} hashes")));
        }
        if let Some(bad) = case.entries.iter().find(|e| e.hash.is_empty() || e.hash.contains('\n')) {
            return Err(StoreError::Invalid(format!("malformed {} hash", bad.kind)));
        }
        let list_no = self.list_number(&case.list).await?;
        let list = case.list.as_str();
        let keys = self.keys();
        let count = case.entries.len() as u64;
        // Ids are reserved before the write: a crash in between only leaves a gap in the sequence.
        let last: u64 = self.conn().incr(keys.entry_seq(list), count).await?;
        let entry_ids =
            (last + 1 - count..=last).map(|seq| keys::entry_id(list_no, seq)).collect::<Result<Vec<_>, _>>()?;
        let mut random = [0u8; 16];
        self.inner.rng.fill(&mut random).map_err(|_| StoreError::Rng)?;
        let case_id = keys::new_case_id(list_no, random);

        let now = now_ms();
        let ids_csv = codec::ids_to_csv(&entry_ids);
        let urls = serde_json::to_string(&case.urls).map_err(|e| StoreError::Invalid(format!("urls: {e}")))?;
        let mut invocation = self.inner.scripts.create_case.prepare_invoke();
        invocation
            .key(keys.case(list, &case_id))
            .key(keys.live(list))
            .key(keys.feed(list))
            .key(keys.review_pending(list))
            .key(keys.stats(list))
            .key(keys.review_quarantined(list))
            .key(keys.cases_in_hour(list, &hour_of(now)))
            .key(keys.outbox(list))
            .key(keys.changes(list));
        for id in &entry_ids {
            invocation.key(keys.entry(list, *id));
        }
        invocation
            .arg(now)
            .arg(&case_id)
            .arg(list)
            .arg(case.category.as_str())
            .arg(hex::encode(&case.secret_hash))
            .arg(urls)
            .arg(if case.contact.is_some() { "1" } else { "0" })
            .arg(case.contact.as_deref().unwrap_or(""))
            .arg(ids_csv)
            .arg(month_of(now))
            .arg(case.surge_limit.unwrap_or(0));
        for (id, entry) in entry_ids.iter().zip(&case.entries) {
            invocation
                .arg(*id)
                .arg(entry.kind.as_str())
                .arg(&entry.hash)
                .arg(entry.quality.map(|q| q.to_string()).unwrap_or_default())
                .arg(entry.held.map_or("", |r| r.as_str()));
        }
        let record = |surge| held(&case_id, surge).map(|event| self.pending_audit(event, now)).transpose();
        AuditRules::none()
            .when("^1,%d+,0$", record(false)?)
            .when("^1,%d+,1$", record(true)?)
            .finish(&mut invocation, keys.audit_outbox(list));
        let outcome: Vec<i64> = self
            .invoke_promised(&invocation, &keys.case(list, &case_id), |o: &Vec<i64>| {
                (o.first() == Some(&1)).then_some(true)
            })
            .await?;
        match outcome.as_slice() {
            [1, held, surge] => Ok(CreatedCase {
                case_id,
                entry_ids,
                held: usize::try_from(*held).map_err(|_| StoreError::Corrupt("held count".into()))?,
                surge: *surge == 1,
            }),
            [-1] => Err(StoreError::Conflict("the case or one of its entries exists")),
            _ => Err(StoreError::Corrupt(format!("a key of list {list} has the wrong type"))),
        }
    }

    /// The case and its entries, or `None` when no such case exists (a malformed id is simply not found).
    pub async fn get_case(&self, case_id: &str) -> Result<Option<CaseView>, StoreError> {
        let Some(list) = self.list_of_case(case_id).await? else {
            return Ok(None);
        };
        let fields: HashMap<String, String> = self.conn().hgetall(self.keys().case(&list, case_id)).await?;
        if fields.is_empty() {
            return Ok(None);
        }
        let case = codec::case_from_fields(fields)?;
        let entries = self.get_entries(&list, &case.entry_ids).await?;
        Ok(Some(CaseView { case, entries }))
    }

    async fn list_of_case(&self, case_id: &str) -> Result<Option<String>, StoreError> {
        match keys::list_no_of_case(case_id) {
            Some(no) => self.list_name(no).await,
            None => Ok(None),
        }
    }

    /// The entries `ids` of `list` that exist, in the given order.
    async fn get_entries(&self, list: &str, ids: &[EntryId]) -> Result<Vec<Entry>, StoreError> {
        let mut entries = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut pipe = redis::pipe();
            for id in chunk {
                pipe.hgetall(self.keys().entry(list, *id));
            }
            let rows: Vec<HashMap<String, String>> = pipe.query_async(&mut self.conn()).await?;
            for row in rows.into_iter().filter(|r| !r.is_empty()) {
                entries.push(codec::entry_from_fields(row)?);
            }
        }
        Ok(entries)
    }

    /// Withdraws a case: the case turns Withdrawn, its contact is erased, every entry turns Withdrawn, leaves the
    /// live set and gets a tombstone in the feed; one atomic write. Idempotent.
    pub async fn withdraw_case(&self, case_id: &str) -> Result<WithdrawOutcome, StoreError> {
        self.withdraw_case_audited(case_id, None).await
    }

    /// [`Store::withdraw_case`], with `audit`'s record written in the same step when the case is withdrawn now.
    pub async fn withdraw_case_audited(
        &self,
        case_id: &str,
        audit: Option<AuditEvent>,
    ) -> Result<WithdrawOutcome, StoreError> {
        const NOT_FOUND: StoreError = StoreError::NotFound { what: "case" };
        let list = self.list_of_case(case_id).await?.ok_or(NOT_FOUND)?;
        let keys = self.keys();
        let case_key = keys.case(&list, case_id);
        // The entry list of a case never changes after creation, so reading it first is safe.
        let ids_csv: Option<String> = self.conn().hget(&case_key, "entry_ids").await?;
        let ids = codec::ids_from_csv(&ids_csv.ok_or(NOT_FOUND)?)?;
        let mut invocation = self.inner.scripts.withdraw_case.prepare_invoke();
        invocation
            .key(&case_key)
            .key(keys.live(&list))
            .key(keys.feed(&list))
            .key(keys.positions(&list))
            .key(keys.review_pending(&list))
            .key(keys.review_quarantined(&list))
            .key(keys.stats(&list))
            .key(keys.withdrawals(&list))
            .key(keys.outbox(&list))
            .key(keys.changes(&list));
        for id in &ids {
            invocation.key(keys.entry(&list, *id));
        }
        let now = now_ms();
        invocation.arg(now).arg(case_id);
        let record = audit.map(|event| self.pending_audit(event, now)).transpose()?;
        AuditRules::none().when("^1$", record).finish(&mut invocation, keys.audit_outbox(&list));
        let outcome: i64 = self.invoke_promised(&invocation, &case_key, |o: &i64| (*o >= 0).then_some(*o == 1)).await?;
        match outcome {
            1 => Ok(WithdrawOutcome { already_withdrawn: false }),
            0 => Ok(WithdrawOutcome { already_withdrawn: true }),
            _ => Err(NOT_FOUND),
        }
    }

    /// One entry, or `None`.
    pub async fn get_entry(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let Some(list) = self.list_name(keys::list_no_of_entry(id)).await? else {
            return Ok(None);
        };
        let fields: HashMap<String, String> = self.conn().hgetall(self.keys().entry(&list, id)).await?;
        if fields.is_empty() {
            return Ok(None);
        }
        codec::entry_from_fields(fields).map(Some)
    }

    /// Changes an entry's state and returns the entry, in one atomic write: the live set at once; the feed at once
    /// when the entry leaves the list (a tombstone, if platforms ever had it), else with the next publication
    /// batch ([`Store::publish`]). Setting the state it has is a no-op. Withdrawn is final: [`StoreError::Conflict`].
    pub async fn set_entry_state(&self, id: EntryId, state: EntryState) -> Result<Entry, StoreError> {
        self.set_entry_state_audited(id, state, None, AuditWhen::Changed).await
    }

    /// [`Store::set_entry_state`], with `audit`'s record written in the same step, `when` the state changed or
    /// also when it already was `state` (an analyst's decision is recorded either way).
    pub async fn set_entry_state_audited(
        &self,
        id: EntryId,
        state: EntryState,
        audit: Option<AuditEvent>,
        when: AuditWhen,
    ) -> Result<Entry, StoreError> {
        const NOT_FOUND: StoreError = StoreError::NotFound { what: "entry" };
        let entry = self.get_entry(id).await?.ok_or(NOT_FOUND)?;
        let list = entry.list;
        let keys = self.keys();
        let now = now_ms();
        let mut invocation = self.inner.scripts.set_entry_state.prepare_invoke();
        invocation
            .key(keys.entry(&list, id))
            .key(keys.live(&list))
            .key(keys.feed(&list))
            .key(keys.review_pending(&list))
            .key(keys.review_quarantined(&list))
            .key(keys.stats(&list))
            .key(keys.outbox(&list))
            .key(keys.changes(&list))
            .arg(state.as_str())
            .arg(now)
            .arg(if state.is_live() { "1" } else { "0" });
        let record = audit.map(|event| self.pending_audit(event, now)).transpose()?;
        let pattern = match when {
            AuditWhen::Changed => "^1$",
            AuditWhen::Decided => "^[01]$",
        };
        AuditRules::none().when(pattern, record).finish(&mut invocation, keys.audit_outbox(&list));
        let outcome: i64 =
            self.invoke_promised(&invocation, &keys.entry(&list, id), |o: &i64| (*o >= 0).then_some(*o == 1)).await?;
        match outcome {
            -1 => return Err(NOT_FOUND),
            -2 => return Err(StoreError::Conflict("the entry was withdrawn")),
            _ => {}
        }
        self.get_entry(id).await?.ok_or(NOT_FOUND)
    }

    /// Records a platform's feedback on an entry. Each platform counts once per entry, with its latest answer.
    pub async fn record_feedback(
        &self,
        entry_id: EntryId,
        platform_key_id: &str,
        feedback: FeedbackValue,
        tags: &[String],
    ) -> Result<(), StoreError> {
        const NOT_FOUND: StoreError = StoreError::NotFound { what: "entry" };
        let list = self.list_name(keys::list_no_of_entry(entry_id)).await?.ok_or(NOT_FOUND)?;
        let tags = serde_json::to_string(tags).map_err(|e| StoreError::Invalid(format!("tags: {e}")))?;
        let outcome: i64 = self
            .inner
            .scripts
            .record_feedback
            .key(self.keys().entry(&list, entry_id))
            .key(self.keys().feedback(&list, entry_id))
            .arg(platform_key_id)
            .arg(feedback.as_str())
            .arg(tags)
            .invoke_async(&mut self.conn())
            .await?;
        if outcome < 0 {
            return Err(NOT_FOUND);
        }
        Ok(())
    }

    // ----- the feed -----

    /// Up to `limit` feed records after `cursor` (`None`: from the start of the feed), and no more than the byte
    /// budget ([`RedisSettings::page_bytes`]) of them, but at least one when any follows. Redis reads the records
    /// in small steps and stops at the budget, so it does not read a whole count of large records to serve a few.
    /// Pages taken one after the other never skip or repeat a record, also while writes happen. A cursor from
    /// before the retention mark (also `None` once anything was trimmed) gives [`StoreError::CursorExpired`]:
    /// resync from a snapshot ([`Store::snapshot_page`]).
    pub async fn read_feed(&self, list: &str, cursor: Option<&str>, limit: usize) -> Result<FeedPage, StoreError> {
        let start = match cursor {
            Some(c) => cursor::decode(list, c)?,
            None => StreamId::ZERO,
        };
        self.list_number(list).await?;
        let limit = limit.clamp(1, MAX_FEED_PAGE);
        let (trimmed, head, raw, cut): (String, String, redis::Value, u8) = self
            .inner
            .scripts
            .read_feed
            .key(self.keys().feed(list))
            .key(self.keys().trimmed(list))
            .arg(start.to_string())
            .arg(limit)
            .arg(self.inner.page_bytes)
            .arg(RECORD_OVERHEAD_BYTES)
            .invoke_async(&mut self.conn())
            .await?;
        if !trimmed.is_empty() && start < trimmed.parse::<StreamId>().map_err(corrupt_mark)? {
            return Err(StoreError::CursorExpired);
        }
        // No cursor this store issued lies past the newest record: such a cursor is forged (or Redis lost writes)
        // and would let a reader claim it had been served records it never saw.
        if start > head.parse::<StreamId>().map_err(corrupt_mark)? {
            return Err(StoreError::CursorBeyondEnd);
        }
        let records = codec::records_from_range(raw)?;
        let next = records.last().map(|(id, _)| *id).unwrap_or(start);
        Ok(FeedPage {
            full: cut == 1 || records.len() == limit,
            records: records.into_iter().map(|(_, r)| r).collect(),
            next_cursor: cursor::encode(list, next),
        })
    }

    /// Records that platform key `key_id` was served `list`'s feed from `from` (exclusive; [`StreamId::ZERO`] for
    /// a read from the beginning or a snapshot) up to `position` (a page's last record, or a snapshot's cursor).
    /// Positions only move forward, and only over records served without a gap: a read that starts past the
    /// recorded position (a forged or borrowed cursor) records nothing. Returns the previous position when it
    /// moved ([`StreamId::ZERO`] for a first fetch), `None` when it did not.
    pub async fn record_position(
        &self,
        list: &str,
        key_id: &str,
        from: StreamId,
        position: StreamId,
    ) -> Result<Option<StreamId>, StoreError> {
        self.record_position_audited(list, key_id, from, position, None).await
    }

    /// [`Store::record_position`], with a `deletion_delivered` record by `platform` written in the same step for
    /// each withdrawn case whose tombstones the move passes and whose hashes this key had received (what the
    /// victim's erasure receipt counts). A key with no position before had received nothing, so its first move
    /// records none (and its first snapshot does not walk every withdrawal ever made).
    pub async fn record_position_audited(
        &self,
        list: &str,
        key_id: &str,
        from: StreamId,
        position: StreamId,
        platform: Option<AuditActor>,
    ) -> Result<Option<StreamId>, StoreError> {
        let keys = self.keys();
        for _ in 0..MAX_UPDATE_TRIES {
            let read: Option<String> = self.conn().hget(keys.positions(list), key_id).await?;
            let before = read.as_deref().map(|p| p.parse().map_err(corrupt_mark)).transpose()?;
            let records = match (&platform, before) {
                (Some(platform), Some(before)) if before < position && before != StreamId::ZERO => {
                    self.deletions_delivered(list, key_id, before, position, platform).await?
                }
                _ => Vec::new(),
            };
            let mut invocation = self.inner.scripts.record_position.prepare_invoke();
            invocation
                .key(keys.positions(list))
                .arg(key_id)
                .arg(from.to_string())
                .arg(position.to_string())
                .arg(read.as_deref().unwrap_or(""));
            AuditRules::none().when_all("^moved", records).finish(&mut invocation, keys.audit_outbox(list));
            let outcome: Vec<String> = invocation.invoke_async(&mut self.conn()).await?;
            match outcome.as_slice() {
                [moved, old] if moved == "moved" => {
                    return Ok(Some(if old.is_empty() {
                        StreamId::ZERO
                    } else {
                        old.parse().map_err(corrupt_mark)?
                    }));
                }
                [still] if still == "still" => return Ok(None),
                _ => {} // another fetch by this key moved it meanwhile: read again
            }
        }
        Err(StoreError::Conflict("the feed position keeps changing; retry"))
    }

    /// The pending `deletion_delivered` records of a position moving from `before` to `upto` (see
    /// [`Store::record_position_audited`]). A withdrawal's tombstone position and the keys that had received the
    /// case are written once, at the withdrawal, so reading them before the move is exact.
    async fn deletions_delivered(
        &self,
        list: &str,
        key_id: &str,
        before: StreamId,
        upto: StreamId,
        platform: &AuditActor,
    ) -> Result<Vec<String>, StoreError> {
        let now = now_ms();
        let mut records = Vec::new();
        for case_id in self.withdrawals_between(list, before, upto).await? {
            let fields: HashMap<String, String> = self.conn().hgetall(self.keys().case(list, &case_id)).await?;
            if fields.is_empty() {
                continue;
            }
            let case = codec::case_from_fields(fields)?;
            let delivered = case.withdrawn_feed_id.is_some_and(|w| w > before && w <= upto);
            if delivered && case.received_by.iter().any(|k| k == key_id) {
                let event =
                    AuditEvent::new(platform.clone(), AuditAction::DeletionDelivered, format!("case:{case_id}"))
                        .detail("list", list);
                records.push(self.pending_audit(event, now)?);
            }
        }
        Ok(records)
    }

    /// How many platforms received `case`'s hashes and how many of them have fetched its withdrawal since.
    pub async fn delivery(&self, case: &Case) -> Result<Delivery, StoreError> {
        let Some(added) = case.added_feed_id else {
            return Ok(Delivery::default());
        };
        let positions: HashMap<String, String> = self.conn().hgetall(self.keys().positions(&case.list)).await?;
        let position_of = |key_id: &str| -> Result<Option<StreamId>, StoreError> {
            positions.get(key_id).map(|p| p.parse().map_err(corrupt_mark)).transpose()
        };
        let mut delivery = Delivery::default();
        match case.withdrawn_feed_id {
            // Active: the platforms whose feed position is past the case's additions.
            None => {
                for key_id in positions.keys() {
                    if position_of(key_id)?.is_some_and(|p| p >= added) {
                        delivery.received += 1;
                    }
                }
            }
            // Withdrawn: those that had the hashes when it was withdrawn (recorded then), and which of them have
            // fetched past its tombstones since.
            Some(withdrawn) => {
                for key_id in &case.received_by {
                    delivery.received += 1;
                    if position_of(key_id)?.is_some_and(|p| p >= withdrawn) {
                        delivery.deletion_delivered += 1;
                    }
                }
            }
        }
        Ok(delivery)
    }

    /// The id of the newest record of a list's change log (`0-0` when empty): where a match index follows it from
    /// after loading.
    pub async fn changes_head(&self, list: &str) -> Result<StreamId, StoreError> {
        let head: String =
            self.inner.scripts.feed_head.key(self.keys().changes(list)).invoke_async(&mut self.conn()).await?;
        head.parse().map_err(corrupt_mark)
    }

    /// The id of the newest record of a list's feed (`0-0` when empty): where a snapshot's reader follows it from.
    pub async fn feed_head(&self, list: &str) -> Result<StreamId, StoreError> {
        let head: String = self
            .inner
            .scripts
            .feed_head
            .key(self.keys().feed(list))
            .key(self.keys().trimmed(list))
            .invoke_async(&mut self.conn())
            .await?;
        head.parse().map_err(corrupt_mark)
    }

    /// Trims records older than the retention window, as of `now_ms` (unix ms; tests pass a fake clock).
    /// Returns how many records went.
    pub async fn trim_feed(&self, list: &str, now_ms: u64) -> Result<u64, StoreError> {
        let horizon = now_ms.saturating_sub(self.inner.retention.as_millis() as u64);
        if horizon == 0 {
            return Ok(0);
        }
        let removed: u64 = self
            .inner
            .scripts
            .trim_feed
            .key(self.keys().feed(list))
            .key(self.keys().trimmed(list))
            .key(self.keys().changes(list))
            .arg(StreamId { ms: horizon, seq: 0 }.to_string())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(removed)
    }

    /// Every live entry of a list, and the cursor to follow the feed from. The cursor is taken first, so a change
    /// that races the scan shows up in the feed after it (records carry whole states, so replaying is harmless).
    /// This holds the whole list in memory: for tests and small lists; serving platforms goes page by page
    /// ([`Store::snapshot_page`]).
    pub async fn snapshot(&self, list: &str) -> Result<(Vec<Entry>, String), StoreError> {
        self.list_number(list).await?;
        let head = self.feed_head(list).await?;
        let mut entries = Vec::new();
        let mut scan = 0;
        loop {
            let (next, page) = self.snapshot_page(list, scan, 1000).await?;
            entries.extend(page);
            if next == 0 {
                break;
            }
            scan = next;
        }
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        sort_unlinkably(&mut entries);
        Ok((entries, cursor::encode(list, head)))
    }

    /// The entries as platforms were last told of them (state and time of their newest feed record), keeping only
    /// live ones: an entry waiting for its publication batch is not in the snapshot yet, so that comparing
    /// snapshots taken a moment apart cannot group a case either. Entries from before publication batches (no
    /// published state, not waiting) are taken as they are.
    async fn as_published(&self, list: &str, entries: Vec<Entry>) -> Result<Vec<Entry>, StoreError> {
        let unpublished: Vec<EntryId> = entries.iter().filter(|e| e.published.is_none()).map(|e| e.id).collect();
        let waiting: std::collections::HashSet<EntryId> = if unpublished.is_empty() {
            Default::default()
        } else {
            let scores: Vec<Option<f64>> = redis::cmd("ZMSCORE")
                .arg(self.keys().outbox(list))
                .arg(&unpublished)
                .query_async(&mut self.conn())
                .await?;
            unpublished.iter().zip(scores).filter(|(_, s)| s.is_some()).map(|(id, _)| *id).collect()
        };
        Ok(entries
            .into_iter()
            .filter_map(|mut e| {
                match e.published {
                    Some((state, at)) => {
                        e.state = state;
                        e.updated_at = at;
                    }
                    None if waiting.contains(&e.id) => return None,
                    None => {}
                }
                e.state.is_live().then_some(e)
            })
            .collect())
    }

    /// One page of a snapshot: the live entries of the next steps of a scan over `list`'s live set, up to `count`
    /// entries and about the byte budget ([`RedisSettings::page_bytes`]) of hashes (start with scan cursor 0; the
    /// scan is done when it returns 0). An entry may come twice across pages (HSCAN semantics).
    pub async fn snapshot_page(
        &self,
        list: &str,
        scan_cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<Entry>), StoreError> {
        let (next, flat) = self.scan_live_raw(list, scan_cursor, count, false).await?;
        let ids = flat.iter().map(|id| id.parse().map_err(|_| corrupt_mark_live())).collect::<Result<Vec<_>, _>>()?;
        let entries = self.get_entries(list, &ids).await?;
        let mut entries = self.as_published(list, entries).await?;
        sort_unlinkably(&mut entries);
        Ok((next, entries))
    }

    /// The next steps of a scan over a list's live hashes (start with 0; the scan is done when it returns 0): up
    /// to `count` hashes and about the byte budget ([`RedisSettings::page_bytes`]), at least one step's. An entry
    /// may come twice (Redis HSCAN semantics).
    pub async fn scan_live(
        &self,
        list: &str,
        scan_cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<LiveHash>), StoreError> {
        let (next, flat) = self.scan_live_raw(list, scan_cursor, count, true).await?;
        Ok((next, codec::live_from_flat(flat)?))
    }

    /// [`Store::scan_live`]'s read: flat ids, or id and value pairs with `values`.
    async fn scan_live_raw(
        &self,
        list: &str,
        scan_cursor: u64,
        count: usize,
        values: bool,
    ) -> Result<(u64, Vec<String>), StoreError> {
        let (next, flat): (String, Vec<String>) = self
            .inner
            .scripts
            .scan_live
            .key(self.keys().live(list))
            .arg(scan_cursor)
            .arg(count.max(1))
            .arg(self.inner.page_bytes)
            .arg(RECORD_OVERHEAD_BYTES)
            .arg(if values { "1" } else { "0" })
            .invoke_async(&mut self.conn())
            .await?;
        Ok((next.parse().map_err(|_| corrupt_mark_live())?, flat))
    }

    /// A follower on its own connection, for blocking reads of the feed.
    pub async fn follower(&self, block: Duration) -> Result<FeedFollower, StoreError> {
        let timeout = block + self.inner.response_timeout;
        Ok(FeedFollower {
            conn: self.inner.client.connect(timeout).await?,
            keys: self.inner.keys.clone(),
            live_values: self.inner.scripts.live_values.clone(),
            page_bytes: self.inner.page_bytes,
            block,
        })
    }

    // ----- API keys -----

    /// Stores a new API key. [`StoreError::Conflict`] if the id is taken.
    pub async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.create_api_key_audited(key, None).await
    }

    /// [`Store::create_api_key`], with `audit`'s record written in the same step when the key is created.
    pub async fn create_api_key_audited(&self, key: &ApiKey, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        let json = serde_json::to_string(key).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut invocation = self.inner.scripts.create_api_key.prepare_invoke();
        invocation.key(self.keys().api_keys()).arg(&key.id).arg(json);
        let record = audit.map(|event| self.pending_audit(event, now_ms())).transpose()?;
        AuditRules::none().when("^1$", record).finish(&mut invocation, self.keys().global_audit_outbox());
        let created: i64 = invocation.invoke_async(&mut self.conn()).await?;
        if created == 1 { Ok(()) } else { Err(StoreError::Conflict("the API key id exists")) }
    }

    /// One API key (also a revoked one), or `None`.
    pub async fn get_api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let json: Option<String> = self.conn().hget(self.keys().api_keys(), id).await?;
        json.map(|j| codec::api_key_from_json(&j)).transpose()
    }

    /// Every API key, oldest first.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let all: HashMap<String, String> = self.conn().hgetall(self.keys().api_keys()).await?;
        let mut keys = all.values().map(|j| codec::api_key_from_json(j)).collect::<Result<Vec<_>, _>>()?;
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    /// Revokes an API key (idempotent: the first revocation time stays) and returns it.
    pub async fn revoke_api_key(&self, id: &str) -> Result<ApiKey, StoreError> {
        self.revoke_api_key_audited(id, None).await
    }

    /// [`Store::revoke_api_key`], with `audit`'s record written in the same step when the key is revoked now (a
    /// repeat changes nothing and records nothing).
    pub async fn revoke_api_key_audited(&self, id: &str, audit: Option<AuditEvent>) -> Result<ApiKey, StoreError> {
        for _ in 0..MAX_UPDATE_TRIES {
            let read: Option<String> = self.conn().hget(self.keys().api_keys(), id).await?;
            let read = read.ok_or(StoreError::NotFound { what: "api key" })?;
            let mut key = codec::api_key_from_json(&read)?;
            if key.revoked_at.is_some() {
                return Ok(key);
            }
            let now = now_ms();
            key.revoked_at = Some(now);
            let json = serde_json::to_string(&key).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut invocation = self.inner.scripts.replace_api_key.prepare_invoke();
            invocation.key(self.keys().api_keys()).arg(id).arg(&read).arg(json);
            let record = audit.clone().map(|event| self.pending_audit(event, now)).transpose()?;
            AuditRules::none().when("^1$", record).finish(&mut invocation, self.keys().global_audit_outbox());
            let replaced: i64 = invocation.invoke_async(&mut self.conn()).await?;
            if replaced == 1 {
                return Ok(key);
            }
        }
        Err(StoreError::Conflict("the API key keeps changing; retry"))
    }
}

/// When an entry's state change carries its audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditWhen {
    /// Only when the state changed (the server's own actions).
    Changed,
    /// Also when the entry already had the state (a person decided).
    Decided,
}

/// Orders entries by hash value, which says nothing about which case they came in: entry ids are sequential per
/// case, and a small live set scans in insertion order, so either order would put one case's hashes side by side.
fn sort_unlinkably(entries: &mut [Entry]) {
    entries.sort_unstable_by(|a, b| (a.kind.as_str(), &a.hash, a.id).cmp(&(b.kind.as_str(), &b.hash, b.id)));
}

fn corrupt_mark_live() -> StoreError {
    StoreError::Corrupt("malformed scan of the live set".into())
}

fn corrupt_mark(_: StoreError) -> StoreError {
    StoreError::Corrupt("malformed stream id in the feed".into())
}

/// Reads a list's change log with blocking reads, on a connection of its own (a blocking read holds its
/// connection).
pub struct FeedFollower {
    conn: Connection,
    keys: Keys,
    live_values: redis::Script,
    page_bytes: usize,
    block: Duration,
}

impl std::fmt::Debug for FeedFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedFollower").field("block", &self.block).finish_non_exhaustive()
    }
}

/// One change of a list for the match indexes: the entry, and its hash when it is live (else it left the list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The entry.
    pub entry_id: EntryId,
    /// Kind and hash text while live; `None` when it is not live (or no longer, by the time it was read).
    pub live: Option<(HashKind, String)>,
}

/// A batch of changes read by [`FeedFollower::next_changes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The changes in log order, each with its stream id.
    pub changes: Vec<(StreamId, Change)>,
    /// The batch stopped at its count or its byte budget, so more changes may follow at once.
    pub full: bool,
}

impl FeedFollower {
    /// Up to `count` changes of `list` after `after` (see [`Store::changes_head`]), waiting up to the block time
    /// for the first one. Empty when nothing came. The change log holds no hash: a live entry's hash is read
    /// from the live set, as it is now (a later change in the log brings it up to date again). The hashes read
    /// stay within the byte budget ([`RedisSettings::page_bytes`]): the batch ends before the change whose hash
    /// would pass it (never before the first), and the next call continues from there.
    pub async fn next_changes(&mut self, list: &str, after: StreamId, count: usize) -> Result<Changes, StoreError> {
        let reply: redis::Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(self.block.as_millis() as u64)
            .arg("STREAMS")
            .arg(self.keys.changes(list))
            .arg(after.to_string())
            .query_async(&mut self.conn)
            .await?;
        let mut changes = codec::changes_from_xread(reply)?;
        let mut full = changes.len() >= count;
        let live: Vec<EntryId> = changes.iter().filter(|(_, _, live)| *live).map(|(_, id, _)| *id).collect();
        let mut hashes: HashMap<EntryId, (HashKind, String)> = HashMap::new();
        let (mut read, mut bytes) = (0, 0);
        while read < live.len() {
            let chunk = &live[read..live.len().min(read + 1000)];
            let mut invocation = self.live_values.key(self.keys.live(list));
            invocation
                .arg(self.page_bytes.saturating_sub(bytes))
                .arg(RECORD_OVERHEAD_BYTES)
                .arg(if read == 0 { "1" } else { "0" })
                .arg(chunk);
            let values: Vec<Option<String>> = invocation.invoke_async(&mut self.conn).await?;
            for (id, value) in chunk.iter().zip(&values) {
                bytes += RECORD_OVERHEAD_BYTES + value.as_ref().map_or(0, String::len);
                if let Some(value) = value {
                    hashes.insert(*id, codec::live_value(value)?);
                }
            }
            read += values.len();
            if values.len() < chunk.len() {
                // The budget is spent: the batch ends before the live change whose hash was not read (the
                // `read`-th live one; an entry may change twice in a batch, so count, do not search by id).
                let mut live_seen = 0;
                let at = changes
                    .iter()
                    .position(|(_, _, l)| {
                        let stop = *l && live_seen == read;
                        live_seen += usize::from(*l);
                        stop
                    })
                    .unwrap_or(changes.len());
                changes.truncate(at);
                full = true;
                break;
            }
        }
        let changes = changes
            .into_iter()
            .map(|(at, entry_id, live)| {
                let live = if live { hashes.get(&entry_id).cloned() } else { None };
                (at, Change { entry_id, live })
            })
            .collect();
        Ok(Changes { changes, full })
    }
}
