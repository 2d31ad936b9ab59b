//! vPDQ: per-frame PDQ hashes of a video, compatible with Meta's `vpdq` (ThreatExchange `vpdq/`).
//!
//! Every frame is decoded in decoder output order and counted; frame `k` is hashed when
//! `k % max(1, int(seconds_per_hash * frame_rate)) == 0`, after conversion to RGB24 by libswscale
//! (area scaling, as vpdq 0.2.5 does) at the video's own resolution. Its timestamp is `k / frame_rate`.
//!
//! # Layout
//! - [`options`]: [`VideoOptions`], the sampling rate and the resource caps.
//! - [`sampling`]: which frames are hashed and their timestamps (pure).
//! - [`mod@format`]: the reference line format and python-threatexchange's vPDQ JSON (pure).
//! - [`borders`]: the picture inside a video's bars, one rectangle per video, for the query side (pure).
//! - [`matching`]: comparing two videos' frame hashes the vPDQ way, with matching time segments (pure).
//! - [`squares`]: a listed frame's centred squares and a query frame's windows, for cropped re-encodes (pure).
//! - [`cropped`]: whether a listed video matches a query through those squares (pure).
//! - `decode` and `avio` (feature `video`): FFmpeg demuxing/decoding, fed from memory.
//!
//! Only `decode`/`avio` need FFmpeg; the rest builds without the `video` feature (WebAssembly, the server's
//! matcher).

#[cfg(feature = "video")]
mod avio;
pub mod borders;
pub mod cropped;
#[cfg(feature = "video")]
mod decode;
pub mod format;
pub mod matching;
pub mod options;
pub mod sampling;
pub mod squares;

use serde::{Deserialize, Serialize};

use crate::pdq::PdqHash;
use crate::robust::View;

pub use borders::PictureRect;
pub use cropped::{CroppedMatch, CroppedThresholds, SquarePair};
#[cfg(feature = "video")]
pub use decode::{hash_video_bytes, hash_video_file};
pub use options::VideoOptions;
pub use squares::{FRAME_SQUARES, FrameWindow};

/// The PDQ hash of one sampled video frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameHash {
    /// 0-based number of the frame in decoder output order.
    pub frame: u64,
    /// Seconds from the start: `frame / frame_rate` (not the container's presentation time).
    pub timestamp: f64,
    /// PDQ hash of the frame's RGB pixels.
    pub pdq: PdqHash,
    /// PDQ quality, 0..=100; below 50 the hash is unreliable and matching ignores it.
    pub quality: u8,
}

/// Everything hashed from one video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoHashes {
    /// The sampled frames in frame order.
    pub frames: Vec<FrameHash>,
    /// Duration in seconds: the number of decoded frames divided by the frame rate.
    pub duration: f64,
    /// Frames per second used for sampling and timestamps (average rate, else the real base rate).
    pub frame_rate: f64,
    /// Width of the decoded frames in pixels.
    pub width: u32,
    /// Height of the decoded frames in pixels.
    pub height: u32,
    /// With [`VideoOptions::trim_borders`] (the query side), when the frames sit inside bars: the picture's
    /// rectangle and the same sampled frames hashed inside it. Never set for a listed video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trimmed: Option<TrimmedFrames>,
    /// With [`VideoOptions::frame_squares`] (the listed side): each sampled frame's centred squares
    /// ([`squares::frame_views`]), in the order of `frames`; none for a frame under PDQ quality 50 or whose hash
    /// an earlier frame had. Empty otherwise.
    #[serde(skip)]
    pub squares: Vec<Vec<View>>,
    /// With [`VideoOptions::frame_windows`] (the query side): the windows of reliable, distinct sampled frames
    /// (at most [`squares::MAX_WINDOW_FRAMES`], spread over the video). Empty otherwise.
    #[serde(skip)]
    pub windows: Vec<FrameWindows>,
}

/// The windows of one sampled frame of a query video ([`squares::frame_windows`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameWindows {
    /// The frame's number, as in [`FrameHash::frame`].
    pub frame: u64,
    /// Its windows (rectangles as fractions of the whole frame).
    pub windows: Vec<FrameWindow>,
}

/// A video's sampled frames hashed inside its bars ([`borders`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrimmedFrames {
    /// Where the picture lies in every frame.
    pub rect: PictureRect,
    /// The sampled frames (the same numbers and timestamps as [`VideoHashes::frames`]), each hashed inside `rect`.
    pub frames: Vec<FrameHash>,
    /// With [`VideoOptions::frame_windows`]: windows of its reliable, distinct frames, inside `rect` (their
    /// rectangles are fractions of the whole frame).
    #[serde(skip)]
    pub windows: Vec<FrameWindows>,
}
