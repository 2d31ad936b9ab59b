//! [`PdqIndex`]: exact PDQ range search by multi-index hashing (Norouzi, Punjani and Fleet), 100 % recall.
//!
//! The 256 bits are cut into 16 chunks of 16 bits, paired into 8 pairs of 32 bits. If two hashes are within
//! distance `r`, then by pigeonhole some pair differs in at most `T = r / 8` bits (else the distance would be at
//! least 8 (T + 1) > r), and one half of that pair in at most `t = T / 2` bits. For `r = 31`: `T = 3`, `t = 1`.
//! So a search probes, in each chunk's table, the query's chunk value and every value within `t` bits of it
//! (1 probe for r <= 15, 17 for r <= 31, 137 for r <= 47; larger radii scan linearly). Each posting carries
//! the entry's partner chunk (the other half of the pair), so the pair's distance, a lower bound of the full
//! distance, rejects almost every candidate before its hash is fetched: at r = 31 only entries whose pair is
//! within 3 bits are verified with the full Hamming distance (popcount on four u64 words). The probe set
//! alone is the classic 16 x 16-bit MIH one (as FAISS `IndexBinaryMultiHash` with nflip = 1); the partner
//! filter is what removes the random memory accesses, which dominate its cost.
//!
//! A candidate can turn up in several chunks; it is reported only from the first chunk whose probe set and
//! pair filter cover it, a test on the candidate's own bits, so no seen-set is needed and `search` takes
//! `&self` (any number of threads can search at once).
//!
//! # Memory
//! Hashes live in one `Vec<[u64; 4]>` (32 B per entry) with their ids (8 B) by slot; the id -> slot map is a
//! `HashTable<u32>` keyed through the ids array (5-10 B per entry). Per chunk a CSR table: 65,537 bucket
//! offsets and the postings sorted by chunk value, each a slot packed to 3 bytes (4 from 2^24 slots on) plus
//! the 2-byte partner chunk: 80 B per entry for 16 chunks. About 125 B per entry, so ~120 MiB per million
//! hashes (1.2 GiB at 10 M). The trade-off: dropping the partner chunk saves 32 B per entry (0.9 GiB at
//! 10 M) but makes searches about 5x slower; fewer chunks cannot keep the one-bit pigeonhole at radius 31.
//!
//! # Updates
//! The CSR tables cover the slots up to the last rebuild. Later inserts go to a delta tail that searches scan
//! linearly (it is contiguous, so this is a fast popcount stream); once the tail exceeds
//! `max(4096, len / 256)` entries the tables are rebuilt (O(n), so amortised O(1) per insert). Removal is
//! O(1): the slot is tombstoned and skipped; tombstones are compacted away when they reach a quarter of the
//! slots. Bulk loading through [`Extend`] / [`FromIterator`] builds the tables once.

use std::fmt;

use hashbrown::HashTable;

use super::{EntryId, PdqMatch};
use crate::pdq::{Dihedral, PdqHash};

const CHUNKS: usize = 16;
const CHUNK_BITS: u32 = 16;
const BUCKETS: usize = 1 << CHUNK_BITS;
/// Highest bits-per-chunk threshold served by probing; beyond it (radius >= 48) a linear scan is cheaper.
const MAX_PROBE_BITS: u32 = 2;
const MIN_DELTA: usize = 4096;

type Words = [u64; 4];

/// PDQ hashes of the hash list, searchable by Hamming radius. See the module docs for the design.
#[derive(Default, Clone)]
pub struct PdqIndex {
    hashes: Vec<Words>,
    ids: Vec<EntryId>,
    dead: Vec<u64>,
    dead_count: usize,
    slot_of: HashTable<u32>,
    tables: ChunkTables,
}

impl fmt::Debug for PdqIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PdqIndex")
            .field("len", &self.len())
            .field("slots", &self.hashes.len())
            .field("indexed_slots", &self.tables.slots)
            .finish()
    }
}

impl PdqIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an entry; an id inserted again replaces its earlier hash.
    pub fn insert(&mut self, id: EntryId, hash: PdqHash) {
        self.push(id, words(&hash));
        self.rebuild_if_needed();
    }

    /// Removes an entry; false when it was not present. O(1): the slot is tombstoned.
    pub fn remove(&mut self, id: EntryId) -> bool {
        let ids = &self.ids;
        let Ok(entry) = self.slot_of.find_entry(id_hash(id), |&s| ids[s as usize] == id) else {
            return false;
        };
        let (slot, _) = entry.remove();
        self.dead[slot as usize / 64] |= 1 << (slot % 64);
        self.dead_count += 1;
        self.rebuild_if_needed();
        true
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.hashes.len() - self.dead_count
    }

    /// True when no entry is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes allocated by the index (capacities, not lengths), for metrics.
    pub fn memory_bytes(&self) -> usize {
        self.hashes.capacity() * size_of::<Words>()
            + self.ids.capacity() * size_of::<EntryId>()
            + self.dead.capacity() * size_of::<u64>()
            + self.slot_of.allocation_size()
            + self.tables.offsets.capacity() * size_of::<u32>()
            + self.tables.postings.iter().map(Vec::capacity).sum::<usize>()
    }

    /// The hash of an entry, if present.
    pub fn get(&self, id: EntryId) -> Option<PdqHash> {
        self.slot(id).map(|s| from_words(&self.hashes[s as usize]))
    }

    /// Every entry within `radius` (inclusive) of `query`, nearest first (ties by id).
    pub fn search(&self, query: &PdqHash, radius: u32) -> Vec<PdqMatch> {
        let mut found = Vec::new();
        self.visit_within(&words(query), radius, |slot, distance| found.push((slot, distance)));
        let mut matches: Vec<PdqMatch> = found
            .into_iter()
            .map(|(slot, distance)| PdqMatch { id: self.ids[slot as usize], distance, variant: Dihedral::Original })
            .collect();
        sort_matches(&mut matches);
        matches
    }

    /// Every entry within `radius` of any of the eight dihedral variants of a query (in [`Dihedral::ALL`]
    /// order), once each, with the variant at the smallest distance (the earlier variant on a tie).
    pub fn search_dihedral(&self, queries: &[PdqHash; 8], radius: u32) -> Vec<PdqMatch> {
        let mut found: Vec<(u32, u32, u8)> = Vec::new();
        for (variant, query) in queries.iter().enumerate() {
            // Symmetric images give repeated variants; the earlier one wins anyway.
            if queries[..variant].contains(query) {
                continue;
            }
            self.visit_within(&words(query), radius, |slot, distance| found.push((slot, distance, variant as u8)));
        }
        found.sort_unstable();
        found.dedup_by_key(|hit| hit.0);
        let mut matches: Vec<PdqMatch> = found
            .into_iter()
            .map(|(slot, distance, variant)| PdqMatch {
                id: self.ids[slot as usize],
                distance,
                variant: Dihedral::ALL[variant as usize],
            })
            .collect();
        sort_matches(&mut matches);
        matches
    }

    fn slot(&self, id: EntryId) -> Option<u32> {
        self.slot_of.find(id_hash(id), |&s| self.ids[s as usize] == id).copied()
    }

    fn is_dead(&self, slot: u32) -> bool {
        self.dead[slot as usize / 64] & (1 << (slot % 64)) != 0
    }

    /// Appends without rebuilding the tables.
    fn push(&mut self, id: EntryId, hash: Words) {
        if let Some(slot) = self.slot(id) {
            if self.hashes[slot as usize] == hash {
                return;
            }
            self.remove(id);
        }
        let slot = u32::try_from(self.hashes.len()).expect("PdqIndex holds at most 2^32 slots");
        self.hashes.push(hash);
        self.ids.push(id);
        if self.dead.len() * 64 < self.hashes.len() {
            self.dead.push(0);
        }
        let ids = &self.ids;
        self.slot_of.insert_unique(id_hash(id), slot, |&s| id_hash(ids[s as usize]));
    }

    fn rebuild_if_needed(&mut self) {
        let delta = self.hashes.len() - self.tables.slots;
        let too_many_dead = self.dead_count > 1024 && self.dead_count * 4 > self.hashes.len();
        if delta > MIN_DELTA.max(self.hashes.len() / 256) || too_many_dead {
            self.rebuild();
        }
    }

    /// Drops tombstoned slots and rebuilds the chunk tables over all slots.
    fn rebuild(&mut self) {
        // Free the old tables first so the peak stays near one copy.
        self.tables = ChunkTables::default();
        if self.dead_count > 0 {
            let mut kept = 0;
            for slot in 0..self.hashes.len() {
                if !self.is_dead(slot as u32) {
                    self.hashes[kept] = self.hashes[slot];
                    self.ids[kept] = self.ids[slot];
                    kept += 1;
                }
            }
            self.hashes.truncate(kept);
            self.ids.truncate(kept);
            self.hashes.shrink_to_fit();
            self.ids.shrink_to_fit();
            self.dead = vec![0; kept.div_ceil(64)];
            self.dead_count = 0;
            self.slot_of.clear();
            let ids = &self.ids;
            for (slot, &id) in ids.iter().enumerate() {
                self.slot_of.insert_unique(id_hash(id), slot as u32, |&s| id_hash(ids[s as usize]));
            }
        }
        self.tables = ChunkTables::build(&self.hashes);
    }

    /// Calls `found(slot, distance)` once for every live slot within `radius` of `query`.
    fn visit_within(&self, query: &Words, radius: u32, mut found: impl FnMut(u32, u32)) {
        // Pigeonhole twice: some 32-bit pair within `pair_bits`, and one of its halves within `bits`.
        let pair_bits = radius / (CHUNKS as u32 / 2);
        let bits = pair_bits / 2;
        let indexed = if bits > MAX_PROBE_BITS { 0 } else { self.tables.slots };
        if indexed > 0 {
            let query_chunks: [u16; CHUNKS] = std::array::from_fn(|c| chunk(query, c));
            let mut probes = Vec::with_capacity(137);
            for (c, &value) in query_chunks.iter().enumerate() {
                let partner_value = query_chunks[c ^ 1];
                probes_within(value, bits, &mut probes);
                for &probe in &probes {
                    let probe_distance = (probe ^ value).count_ones();
                    for (slot, partner) in self.tables.bucket(c, probe) {
                        // The pair's lower bound, from the posting alone: skips the fetch of most hashes.
                        if probe_distance + (partner ^ partner_value).count_ones() > pair_bits {
                            continue;
                        }
                        let hash = &self.hashes[slot as usize];
                        let distance = distance(hash, query);
                        if distance > radius || self.is_dead(slot) {
                            continue;
                        }
                        // Report each slot only from the first chunk whose probes reach it.
                        let seen_earlier = (0..c).any(|j| {
                            let half = (chunk(hash, j) ^ query_chunks[j]).count_ones();
                            half <= bits && half + (chunk(hash, j ^ 1) ^ query_chunks[j ^ 1]).count_ones() <= pair_bits
                        });
                        if !seen_earlier {
                            found(slot, distance);
                        }
                    }
                }
            }
        }
        for (slot, hash) in self.hashes.iter().enumerate().skip(indexed) {
            let distance = distance(hash, query);
            if distance <= radius && !self.is_dead(slot as u32) {
                found(slot as u32, distance);
            }
        }
    }
}

impl Extend<(EntryId, PdqHash)> for PdqIndex {
    /// Bulk insert: builds the chunk tables once at the end.
    fn extend<I: IntoIterator<Item = (EntryId, PdqHash)>>(&mut self, entries: I) {
        let entries = entries.into_iter();
        let additional = entries.size_hint().0;
        self.hashes.reserve(additional);
        self.ids.reserve(additional);
        let ids = &self.ids;
        self.slot_of.reserve(additional, |&s| id_hash(ids[s as usize]));
        for (id, hash) in entries {
            self.push(id, words(&hash));
        }
        self.rebuild_if_needed();
    }
}

impl FromIterator<(EntryId, PdqHash)> for PdqIndex {
    fn from_iter<I: IntoIterator<Item = (EntryId, PdqHash)>>(entries: I) -> Self {
        let mut index = PdqIndex::new();
        index.extend(entries);
        index
    }
}

/// Per chunk, the slots `0..slots` sorted by that chunk's value (counting sort), in CSR form, each with the
/// value of its partner chunk (the other half of its 32-bit pair).
#[derive(Default, Clone)]
struct ChunkTables {
    slots: usize,
    /// Bytes of a slot number: 3 below 2^24 slots, else 4. A posting is the slot, then the partner chunk (2 B).
    width: usize,
    /// `CHUNKS * (BUCKETS + 1)` offsets into the chunk's postings, in entries.
    offsets: Vec<u32>,
    /// Packed little-endian postings, plus 4 bytes of padding so every slot reads as one u32.
    postings: Vec<Vec<u8>>,
}

impl ChunkTables {
    fn build(hashes: &[Words]) -> Self {
        let slots = hashes.len();
        let width = if slots < 1 << 24 { 3 } else { 4 };
        let mut offsets = vec![0u32; CHUNKS * (BUCKETS + 1)];
        let mut postings = Vec::with_capacity(CHUNKS);
        let mut cursor = vec![0u32; BUCKETS];
        for c in 0..CHUNKS {
            let table = &mut offsets[c * (BUCKETS + 1)..(c + 1) * (BUCKETS + 1)];
            for hash in hashes {
                table[chunk(hash, c) as usize + 1] += 1;
            }
            for b in 0..BUCKETS {
                table[b + 1] += table[b];
            }
            cursor.copy_from_slice(&table[..BUCKETS]);
            let posting = width + 2;
            let mut packed = vec![0u8; slots * posting + 4];
            for (slot, hash) in hashes.iter().enumerate() {
                let at = &mut cursor[chunk(hash, c) as usize];
                let pos = *at as usize * posting;
                packed[pos..pos + width].copy_from_slice(&(slot as u32).to_le_bytes()[..width]);
                packed[pos + width..pos + posting].copy_from_slice(&chunk(hash, c ^ 1).to_le_bytes());
                *at += 1;
            }
            postings.push(packed);
        }
        ChunkTables { slots, width, offsets, postings }
    }

    /// The slots whose chunk `c` equals `value`, with their partner chunk.
    fn bucket(&self, c: usize, value: u16) -> impl Iterator<Item = (u32, u16)> + '_ {
        let table = c * (BUCKETS + 1) + value as usize;
        let (start, end) = (self.offsets[table] as usize, self.offsets[table + 1] as usize);
        let packed = &self.postings[c];
        let width = self.width;
        let mask = if width == 4 { u32::MAX } else { (1 << (8 * width)) - 1 };
        (start..end).map(move |i| {
            let p = i * (width + 2);
            let slot = u32::from_le_bytes([packed[p], packed[p + 1], packed[p + 2], packed[p + 3]]) & mask;
            (slot, u16::from_le_bytes([packed[p + width], packed[p + width + 1]]))
        })
    }
}

/// All 16-bit values within `bits` (0..=2) bits of `value`, into `out`.
fn probes_within(value: u16, bits: u32, out: &mut Vec<u16>) {
    out.clear();
    out.push(value);
    if bits >= 1 {
        for a in 0..CHUNK_BITS {
            out.push(value ^ (1 << a));
        }
    }
    if bits >= 2 {
        for a in 0..CHUNK_BITS {
            for b in a + 1..CHUNK_BITS {
                out.push(value ^ (1 << a) ^ (1 << b));
            }
        }
    }
}

fn sort_matches(matches: &mut [PdqMatch]) {
    matches.sort_unstable_by_key(|m| (m.distance, m.id));
}

fn chunk(hash: &Words, c: usize) -> u16 {
    (hash[c / 4] >> ((c % 4) * 16)) as u16
}

fn distance(a: &Words, b: &Words) -> u32 {
    (a[0] ^ b[0]).count_ones() + (a[1] ^ b[1]).count_ones() + (a[2] ^ b[2]).count_ones() + (a[3] ^ b[3]).count_ones()
}

fn words(hash: &PdqHash) -> Words {
    let mut w = [0u64; 4];
    for (word, bytes) in w.iter_mut().zip(hash.as_bytes().chunks_exact(8)) {
        *word = bytes.iter().fold(0, |acc, &b| acc << 8 | u64::from(b));
    }
    w
}

fn from_words(w: &Words) -> PdqHash {
    let mut b = [0u8; 32];
    for (bytes, word) in b.chunks_exact_mut(8).zip(w) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    PdqHash::from_bytes(b)
}

/// splitmix64's finaliser: ids are often sequential, so mix them before they pick a bucket.
fn id_hash(id: EntryId) -> u64 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Deterministic splitmix64 stream.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            id_hash(self.0)
        }
        fn hash(&mut self) -> PdqHash {
            from_words(&[self.next(), self.next(), self.next(), self.next()])
        }
        /// `hash` with exactly `flips` distinct bits inverted.
        fn near(&mut self, hash: &PdqHash, flips: u32) -> PdqHash {
            let mut w = words(hash);
            let mut flipped = 0u32;
            let mut done = [false; 256];
            while flipped < flips {
                let bit = (self.next() % 256) as usize;
                if !done[bit] {
                    done[bit] = true;
                    w[bit / 64] ^= 1 << (bit % 64);
                    flipped += 1;
                }
            }
            from_words(&w)
        }
    }

    fn brute_force(entries: &[(EntryId, PdqHash)], query: &PdqHash, radius: u32) -> Vec<(EntryId, u32)> {
        let mut found: Vec<_> =
            entries.iter().map(|(id, h)| (*id, h.distance(query))).filter(|&(_, d)| d <= radius).collect();
        found.sort_by_key(|&(id, d)| (d, id));
        found
    }

    fn pairs(matches: &[PdqMatch]) -> Vec<(EntryId, u32)> {
        matches.iter().map(|m| (m.id, m.distance)).collect()
    }

    /// Random entries plus clusters planted at every distance 0..=40 around some centres.
    fn clustered(rng: &mut Rng, random: usize, centres: usize) -> (Vec<(EntryId, PdqHash)>, Vec<PdqHash>) {
        let mut entries = Vec::new();
        let mut id = 1000;
        for _ in 0..random {
            entries.push((id, rng.hash()));
            id += 3;
        }
        let mut queries = Vec::new();
        for _ in 0..centres {
            let centre = rng.hash();
            for d in 0..=40 {
                entries.push((id, rng.near(&centre, d)));
                id += 3;
            }
            queries.push(centre);
        }
        (entries, queries)
    }

    #[test]
    fn range_search_equals_brute_force_on_random_and_clustered_data() {
        let mut rng = Rng(7);
        let (entries, mut queries) = clustered(&mut rng, 30_000, 40);
        for _ in 0..20 {
            queries.push(rng.hash());
        }
        // Most entries through the bulk path (chunk tables), the rest through insert (delta tail).
        let (bulk, tail) = entries.split_at(entries.len() - 2000);
        let mut index: PdqIndex = bulk.iter().copied().collect();
        for &(id, hash) in tail {
            index.insert(id, hash);
        }
        assert!(index.tables.slots > 0 && index.tables.slots < index.hashes.len());
        assert_eq!(index.len(), entries.len());
        for radius in [0, 5, 15, 16, 31, 32, 40, 47, 48, 70] {
            for query in &queries {
                let expected = brute_force(&entries, query, radius);
                assert_eq!(pairs(&index.search(query, radius)), expected, "radius {radius}");
            }
        }
    }

    #[test]
    fn planted_duplicates_are_found_up_to_31_and_not_beyond() {
        let mut rng = Rng(11);
        let centre = rng.hash();
        let mut index: PdqIndex = (0..5000).map(|id| (id, rng.hash())).collect();
        for d in 0..=40u32 {
            index.insert(100_000 + u64::from(d), rng.near(&centre, d));
        }
        let found = index.search(&centre, 31);
        let planted: Vec<_> = found.iter().filter(|m| m.id >= 100_000).map(|m| (m.id, m.distance)).collect();
        let expected: Vec<_> = (0..=31u32).map(|d| (100_000 + u64::from(d), d)).collect();
        assert_eq!(planted, expected);
    }

    #[test]
    fn insert_remove_and_reinsert() {
        let mut rng = Rng(3);
        let entries: Vec<(EntryId, PdqHash)> = (0..20_000).map(|id| (id, rng.hash())).collect();
        let mut index: PdqIndex = entries.iter().copied().collect();
        let target = entries[123].1;
        assert_eq!(pairs(&index.search(&target, 31)), vec![(123, 0)]);
        assert!(index.remove(123));
        assert!(!index.remove(123));
        assert!(index.search(&target, 31).is_empty());
        assert_eq!(index.get(123), None);
        index.insert(123, target);
        assert_eq!(pairs(&index.search(&target, 31)), vec![(123, 0)]);
        // Re-inserting an id under a new hash moves it.
        let moved = rng.near(&target, 10);
        index.insert(123, moved);
        assert_eq!(index.get(123), Some(moved));
        assert_eq!(pairs(&index.search(&target, 31)), vec![(123, 10)]);
        assert_eq!(index.len(), 20_000);

        // Remove most entries so tombstones get compacted, then check everything against brute force.
        for id in 0..15_000 {
            index.remove(id);
        }
        assert!(index.dead_count < 15_000, "compaction ran");
        assert_eq!(index.len(), 5000);
        let live: Vec<_> = entries[15_000..].to_vec();
        for (_, hash) in live.iter().take(200) {
            assert_eq!(pairs(&index.search(hash, 31)), brute_force(&live, hash, 31));
        }
        assert!(index.search(&moved, 0).is_empty());
    }

    #[test]
    fn rotated_and_flipped_photos_find_the_original_with_the_right_variant() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/reference");
        let root = std::env::var("DISRUPT_TESTDATA").unwrap_or_else(|_| root.to_string());
        let path = format!("{root}/generated/pdq/pdq_fullres_dihedral.csv");
        let csv = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("test data missing: {path}: {e} (set DISRUPT_TESTDATA)"));
        let rows: Vec<(String, [PdqHash; 8])> = csv
            .lines()
            .filter(|l| l.contains("reg-test-input/dih/"))
            .map(|l| {
                let fields: Vec<&str> = l.split(',').collect();
                let hashes = std::array::from_fn(|i| fields[i].parse().unwrap());
                (fields[9].to_string(), hashes)
            })
            .collect();
        assert_eq!(rows.len(), 8, "eight dih rows in {path}");
        let original = rows.iter().find(|(p, _)| p.ends_with("original.jpg")).unwrap().1[0];
        let mut rng = Rng(5);
        let mut index: PdqIndex = (0..10_000).map(|id| (id, rng.hash())).collect();
        index.insert(777_777, original);
        // The variant of each transformed file that undoes its transform.
        let expected = [
            ("original", Dihedral::Original),
            ("rotate-90", Dihedral::Rot270),
            ("rotate-180", Dihedral::Rot180),
            ("rotate-270", Dihedral::Rot90),
            ("flipx", Dihedral::FlipX),
            ("flipy", Dihedral::FlipY),
            ("flip-plus-1", Dihedral::FlipPlus1),
            ("flip-minus-1", Dihedral::FlipMinus1),
        ];
        for (name, variant) in expected {
            let (_, queries) = rows.iter().find(|(p, _)| p.contains(&format!("-{name}."))).unwrap();
            let found = index.search_dihedral(queries, 31);
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert_eq!(found[0].id, 777_777);
            assert_eq!(found[0].variant, variant, "{name}");
            assert!(found[0].distance <= 31);
            assert_eq!(found[0].distance, queries.map(|q| q.distance(&original)).into_iter().min().unwrap());
            if name != "original" {
                assert!(index.search(&queries[0], 31).is_empty(), "{name}: unrotated query must not match");
            }
        }
    }

    #[test]
    fn word_conversion_round_trips_and_chunks_cover_all_bits() {
        let mut rng = Rng(9);
        let hash = rng.hash();
        assert_eq!(from_words(&words(&hash)), hash);
        let mut ones = 0;
        for c in 0..CHUNKS {
            ones += chunk(&[u64::MAX; 4], c).count_ones();
        }
        assert_eq!(ones, 256);
    }
}
