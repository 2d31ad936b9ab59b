//! Entries: one hash each, read by id, moved between states (each change with its feed record), and the
//! platforms' feedback on them.

use std::collections::HashMap;

use disrupt_hotline::time::now_ms;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules};
use super::{Entry, EntryId, EntryState, FeedbackValue, Store, StoreError, codec, keys};

impl Store {
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

    /// The entries `ids` of `list` that exist, in the given order.
    pub(super) async fn get_entries(&self, list: &str, ids: &[EntryId]) -> Result<Vec<Entry>, StoreError> {
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
}

/// When an entry's state change carries its audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditWhen {
    /// Only when the state changed (the server's own actions).
    Changed,
    /// Also when the entry already had the state (a person decided).
    Decided,
}
