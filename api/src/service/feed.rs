//! The delta feed and the snapshot, the snapshot's JSON body streamed a page at a time.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use disrupt_openapi::feed::{DEFAULT_FEED_LIMIT, FeedPage, FeedQuery, FeedRecord, MAX_FEED_LIMIT};
use disrupt_openapi::model::HashValue;

use super::Service;
use super::audit::actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Outbox;
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::wire;

/// Entries per page of a streamed snapshot (a page also stops at the store's byte budget).
const SNAPSHOT_PAGE: usize = 1000;

/// What the wire records of an entry are made from, whether read from the feed or from the entry.
#[derive(Clone, Copy)]
struct Stored<'a> {
    kind: s::HashKind,
    hash: &'a str,
    quality: Option<u8>,
    state: s::EntryState,
    updated_at: u64,
}

/// What a snapshot page is ordered by: the hash, or the entry reference for a video.
fn order_key(record: &FeedRecord) -> &str {
    match &record.value {
        HashValue::Pdq { hash, .. } => hash.as_str(),
        HashValue::Md5 { hash } => hash.as_str(),
        HashValue::Sha256 { hash } => hash.as_str(),
        HashValue::Video { .. } => &record.entry,
    }
}

fn flatten(records: impl Iterator<Item = Result<Vec<FeedRecord>, ApiError>>) -> Result<Vec<FeedRecord>, ApiError> {
    let mut out = Vec::new();
    for r in records {
        out.extend(r?);
    }
    Ok(out)
}

impl Service {
    /// The wire records of one entry's state: an opaque entry reference instead of the id, no case id. An image
    /// with views gives a plain PDQ record per view after its own, each with a reference of its own (so that
    /// consumers that know only PDQ use them unchanged, and nothing links them), all in the entry's state: a
    /// withdrawn image's views leave with it.
    fn wire_records(&self, id: s::EntryId, stored: Stored<'_>) -> Result<Vec<FeedRecord>, ApiError> {
        let record = |entry: String, value: HashValue| FeedRecord {
            entry,
            value,
            state: stored.state,
            verified: stored.state == s::EntryState::Verified,
            updated_at: stored.updated_at,
        };
        let value = wire::hash_value(stored.kind, stored.hash, stored.quality)?;
        let HashValue::Pdq { hash, quality, views } = value else {
            return Ok(vec![record(self.refs.encode(id), value)]);
        };
        let mut out = Vec::with_capacity(1 + views.len());
        out.push(record(self.refs.encode(id), HashValue::Pdq { hash, quality, views: Vec::new() }));
        for (n, view) in views.into_iter().enumerate() {
            let value = HashValue::Pdq { hash: view.hash, quality: Some(view.quality), views: Vec::new() };
            out.push(record(self.refs.encode(crate::entry_ref::view_number(id, n + 1)), value));
        }
        Ok(out)
    }

    /// The wire records of a feed record (see [`Service::wire_records`]).
    pub(crate) fn feed_records(&self, r: &s::FeedRecord) -> Result<Vec<FeedRecord>, ApiError> {
        let stored =
            Stored { kind: r.kind, hash: &r.hash, quality: r.quality, state: r.state, updated_at: r.updated_at };
        self.wire_records(r.entry_id, stored)
    }

    /// The wire records of an active entry, as the snapshot carries them (see [`Service::wire_records`]).
    pub(crate) fn entry_records(&self, e: &s::Entry) -> Result<Vec<FeedRecord>, ApiError> {
        let stored =
            Stored { kind: e.kind, hash: &e.hash, quality: e.quality, state: e.state, updated_at: e.updated_at };
        self.wire_records(e.id, stored)
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
        let mut records = flatten(page.records.iter().map(|r| self.feed_records(r)))?;
        // An image's views come out right after it: shuffled, the page's order no longer tells which go together.
        crate::store::publication::shuffle(&ring::rand::SystemRandom::new(), &mut records)?;
        Ok(FeedPage { has_more: page.full, records, next_cursor: page.next_cursor })
    }

    /// The snapshot of a list the caller may read, as its JSON body ([`disrupt_openapi::feed::Snapshot`]):
    /// the feed cursor to follow it from, taken before the scan (a change racing the scan shows up in the feed
    /// after it; records carry whole states, so replaying is harmless), then the entries a page at a time. See
    /// `snapshot_body` for how the body is streamed and when the delivery counts.
    pub async fn snapshot(
        self: Arc<Self>,
        caller: Caller,
        list: Option<String>,
    ) -> Result<impl futures_util::Stream<Item = Result<Bytes, ApiError>> + 'static, ApiError> {
        let list = list.unwrap_or_else(|| DEFAULT_LIST.to_owned());
        caller.require_list(&list)?;
        self.store.require_list(&list).await?;
        let cursor = crate::store::cursor::encode(&list, self.store.feed_head(&list).await?);
        Ok(snapshot_body(self, Served { caller, list, cursor }))
    }

    /// Records that the caller was served a whole snapshot of `list` up to `cursor`: everything up to it, as from
    /// the beginning. Called only once the body's last page has been handed to the connection, so a download
    /// that breaks off counts for nothing (the platform keeps the position it had).
    async fn finish_snapshot(&self, served: &Served) -> Result<(), ApiError> {
        self.record_position(&served.caller, &served.list, crate::store::StreamId::ZERO, &served.cursor).await
    }

    /// One page of a snapshot's records (see [`crate::store::Store::snapshot_page`]): at most 1,000 and about
    /// the store's byte budget, so the streamed body holds one page at a time. The scan may repeat an entry
    /// (HSCAN): entries in `seen` are dropped, the others added to it.
    async fn snapshot_records(
        &self,
        list: &str,
        scan_cursor: u64,
        seen: &mut HashSet<s::EntryId>,
    ) -> Result<(u64, Vec<FeedRecord>), ApiError> {
        let (next, entries) = self.store.snapshot_page(list, scan_cursor, SNAPSHOT_PAGE).await?;
        let mut records = flatten(entries.iter().filter(|e| seen.insert(e.id)).map(|e| self.entry_records(e)))?;
        // Ordered by hash value, as the store's page is, views included: not next to their image.
        records.sort_by(|a, b| order_key(a).cmp(order_key(b)));
        Ok((next, records))
    }

    /// Publishes `list`'s waiting entries if a batch is due (`store::publication`). The change that made it due
    /// is stored already: a failure here is logged, and the periodic run publishes the batch later.
    pub async fn publish_due(&self, list: &str) {
        if let Err(err) = self.store.publish(list, self.publication, disrupt_hotline::time::now_ms()).await {
            tracing::warn!(list, error = %err, "publishing a feed batch failed; the periodic run retries");
        }
    }

    /// Remembers how far a platform has been served `list` (for erasure receipts): records after `from` up to
    /// `cursor`, which the caller must have served, with a record of each deletion this delivers
    /// (`Store::record_position_audited`). Other roles reading the feed are not platforms that could hold
    /// content, so they are not counted.
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
        let platform = Some(actor(caller));
        if self.store.record_position_audited(list, &caller.key_id, from, position, platform).await?.is_some() {
            self.drain_audit(Outbox::List(list)).await;
        }
        Ok(())
    }
}

/// Whose snapshot of which list, up to which cursor.
struct Served {
    caller: Caller,
    list: String,
    cursor: String,
}

/// Where the streamed snapshot body is.
enum Step {
    Head,
    Page { scan: u64, first: bool },
    Delivered,
}

/// The body `{"next_cursor":..,"records":[..]}`: the head, then one chunk per page of the live set, then the
/// closing brackets (the ids of the entries already sent, 8 bytes each, drop the scan's repeats). The stream is
/// asked for more only once the connection has taken the last chunk into its write buffer, so the delivery is
/// recorded then ([`Service::finish_snapshot`]); a download that breaks off drops the stream before. Should the
/// recording fail, the body ends without its final chunk, and the platform retries as after any cut.
fn snapshot_body(
    service: Arc<Service>,
    served: Served,
) -> impl futures_util::Stream<Item = Result<Bytes, ApiError>> + 'static {
    let served = Arc::new(served);
    futures_util::stream::try_unfold((Step::Head, HashSet::new()), move |(step, mut seen)| {
        let service = service.clone();
        let served = served.clone();
        async move {
            match step {
                Step::Head => {
                    let mut out = b"{\"next_cursor\":".to_vec();
                    serde_json::to_writer(&mut out, &served.cursor).map_err(ApiError::internal)?;
                    out.extend_from_slice(b",\"records\":[");
                    Ok(Some((Bytes::from(out), (Step::Page { scan: 0, first: true }, seen))))
                }
                Step::Page { scan, mut first } => {
                    let (next, records) = service.snapshot_records(&served.list, scan, &mut seen).await?;
                    let mut out = Vec::new();
                    for record in &records {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        serde_json::to_writer(&mut out, record).map_err(ApiError::internal)?;
                    }
                    if next == 0 {
                        out.extend_from_slice(b"]}");
                        Ok(Some((Bytes::from(out), (Step::Delivered, seen))))
                    } else {
                        Ok(Some((Bytes::from(out), (Step::Page { scan: next, first }, seen))))
                    }
                }
                Step::Delivered => {
                    service.finish_snapshot(&served).await?;
                    Ok(None)
                }
            }
        }
    })
}
