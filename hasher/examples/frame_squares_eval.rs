//! Cropped video frames, measured on still photographs: every original of a `scripts/bench/robust` set listed as
//! a one-frame video (its centred squares, `video::squares::frame_views_rgb`), every query (the set's crops and
//! other transforms, and its distractors) searched as a one-frame query video (`frame_windows_rgb`) against all
//! of them with the video rule (`video::cropped::compare`).
//!
//! `cargo run --release -p disrupt-hasher --no-default-features --example frame_squares_eval -- MANIFEST.json
//! [--threads N] [--transforms a,b] [--every N]`
//!
//! One frame is the rule's hardest case: with a single frame, one placement supported by two listed squares
//! decides, where a real video needs 80 % of its frames to agree. So the false pairs counted here bound a
//! frame's, and the recall is a frame's chance of being found. Prints a per-transform table on stderr and one
//! JSON object as the last line of stdout.

#[path = "common/parallel.rs"]
mod parallel;
use parallel::parallel;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use disrupt_hasher::decode::{DecodeOptions, decode_rgb};
use disrupt_hasher::robust::View;
use disrupt_hasher::video::squares::{frame_views_rgb, frame_windows_rgb};
use disrupt_hasher::video::{CroppedThresholds, FrameWindows, cropped};
use serde_json::{Value, json};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let manifest_path = args.first().context("usage: frame_squares_eval MANIFEST.json [--threads N]")?;
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let threads: usize = flag("--threads").and_then(|v| v.parse().ok()).unwrap_or(2);
    let every: usize = flag("--every").and_then(|v| v.parse().ok()).unwrap_or(1);
    let only = flag("--transforms")
        .unwrap_or_else(|| "resize50_jpeg70,crop5,crop10,crop_offcentre,mirror,grayscale,contrast_colour".into());
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest_path)?)?;
    let decode = DecodeOptions::default();
    let rgb_of = |path: &str| decode_rgb(&std::fs::read(path).expect("readable"), &decode).expect("decodes");

    let originals = manifest["originals"].as_array().context("originals")?;
    let listed: Vec<(String, Vec<View>)> = parallel(originals.len(), threads, |i| {
        let o = &originals[i];
        let rgb = rgb_of(o["path"].as_str().unwrap_or_default());
        let views = frame_views_rgb(&rgb.pixels, rgb.width as usize, rgb.height as usize, rgb.stride());
        (o["id"].as_str().unwrap_or_default().to_owned(), views)
    });
    let by_id: BTreeMap<&str, usize> = listed.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    let squares: usize = listed.iter().map(|(_, v)| v.len()).sum();

    let queries: Vec<&Value> = manifest["queries"]
        .as_array()
        .context("queries")?
        .iter()
        .filter(|q| {
            let t = q["transform"].as_str().unwrap_or("distractor");
            t == "distractor" || only.split(',').any(|o| o == t)
        })
        .filter(|q| {
            let n: usize = q["original"].as_str().and_then(|id| id.get(1..)).and_then(|n| n.parse().ok()).unwrap_or(0);
            n.is_multiple_of(every)
        })
        .collect();
    let t = CroppedThresholds::default();
    let done = AtomicUsize::new(0);
    // (transform, original, matched listed images, windows, seconds hashing)
    let outcomes = parallel(queries.len(), threads, |i| {
        let q = queries[i];
        let transform = q["transform"].as_str().unwrap_or("distractor").to_owned();
        let original = q["original"].as_str().and_then(|id| by_id.get(id).copied());
        let rgb = rgb_of(q["path"].as_str().unwrap_or_default());
        let (w, h) = (rgb.width, rgb.height);
        let t0 = Instant::now();
        let windows = frame_windows_rgb(&rgb.pixels, w as usize, h as usize, rgb.stride(), [0, 0, w, h]);
        let seconds = t0.elapsed().as_secs_f64();
        let count = windows.len();
        let frame = [FrameWindows { frame: 0, windows }];
        let matched: Vec<usize> = listed
            .iter()
            .enumerate()
            .filter(|(_, (_, views))| cropped::compare(&frame, std::slice::from_ref(views), &t).is_some())
            .map(|(n, _)| n)
            .collect();
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(100) {
            eprintln!("{n}/{} queries", queries.len());
        }
        (transform, original, matched, count, seconds)
    });

    let mut table: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut false_pairs, mut pairs) = (0usize, 0usize);
    let (mut windows, mut seconds) = (0usize, 0.0f64);
    for (transform, original, matched, count, secs) in &outcomes {
        windows += count;
        seconds += secs;
        if let Some(o) = original {
            let row = table.entry(transform.as_str()).or_default();
            row.0 += 1;
            row.1 += usize::from(matched.contains(o));
        }
        false_pairs += matched.iter().filter(|m| Some(**m) != *original).count();
        pairs += listed.len() - usize::from(original.is_some());
    }
    eprintln!("transform          found / queries");
    for (transform, (n, found)) in &table {
        eprintln!("{transform:<18} {found:>4} / {n:<4} {:5.1} %", 100.0 * *found as f64 / (*n).max(1) as f64);
    }
    eprintln!(
        "false pairs {false_pairs} of {pairs}; {:.1} squares per listed frame; {:.0} windows and {:.1} ms per query frame",
        squares as f64 / listed.len().max(1) as f64,
        windows as f64 / outcomes.len().max(1) as f64,
        1000.0 * seconds / outcomes.len().max(1) as f64
    );
    let recall: BTreeMap<&str, f64> =
        table.iter().map(|(t, (n, f))| (*t, 100.0 * *f as f64 / (*n).max(1) as f64)).collect();
    println!(
        "{}",
        json!({
            "recall_pct": recall,
            "false_pairs": false_pairs,
            "non_matching_pairs": pairs,
            "squares_per_frame": squares as f64 / listed.len().max(1) as f64,
            "windows_per_frame": windows as f64 / outcomes.len().max(1) as f64,
            "ms_per_query_frame": 1000.0 * seconds / outcomes.len().max(1) as f64,
        })
    );
    Ok(())
}
