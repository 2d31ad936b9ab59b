//! Decoding a video with FFmpeg and hashing its sampled frames with PDQ, the way vpdq does.
//!
//! Everything is read from memory ([`super::avio`]); the caps of [`VideoOptions`] are checked before decoding
//! (bytes, declared duration, resolution) and again while decoding (wall time between reads, packets and
//! frames; duration and resolution as frames arrive; number of hashed frames).

use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

use ffmpeg::codec::threading;
use ffmpeg::format::Pixel;
use ffmpeg::format::stream::Disposition;
use ffmpeg::software::scaling;
use ffmpeg::util::frame;
use ffmpeg::{Packet, Rational, media};
use ffmpeg_next as ffmpeg;

use std::collections::HashSet;

use super::borders::{self, FrameBars, PictureRect};
use super::sampling::Sampler;
use super::squares::{self, MAX_WINDOW_FRAMES};
use super::{FrameHash, FrameWindows, TrimmedFrames, VideoHashes, VideoOptions, avio};
use crate::pdq::{PdqHash, QUALITY_THRESHOLD};
use crate::{Error, Result, pdq};

/// Hashes a video held in memory. The bytes go to FFmpeg through a custom I/O context, never through a file, and
/// FFmpeg reads nothing else. Bytes that do not start like one of our containers are `UnsupportedFormat`. With
/// [`VideoOptions::trim_borders`], a video whose frames sit inside bars is decoded a second time, from the same
/// bytes and within the same wall time, to hash its sampled frames inside them.
pub fn hash_video_bytes(bytes: &[u8], opts: &VideoOptions) -> Result<VideoHashes> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    check_size(bytes.len() as u64, opts)?;
    // FFmpeg reads with the demuxer of the container the bytes start like, or not at all (see `avio`).
    let container = crate::decode::video_container(bytes).ok_or(Error::UnsupportedFormat)?;
    init_ffmpeg();
    let clock = Clock::start(opts.max_wall_time);
    let open =
        || avio::open(bytes, container, clock.deadline).map_err(|e| clock.ffmpeg_error(e, "cannot open the video"));
    let mut input = open()?;
    let (mut hashes, bars) = hash_input(&mut input, opts, &clock, Pass::Whole { bars: opts.trim_borders })?;
    drop(input);
    // The second decoding, only for a video inside bars: the same frames, hashed (and scanned) inside the picture.
    if let Some((rect, frame)) = borders::video_picture(&bars) {
        let mut input = open()?;
        let (inside, _) = hash_input(&mut input, opts, &clock, Pass::Inside(rect, frame))?;
        hashes.trimmed = Some(TrimmedFrames { rect, frames: inside.frames, windows: inside.windows });
    }
    Ok(hashes)
}

/// What one decoding of the video hashes.
#[derive(Clone, Copy, Debug)]
enum Pass {
    /// Each sampled frame whole (vPDQ); with `bars`, also the bars of each (see [`borders`]).
    Whole { bars: bool },
    /// Each sampled frame inside the picture's rectangle, found in frames of size `[width, height]`; frames of
    /// another size are left out.
    Inside(PictureRect, [u32; 2]),
}

/// Hashes a video file: reads it (after checking its size against `max_bytes`) and hashes it from memory, so
/// files and uploads go through exactly the same code.
pub fn hash_video_file(path: &Path, opts: &VideoOptions) -> Result<VideoHashes> {
    let size =
        std::fs::metadata(path).map_err(|e| Error::Corrupt(format!("cannot read {}: {e}", path.display())))?.len();
    check_size(size, opts)?;
    let bytes = std::fs::read(path).map_err(|e| Error::Corrupt(format!("cannot read {}: {e}", path.display())))?;
    hash_video_bytes(&bytes, opts)
}

fn check_size(size: u64, opts: &VideoOptions) -> Result<()> {
    if size > opts.max_bytes {
        return Err(Error::TooLarge { size, limit: opts.max_bytes });
    }
    Ok(())
}

/// FFmpeg's global state: its log goes quiet, because corrupt uploads would otherwise fill the server's stderr
/// with decoder complaints that the typed errors already carry.
fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // `init` only registers components; with the features we enable it cannot fail in a way we could act on.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
    });
}

/// The wall-time budget of one hashing.
struct Clock {
    deadline: Instant,
    limit: Duration,
}

impl Clock {
    fn start(limit: Duration) -> Self {
        let now = Instant::now();
        Self { deadline: now.checked_add(limit).unwrap_or(now + Duration::from_secs(86_400 * 365)), limit }
    }

    fn check(&self) -> Result<()> {
        if Instant::now() >= self.deadline { Err(self.timeout()) } else { Ok(()) }
    }

    fn timeout(&self) -> Error {
        Error::Timeout { limit_ms: u64::try_from(self.limit.as_millis()).unwrap_or(u64::MAX) }
    }

    /// Maps an FFmpeg failure: an interrupted read is our deadline, anything else is bad input.
    fn ffmpeg_error(&self, e: ffmpeg::Error, context: &str) -> Error {
        if e == ffmpeg::Error::Exit || Instant::now() >= self.deadline {
            self.timeout()
        } else {
            Error::Corrupt(format!("{context}: {e}"))
        }
    }
}

/// FFmpeg demuxers that read single images. FFmpeg opens a PNG or JPEG as a one-frame "video"; we refuse, as
/// images have their own path (and their own PDQ with orientation handling).
fn is_image_demuxer(name: &str) -> bool {
    name.ends_with("_pipe") || name == "image2"
}

/// One decoding of the video: its hashes, and with `Pass::Whole { bars: true }` the bars of each sampled frame
/// (`None` for a flat frame).
fn hash_input(
    input: &mut ffmpeg::format::context::Input,
    opts: &VideoOptions,
    clock: &Clock,
    pass: Pass,
) -> Result<(VideoHashes, Vec<Option<FrameBars>>)> {
    if is_image_demuxer(input.format().name()) {
        return Err(Error::UnsupportedFormat);
    }
    // The first real video stream, as vpdq takes; cover art in audio files is a "video" stream too, skip it.
    let stream = input
        .streams()
        .find(|s| s.parameters().medium() == media::Type::Video && !s.disposition().contains(Disposition::ATTACHED_PIC))
        .ok_or(Error::NoVideoStream)?;
    let stream_index = stream.index();
    let frame_rate = frame_rate(stream.avg_frame_rate(), stream.rate())
        .ok_or_else(|| Error::Corrupt("the video stream has no frame rate".into()))?;
    check_declared_duration(input.duration(), stream.duration(), stream.time_base(), opts)?;

    let mut context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| clock.ffmpeg_error(e, "bad codec parameters"))?;
    let mut threads = threading::Config::kind(threading::Type::Frame);
    threads.count = opts.threads;
    context.set_threading(threads);
    let decoder = context.decoder().video().map_err(|e| clock.ffmpeg_error(e, "cannot open the decoder"))?;
    let (width, height) = (decoder.width(), decoder.height());
    if width == 0 || height == 0 {
        return Err(Error::Corrupt("the video stream has no frame size".into()));
    }
    check_pixels(width, height, opts)?;

    let mut frames = FrameLoop {
        decoder,
        sampler: Sampler::new(opts.seconds_per_hash, frame_rate),
        opts,
        clock,
        decoded: frame::Video::empty(),
        rgb: frame::Video::empty(),
        scaler: None,
        count: 0,
        hashes: Vec::new(),
        size: (width, height),
        pass,
        bars: Vec::new(),
        squares: Vec::new(),
        squared: HashSet::new(),
        windows: Windowed::default(),
    };
    loop {
        clock.check()?;
        let mut packet = Packet::empty();
        match packet.read(input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => break,
            Err(e) => return Err(clock.ffmpeg_error(e, "cannot read the video")),
        }
        if packet.stream() != stream_index {
            continue;
        }
        frames.decoder.send_packet(&packet).map_err(|e| clock.ffmpeg_error(e, "cannot decode the video"))?;
        frames.drain()?;
    }
    frames.decoder.send_eof().map_err(|e| clock.ffmpeg_error(e, "cannot decode the video"))?;
    frames.drain()?;

    if frames.count == 0 {
        return Err(Error::NoFrames);
    }
    let (width, height) = frames.size;
    let duration = frames.count as f64 / frame_rate;
    let hashes = VideoHashes {
        duration,
        frames: frames.hashes,
        frame_rate,
        width,
        height,
        trimmed: None,
        squares: frames.squares,
        windows: frames.windows.finish(),
    };
    Ok((hashes, frames.bars))
}

/// vpdq's rule: the average frame rate, or the real base rate when the container gives no average.
fn frame_rate(average: Rational, real: Rational) -> Option<f64> {
    [average, real]
        .into_iter()
        .find(|r| r.numerator() != 0 && r.denominator() != 0)
        .map(f64::from)
        .filter(|r| r.is_finite() && *r > 0.0)
}

fn check_declared_duration(
    container_us: i64,
    stream_ticks: i64,
    time_base: Rational,
    opts: &VideoOptions,
) -> Result<()> {
    let container = (container_us > 0).then(|| container_us as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE));
    let stream = (stream_ticks > 0 && time_base.denominator() != 0).then(|| stream_ticks as f64 * f64::from(time_base));
    match container.into_iter().chain(stream).reduce(f64::max) {
        Some(duration_s) if duration_s > opts.max_duration_s => {
            Err(Error::VideoTooLong { duration_s, limit_s: opts.max_duration_s })
        }
        _ => Ok(()),
    }
}

fn check_pixels(width: u32, height: u32, opts: &VideoOptions) -> Result<()> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > opts.max_pixels {
        return Err(Error::VideoResolutionTooLarge {
            width: width.into(),
            height: height.into(),
            limit: opts.max_pixels,
        });
    }
    Ok(())
}

/// State of the decode loop: counts every decoded frame and hashes the sampled ones.
struct FrameLoop<'a> {
    decoder: ffmpeg::decoder::Video,
    sampler: Sampler,
    opts: &'a VideoOptions,
    clock: &'a Clock,
    decoded: frame::Video,
    rgb: frame::Video,
    scaler: Option<scaling::Context>,
    count: u64,
    hashes: Vec<FrameHash>,
    size: (u32, u32),
    pass: Pass,
    bars: Vec<Option<FrameBars>>,
    /// Each hashed frame's centred squares ([`VideoOptions::frame_squares`]); none for an unreliable frame or a
    /// frame whose hash an earlier one had.
    squares: Vec<Vec<crate::robust::View>>,
    squared: HashSet<PdqHash>,
    /// Frames scanned with windows ([`VideoOptions::frame_windows`]).
    windows: Windowed,
}

/// The query frames scanned with windows: reliable (PDQ quality 50 or more) and distinct, as vPDQ compares
/// frames, and no more than [`MAX_WINDOW_FRAMES`]: past twice that, every other one goes and only every other
/// sampled frame is scanned from then on, so the frames kept stay spread over the whole video.
#[derive(Default)]
struct Windowed {
    kept: Vec<FrameWindows>,
    /// Scan one sampled frame in this many.
    every: usize,
    seen: HashSet<PdqHash>,
}

impl Windowed {
    /// Whether the `sampled`-th sampled frame, of hash `pdq`, is to be scanned.
    fn wants(&mut self, sampled: usize, pdq: &pdq::Pdq) -> bool {
        sampled.is_multiple_of(self.every.max(1)) && pdq.quality >= QUALITY_THRESHOLD && self.seen.insert(pdq.hash)
    }

    fn push(&mut self, frame: FrameWindows) {
        self.kept.push(frame);
        if self.kept.len() >= 2 * MAX_WINDOW_FRAMES {
            squares::keep_every_other(&mut self.kept);
            self.every = 2 * self.every.max(1);
        }
    }

    /// The frames kept, at most [`MAX_WINDOW_FRAMES`] (between it and twice it, every other one goes).
    fn finish(mut self) -> Vec<FrameWindows> {
        if self.kept.len() > MAX_WINDOW_FRAMES {
            squares::keep_every_other(&mut self.kept);
        }
        self.kept
    }
}

impl FrameLoop<'_> {
    /// Takes every frame the decoder has ready.
    fn drain(&mut self) -> Result<()> {
        loop {
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => self.on_frame()?,
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(());
                }
                Err(e) => return Err(self.clock.ffmpeg_error(e, "cannot decode the video")),
            }
        }
    }

    fn on_frame(&mut self) -> Result<()> {
        self.clock.check()?;
        let number = self.count;
        self.count += 1;
        let timestamp = self.sampler.timestamp(number);
        if timestamp > self.opts.max_duration_s {
            return Err(Error::VideoTooLong { duration_s: timestamp, limit_s: self.opts.max_duration_s });
        }
        if !self.sampler.is_sampled(number) {
            return Ok(());
        }
        if self.hashes.len() >= self.opts.max_frames_hashed {
            return Err(Error::TooManyFrames { limit: self.opts.max_frames_hashed });
        }
        if let Some(pdq) = self.hash_decoded(number)? {
            self.hashes.push(FrameHash { frame: number, timestamp, pdq: pdq.hash, quality: pdq.quality });
        }
        Ok(())
    }

    /// Converts the decoded frame to RGB24 at its own size (area scaling, vpdq's flags) and hashes it, whole or
    /// inside the picture's rectangle as the pass says (`None`: a frame of another size than the rectangle's).
    /// With [`VideoOptions::frame_squares`] its centred squares are hashed too, and with
    /// [`VideoOptions::frame_windows`] its windows (frame `number`) when [`Windowed`] wants them.
    fn hash_decoded(&mut self, number: u64) -> Result<Option<pdq::Pdq>> {
        let (format, width, height) = (self.decoded.format(), self.decoded.width(), self.decoded.height());
        check_pixels(width, height, self.opts)?;
        let reusable = self.scaler.as_ref().is_some_and(|s| {
            let input = s.input();
            (input.format, input.width, input.height) == (format, width, height)
        });
        if !reusable {
            let scaler =
                scaling::Context::get(format, width, height, Pixel::RGB24, width, height, scaling::Flags::AREA)
                    .map_err(|e| Error::Corrupt(format!("cannot convert {format:?} frames: {e}")))?;
            self.scaler = Some(scaler);
            self.rgb = frame::Video::empty();
            self.size = (width, height);
        }
        let scaler = self.scaler.as_mut().ok_or_else(|| Error::Corrupt("no frame converter".into()))?;
        scaler.run(&self.decoded, &mut self.rgb).map_err(|e| Error::Corrupt(format!("cannot convert a frame: {e}")))?;
        let (pixels, stride) = (self.rgb.data(0), self.rgb.stride(0));
        let (w, h) = (width as usize, height as usize);
        let (hash, area) = match self.pass {
            Pass::Whole { bars } => {
                if bars {
                    self.bars.push(FrameBars::of_rgb(pixels, w, h, stride));
                }
                let hash = pdq::hash_rgb(pixels, w, h, stride);
                if self.opts.frame_squares {
                    // Only where matching will look: reliable frames, each distinct hash once (as vPDQ compares).
                    let kept = hash.quality >= QUALITY_THRESHOLD && self.squared.insert(hash.hash);
                    self.squares.push(if kept { squares::frame_views_rgb(pixels, w, h, stride) } else { Vec::new() });
                }
                (hash, [0, 0, width, height])
            }
            Pass::Inside(rect, frame) => {
                if frame != [width, height] {
                    return Ok(None);
                }
                let start = rect.y as usize * stride + 3 * rect.x as usize;
                let hash = pdq::hash_rgb(&pixels[start..], rect.width as usize, rect.height as usize, stride);
                (hash, [rect.x, rect.y, rect.width, rect.height])
            }
        };
        if self.opts.frame_windows && self.windows.wants(self.hashes.len(), &hash) {
            let windows = squares::frame_windows_rgb(pixels, w, h, stride, area);
            self.windows.push(FrameWindows { frame: number, windows });
        }
        Ok(Some(hash))
    }
}

#[cfg(test)]
mod windowed_tests {
    use super::*;

    fn reliable(n: u8) -> pdq::Pdq {
        distinct(u32::from(n))
    }

    /// A reliable frame hash of its own for every `k`.
    fn distinct(k: u32) -> pdq::Pdq {
        let bytes: [u8; 32] = std::array::from_fn(|i| k.to_be_bytes()[i % 4]);
        pdq::Pdq { hash: PdqHash::from_bytes(bytes), quality: 90 }
    }

    #[test]
    fn a_long_videos_windowed_frames_are_thinned_and_stay_spread_over_it() {
        let mut windowed = Windowed::default();
        let sampled = 3 * MAX_WINDOW_FRAMES + 7;
        for k in 0..sampled {
            if windowed.wants(k, &distinct(k as u32)) {
                windowed.push(FrameWindows { frame: k as u64, windows: Vec::new() });
            }
        }
        let kept: Vec<u64> = windowed.finish().iter().map(|f| f.frame).collect();
        assert!((MAX_WINDOW_FRAMES / 2..=MAX_WINDOW_FRAMES).contains(&kept.len()), "{}", kept.len());
        let step = kept[1] - kept[0];
        assert_eq!(kept[0], 0);
        assert!(kept.windows(2).all(|w| w[1] - w[0] == step), "evenly spread: {kept:?}");
        assert!(kept[kept.len() - 1] + 2 * step >= sampled as u64, "to the end of the video: {kept:?}");
    }

    #[test]
    fn unreliable_and_repeated_frames_are_not_scanned() {
        let mut windowed = Windowed::default();
        assert!(windowed.wants(0, &reliable(1)));
        assert!(!windowed.wants(1, &reliable(1)), "a repeated hash");
        assert!(!windowed.wants(2, &pdq::Pdq { quality: 30, ..reliable(2) }), "an unreliable frame");
        assert!(windowed.wants(3, &reliable(2)));
    }
}
