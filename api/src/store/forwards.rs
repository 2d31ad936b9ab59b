//! Forwards to the authorities: one record each, indexed by the time they were forwarded (the export) and by
//! case (the case view, the review queue's flag, the notices' wording). They sit on the notices' slot, so a
//! forward, its indexes and its audit record are written in one step. They stay when their case is purged: they
//! are the hotline's record of a report to the authorities, as sent notices are.

use std::collections::BTreeSet;

use disrupt_hotline::forwards::Forward;

use super::audit::{AuditEvent, AuditRules, audited_script};
use super::{Store, StoreError, codec};

/// KEYS: forwards, the time index, the case's index. ARGV: id, JSON, forwarded at (ms). Returns 1 when stored,
/// 0 when the id exists.
const RECORD_FORWARD: &str = r#"
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1
"#;

impl Store {
    /// Records a forward with `audit`'s record, in one step.
    pub async fn record_forward(&self, forward: &Forward, audit: AuditEvent) -> Result<(), StoreError> {
        let keys = self.keys();
        let script = redis::Script::new(&audited_script(RECORD_FORWARD));
        let mut invocation = script.prepare_invoke();
        invocation
            .key(keys.forwards())
            .key(keys.forwards_by_time())
            .key(keys.forwards_of_case(&forward.case_id))
            .arg(&forward.id)
            .arg(codec::to_json(forward)?)
            .arg(forward.forwarded_at);
        let record = self.pending_audit(audit, forward.recorded_at)?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, keys.notices_audit_outbox());
        let stored: i64 = invocation.invoke_async(&mut self.conn()).await?;
        if stored == 1 { Ok(()) } else { Err(StoreError::Conflict("the forward id exists")) }
    }

    /// A case's forwards, oldest first.
    pub async fn case_forwards(&self, case_id: &str) -> Result<Vec<Forward>, StoreError> {
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(self.keys().forwards_of_case(case_id))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await?;
        self.forwards_by_id(&ids).await
    }

    /// Which of `case_ids` have at least one forward.
    pub async fn cases_forwarded(&self, case_ids: &BTreeSet<&str>) -> Result<BTreeSet<String>, StoreError> {
        if case_ids.is_empty() {
            return Ok(BTreeSet::new());
        }
        let mut pipe = redis::pipe();
        for case in case_ids {
            pipe.cmd("EXISTS").arg(self.keys().forwards_of_case(case));
        }
        let found: Vec<i64> = pipe.query_async(&mut self.conn()).await?;
        Ok(case_ids.iter().zip(found).filter(|(_, n)| *n > 0).map(|(case, _)| (*case).to_owned()).collect())
    }

    /// Forwards made in `[from, to)`, oldest first, at most `limit` of them, and whether more follow.
    pub async fn forwards_between(&self, from: u64, to: u64, limit: usize) -> Result<(Vec<Forward>, bool), StoreError> {
        if to <= from {
            return Ok((Vec::new(), false));
        }
        let ids: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.keys().forwards_by_time())
            .arg(from)
            .arg(format!("({to}"))
            .arg("LIMIT")
            .arg(0)
            .arg(limit + 1)
            .query_async(&mut self.conn())
            .await?;
        let more = ids.len() > limit;
        let forwards = self.forwards_by_id(&ids[..ids.len().min(limit)]).await?;
        Ok((forwards, more))
    }

    async fn forwards_by_id(&self, ids: &[String]) -> Result<Vec<Forward>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<Option<String>> =
            redis::cmd("HMGET").arg(self.keys().forwards()).arg(ids).query_async(&mut self.conn()).await?;
        found.into_iter().flatten().map(|json| codec::from_json(&json, "forward")).collect()
    }
}
