//! Hashing files on this device. Nothing here talks to the network: the media is read, hashed and dropped.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use disrupt_hasher::decode;
use disrupt_hasher::media::{self, MediaHashes, MediaOptions};

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

/// The wire hash values of one file's hashes, as a case or a match request carries them: PDQ with its quality
/// (images) and the views hashed with it (for a case: hash with [`MediaOptions::views`]; a match query has none)
/// or the frame list (videos), then MD5 and SHA-256.
pub fn hash_values(hashes: &MediaHashes) -> Vec<disrupt_openapi::model::HashValue> {
    use disrupt_openapi::model::HashValue;
    // Our own hasher's output is canonical lower-case hex of the right length, so these parses cannot fail;
    // a value that did would be left out rather than sent malformed.
    let digests = hashes.digests();
    let mut values = Vec::with_capacity(3);
    match hashes {
        MediaHashes::Image { image, .. } => {
            if let Ok(hash) = image.pdq.hash.to_string().parse() {
                values.push(HashValue::Pdq { hash, quality: Some(image.pdq.quality), views: wire_views(image) });
            }
        }
        #[cfg(feature = "video")]
        MediaHashes::Video { video, .. } => values.push(HashValue::Video {
            frames: video
                .frames
                .iter()
                .filter_map(|f| {
                    Some(disrupt_openapi::model::VideoFrame {
                        frame: f.frame,
                        timestamp: f.timestamp,
                        pdq: f.pdq.to_string().parse().ok()?,
                        quality: f.quality,
                    })
                })
                .collect(),
        }),
    }
    if let Ok(hash) = digests.md5.parse() {
        values.push(HashValue::Md5 { hash });
    }
    if let Ok(hash) = digests.sha256.parse() {
        values.push(HashValue::Sha256 { hash });
    }
    values
}

/// The wire form of an image's candidates (`disrupt_hasher::robust::candidates_rgb`, or
/// `MediaOptions { candidates: true, .. }`), as `POST /v1/match` takes them in `images`.
pub fn image_candidates(candidates: &disrupt_hasher::robust::Candidates) -> disrupt_openapi::matching::ImageCandidates {
    use disrupt_hasher::robust::CandidateKind;
    use disrupt_openapi::hash::PdqHex;
    use disrupt_openapi::matching::{self as w, ImageCandidates};
    ImageCandidates {
        turned_degrees: candidates.turned_degrees,
        candidates: candidates
            .list
            .iter()
            .map(|c| w::Candidate {
                kind: match c.kind {
                    CandidateKind::Whole => w::CandidateKind::Whole,
                    CandidateKind::Inner => w::CandidateKind::Framed,
                    CandidateKind::Window => w::CandidateKind::Window,
                },
                frame: c.frame,
                rect: [c.rect.x0, c.rect.y0, c.rect.x1, c.rect.y1],
                quality: c.quality,
                // The hasher gives whole and framed pictures' eight variants in dihedral order, a window's two as
                // it is then mirrored: the order the wire's kinds say.
                hashes: c.hashes.iter().map(|(_, hash)| PdqHex::from_bytes(hash.as_bytes())).collect(),
            })
            .collect(),
    }
}

/// An image's views as the wire carries them: its inner squares (the first view is the image's own hash, which
/// the value gives already), regions rounded to the wire's units as the server rounds them.
pub fn wire_views(image: &media::ImageHashes) -> Vec<disrupt_openapi::model::PdqView> {
    let wire = |v: &disrupt_hasher::robust::View| {
        disrupt_openapi::model::PdqView::new(v.hash.as_bytes(), v.quality, v.region.to_units())
    };
    image.views.iter().skip(1).map(wire).collect()
}
