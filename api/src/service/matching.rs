//! Matching hashes against the in-memory index.
//!
//! The index only holds live entries, but it follows the store with a small lag; every hit is re-read from the
//! store so an entry withdrawn a moment ago is never answered as a match.
//!
//! Work per request is bounded three ways: at most [`MAX_LISTS_PER_MATCH`] list names (searched once each), at
//! most [`MAX_MATCH_SEARCHES`] searches (queries x lists x variants), and the request's [`Deadline`]. The search
//! is CPU work without await points, so it runs on a blocking thread, takes the index's read lock once per query
//! (the sync task's writes wait for one query, not a whole request) and checks the deadline itself: the time
//! limit's middleware can drop a future, not stop a thread. An image's candidate set is one query: its tens of
//! thousands of window searches hold the read lock together (seconds against a list of a million images,
//! `bench_views`), and the sync task's writes wait that long.

use std::collections::HashMap;
use std::sync::Arc;

use disrupt_hasher::pdq::Dihedral;
use disrupt_hasher::robust::{self, Candidate, CandidateKind, Candidates, Region, Thresholds, decide, seed_images};
use disrupt_hasher::video::{CroppedThresholds, FrameWindows, SquarePair, cropped};
use disrupt_hotline::time::{month_of, now_ms};
use disrupt_openapi::model::ViewRegion;

use disrupt_openapi::matching::{
    MAX_IMAGES_PER_MATCH, MAX_LISTS_PER_MATCH, MAX_MATCH_SEARCHES, MatchRequest, MatchResponse, MatchResult,
    MatchedEntry,
};
use disrupt_openapi::model::{HashValue, MAX_HASHES_PER_REQUEST};

use super::Service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::match_index::{MatchIndex, PdqBytes, SharedIndex, reliable_frames};
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::time_limit::Deadline;

/// PDQ hashes within this Hamming distance match (Meta's recommended threshold).
pub const PDQ_MATCH_DISTANCE: u32 = 31;
/// Share of a query video's frames that must match a stored video's frames.
pub const VIDEO_MATCH_SHARE: f64 = 0.8;

/// Names of the dihedral variants, in the order the hasher computes them.
const VARIANTS: [&str; 8] = ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"];
/// The same for a picture framed inside an uploaded image.
const FRAMED_VARIANTS: [&str; 8] = [
    "framed-orig",
    "framed-rot90",
    "framed-rot180",
    "framed-rot270",
    "framed-flipx",
    "framed-flipy",
    "framed-flipplus1",
    "framed-flipminus1",
];
/// The same for a window of an uploaded image (only the window as it is, or mirrored, is searched).
const WINDOW_VARIANTS: [&str; 8] = [
    "window-orig",
    "window-rot90",
    "window-rot180",
    "window-rot270",
    "window-flipx",
    "window-flipy",
    "window-flipplus1",
    "window-flipminus1",
];

/// The same for a half of an uploaded image (or of its framed picture).
const HALF_VARIANTS: [&str; 8] = [
    "half-orig",
    "half-rot90",
    "half-rot180",
    "half-rot270",
    "half-flipx",
    "half-flipy",
    "half-flipplus1",
    "half-flipminus1",
];

/// The name of a candidate's variant in a match answer.
fn candidate_variant(kind: CandidateKind, variant: Dihedral) -> &'static str {
    let d = Dihedral::ALL.iter().position(|v| *v == variant).unwrap_or(0);
    match kind {
        CandidateKind::Whole => VARIANTS[d],
        CandidateKind::Inner => FRAMED_VARIANTS[d],
        CandidateKind::Window => WINDOW_VARIANTS[d],
        CandidateKind::Half => HALF_VARIANTS[d],
    }
}

/// Window hashes that count as one search of the budget: a window only seeks views through a whole 24-bit block
/// (`MatchIndex::seek`), eleven lookups, so dozens of them cost about what one exact search of eight variants
/// costs.
const WINDOW_HASHES_PER_SEARCH: usize = 64;

/// What an uploaded image's candidates cost in one list, in units of [`MAX_MATCH_SEARCHES`]: each whole or
/// framed picture's hash one search, windows [`WINDOW_HASHES_PER_SEARCH`] hashes to a search.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CandidateCost {
    exact: usize,
    windows: usize,
}

impl CandidateCost {
    pub(crate) fn of(candidates: &Candidates) -> Self {
        let mut cost = CandidateCost::default();
        candidates.list.iter().for_each(|c| cost.add(c, true));
        cost
    }

    /// Counts `candidate` in (`true`) or out.
    pub(crate) fn add(&mut self, candidate: &Candidate, counted: bool) {
        let count = if candidate.kind == CandidateKind::Window { &mut self.windows } else { &mut self.exact };
        if counted {
            *count += candidate.hashes.len();
        } else {
            *count -= candidate.hashes.len();
        }
    }

    pub(crate) fn searches(&self) -> usize {
        self.exact + self.windows.div_ceil(WINDOW_HASHES_PER_SEARCH)
    }
}

/// Query frames compared with one stored video between two deadline checks: a check costs a clock read, a query
/// frame up to `MAX_FRAMES_PER_VIDEO` Hamming distances.
const FRAMES_PER_DEADLINE_CHECK: usize = 64;

/// A hit before its entry is re-read.
struct Hit {
    /// Index into the lists searched.
    list: usize,
    id: s::EntryId,
    distance: u32,
    variant: Option<&'static str>,
    /// For an uploaded image: which of the listed image's hashes matched.
    view: Option<usize>,
    /// For an uploaded image or video: where in the upload (its frames) the listed picture was found.
    query_region: Option<ViewRegion>,
}

fn pdq_bytes(hex_text: &str) -> Result<[u8; 32], ApiError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).map_err(|e| ApiError::InvalidHash(e.to_string()))?;
    Ok(out)
}

fn hamming(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The vPDQ verdict (as `disrupt_hasher::video::matching` gives it, which needs the FFmpeg feature): the videos
/// match when at least [`VIDEO_MATCH_SHARE`] of the query's reliable, distinct frames have a stored frame within
/// the PDQ threshold. Returns the smallest such frame distance, or `None` when they do not match. One pair of
/// long videos is seconds of work: the deadline is checked every [`FRAMES_PER_DEADLINE_CHECK`] query frames.
fn video_distance(query: &[[u8; 32]], stored: &[[u8; 32]], deadline: &Deadline) -> Result<Option<u32>, ApiError> {
    if query.is_empty() || stored.is_empty() {
        return Ok(None);
    }
    let mut best = u32::MAX;
    let mut matched = 0usize;
    for (n, q) in query.iter().enumerate() {
        if n % FRAMES_PER_DEADLINE_CHECK == 0 {
            deadline.check()?;
        }
        let nearest = stored.iter().map(|s| hamming(q, s)).min().unwrap_or(u32::MAX);
        if nearest <= PDQ_MATCH_DISTANCE {
            matched += 1;
            best = best.min(nearest);
        }
    }
    Ok((matched as f64 / query.len() as f64 >= VIDEO_MATCH_SHARE).then_some(best))
}

/// A query parsed for the index, owned so that the search can run on a blocking thread.
#[derive(Debug)]
enum Prepared {
    /// One PDQ hash, or an image's eight dihedral variants.
    Pdq(Vec<PdqBytes>),
    Md5([u8; 16]),
    Sha256([u8; 32]),
    /// A video's reliable distinct frames, and an uploaded video's frame windows.
    Video(Vec<PdqBytes>, Option<VideoWindows>),
    /// An uploaded image's candidates.
    Image(Arc<Candidates>),
}

impl Prepared {
    fn new(query: &Query<'_>) -> Result<Self, ApiError> {
        Ok(match query {
            Query::Image(candidates) => Prepared::Image(candidates.clone()),
            Query::Value(HashValue::Pdq { hash, .. }) => Prepared::Pdq(vec![pdq_bytes(hash.as_str())?]),
            Query::Value(HashValue::Md5 { hash }) => {
                let mut digest = [0u8; 16];
                hex::decode_to_slice(hash.as_str(), &mut digest).map_err(|e| ApiError::InvalidHash(e.to_string()))?;
                Prepared::Md5(digest)
            }
            Query::Value(HashValue::Sha256 { hash }) => Prepared::Sha256(pdq_bytes(hash.as_str())?),
            Query::Value(HashValue::Video { frames }) => Prepared::Video(reliable_frames(frames), None),
            Query::Video(HashValue::Video { frames }, windows) => {
                Prepared::Video(reliable_frames(frames), Some(windows.clone()))
            }
            Query::Video(..) => return Err(ApiError::internal(anyhow::anyhow!("frame windows without frames"))),
        })
    }

    /// What this query costs in one list, in units of [`MAX_MATCH_SEARCHES`].
    fn searches(&self) -> usize {
        match self {
            Prepared::Pdq(variants) => variants.len(),
            Prepared::Md5(_) | Prepared::Sha256(_) => 1,
            Prepared::Video(frames, windows) => {
                frames.len().max(1) + windows.as_ref().map_or(0, |w| window_searches(w))
            }
            Prepared::Image(candidates) => CandidateCost::of(candidates).searches(),
        }
    }
}

/// What an uploaded video's frame windows cost in one list, in units of [`MAX_MATCH_SEARCHES`]: as an image's
/// windows, [`WINDOW_HASHES_PER_SEARCH`] hashes to a search.
pub(crate) fn window_searches(windows: &[FrameWindows]) -> usize {
    windows.iter().map(|f| f.windows.len()).sum::<usize>().div_ceil(WINDOW_HASHES_PER_SEARCH)
}

/// What `query` costs in one list, as [`check_budget`] counts it (a malformed hash is refused as the match would).
pub(crate) fn searches(query: &Query<'_>) -> Result<usize, ApiError> {
    Prepared::new(query).map(|prepared| prepared.searches())
}

/// Refuses a request that would cost more than [`MAX_MATCH_SEARCHES`] searches.
fn check_budget(lists: usize, queries: &[Prepared]) -> Result<(), ApiError> {
    let searches = queries.iter().map(Prepared::searches).sum::<usize>().saturating_mul(lists);
    if searches > MAX_MATCH_SEARCHES {
        return Err(ApiError::PayloadTooLarge(format!(
            "this request would cost {searches} searches (hashes x lists, an uploaded image's 8 variants and a \
             video's reliable frames counting one each); at most {MAX_MATCH_SEARCHES}: send fewer hashes or name \
             fewer lists"
        )));
    }
    Ok(())
}

/// Every query's hits in every list; one read lock per query, the deadline checked before each query and while
/// scanning videos. Runs on a blocking thread.
fn search_all(
    index: &SharedIndex,
    lists: &[String],
    queries: &[Prepared],
    deadline: &Deadline,
) -> Result<Vec<Vec<Hit>>, ApiError> {
    let mut all = Vec::with_capacity(queries.len());
    for query in queries {
        deadline.check()?;
        let index = index.read();
        let mut hits = Vec::new();
        for (l, list) in lists.iter().enumerate() {
            match query {
                Prepared::Pdq(variants) => {
                    hits.extend(index.search_pdq(list, variants, PDQ_MATCH_DISTANCE).into_iter().map(|h| Hit {
                        list: l,
                        id: h.id,
                        distance: h.distance,
                        variant: Some(VARIANTS[h.variant % 8]),
                        view: None,
                        query_region: None,
                    }));
                }
                Prepared::Image(candidates) => hits.extend(image_hits(&index, l, list, candidates, deadline)?),
                Prepared::Md5(digest) => hits.extend(index.lookup_md5(list, digest).into_iter().map(|id| Hit {
                    list: l,
                    id,
                    distance: 0,
                    variant: None,
                    view: None,
                    query_region: None,
                })),
                Prepared::Sha256(digest) => hits.extend(index.lookup_sha256(list, digest).into_iter().map(|id| Hit {
                    list: l,
                    id,
                    distance: 0,
                    variant: None,
                    view: None,
                    query_region: None,
                })),
                Prepared::Video(frames, windows) => {
                    for (id, stored) in index.videos(list) {
                        deadline.check()?;
                        if let Some(distance) = video_distance(frames, stored, deadline)? {
                            hits.push(Hit { list: l, id, distance, variant: None, view: None, query_region: None });
                        }
                    }
                    if let Some(windows) = windows {
                        // A video its frames matched needs no second answer.
                        let plain: Vec<s::EntryId> = hits.iter().filter(|h| h.list == l).map(|h| h.id).collect();
                        let cropped = cropped_video_hits(&index, l, list, windows, deadline)?;
                        hits.extend(cropped.into_iter().filter(|h| !plain.contains(&h.id)));
                    }
                }
            }
        }
        all.push(hits);
    }
    Ok(all)
}

/// An uploaded image's matches in one list: one per listed image that `disrupt_hasher::robust::decide` accepts
/// from the close pairs of its candidates and the image's views. The answer names the pair that explains it
/// best: a whole or framed picture within PDQ's distance when there is one (the plainest explanation), else the
/// window the decision rests on.
fn image_hits(
    index: &MatchIndex,
    l: usize,
    list: &str,
    candidates: &Candidates,
    deadline: &Deadline,
) -> Result<Vec<Hit>, ApiError> {
    let t = Thresholds::default();
    // The deadline is checked between batches (`SEED_BATCH` windows at most).
    let seeds = seed_images(candidates, |kind, hashes| {
        deadline.check()?;
        Ok::<_, ApiError>(index.seek(list, kind, hashes, &t))
    })?;
    let mut out = Vec::new();
    for id in seeds {
        // Comparing an image's views with every window costs a few milliseconds.
        deadline.check()?;
        let Some(views) = index.image_views(list, id) else {
            continue;
        };
        let pairs = robust::image_hits(&views, candidates, &t);
        let Some(verdict) = decide(&views, candidates, &pairs, &t) else {
            continue;
        };
        let whole = pairs
            .iter()
            .filter(|p| p.view == 0 && candidates.list[p.candidate].kind != CandidateKind::Window)
            .min_by_key(|p| (p.distance, p.candidate));
        let hit = whole.copied().unwrap_or(verdict.hit);
        let candidate = &candidates.list[hit.candidate];
        out.push(Hit {
            list: l,
            id,
            distance: hit.distance,
            variant: Some(candidate_variant(candidate.kind, hit.variant)),
            view: Some(hit.view),
            // A turned view matched: the listed picture lies turned in the upload by about its turn.
            query_region: Some(query_region(candidates, candidate, views.get(hit.view).map_or(0, |v| v.region.turn))),
        });
    }
    Ok(out)
}

/// An uploaded video's matches in one list through its frames' windows: one per listed video whose frame squares
/// most of the upload's windowed frames find at one placement (`disrupt_hasher::video::cropped`), a cropped
/// re-encode. The answer's `query_region` is where the listed frame's picture lies in the upload's frames.
fn cropped_video_hits(
    index: &MatchIndex,
    l: usize,
    list: &str,
    windows: &[FrameWindows],
    deadline: &Deadline,
) -> Result<Vec<Hit>, ApiError> {
    let t = CroppedThresholds::default();
    let mut pairs: HashMap<s::EntryId, Vec<SquarePair>> = HashMap::new();
    for (n, frame) in windows.iter().enumerate() {
        deadline.check()?;
        for found in index.video_pairs(list, n, &frame.windows, t.distance) {
            pairs.entry(found.video).or_default().push(found.pair);
        }
    }
    let mut out = Vec::new();
    for (id, pairs) in pairs {
        deadline.check()?;
        if let Some(found) = cropped::decide(&pairs, windows.len(), &t) {
            let [x, y, w, h] = found.placement;
            let (x0, y0) = (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0));
            let (x1, y1) = ((x + w).clamp(0.0, 1.0), (y + h).clamp(0.0, 1.0));
            let region = Region { x: x0, y: y0, width: (x1 - x0).max(1e-4), height: (y1 - y0).max(1e-4), turn: 0 };
            out.push(Hit {
                list: l,
                id,
                distance: found.distance,
                variant: Some(WINDOW_VARIANTS[0]),
                view: None,
                query_region: Some(disrupt_hasher::wire::region(&region)),
            });
        }
    }
    out.sort_by_key(|h| (h.distance, h.id));
    Ok(out)
}

/// Where a candidate lies in the uploaded image, in the wire's units, with the `turn` of the listed picture there.
fn query_region(candidates: &Candidates, candidate: &Candidate, turn: i8) -> ViewRegion {
    let whole = candidates.list.first().map_or(candidate.rect, |c| c.rect);
    let (w, h) = (whole.width().max(1.0), whole.height().max(1.0));
    let r = candidate.rect;
    disrupt_hasher::wire::region(&Region {
        x: r.x0 / w,
        y: r.y0 / h,
        width: r.width() / w,
        height: r.height() / h,
        turn,
    })
}

impl Service {
    /// The lists a match request searches: those named (at most [`MAX_LISTS_PER_MATCH`] names, each readable
    /// and existing, searched once however often named) or every list of the key.
    async fn lists_to_search(&self, caller: &Caller, named: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
        match named {
            Some(lists) => {
                if lists.is_empty() {
                    return Err(ApiError::InvalidRequest("name at least one list, or leave lists out".into()));
                }
                if lists.len() > MAX_LISTS_PER_MATCH {
                    return Err(ApiError::PayloadTooLarge(format!(
                        "a match request names at most {MAX_LISTS_PER_MATCH} lists"
                    )));
                }
                let mut unique: Vec<String> = Vec::with_capacity(lists.len());
                for list in lists {
                    if !unique.contains(&list) {
                        unique.push(list);
                    }
                }
                for list in &unique {
                    // Scope first: a key learns nothing about lists outside it.
                    caller.require_list(list)?;
                    self.store.require_list(list).await?;
                }
                Ok(unique)
            }
            None if caller.role == disrupt_openapi::model::Role::Admin => Ok(self.store.list_names().await?),
            None if caller.lists.is_empty() => Ok(vec![DEFAULT_LIST.to_owned()]),
            None => Ok(caller.lists.clone()),
        }
    }

    /// `POST /v1/match`: per query hash, then per query image's candidate set, the live entries it matches.
    pub async fn match_hashes(
        &self,
        caller: &Caller,
        request: MatchRequest,
        deadline: Deadline,
    ) -> Result<MatchResponse, ApiError> {
        if request.hashes.is_empty() && request.images.is_empty() {
            return Err(ApiError::InvalidRequest("a match batch needs at least one hash or image".into()));
        }
        if request.images.len() > MAX_IMAGES_PER_MATCH {
            return Err(ApiError::PayloadTooLarge(format!(
                "a match batch has at most {MAX_IMAGES_PER_MATCH} images' candidate sets"
            )));
        }
        if request.hashes.len() > MAX_HASHES_PER_REQUEST {
            return Err(ApiError::PayloadTooLarge(format!(
                "a match batch has at most {MAX_HASHES_PER_REQUEST} hashes"
            )));
        }
        for value in &request.hashes {
            value.validate().map_err(ApiError::InvalidHash)?;
            if matches!(value, HashValue::Pdq { views, .. } if !views.is_empty()) {
                return Err(ApiError::InvalidHash(
                    "views describe a listed image; a match query is its own PDQ hash (upload the image to \
                     POST /v1/match/upload to search for crops and other altered copies)"
                        .into(),
                ));
            }
            if matches!(value, HashValue::Video { frames } if frames.iter().any(|f| !f.views.is_empty())) {
                return Err(ApiError::InvalidHash(
                    "frame views describe a listed video; a match query is its frames' own PDQ hashes (upload the \
                     video to POST /v1/match/upload to search for cropped copies)"
                        .into(),
                ));
            }
        }
        let images = request
            .images
            .iter()
            .map(|image| crate::candidates::from_wire(image).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::InvalidRequest)?;
        let lists = self.lists_to_search(caller, request.lists).await?;
        let queries: Vec<Query<'_>> =
            request.hashes.iter().map(Query::Value).chain(images.into_iter().map(Query::Image)).collect();
        Ok(MatchResponse { results: self.match_queries(caller, &lists, &queries, deadline).await? })
    }

    /// Matches `caller`'s queries against `lists` (already authorised); one result per query.
    pub(crate) async fn match_queries(
        &self,
        caller: &Caller,
        lists: &[String],
        queries: &[Query<'_>],
        deadline: Deadline,
    ) -> Result<Vec<MatchResult>, ApiError> {
        let prepared = queries.iter().map(Prepared::new).collect::<Result<Vec<_>, _>>()?;
        check_budget(lists.len(), &prepared)?;
        let index = self.index.clone();
        let searched = lists.to_vec();
        let hits = actix_web::web::block(move || search_all(&index, &searched, &prepared, &deadline))
            .await
            .map_err(ApiError::internal)??;

        // Re-read every hit at once: the index may lag a withdrawal by a moment.
        let mut ids: Vec<s::EntryId> = hits.iter().flatten().map(|h| h.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let entries: HashMap<s::EntryId, s::Entry> =
            self.store.entries_by_id(&ids).await?.into_iter().map(|e| (e.id, e)).collect();

        let mut results = Vec::with_capacity(queries.len());
        let mut counted: Vec<(String, s::EntryId, s::EntryState)> = Vec::new();
        for (index, query_hits) in hits.into_iter().enumerate() {
            let mut matches = Vec::with_capacity(query_hits.len());
            for hit in query_hits {
                let Some(entry) = entries.get(&hit.id).filter(|e| e.state.is_live()) else {
                    continue;
                };
                let list = &lists[hit.list];
                counted.push((list.clone(), hit.id, entry.state));
                matches.push(MatchedEntry {
                    entry: self.refs.encode(hit.id),
                    list: list.clone(),
                    kind: entry.kind,
                    distance: hit.distance,
                    variant: hit.variant.map(str::to_owned),
                    view: hit.view.map(|view| view as u32),
                    query_region: hit.query_region,
                    state: entry.state,
                    verified: entry.state == s::EntryState::Verified,
                });
            }
            results.push(MatchResult { index, matches });
        }
        self.count_matches(caller, &counted).await?;
        Ok(results)
    }

    /// Counts the matches (statistics; for the benign-image heuristic, the distinct platforms and days that
    /// matched each entry), then quarantines an unverified entry that crossed the heuristic's thresholds. Most
    /// queries match nothing, so this costs nothing on the common path.
    async fn count_matches(
        &self,
        caller: &Caller,
        hits: &[(String, s::EntryId, s::EntryState)],
    ) -> Result<(), ApiError> {
        if hits.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let month = month_of(now);
        let day = now / 86_400_000;
        let mut by_list: std::collections::BTreeMap<&str, Vec<(s::EntryId, s::EntryState)>> = Default::default();
        for (list, id, state) in hits {
            by_list.entry(list.as_str()).or_default().push((*id, *state));
        }
        for (list, mut entries) in by_list {
            // One request counts an entry once, however often it repeats the hash.
            entries.sort_unstable_by_key(|(id, _)| *id);
            entries.dedup_by_key(|(id, _)| *id);
            let ids: Vec<s::EntryId> = entries.iter().map(|(id, _)| *id).collect();
            self.store.count_matches(list, &ids, &month, &caller.key_id, day).await?;
            // Only unverified entries can be quarantined by the heuristic: the others need no second read.
            for (id, _) in entries.iter().filter(|(_, state)| *state == s::EntryState::Pending) {
                self.check_benign(*id).await?;
            }
        }
        Ok(())
    }

    /// The lists a caller's request searches when it names none.
    pub(crate) async fn default_lists(&self, caller: &Caller) -> Result<Vec<String>, ApiError> {
        self.lists_to_search(caller, None).await
    }
}

/// One query: a hash value as a client sent it, or the candidates of an image the server hashed itself
/// (uploads): its eight dihedral variants, those of the pictures framed inside it and its windows, which also
/// find rotated, mirrored, framed and cropped copies.
#[derive(Debug)]
pub(crate) enum Query<'a> {
    /// A hash value; a PDQ hash is searched as it is.
    Value(&'a HashValue),
    /// An uploaded image's candidates: one query, one result, one match per listed image.
    Image(Arc<Candidates>),
    /// An uploaded video: its frame list (searched as [`Query::Value`] searches it) and its frames' windows, which
    /// find listed videos' frame squares inside a cropped re-encode.
    Video(&'a HashValue, VideoWindows),
}

/// An uploaded video's frame windows (`disrupt_hasher::video::squares`), shared by its query and its upload.
pub(crate) type VideoWindows = Arc<Vec<FrameWindows>>;

#[cfg(test)]
mod tests {
    use super::*;
    use disrupt_openapi::model::VideoFrame;

    fn frame(i: u64, pdq: [u8; 32], quality: u8) -> VideoFrame {
        VideoFrame {
            frame: i,
            timestamp: i as f64,
            pdq: hex::encode(pdq).parse().expect("hex"),
            quality,
            views: Vec::new(),
        }
    }

    #[test]
    fn low_quality_frames_do_not_make_videos_match() {
        let black = [0u8; 32];
        let a: Vec<_> = (0..10).map(|i| frame(i, black, 0)).chain([frame(10, [0xa5; 32], 100)]).collect();
        let b: Vec<_> = (0..10).map(|i| frame(i, black, 0)).chain([frame(10, [0x5a; 32], 100)]).collect();
        let later = Deadline::after(std::time::Duration::from_secs(60));
        let distance = |q: &[VideoFrame], s: &[VideoFrame]| {
            video_distance(&reliable_frames(q), &reliable_frames(s), &later).expect("in time")
        };
        assert_eq!(distance(&a, &b), None, "only black frames in common");
        assert_eq!(distance(&a, &a), Some(0));
    }

    #[test]
    fn most_of_the_query_must_match() {
        // Frames whose bytes all differ pairwise are at least 32 bits apart: no frame matches another by accident.
        let distinct = |i: u8| frame(u64::from(i), [i.wrapping_mul(37); 32], 100);
        let stored: Vec<_> = (0..10).map(distinct).collect();
        let others: Vec<_> = (100..103).map(distinct).collect();
        let query = |matching: usize, other: usize| reliable_frames(&[&stored[..matching], &others[..other]].concat());
        let s = reliable_frames(&stored);
        let later = Deadline::after(std::time::Duration::from_secs(60));
        assert_eq!(video_distance(&query(8, 2), &s, &later).expect("in time"), Some(0), "8 of 10 query frames match");
        assert_eq!(video_distance(&query(7, 3), &s, &later).expect("in time"), None, "7 of 10 are not enough");
    }

    /// Video `seed`'s frames are all distinct from every other video's (distinct bytes are >= 32 bits apart).
    fn video_json(seed: u8) -> String {
        let frames: Vec<_> = (0..40u8).map(|i| frame(u64::from(i), [seed * 40 + i; 32], 100)).collect();
        serde_json::to_string(&frames).expect("json")
    }

    #[test]
    fn the_search_stops_at_the_deadline_even_inside_a_video_scan() {
        let index = crate::match_index::MatchIndex::shared();
        for seed in 1..=5u8 {
            assert!(index.write().apply("ncii", u64::from(seed), s::HashKind::Video, &video_json(seed), true));
        }
        let lists = vec!["ncii".to_owned()];
        let frames: Vec<VideoFrame> = serde_json::from_str(&video_json(3)).expect("frames");
        let query = Prepared::Video(reliable_frames(&frames), None);
        let queries = [query];
        let later = Deadline::after(std::time::Duration::from_secs(60));
        let hits = search_all(&index, &lists, &queries, &later).expect("in time");
        assert_eq!(hits[0].iter().map(|h| h.id).collect::<Vec<_>>(), [3]);
        let now = Deadline::after(std::time::Duration::ZERO);
        assert!(matches!(search_all(&index, &lists, &queries, &now), Err(ApiError::RequestTimeout(_))));
    }

    #[test]
    fn the_budget_counts_lists_variants_and_frames() {
        let one = || Prepared::Md5([0; 16]);
        assert!(check_budget(8, &(0..1000).map(|_| one()).collect::<Vec<_>>()).is_ok());
        assert!(matches!(
            check_budget(9, &(0..1000).map(|_| one()).collect::<Vec<_>>()),
            Err(ApiError::PayloadTooLarge(_))
        ));
        let dihedral = || Prepared::Pdq(vec![[0; 32]; 8]);
        assert!(check_budget(1, &(0..1000).map(|_| dihedral()).collect::<Vec<_>>()).is_ok());
        assert!(check_budget(2, &(0..1000).map(|_| dihedral()).collect::<Vec<_>>()).is_err());
        assert!(check_budget(1, &[Prepared::Video(vec![[0; 32]; MAX_MATCH_SEARCHES + 1], None)]).is_err());
    }
}
