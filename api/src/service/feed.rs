//! The delta feed and the snapshot.

use disrupt_openapi::feed::{DEFAULT_FEED_LIMIT, FeedPage, FeedQuery, FeedRecord, MAX_FEED_LIMIT};

use super::Service;
use super::audit::actor;
use crate::audit::AuditAction;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::audit::AuditEvent;
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::wire;

/// Entries per page of a streamed snapshot (a page also stops at the store's byte budget).
const SNAPSHOT_PAGE: usize = 1000;

impl Service {
    /// The wire form of a feed record: an opaque entry reference instead of the id, no case id.
    pub(crate) fn feed_record(&self, r: &s::FeedRecord) -> Result<FeedRecord, ApiError> {
        Ok(FeedRecord {
            entry: self.refs.encode(r.entry_id),
            value: wire::hash_value(r.kind, &r.hash, r.quality)?,
            state: wire::entry_state(r.state),
            verified: r.verified,
            updated_at: r.updated_at,
        })
    }

    /// The wire form of an active entry, as the snapshot carries it.
    pub(crate) fn entry_record(&self, e: &s::Entry) -> Result<FeedRecord, ApiError> {
        Ok(FeedRecord {
            entry: self.refs.encode(e.id),
            value: wire::hash_value(e.kind, &e.hash, e.quality)?,
            state: wire::entry_state(e.state),
            verified: e.state == s::EntryState::Verified,
            updated_at: e.updated_at,
        })
    }

    /// One page of the delta feed of a list the caller may read.
    pub async fn get_hashes(&self, caller: &Caller, query: FeedQuery) -> Result<FeedPage, ApiError> {
        let list = query.list.as_deref().unwrap_or(DEFAULT_LIST);
        caller.require_list(list)?;
        let limit = query.limit.unwrap_or(DEFAULT_FEED_LIMIT);
        if !(1..=MAX_FEED_LIMIT).contains(&limit) {
            return Err(ApiError::InvalidRequest(format!("limit is 1 to {MAX_FEED_LIMIT}")));
        }
        let from = match query.cursor.as_deref() {
            Some(c) => crate::store::cursor::decode(list, c)?,
            None => crate::store::StreamId::ZERO,
        };
        let page = self.store.read_feed(list, query.cursor.as_deref(), limit).await?;
        if !page.records.is_empty() {
            self.record_position(caller, list, from, &page.next_cursor).await?;
        }
        let records = page.records.iter().map(|r| self.feed_record(r)).collect::<Result<Vec<_>, _>>()?;
        Ok(FeedPage { has_more: page.full, records, next_cursor: page.next_cursor })
    }

    /// Starts a snapshot of a list the caller may read: the feed cursor to follow it from, taken before the scan
    /// (a change racing the scan shows up in the feed after it; records carry whole states, so replaying is
    /// harmless). The entries come from [`Service::snapshot_records`], page by page.
    pub async fn begin_snapshot(&self, caller: &Caller, list: Option<&str>) -> Result<(String, String), ApiError> {
        let list = list.unwrap_or(DEFAULT_LIST).to_owned();
        caller.require_list(&list)?;
        self.store.require_list(&list).await?;
        let cursor = crate::store::cursor::encode(&list, self.store.feed_head(&list).await?);
        // A snapshot serves the whole current list: everything up to its cursor, as from the beginning.
        self.record_position(caller, &list, crate::store::StreamId::ZERO, &cursor).await?;
        Ok((list, cursor))
    }

    /// One page of a snapshot's records (see [`crate::store::Store::snapshot_page`]): at most 1,000 and about
    /// the store's byte budget, so the streamed body holds one page at a time.
    pub async fn snapshot_records(&self, list: &str, scan_cursor: u64) -> Result<(u64, Vec<FeedRecord>), ApiError> {
        let (next, entries) = self.store.snapshot_page(list, scan_cursor, SNAPSHOT_PAGE).await?;
        let records = entries.iter().map(|e| self.entry_record(e)).collect::<Result<Vec<_>, _>>()?;
        Ok((next, records))
    }

    /// Publishes `list`'s waiting entries if a batch is due (`store::publication`). The change that made it due
    /// is stored already: a failure here is logged, and the periodic run publishes the batch later.
    pub async fn publish_due(&self, list: &str) {
        if let Err(err) = self.store.publish(list, self.publication, crate::store::now_ms()).await {
            tracing::warn!(list, error = %err, "publishing a feed batch failed; the periodic run retries");
        }
    }

    /// Remembers how far a platform has been served `list` (for erasure receipts): records after `from` up to
    /// `cursor`, which the caller must have served. Other roles reading the feed are not platforms that could
    /// hold content, so they are not counted.
    pub(crate) async fn record_position(
        &self,
        caller: &Caller,
        list: &str,
        from: crate::store::StreamId,
        cursor: &str,
    ) -> Result<(), ApiError> {
        if caller.role != disrupt_openapi::model::Role::Platform {
            return Ok(());
        }
        let position = crate::store::cursor::decode(list, cursor)?;
        if let Some(before) = self.store.record_position(list, &caller.key_id, from, position).await? {
            self.audit_deletions_delivered(caller, list, before, position).await?;
        }
        Ok(())
    }

    /// Audits, for each case withdrawn with tombstones in `(before, upto]` that this platform had received, that
    /// the deletion reached it (what the victim's erasure receipt counts).
    async fn audit_deletions_delivered(
        &self,
        caller: &Caller,
        list: &str,
        before: crate::store::StreamId,
        upto: crate::store::StreamId,
    ) -> Result<(), ApiError> {
        // A platform with no position before had received nothing, so no withdrawal can count it (and its first
        // snapshot must not walk every withdrawal ever made).
        if before == crate::store::StreamId::ZERO {
            return Ok(());
        }
        for case_id in self.store.withdrawals_between(list, before, upto).await? {
            let Some(view) = self.store.get_case(&case_id).await? else { continue };
            let delivered = view.case.withdrawn_feed_id.is_some_and(|w| w > before && w <= upto);
            if delivered && view.case.received_by.contains(&caller.key_id) {
                self.audit(
                    AuditEvent::new(actor(caller), AuditAction::DeletionDelivered, format!("case:{case_id}"))
                        .detail("list", list),
                )
                .await?;
            }
        }
        Ok(())
    }
}
