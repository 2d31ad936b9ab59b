//! The delta feed and the snapshot.

use disrupt_openapi::feed::{DEFAULT_FEED_LIMIT, FeedPage, FeedQuery, FeedRecord, MAX_FEED_LIMIT, Snapshot};

use super::Service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::wire;

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
        let page = self.store.read_feed(list, query.cursor.as_deref(), limit).await?;
        self.record_position(caller, list, &page.next_cursor).await?;
        let records = page.records.iter().map(|r| self.feed_record(r)).collect::<Result<Vec<_>, _>>()?;
        Ok(FeedPage { has_more: records.len() == limit, records, next_cursor: page.next_cursor })
    }

    /// Every active entry of a list the caller may read, and the cursor to follow the feed from.
    pub async fn get_snapshot(&self, caller: &Caller, list: Option<&str>) -> Result<Snapshot, ApiError> {
        let list = list.unwrap_or(DEFAULT_LIST);
        caller.require_list(list)?;
        let (entries, next_cursor) = self.store.snapshot(list).await?;
        self.record_position(caller, list, &next_cursor).await?;
        let records = entries.iter().map(|e| self.entry_record(e)).collect::<Result<Vec<_>, _>>()?;
        Ok(Snapshot { next_cursor, records })
    }

    /// Remembers how far a platform has fetched `list` (for erasure receipts). Other roles reading the feed are
    /// not platforms that could hold content, so they are not counted.
    pub(crate) async fn record_position(&self, caller: &Caller, list: &str, cursor: &str) -> Result<(), ApiError> {
        if caller.role != disrupt_openapi::model::Role::Platform {
            return Ok(());
        }
        let position = crate::store::cursor::decode(list, cursor)?;
        Ok(self.store.record_position(list, &caller.key_id, position).await?)
    }
}
