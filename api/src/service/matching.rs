//! Matching hashes against the in-memory index.
//!
//! The index only holds live entries, but it follows the store with a small lag; every hit is re-read from the
//! store so an entry withdrawn a moment ago is never answered as a match.

use disrupt_openapi::matching::{MatchRequest, MatchResponse, MatchResult, MatchedEntry};
use disrupt_openapi::model::{HashValue, MAX_HASHES_PER_REQUEST, VideoFrame};

use super::Service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::wire;

/// PDQ hashes within this Hamming distance match (Meta's recommended threshold).
pub const PDQ_MATCH_DISTANCE: u32 = 31;
/// Share of a query video's frames that must match a stored video's frames.
pub const VIDEO_MATCH_SHARE: f64 = 0.8;

/// Names of the dihedral variants, in the order the hasher computes them.
const VARIANTS: [&str; 8] = ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"];

/// A hit before its entry is re-read.
struct Hit {
    list: String,
    id: s::EntryId,
    distance: u32,
    variant: Option<&'static str>,
}

fn pdq_bytes(hex_text: &str) -> Result<[u8; 32], ApiError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).map_err(|e| ApiError::InvalidHash(e.to_string()))?;
    Ok(out)
}

fn hamming(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// A video's frames as vPDQ compares them: frames under PDQ quality 50 dropped (black or flat frames would match
/// any other video's), each distinct hash once.
fn reliable_frames(frames: &[VideoFrame]) -> Vec<[u8; 32]> {
    let mut hashes: Vec<[u8; 32]> = frames
        .iter()
        .filter(|f| f.quality >= disrupt_hasher::pdq::QUALITY_THRESHOLD)
        .filter_map(|f| pdq_bytes(f.pdq.as_str()).ok())
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The vPDQ verdict (as `disrupt_hasher::video::matching` gives it, which needs the FFmpeg feature): the videos
/// match when at least [`VIDEO_MATCH_SHARE`] of the query's reliable, distinct frames have a stored frame within
/// the PDQ threshold. Returns the smallest such frame distance, or `None` when they do not match.
fn video_distance(query: &[[u8; 32]], stored: &[[u8; 32]]) -> Option<u32> {
    if query.is_empty() || stored.is_empty() {
        return None;
    }
    let mut best = u32::MAX;
    let mut matched = 0usize;
    for q in query {
        let nearest = stored.iter().map(|s| hamming(q, s)).min().unwrap_or(u32::MAX);
        if nearest <= PDQ_MATCH_DISTANCE {
            matched += 1;
            best = best.min(nearest);
        }
    }
    (matched as f64 / query.len() as f64 >= VIDEO_MATCH_SHARE).then_some(best)
}

impl Service {
    /// The lists a match request searches: those named (each must be readable) or every list of the key.
    async fn lists_to_search(&self, caller: &Caller, named: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
        match named {
            Some(lists) => {
                for list in &lists {
                    caller.require_list(list)?;
                }
                Ok(lists)
            }
            None if caller.role == disrupt_openapi::model::Role::Admin => Ok(self.store.list_names().await?),
            None if caller.lists.is_empty() => Ok(vec![DEFAULT_LIST.to_owned()]),
            None => Ok(caller.lists.clone()),
        }
    }

    fn search(&self, lists: &[String], query: &Query<'_>) -> Result<Vec<Hit>, ApiError> {
        let index = self.index.read();
        let mut hits = Vec::new();
        let value = match query {
            Query::Value(value) => *value,
            Query::Dihedral(variants) => {
                for list in lists {
                    hits.extend(index.search_pdq(list, &variants[..], PDQ_MATCH_DISTANCE).into_iter().map(|h| Hit {
                        list: list.clone(),
                        id: h.id,
                        distance: h.distance,
                        variant: VARIANTS.get(h.variant).copied(),
                    }));
                }
                return Ok(hits);
            }
        };
        for list in lists {
            match value {
                HashValue::Pdq { hash, .. } => {
                    let query = pdq_bytes(hash.as_str())?;
                    hits.extend(index.search_pdq(list, &[query], PDQ_MATCH_DISTANCE).into_iter().map(|h| Hit {
                        list: list.clone(),
                        id: h.id,
                        distance: h.distance,
                        variant: VARIANTS.get(h.variant).copied(),
                    }));
                }
                HashValue::Md5 { hash } => {
                    let mut digest = [0u8; 16];
                    hex::decode_to_slice(hash.as_str(), &mut digest)
                        .map_err(|e| ApiError::InvalidHash(e.to_string()))?;
                    hits.extend(index.lookup_md5(list, &digest).into_iter().map(|id| Hit {
                        list: list.clone(),
                        id,
                        distance: 0,
                        variant: None,
                    }));
                }
                HashValue::Sha256 { hash } => {
                    let digest = pdq_bytes(hash.as_str())?;
                    hits.extend(index.lookup_sha256(list, &digest).into_iter().map(|id| Hit {
                        list: list.clone(),
                        id,
                        distance: 0,
                        variant: None,
                    }));
                }
                HashValue::Video { frames } => {
                    let query = reliable_frames(frames);
                    for (id, stored) in index.videos(list) {
                        let Ok(stored) = serde_json::from_str::<Vec<VideoFrame>>(stored) else {
                            continue;
                        };
                        let stored = reliable_frames(&stored);
                        if let Some(distance) = video_distance(&query, &stored) {
                            hits.push(Hit { list: list.clone(), id, distance, variant: None });
                        }
                    }
                }
            }
        }
        Ok(hits)
    }

    /// `POST /v1/match`: per query hash, the live entries it matches.
    pub async fn match_hashes(&self, caller: &Caller, request: MatchRequest) -> Result<MatchResponse, ApiError> {
        if request.hashes.is_empty() {
            return Err(ApiError::InvalidRequest("a match batch needs at least one hash".into()));
        }
        if request.hashes.len() > MAX_HASHES_PER_REQUEST {
            return Err(ApiError::PayloadTooLarge(format!(
                "a match batch has at most {MAX_HASHES_PER_REQUEST} hashes"
            )));
        }
        for value in &request.hashes {
            value.validate().map_err(ApiError::InvalidHash)?;
        }
        let lists = self.lists_to_search(caller, request.lists).await?;
        let queries: Vec<Query<'_>> = request.hashes.iter().map(Query::Value).collect();
        Ok(MatchResponse { results: self.match_queries(&lists, &queries).await? })
    }

    /// Matches queries against `lists` (already authorised); one result per query.
    pub(crate) async fn match_queries(
        &self,
        lists: &[String],
        queries: &[Query<'_>],
    ) -> Result<Vec<MatchResult>, ApiError> {
        let mut results = Vec::with_capacity(queries.len());
        let mut counted: Vec<(String, s::EntryId, s::EntryState)> = Vec::new();
        for (index, query) in queries.iter().enumerate() {
            let hits = self.search(lists, query)?;
            let mut matches = Vec::with_capacity(hits.len());
            for hit in hits {
                // Re-read: the index may lag a withdrawal by a moment.
                let Some(entry) = self.store.get_entry(hit.id).await? else {
                    continue;
                };
                if !entry.state.is_live() {
                    continue;
                }
                counted.push((hit.list.clone(), hit.id, entry.state));
                matches.push(MatchedEntry {
                    entry: self.refs.encode(hit.id),
                    list: hit.list,
                    kind: wire::kind(entry.kind),
                    distance: hit.distance,
                    variant: hit.variant.map(str::to_owned),
                    state: wire::entry_state(entry.state),
                    verified: entry.state == s::EntryState::Verified,
                });
            }
            results.push(MatchResult { index, matches });
        }
        self.count_matches(&counted).await?;
        Ok(results)
    }

    /// The lists a caller's request searches when it names none.
    /// Counts the matches (statistics, and the benign-image heuristic's match volume), then quarantines an
    /// unverified entry whose count crossed the heuristic's threshold. Most queries match nothing, so this
    /// costs nothing on the common path.
    async fn count_matches(&self, hits: &[(String, s::EntryId, s::EntryState)]) -> Result<(), ApiError> {
        if hits.is_empty() {
            return Ok(());
        }
        let month = crate::stats::month_of(super::now_ms());
        let mut by_list: std::collections::BTreeMap<&str, Vec<(s::EntryId, s::EntryState)>> = Default::default();
        for (list, id, state) in hits {
            by_list.entry(list.as_str()).or_default().push((*id, *state));
        }
        for (list, mut entries) in by_list {
            // One request counts an entry once, however often it repeats the hash.
            entries.sort_unstable_by_key(|(id, _)| *id);
            entries.dedup_by_key(|(id, _)| *id);
            let ids: Vec<s::EntryId> = entries.iter().map(|(id, _)| *id).collect();
            self.store.count_matches(list, &ids, &month).await?;
            // Only unverified entries can be quarantined by the heuristic: the others need no second read.
            for (id, _) in entries.iter().filter(|(_, state)| *state == s::EntryState::Pending) {
                self.check_benign(*id).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn default_lists(&self, caller: &Caller) -> Result<Vec<String>, ApiError> {
        self.lists_to_search(caller, None).await
    }
}

/// One query: a hash value as a client sent it, or the eight dihedral PDQ variants of an image the server
/// hashed itself (uploads), which also find rotated and mirrored copies.
#[derive(Debug)]
pub(crate) enum Query<'a> {
    /// A hash value; a PDQ hash is searched as it is.
    Value(&'a HashValue),
    /// An image's PDQ variants, in the hasher's dihedral order.
    Dihedral(&'a [[u8; 32]; 8]),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(i: u64, pdq: [u8; 32], quality: u8) -> VideoFrame {
        VideoFrame { frame: i, timestamp: i as f64, pdq: hex::encode(pdq).parse().expect("hex"), quality }
    }

    #[test]
    fn low_quality_frames_do_not_make_videos_match() {
        let black = [0u8; 32];
        let a: Vec<_> = (0..10).map(|i| frame(i, black, 0)).chain([frame(10, [0xa5; 32], 100)]).collect();
        let b: Vec<_> = (0..10).map(|i| frame(i, black, 0)).chain([frame(10, [0x5a; 32], 100)]).collect();
        assert_eq!(video_distance(&reliable_frames(&a), &reliable_frames(&b)), None, "only black frames in common");
        assert_eq!(video_distance(&reliable_frames(&a), &reliable_frames(&a)), Some(0));
    }

    #[test]
    fn most_of_the_query_must_match() {
        // Frames whose bytes all differ pairwise are at least 32 bits apart: no frame matches another by accident.
        let distinct = |i: u8| frame(u64::from(i), [i.wrapping_mul(37); 32], 100);
        let stored: Vec<_> = (0..10).map(distinct).collect();
        let others: Vec<_> = (100..103).map(distinct).collect();
        let query = |matching: usize, other: usize| reliable_frames(&[&stored[..matching], &others[..other]].concat());
        let s = reliable_frames(&stored);
        assert_eq!(video_distance(&query(8, 2), &s), Some(0), "8 of 10 query frames match");
        assert_eq!(video_distance(&query(7, 3), &s), None, "7 of 10 are not enough");
    }
}
