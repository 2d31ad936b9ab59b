//! Hashing files on this device.

use std::path::Path;

use disrupt_hasher::digest::FileDigests;

/// Reads a file and computes its digests.
pub fn digest_file(path: &Path) -> std::io::Result<FileDigests> {
    Ok(FileDigests::of(&std::fs::read(path)?))
}
