//! Prints the views the list keeps for each image given (its PDQ hash, then its inner squares), as JSON lines:
//! `{"path", "width", "height", "views": [{"hash", "quality", "region": [x, y, width, height], "turn"}]}`, regions
//! in 1/10,000 of the image's sides (as the API carries them), `turn` in degrees (0 for an upright region). For studying what a listed image's hashes reveal
//! (`scripts/bench/invert-views`).
//!
//! `cargo run --release -p disrupt-hasher --no-default-features --example views -- photo.jpg ...`

use anyhow::{Context, Result};
use disrupt_hasher::decode::{DecodeOptions, decode_rgb};
use disrupt_hasher::robust::views_rgb;
use serde_json::json;

fn main() -> Result<()> {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
        let rgb = decode_rgb(&bytes, &DecodeOptions::default()).with_context(|| format!("decoding {path}"))?;
        let (w, h) = (rgb.width as usize, rgb.height as usize);
        let views: Vec<_> = views_rgb(&rgb.pixels, w, h, rgb.stride())
            .iter()
            .map(|v| {
                let region = v.region.to_units();
                json!({"hash": v.hash.to_string(), "quality": v.quality, "region": region, "turn": v.region.turn})
            })
            .collect();
        println!("{}", json!({"path": path, "width": w, "height": h, "views": views}));
    }
    Ok(())
}
