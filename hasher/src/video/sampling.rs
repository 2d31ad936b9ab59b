//! Which frames vPDQ hashes and when they occur. Kept apart from FFmpeg so the rule is testable on its own.

/// Decides, frame by frame, whether to hash, exactly as vpdq does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampler {
    interval: u64,
    frame_rate: f64,
}

impl Sampler {
    /// Hash every `max(1, trunc(seconds_per_hash * frame_rate))`-th frame. vpdq truncates the product to an
    /// integer (a C++ double-to-int conversion), so 29.97 fps with 1 s hashes every 29th frame.
    pub fn new(seconds_per_hash: f64, frame_rate: f64) -> Self {
        let product = (seconds_per_hash * frame_rate).trunc();
        // Negative, NaN or absurdly large products cannot come from sane options; clamp instead of wrapping.
        let interval = if product.is_finite() && product >= 1.0 { product.min(u32::MAX as f64) as u64 } else { 1 };
        Self { interval, frame_rate }
    }

    /// Number of frames between two hashed frames.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// Whether frame `frame` (0-based, decoder output order) is hashed.
    pub fn is_sampled(&self, frame: u64) -> bool {
        frame.is_multiple_of(self.interval)
    }

    /// Timestamp of frame `frame` in seconds. vpdq divides in single precision (`float`), which decides the
    /// third decimal now and then, so we do too.
    pub fn timestamp(&self, frame: u64) -> f64 {
        f64::from(frame as f32 / self.frame_rate as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_second_at_thirty_fps_hashes_every_thirtieth_frame() {
        let s = Sampler::new(1.0, 30.0);
        assert_eq!(s.interval(), 30);
        let sampled: Vec<u64> = (0..95).filter(|&k| s.is_sampled(k)).collect();
        assert_eq!(sampled, vec![0, 30, 60, 90]);
    }

    #[test]
    fn ntsc_rate_truncates_like_vpdq() {
        assert_eq!(Sampler::new(1.0, 30000.0 / 1001.0).interval(), 29);
    }

    #[test]
    fn zero_seconds_or_slow_video_hashes_every_frame() {
        assert_eq!(Sampler::new(0.0, 30.0).interval(), 1);
        assert_eq!(Sampler::new(1.0, 0.5).interval(), 1);
        assert_eq!(Sampler::new(f64::NAN, 30.0).interval(), 1);
    }

    #[test]
    fn timestamps_are_frame_over_rate() {
        let s = Sampler::new(1.0, 30.0);
        assert_eq!(format!("{:.3}", s.timestamp(1)), "0.033");
        assert_eq!(s.timestamp(60), 2.0);
    }
}
