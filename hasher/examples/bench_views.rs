//! What listing views costs at scale: builds a PDQ index of `--images` x `--views` random hashes (the views of a
//! list of that many images), reports its RSS growth, and measures the probing search that an uploaded image's
//! windows make (radius 31, 3 pair bits, as `MatchIndex::seek`), single-threaded, then the time one query image
//! would take with `--windows` windows (two hashes each).
//!
//! `cargo run --release -p disrupt-hasher --no-default-features --example bench_views -- --images 1000000`
//!
//! With `--photos A.jpg,B.png` it also times what one query image costs, as a list seeds it: the photo's
//! candidates (hashing), then its windows' seeding search, one `search_probing` per hash against the batched
//! `reach_probing` (in `robust::SEED_BATCH` batches), for each pair bound. `--tail N` inserts N more views one by
//! one after the bulk load, as a list that has grown since the index was last rebuilt.
//!
//! `--blocks` measures the same with the index a list now seeds from, [`BlockIndex`] (`reach` in
//! `robust::SEED_BATCH` batches: a whole 24-bit block shared, radius 31), in place of the chunk tables'
//! probing search.
//!
//! Random hashes spread evenly over the index's buckets; real PDQ hashes cluster, so real searches cost more.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Instant;

#[path = "common/proc_status.rs"]
mod proc_status;
use proc_status::status_mib;

use disrupt_hasher::decode::{DecodeOptions, decode_rgb};
use disrupt_hasher::index::{BlockIndex, PdqIndex};
use disrupt_hasher::pdq::PdqHash;
use disrupt_hasher::robust::{self, CandidateKind, QueryOptions};

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// splitmix64: deterministic, so runs compare.
fn hashes(seed: u64, n: usize) -> impl Iterator<Item = PdqHash> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..n).map(move |_| {
        let mut b = [0u8; 32];
        for w in b.chunks_exact_mut(8) {
            w.copy_from_slice(&next().to_le_bytes());
        }
        PdqHash::from_bytes(b)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let images = flag(&args, "--images", 1_000_000);
    let views = flag(&args, "--views", 18);
    let windows = flag(&args, "--windows", 30_000);
    let queries = flag(&args, "--queries", 20_000);
    // The pair bounds to measure, e.g. `--pair-bits 0,1,3`.
    let pair_bounds: Vec<u32> = args
        .iter()
        .position(|a| a == "--pair-bits")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').filter_map(|b| b.parse().ok()).collect())
        .unwrap_or_else(|| vec![3]);
    let photos: Vec<String> = args
        .iter()
        .position(|a| a == "--photos")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if args.iter().any(|a| a == "--blocks") {
        bench_blocks(&args, images, views, windows, queries, &photos);
        return;
    }
    let n = images * views;
    let (index, build_s, index_mib) = build(n, flag(&args, "--tail", 0), PdqIndex::insert);
    let probes: Vec<PdqHash> = hashes(2, queries).collect();
    for path in &photos {
        let (width, height, hashing_s, windows) = photo_windows(path);
        for &pair_bits in &pair_bounds {
            let started = Instant::now();
            let mut one_by_one: Vec<u64> =
                windows.iter().flat_map(|q| index.search_probing(q, 31, pair_bits)).map(|m| m.id).collect();
            let one_by_one_s = started.elapsed().as_secs_f64();
            one_by_one.sort_unstable();
            one_by_one.dedup();
            let started = Instant::now();
            let mut batched: Vec<u64> =
                windows.chunks(robust::SEED_BATCH).flat_map(|b| index.reach_probing(b, 31, pair_bits)).collect();
            let batched_s = started.elapsed().as_secs_f64();
            batched.sort_unstable();
            batched.dedup();
            println!(
                "{{\"photo\":{path:?},\"width\":{},\"height\":{},\"pair_bits\":{pair_bits},\"window_hashes\":{},\
                 \"hashing_s\":{hashing_s:.3},\"one_by_one_s\":{one_by_one_s:.3},\"batched_s\":{batched_s:.3},\
                 \"reached\":{},\"same_as_one_by_one\":{}}}",
                width,
                height,
                windows.len(),
                batched.len(),
                batched == one_by_one
            );
        }
    }
    for pair_bits in pair_bounds {
        let started = Instant::now();
        let mut found = 0usize;
        for q in &probes {
            found += index.search_probing(q, 31, pair_bits).len();
        }
        let per_s = queries as f64 / started.elapsed().as_secs_f64();
        let image_s = 2.0 * windows as f64 / per_s;
        println!(
            "{{\"images\":{images},\"pair_bits\":{pair_bits},\"views_per_image\":{views},\"hashes\":{n},\
             \"index_rss_mib\":{index_mib:.1},\"bytes_per_hash\":{:.1},\"build_s\":{build_s:.1},\
             \"probing_searches_per_s\":{per_s:.0},\"windows_per_query_image\":{windows},\
             \"query_image_search_s\":{image_s:.3},\"found\":{found}}}",
            index_mib * 1024.0 * 1024.0 / n as f64
        );
    }
}

/// An index of `n` random views bulk-loaded, then `tail` more inserted one by one: views listed since the last
/// rebuild wait in the index's delta tail (up to 1/256 of it). With its build time (s) and RSS growth (MiB).
fn build<I: FromIterator<(u64, PdqHash)>>(n: usize, tail: usize, insert: fn(&mut I, u64, PdqHash)) -> (I, f64, f64) {
    let before = status_mib("VmRSS");
    let started = Instant::now();
    let mut index: I = hashes(1, n).enumerate().map(|(i, h)| (i as u64, h)).collect();
    for (i, h) in hashes(3, tail).enumerate() {
        insert(&mut index, (n + i) as u64, h);
    }
    (index, started.elapsed().as_secs_f64(), status_mib("VmRSS") - before)
}

/// A photo's size, the time its candidates took, and its windows' hashes.
fn photo_windows(path: &str) -> (u32, u32, f64, Vec<PdqHash>) {
    let rgb = decode_rgb(&std::fs::read(path).unwrap(), &DecodeOptions::default()).unwrap();
    let started = Instant::now();
    let candidates = robust::candidates_rgb(
        &rgb.pixels,
        rgb.width as usize,
        rgb.height as usize,
        rgb.stride(),
        &QueryOptions::default(),
    );
    let hashing_s = started.elapsed().as_secs_f64();
    let windows = candidates
        .list
        .iter()
        .filter(|c| c.kind == CandidateKind::Window)
        .flat_map(|c| c.hashes.iter().map(|h| h.1))
        .collect();
    (rgb.width, rgb.height, hashing_s, windows)
}

/// The block index's memory and seeding speed, as `main` measures the chunk tables'.
fn bench_blocks(args: &[String], images: usize, views: usize, windows: usize, queries: usize, photos: &[String]) {
    let n = images * views;
    let (index, build_s, index_mib) = build(n, flag(args, "--tail", 0), BlockIndex::insert);
    for path in photos {
        let (width, height, hashing_s, windows) = photo_windows(path);
        let started = Instant::now();
        let reached: usize = windows.chunks(robust::SEED_BATCH).map(|b| index.reach(b, 31).len()).sum();
        let seeding_s = started.elapsed().as_secs_f64();
        println!(
            "{{\"index\":\"blocks\",\"photo\":{path:?},\"width\":{width},\"height\":{height},\
             \"window_hashes\":{},\"hashing_s\":{hashing_s:.3},\"seeding_s\":{seeding_s:.3},\"reached\":{reached}}}",
            windows.len()
        );
    }
    let probes: Vec<PdqHash> = hashes(2, queries).collect();
    let started = Instant::now();
    let found: usize = probes.chunks(robust::SEED_BATCH).map(|b| index.reach(b, 31).len()).sum();
    let per_s = queries as f64 / started.elapsed().as_secs_f64();
    let image_s = 2.0 * windows as f64 / per_s;
    println!(
        "{{\"index\":\"blocks\",\"images\":{images},\"views_per_image\":{views},\"hashes\":{n},\
         \"index_rss_mib\":{index_mib:.1},\"bytes_per_hash\":{:.1},\"memory_bytes_per_hash\":{:.1},\"build_s\":{build_s:.1},\
         \"seeding_hashes_per_s\":{per_s:.0},\"windows_per_query_image\":{windows},\
         \"query_image_search_s\":{image_s:.3},\"found\":{found}}}",
        index_mib * 1024.0 * 1024.0 / n as f64,
        index.memory_bytes() as f64 / n as f64
    );
}
