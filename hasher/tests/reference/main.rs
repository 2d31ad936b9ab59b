//! The integration tests of disrupt-hasher, as one binary (one link): golden tests against Meta's reference
//! data in `shared/testdata/reference` (or `$DISRUPT_TESTDATA`).
#![allow(clippy::unwrap_used)]

mod decode;
mod pdq;
mod robust;
#[cfg(feature = "video")]
mod smuggled;
#[cfg(feature = "video")]
mod video;

use std::path::PathBuf;

/// The reference test data directory. Panics with a clear message when it is missing: golden tests must not
/// pass by skipping.
pub fn testdata() -> PathBuf {
    let dir = std::env::var_os("DISRUPT_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/reference")));
    assert!(
        dir.join("SOURCES.md").is_file(),
        "reference test data not found at {} (set DISRUPT_TESTDATA or put shared/ beside the repository)",
        dir.display()
    );
    dir
}
