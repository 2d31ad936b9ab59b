//! Prints the vPDQ hashes of a video file in the reference line format (`frame,quality,hex,timestamp`).
//! usage: `cargo run --release -p disrupt-hasher --example vpdq -- VIDEO [SECONDS_PER_HASH]`
//! Used by `scripts/bench/video`; the timing line goes to stderr.

use std::time::Instant;

use disrupt_hasher::video::{VideoOptions, format, hash_video_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: vpdq VIDEO [SECONDS_PER_HASH]")?;
    let seconds_per_hash = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1.0);
    let options = VideoOptions {
        seconds_per_hash,
        max_bytes: u64::MAX,
        max_duration_s: f64::INFINITY,
        max_frames_hashed: usize::MAX,
        max_wall_time: std::time::Duration::from_secs(3600),
        ..VideoOptions::default()
    };
    let start = Instant::now();
    let hashes = hash_video_file(path.as_ref(), &options)?;
    let elapsed = start.elapsed().as_secs_f64();
    print!("{}", format::to_lines(&hashes.frames));
    eprintln!("hashed {} frames of {:.3} s in {elapsed:.3} s", hashes.frames.len(), hashes.duration);
    Ok(())
}
