//! Benchmark of the PDQ match index; run it through `scripts/bench/index`, which adds the FAISS comparison.
//!
//! `cargo run --release -p disrupt-hasher --no-default-features --example bench_index -- --size N --dir DIR`
//! generates N PDQ hashes deterministically (90 % random, 10 % in clusters of near-duplicates at distance
//! 0..=30 from a centre) and 1,000 queries (half planted near-duplicates of stored hashes at distance 0..=31,
//! half random), writes them to DIR (`base.bin`, `queries.bin`: 32 bytes per hash; `truth.json`: the exact
//! answers), then measures single-threaded queries/s at radius 31 of the index (one variant and eight),
//! of a brute-force popcount scan, recall against the scan, and the RSS growth of building the index.
//! Prints a summary and writes `DIR/rust.json`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Instant;

#[path = "common/proc_status.rs"]
mod proc_status;
use proc_status::status_mib;

use disrupt_hasher::index::PdqIndex;
use disrupt_hasher::pdq::PdqHash;

const RADIUS: u32 = 31;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn hash(&mut self) -> [u8; 32] {
        let mut b = [0u8; 32];
        for w in b.chunks_exact_mut(8) {
            w.copy_from_slice(&self.next().to_le_bytes());
        }
        b
    }
    fn near(&mut self, h: &[u8; 32], flips: u32) -> [u8; 32] {
        let mut out = *h;
        let mut done = [false; 256];
        let mut n = 0;
        while n < flips {
            let bit = self.below(256) as usize;
            if !done[bit] {
                done[bit] = true;
                out[bit / 8] ^= 1 << (bit % 8);
                n += 1;
            }
        }
        out
    }
}

fn words(h: &[u8; 32]) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_be_bytes(h[8 * i..8 * i + 8].try_into().unwrap()))
}

/// Streams the hashes out, so no large temporary buffer is freed (and then reused) before the RSS baseline.
fn write_hashes(path: &str, hashes: &[[u8; 32]]) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for h in hashes {
        out.write_all(h).unwrap();
    }
    out.flush().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone());
    let size: usize = arg("--size").map_or(1_000_000, |v| v.parse().unwrap());
    let nqueries: usize = arg("--queries").map_or(1000, |v| v.parse().unwrap());
    let dir = arg("--dir").unwrap_or_else(|| "/tmp/disrupt-bench-index".into());
    std::fs::create_dir_all(&dir).unwrap();

    let mut rng = Rng(2026);
    let mut base: Vec<[u8; 32]> = Vec::with_capacity(size);
    while base.len() < size {
        if rng.below(10) == 0 {
            let centre = rng.hash();
            for _ in 0..10 {
                if base.len() < size {
                    let d = rng.below(31) as u32;
                    base.push(rng.near(&centre, d));
                }
            }
        } else {
            base.push(rng.hash());
        }
    }
    let queries: Vec<[u8; 32]> = (0..nqueries)
        .map(|i| {
            if i % 2 == 0 {
                let target = base[rng.below(size as u64) as usize];
                let d = rng.below(32) as u32;
                rng.near(&target, d)
            } else {
                rng.hash()
            }
        })
        .collect();
    // Seven more per query standing in for the other dihedral variants: those sit ~128 bits apart, like
    // random hashes, which is what the search cost depends on.
    let variants: Vec<[PdqHash; 8]> = queries
        .iter()
        .map(|q| std::array::from_fn(|v| PdqHash::from_bytes(if v == 0 { *q } else { rng.hash() })))
        .collect();
    write_hashes(&format!("{dir}/base.bin"), &base);
    write_hashes(&format!("{dir}/queries.bin"), &queries);

    // Build first, so that no memory freed by the other steps is reused and hidden from the RSS growth.
    let rss_before = status_mib("VmRSS");
    let started = Instant::now();
    let index: PdqIndex = base.iter().enumerate().map(|(i, h)| (i as u64, PdqHash::from_bytes(*h))).collect();
    let build_s = started.elapsed().as_secs_f64();
    let index_rss_mib = (status_mib("VmRSS") - rss_before).max(0.0);
    let index_alloc_mib = index.memory_bytes() as f64 / (1024.0 * 1024.0);

    // Brute force: the ground truth and the baseline.
    let base_words: Vec<[u64; 4]> = base.iter().map(words).collect();
    let started = Instant::now();
    let truth: Vec<Vec<u64>> = queries
        .iter()
        .map(|q| {
            let q = words(q);
            base_words
                .iter()
                .enumerate()
                .filter(|(_, h)| (0..4).map(|i| (h[i] ^ q[i]).count_ones()).sum::<u32>() <= RADIUS)
                .map(|(i, _)| i as u64)
                .collect()
        })
        .collect();
    let brute_qps = nqueries as f64 / started.elapsed().as_secs_f64();
    drop(base_words);
    let truth_json: Vec<String> =
        truth.iter().map(|ids| format!("[{}]", ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","))).collect();
    std::fs::write(format!("{dir}/truth.json"), format!("[{}]", truth_json.join(","))).unwrap();

    let started = Instant::now();
    let found: Vec<Vec<u64>> = queries
        .iter()
        .map(|q| {
            let mut ids: Vec<u64> = index.search(&PdqHash::from_bytes(*q), RADIUS).into_iter().map(|m| m.id).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    let qps_one = nqueries as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut eight_hits = 0usize;
    for v in &variants {
        eight_hits += index.search_dihedral(v, RADIUS).len();
    }
    let qps_eight = nqueries as f64 / started.elapsed().as_secs_f64();

    let expected: usize = truth.iter().map(Vec::len).sum();
    let correct: usize =
        found.iter().zip(&truth).map(|(f, t)| f.iter().filter(|id| t.binary_search(id).is_ok()).count()).sum();
    let returned: usize = found.iter().map(Vec::len).sum();
    let recall = correct as f64 / expected.max(1) as f64;
    assert_eq!(returned, correct, "the index returned entries beyond the radius");
    assert!(eight_hits >= expected, "eight-variant search lost results");

    println!("size {size}, queries {nqueries} (half planted), radius {RADIUS}, expected results {expected}");
    println!(
        "index build {build_s:.2} s, index RSS growth {index_rss_mib:.1} MiB (allocated {index_alloc_mib:.1} MiB)"
    );
    println!("index one variant:   {qps_one:.0} queries/s, recall {:.4}", recall);
    println!("index eight variants: {qps_eight:.0} queries/s");
    println!("brute force scan:    {brute_qps:.1} queries/s");
    let json = format!(
        "{{\"size\":{size},\"queries\":{nqueries},\"qps_one_variant\":{qps_one:.1},\"qps_eight_variants\":{qps_eight:.1},\
         \"brute_qps\":{brute_qps:.2},\"recall\":{recall},\"index_rss_mib\":{index_rss_mib:.1},\"index_alloc_mib\":{index_alloc_mib:.1},\"build_s\":{build_s:.2}}}"
    );
    std::fs::write(format!("{dir}/rust.json"), json).unwrap();
}
