//! Cases: a victim's submission, created with its entries and their feed records in one step, and withdrawn
//! with tombstones for them in one step.

use std::collections::HashMap;

use disrupt_hotline::time::{hour_of, month_of, now_ms};
use redis::AsyncCommands;
use ring::rand::SecureRandom;

use super::audit::{AuditEvent, AuditRules};
use super::{CaseView, CreatedCase, NewCase, Store, StoreError, WithdrawOutcome, codec, keys};

/// The most entries one case may carry (one script writes them all).
pub const MAX_CASE_ENTRIES: usize = 1000;

impl Store {
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
        let declarations = case.declarations.as_ref().map(codec::to_json).transpose()?.unwrap_or_default();
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
            .arg(case.surge_limit.unwrap_or(0))
            .arg(declarations);
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
}
