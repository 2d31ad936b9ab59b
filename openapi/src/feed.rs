//! Platforms' copy of the list: the delta feed and the snapshot.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{EntryState, HashValue};

/// Default page size of the delta feed.
pub const DEFAULT_FEED_LIMIT: usize = 500;
/// Largest page size of the delta feed.
pub const MAX_FEED_LIMIT: usize = 5000;

/// Query of `GET /v1/hashes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The list to read; defaults to `ncii`.
    pub list: Option<String>,
    /// Where to continue: `next_cursor` of the previous page or of the snapshot. Absent: from the oldest
    /// record kept.
    pub cursor: Option<String>,
    /// Records per page, 1 to 5000 (default 500). A page is bounded by bytes as well: it stops before the record
    /// that would take it past the server's page budget (setting `page_bytes`, default 4 MiB; a video of 7,200
    /// frames is about 900 KB), but always carries at least one record. Keep reading from `next_cursor` while
    /// `has_more` is true.
    pub limit: Option<usize>,
}

/// Query of `GET /v1/hashes/snapshot`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SnapshotQuery {
    /// The list to read; defaults to `ncii`.
    pub list: Option<String>,
}

/// One record of the feed: the whole current state of one entry. It carries no case id and nothing that
/// links entries of one victim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedRecord {
    /// Opaque entry reference, stable for the entry; use it in feedback.
    pub entry: String,
    /// The hash.
    pub value: HashValue,
    /// Review state. `withdrawn`, `rejected` and `quarantined` are tombstones: drop the entry.
    pub state: EntryState,
    /// True when an analyst verified the entry; false when it is self-submitted and unreviewed.
    pub verified: bool,
    /// Last change, unix milliseconds.
    pub updated_at: u64,
}

/// A page of the delta feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedPage {
    /// Records in feed order.
    pub records: Vec<FeedRecord>,
    /// Cursor for the next page; store it as the checkpoint once the records are applied.
    pub next_cursor: String,
    /// True when the page stopped at its record count or at the server's byte budget, so more records may follow
    /// at once.
    pub has_more: bool,
}

/// The full current list (active entries only) and the cursor to follow the feed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Feed cursor taken with the snapshot: continue `GET /v1/hashes` from here.
    pub next_cursor: String,
    /// Every active entry.
    pub records: Vec<FeedRecord>,
}
