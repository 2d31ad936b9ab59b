//! Platforms' match requests.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{EntryState, HashKind, HashValue};

/// The most list names one match request may carry (duplicates count; they are then searched once).
pub const MAX_LISTS_PER_MATCH: usize = 16;

/// The most searches one match request may cost: each query counts once per list searched, an uploaded image's
/// PDQ eight times per whole or framed picture (their dihedral variants are searched too) plus one per 64 window
/// hashes, and a video once per reliable distinct frame.
/// 1,000 hashes against 8 lists, or one 8,000-frame video against one list, fit.
pub const MAX_MATCH_SEARCHES: usize = 8_000;

/// The most images one match request may carry as candidate sets.
pub const MAX_IMAGES_PER_MATCH: usize = 20;
/// The most candidates one image's set may carry. A scan of a photo gives a few tens of thousands of windows, and
/// up to twice that when a straight edge frames a narrow part of it, whose inside is scanned too (84,262 for the
/// reference bridge turned by 180 degrees, 21 MB of JSON: under the route's 32 MiB).
pub const MAX_CANDIDATES_PER_IMAGE: usize = 100_000;
/// The most rotations one image's set may have undone.
pub const MAX_TURNS: usize = 8;

/// What produced a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// The image itself: 8 hashes, its dihedral variants (orig, rot90, rot180, rot270, flipx, flipy, flip+1,
    /// flip-1).
    Whole,
    /// A picture framed inside the image (by bars, borders, a backdrop, an app's chrome, a caption band, another
    /// picture): 8 hashes, its dihedral variants.
    Framed,
    /// A square window of the image's scan: 2 hashes, the window as it is and mirrored left to right.
    Window,
    /// A half of the image, or of its best framed picture (left, right, top or bottom): 2 hashes, as it is and
    /// mirrored left to right. Matched with listed images' halves, at the same place, within 16 bits.
    Half,
}

/// One candidate of a query image, as `disrupt hash --candidates --json` or the hasher's `robust::candidates_rgb`
/// computes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// What produced it; says how many hashes it has and what they are.
    pub kind: CandidateKind,
    /// 0 for the image as it is, k >= 1 for the image turned back by the set's `turns[k - 1]`.
    #[serde(default)]
    pub frame: u8,
    /// Where it lies, `[x0, y0, x1, y1]` in pixels of its frame.
    pub rect: [f32; 4],
    /// PDQ quality of a whole or framed picture, or of a half (windows have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// Its hashes, in the order its kind gives.
    #[schema(min_items = 2, max_items = 8)]
    pub hashes: Vec<crate::hash::PdqHex>,
}

/// The candidates of one query image, computed on the platform's own machine: matched like an uploaded image
/// (one match per listed image, views included), but without the check that needs the image's pixels, so a
/// window's match needs more of the listed image's views to agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageCandidates {
    /// The rotations undone, in degrees (at most 8, each at most 45 either way): candidates of frame k >= 1 were
    /// cut from the image turned back by `turns[k - 1]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 8)]
    pub turns: Vec<f32>,
    /// The candidates, the image itself (`whole`) first; at most 100,000.
    #[schema(min_items = 1, max_items = 100000)]
    pub candidates: Vec<Candidate>,
}

/// `POST /v1/match`: up to 1000 hashes of any kind and up to 20 images' candidate sets, against at most
/// [`MAX_LISTS_PER_MATCH`] lists and [`MAX_MATCH_SEARCHES`] searches (hashes x lists, a video's reliable frames
/// counting one each, an image's candidates as on `POST /v1/match/upload`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// The hashes to look up.
    #[serde(default)]
    pub hashes: Vec<HashValue>,
    /// Query images as candidate sets (`disrupt hash --candidates --json`): they also find cropped, framed,
    /// rotated and mirrored copies of listed images. Their results follow the hashes' (`index` = number of
    /// hashes + position here). A photo's set is a few megabytes of JSON (tens of thousands of windows) and this
    /// route's bodies are at most 32 MiB: send a few images per request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub images: Vec<ImageCandidates>,
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
    /// borders or bars, on a backdrop, inside an app's screenshot, under a caption, inset in another picture),
    /// and `window-orig`, `window-flipy` (mirrored) that a square window of the upload matched one of the listed
    /// image's views (the upload is a crop of it, or shows it rotated, stickered or inset). For an uploaded video,
    /// `window-orig` says that windows of its frames matched the listed video's frame squares (`VideoFrame.views`):
    /// the upload is a cropped re-encode of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// For an uploaded image or a candidate set: which of the listed image's hashes the answer rests on, 0 for its own PDQ hash,
    /// n for its n-th view (a square region; see `PdqView`). Several of its views must agree on where the listed
    /// image lies in the upload before a window's match counts; one match is answered per listed image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<u32>,
    /// For an uploaded image or a candidate set: where in the query image the matching picture or window lies, in 1/10,000 of
    /// its width and height. For a cropped re-encode of a listed video: where the listed frames' picture lies in
    /// the upload's frames (what of it is left in them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_region: Option<crate::model::ViewRegion>,
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
    /// The hashes computed, file by file: PDQ (image) or frame list (video), then MD5 and SHA-256. A video set
    /// inside bars (letterbox, pillarbox, padding) has a second frame list after its own: its frames hashed inside
    /// the bars, which a listed video re-uploaded in bars matches.
    pub hashes: Vec<crate::model::HashValue>,
    /// One result per hash in `hashes`; `index` points into it.
    pub results: Vec<MatchResult>,
}

/// The multipart form of `POST /v1/match/upload`. It documents the body; the server reads it as a stream, file by
/// file, and keeps no file.
#[derive(Debug, ToSchema)]
pub struct MatchUploadForm {
    /// The images or videos to match, 1 to 20 `file` parts, each at most 64 MiB and 128 MiB together (the formats
    /// of `POST /v1/cases/upload`).
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 20)]
    pub file: Vec<Vec<u8>>,
}
