//! The hotline's keys: review queues, statistics counters, match counts, pending case rejections, URL reviews,
//! withdrawals by feed position (erasure receipts), takedown notices and the audit log.

use std::collections::{BTreeMap, HashMap};

use disrupt_hotline::audit::ChainedEntry;
use disrupt_hotline::time::now_ms;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditLog, AuditRules, StoreAuditError, audited_script};
use super::{EntryId, EntryState, Store, StoreError, StreamId, keys};

/// Counts a batch of matches: KEYS: stats, then per entry: entry key, match tally key. ARGV: month, platform key
/// id, day. Entries that no longer exist are skipped (a `HINCRBY` would create a partial entry).
const COUNT_MATCHES: &str = r#"
local n = 0
for i = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HINCRBY', KEYS[i], 'matches', 1)
    if redis.call('HSETNX', KEYS[i + 1], 'p:' .. ARGV[2], 1) == 1 then
      redis.call('HINCRBY', KEYS[i], 'match_platforms', 1)
    end
    if redis.call('HSETNX', KEYS[i + 1], 'd:' .. ARGV[3], 1) == 1 then
      redis.call('HINCRBY', KEYS[i], 'match_days', 1)
    end
    n = n + 1
  end
end
if n > 0 then redis.call('HINCRBY', KEYS[1], 'm:' .. ARGV[1], n) end
return n
"#;

/// Replaces a notice if its version is still the one read, and adds a sent notice to its hosts' indexes in the
/// same step: KEYS: notice, host indexes... ARGV: expected version, JSON, id, creation ms.
/// Returns 1, or 0 when another writer came first.
const UPDATE_NOTICE: &str = r#"
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'v', tonumber(ARGV[1]) + 1)
for i = 2, #KEYS do redis.call('ZADD', KEYS[i], ARGV[4], ARGV[3]) end
return 1
"#;

/// Where an action's audit record waits for the chain: the outbox on the cluster slot of the action's own keys,
/// so that one script writes both ([`super::audit::audited_script`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbox<'a> {
    /// A list's: its cases, entries, URL reviews, case rejections, purges and deliveries of deletions.
    List(&'a str),
    /// The global slot's: API keys and lists.
    Global,
    /// The notices' slot's: takedown notices.
    Notices,
}

/// KEYS: a case's pending rejection. ARGV: its JSON, time to live (ms). Returns 1 when set, 0 when one waits.
const REQUEST_CASE_REJECTION: &str = r#"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"#;

/// KEYS: a case's pending rejection. Returns 1 (whether one was waiting or not: the rejection is done).
const CLEAR_CASE_REJECTION: &str = r#"
redis.call('DEL', KEYS[1])
return 1
"#;

/// KEYS: case. ARGV: the URL reviews' JSON. Returns 1 when stored, 0 when the case is gone (a `HSET` would
/// create a partial case).
const SET_URL_REVIEWS: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'url_reviews', ARGV[1])
return 1
"#;

/// Stores a new notice with its indexes: KEYS: notice, all notices, the list's notices, the case's notices.
/// ARGV: JSON, list, case id, host, id, creation ms. Returns 1, or 0 when the id is taken.
const CREATE_NOTICE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'v', 1, 'list', ARGV[2], 'case', ARGV[3], 'host', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
redis.call('SADD', KEYS[4], ARGV[5])
return 1
"#;

/// Statistics counters summed over every list: `e:<kind>:<state>`, `c:<month>:<category>`, `m:<month>`.
pub type StatCounters = BTreeMap<String, u64>;

/// A stored notice: its JSON (owned by the service) and its version, for compare-and-set updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    /// The notice as JSON.
    pub json: String,
    /// Bumped by every update.
    pub version: u64,
}

impl Store {
    fn queue_key(&self, list: &str, state: EntryState) -> Result<String, StoreError> {
        match state {
            EntryState::Pending => Ok(self.keys().review_pending(list)),
            EntryState::Quarantined => Ok(self.keys().review_quarantined(list)),
            _ => Err(StoreError::Invalid("only pending and quarantined entries wait for review".into())),
        }
    }

    /// How many entries of `list` wait in `state` (pending or quarantined), and the ids of the oldest `limit`.
    pub async fn review_queue(
        &self,
        list: &str,
        state: EntryState,
        limit: usize,
    ) -> Result<(u64, Vec<EntryId>), StoreError> {
        self.require_list(list).await?;
        let key = self.queue_key(list, state)?;
        let (total, ids): (u64, Vec<EntryId>) =
            redis::pipe().zcard(&key).zrange(&key, 0, limit.max(1) as isize - 1).query_async(&mut self.conn()).await?;
        Ok((total, ids))
    }

    /// Entries by id, from any list, in the given order; missing ones are left out.
    pub async fn entries_by_id(&self, ids: &[EntryId]) -> Result<Vec<super::Entry>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        // Consecutive ids of one list are fetched together (one pipeline per run).
        let mut start = 0;
        while start < ids.len() {
            let list_no = keys::list_no_of_entry(ids[start]);
            let end = ids[start..]
                .iter()
                .position(|id| keys::list_no_of_entry(*id) != list_no)
                .map_or(ids.len(), |p| start + p);
            if let Some(list) = self.list_name(list_no).await? {
                out.extend(self.get_entries(&list, &ids[start..end]).await?);
            }
            start = end;
        }
        Ok(out)
    }

    /// Counts one match by `platform` (its key id) for each entry of `list` in `ids` and for the month's total,
    /// and notes the platform and the day (days since 1970, UTC) in each entry's match tally, so that the entry's
    /// `match_platforms` and `match_days` count distinct platforms and days, whatever the number of requests.
    pub async fn count_matches(
        &self,
        list: &str,
        ids: &[EntryId],
        month: &str,
        platform: &str,
        day: u64,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let script = redis::Script::new(COUNT_MATCHES);
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().stats(list));
        for id in ids {
            invocation.key(self.keys().entry(list, *id)).key(self.keys().match_tally(list, *id));
        }
        let _: i64 = invocation.arg(month).arg(platform).arg(day).invoke_async(&mut self.conn()).await?;
        Ok(())
    }

    /// Every list's statistics counters, summed.
    pub async fn stat_counters(&self) -> Result<StatCounters, StoreError> {
        let mut total = StatCounters::new();
        for list in self.list_names().await? {
            let counters: HashMap<String, i64> = self.conn().hgetall(self.keys().stats(&list)).await?;
            for (name, value) in counters {
                *total.entry(name).or_insert(0) += value.max(0) as u64;
            }
        }
        Ok(total)
    }

    /// The JSON of a case rejection waiting for a second analyst.
    pub async fn pending_case_rejection(&self, list: &str, case_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn().get(self.keys().case_rejection(list, case_id)).await?)
    }

    /// Records a first analyst's case rejection for `ttl_ms`, unless one is already waiting (then `false`), with
    /// `audit`'s record written in the same step when it is recorded.
    pub async fn request_case_rejection(
        &self,
        list: &str,
        case_id: &str,
        json: &str,
        ttl_ms: u64,
        audit: AuditEvent,
    ) -> Result<bool, StoreError> {
        let script = redis::Script::new(&audited_script(REQUEST_CASE_REJECTION));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().case_rejection(list, case_id)).arg(json).arg(ttl_ms);
        let record = self.pending_audit(audit, now_ms())?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, self.keys().audit_outbox(list));
        let set: i64 = invocation.invoke_async(&mut self.conn()).await?;
        Ok(set == 1)
    }

    /// Drops a waiting case rejection (once confirmed; there may be none), with `audit`'s record (the rejection's
    /// summary) written in the same step.
    pub async fn clear_case_rejection(&self, list: &str, case_id: &str, audit: AuditEvent) -> Result<(), StoreError> {
        let script = redis::Script::new(&audited_script(CLEAR_CASE_REJECTION));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().case_rejection(list, case_id));
        let record = self.pending_audit(audit, now_ms())?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, self.keys().audit_outbox(list));
        let _: i64 = invocation.invoke_async(&mut self.conn()).await?;
        Ok(())
    }

    /// The analysts' decisions on a case's URLs (JSON array, one per URL), if any was made.
    pub async fn url_reviews(&self, list: &str, case_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn().hget(self.keys().case(list, case_id), "url_reviews").await?)
    }

    /// Stores the decisions on a case's URLs, with `audit`'s record written in the same step.
    /// [`StoreError::NotFound`] when the case is gone.
    pub async fn set_url_reviews(
        &self,
        list: &str,
        case_id: &str,
        json: &str,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let script = redis::Script::new(&audited_script(SET_URL_REVIEWS));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().case(list, case_id)).arg(json);
        let record = self.pending_audit(audit, now_ms())?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, self.keys().audit_outbox(list));
        let set: i64 = invocation.invoke_async(&mut self.conn()).await?;
        if set == 1 { Ok(()) } else { Err(StoreError::NotFound { what: "case" }) }
    }

    /// Cases of `list` whose last tombstone lies in the millisecond range of `(after, upto]` (a superset: the
    /// caller checks exact positions).
    pub async fn withdrawals_between(
        &self,
        list: &str,
        after: StreamId,
        upto: StreamId,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self.conn().zrangebyscore(self.keys().withdrawals(list), after.ms, upto.ms).await?)
    }

    /// Stores a new notice (a draft: only the hotline's indexes hold it until it is sent), with `audit`'s record
    /// written in the same step.
    pub async fn create_notice(
        &self,
        notice: super::notices::NoticeKeys<'_>,
        json: &str,
        audit: Option<AuditEvent>,
    ) -> Result<(), StoreError> {
        let keys = self.keys();
        let script = redis::Script::new(&audited_script(CREATE_NOTICE));
        let mut invocation = script.prepare_invoke();
        invocation
            .key(keys.notice(notice.id))
            .key(keys.notices())
            .key(keys.notices_of_list(notice.list))
            .key(keys.notices_of_case(notice.case_id))
            .arg(json)
            .arg(notice.list)
            .arg(notice.case_id)
            .arg(notice.host)
            .arg(notice.id)
            .arg(notice.created_at);
        let record = audit.map(|event| self.pending_audit(event, notice.created_at)).transpose()?;
        AuditRules::none().when("^1$", record).finish(&mut invocation, keys.notices_audit_outbox());
        let created: i64 = invocation.invoke_async(&mut self.conn()).await?;
        if created == 1 { Ok(()) } else { Err(StoreError::Conflict("the notice id exists")) }
    }

    /// One notice, or `None`.
    pub async fn get_notice(&self, id: &str) -> Result<Option<NoticeRecord>, StoreError> {
        let (json, version): (Option<String>, Option<u64>) =
            redis::cmd("HMGET").arg(self.keys().notice(id)).arg("json").arg("v").query_async(&mut self.conn()).await?;
        Ok(json.map(|json| NoticeRecord { json, version: version.unwrap_or(1) }))
    }

    /// Replaces a notice if nobody changed it since `version` was read; `false` when someone did. `sent` (its
    /// host and creation ms) puts it in the indexes of the platforms serving the host, and `audit`'s record goes
    /// to the notices' outbox, in the same step.
    pub async fn update_notice(
        &self,
        id: &str,
        version: u64,
        json: &str,
        sent: Option<(&str, u64)>,
        audit: Option<AuditEvent>,
    ) -> Result<bool, StoreError> {
        let script = redis::Script::new(&audited_script(UPDATE_NOTICE));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().notice(id));
        let mut created_at = 0;
        if let Some((host, at)) = sent {
            for key in self.sent_notice_index_keys(host) {
                invocation.key(key);
            }
            created_at = at;
        }
        invocation.arg(version).arg(json).arg(id).arg(created_at);
        let record = audit.map(|event| self.pending_audit(event, now_ms())).transpose()?;
        AuditRules::none().when("^1$", record).finish(&mut invocation, self.keys().notices_audit_outbox());
        let updated: i64 = invocation.invoke_async(&mut self.conn()).await?;
        Ok(updated == 1)
    }

    /// Every notice, newest first: for the server's own periodic work (reminders, statistics, indexing older
    /// notices), never for a request's page.
    pub async fn list_notices(&self) -> Result<Vec<NoticeRecord>, StoreError> {
        let ids: Vec<String> = self.conn().zrevrange(self.keys().notices(), 0, -1).await?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut pipe = redis::pipe();
            for id in chunk {
                pipe.cmd("HMGET").arg(self.keys().notice(id)).arg("json").arg("v");
            }
            let rows: Vec<(Option<String>, Option<u64>)> = pipe.query_async(&mut self.conn()).await?;
            out.extend(
                rows.into_iter().filter_map(|(json, v)| Some(NoticeRecord { json: json?, version: v.unwrap_or(1) })),
            );
        }
        Ok(out)
    }

    /// The audit log under this store's prefix.
    pub fn audit_log(&self) -> AuditLog {
        AuditLog::new(self.keys().prefix())
    }

    /// Appends one event to the audit log.
    pub async fn audit(&self, event: AuditEvent) -> Result<ChainedEntry, StoreAuditError> {
        self.audit_log().append(&mut self.conn(), event).await
    }

    /// A pending audit record of `event` at `time` for an outbox, with a fresh random id.
    pub(crate) fn pending_audit(&self, event: AuditEvent, time: u64) -> Result<String, StoreError> {
        let mut id = [0u8; 16];
        ring::rand::SecureRandom::fill(&self.inner.rng, &mut id).map_err(|_| StoreError::Rng)?;
        self.audit_log().pending(hex::encode(id), event, time).map_err(|e| StoreError::Invalid(e.to_string()))
    }

    /// The key of `outbox`.
    pub(crate) fn outbox_key(&self, outbox: Outbox<'_>) -> String {
        match outbox {
            Outbox::List(list) => self.keys().audit_outbox(list),
            Outbox::Global => self.keys().global_audit_outbox(),
            Outbox::Notices => self.keys().notices_audit_outbox(),
        }
    }

    /// Moves the audit records waiting in `outbox` into the chain; returns how many.
    pub async fn drain_audit(&self, outbox: Outbox<'_>) -> Result<usize, StoreAuditError> {
        self.audit_log().drain(&mut self.conn(), &self.outbox_key(outbox)).await
    }

    /// Drains every outbox (the global one, the notices' and each list's); returns how many records moved.
    pub async fn drain_all_audit(&self) -> Result<usize, StoreAuditError> {
        let mut moved = self.drain_audit(Outbox::Global).await? + self.drain_audit(Outbox::Notices).await?;
        let lists = self.list_names().await.map_err(|e| match e {
            StoreError::Unavailable(e) | StoreError::Redis(e) => StoreAuditError::Redis(e),
            other => StoreAuditError::CorruptOutbox(other.to_string()),
        })?;
        for list in lists {
            moved += self.drain_audit(Outbox::List(&list)).await?;
        }
        Ok(moved)
    }

    /// Up to `limit` audit records from sequence number `from`.
    pub async fn read_audit(&self, from: u64, limit: usize) -> Result<Vec<ChainedEntry>, StoreAuditError> {
        self.audit_log().read(&mut self.conn(), from, limit).await
    }

    /// The audit log's head.
    pub async fn audit_head(&self) -> Result<disrupt_hotline::audit::Checkpoint, StoreAuditError> {
        self.audit_log().head(&mut self.conn()).await
    }

    /// Verifies the whole audit chain.
    pub async fn verify_audit(&self) -> Result<disrupt_hotline::audit::Checkpoint, StoreAuditError> {
        self.audit_log().verify(&mut self.conn()).await
    }

    /// The whole audit log as JSON lines.
    pub async fn export_audit(&self) -> Result<Vec<u8>, StoreAuditError> {
        let mut out = Vec::new();
        self.audit_log().export_json_lines(&mut self.conn(), &mut out).await?;
        Ok(out)
    }
}
