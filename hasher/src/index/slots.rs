//! [`Slots`]: the entries of a hash index (ids and hashes by slot, tombstones, the delta tail's id map), shared by
//! [`super::PdqIndex`] and [`super::BlockIndex`], which build their own search tables over the slots.
//!
//! The slots covered by an index's tables (`0..indexed`) are sorted by id, so an id is found by binary search in
//! the ids array and only the delta tail has an id -> slot `HashTable<u32>` (a hash table over all entries cost
//! 5-10 B per entry). Later inserts go to the tail; once it exceeds `max(4096, len / 256)` entries, or tombstones
//! reach a quarter of the slots, the owner compacts the slots ([`Slots::compact`]: sorted by id, a merge of the
//! sorted indexed slots with the sorted tail) and rebuilds its tables in O(n): amortised O(log n) per insert at
//! worst and O(1) when ids arrive in ascending order.

use hashbrown::HashTable;

use super::EntryId;
use crate::pdq::PdqHash;

/// A hash as four u64 words (word `i` holds bytes `8i..8i + 8`, big-endian), aligned on 32 bytes so that a slot's
/// hash never straddles two cache lines: a search fetches the hashes of random slots, a memory miss each, and a
/// large `Vec` of `[u64; 4]` starts 16 bytes into its pages (glibc's chunk header), which put half the hashes
/// across two lines.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
#[repr(align(32))]
pub(super) struct Words(pub(super) [u64; 4]);

impl std::ops::Index<usize> for Words {
    type Output = u64;
    fn index(&self, i: usize) -> &u64 {
        &self.0[i]
    }
}

impl std::ops::IndexMut<usize> for Words {
    fn index_mut(&mut self, i: usize) -> &mut u64 {
        &mut self.0[i]
    }
}

const MIN_DELTA: usize = 4096;

/// Entries by slot. See the module docs.
#[derive(Default, Clone)]
pub(super) struct Slots {
    pub(super) hashes: Vec<Words>,
    pub(super) ids: Vec<EntryId>,
    dead: Vec<u64>,
    pub(super) dead_count: usize,
    /// Id -> slot for the delta tail only: the indexed slots are sorted by id, so a binary search finds them.
    tail_slot_of: HashTable<u32>,
    /// Slots `0..indexed` are covered by the owner's tables (sorted by id); the rest are the delta tail.
    pub(super) indexed: usize,
}

impl Slots {
    /// Number of live entries.
    pub(super) fn len(&self) -> usize {
        self.hashes.len() - self.dead_count
    }

    /// Bytes allocated (capacities, not lengths).
    pub(super) fn memory_bytes(&self) -> usize {
        self.hashes.capacity() * size_of::<Words>()
            + self.ids.capacity() * size_of::<EntryId>()
            + self.dead.capacity() * size_of::<u64>()
            + self.tail_slot_of.allocation_size()
    }

    /// The live slot of `id`.
    pub(super) fn slot(&self, id: EntryId) -> Option<u32> {
        if let Some(&slot) = self.tail_slot_of.find(id_hash(id), |&s| self.ids[s as usize] == id) {
            return Some(slot);
        }
        // Indexed ids are unique, but a removed one may have been inserted again into the tail (found above).
        let slot = self.ids[..self.indexed].binary_search(&id).ok()? as u32;
        (!self.is_dead(slot)).then_some(slot)
    }

    pub(super) fn get(&self, id: EntryId) -> Option<PdqHash> {
        self.slot(id).map(|s| from_words(&self.hashes[s as usize]))
    }

    pub(super) fn is_dead(&self, slot: u32) -> bool {
        self.dead[slot as usize / 64] & (1 << (slot % 64)) != 0
    }

    /// Appends an entry to the tail (an id already present is replaced); its new slot, or `None` when the id
    /// already had exactly this hash.
    pub(super) fn push(&mut self, id: EntryId, hash: Words) -> Option<u32> {
        if let Some(slot) = self.slot(id) {
            if self.hashes[slot as usize] == hash {
                return None;
            }
            self.remove(id);
        }
        let slot = u32::try_from(self.hashes.len()).expect("an index holds at most 2^32 slots");
        self.hashes.push(hash);
        self.ids.push(id);
        if self.dead.len() * 64 < self.hashes.len() {
            self.dead.push(0);
        }
        let ids = &self.ids;
        self.tail_slot_of.insert_unique(id_hash(id), slot, |&s| id_hash(ids[s as usize]));
        Some(slot)
    }

    /// Tombstones the entry of `id`; its former slot, or `None` when it was not present. O(1) after the lookup.
    pub(super) fn remove(&mut self, id: EntryId) -> Option<u32> {
        let slot = self.slot(id)?;
        if slot as usize >= self.indexed {
            let ids = &self.ids;
            if let Ok(entry) = self.tail_slot_of.find_entry(id_hash(id), |&s| ids[s as usize] == id) {
                entry.remove();
            }
        }
        self.dead[slot as usize / 64] |= 1 << (slot % 64);
        self.dead_count += 1;
        Some(slot)
    }

    /// Appends entries without lookups (bulk loading); [`Self::compact`] must follow, which keeps the last hash
    /// of a repeated id.
    pub(super) fn append_unchecked(&mut self, entries: impl Iterator<Item = (EntryId, PdqHash)>) -> usize {
        let start = self.hashes.len();
        let additional = entries.size_hint().0;
        self.hashes.reserve(additional);
        self.ids.reserve(additional);
        for (id, hash) in entries {
            self.hashes.push(words(&hash));
            self.ids.push(id);
        }
        self.dead.resize(self.hashes.len().div_ceil(64), 0);
        start
    }

    /// Takes back the entries appended since `start` (a bulk batch too small to be worth a rebuild).
    pub(super) fn take_appended(&mut self, start: usize) -> Vec<(EntryId, Words)> {
        let hashes: Vec<Words> = self.hashes.drain(start..).collect();
        let ids: Vec<EntryId> = self.ids.drain(start..).collect();
        self.dead.truncate(self.hashes.len().div_ceil(64));
        ids.into_iter().zip(hashes).collect()
    }

    /// True when the delta tail is long enough to fold into the tables.
    pub(super) fn tail_too_long(&self) -> bool {
        self.hashes.len() - self.indexed > MIN_DELTA.max(self.hashes.len() / 256)
    }

    /// True when the owner should compact and rebuild its tables.
    pub(super) fn needs_rebuild(&self) -> bool {
        let too_many_dead = self.dead_count > 1024 && self.dead_count * 4 > self.hashes.len();
        self.tail_too_long() || too_many_dead
    }

    /// Drops tombstoned and superseded slots and sorts the slots by id, all of them then counting as indexed;
    /// the owner rebuilds its tables over them. Slots appended by [`Self::append_unchecked`] may repeat an id: the
    /// latest slot wins. The owner frees its old tables first, so that the temporaries here (16 B per entry of
    /// sort keys, up to 8 B of sort scratch, 40 B more when slots move) stay within what the tables held.
    pub(super) fn compact(&mut self) {
        self.tail_slot_of.clear();
        let mut order: Vec<(EntryId, u32)> = Vec::with_capacity(self.hashes.len() - self.dead_count);
        order.extend(
            self.ids
                .iter()
                .enumerate()
                .filter(|&(slot, _)| !self.is_dead(slot as u32))
                .map(|(slot, &id)| (id, slot as u32)),
        );
        // Stable sort: it finds the runs, so an already sorted prefix plus a sorted tail merge in O(n).
        order.sort();
        order.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                *earlier = *later;
            }
            same
        });
        let moved =
            order.len() != self.hashes.len() || order.iter().enumerate().any(|(i, &(_, slot))| slot as usize != i);
        if moved {
            let hashes = &self.hashes;
            // Collected from an exact-size iterator, so the new vectors carry no growth slack.
            self.hashes = order.iter().map(|&(_, slot)| hashes[slot as usize]).collect();
            self.ids = order.iter().map(|&(id, _)| id).collect();
        } else {
            // Pushes double the capacity; the tables are rebuilt every len / 256 inserts, so trimming here
            // keeps the slack bounded at little cost.
            self.hashes.shrink_to_fit();
            self.ids.shrink_to_fit();
        }
        drop(order);
        self.dead = vec![0; self.hashes.len().div_ceil(64)];
        self.dead_count = 0;
        self.indexed = self.hashes.len();
    }
}

/// The words of a hash.
pub(super) fn words(hash: &PdqHash) -> Words {
    let mut w = Words::default();
    for (word, bytes) in w.0.iter_mut().zip(hash.as_bytes().chunks_exact(8)) {
        *word = bytes.iter().fold(0, |acc, &b| acc << 8 | u64::from(b));
    }
    w
}

/// The hash of its words.
pub(super) fn from_words(w: &Words) -> PdqHash {
    let mut b = [0u8; 32];
    for (bytes, word) in b.chunks_exact_mut(8).zip(w.0) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    PdqHash::from_bytes(b)
}

/// Hamming distance of two hashes' words.
pub(super) fn distance(a: &Words, b: &Words) -> u32 {
    (a[0] ^ b[0]).count_ones() + (a[1] ^ b[1]).count_ones() + (a[2] ^ b[2]).count_ones() + (a[3] ^ b[3]).count_ones()
}

/// splitmix64's finaliser: ids are often sequential, so mix them before they pick a bucket.
pub(crate) fn id_hash(id: EntryId) -> u64 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
