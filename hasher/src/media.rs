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
    /// Also compute an image's views (victim side: its PDQ hash and those of inner squares, see
    /// [`crate::robust::views`]), and a video's frames' centred squares (`VideoOptions::frame_squares`, see
    /// [`crate::video::squares`]): what the list keeps so that cropped copies match.
    pub views: bool,
    /// Also compute an image's candidates (query side: whole, framed and window hashes to search for listed
    /// views, see [`crate::robust::candidates_rgb`]).
    pub candidates: bool,
    /// How the candidates are computed.
    pub query: robust::QueryOptions,
}

impl MediaOptions {
    /// The query side's options (a platform checking its copy): an image's candidates, and a video's frames hashed
    /// again inside its bars when it has some ([`VideoOptions::trim_borders`]) and scanned with windows
    /// ([`VideoOptions::frame_windows`]), so that a cropped, framed, rotated, letterboxed or pillarboxed copy finds
    /// the listed picture. The listed side keeps the defaults.
    pub fn query() -> Self {
        MediaOptions {
            candidates: true,
            #[cfg(feature = "video")]
            video: VideoOptions { trim_borders: true, frame_windows: true, ..VideoOptions::default() },
            ..MediaOptions::default()
        }
    }
}

/// The hashes of one image file.
#[derive(Debug)]
pub struct ImageHashes {
    /// PDQ hash and quality of the decoded pixels.
    pub pdq: Pdq,
    /// The eight dihedral variants (orig, rot90, rot180, rot270, flipx, flipy, flip+1, flip-1), when asked.
    pub dihedral: Option<Box<[PdqHash; 8]>>,
    /// Width in pixels, after orientation.
    pub width: u32,
    /// Height in pixels, after orientation.
    pub height: u32,
    /// The image's views, when asked ([`MediaOptions::views`]): its own hash first, then its inner squares.
    pub views: Vec<robust::View>,
    /// The image's candidates, when asked ([`MediaOptions::candidates`]).
    pub candidates: Option<Box<robust::Candidates>>,
}

/// What [`hash_media`] found and computed.
#[derive(Debug)]
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
            let frame_squares = opts.video.frame_squares || opts.views;
            let video = video::hash_video_bytes(bytes, &VideoOptions { frame_squares, ..opts.video.clone() })?;
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
    let views = if opts.views { robust::views_rgb(&rgb.pixels, w, h, w * 3) } else { Vec::new() };
    let candidates = opts.candidates.then(|| Box::new(robust::candidates_rgb(&rgb.pixels, w, h, w * 3, &opts.query)));
    Ok(ImageHashes { pdq, dihedral, width: rgb.width, height: rgb.height, views, candidates })
}
