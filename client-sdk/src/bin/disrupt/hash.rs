//! `disrupt hash`: hashes files and folders on this device and prints the hashes.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use disrupt_client::local::{self, LocalError};
use disrupt_hasher::media::{MediaHashes, MediaOptions};
use disrupt_hasher::pdq::QUALITY_THRESHOLD;
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::render::errln;

/// Arguments of `disrupt hash`.
#[derive(clap::Args)]
pub struct HashArgs {
    /// Files or folders to hash.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print one JSON object per file instead of a table.
    #[arg(long)]
    json: bool,
    /// Also print the PDQ hashes of the eight rotations and flips of each image.
    #[arg(long)]
    dihedral: bool,
    /// With --json, also print each image's candidate set (`candidates`: the image, the pictures framed in it and
    /// its windows, as `POST /v1/match` takes them in `images`), for platforms that hash on their own machines.
    #[arg(long, requires = "json")]
    candidates: bool,
    /// Hash the pixels as stored, without applying the EXIF orientation (what the reference tools do).
    #[arg(long)]
    no_orientation: bool,
    /// For videos: hash one frame every SECONDS (0 hashes every frame).
    #[cfg(feature = "video")]
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    every: f64,
}

/// Runs the command; exit code 1 when any file could not be hashed.
pub fn run(args: HashArgs) -> anyhow::Result<ExitCode> {
    // The views are printed as `disrupt submit` sends them, so a case built from this output lists the same.
    let mut opts = MediaOptions {
        dihedral: args.dihedral,
        views: true,
        candidates: args.candidates,
        query: disrupt_hasher::robust::QueryOptions::to_send(),
        ..MediaOptions::default()
    };
    opts.decode.apply_orientation = !args.no_orientation;
    #[cfg(feature = "video")]
    {
        anyhow::ensure!(args.every >= 0.0 && args.every.is_finite(), "--every must be a number of seconds >= 0");
        opts.video.seconds_per_hash = args.every;
    }

    let files = local::collect_files(&args.paths);
    let progress = crate::render::progress_bar(files.len(), 8, "{bar:40} {pos}/{len} files, {eta} left");
    let results: Vec<(PathBuf, Result<MediaHashes, LocalError>)> = files
        .into_par_iter()
        .map(|file| {
            let result = match file {
                Ok(path) => {
                    let r = local::hash_file(&path, &opts);
                    (path, r)
                }
                Err((path, e)) => (path, Err(e)),
            };
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();

    let mut out = std::io::stdout().lock();
    if !args.json {
        writeln!(out, "{:<64}  {:>7}  {:>11}  PATH", "PDQ", "QUALITY", "SIZE")?;
    }
    let mut failed = 0usize;
    for (path, result) in &results {
        if let Err(e) = result {
            failed += 1;
            if !args.json {
                errln!("disrupt: {}: {e} [{}]", path.display(), e.code());
            }
        }
        if args.json {
            // File names are whatever the files were called by whoever sent them.
            writeln!(out, "{}", crate::render::neutralise(&json_line(path, result).to_string()))?;
        } else if let Ok(hashes) = result {
            write_table_row(&mut out, path, hashes)?;
        }
    }
    if failed > 0 {
        errln!("disrupt: {failed} of {} files could not be hashed", results.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn json_line(path: &std::path::Path, result: &Result<MediaHashes, LocalError>) -> Value {
    let path = path.display().to_string();
    match result {
        Err(e) => json!({"path": path, "error": {"code": e.code(), "message": e.to_string()}}),
        Ok(MediaHashes::Image { image, digests }) => {
            let mut v = json!({
                "path": path,
                "pdq": image.pdq.hash.to_string(),
                "quality": image.pdq.quality,
                "md5": digests.md5,
                "sha256": digests.sha256,
                "width": image.width,
                "height": image.height,
                "views": local::wire_views(image),
            });
            if let Some(variants) = &image.dihedral {
                v["pdq_dihedral"] = json!(variants.iter().map(ToString::to_string).collect::<Vec<_>>());
            }
            if let Some(candidates) = &image.candidates {
                v["candidates"] = json!(local::image_candidates(candidates));
            }
            v
        }
        #[cfg(feature = "video")]
        Ok(MediaHashes::Video { video, digests }) => json!({
            "path": path,
            "md5": digests.md5,
            "sha256": digests.sha256,
            "width": video.width,
            "height": video.height,
            "duration": video.duration,
            "frames": video.frames.iter().enumerate().map(|(n, f)| {
                let mut frame = json!({
                    "frame": f.frame,
                    "timestamp": f.timestamp,
                    "pdq": f.pdq.to_string(),
                    "quality": f.quality,
                });
                // The frame's centred squares, as `disrupt submit` sends them (reliable, distinct frames only).
                if let Some(views) = video.squares.get(n).filter(|v| !v.is_empty()) {
                    frame["views"] = json!(views.iter().map(disrupt_hasher::wire::view).collect::<Vec<_>>());
                }
                frame
            }).collect::<Vec<_>>(),
        }),
    }
}

fn write_table_row(out: &mut impl Write, path: &std::path::Path, hashes: &MediaHashes) -> std::io::Result<()> {
    let shown = path.display().to_string();
    let path = crate::render::neutralise(&shown);
    match hashes {
        MediaHashes::Image { image, .. } => {
            let size = format!("{}x{}", image.width, image.height);
            let flag = if image.pdq.quality < QUALITY_THRESHOLD { " (low quality: unreliable)" } else { "" };
            writeln!(out, "{:<64}  {:>7}  {:>11}  {}{flag}", image.pdq.hash, image.pdq.quality, size, path)
        }
        #[cfg(feature = "video")]
        MediaHashes::Video { video, .. } => {
            let summary = format!("video: {} frames hashed, {:.1} s", video.frames.len(), video.duration);
            let size = format!("{}x{}", video.width, video.height);
            writeln!(out, "{summary:<64}  {:>7}  {size:>11}  {}", "-", path)
        }
    }
}
