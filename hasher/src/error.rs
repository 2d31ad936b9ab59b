//! The one error type of the hasher. Every variant has a stable machine-readable [`Error::code`] that the
//! API and the CLI pass on unchanged, so clients can branch on it.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while decoding or hashing media, or parsing a hash.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The input is larger than the configured byte limit.
    #[error("the file has {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The image declares more pixels (or a larger side) than allowed: a likely decompression bomb.
    #[error("the image is {width}x{height}, more than the limit of {limit} pixels")]
    TooManyPixels {
        /// Declared width.
        width: u64,
        /// Declared height.
        height: u64,
        /// Pixel limit.
        limit: u64,
    },
    /// The bytes are not in any format we decode.
    #[error("unsupported or unrecognised media format")]
    UnsupportedFormat,
    /// The format is recognised but its decoder was left out of this build (cargo feature off).
    #[error("{format} decoding is not compiled into this build")]
    FormatNotCompiled {
        /// The format, e.g. "heic" or "avif".
        format: &'static str,
    },
    /// The file is of a known format but cannot be decoded (corrupt or truncated).
    #[error("the media could not be decoded: {0}")]
    Corrupt(String),
    /// A hash string is malformed.
    #[error("invalid {kind} hash: {reason}")]
    InvalidHash {
        /// Which kind of hash was expected (pdq, md5, sha256).
        kind: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The media has no video stream (audio only, or not a video at all).
    #[error("the media has no video stream")]
    NoVideoStream,
    /// The video stream decoded to no frames at all.
    #[error("the video has no decodable frames")]
    NoFrames,
    /// The video is longer than the configured limit.
    #[error("the video lasts {duration_s:.1} s, more than the limit of {limit_s:.1} s")]
    VideoTooLong {
        /// Duration found (declared by the container, or reached while decoding), in seconds.
        duration_s: f64,
        /// The limit in seconds.
        limit_s: f64,
    },
    /// A video frame has more pixels than allowed.
    #[error("the video is {width}x{height}, more than the limit of {limit} pixels")]
    VideoResolutionTooLarge {
        /// Frame width.
        width: u64,
        /// Frame height.
        height: u64,
        /// Pixel limit.
        limit: u64,
    },
    /// More frames would be hashed than allowed.
    #[error("more than {limit} video frames to hash")]
    TooManyFrames {
        /// The limit on hashed frames.
        limit: usize,
    },
    /// Hashing took longer than the configured wall time.
    #[error("hashing took longer than {limit_ms} ms")]
    Timeout {
        /// The wall-time limit in milliseconds.
        limit_ms: u64,
    },
}

impl Error {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Empty => "empty_file",
            Error::TooLarge { .. } => "file_too_large",
            Error::TooManyPixels { .. } => "image_too_large",
            Error::UnsupportedFormat => "unsupported_format",
            Error::FormatNotCompiled { .. } => "format_not_compiled",
            Error::Corrupt(_) => "corrupt_media",
            Error::InvalidHash { .. } => "invalid_hash",
            Error::NoVideoStream => "no_video_stream",
            Error::NoFrames => "no_frames",
            Error::VideoTooLong { .. } => "video_too_long",
            Error::VideoResolutionTooLarge { .. } => "video_resolution_too_large",
            Error::TooManyFrames { .. } => "too_many_frames",
            Error::Timeout { .. } => "hashing_timeout",
        }
    }
}
