//! [`FrameViewIndex`]: listed videos' frame squares ([`crate::video::squares`]), searched with a query frame's
//! windows for the close pairs a cropped re-encode leaves ([`crate::video::cropped`]).
//!
//! The squares sit in a [`BlockIndex`] under numbers of their own (a video may have thousands), each mapped to its
//! video and region. A query frame's windows reach a square by the block rule (within the distance and sharing one
//! 24-bit block exactly); each square reached is then compared with every window of the frame, so the decision
//! sees all of the frame's close pairs, not only those the rule found.

use std::collections::HashMap;

use super::{BlockIndex, EntryId};
use crate::pdq::{PdqHash, QUALITY_THRESHOLD};
use crate::video::cropped::PAIRS_PER_FRAME;
use crate::video::{FrameWindow, SquarePair};

/// A listed frame square as the index takes it: its hash, its PDQ quality and its region in the frame (1/10,000 of
/// the width and height: `[x, y, width, height]`).
pub type ListedSquare = (PdqHash, u8, [u16; 4]);

/// One listed square: its video and its region in the video's frame (1/10,000 of the width and height).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Square {
    video: EntryId,
    region: [u16; 4],
}

/// A close pair found for one query frame, with the listed video it belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoPair {
    /// The listed video.
    pub video: EntryId,
    /// The pair (its `frame` is the frame number given to [`FrameViewIndex::pairs`]).
    pub pair: SquarePair,
}

/// Listed videos' frame squares.
#[derive(Debug, Default, Clone)]
pub struct FrameViewIndex {
    blocks: BlockIndex,
    squares: HashMap<u64, Square>,
    by_video: HashMap<EntryId, Vec<u64>>,
    next: u64,
}

impl FrameViewIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Listed videos' squares in bulk (`(video, [(hash, quality, region)])`), the block tables built once.
    pub fn from_videos(videos: impl IntoIterator<Item = (EntryId, Vec<ListedSquare>)>) -> Self {
        let mut index = FrameViewIndex::new();
        let mut hashes = Vec::new();
        for (video, squares) in videos {
            index.remove(video);
            hashes.extend(index.number(video, squares));
        }
        index.blocks.extend(hashes);
        index
    }

    /// Adds (or replaces) a video's squares: `(hash, quality, region)`; squares under PDQ quality 50 and repeated
    /// ones are left out. False when none is kept.
    pub fn insert(&mut self, video: EntryId, squares: Vec<ListedSquare>) -> bool {
        self.remove(video);
        let numbered = self.number(video, squares);
        let kept = !numbered.is_empty();
        self.blocks.extend(numbered);
        kept
    }

    /// Removes a video's squares; false when it had none.
    pub fn remove(&mut self, video: EntryId) -> bool {
        let Some(numbers) = self.by_video.remove(&video) else {
            return false;
        };
        for number in numbers {
            self.squares.remove(&number);
            self.blocks.remove(number);
        }
        true
    }

    /// Number of squares indexed.
    pub fn len(&self) -> usize {
        self.squares.len()
    }

    /// True when no square is indexed.
    pub fn is_empty(&self) -> bool {
        self.squares.is_empty()
    }

    /// Bytes allocated (approximately), for metrics.
    pub fn memory_bytes(&self) -> usize {
        self.blocks.memory_bytes()
            + self.squares.capacity() * (size_of::<u64>() + size_of::<Square>() + 1)
            + self.by_video.values().map(|v| v.capacity() * size_of::<u64>() + 48).sum::<usize>()
    }

    /// The close pairs of one query frame (numbered `frame`): the (window, listed square) pairs within `radius`,
    /// for the squares some window reaches by the block rule; per listed video the closest
    /// [`PAIRS_PER_FRAME`] only, which is all the decision takes (a long still video's squares would otherwise
    /// bring tens of thousands a frame).
    pub fn pairs(&self, frame: usize, windows: &[FrameWindow], radius: u32) -> Vec<VideoPair> {
        let hashes: Vec<PdqHash> = windows.iter().map(|w| w.hash).collect();
        let mut out = Vec::new();
        for number in self.blocks.reach(&hashes, radius) {
            let (Some(square), Some(hash)) = (self.squares.get(&number), self.blocks.get(number)) else {
                continue;
            };
            for window in windows {
                let distance = window.hash.distance(&hash);
                if distance <= radius {
                    let pair =
                        SquarePair { frame, window: window.rect, square: number, region: square.region, distance };
                    out.push(VideoPair { video: square.video, pair });
                }
            }
        }
        out.sort_unstable_by_key(|p| (p.video, p.pair.distance, p.pair.square));
        let mut kept = 0;
        let mut previous = None;
        out.retain(|p| {
            kept = if previous == Some(p.video) { kept + 1 } else { 1 };
            previous = Some(p.video);
            kept <= PAIRS_PER_FRAME
        });
        out
    }

    /// Numbers a video's kept squares and records them; their hashes are for the block index.
    fn number(&mut self, video: EntryId, squares: Vec<ListedSquare>) -> Vec<(u64, PdqHash)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (hash, quality, region) in squares {
            if quality < QUALITY_THRESHOLD || !seen.insert((hash, region)) {
                continue;
            }
            let number = self.next;
            self.next += 1;
            self.squares.insert(number, Square { video, region });
            self.by_video.entry(video).or_default().push(number);
            out.push((number, hash));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(seed: u64) -> PdqHash {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let words = [next(), next(), next(), next()];
        let mut bytes = [0u8; 32];
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        PdqHash::from_bytes(bytes)
    }

    fn flipped(h: PdqHash, bits: &[usize]) -> PdqHash {
        let mut bytes = *h.as_bytes();
        for &b in bits {
            bytes[b / 8] ^= 1 << (b % 8);
        }
        PdqHash::from_bytes(bytes)
    }

    const REGION: [u16; 4] = [2750, 1000, 4500, 8000];

    fn window(h: PdqHash) -> FrameWindow {
        FrameWindow { hash: h, rect: [0.1, 0.1, 0.5, 0.8] }
    }

    #[test]
    fn a_frames_windows_find_every_close_square_and_its_video() {
        let index = FrameViewIndex::from_videos([
            (7, vec![(hash(1), 90, REGION), (hash(2), 90, REGION)]),
            (8, vec![(hash(3), 90, REGION), (hash(1), 30, REGION)]),
        ]);
        assert_eq!(index.len(), 3, "the unreliable square is left out");
        // Three windows: one 5 bits from video 7's first square, one 20 bits from it, one unrelated.
        let near = flipped(hash(1), &[1, 40, 90, 130, 200]);
        let far: Vec<usize> = (0..20).map(|k| 3 + 12 * k).collect();
        let windows = [window(near), window(flipped(hash(1), &far)), window(hash(99))];
        let pairs = index.pairs(4, &windows, 31);
        let mut found: Vec<(EntryId, u32)> = pairs.iter().map(|p| (p.video, p.pair.distance)).collect();
        found.sort_unstable();
        assert_eq!(found, vec![(7, 5), (7, 20)], "both windows near the square pair with it, whichever reached it");
        assert!(pairs.iter().all(|p| p.pair.frame == 4 && p.pair.region == REGION));
    }

    #[test]
    fn a_frame_brings_at_most_the_closest_pairs_the_decision_takes_per_video() {
        // A still video: 40 squares a few bits apart, all close to one window.
        let base = hash(5);
        let squares: Vec<ListedSquare> = (0..40).map(|k| (flipped(base, &[k, k + 100]), 90, REGION)).collect();
        let index = FrameViewIndex::from_videos([(3, squares), (4, vec![(flipped(base, &[7]), 90, REGION)])]);
        let pairs = index.pairs(0, &[window(base)], 31);
        assert_eq!(pairs.iter().filter(|p| p.video == 3).count(), PAIRS_PER_FRAME);
        assert_eq!(pairs.iter().filter(|p| p.video == 4).count(), 1);
        assert!(pairs.iter().all(|p| p.pair.distance <= 2));
    }

    #[test]
    fn a_video_replaced_or_removed_leaves_no_square_behind() {
        let mut index = FrameViewIndex::new();
        assert!(index.insert(7, vec![(hash(1), 90, REGION)]));
        assert!(index.insert(7, vec![(hash(2), 90, REGION)]));
        assert_eq!(index.len(), 1);
        assert!(index.pairs(0, &[window(hash(1))], 31).is_empty(), "the replaced square is gone");
        assert_eq!(index.pairs(0, &[window(hash(2))], 31).len(), 1);
        assert!(index.remove(7));
        assert!(!index.remove(7));
        assert!(index.is_empty());
        assert!(index.pairs(0, &[window(hash(2))], 31).is_empty());
        assert!(!index.insert(9, vec![(hash(5), 10, REGION)]), "nothing reliable to keep");
    }
}
