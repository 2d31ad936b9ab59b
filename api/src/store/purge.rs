//! Purging withdrawn cases once their tombstones have left the feed.
//!
//! A withdrawal tombstones the case's entries in the feed at once, but the entry keys keep the hash values so that
//! the tombstones can be served and the victim can see what was withdrawn. Once the feed's retention has trimmed
//! those tombstones (`feed_retention`, 90 days by default), no platform can be sent them any more, and the entry
//! keys are the last copy of the hashes in Redis: they are deleted, with the platforms' feedback on them and the
//! case's URLs and URL reviews, and the takedown notices made from those URLs (they name the URLs too). What stays
//! is what the victim's status needs: the case's state, dates and erasure receipt counts, with no hash and no URL.

use disrupt_hotline::audit::{AuditAction, AuditActor};
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules, audited_script};
use super::{Store, StoreError, codec};

/// Withdrawn cases purged per run of [`Store::purge_withdrawn`] at most (the next run continues).
const MAX_PURGED_PER_RUN: isize = 1_000;

/// KEYS: case, withdrawals, then per entry: entry key, feedback key, match tally key. ARGV: case id, now.
/// Returns 1 when purged, 0 when the case is missing or not withdrawn (it only leaves the withdrawals set).
const PURGE_CASE: &str = r#"
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'state') ~= 'withdrawn' then return 0 end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('HDEL', KEYS[1], 'url_reviews', 'url_reviewed_at', 'contact')
redis.call('HSET', KEYS[1], 'urls', '[]', 'purged_at', ARGV[2])
return 1
"#;

impl Store {
    /// Purges the withdrawn cases of `list` whose tombstones are older than the feed retention as of `now_ms`
    /// (tests pass a fake clock). Returns how many cases were purged. Each purge writes its audit record
    /// (`cases_purged`, the case as target) in its own step.
    pub async fn purge_withdrawn(&self, list: &str, now_ms: u64) -> Result<u64, StoreError> {
        let horizon = now_ms.saturating_sub(self.feed_retention().as_millis() as u64);
        if horizon == 0 {
            return Ok(0);
        }
        let keys = self.keys();
        let due: Vec<String> = self
            .conn()
            .zrangebyscore_limit(keys.withdrawals(list), "-inf", format!("({horizon}"), 0, MAX_PURGED_PER_RUN)
            .await?;
        let script = redis::Script::new(&audited_script(PURGE_CASE));
        let mut purged = 0;
        for case_id in due {
            // Notices live in another slot than the case, so they go in a step of their own, first: should it
            // fail, the case stays listed and the next run repeats both (a withdrawal is final, so every case
            // listed here is withdrawn).
            self.purge_case_notices(&case_id).await?;
            let ids: Option<String> = self.conn().hget(keys.case(list, &case_id), "entry_ids").await?;
            let mut invocation = script.prepare_invoke();
            invocation.key(keys.case(list, &case_id)).key(keys.withdrawals(list));
            for id in codec::ids_from_csv(ids.as_deref().unwrap_or(""))? {
                invocation.key(keys.entry(list, id)).key(keys.feedback(list, id)).key(keys.match_tally(list, id));
            }
            invocation.arg(&case_id).arg(now_ms);
            let event = AuditEvent::new(AuditActor::system(), AuditAction::CasesPurged, format!("case:{case_id}"))
                .detail("list", list);
            let record = self.pending_audit(event, now_ms)?;
            AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, keys.audit_outbox(list));
            let done: i64 = invocation.invoke_async(&mut self.conn()).await?;
            purged += done as u64;
        }
        Ok(purged)
    }
}
