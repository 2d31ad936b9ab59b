//! The analysts' work in the store: the review queues, case rejections waiting for a second analyst, and the
//! decisions on a case's reported URLs.

use disrupt_hotline::review::PendingCaseRejection;
use disrupt_hotline::time::{month_of, now_ms};
use disrupt_openapi::review::UrlReview;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules, audited_script};
use super::{EntryId, EntryState, Store, StoreError, codec};

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

/// KEYS: case, the list's stats. ARGV: the URL reviews' JSON, their times' JSON, the month (`YYYY-MM`), URLs newly
/// confirmed. Returns 1 when stored, 0 when the case is gone (a `HSET` would create a partial case).
const SET_URL_REVIEWS: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'url_reviews', ARGV[1], 'url_reviewed_at', ARGV[2])
if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[2], 'uc:' .. ARGV[3], ARGV[4]) end
return 1
"#;

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

    /// The case rejection waiting for a second analyst. One that does not decode counts as none waiting: the
    /// first analyst asks again, and the key expires anyway.
    pub async fn pending_case_rejection(
        &self,
        list: &str,
        case_id: &str,
    ) -> Result<Option<PendingCaseRejection>, StoreError> {
        let json: Option<String> = self.conn().get(self.keys().case_rejection(list, case_id)).await?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Records a first analyst's case rejection for `ttl_ms`, unless one is already waiting (then `false`), with
    /// `audit`'s record written in the same step when it is recorded.
    pub async fn request_case_rejection(
        &self,
        list: &str,
        case_id: &str,
        request: &PendingCaseRejection,
        ttl_ms: u64,
        audit: AuditEvent,
    ) -> Result<bool, StoreError> {
        let json = codec::to_json(request)?;
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

    /// The analysts' decisions on a case's URLs, in the order of its URLs; empty before any was made (a case's
    /// first decisions may also leave later URLs without one).
    pub async fn url_reviews(&self, list: &str, case_id: &str) -> Result<Vec<UrlReview>, StoreError> {
        let json: Option<String> = self.conn().hget(self.keys().case(list, case_id), "url_reviews").await?;
        json.map_or(Ok(Vec::new()), |j| codec::from_json(&j, "url reviews"))
    }

    /// Stores the decisions on a case's URLs and when each was made (by position), counting `newly_confirmed` URLs
    /// in the month's statistics, with `audit`'s record written in the same step. [`StoreError::NotFound`] when the
    /// case is gone.
    pub async fn set_url_reviews(
        &self,
        list: &str,
        case_id: &str,
        reviews: &[UrlReview],
        reviewed_at: &[Option<u64>],
        newly_confirmed: usize,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let json = codec::to_json(reviews)?;
        let times = codec::to_json(reviewed_at)?;
        let script = redis::Script::new(&audited_script(SET_URL_REVIEWS));
        let mut invocation = script.prepare_invoke();
        let now = now_ms();
        invocation
            .key(self.keys().case(list, case_id))
            .key(self.keys().stats(list))
            .arg(json)
            .arg(times)
            .arg(month_of(now))
            .arg(newly_confirmed);
        let record = self.pending_audit(audit, now)?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, self.keys().audit_outbox(list));
        let set: i64 = invocation.invoke_async(&mut self.conn()).await?;
        if set == 1 { Ok(()) } else { Err(StoreError::NotFound { what: "case" }) }
    }
}
