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
