//! Exact digests of the file bytes: MD5 (StopNCII's `VideoMD5`, NCMEC) and SHA-256 (GIFCT, NCMEC).
//!
//! SHA-256 comes from `ring`; MD5 from RustCrypto's `md-5`, since `ring` deliberately omits it.

use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};

/// The MD5 and SHA-256 of one file, as lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigests {
    /// MD5 of the bytes, 32 hex digits.
    pub md5: String,
    /// SHA-256 of the bytes, 64 hex digits.
    pub sha256: String,
}

impl FileDigests {
    /// Digests of a complete in-memory file.
    pub fn of(bytes: &[u8]) -> Self {
        let mut hasher = DigestWriter::new();
        hasher.update(bytes);
        hasher.finish()
    }
}

/// Incremental digests, for files read in chunks (the CLI streams large videos through it).
pub struct DigestWriter {
    md5: Md5,
    sha256: ring::digest::Context,
}

impl std::fmt::Debug for DigestWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestWriter").finish_non_exhaustive()
    }
}

impl Default for DigestWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl DigestWriter {
    /// An empty digest state.
    pub fn new() -> Self {
        Self { md5: Md5::new(), sha256: ring::digest::Context::new(&ring::digest::SHA256) }
    }

    /// Feeds the next chunk of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.sha256.update(chunk);
    }

    /// The digests of everything fed so far.
    pub fn finish(self) -> FileDigests {
        FileDigests { md5: hex::encode(self.md5.finalize()), sha256: hex::encode(self.sha256.finish().as_ref()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_the_well_known_digests() {
        let d = FileDigests::of(b"");
        assert_eq!(d.md5, "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(d.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn chunked_input_equals_whole_input() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut w = DigestWriter::new();
        for chunk in data.chunks(333) {
            w.update(chunk);
        }
        assert_eq!(w.finish(), FileDigests::of(&data));
        assert_eq!(FileDigests::of(b"abc").md5, "900150983cd24fb0d6963f7d28e17f72");
    }
}
