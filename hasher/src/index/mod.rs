//! Exact in-memory match indexes over the hash list: no I/O, built from what the store hands over.
//!
//! # Layout
//! - [`mih`]: [`PdqIndex`], PDQ range search by multi-index hashing with 100 % recall.
//! - [`blocks`]: [`BlockIndex`], which entries a batch of window hashes reaches through a whole 24-bit block
//!   (seeding a robust match on a large list).
//! - [`exact`]: [`ExactIndex`], MD5 / SHA-256 digests to entry ids.
//! - [`video`]: [`VideoIndex`], stored videos' frame hashes and the vPDQ match rule.
//! - [`frame_views`]: [`FrameViewIndex`], listed videos' frame squares, which a cropped copy's windows find.

pub mod blocks;
pub mod exact;
pub mod frame_views;
pub mod mih;
mod offsets;
mod slots;
pub mod video;

pub use blocks::BlockIndex;
pub use exact::ExactIndex;
pub use frame_views::{FrameViewIndex, ListedSquare, VideoPair};
pub use mih::PdqIndex;
#[cfg(test)]
pub(crate) use slots::id_hash;
pub use video::{VideoCandidate, VideoIndex, VideoThresholds};

use crate::pdq::Dihedral;

/// Identifier of an entry of the hash list (the store's entry id).
pub type EntryId = u64;

/// One entry found by a PDQ range search.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PdqMatch {
    /// The entry.
    pub id: EntryId,
    /// Hamming distance between the (best variant of the) query and the entry.
    pub distance: u32,
    /// Which variant of the query matched best; [`Dihedral::Original`] for a plain search.
    pub variant: Dihedral,
}
