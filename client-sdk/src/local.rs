//! Hashing files on this device. Nothing here talks to the network: the media is read, hashed and dropped.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use disrupt_hasher::decode;
use disrupt_hasher::media::{self, MediaHashes, MediaOptions};
/// A file's hashes as a case or a match request carries them: the hasher's one conversion, which the server's
/// upload routes use too.
pub use disrupt_hasher::wire::{hash_values, image_candidates, views as wire_views};

/// Why a file could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The file could not be opened or read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The content could not be decoded or hashed.
    #[error(transparent)]
    Hash(#[from] disrupt_hasher::Error),
}

impl LocalError {
    /// Stable machine-readable code, the hasher's own where it has one.
    pub fn code(&self) -> &'static str {
        match self {
            LocalError::Io(_) => "unreadable_file",
            LocalError::Hash(e) => e.code(),
        }
    }
}

/// Hashes one file. Its size is checked against the limit for its kind (sniffed from the first bytes) before it is
/// read, once, into a buffer that is zeroed when dropped; [`media::hash_media`] then hashes it as an image or a
/// video and computes its digests from the same bytes.
pub fn hash_file(path: &Path, opts: &MediaOptions) -> Result<MediaHashes, LocalError> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut head = [0u8; 64];
    let n = read_up_to(&mut file, &mut head)?;
    let limit = match decode::sniff(&head[..n]) {
        #[cfg(feature = "video")]
        Some(decode::MediaKind::Video) => opts.video.max_bytes,
        _ => opts.decode.limits.max_bytes,
    };
    if size > limit {
        return Err(disrupt_hasher::Error::TooLarge { size, limit }.into());
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(size as usize));
    bytes.extend_from_slice(&head[..n]);
    file.read_to_end(&mut bytes)?;
    Ok(media::hash_media(&bytes, opts)?)
}
fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Expands files and folders (recursively, in a stable order) into the list of files to hash. Entries that cannot
/// be listed come back as errors, so the caller can report them and go on.
pub fn collect_files(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, LocalError)>> {
    let mut out = Vec::new();
    for root in paths {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => out.push(Ok(e.into_path())),
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    let io = e.into_io_error().unwrap_or_else(|| std::io::Error::other("filesystem loop"));
                    out.push(Err((path, LocalError::Io(io))));
                }
            }
        }
    }
    out
}
