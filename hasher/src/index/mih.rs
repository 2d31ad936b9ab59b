//! [`PdqIndex`]: exact PDQ range search by multi-index hashing (Norouzi, Punjani and Fleet), 100 % recall.
//!
//! The 256 bits are cut into 16 chunks of 16 bits, paired into 8 pairs of 32 bits. If two hashes are within
//! distance `r`, then by pigeonhole some pair differs in at most `T = r / 8` bits (else the distance would be at
//! least 8 (T + 1) > r), and one half of that pair in at most `t = T / 2` bits. For `r = 31`: `T = 3`, `t = 1`.
//! So a search probes, in each chunk's table, the query's chunk value and every value within `t` bits of it
//! (1 probe for r <= 15, 17 for r <= 31, 137 for r <= 47; larger radii scan linearly). Each posting carries
//! the entry's partner chunk (the other half of the pair) folded to 14 bits, a lower bound of the pair's
//! distance and so of the full distance, which rejects most candidates before their hash is fetched: at
//! r = 31 only entries whose folded pair is within 3 bits are fetched, then checked against the exact pair
//! and the full Hamming distance (popcount on four u64 words). The probe set alone is the classic
//! 16 x 16-bit MIH one (as FAISS `IndexBinaryMultiHash` with nflip = 1); the partner filter is what removes
//! the random memory accesses, which dominate its cost.
//!
//! A candidate can turn up in several chunks; it is reported only from the first chunk whose probe set and
//! exact pair test cover it, a test on the candidate's own bits, so no seen-set is needed and `search` takes
//! `&self` (any number of threads can search at once).
//!
//! # Memory
//! Hashes live in one `Vec<[u64; 4]>` (32 B per entry) with their ids (8 B) by slot. The slots covered by the
//! chunk tables are sorted by id, so an id is found by binary search in the ids array and only the delta tail
//! has an id -> slot `HashTable<u32>` (a hash table over all entries cost 5-10 B per entry). Per chunk a CSR
//! table: 65,537 bucket offsets and one u32 posting per entry, sorted by chunk value: the gap from the
//! bucket's previous slot (18 bits; a longer gap, ~2-3 % of them, takes a second u32 holding the slot) and
//! the partner chunk folded to 14 bits (see `ChunkTables`). About 66 B per entry for 16 chunks, 106 B in
//! all, plus 4 MiB of offsets. Measured with `examples/bench_index` (RSS growth of building the index):
//! 105.4 MiB at 1 M hashes and 1,015 MiB at 10 M (106.5 B per entry).
//!
//! Why these widths, from the same benchmark: a 3-byte slot and the exact 2-byte partner per posting, with an
//! id map over all entries, cost 129 B per entry and searched no faster (within the run-to-run noise of the
//! shared benchmark machine). A partner folded to 8 bits (3-byte slots, 4-byte postings) costs ~104 B per entry
//! but searches about a third slower with eight variants at 1 M, even with the fetches batched: it lets 60x more
//! random entries through to the hash fetch than the exact partner, against 3x for 14 bits. Real data with
//! skewed chunk values has longer gaps in its rare buckets, hence more escapes: 19-bit gaps with a 13-bit
//! partner would cost ~2 B per entry less and pass 1.7x more candidates. No partner at all would save another
//! 16 B per entry but makes searches about 5x slower; fewer chunks cannot keep the one-bit pigeonhole at radius
//! 31. A rebuild frees the old tables first, so its temporaries (16 B per entry of sort keys, up to 8 B of sort
//! scratch, 40 B more when slots move) stay within what the tables held.
//!
//! # Updates
//! The CSR tables cover the slots up to the last rebuild. Later inserts go to a delta tail that searches scan
//! linearly (it is contiguous, so this is a fast popcount stream); once the tail exceeds
//! `max(4096, len / 256)` entries the tables are rebuilt: the live slots are sorted by id (a merge of the
//! sorted indexed slots with the sorted tail) and the tables rebuilt in O(n), so amortised O(log n) per insert
//! at worst and O(1) when ids arrive in ascending order. Removal is O(1) after the lookup: the slot is
//! tombstoned and skipped; tombstones are compacted away when they reach a quarter of the slots. Bulk loading
//! through [`Extend`] / [`FromIterator`] appends without lookups and builds the tables once (a repeated id
//! keeps its last hash); a batch too small to trigger a rebuild goes through [`PdqIndex::insert`]. The slots'
//! bookkeeping is `super::slots::Slots`, shared with [`super::BlockIndex`].

use std::fmt;

use super::slots::{Slots, Words, distance, words};
use super::{EntryId, PdqMatch};
use crate::pdq::{Dihedral, PdqHash};

const CHUNKS: usize = 16;
const CHUNK_BITS: u32 = 16;
const BUCKETS: usize = 1 << CHUNK_BITS;
/// Highest bits-per-chunk threshold served by probing; beyond it (radius >= 48) a linear scan is cheaper.
const MAX_PROBE_BITS: u32 = 2;

/// PDQ hashes of the hash list, searchable by Hamming radius. See the module docs for the design.
#[derive(Default, Clone)]
pub struct PdqIndex {
    slots: Slots,
    tables: ChunkTables,
}

impl fmt::Debug for PdqIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PdqIndex")
            .field("len", &self.len())
            .field("slots", &self.slots.hashes.len())
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
        let removed = self.slots.remove(id).is_some();
        self.rebuild_if_needed();
        removed
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no entry is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes allocated by the index (capacities, not lengths), for metrics.
    pub fn memory_bytes(&self) -> usize {
        self.slots.memory_bytes()
            + self.tables.offsets.capacity() * size_of::<u32>()
            + self.tables.postings.iter().map(Vec::capacity).sum::<usize>() * size_of::<u32>()
    }

    /// The hash of an entry, if present.
    pub fn get(&self, id: EntryId) -> Option<PdqHash> {
        self.slots.get(id)
    }

    /// Every entry within `radius` (inclusive) of `query`, nearest first (ties by id).
    pub fn search(&self, query: &PdqHash, radius: u32) -> Vec<PdqMatch> {
        let mut found = Vec::new();
        self.visit_within(&words(query), radius, |slot, distance| found.push((slot, distance)));
        self.matches_of(found)
    }

    /// Entries within `radius` of `query` found by probing only the query's own chunk values and keeping those
    /// whose 32-bit pair around the matching chunk differs in at most `pair_bits` bits: a subset of
    /// [`Self::search`], much cheaper at large radii. Meant for queries that come in many near-duplicates (the
    /// windows of a scan), where one of them is enough. With their differing bits spread at random, two hashes at
    /// distance `d` are found with these probabilities (Monte Carlo, 4,000 draws each):
    ///
    /// | `pair_bits` | exact up to | d = 16 | d = 20 | d = 24 | d = 28 | d = 31 |
    /// |---|---|---|---|---|---|---|
    /// | 3 | 15 | 1.00 | 1.00 | 0.99 | 0.95 | 0.88 |
    /// | 1 | 15 | 1.00 | 0.97 | 0.85 | 0.65 | 0.51 |
    /// | 0 | 7  | 0.66 | 0.43 | 0.27 | 0.15 | 0.09 |
    ///
    /// An exact pair (0) needs only one half of each pair probed and lets no other pair through to the hash fetch:
    /// on 18 M random hashes it searched 5.5 times faster than 3 bits, 1 bit 2.1 times (`examples/bench_views`).
    pub fn search_probing(&self, query: &PdqHash, radius: u32, pair_bits: u32) -> Vec<PdqMatch> {
        let mut found = Vec::new();
        self.visit_probing(&words(query), radius, 0, pair_bits, |slot, distance| found.push((slot, distance)));
        self.matches_of(found)
    }

    /// The ids of the entries that some query reaches by the probing rule of [`Self::search_probing`]: within
    /// `radius` of it, with a 16-bit chunk equal to the query's and that chunk's 32-bit pair within `pair_bits`
    /// bits. Ascending, each once. For the delta tail the same rule holds (where `search_probing` scans it all).
    ///
    /// Made for the thousands of overlapping windows of one scan: the queries are grouped by chunk value (a real
    /// photo's windows share one 3.3 times on average) and each bucket is streamed once for its whole group, and
    /// an entry already reached is not fetched again. That alone costs about what one `search_probing` per query
    /// costs (the partner filter and the fetches are the cost, not the bucket reads); what it saves is the delta
    /// tail's linear scan per query: 4.8 times faster with 35,000 entries in the tail (`examples/bench_views
    /// --photos --tail`).
    pub fn reach_probing(&self, queries: &[PdqHash], radius: u32, pair_bits: u32) -> Vec<EntryId> {
        if queries.is_empty() || self.slots.hashes.is_empty() {
            return Vec::new();
        }
        let queries: Vec<Words> = queries.iter().map(words).collect();
        // One bit per slot: an entry reached once is not fetched again.
        let mut reached = vec![0u64; self.slots.hashes.len().div_ceil(64)];
        let is_reached = |reached: &[u64], slot: u32| reached[slot as usize / 64] & (1 << (slot % 64)) != 0;
        let mut out = Vec::new();
        let mut reach = |reached: &mut [u64], slot: u32| {
            reached[slot as usize / 64] |= 1 << (slot % 64);
            out.push(self.slots.ids[slot as usize]);
        };
        // (chunk value, partner value, query): sorted, so the queries of one bucket are a run.
        let mut probes: Vec<(u16, u16, u32)> = Vec::with_capacity(queries.len());
        let mut candidates: Vec<u32> = Vec::with_capacity(1024);
        // An exact pair has both halves exact: probing one half of each pair finds it.
        let step = if pair_bits == 0 { 2 } else { 1 };
        for c in (0..CHUNKS).step_by(step) {
            probes.clear();
            probes.extend(queries.iter().enumerate().map(|(q, w)| (chunk(w, c), chunk(w, c ^ 1), q as u32)));
            probes.sort_unstable();
            // Before the first rebuild every entry is in the tail and there are no tables.
            let indexed = if self.tables.slots > 0 { &probes[..] } else { &[] };
            for run in indexed.chunk_by(|a, b| a.0 == b.0) {
                let value = run[0].0;
                // The distinct partners of the run, folded as postings hold them.
                let mut partners: Vec<u16> = run.iter().map(|p| fold(p.1)).collect();
                partners.sort_unstable();
                partners.dedup();
                candidates.clear();
                candidates.extend(
                    self.tables
                        .bucket(c, value)
                        .filter(|&(slot, partner)| {
                            !is_reached(&reached, slot)
                                && partners.iter().any(|&p| (p ^ partner).count_ones() <= pair_bits)
                        })
                        .map(|(slot, _)| slot),
                );
                for &slot in &candidates {
                    if is_reached(&reached, slot) || self.slots.is_dead(slot) {
                        continue;
                    }
                    let hash = &self.slots.hashes[slot as usize];
                    let hit = run.iter().any(|&(_, partner, q)| {
                        (chunk(hash, c ^ 1) ^ partner).count_ones() <= pair_bits
                            && distance(hash, &queries[q as usize]) <= radius
                    });
                    if hit {
                        reach(&mut reached, slot);
                    }
                }
            }
            // The delta tail, the other way round: each entry's chunk value finds its run among the probes.
            for slot in self.tables.slots as u32..self.slots.hashes.len() as u32 {
                if is_reached(&reached, slot) || self.slots.is_dead(slot) {
                    continue;
                }
                let hash = &self.slots.hashes[slot as usize];
                let value = chunk(hash, c);
                let start = probes.partition_point(|p| p.0 < value);
                let hit = probes[start..].iter().take_while(|p| p.0 == value).any(|&(_, partner, q)| {
                    (chunk(hash, c ^ 1) ^ partner).count_ones() <= pair_bits
                        && distance(hash, &queries[q as usize]) <= radius
                });
                if hit {
                    reach(&mut reached, slot);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The found `(slot, distance)` pairs as matches of the query as given, nearest first.
    fn matches_of(&self, found: Vec<(u32, u32)>) -> Vec<PdqMatch> {
        let mut matches: Vec<PdqMatch> = found
            .into_iter()
            .map(|(slot, distance)| PdqMatch {
                id: self.slots.ids[slot as usize],
                distance,
                variant: Dihedral::Original,
            })
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
                id: self.slots.ids[slot as usize],
                distance,
                variant: Dihedral::ALL[variant as usize],
            })
            .collect();
        sort_matches(&mut matches);
        matches
    }

    /// Appends without rebuilding the tables.
    fn push(&mut self, id: EntryId, hash: Words) {
        self.slots.push(id, hash);
    }

    fn rebuild_if_needed(&mut self) {
        if self.slots.needs_rebuild() {
            self.rebuild();
        }
    }

    /// Compacts the slots (sorted by id, tombstones and superseded slots dropped) and rebuilds the chunk tables
    /// over all of them.
    fn rebuild(&mut self) {
        // Free the old tables first: the compaction's temporaries then stay within the ~66 B per entry they held,
        // so a rebuild does not raise the peak above the steady state.
        self.tables = ChunkTables::default();
        self.slots.compact();
        self.tables = ChunkTables::build(&self.slots.hashes);
    }

    /// Calls `found(slot, distance)` once for every live slot within `radius` of `query`.
    fn visit_within(&self, query: &Words, radius: u32, found: impl FnMut(u32, u32)) {
        // Pigeonhole twice: some 32-bit pair within `pair_bits`, and one of its halves within `bits`.
        let pair_bits = radius / (CHUNKS as u32 / 2);
        self.visit_probing(query, radius, pair_bits / 2, pair_bits, found);
    }

    /// Visits the entries within `radius` of `query` that have some 16-bit chunk within `bits` of the query's
    /// and that chunk's 32-bit pair within `pair_bits`: every entry within `radius` when the two come from the
    /// pigeonhole bounds ([`Self::visit_within`]), a subset otherwise.
    fn visit_probing(&self, query: &Words, radius: u32, bits: u32, pair_bits: u32, mut found: impl FnMut(u32, u32)) {
        let indexed = if bits > MAX_PROBE_BITS { 0 } else { self.tables.slots };
        if indexed > 0 {
            let query_chunks: [u16; CHUNKS] = std::array::from_fn(|c| chunk(query, c));
            let mut probes = Vec::with_capacity(137);
            let mut candidates: Vec<u32> = Vec::with_capacity(1024);
            // A pair that must be exact has both halves exact: probing one half of each pair finds it.
            let step = if bits == 0 && pair_bits == 0 { 2 } else { 1 };
            for (c, &value) in query_chunks.iter().enumerate().step_by(step) {
                let partner_value = query_chunks[c ^ 1];
                let partner_fold = fold(partner_value);
                probes_within(value, bits, &mut probes);
                // Two passes: the postings stream through the folded filter, then the survivors' hashes are
                // fetched. Apart, those fetches are independent loads that the CPU overlaps, which matters
                // since the 8-bit filter lets through more candidates than a 16-bit one would.
                candidates.clear();
                for &probe in &probes {
                    let probe_distance = (probe ^ value).count_ones();
                    // A lower bound of the pair's distance from the posting alone (the folded partner differs
                    // in at most as many bits as the partner): skips the fetch of most hashes.
                    candidates.extend(
                        self.tables
                            .bucket(c, probe)
                            .filter(|&(_, partner)| probe_distance + (partner ^ partner_fold).count_ones() <= pair_bits)
                            .map(|(slot, _)| slot),
                    );
                }
                for &slot in &candidates {
                    let hash = &self.slots.hashes[slot as usize];
                    // The exact pair test: a slot is reported only from a chunk whose probes and pair test cover
                    // it, else one that passed the weaker folded test here would be reported twice (here and
                    // from the chunk that does cover it).
                    let half = (chunk(hash, c) ^ value).count_ones();
                    if half + (chunk(hash, c ^ 1) ^ partner_value).count_ones() > pair_bits {
                        continue;
                    }
                    let distance = distance(hash, query);
                    if distance > radius || self.slots.is_dead(slot) {
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
        for (slot, hash) in self.slots.hashes.iter().enumerate().skip(indexed) {
            let distance = distance(hash, query);
            if distance <= radius && !self.slots.is_dead(slot as u32) {
                found(slot as u32, distance);
            }
        }
    }
}

impl Extend<(EntryId, PdqHash)> for PdqIndex {
    /// Bulk insert: appends without per-entry lookups and builds the chunk tables once at the end (the
    /// rebuild sorts by id and keeps the latest hash of a repeated id). A batch too small to trigger a
    /// rebuild goes through the plain insert path instead.
    fn extend<I: IntoIterator<Item = (EntryId, PdqHash)>>(&mut self, entries: I) {
        let start = self.slots.append_unchecked(entries.into_iter());
        if self.slots.tail_too_long() {
            self.rebuild();
        } else {
            for (id, hash) in self.slots.take_appended(start) {
                self.push(id, hash);
            }
            self.rebuild_if_needed();
        }
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
/// [`fold`] of its partner chunk (the other half of its 32-bit pair).
///
/// A posting is one u32: the gap from the bucket's previous slot (or from 0) in the low 18 bits and the folded
/// partner in the high 14. Buckets list slots in ascending order and hold about `slots / 65,536` of them, so
/// gaps average 2^16 whatever the size; a gap of [`ESCAPE`] (about 4x the mean) or more is written as an
/// `ESCAPE` posting followed by the whole slot (a second u32): about 2 % of postings for uniform chunks.
/// Storing gaps instead of 24-bit slots is what frees the 6 bits for a 14-bit partner, which lets about 3x
/// fewer random entries through to the hash fetch than 12 bits (with 20-bit gaps) and 20x fewer than 8.
#[derive(Default, Clone)]
struct ChunkTables {
    slots: usize,
    /// `CHUNKS * (BUCKETS + 1)` offsets into the chunk's postings, in u32 units.
    offsets: Vec<u32>,
    postings: Vec<Vec<u32>>,
}

const GAP_BITS: u32 = 18;
/// The gap field's marker for "the next u32 is the slot"; also the smallest gap it stands for.
const ESCAPE: u32 = (1 << GAP_BITS) - 1;

impl ChunkTables {
    fn build(hashes: &[Words]) -> Self {
        let slots = hashes.len();
        let mut offsets = vec![0u32; CHUNKS * (BUCKETS + 1)];
        let mut postings = Vec::with_capacity(CHUNKS);
        let mut cursor = vec![0u32; BUCKETS];
        let mut last = vec![0u32; BUCKETS];
        for c in 0..CHUNKS {
            let table = &mut offsets[c * (BUCKETS + 1)..(c + 1) * (BUCKETS + 1)];
            // Pass 1 sizes each bucket, escapes included, so the postings are allocated exactly once.
            last.fill(0);
            for (slot, hash) in hashes.iter().enumerate() {
                let bucket = chunk(hash, c) as usize;
                let escaped = slot as u32 - last[bucket] >= ESCAPE;
                table[bucket + 1] += 1 + u32::from(escaped);
                last[bucket] = slot as u32;
            }
            for b in 0..BUCKETS {
                table[b + 1] += table[b];
            }
            cursor.copy_from_slice(&table[..BUCKETS]);
            last.fill(0);
            let mut packed = vec![0u32; table[BUCKETS] as usize];
            for (slot, hash) in hashes.iter().enumerate() {
                let bucket = chunk(hash, c) as usize;
                let slot = slot as u32;
                let gap = slot - last[bucket];
                let partner = u32::from(fold(chunk(hash, c ^ 1))) << GAP_BITS;
                let at = &mut cursor[bucket];
                if gap >= ESCAPE {
                    packed[*at as usize] = partner | ESCAPE;
                    packed[*at as usize + 1] = slot;
                    *at += 2;
                } else {
                    packed[*at as usize] = partner | gap;
                    *at += 1;
                }
                last[bucket] = slot;
            }
            postings.push(packed);
        }
        ChunkTables { slots, offsets, postings }
    }

    /// The slots whose chunk `c` equals `value`, with their folded partner chunk.
    fn bucket(&self, c: usize, value: u16) -> Bucket<'_> {
        let table = c * (BUCKETS + 1) + value as usize;
        let (start, end) = (self.offsets[table] as usize, self.offsets[table + 1] as usize);
        Bucket { postings: &self.postings[c][start..end], slot: 0 }
    }
}

/// Decodes one bucket's gap-coded postings.
struct Bucket<'a> {
    postings: &'a [u32],
    /// The previous slot (0 before the first).
    slot: u32,
}

impl Iterator for Bucket<'_> {
    type Item = (u32, u16);

    fn next(&mut self) -> Option<(u32, u16)> {
        let (&posting, rest) = self.postings.split_first()?;
        let gap = posting & ESCAPE;
        if gap == ESCAPE {
            let (&slot, rest) = rest.split_first()?;
            self.slot = slot;
            self.postings = rest;
        } else {
            self.slot += gap;
            self.postings = rest;
        }
        Some((self.slot, (posting >> GAP_BITS) as u16))
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

/// A 16-bit chunk folded to 14 bits: its top 2 bits are XORed onto the bottom 2. Each bit of `fold(a) ^
/// fold(b)` is one bit of `a ^ b` or the XOR of two of its bits (disjoint groups), so it is set only where
/// `a ^ b` has at least one bit of its group set: `popcount(fold(a) ^ fold(b)) <= popcount(a ^ b)`, a valid
/// (weaker) lower bound for the pair filter in the 14 bits a posting has room for.
fn fold(value: u16) -> u16 {
    (value ^ (value >> 14)) & 0x3fff
}

fn chunk(hash: &Words, c: usize) -> u16 {
    (hash[c / 4] >> ((c % 4) * 16)) as u16
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::slots::{from_words, id_hash};
    use super::*;

    /// Deterministic splitmix64 stream.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            id_hash(self.0)
        }
        fn hash(&mut self) -> PdqHash {
            from_words(&Words([self.next(), self.next(), self.next(), self.next()]))
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
        assert!(index.tables.slots > 0 && index.tables.slots < index.slots.hashes.len());
        assert_eq!(index.len(), entries.len());
        for radius in [0, 5, 15, 16, 31, 32, 40, 47, 48, 70] {
            for query in &queries {
                let expected = brute_force(&entries, query, radius);
                assert_eq!(pairs(&index.search(query, radius)), expected, "radius {radius}");
            }
        }
    }

    #[test]
    fn probing_search_is_a_subset_that_is_exact_up_to_15_and_finds_most_pairs_at_24() {
        let mut rng = Rng(13);
        let (entries, queries) = clustered(&mut rng, 30_000, 60);
        let index: PdqIndex = entries.iter().copied().collect();
        let mut found_at_24 = 0;
        for query in &queries {
            for radius in [0, 10, 15] {
                assert_eq!(pairs(&index.search_probing(query, radius, 3)), brute_force(&entries, query, radius));
            }
            let exact = pairs(&index.search(query, 31));
            let probed = pairs(&index.search_probing(query, 31, 3));
            assert!(probed.iter().all(|p| exact.contains(p)), "a subset");
            found_at_24 += probed.iter().filter(|&&(_, d)| d == 24).count();
        }
        // Each query has one planted entry at exactly 24; random spreads find ~99 % of them.
        assert!(found_at_24 >= 55, "{found_at_24} of 60 at distance 24");
    }

    #[test]
    fn an_exact_pair_probe_finds_what_shares_a_whole_32_bit_pair_and_nothing_else() {
        let mut rng = Rng(17);
        let mut entries: Vec<(EntryId, PdqHash)> = (0..20_000).map(|id| (id, rng.hash())).collect();
        let centre = rng.hash();
        // Bits 32k..32k + 32 of the hash are pair k. Entry 100,000 + k keeps pair k whole and differs by 28 bits
        // elsewhere; entry 200,000 + k differs by 28 bits too, one of them in each pair.
        let flip = |hash: &PdqHash, bits: &[usize]| {
            let mut w = words(hash);
            for &b in bits {
                w[b / 64] ^= 1 << (b % 64);
            }
            from_words(&w)
        };
        for k in 0..8usize {
            let elsewhere: Vec<usize> = (0..256).filter(|b| b / 32 != k).step_by(8).take(28).collect();
            entries.push((100_000 + k as u64, flip(&centre, &elsewhere)));
            let everywhere: Vec<usize> = (0..8).map(|p| 32 * p + 5).chain((0..20).map(|i| 7 + 12 * i)).collect();
            entries.push((200_000 + k as u64, flip(&centre, &everywhere)));
        }
        // Up to 7 bits, some pair is always whole: the probe is exact there.
        for d in 0..=7 {
            entries.push((300_000 + u64::from(d), rng.near(&centre, d)));
        }
        // In the chunk tables (the delta tail is scanned whole, so its entries are all found).
        let index: PdqIndex = entries.into_iter().collect();
        assert_eq!(index.tables.slots, index.slots.hashes.len());
        let probed = pairs(&index.search_probing(&centre, 31, 0));
        let mut ids: Vec<EntryId> = probed.iter().map(|&(id, _)| id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (100_000..100_008).chain(300_000..300_008).collect::<Vec<_>>());
        assert!(probed.iter().all(|&(id, d)| id >= 300_000 || d == 28));
        assert_eq!(index.search(&centre, 31).len(), 24, "the exact search finds every kind");
    }

    #[test]
    fn a_batch_reaches_exactly_what_the_probing_rule_reaches_from_any_query() {
        let mut rng = Rng(23);
        let (mut entries, centres) = clustered(&mut rng, 20_000, 30);
        // Queries as a scan makes them: bunches of near-duplicates of a few centres, plus unrelated ones.
        let mut queries: Vec<PdqHash> = Vec::new();
        for centre in &centres[..20] {
            for d in [0, 2, 4, 6, 9, 12, 20] {
                queries.push(rng.near(centre, d));
            }
        }
        queries.extend((0..50).map(|_| rng.hash()));
        // Entries in the chunk tables, the delta tail and removed ones.
        let tail: Vec<(EntryId, PdqHash)> = centres[20..]
            .iter()
            .enumerate()
            .flat_map(|(i, c)| (0..=40).map(move |d| (5_000_000 + 100 * i as u64 + d, *c)))
            .map(|(id, c)| (id, rng.near(&c, (id % 100) as u32)))
            .collect();
        for centre in &centres[20..] {
            for d in [3, 10, 25] {
                queries.push(rng.near(centre, d));
            }
        }
        let mut index: PdqIndex = entries.iter().copied().collect();
        for &(id, hash) in &tail {
            index.insert(id, hash);
        }
        assert!(index.tables.slots < index.slots.hashes.len(), "a delta tail");
        let removed: std::collections::HashSet<EntryId> = entries.iter().step_by(7).map(|e| e.0).collect();
        for id in &removed {
            index.remove(*id);
        }
        entries.retain(|e| !removed.contains(&e.0));
        entries.extend(tail.iter().copied());
        let rule = |h: &PdqHash, q: &PdqHash, pair_bits: u32| {
            let (h, q) = (words(h), words(q));
            distance(&h, &q) <= 31
                && (0..CHUNKS).any(|c| {
                    chunk(&h, c) == chunk(&q, c) && (chunk(&h, c ^ 1) ^ chunk(&q, c ^ 1)).count_ones() <= pair_bits
                })
        };
        for pair_bits in [0, 1, 3] {
            let mut expected: Vec<EntryId> =
                entries.iter().filter(|(_, h)| queries.iter().any(|q| rule(h, q, pair_bits))).map(|e| e.0).collect();
            expected.sort_unstable();
            assert!(expected.len() > 100, "{pair_bits}: the rule reaches planted entries ({})", expected.len());
            assert_eq!(index.reach_probing(&queries, 31, pair_bits), expected, "pair bits {pair_bits}");
        }
        assert!(index.reach_probing(&[], 31, 3).is_empty());
        // A small index has no chunk tables yet: every entry waits in the tail.
        let small: Vec<(EntryId, PdqHash)> = tail.iter().take(300).copied().collect();
        let mut index = PdqIndex::new();
        for &(id, hash) in &small {
            index.insert(id, hash);
        }
        assert_eq!(index.tables.slots, 0);
        let mut expected: Vec<EntryId> =
            small.iter().filter(|(_, h)| queries.iter().any(|q| rule(h, q, 3))).map(|e| e.0).collect();
        expected.sort_unstable();
        assert!(!expected.is_empty());
        assert_eq!(index.reach_probing(&queries, 31, 3), expected);
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
        assert!(index.slots.dead_count < 15_000, "compaction ran");
        assert_eq!(index.len(), 5000);
        let live: Vec<_> = entries[15_000..].to_vec();
        for (_, hash) in live.iter().take(200) {
            assert_eq!(pairs(&index.search(hash, 31)), brute_force(&live, hash, 31));
        }
        assert!(index.search(&moved, 0).is_empty());
    }

    #[test]
    fn rotated_and_flipped_photos_find_the_original_with_the_right_variant() {
        let csv = String::from_utf8(crate::testdata::read("generated/pdq/pdq_fullres_dihedral.csv")).unwrap();
        let rows: Vec<(String, [PdqHash; 8])> = csv
            .lines()
            .filter(|l| l.contains("reg-test-input/dih/"))
            .map(|l| {
                let fields: Vec<&str> = l.split(',').collect();
                let hashes = std::array::from_fn(|i| fields[i].parse().unwrap());
                (fields[9].to_string(), hashes)
            })
            .collect();
        assert_eq!(rows.len(), 8, "eight dih rows in pdq_fullres_dihedral.csv");
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
    fn folded_partner_difference_never_exceeds_the_partner_difference() {
        // fold is linear, so checking every difference x = a ^ b covers all pairs.
        for x in 0..=u16::MAX {
            assert!(fold(x).count_ones() <= x.count_ones(), "{x:#06x}");
        }
        let mut rng = Rng(13);
        for _ in 0..10_000 {
            let (a, b) = (rng.next() as u16, rng.next() as u16);
            assert_eq!(fold(a) ^ fold(b), fold(a ^ b));
        }
    }

    /// `centre` with `d` bits flipped, spread over the eight 32-bit pairs as evenly as possible (so one pair
    /// sits right at the pigeonhole bound `d / 8`) and split at random between each pair's two halves.
    fn spread(rng: &mut Rng, centre: &PdqHash, d: u32) -> PdqHash {
        let mut w = words(centre);
        let mut pair_flips = [d / 8; 8];
        for extra in pair_flips.iter_mut().take((d % 8) as usize) {
            *extra += 1;
        }
        // Rotate which pairs carry the extra flip.
        pair_flips.rotate_left((rng.next() % 8) as usize);
        for (pair, &flips) in pair_flips.iter().enumerate() {
            let mut done = 0u32;
            while done.count_ones() < flips {
                done |= 1 << (rng.next() % 32);
            }
            for bit in (0..32).filter(|b| done & (1 << b) != 0) {
                let global = pair * 32 + bit;
                w[global / 64] ^= 1 << (global % 64);
            }
        }
        from_words(&w)
    }

    #[test]
    fn folded_filter_never_loses_or_repeats_a_match_at_radius_31() {
        let mut rng = Rng(17);
        let mut entries: Vec<(EntryId, PdqHash)> = (0..20_000).map(|id| (id, rng.hash())).collect();
        let mut centres = Vec::new();
        for _ in 0..60 {
            let centre = rng.hash();
            for d in 24..=40 {
                for _ in 0..3 {
                    entries.push((entries.len() as EntryId, spread(&mut rng, &centre, d)));
                }
            }
            centres.push(centre);
        }
        let index: PdqIndex = entries.iter().copied().collect();
        for centre in &centres {
            for radius in [15, 23, 31] {
                let expected = brute_force(&entries, centre, radius);
                assert!(radius < 24 || expected.len() >= 3 * (radius as usize - 23));
                assert_eq!(pairs(&index.search(centre, radius)), expected, "radius {radius}");
            }
            let variants: [PdqHash; 8] = std::array::from_fn(|v| if v == 0 { *centre } else { rng.hash() });
            let mut expected: Vec<EntryId> =
                variants.iter().flat_map(|q| brute_force(&entries, q, 31)).map(|(id, _)| id).collect();
            expected.sort_unstable();
            expected.dedup();
            let mut found: Vec<EntryId> = index.search_dihedral(&variants, 31).iter().map(|m| m.id).collect();
            found.sort_unstable();
            assert_eq!(found, expected);
        }
    }

    #[test]
    fn gap_coded_postings_round_trip_long_gaps_through_escapes() {
        // Every chunk of a hash holds `v`. Most slots hold 0; `v` and `w` sit at slots that put their gaps
        // right below, at and above the escape threshold, so both encodings and the boundary are exercised.
        let repeat = |v: u16| Words([u64::from(v) * 0x0001_0001_0001_0001; 4]);
        let (v, w) = (0xbeef, 0x1234);
        let slots = ESCAPE as usize * 2 + 10;
        let mut hashes = vec![repeat(0); slots];
        let v_slots = [5, 5 + ESCAPE as usize, 5 + 2 * ESCAPE as usize + 1];
        let w_slots = [ESCAPE as usize - 1, 2 * ESCAPE as usize - 1, slots - 1];
        for &s in &v_slots {
            hashes[s] = repeat(v);
        }
        for &s in &w_slots {
            hashes[s] = repeat(w);
        }
        let tables = ChunkTables::build(&hashes);
        for c in 0..CHUNKS {
            // Escapes: two for v (gaps ESCAPE and ESCAPE + 1), one for w (gaps ESCAPE - 1, ESCAPE, 10).
            assert_eq!(tables.postings[c].len(), slots + 3);
            let found: Vec<(u32, u16)> = tables.bucket(c, v).collect();
            assert_eq!(found, v_slots.map(|s| (s as u32, fold(v))));
            let found: Vec<(u32, u16)> = tables.bucket(c, w).collect();
            assert_eq!(found, w_slots.map(|s| (s as u32, fold(w))));
            assert_eq!(tables.bucket(c, 0).count(), slots - 6);
            assert!(tables.bucket(c, 0).map(|(s, _)| s as usize).eq((0..slots).filter(|&s| hashes[s] == repeat(0))));
        }
    }

    #[test]
    fn bulk_load_sorts_by_id_and_keeps_the_latest_hash_of_a_repeated_id() {
        let mut rng = Rng(19);
        // Ids in scrambled order, a tenth of them repeated later with another hash.
        let mut entries: Vec<(EntryId, PdqHash)> =
            (0..30_000u64).map(|i| (id_hash(i) % 1_000_000, rng.hash())).collect();
        for i in 0..3000 {
            let id = entries[i * 7].0;
            entries.push((id, rng.hash()));
        }
        let mut latest = std::collections::HashMap::new();
        for &(id, hash) in &entries {
            latest.insert(id, hash);
        }
        let mut index: PdqIndex = entries.iter().copied().collect();
        assert_eq!(index.len(), latest.len());
        assert_eq!(index.tables.slots, latest.len());
        assert!(index.slots.ids.windows(2).all(|w| w[0] < w[1]));
        for (&id, hash) in &latest {
            assert_eq!(index.get(id), Some(*hash));
            assert!(index.search(hash, 0).iter().any(|m| m.id == id));
        }

        // A small batch goes through the insert path: replaces, new ids, and an id removed then re-added.
        let (gone, _) = entries[5];
        assert!(index.remove(gone));
        assert_eq!(index.get(gone), None);
        let batch: Vec<(EntryId, PdqHash)> =
            vec![(entries[1].0, rng.hash()), (2_000_001, rng.hash()), (gone, rng.hash()), (2_000_001, rng.hash())];
        index.extend(batch.iter().copied());
        assert!(index.tables.slots < index.slots.hashes.len(), "stayed in the tail");
        for &(id, hash) in &batch {
            latest.insert(id, hash);
        }
        assert_eq!(index.len(), latest.len());
        for &(id, _) in &batch {
            assert_eq!(index.get(id), latest.get(&id).copied());
        }
        // Remove from the tail, then fold everything into the tables and check again.
        assert!(index.remove(2_000_001));
        latest.remove(&2_000_001);
        index.rebuild();
        assert!(index.slots.ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(index.len(), latest.len());
        for (&id, hash) in &latest {
            assert_eq!(index.get(id), Some(*hash));
        }
        assert_eq!(index.get(2_000_001), None);
        let live: Vec<(EntryId, PdqHash)> = latest.iter().map(|(&id, &h)| (id, h)).collect();
        for (_, hash) in live.iter().take(100) {
            assert_eq!(pairs(&index.search(hash, 31)), brute_force(&live, hash, 31));
        }
    }

    #[test]
    fn word_conversion_round_trips_and_chunks_cover_all_bits() {
        let mut rng = Rng(9);
        let hash = rng.hash();
        assert_eq!(from_words(&words(&hash)), hash);
        let mut ones = 0;
        for c in 0..CHUNKS {
            ones += chunk(&Words([u64::MAX; 4]), c).count_ones();
        }
        assert_eq!(ones, 256);
    }
}
