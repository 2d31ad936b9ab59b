//! Platforms' match requests.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{EntryState, HashKind, HashValue};

/// The most list names one match request may carry (duplicates count; they are then searched once).
pub const MAX_LISTS_PER_MATCH: usize = 16;

/// The most searches one match request may cost: each query counts once per list searched, an uploaded image's
/// PDQ eight times (its dihedral variants are searched too) and a video once per reliable distinct frame.
/// 1,000 hashes against 8 lists, or one 8,000-frame video against one list, fit.
pub const MAX_MATCH_SEARCHES: usize = 8_000;

/// `POST /v1/match`: up to 1000 hashes of any kind, against at most [`MAX_LISTS_PER_MATCH`] lists and
/// [`MAX_MATCH_SEARCHES`] searches (hashes x lists, a video's reliable frames counting one each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// The hashes to look up.
    pub hashes: Vec<HashValue>,
    /// Lists to search (at most 16 names; repeats are searched once; an unknown list is `404 not_found`);
    /// defaults to every list the key may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<String>>,
}

/// One entry a query hash matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchedEntry {
    /// Opaque entry reference (as in the feed).
    pub entry: String,
    /// The list holding the entry.
    pub list: String,
    /// Kind of the stored hash.
    pub kind: HashKind,
    /// Hamming distance (PDQ) or 0 for exact digests.
    pub distance: u32,
    /// Which rotation or flip of the query matched (`orig`, `rot90`, ...), for PDQ. On `POST /v1/match/upload`,
    /// `framed-orig`, `framed-rot90`, ... say that a picture framed inside the uploaded image matched (behind
    /// borders or bars, on a backdrop, inside an app's screenshot, under a caption, inset in another picture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Review state of the entry.
    pub state: EntryState,
    /// True when an analyst verified the entry.
    pub verified: bool,
}

/// Matches of one query hash, in the order of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchResult {
    /// Index of the hash in the request.
    pub index: usize,
    /// The entries it matched; empty when none.
    pub matches: Vec<MatchedEntry>,
}

/// Answer to `POST /v1/match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchResponse {
    /// One result per query hash.
    pub results: Vec<MatchResult>,
}

/// Answer to `POST /v1/match/upload`: the hashes the server computed from the uploaded files (the files are
/// gone), and one result per hash, in the same order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadMatchResponse {
    /// The hashes computed, file by file: PDQ (image) or frame list (video), then MD5 and SHA-256.
    pub hashes: Vec<crate::model::HashValue>,
    /// One result per hash in `hashes`; `index` points into it.
    pub results: Vec<MatchResult>,
}
