//! One entry point for "hash this file, whatever it is": sniffs the content, then hashes it as an image
//! (PDQ, optionally its eight dihedral variants) or as a video (vPDQ frames), plus the file digests.
//!
//! This is CPU-heavy: servers call it from a blocking thread pool, never on an async worker.

use crate::decode::{self, DecodeOptions, MediaKind};
use crate::digest::FileDigests;
use crate::pdq::{self, Pdq, PdqHash};
use crate::robust;
use crate::{Error, Result};

#[cfg(feature = "video")]
use crate::video::{self, VideoHashes, VideoOptions};

/// How to hash media.
#[derive(Debug, Clone, Default)]
pub struct MediaOptions {
    /// Image decoding limits and EXIF orientation.
    pub decode: DecodeOptions,
    /// Video sampling and limits.
    #[cfg(feature = "video")]
    pub video: VideoOptions,
    /// Also compute the eight dihedral variants of an image's PDQ hash.
    pub dihedral: bool,
    /// Also compute the eight dihedral variants of every picture framed inside an image (behind borders, bars,
    /// a backdrop, an app's chrome, a caption band, inside another picture: see [`crate::robust::frames`]), at
    /// most this many; 0 computes none. Query side only: a platform's copy may be such a frame around a listed
    /// picture.
    pub framed: usize,
}

/// The hashes of one image file.
#[derive(Debug, Clone)]
pub struct ImageHashes {
    /// PDQ hash and quality of the decoded pixels.
    pub pdq: Pdq,
    /// The eight dihedral variants (orig, rot90, rot180, rot270, flipx, flipy, flip+1, flip-1), when asked.
    pub dihedral: Option<Box<[PdqHash; 8]>>,
    /// Width in pixels, after orientation.
    pub width: u32,
    /// Height in pixels, after orientation.
    pub height: u32,
    /// The eight dihedral variants of each picture framed inside the image, most convincing first, when asked
    /// ([`MediaOptions::framed`]).
    pub framed: Vec<[PdqHash; 8]>,
}

/// What [`hash_media`] found and computed.
#[derive(Debug, Clone)]
pub enum MediaHashes {
    /// A still image.
    Image {
        /// Its perceptual hashes.
        image: ImageHashes,
        /// MD5 and SHA-256 of the file bytes.
        digests: FileDigests,
    },
    /// A video.
    #[cfg(feature = "video")]
    Video {
        /// Its per-frame hashes.
        video: VideoHashes,
        /// MD5 and SHA-256 of the file bytes.
        digests: FileDigests,
    },
}

impl MediaHashes {
    /// The file digests, whatever the kind of media.
    pub fn digests(&self) -> &FileDigests {
        match self {
            MediaHashes::Image { digests, .. } => digests,
            #[cfg(feature = "video")]
            MediaHashes::Video { digests, .. } => digests,
        }
    }
}

/// Hashes an in-memory file, detecting whether it is an image or a video from its content.
pub fn hash_media(bytes: &[u8], opts: &MediaOptions) -> Result<MediaHashes> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    match decode::sniff(bytes) {
        #[cfg(feature = "video")]
        Some(MediaKind::Video) => {
            let video = video::hash_video_bytes(bytes, &opts.video)?;
            Ok(MediaHashes::Video { video, digests: FileDigests::of(bytes) })
        }
        #[cfg(not(feature = "video"))]
        Some(MediaKind::Video) => Err(Error::UnsupportedFormat),
        Some(MediaKind::Image(_)) | None => {
            let image = hash_image(bytes, opts)?;
            Ok(MediaHashes::Image { image, digests: FileDigests::of(bytes) })
        }
    }
}

/// Decodes and hashes an image.
pub fn hash_image(bytes: &[u8], opts: &MediaOptions) -> Result<ImageHashes> {
    let rgb = decode::decode_rgb(bytes, &opts.decode)?;
    let (w, h) = (rgb.width as usize, rgb.height as usize);
    let (pdq, dihedral) = if opts.dihedral {
        let d = pdq::hash_rgb_dihedral(&rgb.pixels, w, h, w * 3);
        (Pdq { hash: d.hashes[0], quality: d.quality }, Some(Box::new(d.hashes)))
    } else {
        (pdq::hash_rgb(&rgb.pixels, w, h, w * 3), None)
    };
    let framed = if opts.framed > 0 { robust::framed_rgb(&rgb.pixels, w, h, w * 3, opts.framed) } else { Vec::new() };
    Ok(ImageHashes { pdq, dihedral, width: rgb.width, height: rgb.height, framed })
}
