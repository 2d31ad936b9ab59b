//! The in-memory match index of every list, as the match API asks it. Kept current by [`crate::sync`]; shared as
//! [`SharedIndex`] (`state.index.read().search_pdq(..)`).
//!
//! Only live entries (Pending, Verified) are in it. PDQ search here is a linear scan over packed hashes, a stand-in
//! until `disrupt_hasher::index::PdqIndex` (multi-index hashing) is wired in; the facade stays the same.

use std::{collections::HashMap, sync::Arc};

use parking_lot::RwLock;

use crate::store::{EntryId, HashKind};

/// The index shared by the sync task (writer) and the handlers (readers).
pub type SharedIndex = Arc<RwLock<MatchIndex>>;

/// A PDQ hash as 32 bytes, big-endian (byte 0 = the first two hex digits).
pub type PdqBytes = [u8; 32];

/// A PDQ search hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdqHit {
    /// The entry.
    pub id: EntryId,
    /// Hamming distance to the closest query.
    pub distance: u32,
    /// Which query (index into the queries given; 0..8 for dihedral variants) came closest.
    pub variant: usize,
}

/// One list's hashes.
#[derive(Debug, Default)]
struct ListIndex {
    pdq_ids: Vec<EntryId>,
    pdq_hashes: Vec<PdqBytes>,
    /// Entry id -> position in the PDQ vectors.
    pdq_pos: HashMap<EntryId, usize>,
    md5: HashMap<[u8; 16], Vec<EntryId>>,
    sha256: HashMap<[u8; 32], Vec<EntryId>>,
    video: HashMap<EntryId, String>,
    /// Where non-PDQ entries sit, for removal.
    other: HashMap<EntryId, Other>,
}

#[derive(Debug, Clone, Copy)]
enum Other {
    Md5([u8; 16]),
    Sha256([u8; 32]),
    Video,
}

fn hamming(a: &PdqBytes, b: &PdqBytes) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

impl ListIndex {
    fn len(&self) -> usize {
        self.pdq_ids.len() + self.other.len()
    }

    fn remove(&mut self, id: EntryId) -> bool {
        if let Some(pos) = self.pdq_pos.remove(&id) {
            self.pdq_ids.swap_remove(pos);
            self.pdq_hashes.swap_remove(pos);
            if let Some(moved) = self.pdq_ids.get(pos) {
                self.pdq_pos.insert(*moved, pos);
            }
            return true;
        }
        match self.other.remove(&id) {
            Some(Other::Md5(d)) => remove_id(&mut self.md5, &d, id),
            Some(Other::Sha256(d)) => remove_id(&mut self.sha256, &d, id),
            Some(Other::Video) => {
                self.video.remove(&id);
            }
            None => return false,
        }
        true
    }

    /// Inserts (replacing an older version of the entry). Returns false when the hash text does not parse.
    fn insert(&mut self, id: EntryId, kind: HashKind, hash: &str) -> bool {
        self.remove(id);
        match kind {
            HashKind::Pdq => {
                let Some(bytes) = parse_hex::<32>(hash) else {
                    return false;
                };
                self.pdq_pos.insert(id, self.pdq_ids.len());
                self.pdq_ids.push(id);
                self.pdq_hashes.push(bytes);
            }
            HashKind::Md5 => {
                let Some(d) = parse_hex::<16>(hash) else {
                    return false;
                };
                self.md5.entry(d).or_default().push(id);
                self.other.insert(id, Other::Md5(d));
            }
            HashKind::Sha256 => {
                let Some(d) = parse_hex::<32>(hash) else {
                    return false;
                };
                self.sha256.entry(d).or_default().push(id);
                self.other.insert(id, Other::Sha256(d));
            }
            HashKind::Video => {
                self.video.insert(id, hash.to_owned());
                self.other.insert(id, Other::Video);
            }
        }
        true
    }
}

fn remove_id<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<EntryId>>, key: &K, id: EntryId) {
    if let Some(ids) = map.get_mut(key) {
        ids.retain(|x| *x != id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

/// Every list's live hashes.
#[derive(Debug, Default)]
pub struct MatchIndex {
    lists: HashMap<String, ListIndex>,
}

impl MatchIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new empty index to share.
    pub fn shared() -> SharedIndex {
        Arc::new(RwLock::new(Self::new()))
    }

    /// Entries in all lists.
    pub fn len(&self) -> usize {
        self.lists.values().map(ListIndex::len).sum()
    }

    /// True when no list has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries in one list.
    pub fn list_len(&self, list: &str) -> usize {
        self.lists.get(list).map_or(0, ListIndex::len)
    }

    /// Applies an entry's current state: live entries are (re)inserted, others removed. Idempotent, so replaying
    /// feed records is harmless. Returns false when a live entry's hash text does not parse (it is left out).
    pub fn apply(
        &mut self,
        list: &str,
        id: EntryId,
        kind: HashKind,
        hash: &str,
        live: bool,
    ) -> bool {
        let index = self.lists.entry(list.to_owned()).or_default();
        if live {
            index.insert(id, kind, hash)
        } else {
            index.remove(id);
            true
        }
    }

    /// Forgets a list's entries (before reloading it).
    pub fn clear_list(&mut self, list: &str) {
        self.lists.remove(list);
    }

    /// PDQ entries of `list` within `radius` of any of `queries` (one hash, or the 8 dihedral variants of one
    /// image), each entry once with its closest query.
    pub fn search_pdq(&self, list: &str, queries: &[PdqBytes], radius: u32) -> Vec<PdqHit> {
        let Some(index) = self.lists.get(list) else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        for (id, stored) in index.pdq_ids.iter().zip(&index.pdq_hashes) {
            let best = queries
                .iter()
                .enumerate()
                .map(|(variant, q)| (hamming(q, stored), variant))
                .min();
            if let Some((distance, variant)) = best.filter(|(d, _)| *d <= radius) {
                hits.push(PdqHit {
                    id: *id,
                    distance,
                    variant,
                });
            }
        }
        hits.sort_by_key(|h| (h.distance, h.id));
        hits
    }

    /// Entries of `list` with this MD5.
    pub fn lookup_md5(&self, list: &str, digest: &[u8; 16]) -> Vec<EntryId> {
        self.lists
            .get(list)
            .and_then(|i| i.md5.get(digest))
            .cloned()
            .unwrap_or_default()
    }

    /// Entries of `list` with this SHA-256.
    pub fn lookup_sha256(&self, list: &str, digest: &[u8; 32]) -> Vec<EntryId> {
        self.lists
            .get(list)
            .and_then(|i| i.sha256.get(digest))
            .cloned()
            .unwrap_or_default()
    }

    /// The stored videos of `list` (entry id, frame list JSON), for video matching.
    pub fn videos(&self, list: &str) -> Vec<(EntryId, &str)> {
        self.lists
            .get(list)
            .map(|i| i.video.iter().map(|(id, v)| (*id, v.as_str())).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    fn flip_bits(hex_text: &str, n: usize) -> PdqBytes {
        let mut bytes = parse_hex::<32>(hex_text).expect("hex");
        for i in 0..n {
            bytes[i / 8] ^= 1 << (i % 8);
        }
        bytes
    }

    #[test]
    fn pdq_search_finds_within_radius_only() {
        let mut index = MatchIndex::new();
        assert!(index.apply("ncii", 1, HashKind::Pdq, A, true));
        let near = flip_bits(A, 10);
        let far = flip_bits(A, 40);
        let hits = index.search_pdq("ncii", &[far, near], 31);
        assert_eq!(
            hits,
            [PdqHit {
                id: 1,
                distance: 10,
                variant: 1
            }]
        );
        assert!(index.search_pdq("ncii", &[far], 31).is_empty());
        assert!(index.search_pdq("csam", &[near], 31).is_empty());
    }

    #[test]
    fn tombstones_remove_and_replays_are_idempotent() {
        let mut index = MatchIndex::new();
        let md5 = "0123456789abcdef0123456789abcdef";
        for _ in 0..2 {
            index.apply("ncii", 1, HashKind::Pdq, A, true);
            index.apply("ncii", 2, HashKind::Md5, md5, true);
            index.apply("ncii", 3, HashKind::Pdq, A, true);
        }
        assert_eq!(index.len(), 3);
        let digest = parse_hex::<16>(md5).expect("hex");
        assert_eq!(index.lookup_md5("ncii", &digest), [2]);
        index.apply("ncii", 1, HashKind::Pdq, A, false);
        index.apply("ncii", 2, HashKind::Md5, md5, false);
        index.apply("ncii", 2, HashKind::Md5, md5, false);
        assert_eq!(index.len(), 1);
        assert!(index.lookup_md5("ncii", &digest).is_empty());
        let hits = index.search_pdq("ncii", &[flip_bits(A, 0)], 0);
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn malformed_hashes_are_left_out() {
        let mut index = MatchIndex::new();
        assert!(!index.apply("ncii", 1, HashKind::Pdq, "zz", true));
        assert!(!index.apply("ncii", 2, HashKind::Sha256, "00", true));
        assert!(index.is_empty());
    }
}
