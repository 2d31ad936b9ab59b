//! The StopNCII.org-compatible routes, for deployments of Meta's `threatexchange` library.
//!
//! Paging: `nextPageToken` is our feed cursor. Without a token, `startTimestamp` picks the start: the client's
//! default (10, "no checkpoint") or a checkpoint older than the tombstone retention gives the whole current list
//! (active entries only) — threatexchange 1.2.17 does not delete withdrawn records, so a full fetch must not
//! contain them. A full fetch comes in snapshot pages (`nextPageToken` is then a scan token,
//! `store::cursor::encode_scan`), each at most `pageSize` entries and the store's byte budget, sorted by hash
//! value; the scan visits the live set in the order of Redis's hash table, so neither order groups a case. A
//! scan may repeat an entry across pages (Redis HSCAN); a client keeps hashes by value, so a repeat is harmless.
//! The platform's position is recorded when the last page is served. A newer checkpoint
//! replays the feed from that second; each record is the entry's whole current state, so replaying a second
//! twice is harmless (and never loses a record). A checkpoint ahead of the server's clock is refused
//! (`cursor_beyond_end`): nothing was served up to it, and a platform's recorded position must not claim so.

use std::collections::BTreeMap;

use disrupt_openapi::stopncii::{
    CspFeedbackValue, DEFAULT_PAGE_SIZE, DEFAULT_START_TIMESTAMP, FetchHashesQuery, FetchHashesResponse, HashRecord,
    HashStatus, SignalType, SubmitFeedbackRequest, SubmitFeedbackResponse,
};

use disrupt_openapi::hash::{Md5Hex, PdqHex};

use super::Service;
use super::feedback::validate_tags;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::cursor::{self, StreamId};
use crate::store::model::{self as s, DEFAULT_LIST};

/// Largest `pageSize` accepted.
pub const MAX_PAGE_SIZE: usize = 5000;

/// How far past the server's clock a `startTimestamp` may lie (clock skew) before it is refused as beyond the
/// feed's end.
const MAX_CLOCK_AHEAD_SECS: i64 = 300;

fn signal_type(kind: s::HashKind) -> Option<SignalType> {
    match kind {
        s::HashKind::Pdq => Some(SignalType::ImagePDQ),
        s::HashKind::Md5 => Some(SignalType::VideoMD5),
        // StopNCII has no signal type for SHA-256 or vPDQ frame lists.
        s::HashKind::Sha256 | s::HashKind::Video => None,
    }
}

fn status(state: s::EntryState) -> HashStatus {
    match state {
        s::EntryState::Pending | s::EntryState::Verified => HashStatus::Active,
        s::EntryState::Withdrawn => HashStatus::Withdrawn,
        s::EntryState::Rejected | s::EntryState::Quarantined => HashStatus::Deleted,
    }
}

impl Service {
    /// The StopNCII records of one entry: its hash, then, for an image with views, one plain PDQ record per view
    /// with a reference of its own (as in disrupt's own feed), all in the entry's status.
    fn hash_records(
        &self,
        entry_id: s::EntryId,
        kind: s::HashKind,
        hash: &str,
        state: s::EntryState,
        updated_at: u64,
    ) -> Vec<HashRecord> {
        let Some(signal_type) = signal_type(kind) else {
            return Vec::new();
        };
        let status = status(state);
        let record = |number: u64, hash_value: String| HashRecord {
            last_mod_timestamp: (updated_at / 1000) as i64,
            signal_type,
            hash_value,
            hash_status: status,
            // An opaque per-entry reference, never the case id.
            case_numbers: BTreeMap::from([(self.refs.encode(number), status)]),
            csp_feedbacks: Vec::new(),
        };
        if kind != s::HashKind::Pdq {
            return vec![record(entry_id, hash.to_owned())];
        }
        let Some(stored) = crate::views::decode(hash) else {
            tracing::error!(entry_id, "stored views do not parse; the entry is served without them");
            return vec![record(entry_id, crate::views::own_hash(hash).to_owned())];
        };
        let mut out = vec![record(entry_id, stored.hex.to_owned())];
        for (n, view) in stored.views.into_iter().enumerate() {
            out.push(record(crate::entry_ref::view_number(entry_id, n + 1), view.hash.as_str().to_owned()));
        }
        out
    }

    /// `GET /v1/FetchHashes`.
    pub async fn fetch_hashes(
        &self,
        caller: &Caller,
        query: FetchHashesQuery,
    ) -> Result<FetchHashesResponse, ApiError> {
        let list = DEFAULT_LIST;
        caller.require_list(list)?;
        let page_size = query.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(ApiError::InvalidRequest(format!("pageSize is 1 to {MAX_PAGE_SIZE}")));
        }
        let start = query.start_timestamp.unwrap_or(DEFAULT_START_TIMESTAMP);
        let (cursor, from_clock) = match query.next_page_token.filter(|t| !t.is_empty()) {
            Some(token) => match cursor::decode_scan(list, &token) {
                Ok(at) => return self.full_fetch(caller, list, page_size, Some(at)).await,
                Err(_) => (token, false),
            },
            None if start <= DEFAULT_START_TIMESTAMP => return self.full_fetch(caller, list, page_size, None).await,
            None => {
                if start > (disrupt_hotline::time::now_ms() / 1000) as i64 + MAX_CLOCK_AHEAD_SECS {
                    return Err(ApiError::CursorBeyondEnd);
                }
                // Just before the first record of second `start`.
                let ms = (start.max(0) as u64).saturating_mul(1000);
                let id = match ms.checked_sub(1) {
                    Some(before) => StreamId { ms: before, seq: u64::MAX },
                    None => StreamId::ZERO,
                };
                (cursor::encode(list, id), true)
            }
        };
        let from = cursor::decode(list, &cursor)?;
        let page = match self.store.read_feed(list, Some(&cursor), page_size).await {
            Err(crate::store::StoreError::CursorExpired) => {
                return self.full_fetch(caller, list, page_size, None).await;
            }
            // A checkpoint from the client's own clock that is not in the future but newer than the last record:
            // nothing new, and nothing served to record.
            Err(crate::store::StoreError::CursorBeyondEnd) if from_clock => {
                crate::store::FeedPage { records: Vec::new(), next_cursor: cursor.clone(), full: false }
            }
            other => other?,
        };
        if !page.records.is_empty() {
            self.record_position(caller, list, from, &page.next_cursor).await?;
        }
        let has_more = page.full;
        let next_ms = cursor::decode(list, &page.next_cursor)?.ms;
        // An entry changed twice in the page (added, then withdrawn) appears once, with its latest state, where
        // its latest change sits: clients that keep the first record of a hash would otherwise keep a stale one.
        let latest: std::collections::HashMap<s::EntryId, usize> =
            page.records.iter().enumerate().map(|(i, r)| (r.entry_id, i)).collect();
        let mut records: Vec<HashRecord> = page
            .records
            .iter()
            .enumerate()
            .filter(|(i, r)| latest.get(&r.entry_id) == Some(i))
            .flat_map(|(_, r)| self.hash_records(r.entry_id, r.kind, &r.hash, r.state, r.updated_at))
            .collect();
        // An image's views come out right after it: shuffled, the page's order no longer tells which go together.
        crate::store::publication::shuffle(&ring::rand::SystemRandom::new(), &mut records)?;
        Ok(FetchHashesResponse {
            count: records.len(),
            next_page_token: has_more.then_some(page.next_cursor),
            next_set_timestamp: ((next_ms / 1000) as i64).max(start),
            has_more_records: has_more,
            hash_records: records,
        })
    }

    /// One page of a full fetch: from the start (`at` None) or from a scan token's feed head and scan position.
    async fn full_fetch(
        &self,
        caller: &Caller,
        list: &str,
        page_size: usize,
        at: Option<(StreamId, u64)>,
    ) -> Result<FetchHashesResponse, ApiError> {
        let (head, scan) = match at {
            Some(at) => at,
            None => (self.store.feed_head(list).await?, 0),
        };
        let (next, entries) = self.store.snapshot_page(list, scan, page_size).await?;
        let mut records: Vec<HashRecord> =
            entries.iter().flat_map(|e| self.hash_records(e.id, e.kind, &e.hash, e.state, e.updated_at)).collect();
        // Ordered by hash value, as the store's page is, views included: not next to their image.
        records.sort_by(|a, b| a.hash_value.cmp(&b.hash_value));
        let done = next == 0;
        if done {
            // The whole list up to `head` has now been served.
            self.record_position(caller, list, StreamId::ZERO, &cursor::encode(list, head)).await?;
        }
        Ok(FetchHashesResponse {
            count: records.len(),
            next_page_token: (!done).then(|| cursor::encode_scan(list, head, next)),
            next_set_timestamp: (head.ms / 1000) as i64,
            has_more_records: !done,
            hash_records: records,
        })
    }

    /// Live entries of `list` whose PDQ (64 hex digits; the image's own or one of its views) or MD5 (32) is
    /// exactly `hash`.
    fn entries_with_hash(&self, list: &str, hash: &str) -> Result<Vec<s::EntryId>, ApiError> {
        let index = self.index.read();
        if let Ok(pdq) = hash.parse::<PdqHex>() {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(pdq.as_str(), &mut bytes).map_err(ApiError::internal)?;
            return Ok(index.images_with_pdq(list, &bytes));
        }
        if let Ok(md5) = hash.parse::<Md5Hex>() {
            let mut bytes = [0u8; 16];
            hex::decode_to_slice(md5.as_str(), &mut bytes).map_err(ApiError::internal)?;
            return Ok(index.lookup_md5(list, &bytes));
        }
        Err(ApiError::InvalidHash("hashValue is a PDQ (64 hex digits) or an MD5 (32)".into()))
    }

    /// `POST /v1/SubmitFeedback`: feedback by hash value, applied to every active entry with that hash.
    pub async fn submit_stopncii_feedback(
        &self,
        caller: &Caller,
        request: SubmitFeedbackRequest,
    ) -> Result<SubmitFeedbackResponse, ApiError> {
        let list = DEFAULT_LIST;
        caller.require_list(list)?;
        if request.hash_feedbacks.len() > disrupt_openapi::feedback::MAX_FEEDBACK_ITEMS {
            return Err(ApiError::PayloadTooLarge("at most 1000 feedbacks per request".into()));
        }
        for item in &request.hash_feedbacks {
            validate_tags(&item.tags)?;
        }
        let mut count = 0;
        for item in request.hash_feedbacks {
            let feedback = match item.feedback_value {
                CspFeedbackValue::Blocked => s::FeedbackValue::Blocked,
                CspFeedbackValue::NotBlocked => s::FeedbackValue::NotViolating,
                CspFeedbackValue::PendingReview => s::FeedbackValue::PendingReview,
                // Tag-only, unknown-quality and deletion values carry no decision to count.
                _ => continue,
            };
            for entry_id in self.entries_with_hash(list, &item.hash_value)? {
                self.record_feedback_on(caller, entry_id, feedback, item.tags.clone()).await?;
                count += 1;
            }
        }
        Ok(SubmitFeedbackResponse { count })
    }
}
