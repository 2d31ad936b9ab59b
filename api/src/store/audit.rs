//! The audit log in Redis: a list of JSON lines (one [`ChainedEntry`] each) plus a head key holding the last
//! `seq:hash`, both under the store's key prefix and one hash tag so the pair stays on one cluster slot.
//!
//! Appends go through a Lua script that checks the head the caller chained from and pushes the entry and the
//! new head in one step: two processes appending at once can never fork the chain; the loser re-chains onto
//! the new head and retries. The head key also makes a removed tail detectable.
//!
//! **The outbox.** An action and its record must not be two writes that can come apart: an action script wrapped
//! by `audited_script` pushes its pending record onto an outbox list on the action's own slot (a list's, the
//! global one of API keys and lists, the notices': [`Outbox`]), in the same atomic step, and [`AuditLog::drain`]
//! moves outbox records into the chain (right after the action, and periodically from every process). Each pending
//! record carries a random id; the append script remembers chained ids for [`APPLIED_FOR_MS`], and a record leaves
//! its outbox only while it is still the first one, so several drainers at once, or one that dies between chaining
//! and popping, chain every record exactly once.

use std::collections::BTreeMap;
use std::io::Write;

use disrupt_hotline::audit::{
    AuditAction, AuditActor, AuditEntry, AuditEntryExt, AuditError, BreakReason, ChainBreak, ChainVerifier,
    ChainedEntry, Checkpoint,
};
use disrupt_hotline::time::now_ms;
use redis::aio::ConnectionLike;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// Entries read per round trip when verifying or exporting.
const PAGE: usize = 500;
/// Appends racing for the head give up after this many tries (each try loses only to a successful append).
const MAX_APPEND_TRIES: usize = 32;
/// How long the ids of chained outbox records are remembered: a drainer that chained a record and died before
/// popping it is followed by another well within this.
pub const APPLIED_FOR_MS: u64 = 7 * 24 * 3600 * 1000;
/// Outbox records one [`AuditLog::drain`] call moves at most (the next call continues).
const MAX_DRAINED_PER_CALL: usize = 1_000;

/// Checks that the head is still the one the caller chained from, then appends entry and new head. An outbox
/// record (`ARGV[5]` its id, `''` for a direct append) already chained is not chained again.
/// KEYS: log, head, applied ids (zset by time). ARGV: expected head, new head, line, genesis head, id, now ms.
/// Returns `{1, new_head}`, `{0, current_head}` when the head moved, `{2, head}` when the id was chained before.
const APPEND_SCRIPT: &str = r#"
if ARGV[5] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[5]) then
  return {2, ''}
end
local head = redis.call('GET', KEYS[2])
if not head then
  if redis.call('LLEN', KEYS[1]) > 0 then
    return redis.error_reply('audit head missing while the log is not empty')
  end
  head = ARGV[4]
end
if head ~= ARGV[1] then
  return {0, head}
end
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[6]) - tonumber(ARGV[7]))
end
return {1, ARGV[2]}
"#;

/// Pops the outbox's first record only if it is still the one the caller chained. KEYS: outbox. ARGV: record.
const POP_IF_FIRST: &str = r#"
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  return 1
end
return 0
"#;

/// Wraps an action script so that, in the same atomic step, it pushes a pending audit record onto an outbox.
/// The caller appends the outbox key to `KEYS`, and to `ARGV` pairs of (Lua pattern, record) then their count
/// ([`AuditRules`]); the wrapper takes them off before the body runs, so the body sees its own `KEYS` and
/// `ARGV`. The body's result, rendered as text (a table's elements joined by commas), picks the first rule
/// whose pattern it matches; that rule's records (none, one, or several one a line: a record's JSON holds no
/// raw newline) are pushed in order. So only an action that happened is recorded, and one that happened is
/// always recorded.
pub(crate) fn audited_script(body: &str) -> String {
    format!(
        r#"
local audit_outbox = table.remove(KEYS)
local audit_rules = {{}}
for i = tonumber(table.remove(ARGV)), 1, -1 do
  local record = table.remove(ARGV)
  audit_rules[i] = {{table.remove(ARGV), record}}
end
local function audited_action()
{body}
end
local result = audited_action()
local shape = type(result) == 'table' and table.concat(result, ',') or tostring(result)
for _, rule in ipairs(audit_rules) do
  if string.find(shape, rule[1]) then
    for record in string.gmatch(rule[2], '[^\n]+') do redis.call('RPUSH', audit_outbox, record) end
    break
  end
end
return result
"#
    )
}

/// The records an [`audited_script`] call may push: (pattern of the result, record) in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditRules(Vec<(&'static str, String)>);

impl AuditRules {
    /// No record whatever the result.
    pub fn none() -> Self {
        Self::default()
    }

    /// Pushes `record` (from [`AuditLog::pending`]; `None` pushes nothing) when the result matches `pattern`.
    pub fn when(self, pattern: &'static str, record: Option<String>) -> Self {
        self.when_all(pattern, record.into_iter().collect())
    }

    /// Pushes every one of `records` (from [`AuditLog::pending`]), in order, when the result matches `pattern`.
    pub fn when_all(mut self, pattern: &'static str, records: Vec<String>) -> Self {
        self.0.push((pattern, records.join("\n")));
        self
    }

    /// Adds the outbox key (last of `KEYS`) and the rules (last of `ARGV`) to a prepared invocation whose own
    /// keys and arguments are all in.
    pub fn finish(&self, invocation: &mut redis::ScriptInvocation<'_>, outbox: String) {
        invocation.key(outbox);
        for (pattern, record) in &self.0 {
            invocation.arg(*pattern).arg(record);
        }
        invocation.arg(self.0.len());
    }
}

/// An outbox record: the entry without its place in the chain (`seq` 0) and the id that makes chaining it
/// idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingRecord {
    id: String,
    entry: AuditEntry,
}

/// Errors of the Redis audit log.
#[derive(Debug, thiserror::Error)]
pub enum StoreAuditError {
    /// Redis failed or refused.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// The entry itself is not allowed.
    #[error(transparent)]
    Entry(#[from] AuditError),
    /// The chain does not verify.
    #[error(transparent)]
    Broken(#[from] ChainBreak),
    /// The head key is not `seq:hash`.
    #[error("audit head key is malformed")]
    CorruptHead,
    /// Too many concurrent appends won the race.
    #[error("audit append kept losing the race for the head")]
    Contention,
    /// Writing the export failed.
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    /// An outbox holds a record that is not one (it stays there, blocking those behind it, until fixed by hand).
    #[error("audit outbox {0} holds a malformed record")]
    CorruptOutbox(String),
}

/// What to record: an audit entry without its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who acted.
    pub actor: AuditActor,
    /// What they did.
    pub action: AuditAction,
    /// On what, as `kind:id`.
    pub target: String,
    /// Small extra facts; see [`AuditEntryExt::new`] for what is refused.
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// An event without details.
    pub fn new(actor: AuditActor, action: AuditAction, target: impl Into<String>) -> Self {
        Self { actor, action, target: target.into(), details: BTreeMap::new() }
    }

    /// Adds one detail.
    pub fn detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }
}

/// The audit log's keys under one prefix.
#[derive(Debug, Clone)]
pub struct AuditLog {
    log_key: String,
    head_key: String,
    applied_key: String,
}

impl AuditLog {
    /// The log under the store's key `prefix` (e.g. `disrupt:`).
    pub fn new(prefix: &str) -> Self {
        Self {
            log_key: format!("{prefix}{{audit}}:log"),
            head_key: format!("{prefix}{{audit}}:head"),
            applied_key: format!("{prefix}{{audit}}:applied"),
        }
    }

    /// The list key holding the entries (tests tamper with it to prove detection).
    pub fn log_key(&self) -> &str {
        &self.log_key
    }

    /// Appends `event` at the current time.
    pub async fn append<C: ConnectionLike + Send>(
        &self,
        conn: &mut C,
        event: AuditEvent,
    ) -> Result<ChainedEntry, StoreAuditError> {
        self.append_at(conn, event, now_ms()).await
    }

    /// Appends `event` with the given time (unix ms).
    pub async fn append_at<C: ConnectionLike + Send>(
        &self,
        conn: &mut C,
        event: AuditEvent,
        time: u64,
    ) -> Result<ChainedEntry, StoreAuditError> {
        let entry = AuditEntry::new(0, time, event.actor, event.action, event.target, event.details)?;
        self.chain(conn, entry, "").await?.ok_or(StoreAuditError::Contention)
    }

    /// A pending record of `event` at `time` for an outbox, checked now (a refused detail fails the action,
    /// not the drain). `id` must be unique (random).
    pub fn pending(&self, id: String, event: AuditEvent, time: u64) -> Result<String, StoreAuditError> {
        let entry = AuditEntry::new(0, time, event.actor, event.action, event.target, event.details)?;
        serde_json::to_string(&PendingRecord { id, entry }).map_err(|_| StoreAuditError::CorruptHead)
    }

    /// Moves the records waiting in `outbox` into the chain, oldest first; returns how many it moved. Safe to
    /// run from several processes at once and to interrupt anywhere.
    pub async fn drain<C: ConnectionLike + Send>(&self, conn: &mut C, outbox: &str) -> Result<usize, StoreAuditError> {
        let pop = redis::Script::new(POP_IF_FIRST);
        let mut moved = 0;
        while moved < MAX_DRAINED_PER_CALL {
            let first: Option<String> = redis::cmd("LINDEX").arg(outbox).arg(0).query_async(conn).await?;
            let Some(line) = first else {
                break;
            };
            let record: PendingRecord =
                serde_json::from_str(&line).map_err(|_| StoreAuditError::CorruptOutbox(outbox.to_owned()))?;
            self.chain(conn, record.entry, &record.id).await?;
            let _: i64 = pop.key(outbox).arg(&line).invoke_async(conn).await?;
            moved += 1;
        }
        Ok(moved)
    }

    /// Chains `entry` (its `seq` is set here) after the current head; `None` when `id` was chained before.
    async fn chain<C: ConnectionLike + Send>(
        &self,
        conn: &mut C,
        mut entry: AuditEntry,
        id: &str,
    ) -> Result<Option<ChainedEntry>, StoreAuditError> {
        let script = redis::Script::new(APPEND_SCRIPT);
        let mut head = self.head(conn).await?;
        for _ in 0..MAX_APPEND_TRIES {
            entry.seq = head.seq + 1;
            let chained = ChainedEntry::chain(&head, entry.clone());
            let line = serde_json::to_string(&chained).map_err(|_| StoreAuditError::CorruptHead)?;
            let (outcome, current): (i64, String) = script
                .key(&self.log_key)
                .key(&self.head_key)
                .key(&self.applied_key)
                .arg(format_head(&head))
                .arg(format_head(&chained.checkpoint()))
                .arg(line)
                .arg(format_head(&Checkpoint::GENESIS))
                .arg(id)
                .arg(now_ms())
                .arg(APPLIED_FOR_MS)
                .invoke_async(conn)
                .await?;
            match outcome {
                1 => return Ok(Some(chained)),
                2 => return Ok(None),
                _ => head = parse_head(&current)?,
            }
        }
        Err(StoreAuditError::Contention)
    }

    /// The head recorded beside the log ([`Checkpoint::GENESIS`] when nothing was ever appended).
    pub async fn head<C: ConnectionLike + Send>(&self, conn: &mut C) -> Result<Checkpoint, StoreAuditError> {
        let raw: Option<String> = redis::cmd("GET").arg(&self.head_key).query_async(conn).await?;
        raw.map_or(Ok(Checkpoint::GENESIS), |h| parse_head(&h))
    }

    /// Up to `limit` entries starting at `from_seq` (1-based), for admins reading the log.
    pub async fn read<C: ConnectionLike + Send>(
        &self,
        conn: &mut C,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<ChainedEntry>, StoreAuditError> {
        let lines = self.read_lines(conn, from_seq.saturating_sub(1), limit).await?;
        lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| {
                    let seq = from_seq.max(1) + i as u64;
                    StoreAuditError::Broken(ChainBreak { seq, reason: BreakReason::Malformed(e.to_string()) })
                })
            })
            .collect()
    }

    /// Writes the whole log as JSON lines, exactly as stored, and returns how many lines were written.
    pub async fn export_json_lines<C: ConnectionLike + Send, W: Write>(
        &self,
        conn: &mut C,
        out: &mut W,
    ) -> Result<u64, StoreAuditError> {
        let mut written = 0u64;
        loop {
            let lines = self.read_lines(conn, written, PAGE).await?;
            for line in &lines {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
            written += lines.len() as u64;
            if lines.len() < PAGE {
                return Ok(written);
            }
        }
    }

    /// Verifies the whole chain and that it ends at the recorded head. Returns the verified head.
    pub async fn verify<C: ConnectionLike + Send>(&self, conn: &mut C) -> Result<Checkpoint, StoreAuditError> {
        // Read the head first: entries appended meanwhile then lie beyond it, and the check stops there.
        let head = self.head(conn).await?;
        let mut verifier = ChainVerifier::new(Checkpoint::GENESIS);
        while verifier.head().seq < head.seq {
            let start = verifier.head().seq;
            let want = PAGE.min((head.seq - start) as usize);
            let lines = self.read_lines(conn, start, want).await?;
            if lines.is_empty() {
                break;
            }
            for line in &lines {
                let expected = verifier.head().seq + 1;
                let entry: ChainedEntry = serde_json::from_str(line)
                    .map_err(|e| ChainBreak { seq: expected, reason: BreakReason::Malformed(e.to_string()) })?;
                verifier.push(&entry)?;
            }
        }
        let len: u64 = redis::cmd("LLEN").arg(&self.log_key).query_async(conn).await?;
        if head.seq == 0 && len > 0 {
            // The head key was deleted: the log can no longer be anchored.
            return Err(ChainBreak { seq: 1, reason: BreakReason::HeadMismatch { expected: 0, found: len } }.into());
        }
        Ok(verifier.finish(Some(&head))?)
    }

    async fn read_lines<C: ConnectionLike + Send>(
        &self,
        conn: &mut C,
        start_index: u64,
        count: usize,
    ) -> Result<Vec<String>, StoreAuditError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let stop = start_index + count as u64 - 1;
        Ok(redis::cmd("LRANGE").arg(&self.log_key).arg(start_index).arg(stop).query_async(conn).await?)
    }
}

/// `disrupt-api verify-audit`: verifies the audit chain stored under `prefix`; the error names the first
/// broken sequence number.
pub async fn verify_audit<C: ConnectionLike + Send>(conn: &mut C, prefix: &str) -> Result<Checkpoint, StoreAuditError> {
    AuditLog::new(prefix).verify(conn).await
}

fn format_head(c: &Checkpoint) -> String {
    format!("{}:{}", c.seq, hex::encode(c.hash))
}

fn parse_head(s: &str) -> Result<Checkpoint, StoreAuditError> {
    let (seq, hash) = s.split_once(':').ok_or(StoreAuditError::CorruptHead)?;
    let seq = seq.parse().map_err(|_| StoreAuditError::CorruptHead)?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(hash, &mut out).map_err(|_| StoreAuditError::CorruptHead)?;
    Ok(Checkpoint { seq, hash: out })
}

/// Where an action's audit record waits for the chain: the outbox on the cluster slot of the action's own keys,
/// so that one script writes both (`audited_script`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbox<'a> {
    /// A list's: its cases, entries, URL reviews, case rejections, purges and deliveries of deletions.
    List(&'a str),
    /// The global slot's: API keys and lists.
    Global,
    /// The notices' slot's: takedown notices.
    Notices,
}

impl Store {
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
    pub async fn audit_head(&self) -> Result<Checkpoint, StoreAuditError> {
        self.audit_log().head(&mut self.conn()).await
    }

    /// Verifies the whole audit chain.
    pub async fn verify_audit(&self) -> Result<Checkpoint, StoreAuditError> {
        self.audit_log().verify(&mut self.conn()).await
    }

    /// The whole audit log as JSON lines.
    pub async fn export_audit(&self) -> Result<Vec<u8>, StoreAuditError> {
        let mut out = Vec::new();
        self.audit_log().export_json_lines(&mut self.conn(), &mut out).await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use super::*;
    use disrupt_hotline::audit::ActorRole;

    /// A private redis-server on a unix socket in a temp dir, killed on drop.
    struct TestRedis {
        child: Child,
        url: String,
        _dir: tempfile::TempDir,
    }

    impl TestRedis {
        fn start() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let sock = dir.path().join("redis.sock");
            let child = Command::new("redis-server")
                .args(["--port", "0", "--save", "", "--appendonly", "no", "--unixsocket"])
                .arg(&sock)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server must be installed for these tests");
            for _ in 0..200 {
                if sock.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Self { child, url: format!("unix://{}", sock.display()), _dir: dir }
        }

        async fn conn(&self) -> redis::aio::MultiplexedConnection {
            let client = redis::Client::open(self.url.as_str()).expect("client");
            client.get_multiplexed_async_connection().await.expect("connect")
        }
    }

    impl Drop for TestRedis {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn event(i: u32) -> AuditEvent {
        AuditEvent::new(AuditActor::key("k_an", ActorRole::Analyst), AuditAction::EntryVerified, format!("entry:{i}"))
            .detail("list", "ncii")
    }

    #[tokio::test]
    async fn appended_entries_chain_and_verify() {
        let redis = TestRedis::start();
        let mut conn = redis.conn().await;
        let log = AuditLog::new("t1:");
        assert_eq!(log.verify(&mut conn).await.expect("empty verifies"), Checkpoint::GENESIS);
        for i in 0..7 {
            let e = log.append(&mut conn, event(i)).await.expect("append");
            assert_eq!(e.entry.seq, u64::from(i) + 1);
        }
        let head = log.verify(&mut conn).await.expect("intact");
        assert_eq!(head.seq, 7);
        let page = log.read(&mut conn, 3, 2).await.expect("read");
        assert_eq!(page.iter().map(|e| e.entry.seq).collect::<Vec<_>>(), vec![3, 4]);

        let mut out = Vec::new();
        assert_eq!(log.export_json_lines(&mut conn, &mut out).await.expect("export"), 7);
        assert_eq!(
            disrupt_hotline::audit::verify_json_lines(out.as_slice(), Some(&head)).expect("export verifies"),
            head
        );
    }

    #[tokio::test]
    async fn concurrent_appenders_never_fork_the_chain() {
        let redis = TestRedis::start();
        let log = AuditLog::new("t2:");
        let mut tasks = Vec::new();
        for w in 0..4 {
            let mut conn = redis.conn().await;
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    log.append(&mut conn, event(w * 100 + i)).await.expect("append");
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let mut conn = redis.conn().await;
        assert_eq!(log.verify(&mut conn).await.expect("one chain").seq, 100);
    }

    #[tokio::test]
    async fn tampering_with_one_stored_entry_is_detected() {
        let redis = TestRedis::start();
        let mut conn = redis.conn().await;
        let log = AuditLog::new("t3:");
        for i in 0..5 {
            log.append(&mut conn, event(i)).await.expect("append");
        }
        let line: String = redis::cmd("LINDEX").arg(log.log_key()).arg(2).query_async(&mut conn).await.expect("get");
        let forged = line.replace("entry_verified", "entry_rejected");
        let _: () = redis::cmd("LSET").arg(log.log_key()).arg(2).arg(forged).query_async(&mut conn).await.expect("set");
        let err = verify_audit(&mut conn, "t3:").await.expect_err("tampered");
        match err {
            StoreAuditError::Broken(b) => assert_eq!(b, ChainBreak { seq: 3, reason: BreakReason::HashMismatch }),
            other => panic!("unexpected {other}"),
        }
    }

    #[tokio::test]
    async fn removing_the_last_entry_is_detected_through_the_head() {
        let redis = TestRedis::start();
        let mut conn = redis.conn().await;
        let log = AuditLog::new("t4:");
        for i in 0..3 {
            log.append(&mut conn, event(i)).await.expect("append");
        }
        let _: Option<String> = redis::cmd("RPOP").arg(log.log_key()).query_async(&mut conn).await.expect("pop");
        let err = log.verify(&mut conn).await.expect_err("truncated");
        assert!(matches!(err, StoreAuditError::Broken(ChainBreak { reason: BreakReason::HeadMismatch { .. }, .. })));
    }

    #[tokio::test]
    async fn details_with_hash_values_are_never_stored() {
        let redis = TestRedis::start();
        let mut conn = redis.conn().await;
        let log = AuditLog::new("t5:");
        let err = log.append(&mut conn, event(1).detail("md5", "x")).await.expect_err("refused");
        assert!(matches!(err, StoreAuditError::Entry(_)));
        assert_eq!(log.head(&mut conn).await.expect("head"), Checkpoint::GENESIS);
    }
}
