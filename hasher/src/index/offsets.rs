//! [`Offsets`]: where each bucket of a sorted table of postings starts, in about 2 bytes a bucket instead of 4.
//!
//! The block index ([`super::BlockIndex`]) keeps one such directory per block, one bucket per two to four postings:
//! at 1M listed images (34 M views) its eleven u32 directories took 11 x 64 MiB, and a process holding the list
//! 3,938 MiB, just under the 4 GiB a process may take (`api/examples/load_index`, December 2026). Buckets are
//! small, so a bucket's start is kept as a u16 within its group of [`GROUP`] buckets, plus one u32 per group: a
//! lookup reads the same one line of the large array as before (the groups' starts, 1/64 of it, stay in cache).
//!
//! Giving each bucket more postings (a directory half the size) would have saved as much, but a search then fetched
//! more hashes of postings that only share the bucket by chance, and seeding a query image took 25 % longer.

use std::ops::Range;

/// Buckets per group: a group's postings must number at most `u16::MAX` for its buckets to fit in u16.
const GROUP: usize = 64;

/// The start of every bucket of a table, and the table's end: the `2^D + 1` cumulative offsets of a CSR table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Offsets {
    /// Each bucket's start as a u16 from its group's start (`within[i] + groups[i / GROUP]`).
    Narrow { groups: Vec<u32>, within: Vec<u16> },
    /// Plain u32 offsets, for a table where some group holds more than `u16::MAX` postings (a list where many
    /// entries share a block's value: copies of one image, say).
    Wide(Vec<u32>),
}

impl Offsets {
    /// From cumulative offsets (non-decreasing, the first 0, one more than there are buckets).
    pub(super) fn new(cumulative: Vec<u32>) -> Self {
        let groups: Vec<u32> = cumulative.iter().step_by(GROUP).copied().collect();
        // Allocated to size: collected through `Option`, the vector would grow by doubling, up to twice as large.
        let mut within = Vec::with_capacity(cumulative.len());
        for (i, &start) in cumulative.iter().enumerate() {
            match u16::try_from(start - groups[i / GROUP]) {
                Ok(offset) => within.push(offset),
                Err(_) => return Offsets::Wide(cumulative),
            }
        }
        Offsets::Narrow { groups, within }
    }

    /// The postings of bucket `i`.
    pub(super) fn bucket(&self, i: usize) -> Range<usize> {
        match self {
            Offsets::Narrow { groups, within } => {
                let start = |i: usize| (groups[i / GROUP] + u32::from(within[i])) as usize;
                start(i)..start(i + 1)
            }
            Offsets::Wide(offsets) => offsets[i] as usize..offsets[i + 1] as usize,
        }
    }

    /// Brings the line holding bucket `i`'s start towards the cache (the groups' starts are small enough to stay
    /// there).
    pub(super) fn prefetch(&self, i: usize) {
        match self {
            Offsets::Narrow { within, .. } => within.get(i).into_iter().for_each(super::blocks::prefetch),
            Offsets::Wide(offsets) => offsets.get(i).into_iter().for_each(super::blocks::prefetch),
        }
    }

    /// Bytes allocated.
    pub(super) fn memory_bytes(&self) -> usize {
        match self {
            Offsets::Narrow { groups, within } => {
                groups.capacity() * size_of::<u32>() + within.capacity() * size_of::<u16>()
            }
            Offsets::Wide(offsets) => offsets.capacity() * size_of::<u32>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cumulative(counts: &[u32]) -> Vec<u32> {
        let mut out = vec![0];
        for &c in counts {
            out.push(out[out.len() - 1] + c);
        }
        out
    }

    fn assert_buckets(offsets: &Offsets, cumulative: &[u32]) {
        for i in 0..cumulative.len() - 1 {
            assert_eq!(offsets.bucket(i), cumulative[i] as usize..cumulative[i + 1] as usize, "bucket {i}");
        }
    }

    #[test]
    fn small_buckets_take_two_bytes_each_and_give_the_same_ranges() {
        // Two to four postings a bucket, some empty, over a number of buckets that does not fill the last group.
        let counts: Vec<u32> = (0..10_000u32).map(|i| (i * 7 + i / 3) % 5).collect();
        let table = cumulative(&counts);
        let offsets = Offsets::new(table.clone());
        assert!(matches!(offsets, Offsets::Narrow { .. }));
        assert_buckets(&offsets, &table);
        assert!(offsets.memory_bytes() * 16 <= table.len() * 4 * 9, "{} bytes", offsets.memory_bytes());
    }

    #[test]
    fn a_group_of_more_than_u16_postings_keeps_plain_offsets() {
        // One bucket holds 70,000 postings (copies of one image), the others two each.
        let mut counts = vec![2u32; 1_000];
        counts[300] = 70_000;
        let table = cumulative(&counts);
        let offsets = Offsets::new(table.clone());
        assert!(matches!(offsets, Offsets::Wide(_)));
        assert_buckets(&offsets, &table);
        // Just under the limit the group still fits.
        counts[300] = u32::from(u16::MAX) - 2 * (GROUP as u32 - 1);
        let table = cumulative(&counts);
        let offsets = Offsets::new(table.clone());
        assert!(matches!(offsets, Offsets::Narrow { .. }));
        assert_buckets(&offsets, &table);
    }

    #[test]
    fn an_empty_table_has_empty_buckets() {
        assert_buckets(&Offsets::new(vec![0, 0]), &[0, 0]);
        assert_buckets(&Offsets::new(vec![0; 200]), &[0; 200]);
    }
}
