//! [`VideoIndex`]: stored videos' per-frame PDQ hashes, searched with a query video by the vPDQ rule.
//!
//! Frames come in as `(hash, quality)` pairs so the index needs no decoder (map `video::FrameHash` to
//! `(pdq, quality)`). As in vPDQ, frames of quality below 50 and repeated hashes are dropped on both sides;
//! query-match % is the share of the query's frames with any stored frame within the distance, compared-match %
//! the share of the stored video's frames with any query frame within it. All frames of all videos share one
//! [`PdqIndex`], so a search costs one range search per distinct query frame.

use std::collections::{HashMap, HashSet};

use super::{EntryId, PdqIndex};
use crate::pdq::{MATCH_DISTANCE, PdqHash, QUALITY_THRESHOLD};

/// When a stored video counts as a match of a query video.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoThresholds {
    /// Minimum query-match percentage (0..=100), vPDQ's usual 80.
    pub query_match_pct: f64,
    /// Minimum compared-match percentage (0..=100), vPDQ's usual 0.
    pub compared_match_pct: f64,
    /// Largest Hamming distance at which two frames match, PDQ's 31.
    pub distance: u32,
}

impl Default for VideoThresholds {
    fn default() -> Self {
        Self { query_match_pct: 80.0, compared_match_pct: 0.0, distance: MATCH_DISTANCE }
    }
}

/// A stored video sharing at least one matching frame with the query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoCandidate {
    /// The stored video's entry.
    pub id: EntryId,
    /// Share of the query's (reliable, distinct) frames that have a stored frame within the distance, 0..=100.
    pub query_match_pct: f64,
    /// Share of the stored video's frames that have a query frame within the distance, 0..=100.
    pub compared_match_pct: f64,
    /// Both percentages reach their thresholds.
    pub is_match: bool,
}

/// Stored videos, searchable by a query video's frames.
#[derive(Debug, Default, Clone)]
pub struct VideoIndex {
    frames: PdqIndex,
    /// Frame key (the id of the frame inside `frames`) to the video owning it.
    owner: HashMap<u64, EntryId>,
    /// Video to the keys of its kept frames.
    videos: HashMap<EntryId, Vec<u64>>,
    next_key: u64,
}

impl VideoIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a video given its frames as `(hash, quality)`.
    pub fn insert(&mut self, id: EntryId, frames: &[(PdqHash, u8)]) {
        self.remove(id);
        let kept = reliable_distinct(frames);
        let mut keys = Vec::with_capacity(kept.len());
        for hash in kept {
            let key = self.next_key;
            self.next_key += 1;
            self.frames.insert(key, hash);
            self.owner.insert(key, id);
            keys.push(key);
        }
        self.videos.insert(id, keys);
    }

    /// Removes a video; false when it was not present.
    pub fn remove(&mut self, id: EntryId) -> bool {
        let Some(keys) = self.videos.remove(&id) else {
            return false;
        };
        for key in keys {
            self.frames.remove(key);
            self.owner.remove(&key);
        }
        true
    }

    /// Number of videos.
    pub fn len(&self) -> usize {
        self.videos.len()
    }

    /// True when no video is indexed.
    pub fn is_empty(&self) -> bool {
        self.videos.is_empty()
    }

    /// Every stored video with at least one frame within `thresholds.distance` of a query frame, matches first,
    /// then by falling query-match %.
    pub fn search(&self, query: &[(PdqHash, u8)], thresholds: &VideoThresholds) -> Vec<VideoCandidate> {
        let query = reliable_distinct(query);
        if query.is_empty() {
            return Vec::new();
        }
        // Per video: how many query frames found it, and which of its frames were found.
        let mut tallies: HashMap<EntryId, (usize, HashSet<u64>)> = HashMap::new();
        for hash in &query {
            let mut videos_of_frame = HashSet::new();
            for hit in self.frames.search(hash, thresholds.distance) {
                let Some(&video) = self.owner.get(&hit.id) else {
                    continue;
                };
                let tally = tallies.entry(video).or_default();
                if videos_of_frame.insert(video) {
                    tally.0 += 1;
                }
                tally.1.insert(hit.id);
            }
        }
        let mut candidates: Vec<VideoCandidate> = tallies
            .into_iter()
            .map(|(id, (query_hits, stored_hits))| {
                let stored = self.videos.get(&id).map_or(1, |keys| keys.len().max(1));
                let query_match_pct = 100.0 * query_hits as f64 / query.len() as f64;
                let compared_match_pct = 100.0 * stored_hits.len() as f64 / stored as f64;
                VideoCandidate {
                    id,
                    query_match_pct,
                    compared_match_pct,
                    is_match: query_match_pct >= thresholds.query_match_pct
                        && compared_match_pct >= thresholds.compared_match_pct,
                }
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.is_match.cmp(&a.is_match).then(b.query_match_pct.total_cmp(&a.query_match_pct)).then(a.id.cmp(&b.id))
        });
        candidates
    }
}

/// The frames vPDQ compares: quality >= 50, each hash once, in order of first appearance.
fn reliable_distinct(frames: &[(PdqHash, u8)]) -> Vec<PdqHash> {
    let mut seen = HashSet::new();
    frames
        .iter()
        .filter(|(hash, quality)| *quality >= QUALITY_THRESHOLD && seen.insert(*hash))
        .map(|(hash, _)| *hash)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random hash per seed (splitmix64), with its first `flips` bits inverted.
    fn hash(seed: u8, flips: usize) -> PdqHash {
        let mut state = u64::from(seed) << 32;
        let mut b = [0u8; 32];
        for word in b.chunks_exact_mut(8) {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            word.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        }
        for bit in 0..flips {
            b[bit / 8] ^= 1 << (bit % 8);
        }
        PdqHash::from_bytes(b)
    }

    #[test]
    fn near_duplicate_video_matches_with_vpdq_percentages() {
        let mut index = VideoIndex::new();
        let stored: Vec<_> = (0..10).map(|s| (hash(s, 0), 100)).collect();
        index.insert(7, &stored);
        // 8 of 10 query frames are near-copies (distance 20), 2 are unrelated, plus a low-quality frame and a
        // repeated frame that must be ignored.
        let mut query: Vec<_> = (0..8).map(|s| (hash(s, 20), 90)).collect();
        query.push((hash(200, 0), 90));
        query.push((hash(201, 0), 90));
        query.push((hash(9, 0), 10));
        query.push((hash(0, 20), 90));
        let found = index.search(&query, &VideoThresholds::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, 7);
        assert_eq!(found[0].query_match_pct, 80.0);
        assert_eq!(found[0].compared_match_pct, 80.0);
        assert!(found[0].is_match);

        let strict = VideoThresholds { query_match_pct: 90.0, ..VideoThresholds::default() };
        assert!(!index.search(&query, &strict)[0].is_match);
    }

    #[test]
    fn frames_beyond_the_distance_do_not_count_and_removal_forgets_the_video() {
        let mut index = VideoIndex::new();
        index.insert(1, &[(hash(1, 0), 100), (hash(2, 0), 100)]);
        index.insert(2, &[(hash(3, 0), 100)]);
        let found = index.search(&[(hash(1, 32), 100)], &VideoThresholds::default());
        assert!(found.is_empty());
        let found = index.search(&[(hash(1, 31), 100)], &VideoThresholds::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].compared_match_pct, 50.0);
        assert!(index.remove(1));
        assert!(!index.remove(1));
        assert!(index.search(&[(hash(1, 0), 100)], &VideoThresholds::default()).is_empty());
        assert_eq!(index.len(), 1);
    }
}
