//! [`BlockIndex`]: which entries a batch of queries reaches through a whole 24-bit block, for seeding a robust
//! match on a large list.
//!
//! An uploaded photo brings about 200,000 window hashes (see `robust::scan`), and a listed image that matches is
//! close to many of them: the search only has to reach each such image once, after which every view of it is
//! compared with every window (`robust::image_hits`). The rule: an entry is reached when it lies within the
//! radius of some query **and shares one of eleven 24-bit blocks with it exactly** (ten disjoint blocks over bits
//! 0..240 from the most significant, and one over the last 24 bits), **that block's sketch within a bit**
//! (below). Each block has its own table, keyed by the block's value, so a query costs 11 lookups and a hash fetch
//! for each posting whose sketch passes, whatever the list's size up to 2^24 entries per key.
//!
//! The 16-bit chunk tables of [`super::PdqIndex`] answer the exact range search, but for this rule they scan a
//! bucket of `n / 65,536` postings per chunk (275 at 18 M views), 16 times per query: with 18 M views the
//! probing search ran 15,000-27,000 queries per second on one core, nine to ten seconds per 1600-pixel photo.
//!
//! **The sketch.** Most postings of a bucket are unrelated entries that share the 24-bit block by chance (about
//! two per lookup at 34 M views), and fetching their hashes, random memory misses all, was half of the search
//! (`perf`, December 2026). So each posting also carries a sketch of the entry's hash, the 6 bits outside its
//! block just after it (before it for the last block), in the bits its slot and tag leave free, and the rule asks
//! for the shared block's sketch to be within a bit too ([`SKETCH_SLACK`]): 5 in 6 unrelated postings are then
//! dropped without a fetch. At 1M listed images (34 M views) a 1600 x 1004 photo's 60,062 window hashes seeded
//! in 0.16 s instead of 0.21-0.23, and on every fourth original of `scripts/bench/robust` every transform's
//! recall stayed the same (`robust_eval --every 4`).
//!
//! Recall of the rule, for two hashes whose `d` differing bits fall at random (simulated, 20,000 draws each):
//! d = 16, 0.95 (0.96 without the sketch); d = 24, 0.61 (0.66); d = 31, 0.31 (0.38). A matching image is usually close
//! to dozens of windows (neighbouring positions and scales, and several of its squares), so what the rule loses on one
//! pair it finds on another; the recall per transform this costs is measured by `robust_eval --compare-seeding`
//! (README, robust matching).
//!
//! # Memory
//! The entries (`slots::Slots`: 40 B each), then per block a CSR table: one u32 posting per entry (its slot, the
//! block's bits below the directory's and its sketch: the three fill 32 bits up to 2^26 entries, beyond which the
//! sketch is left out and the hash fetched), sorted by the block's value, and where each of `2^D` buckets over the
//! top `D` bits of the value starts, `2^D` in `(n / 4, n / 2]` up to 2^24, in about 2 B a bucket
//! ([`super::offsets`]): about 44 B per entry, and 5.5 to 11 B of offsets (at most 11 x 32 MiB). Measured with
//! `examples/bench_views`.
//! Entries inserted since the last rebuild (the delta tail) are found through a hash map from (block, value) to
//! their slots, so the tail never costs a scan.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use super::EntryId;
use super::offsets::Offsets;
use super::slots::{Slots, Words, distance, words};
use crate::pdq::PdqHash;

/// Bits per block.
pub const BLOCK_BITS: u32 = 24;
/// Blocks per hash: ten disjoint ones from the most significant bit, then the last 24 bits.
const BLOCKS: usize = 11;
/// The largest directory: one offset per block value.
const MAX_DIRECTORY_BITS: u32 = BLOCK_BITS;
/// Bits of a posting's sketch: hash bits outside its block, kept in the bits of the posting its slot and tag leave
/// free, so that a bucket's postings whose sketch is 2 bits or more from every query's are dropped without
/// fetching their hash.
const SKETCH_BITS: u32 = 6;
/// A sketch within this many bits of a query's passes. With 0 (63 in 64 unrelated postings dropped) the pairs
/// the rule finds at 31 bits fell from 0.31 to 0.17, and on every fourth original of `scripts/bench/robust`
/// off-centre crops from 98.5 to 95.4 %, 5 % crops from 100 to 98.5 %, 5 degree turns from 98.5 to 96.9 %.
const SKETCH_SLACK: u32 = 1;

/// Hashes searchable by the block rule. See the module docs.
#[derive(Default, Clone)]
pub struct BlockIndex {
    slots: Slots,
    tables: BlockTables,
    /// The delta tail: `(block << 24) | value` -> its slots (dead ones are skipped when found).
    tail: TailMap,
}

impl fmt::Debug for BlockIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockIndex")
            .field("len", &self.len())
            .field("slots", &self.slots.hashes.len())
            .field("indexed_slots", &self.slots.indexed)
            .finish()
    }
}

impl BlockIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an entry; an id inserted again replaces its earlier hash.
    pub fn insert(&mut self, id: EntryId, hash: PdqHash) {
        self.push(id, words(&hash));
        self.rebuild_if_needed();
    }

    /// Removes an entry; false when it was not present.
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

    /// The hash of an entry, if present.
    pub fn get(&self, id: EntryId) -> Option<PdqHash> {
        self.slots.get(id)
    }

    /// Bytes allocated by the index (capacities, not lengths; the tail map's entries approximately), for metrics.
    pub fn memory_bytes(&self) -> usize {
        let tail = self.tail.capacity() * (size_of::<u32>() + size_of::<Vec<u32>>() + 1)
            + self.tail.values().map(|v| v.capacity() * size_of::<u32>()).sum::<usize>();
        self.slots.memory_bytes()
            + tail
            + self.tables.offsets.iter().map(Offsets::memory_bytes).sum::<usize>()
            + self.tables.postings.iter().map(Vec::capacity).sum::<usize>() * size_of::<u32>()
    }

    /// The ids of the entries that some query reaches: within `radius` of it and sharing one of its blocks
    /// exactly, that block's sketch within [`SKETCH_SLACK`] bits. Ascending, each once.
    ///
    /// Per block the queries are sorted by the block's value, so that neighbouring windows of a scan, which often
    /// share it, look it up once, and the lookups walk the tables in ascending order. The work goes in three passes,
    /// each a loop of independent loads that prefetches [`PREFETCH_AHEAD`] iterations ahead: every run's bucket in
    /// the directory, then its postings, then the hashes of the postings whose sketch passes. Interleaved, each hash
    /// fetch waited for its bucket's lookup, and the search ran about half as fast; without the prefetches, the
    /// bridge's windows took 0.14-0.17 s to seed against 1M listed images instead of 0.095-0.12 (`bench_views`).
    pub fn reach(&self, queries: &[PdqHash], radius: u32) -> Vec<EntryId> {
        if queries.is_empty() || self.is_empty() {
            return Vec::new();
        }
        let queries: Vec<Words> = queries.iter().map(words).collect();
        let query = |probe: u64| &queries[probe as u32 as usize];
        let value_of = |probe: u64| (probe >> 32) as u32;
        let near = |probe: u64, b: usize, sketch_bits: u32| {
            (sketch(query(probe), b) ^ sketch_bits).count_ones() <= SKETCH_SLACK
        };
        let mut reached = vec![0u64; self.slots.hashes.len().div_ceil(64)];
        let is_reached = |reached: &[u64], slot: u32| reached[slot as usize / 64] & (1 << (slot % 64)) != 0;
        let mut out = Vec::new();
        // (block value << 32 | query): one u64 sorts faster than a pair, and the runs of one value stay together.
        let mut probes: Vec<u64> = Vec::with_capacity(queries.len());
        let mut runs: Vec<Run> = Vec::with_capacity(queries.len());
        // (slot, its run in `runs`): postings whose hash is worth fetching.
        let mut fetches: Vec<(u32, usize)> = Vec::with_capacity(queries.len());
        for b in 0..BLOCKS {
            probes.clear();
            probes.extend(queries.iter().enumerate().map(|(q, w)| (u64::from(block(w, b)) << 32) | q as u64));
            probes.sort_unstable();
            runs.clear();
            let mut first = 0;
            for run in probes.chunk_by(|&x, &y| value_of(x) == value_of(y)) {
                let end = first + run.len() as u32;
                runs.push(Run { value: value_of(run[0]), first, end, bucket: 0..0 });
                first = end;
            }
            for k in 0..runs.len() {
                if let Some(ahead) = runs.get(k + PREFETCH_AHEAD) {
                    self.tables.prefetch_bucket(b, ahead.value);
                }
                runs[k].bucket = self.tables.bucket(b, runs[k].value);
            }
            fetches.clear();
            for (k, run) in runs.iter().enumerate() {
                if let Some(ahead) = runs.get(k + PREFETCH_AHEAD) {
                    self.tables.prefetch_postings(b, ahead.bucket.start);
                }
                let tail = match self.tail.is_empty() {
                    true => &[][..],
                    false => self.tail.get(&tail_key(b, run.value)).map_or(&[][..], Vec::as_slice),
                };
                let tail = tail.iter().map(|&slot| (slot, NO_SKETCH));
                let probes = &probes[run.first as usize..run.end as usize];
                // Most postings of a bucket are unrelated entries that share the block by chance: their sketch drops
                // them before their hash is fetched, the search's dearest step. An entry reached through an earlier
                // block has nothing more to tell.
                let worth = |&(slot, sketched): &(u32, u32)| {
                    !is_reached(&reached, slot)
                        && (sketched == NO_SKETCH || probes.iter().any(|&probe| near(probe, b, sketched)))
                };
                let postings = self.tables.postings(b, run.value, run.bucket.clone());
                fetches.extend(postings.chain(tail).filter(worth).map(|(slot, _)| (slot, k)));
            }
            for (k, &(slot, run)) in fetches.iter().enumerate() {
                if let Some(&(ahead, _)) = fetches.get(k + PREFETCH_AHEAD) {
                    prefetch(&self.slots.hashes[ahead as usize]);
                }
                let probes = &probes[runs[run].first as usize..runs[run].end as usize];
                let hash = &self.slots.hashes[slot as usize];
                let own = sketch(hash, b);
                let hit = block(hash, b) == value_of(probes[0])
                    && probes.iter().any(|&probe| near(probe, b, own) && distance(hash, query(probe)) <= radius);
                if hit && !is_reached(&reached, slot) && !self.slots.is_dead(slot) {
                    reached[slot as usize / 64] |= 1 << (slot % 64);
                    out.push(self.slots.ids[slot as usize]);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Appends to the tail without rebuilding.
    fn push(&mut self, id: EntryId, hash: Words) {
        if let Some(slot) = self.slots.push(id, hash) {
            for b in 0..BLOCKS {
                self.tail.entry(tail_key(b, block(&hash, b))).or_default().push(slot);
            }
        }
    }

    fn rebuild_if_needed(&mut self) {
        if self.slots.needs_rebuild() {
            self.rebuild();
        }
    }

    /// Compacts the slots and rebuilds the tables over all of them (the tail becomes empty).
    fn rebuild(&mut self) {
        self.tables = BlockTables::default();
        self.tail = TailMap::default();
        self.slots.compact();
        self.tables = BlockTables::build(&self.slots.hashes);
    }
}

impl Extend<(EntryId, PdqHash)> for BlockIndex {
    /// Bulk insert: appends without per-entry lookups and builds the tables once at the end (a repeated id keeps
    /// its last hash). A batch too small to trigger a rebuild goes through the plain insert path instead.
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

impl FromIterator<(EntryId, PdqHash)> for BlockIndex {
    fn from_iter<I: IntoIterator<Item = (EntryId, PdqHash)>>(entries: I) -> Self {
        let mut index = BlockIndex::new();
        index.extend(entries);
        index
    }
}

/// The delta tail's map. Its keys are a block's value (24 bits of a hash, already spread) and the block's number,
/// so a multiplication hashes them well enough, and several times faster than the default SipHash (the map is
/// looked up once per distinct block value of a query batch).
type TailMap = HashMap<u32, Vec<u32>, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u32(u32::from(byte) ^ (self.0 as u32));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.0 = (self.0 ^ u64::from(value)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Per block, the slots `0..slots` sorted by the block's value (counting sort on its top `directory_bits`), in
/// CSR form.
///
/// A directory bucket holds the slots whose block shares its top `directory_bits` bits, about two to four of them,
/// and about half of those differ from the value looked up in the bits below: a search that fetched each one's hash to
/// compare them spent half its fetches, random memory misses all, on slots it then dropped. So a posting carries
/// those lower bits above its slot (`tag_bits` of them: all of them while the slots need at most `32 - tag_bits`
/// bits, that is up to 2^26 entries), and the search compares them in the posting it has already read.
#[derive(Default, Clone)]
struct BlockTables {
    directory_bits: u32,
    /// Bits of a posting below its tag: the slot.
    slot_bits: u32,
    /// Bits of the block's value below the directory's, kept above the slot in each posting (0 when the slots
    /// leave no room for all of them; the bucket is then filtered by the hash fetch alone).
    tag_bits: u32,
    /// Bits of sketch above the tag ([`SKETCH_BITS`], or 0 when the slots and tag leave no room).
    sketch_bits: u32,
    /// Per block, where each of its `2^directory_bits` buckets starts in its postings (about 2 B a bucket).
    offsets: Vec<Offsets>,
    /// Per block, `tag << slot_bits | slot`.
    postings: Vec<Vec<u32>>,
}

impl BlockTables {
    fn build(hashes: &[Words]) -> Self {
        let n = hashes.len();
        // Two to four entries a bucket: 2^D in (n / 4, n / 2], so the offsets (about 2 B a bucket) take at most a
        // quarter of the postings' memory.
        let directory_bits = (usize::BITS - n.leading_zeros()).saturating_sub(2).clamp(8, MAX_DIRECTORY_BITS);
        let shift = BLOCK_BITS - directory_bits;
        let slot_bits = usize::BITS - n.leading_zeros();
        let tag_bits = if slot_bits + shift <= u32::BITS { shift } else { 0 };
        let tag_mask = (1u32 << tag_bits) - 1;
        let sketch_bits = if slot_bits + tag_bits + SKETCH_BITS <= u32::BITS { SKETCH_BITS } else { 0 };
        let buckets = 1usize << directory_bits;
        let mut offsets = Vec::with_capacity(BLOCKS);
        let mut postings = Vec::with_capacity(BLOCKS);
        for b in 0..BLOCKS {
            let mut table = vec![0u32; buckets + 1];
            for hash in hashes {
                table[(block(hash, b) >> shift) as usize + 1] += 1;
            }
            for i in 0..buckets {
                table[i + 1] += table[i];
            }
            let mut cursor = table[..buckets].to_vec();
            let mut slots = vec![0u32; n];
            for (slot, hash) in hashes.iter().enumerate() {
                let value = block(hash, b);
                let at = &mut cursor[(value >> shift) as usize];
                // `checked_shl`: with no tag, a shift by all 32 bits of an empty tag.
                let sketched = if sketch_bits > 0 { sketch(hash, b) << (slot_bits + tag_bits) } else { 0 };
                slots[*at as usize] = sketched | (value & tag_mask).checked_shl(slot_bits).unwrap_or(0) | slot as u32;
                *at += 1;
            }
            offsets.push(Offsets::new(table));
            postings.push(slots);
        }
        BlockTables { directory_bits, slot_bits, tag_bits, sketch_bits, offsets, postings }
    }

    /// Where the postings of the bucket of `value` in block `b` lie.
    fn bucket(&self, b: usize, value: u32) -> Range<usize> {
        match self.offsets.get(b) {
            Some(offsets) => offsets.bucket(self.bucket_of(value)),
            None => 0..0,
        }
    }

    fn bucket_of(&self, value: u32) -> usize {
        (value >> (BLOCK_BITS - self.directory_bits)) as usize
    }

    /// Brings the directory's line for `value` in block `b` towards the cache, for [`BlockTables::bucket`].
    fn prefetch_bucket(&self, b: usize, value: u32) {
        if let Some(offsets) = self.offsets.get(b) {
            offsets.prefetch(self.bucket_of(value));
        }
    }

    /// Brings the line of block `b`'s postings at `at` towards the cache, for [`BlockTables::postings`].
    fn prefetch_postings(&self, b: usize, at: usize) {
        if let Some(posting) = self.postings.get(b).and_then(|p| p.get(at)) {
            prefetch(posting);
        }
    }

    /// The slots (and sketches) among `bucket`, the postings of `value`'s bucket in block `b`, whose block may be
    /// `value`: its tag equal (exactly `value` when the postings carry every bit below the directory's).
    fn postings(&self, b: usize, value: u32, bucket: Range<usize>) -> impl Iterator<Item = (u32, u32)> + '_ {
        let bucket = self.postings.get(b).map_or(&[][..], |postings| &postings[bucket]);
        let low_bits = self.slot_bits + self.tag_bits;
        let slot_mask = u32::MAX.checked_shr(u32::BITS - self.slot_bits).unwrap_or(0);
        let low_mask = u32::MAX.checked_shr(u32::BITS - low_bits).unwrap_or(0);
        let tag = (value & ((1u32 << self.tag_bits) - 1)).checked_shl(self.slot_bits).unwrap_or(0);
        let sketched = self.sketch_bits > 0;
        bucket.iter().filter(move |&&posting| posting & low_mask & !slot_mask == tag).map(move |&posting| {
            let sketch = if sketched { posting.checked_shr(low_bits).unwrap_or(0) } else { NO_SKETCH };
            (posting & slot_mask, sketch)
        })
    }
}

/// One value of a block among a batch's queries: the probes `first..end` (sorted) that share it, and where its
/// bucket's postings lie.
struct Run {
    value: u32,
    first: u32,
    end: u32,
    bucket: Range<usize>,
}

/// How many iterations ahead [`BlockIndex::reach`]'s loops prefetch: 16 seeded the bridge's windows a little faster
/// than 8 (0.097-0.10 s against 0.10-0.103, 1M listed images).
const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to bring the cache line holding `value` into its caches, where a loop will read it a few
/// iterations later; elsewhere than x86-64 it does nothing.
#[inline(always)]
pub(super) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // Unsafe only because of the intrinsic's `target_feature` (SSE, which every x86-64 CPU has); with FFmpeg's I/O
    // glue (`video/avio.rs`) the hasher's only unsafe code. A prefetch is a hint: it reads nothing the program sees
    // and never faults.
    #[allow(unsafe_code)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A slot found without a sketch (in the delta tail, or in tables with no room for one): its hash is fetched.
const NO_SKETCH: u32 = u32::MAX;

/// Block `b` of a hash: 24 bits from bit `24 b` counted from the most significant (the last block ends at bit 256).
fn block(hash: &Words, b: usize) -> u32 {
    let start = if b + 1 < BLOCKS { 24 * b } else { 256 - 24 };
    bits(hash, start, BLOCK_BITS as usize)
}

/// Bits of a hash outside block `b`, for the postings' sketch: the `SKETCH_BITS` bits just after the block (just
/// before it for the last block, which ends the hash).
fn sketch(hash: &Words, b: usize) -> u32 {
    let start = if b + 1 < BLOCKS { 24 * b + 24 } else { 256 - 24 - SKETCH_BITS as usize };
    bits(hash, start, SKETCH_BITS as usize)
}

/// `len` (at most 32) bits of a hash from bit `start`, counted from the most significant.
fn bits(hash: &Words, start: usize, len: usize) -> u32 {
    let (word, offset) = (start / 64, start % 64);
    let mask = (1u64 << len) - 1;
    let value = if offset + len <= 64 {
        hash[word] >> (64 - offset - len)
    } else {
        let low = offset + len - 64;
        (hash[word] << low) | (hash[word + 1] >> (64 - low))
    };
    (value & mask) as u32
}

fn tail_key(b: usize, value: u32) -> u32 {
    ((b as u32) << BLOCK_BITS) | value
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::slots::{from_words, id_hash};
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            id_hash(self.0)
        }
        fn hash(&mut self) -> PdqHash {
            from_words(&Words([self.next(), self.next(), self.next(), self.next()]))
        }
        /// `hash` with exactly `flips` distinct bits inverted, chosen among `allowed`.
        fn near(&mut self, hash: &PdqHash, flips: u32, allowed: &[usize]) -> PdqHash {
            let mut w = words(hash);
            let mut done = vec![false; 256];
            let mut flipped = 0;
            while flipped < flips {
                let bit = allowed[(self.next() % allowed.len() as u64) as usize];
                if !done[bit] {
                    done[bit] = true;
                    w[bit / 64] ^= 1 << (63 - bit % 64);
                    flipped += 1;
                }
            }
            from_words(&w)
        }
    }

    /// What the rule reaches, by brute force.
    fn reached_by_rule(entries: &[(EntryId, PdqHash)], queries: &[PdqHash], radius: u32) -> Vec<EntryId> {
        let mut out: Vec<EntryId> = entries
            .iter()
            .filter(|(_, h)| {
                let hw = words(h);
                queries.iter().any(|q| {
                    let qw = words(q);
                    let shared = |b: usize| {
                        block(&hw, b) == block(&qw, b) && (sketch(&hw, b) ^ sketch(&qw, b)).count_ones() <= SKETCH_SLACK
                    };
                    distance(&hw, &qw) <= radius && (0..BLOCKS).any(shared)
                })
            })
            .map(|&(id, _)| id)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn blocks_cover_every_bit_and_read_the_bits_they_name() {
        let mut covered = [0u32; 256];
        for b in 0..BLOCKS {
            for bit in 0..256 {
                // Hash with only `bit` set (counted from the most significant).
                let mut w = Words::default();
                w[bit / 64] = 1 << (63 - bit % 64);
                if block(&w, b) != 0 {
                    covered[bit] += 1;
                    let start = if b + 1 < BLOCKS { 24 * b } else { 232 };
                    assert!((start..start + 24).contains(&bit), "block {b} read bit {bit}");
                    assert_eq!(block(&w, b), 1 << (23 - (bit - start)));
                }
            }
        }
        assert!(covered.iter().all(|&c| c >= 1), "{covered:?}");
    }

    #[test]
    fn reach_equals_the_rule_by_brute_force_through_tables_tail_and_removals() {
        let mut rng = Rng(3);
        let mut entries: Vec<(EntryId, PdqHash)> = (0..20_000).map(|i| (i * 5 + 1, rng.hash())).collect();
        let mut queries = Vec::new();
        // Entries near each query at every distance to 40, some with a block intact and some with none.
        let all: Vec<usize> = (0..256).collect();
        let mut id = 1_000_000;
        for _ in 0..30 {
            let centre = rng.hash();
            queries.push(centre);
            for d in 0..=40 {
                entries.push((id, rng.near(&centre, d, &all)));
                id += 1;
                // Flips in every block: only blocks 0..10 cover bits 0..240 and block 10 the last 24, so one flip
                // in each of bits 0..240 by block and one in 240..256 leaves no block exact.
                let mut h = words(&centre);
                for b in 0..10 {
                    let bit = 24 * b + (rng.next() % 24) as usize;
                    h[bit / 64] ^= 1 << (63 - bit % 64);
                }
                let bit = 240 + (rng.next() % 16) as usize;
                h[bit / 64] ^= 1 << (63 - bit % 64);
                entries.push((id, from_words(&h)));
                id += 1;
            }
        }
        let (bulk, tail) = entries.split_at(entries.len() - 1500);
        let mut index: BlockIndex = bulk.iter().copied().collect();
        for &(id, hash) in tail {
            index.insert(id, hash);
        }
        assert!(index.slots.indexed > 0 && index.slots.indexed < index.slots.hashes.len(), "tables and a tail");
        for radius in [0, 16, 31, 40] {
            let found = index.reach(&queries, radius);
            assert_eq!(found, reached_by_rule(&entries, &queries, radius), "radius {radius}");
        }
        let found = index.reach(&queries, 31);
        assert!(found.len() > 30 * 10, "most near entries reached: {}", found.len());
        // A hash 11 flips away with one flip in every block is within any radius >= 11 and still not reached.
        let blockless: Vec<EntryId> = (0..30).map(|c| 1_000_000 + 82 * c + 1).collect();
        assert!(blockless.iter().all(|id| found.binary_search(id).is_err()));

        // Removals, in the tables and in the tail, and a replaced hash.
        let gone: Vec<EntryId> = found.iter().step_by(3).copied().collect();
        for id in &gone {
            assert!(index.remove(*id));
        }
        let live: Vec<(EntryId, PdqHash)> = entries.iter().filter(|(id, _)| !gone.contains(id)).copied().collect();
        assert_eq!(index.len(), live.len());
        assert_eq!(index.reach(&queries, 31), reached_by_rule(&live, &queries, 31));
        assert_eq!(index.get(gone[0]), None);
        assert_eq!(index.get(live[0].0), Some(live[0].1));
    }

    /// `hash` with `bits` (counted from the most significant) inverted.
    fn flipped(hash: &Words, bits: &[usize]) -> Words {
        let mut w = hash.0;
        for &bit in bits {
            w[bit / 64] ^= 1 << (63 - bit % 64);
        }
        Words(w)
    }

    #[test]
    fn a_shared_block_reaches_an_entry_only_when_its_sketch_is_within_a_bit() {
        let mut rng = Rng(3);
        let entry = words(&rng.hash());
        // Sketches: the 6 bits after each of blocks 0..9, the 6 before the last block.
        let sketch_starts: Vec<usize> = (0..BLOCKS).map(|b| if b + 1 < BLOCKS { 24 * b + 24 } else { 226 }).collect();
        // One bit off in every sketch (11 bits): block 0 still shared, its sketch a bit off.
        let one: Vec<usize> = sketch_starts.iter().map(|s| s + 1).collect();
        // Two bits off in every sketch (22 bits): only block 0 is still shared, and its sketch is 2 bits off.
        let two: Vec<usize> = sketch_starts.iter().flat_map(|s| [s + 1, s + 4]).collect();
        let index: BlockIndex =
            [(7, from_words(&entry))].into_iter().chain((0..2000).map(|i| (100 + i, rng.hash()))).collect();
        let reached = |bits: &[usize]| index.reach(&[from_words(&flipped(&entry, bits))], 31);
        assert_eq!(reached(&one), vec![7]);
        assert_eq!(reached(&two), Vec::<EntryId>::new(), "22 bits away, but no block with a close sketch");
        let shared: Vec<usize> =
            (0..BLOCKS).filter(|&b| block(&flipped(&entry, &two), b) == block(&entry, b)).collect();
        assert_eq!(shared, [0], "the test's premise: block 0 alone is shared");
    }

    #[test]
    fn a_bucket_gives_exactly_the_slots_of_the_value_looked_up() {
        let mut rng = Rng(5);
        // 300 entries: a directory of 2^8 buckets, so most of a value's bucket has other values below its top bits.
        // The first block's top 8 bits take only seven values, so that its buckets are crowded.
        for n in [300usize, 40_000] {
            let hashes: Vec<Words> = (0..n)
                .map(|i| {
                    let mut w = words(&rng.hash());
                    w[0] = (w[0] & !(0xff << 56)) | (((i % 7) as u64) << 56);
                    w
                })
                .collect();
            let tables = BlockTables::build(&hashes);
            assert!(tables.tag_bits > 0 && tables.directory_bits < BLOCK_BITS);
            for b in [0, 3, BLOCKS - 1] {
                for probe in hashes.iter().step_by(37) {
                    let value = block(probe, b);
                    let found: Vec<(u32, u32)> = tables.postings(b, value, tables.bucket(b, value)).collect();
                    for &(slot, s) in &found {
                        assert_eq!(s, sketch(&hashes[slot as usize], b), "a posting carries its entry's sketch");
                    }
                    let mut got: Vec<u32> = found.into_iter().map(|(slot, _)| slot).collect();
                    got.sort_unstable();
                    let expected: Vec<u32> =
                        (0..n as u32).filter(|&s| block(&hashes[s as usize], b) == value).collect();
                    assert_eq!(got, expected, "n {n}, block {b}, value {value:#x}");
                }
            }
        }
    }

    #[test]
    fn the_offsets_take_at_most_a_quarter_of_the_postings_memory() {
        let mut rng = Rng(13);
        // Just above a power of two, where the directory is largest against the entries (2^D = n / 2).
        let n = (1usize << 15) + 100;
        let index: BlockIndex = (0..n as EntryId).map(|i| (i, rng.hash())).collect();
        assert!(index.tail.is_empty());
        let postings = BLOCKS * n * size_of::<u32>();
        let offsets = index.memory_bytes() - index.slots.memory_bytes() - postings;
        assert!(offsets * 100 <= postings * 26, "{offsets} B of offsets for {postings} B of postings");
    }

    #[test]
    fn a_rebuild_keeps_what_is_reached() {
        let mut rng = Rng(11);
        let entries: Vec<(EntryId, PdqHash)> = (0..9_000).map(|i| (i, rng.hash())).collect();
        let queries: Vec<PdqHash> = entries.iter().step_by(97).map(|(_, h)| *h).collect();
        let mut index = BlockIndex::new();
        for &(id, hash) in &entries {
            index.insert(id, hash);
        }
        let before = index.reach(&queries, 31);
        index.rebuild();
        assert_eq!(index.slots.indexed, entries.len());
        assert!(index.tail.is_empty());
        assert_eq!(index.reach(&queries, 31), before);
        assert_eq!(before.len(), queries.len());
    }
}
