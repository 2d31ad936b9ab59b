//! Comparing two videos by their frame hashes, the vPDQ way (ThreatExchange `vpdq` brute-force matcher and
//! python-threatexchange's vPDQ signal type), plus a view of *where* they match.
//!
//! Frames below the quality threshold are dropped and repeated hashes kept once. The query-match percentage is
//! the share of the query's remaining frames that have a frame of the other video within the distance; the
//! compared-match percentage is the same the other way round. The usual verdict: query >= 80 %, compared >= 0 %.
//! Brute force, O(n m) distance computations: 600 x 600 frames (10 minutes at one hash a second) is a few
//! hundred thousand XOR-popcounts.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::FrameHash;
use crate::pdq::{MATCH_DISTANCE, PdqHash, QUALITY_THRESHOLD};

/// The knobs of the verdict. `Default` is vPDQ's: quality >= 50, distance <= 31, query >= 80 %, compared >= 0 %.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchThresholds {
    /// Frames below this PDQ quality are ignored.
    pub min_quality: u8,
    /// Two frames match when their hashes are at most this many bits apart.
    pub max_distance: u32,
    /// Least share (percent) of the query's frames that must match for a verdict of "match".
    pub query_match_pct: f64,
    /// Least share (percent) of the compared video's frames that must match.
    pub compared_match_pct: f64,
    /// Segments: most seconds between two matching query frames, and most drift between the query's and the
    /// stored video's clocks, for the frames to stay in one segment.
    pub segment_tolerance_s: f64,
}

impl Default for MatchThresholds {
    fn default() -> Self {
        Self {
            min_quality: QUALITY_THRESHOLD,
            max_distance: MATCH_DISTANCE,
            query_match_pct: 80.0,
            compared_match_pct: 0.0,
            segment_tolerance_s: 2.0,
        }
    }
}

/// A stretch of the query that matches a stretch of the stored video, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Timestamp of the first matching query frame.
    pub query_start: f64,
    /// Timestamp of the last matching query frame.
    pub query_end: f64,
    /// Timestamp of the stored frame matched by the first query frame.
    pub stored_start: f64,
    /// Timestamp of the stored frame matched by the last query frame.
    pub stored_end: f64,
    /// Number of matching query frames in the segment.
    pub frames: usize,
}

/// The outcome of comparing a query video with a stored one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoMatch {
    /// Percent of the query's (filtered) frames with a match in the stored video.
    pub query_match_pct: f64,
    /// Percent of the stored video's (filtered) frames with a match in the query.
    pub compared_match_pct: f64,
    /// Both percentages reach their thresholds.
    pub is_match: bool,
    /// Where they match, in query order.
    pub segments: Vec<Segment>,
}

/// Compares `query` with `stored` (frame hashes in frame order, as hashed).
pub fn compare(query: &[FrameHash], stored: &[FrameHash], t: &MatchThresholds) -> VideoMatch {
    let query_unique = unique_reliable(query, t.min_quality);
    let stored_unique = unique_reliable(stored, t.min_quality);
    let query_match_pct = match_pct(&query_unique, &stored_unique, t.max_distance);
    let compared_match_pct = match_pct(&stored_unique, &query_unique, t.max_distance);
    let is_match = !query_unique.is_empty()
        && !stored_unique.is_empty()
        && query_match_pct >= t.query_match_pct
        && compared_match_pct >= t.compared_match_pct;
    VideoMatch { query_match_pct, compared_match_pct, is_match, segments: segments(query, stored, t) }
}

/// vPDQ's preprocessing: drop unreliable frames, then keep the first frame of each distinct hash.
fn unique_reliable(frames: &[FrameHash], min_quality: u8) -> Vec<PdqHash> {
    let mut seen = HashSet::new();
    frames.iter().filter(|f| f.quality >= min_quality).map(|f| f.pdq).filter(|h| seen.insert(*h)).collect()
}

fn match_pct(from: &[PdqHash], to: &[PdqHash], max_distance: u32) -> f64 {
    if from.is_empty() {
        return 0.0;
    }
    let matched = from.iter().filter(|a| to.iter().any(|b| a.distance(b) <= max_distance)).count();
    matched as f64 * 100.0 / from.len() as f64
}

/// Groups matching query frames into segments. Each reliable query frame is paired with a matching stored
/// frame: inside a segment the one closest to where the segment's clock says it should be (repeated hashes of a
/// still scene make the plain nearest hash ambiguous), else the nearest hash, earliest on ties. A frame stays in
/// the current segment when it follows the previous match within the tolerance on both clocks.
fn segments(query: &[FrameHash], stored: &[FrameHash], t: &MatchThresholds) -> Vec<Segment> {
    let stored: Vec<&FrameHash> = stored.iter().filter(|f| f.quality >= t.min_quality).collect();
    let mut out: Vec<Segment> = Vec::new();
    let mut previous: Option<(f64, f64)> = None; // (query timestamp, stored timestamp) of the last match
    for q in query.iter().filter(|f| f.quality >= t.min_quality) {
        let candidates = stored.iter().filter(|s| q.pdq.distance(&s.pdq) <= t.max_distance);
        let continuing = previous.filter(|(pq, _)| q.timestamp - pq <= t.segment_tolerance_s);
        let best = match continuing {
            Some((pq, ps)) => {
                let expected = ps + (q.timestamp - pq);
                candidates.min_by(|a, b| (a.timestamp - expected).abs().total_cmp(&(b.timestamp - expected).abs()))
            }
            None => candidates.min_by_key(|s| (q.pdq.distance(&s.pdq), s.timestamp.to_bits())),
        };
        let Some(best) = best else { continue };
        let extends = continuing.is_some_and(|(pq, ps)| {
            let stored_step = best.timestamp - ps;
            stored_step >= -t.segment_tolerance_s && (stored_step - (q.timestamp - pq)).abs() <= t.segment_tolerance_s
        });
        match out.last_mut() {
            Some(segment) if extends => {
                segment.query_end = q.timestamp;
                segment.stored_end = best.timestamp;
                segment.frames += 1;
            }
            _ => out.push(Segment {
                query_start: q.timestamp,
                query_end: q.timestamp,
                stored_start: best.timestamp,
                stored_end: best.timestamp,
                frames: 1,
            }),
        }
        previous = Some((q.timestamp, best.timestamp));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash whose 256 bits are derived from `seed`, so different seeds land ~128 bits apart.
    fn hash(seed: u64) -> PdqHash {
        let mut bytes = [0u8; 32];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for b in &mut bytes {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        PdqHash::from_bytes(bytes)
    }

    fn video(seeds: &[u64], start_s: f64) -> Vec<FrameHash> {
        seeds
            .iter()
            .enumerate()
            .map(|(i, &seed)| FrameHash {
                frame: i as u64 * 30,
                timestamp: start_s + i as f64,
                pdq: hash(seed),
                quality: 100,
            })
            .collect()
    }

    #[test]
    fn identical_videos_match_fully_in_one_segment() {
        let v = video(&[1, 2, 3, 4, 5], 0.0);
        let m = compare(&v, &v, &MatchThresholds::default());
        assert_eq!((m.query_match_pct, m.compared_match_pct, m.is_match), (100.0, 100.0, true));
        assert_eq!(
            m.segments,
            vec![Segment { query_start: 0.0, query_end: 4.0, stored_start: 0.0, stored_end: 4.0, frames: 5 }]
        );
    }

    #[test]
    fn a_clip_matches_as_query_and_maps_to_its_place() {
        let stored = video(&(1..=20).collect::<Vec<_>>(), 0.0);
        let clip = video(&[8, 9, 10, 11, 12], 0.0);
        let m = compare(&clip, &stored, &MatchThresholds::default());
        assert_eq!(m.query_match_pct, 100.0);
        assert_eq!(m.compared_match_pct, 25.0);
        assert!(m.is_match);
        assert_eq!(m.segments.len(), 1);
        assert_eq!((m.segments[0].stored_start, m.segments[0].stored_end), (7.0, 11.0));
        // The other way round the stored video is not mostly in the clip.
        assert!(!compare(&stored, &clip, &MatchThresholds::default()).is_match);
    }

    #[test]
    fn unrelated_videos_do_not_match() {
        let m = compare(&video(&[1, 2, 3], 0.0), &video(&[100, 200, 300], 0.0), &MatchThresholds::default());
        assert_eq!((m.query_match_pct, m.is_match), (0.0, false));
        assert!(m.segments.is_empty());
    }

    #[test]
    fn low_quality_and_repeated_frames_are_ignored() {
        let mut query = video(&[1, 1, 1, 2, 99], 0.0);
        query[4].quality = 10;
        let stored = video(&[1, 7], 0.0);
        let m = compare(&query, &stored, &MatchThresholds::default());
        // Unique reliable query hashes: 1 and 2; only 1 matches.
        assert_eq!(m.query_match_pct, 50.0);
        assert_eq!(m.compared_match_pct, 50.0);
        assert!(!m.is_match);
        assert!(compare(&query, &stored, &MatchThresholds { query_match_pct: 50.0, ..Default::default() }).is_match);
    }

    #[test]
    fn near_duplicate_hashes_within_31_bits_match() {
        let a = video(&[5], 0.0);
        let mut b = a.clone();
        let mut bytes = *b[0].pdq.as_bytes();
        for byte in bytes.iter_mut().take(3) {
            *byte ^= 0xff; // 24 bits flipped
        }
        b[0].pdq = PdqHash::from_bytes(bytes);
        assert!(compare(&a, &b, &MatchThresholds::default()).is_match);
        bytes[3] ^= 0xff; // 32 bits
        b[0].pdq = PdqHash::from_bytes(bytes);
        assert!(!compare(&a, &b, &MatchThresholds::default()).is_match);
    }

    #[test]
    fn reordered_scenes_give_separate_segments() {
        let stored = video(&(1..=10).collect::<Vec<_>>(), 0.0);
        let query = video(&[7, 8, 9, 1, 2, 3], 0.0);
        let m = compare(&query, &stored, &MatchThresholds::default());
        let spans: Vec<(f64, f64, f64, f64)> =
            m.segments.iter().map(|s| (s.query_start, s.query_end, s.stored_start, s.stored_end)).collect();
        assert_eq!(spans, vec![(0.0, 2.0, 6.0, 8.0), (3.0, 5.0, 0.0, 2.0)]);
    }

    #[test]
    fn empty_inputs_never_match() {
        let v = video(&[1], 0.0);
        assert!(!compare(&[], &v, &MatchThresholds::default()).is_match);
        assert!(!compare(&v, &[], &MatchThresholds { query_match_pct: 0.0, ..Default::default() }).is_match);
    }
}
