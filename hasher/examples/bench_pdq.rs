//! Single-core PDQ throughput on pre-decoded pixels, for `scripts/bench/pdq`.
//!
//! usage: bench_pdq [--seconds S] FILE.rgb...   (files as written by hasher/tests/reference/pillow_rgb.py:
//! the header "RGB24 <width> <height>\n", then packed RGB24). Prints each file's hash once, then
//! `hashes_per_second <n>` for hashing the files round-robin on this thread for S seconds (default 3).

use std::time::{Duration, Instant};

use disrupt_hasher::pdq;

fn read_rgb(path: &str) -> anyhow::Result<(usize, usize, Vec<u8>)> {
    let bytes = std::fs::read(path)?;
    let newline = bytes.iter().position(|&b| b == b'\n').ok_or_else(|| anyhow::anyhow!("{path}: no header"))?;
    let header = std::str::from_utf8(&bytes[..newline])?;
    let dims: Vec<usize> = header.split(' ').skip(1).map(str::parse).collect::<Result<_, _>>()?;
    anyhow::ensure!(dims.len() == 2, "{path}: bad header {header:?}");
    let pixels = bytes[newline + 1..].to_vec();
    anyhow::ensure!(pixels.len() == dims[0] * dims[1] * 3, "{path}: truncated");
    Ok((dims[0], dims[1], pixels))
}

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut seconds = 3.0;
    if let Some(i) = args.iter().position(|a| a == "--seconds") {
        seconds = args.get(i + 1).ok_or_else(|| anyhow::anyhow!("--seconds needs a value"))?.parse()?;
        args.drain(i..i + 2);
    }
    anyhow::ensure!(!args.is_empty(), "usage: bench_pdq [--seconds S] FILE.rgb...");
    let images = args.iter().map(|p| read_rgb(p)).collect::<anyhow::Result<Vec<_>>>()?;
    for ((w, h, px), path) in images.iter().zip(&args) {
        let pdq = pdq::hash_rgb(px, *w, *h, 3 * w);
        println!("{},{},{path}", pdq.hash, pdq.quality);
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        for (w, h, px) in &images {
            std::hint::black_box(pdq::hash_rgb(std::hint::black_box(px), *w, *h, 3 * w));
            count += 1;
        }
    }
    println!("hashes_per_second {:.2}", count as f64 / start.elapsed().as_secs_f64());
    Ok(())
}
