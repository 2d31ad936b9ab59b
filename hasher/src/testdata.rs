//! Where tests, benchmarks and examples of every crate find Meta's reference fixtures (PDQ photos, vPDQ videos,
//! the reference hashes): `$DISRUPT_TESTDATA`, else `shared/testdata/reference` beside the repository. The
//! scripts find it by the same rule (`scripts/lib/testdata.sh`).

use std::path::PathBuf;

/// The variable that points at the reference data when it is not beside the repository.
pub const ENV: &str = "DISRUPT_TESTDATA";

/// The reference data directory. Panics, naming where it looked, when it is missing: a golden test must fail
/// then, not pass by skipping.
pub fn reference_dir() -> PathBuf {
    let dir = std::env::var_os(ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/reference")));
    assert!(
        dir.join("SOURCES.md").is_file(),
        "reference test data not found at {} (set {ENV} or put shared/ beside the repository)",
        dir.display()
    );
    dir
}

/// The bytes of the reference file at `path` (relative to [`reference_dir`]). Panics naming the file when it
/// cannot be read.
pub fn read(path: &str) -> Vec<u8> {
    let file = reference_dir().join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("cannot read reference file {}: {e}", file.display()))
}

/// Writes to `out` an 8-second H.264 re-encode of the reference sample video `name` (under `tmk/sample-videos/`)
/// through the `ffmpeg` command's video filter `filter` (installed by `scripts/install-deps`): the variants tests
/// make at test time (a letterbox, a pillarbox, a crop). A `.webm` `out` is VP8 instead, which a browser plays.
/// Panics when ffmpeg is missing or fails.
pub fn reencode_sample_video(name: &str, filter: &str, out: &std::path::Path) {
    let sample = reference_dir().join(format!("tmk/sample-videos/{name}.mp4"));
    let codec: &[&str] = match out.extension().and_then(|e| e.to_str()) {
        Some("webm") => &["-c:v", "libvpx", "-b:v", "2M"],
        _ => &["-c:v", "libx264", "-pix_fmt", "yuv420p"],
    };
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-t", "8", "-i"])
        .arg(&sample)
        .args(["-an", "-vf", filter])
        .args(codec)
        .arg(out)
        .status()
        .unwrap_or_else(|e| panic!("the ffmpeg command is needed here (scripts/install-deps): {e}"));
    assert!(status.success(), "ffmpeg -vf {filter} on {} failed", sample.display());
}
