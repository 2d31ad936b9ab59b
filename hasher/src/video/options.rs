//! Options of video hashing: how often to hash, and the caps that keep hostile input from exhausting the host.

use std::time::Duration;

/// How to hash a video and how much work to accept. `Default` gives vPDQ's usual one hash per second and caps
/// suited to a server: 64 MiB, 10 minutes, 8K frames, 36 000 hashed frames, 2 minutes of wall time.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoOptions {
    /// Seconds between hashed frames; 0 hashes every frame. vPDQ's default is 1.
    pub seconds_per_hash: f64,
    /// Largest input accepted, in bytes.
    pub max_bytes: u64,
    /// Longest video accepted, in seconds (checked against the container and again while decoding).
    pub max_duration_s: f64,
    /// Largest frame accepted, in pixels (width x height).
    pub max_pixels: u64,
    /// Most frames hashed before giving up.
    pub max_frames_hashed: usize,
    /// Wall time allowed for the whole hashing, checked between reads, packets and frames.
    pub max_wall_time: Duration,
    /// Decoder threads; 0 lets FFmpeg pick. Default: the available cores.
    pub threads: usize,
    /// The query side: also find the picture inside the video's bars (letterbox, pillarbox, padding) and, when
    /// there is one, hash the sampled frames again inside it ([`super::VideoHashes::trimmed`]), which takes a
    /// second decoding. Off by default: a listed video is hashed as vPDQ hashes it.
    pub trim_borders: bool,
    /// The listed side: also hash each sampled frame's centred squares ([`super::VideoHashes::squares`]), which a
    /// cropped re-encode still contains. Off by default (Meta's vPDQ has none).
    pub frame_squares: bool,
    /// The query side: also scan reliable, distinct sampled frames with windows that find a listed frame's
    /// squares inside a cropped copy ([`super::VideoHashes::windows`]). Off by default.
    pub frame_windows: bool,
}

impl Default for VideoOptions {
    fn default() -> Self {
        Self {
            seconds_per_hash: 1.0,
            max_bytes: 64 * 1024 * 1024,
            max_duration_s: 600.0,
            // 8K UHD.
            max_pixels: 7680 * 4320,
            // Ten minutes at 60 fps, every frame.
            max_frames_hashed: 36_000,
            max_wall_time: Duration::from_secs(120),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            trim_borders: false,
            frame_squares: false,
            frame_windows: false,
        }
    }
}
