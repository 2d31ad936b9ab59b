//! Takedown notices: the stored notices (updated by compare-and-set on a version), their indexes (pages of what
//! each caller may see), and notices leaving with their case.
//!
//! A caller reads pages of the indexes that hold exactly what it may see: admins every notice, analysts their
//! lists' notices, platforms the sent notices of the hosts they serve. A sent notice is indexed under every
//! dot-suffix of its host (`cdn.example.com`, `example.com`, `com`), so a platform serving `example.com` finds
//! its subdomains' notices under that one key, as `disrupt_hotline::notices::serves` decides. A page costs its size,
//! however many notices exist; drafts never reach a platform's index.

use data_encoding::BASE64URL_NOPAD;
use disrupt_hotline::notices::StoredNotice;
use disrupt_hotline::time::now_ms;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules, audited_script};
use super::mail::MailChange;
use super::{Store, StoreError, codec};

/// Where a caller's notices are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeIndex<'a> {
    /// Every notice (admins).
    All,
    /// One list's notices (analysts).
    List(&'a str),
    /// Sent notices for a host or its subdomains (platforms); the host as the key names it.
    Host(&'a str),
}

/// A place in the notice order, newest first: creation time, then id, both descending. The wire form of a
/// notice page's cursor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NoticePosition {
    /// Creation time, unix ms.
    pub created_at: u64,
    /// Notice id.
    pub id: String,
}

impl NoticePosition {
    /// Opaque text: base64url of `<ms>:<id>`.
    pub fn encode(&self) -> String {
        BASE64URL_NOPAD.encode(format!("{}:{}", self.created_at, self.id).as_bytes())
    }

    /// Parses [`NoticePosition::encode`]'s text strictly; anything else is [`StoreError::InvalidCursor`].
    pub fn decode(text: &str) -> Result<Self, StoreError> {
        let bytes = BASE64URL_NOPAD.decode(text.as_bytes()).map_err(|_| StoreError::InvalidCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
        let (ms, id) = text.split_once(':').ok_or(StoreError::InvalidCursor)?;
        let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        let well_formed_id = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        if !digits(ms) || (ms.len() > 1 && ms.starts_with('0')) || id.is_empty() || !well_formed_id {
            return Err(StoreError::InvalidCursor);
        }
        Ok(Self { created_at: ms.parse().map_err(|_| StoreError::InvalidCursor)?, id: id.to_owned() })
    }
}

/// What a notice is indexed by.
#[derive(Debug, Clone, Copy)]
pub struct NoticeKeys<'a> {
    /// Notice id.
    pub id: &'a str,
    /// Creation time, unix ms (the order of every index).
    pub created_at: u64,
    /// The list of its case.
    pub list: &'a str,
    /// Its case.
    pub case_id: &'a str,
    /// The host it is for (lower case, as parsed from the URL).
    pub host: &'a str,
}

/// Every dot-suffix of `host`, itself first: the platform hosts that serve it.
pub fn host_suffixes(host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(host).chain(host.match_indices('.').map(move |(i, _)| &host[i + 1..])).filter(|s| !s.is_empty())
}

/// One index's next rows after a position: KEYS: index. ARGV: highest score (`+inf` from the start), id at
/// that position (empty from the start), rows wanted. Returns `member, score, ...` newest first, including the
/// rows at the position's own millisecond (the caller drops those not after it): `ZCOUNT` of that millisecond is
/// added to the count so that none of the wanted rows is cut off.
const NEXT_ROWS: &str = r#"
local extra = 0
if ARGV[2] ~= '' then extra = redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[1]) end
return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]) + extra)
"#;

/// Deletes one notice and takes it out of its indexes: KEYS: notice, case set, indexes... ARGV: id.
const PURGE_NOTICE: &str = r#"
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
"#;

/// Replaces a notice if its version is still the one read, adds a sent notice to its hosts' indexes and changes
/// the e-mail outbox in the same step: KEYS: notice, mail queue, mail messages, host indexes... ARGV: expected
/// version, JSON, id, creation ms, mail change (`''`, `queue` or `done`), mail id, mail JSON, due ms.
/// Returns 1, or 0 when another writer came first.
const UPDATE_NOTICE: &str = r#"
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'v', tonumber(ARGV[1]) + 1)
if ARGV[5] == 'queue' then
  redis.call('ZADD', KEYS[2], ARGV[8], ARGV[6])
  redis.call('HSET', KEYS[3], ARGV[6], ARGV[7])
elseif ARGV[5] == 'done' then
  redis.call('ZREM', KEYS[2], ARGV[6])
  redis.call('HDEL', KEYS[3], ARGV[6])
end
for i = 4, #KEYS do redis.call('ZADD', KEYS[i], ARGV[4], ARGV[3]) end
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

/// A stored notice and its version, for compare-and-set updates.
#[derive(Debug, Clone)]
pub struct NoticeRecord {
    /// The notice (kept as JSON in its hash's `json` field).
    pub notice: StoredNotice,
    /// Bumped by every update (field `v`; notices from before versions count as 1).
    pub version: u64,
}

impl NoticeRecord {
    /// The record of a notice hash's `json` and `v` fields; `None` when there is no notice.
    fn from_fields(json: Option<String>, version: Option<u64>) -> Result<Option<Self>, StoreError> {
        json.map(|json| Ok(Self { notice: codec::from_json(&json, "notice")?, version: version.unwrap_or(1) }))
            .transpose()
    }
}

impl Store {
    /// Stores a new notice (a draft: only the hotline's indexes hold it until it is sent), with `audit`'s record
    /// written in the same step.
    pub async fn create_notice(
        &self,
        notice: NoticeKeys<'_>,
        stored: &StoredNotice,
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
            .arg(codec::to_json(stored)?)
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
        NoticeRecord::from_fields(json, version)
    }

    /// Replaces a notice if nobody changed it since `version` was read; `false` when someone did. `sent` (its
    /// host and creation ms) puts it in the indexes of the platforms serving the host, `mail` queues or retires
    /// an e-mail, and `audit`'s record goes to the notices' outbox, in the same step.
    pub async fn update_notice(
        &self,
        id: &str,
        version: u64,
        notice: &StoredNotice,
        sent: Option<(&str, u64)>,
        mail: Option<&MailChange>,
        audit: Option<AuditEvent>,
    ) -> Result<bool, StoreError> {
        let script = redis::Script::new(&audited_script(UPDATE_NOTICE));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().notice(id)).key(self.keys().mail_queue()).key(self.keys().mail_messages());
        let mut created_at = 0;
        if let Some((host, at)) = sent {
            for key in self.sent_notice_index_keys(host) {
                invocation.key(key);
            }
            created_at = at;
        }
        invocation.arg(version).arg(codec::to_json(notice)?).arg(id).arg(created_at);
        match mail {
            None => invocation.arg("").arg("").arg("").arg(0),
            Some(MailChange::Queue { message, due }) => {
                invocation.arg("queue").arg(&message.id).arg(codec::to_json(message)?).arg(*due)
            }
            Some(MailChange::Done { id }) => invocation.arg("done").arg(id).arg("").arg(0),
        };
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
            for (json, version) in rows {
                out.extend(NoticeRecord::from_fields(json, version)?);
            }
        }
        Ok(out)
    }

    fn notice_index_key(&self, index: NoticeIndex<'_>) -> String {
        let keys = self.keys();
        match index {
            NoticeIndex::All => keys.notices(),
            NoticeIndex::List(list) => keys.notices_of_list(list),
            NoticeIndex::Host(host) => keys.notices_of_host(host),
        }
    }

    /// The host indexes a sent notice for `host` belongs to.
    pub(crate) fn sent_notice_index_keys(&self, host: &str) -> Vec<String> {
        host_suffixes(host).map(|suffix| self.keys().notices_of_host(suffix)).collect()
    }

    /// The next `limit` notices of `indexes` after `after` (from the newest when `None`), newest first, each once
    /// even when several indexes hold it. A notice removed meanwhile comes with `None`: its position still
    /// counts, so that the caller's cursor moves past it. Fewer than `limit` rows means the end.
    pub async fn notice_page(
        &self,
        indexes: &[NoticeIndex<'_>],
        after: Option<&NoticePosition>,
        limit: usize,
    ) -> Result<Vec<(NoticePosition, Option<NoticeRecord>)>, StoreError> {
        let script = redis::Script::new(NEXT_ROWS);
        let (max, after_id) = match after {
            Some(p) => (p.created_at.to_string(), p.id.as_str()),
            None => ("+inf".to_owned(), ""),
        };
        let mut positions: Vec<NoticePosition> = Vec::new();
        for index in indexes {
            let rows: Vec<(String, u64)> = script
                .key(self.notice_index_key(*index))
                .arg(&max)
                .arg(after_id)
                .arg(limit)
                .invoke_async(&mut self.conn())
                .await?;
            positions.extend(
                rows.into_iter()
                    .map(|(id, created_at)| NoticePosition { created_at, id })
                    .filter(|p| after.is_none_or(|a| p < a)),
            );
        }
        positions.sort_unstable();
        positions.reverse();
        positions.dedup();
        positions.truncate(limit);
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for p in &positions {
            pipe.cmd("HMGET").arg(self.keys().notice(&p.id)).arg("json").arg("v");
        }
        let rows: Vec<(Option<String>, Option<u64>)> = pipe.query_async(&mut self.conn()).await?;
        positions
            .into_iter()
            .zip(rows)
            .map(|(p, (json, version))| Ok((p, NoticeRecord::from_fields(json, version)?)))
            .collect()
    }

    /// Adds a notice made before the indexes existed to them (idempotent).
    pub async fn index_notice(&self, notice: NoticeKeys<'_>, sent: bool) -> Result<(), StoreError> {
        let keys = self.keys();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .hset_multiple(
                keys.notice(notice.id),
                &[("list", notice.list), ("case", notice.case_id), ("host", notice.host)],
            )
            .ignore()
            .zadd(keys.notices_of_list(notice.list), notice.id, notice.created_at)
            .ignore()
            .sadd(keys.notices_of_case(notice.case_id), notice.id)
            .ignore();
        if sent {
            for key in self.sent_notice_index_keys(notice.host) {
                pipe.zadd(key, notice.id, notice.created_at).ignore();
            }
        }
        let _: () = pipe.query_async(&mut self.conn()).await?;
        Ok(())
    }

    /// Whether every notice is in the indexes (set once by [`Store::set_notices_indexed`]).
    pub async fn notices_indexed(&self) -> Result<bool, StoreError> {
        Ok(self.conn().exists(self.keys().notices_indexed()).await?)
    }

    /// Records that every notice is in the indexes.
    pub async fn set_notices_indexed(&self) -> Result<(), StoreError> {
        let _: () = self.conn().set(self.keys().notices_indexed(), 1).await?;
        Ok(())
    }

    /// The ids of a case's notices.
    pub async fn case_notice_ids(&self, case_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.conn().smembers(self.keys().notices_of_case(case_id)).await?)
    }

    /// Deletes one notice with its index entries. Returns false when it did not exist.
    pub async fn delete_notice(&self, id: &str) -> Result<bool, StoreError> {
        let keys = self.keys();
        let (list, case_id, host): (Option<String>, Option<String>, Option<String>) = redis::cmd("HMGET")
            .arg(keys.notice(id))
            .arg("list")
            .arg("case")
            .arg("host")
            .query_async(&mut self.conn())
            .await?;
        let (Some(list), Some(case_id), Some(host)) = (list, case_id, host) else {
            return Ok(false);
        };
        let script = redis::Script::new(PURGE_NOTICE);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(keys.notice(id))
            .key(keys.notices_of_case(&case_id))
            .key(keys.notices())
            .key(keys.notices_of_list(&list));
        for key in self.sent_notice_index_keys(&host) {
            invocation.key(key);
        }
        let _: i64 = invocation.arg(id).invoke_async(&mut self.conn()).await?;
        Ok(true)
    }

    /// Deletes every notice of a case (its retention has passed). Returns how many went.
    pub async fn purge_case_notices(&self, case_id: &str) -> Result<u64, StoreError> {
        let mut purged = 0;
        for id in self.case_notice_ids(case_id).await? {
            purged += u64::from(self.delete_notice(&id).await?);
        }
        let _: i64 = self.conn().del(self.keys().notices_of_case(case_id)).await?;
        Ok(purged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_indexed_under_each_platform_host_that_serves_it() {
        assert_eq!(host_suffixes("cdn.example.com").collect::<Vec<_>>(), ["cdn.example.com", "example.com", "com"]);
        assert_eq!(host_suffixes("localhost").collect::<Vec<_>>(), ["localhost"]);
        for host in ["a.b.example.org", "example.org", "x.y"] {
            for suffix in host_suffixes(host) {
                assert!(disrupt_hotline::notices::serves(&[suffix.to_owned()], host), "{suffix} serves {host}");
            }
        }
    }

    #[test]
    fn positions_round_trip_and_refuse_anything_else() {
        let p = NoticePosition { created_at: 1_767_225_600_000, id: "n0123456789abcdef".into() };
        assert_eq!(NoticePosition::decode(&p.encode()).expect("decodes"), p);
        let forged = |text: &str| BASE64URL_NOPAD.encode(text.as_bytes());
        for bad in ["", "!!", &forged("12"), &forged("012:n1"), &forged("1:"), &forged("1:n 1"), &forged("-1:n1")] {
            assert!(matches!(NoticePosition::decode(bad), Err(StoreError::InvalidCursor)), "{bad}");
        }
        let newer = NoticePosition { created_at: 2, id: "n0".into() };
        let older = NoticePosition { created_at: 1, id: "n9".into() };
        assert!(older < newer && NoticePosition { created_at: 2, id: "n1".into() } > newer);
    }
}
