//! Whether a listed video matches a query video through its frames' centred squares ([`super::squares`]): a
//! cropped re-encode.
//!
//! Each close pair (a query frame's window, a listed frame's square) says where the listed frame lies in the
//! query's frame: the square's region scaled up from the window. A crop is one rectangle for the whole video, so
//! true pairs agree on it, frame after frame, while chance pairs (two dark corridors, two skies) land anywhere.
//! The decision takes the placement most frames agree on and asks vPDQ's question of it: do enough of the query's
//! reliable, distinct frames have a pair there?

use serde::{Deserialize, Serialize};

use super::FrameWindows;
use crate::pdq::MATCH_DISTANCE;
use crate::robust::View;

/// One close pair: a window of a query frame and a square of a listed frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SquarePair {
    /// The query frame (index among the query's frames that have windows).
    pub frame: usize,
    /// The window, as fractions of the query frame: `[x, y, width, height]`.
    pub window: [f32; 4],
    /// Which listed square (any number that tells two squares apart: a listed frame's two squares, or two
    /// frames', are two).
    pub square: u64,
    /// The square's region, in 1/10,000 of the listed frame's width and height: `[x, y, width, height]`.
    pub region: [u16; 4],
    /// Hamming distance between the two hashes.
    pub distance: u32,
}

impl SquarePair {
    /// Where the whole listed frame lies in the query's frame (fractions of it), as this pair places it.
    pub fn placement(&self) -> [f32; 4] {
        let [wx, wy, ww, wh] = self.window;
        let [rx, ry, rw, rh] = self.region.map(|u| f32::from(u) / f32::from(crate::robust::REGION_UNITS));
        let (width, height) = (ww / rw.max(1e-4), wh / rh.max(1e-4));
        [wx - rx * width, wy - ry * height, width, height]
    }
}

/// The knobs of the decision.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CroppedThresholds {
    /// Largest distance of a pair, PDQ's 31.
    pub distance: u32,
    /// Least share of the query's frames (0..=1) with a pair at the agreed placement: vPDQ's 80 %.
    pub share: f64,
    /// Two placements agree when their edges are within this fraction of the listed frame's width and height.
    pub agree: f32,
    /// Least number of distinct listed squares at the agreed placement: two neighbouring windows on one square
    /// are not two pieces of evidence, a video of one still frame must match with both of its squares.
    pub squares: usize,
}

impl Default for CroppedThresholds {
    fn default() -> Self {
        CroppedThresholds { distance: MATCH_DISTANCE, share: 0.8, agree: 0.04, squares: 2 }
    }
}

/// A listed video matched through its squares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CroppedMatch {
    /// Query frames with a pair at the agreed placement.
    pub frames: usize,
    /// Their share of the query's frames, 0..=1.
    pub share: f64,
    /// The smallest distance among those pairs.
    pub distance: u32,
    /// Where the listed frame lies in the query's frames (fractions of them): `[x, y, width, height]`.
    pub placement: [f32; 4],
}

/// Most pairs per query frame taken into the decision, the closest first (neighbouring windows on one square
/// bring dozens; the placement needs a few).
pub const PAIRS_PER_FRAME: usize = 12;

/// Decides one listed video from its close pairs with a query of `frames` frames (those with windows: reliable,
/// distinct), or `None`.
pub fn decide(pairs: &[SquarePair], frames: usize, t: &CroppedThresholds) -> Option<CroppedMatch> {
    if frames == 0 {
        return None;
    }
    let mut kept: Vec<SquarePair> = pairs.iter().filter(|p| p.distance <= t.distance).copied().collect();
    kept.sort_by_key(|p| (p.frame, p.distance));
    let mut per_frame: Vec<SquarePair> = Vec::with_capacity(kept.len());
    for run in kept.chunk_by(|a, b| a.frame == b.frame) {
        per_frame.extend(run.iter().take(PAIRS_PER_FRAME));
    }
    let placements: Vec<[f32; 4]> = per_frame.iter().map(SquarePair::placement).collect();
    // Each frame's closest pair proposes a placement; the one that most frames support wins.
    let mut best: Option<CroppedMatch> = None;
    for run_start in per_frame.chunk_by(|a, b| a.frame == b.frame).scan(0, |at, run| {
        let start = *at;
        *at += run.len();
        Some(start)
    }) {
        let proposal = placements[run_start];
        let mut supported_frames = Vec::new();
        let mut squares = Vec::new();
        let mut distance = u32::MAX;
        for (pair, placement) in per_frame.iter().zip(&placements) {
            if agrees(placement, &proposal, t.agree) {
                supported_frames.push(pair.frame);
                squares.push(pair.square);
                distance = distance.min(pair.distance);
            }
        }
        supported_frames.dedup();
        squares.sort_unstable();
        squares.dedup();
        let share = supported_frames.len() as f64 / frames as f64;
        if squares.len() < t.squares || share < t.share {
            continue;
        }
        let found = CroppedMatch { frames: supported_frames.len(), share, distance, placement: proposal };
        if best.is_none_or(|b| {
            (found.frames, std::cmp::Reverse(found.distance)) > (b.frames, std::cmp::Reverse(b.distance))
        }) {
            best = Some(found);
        }
    }
    best
}

/// Compares a query video's windowed frames with a listed video's frames' squares, every pair (the match index
/// seeks them instead; this is the reference it must agree with, and enough for a handful of videos).
pub fn compare(query: &[FrameWindows], listed: &[Vec<View>], t: &CroppedThresholds) -> Option<CroppedMatch> {
    let squares: Vec<&View> = listed.iter().flatten().collect();
    let mut pairs = Vec::new();
    for (frame, windows) in query.iter().enumerate() {
        for (n, square) in squares.iter().enumerate() {
            for window in &windows.windows {
                let distance = window.hash.distance(&square.hash);
                if distance <= t.distance {
                    let region = square.region.to_units();
                    pairs.push(SquarePair { frame, window: window.rect, square: n as u64, region, distance });
                }
            }
        }
    }
    decide(&pairs, query.len(), t)
}

/// Whether two placements of the listed frame agree: every edge within `tolerance` of the frame's size.
fn agrees(a: &[f32; 4], b: &[f32; 4], tolerance: f32) -> bool {
    let (w, h) = (a[2].max(b[2]), a[3].max(b[3]));
    (a[0] - b[0]).abs() <= tolerance * w
        && (a[1] - b[1]).abs() <= tolerance * h
        && ((a[0] + a[2]) - (b[0] + b[2])).abs() <= tolerance * w
        && ((a[1] + a[3]) - (b[1] + b[3])).abs() <= tolerance * h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The listed frame's 80 % square of a 16:9 frame, and its 52 % square.
    const BIG: [u16; 4] = [2750, 1000, 4500, 8000];
    const SMALL: [u16; 4] = [3537, 2400, 2925, 5200];

    /// A pair placing the listed frame at `[x, y, w, h]` of the query.
    fn pair(frame: usize, square: u64, region: [u16; 4], at: [f32; 4], distance: u32) -> SquarePair {
        let r = region.map(|u| f32::from(u) / 10_000.0);
        let window = [at[0] + r[0] * at[2], at[1] + r[1] * at[3], r[2] * at[2], r[3] * at[3]];
        SquarePair { frame, window, square, region, distance }
    }

    #[test]
    fn a_pair_places_the_listed_frame_where_it_was_cut_from() {
        let at = [-0.1, -0.05, 1.2, 1.1];
        let p = pair(0, 1, BIG, at, 10).placement();
        assert!(p.iter().zip(at).all(|(a, b)| (a - b).abs() < 1e-4), "{p:?}");
    }

    #[test]
    fn frames_that_agree_on_one_crop_match() {
        let at = [-0.1, -0.05, 1.2, 1.1];
        let pairs: Vec<SquarePair> = (0..10)
            .map(|f| pair(f, 2 * f as u64 + (f % 2) as u64, if f % 2 == 0 { BIG } else { SMALL }, at, 20))
            .collect();
        let found = decide(&pairs, 10, &CroppedThresholds::default()).expect("a match");
        assert_eq!((found.frames, found.distance), (10, 20));
        // 7 of 10 frames is under vPDQ's 80 %.
        assert!(decide(&pairs[..7], 10, &CroppedThresholds::default()).is_none());
    }

    #[test]
    fn pairs_scattered_over_placements_do_not_match() {
        // Every frame has a close pair, each placing the listed frame somewhere else.
        let pairs: Vec<SquarePair> = (0..10)
            .map(|f| pair(f, f as u64, BIG, [-0.3 + 0.06 * f as f32, -0.1, 1.2 + 0.05 * f as f32, 1.1], 12))
            .collect();
        assert!(decide(&pairs, 10, &CroppedThresholds::default()).is_none());
    }

    #[test]
    fn one_square_seen_by_neighbouring_windows_is_not_enough() {
        let at = [-0.1, -0.05, 1.2, 1.1];
        let one = pair(0, 7, BIG, at, 9);
        let mut beside = one;
        beside.window[0] += 0.01;
        assert!(decide(&[one, beside], 1, &CroppedThresholds::default()).is_none());
        // With the other square of the frame at the same placement, a still video matches.
        assert!(decide(&[one, beside, pair(0, 8, SMALL, at, 14)], 1, &CroppedThresholds::default()).is_some());
    }

    #[test]
    fn pairs_past_the_distance_are_ignored() {
        let at = [0.0, 0.0, 1.0, 1.0];
        let pairs = [pair(0, 1, BIG, at, 40), pair(0, 2, SMALL, at, 35)];
        assert!(decide(&pairs, 1, &CroppedThresholds::default()).is_none());
    }
}
