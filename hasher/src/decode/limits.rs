//! Size limits that stop oversized files and decompression bombs before any pixel memory is allocated.

use crate::{Error, Result};

/// How much a single image may cost. Checked in order: the byte size of the input, then the dimensions the
/// header declares (before decoding), so a tiny file that claims 100000x100000 pixels fails fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: u64,
    /// Largest accepted width x height.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 64 MiB and 100 megapixels: above any phone camera, below what would exhaust a small server.
    fn default() -> Self {
        Limits { max_bytes: 64 * 1024 * 1024, max_pixels: 100_000_000 }
    }
}

/// Bytes per pixel of the widest buffer a decoder may hold (16-bit RGBA), for the image crate's allocation cap.
const WIDEST_PIXEL_BYTES: u64 = 8;
/// Headroom for decoder state that does not scale with the pixel count (tables, palettes, one row).
const DECODER_OVERHEAD_BYTES: u64 = 16 * 1024 * 1024;

impl Limits {
    /// Fails with [`Error::Empty`] or [`Error::TooLarge`].
    pub(super) fn check_bytes(&self, len: usize) -> Result<()> {
        let size = len as u64;
        if size == 0 {
            return Err(Error::Empty);
        }
        if size > self.max_bytes {
            return Err(Error::TooLarge { size, limit: self.max_bytes });
        }
        Ok(())
    }

    /// Fails with [`Error::TooManyPixels`] for a declared size above the limit, and [`Error::Corrupt`] for an
    /// empty one.
    pub(super) fn check_pixels(&self, width: u64, height: u64) -> Result<()> {
        if width == 0 || height == 0 {
            return Err(Error::Corrupt(format!("the image declares a size of {width}x{height}")));
        }
        if width.saturating_mul(height) > self.max_pixels {
            return Err(Error::TooManyPixels { width, height, limit: self.max_pixels });
        }
        Ok(())
    }

    /// The same budget in the image crate's terms, a second line of defence inside its decoders.
    pub(super) fn image_crate_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_alloc =
            Some(self.max_pixels.saturating_mul(WIDEST_PIXEL_BYTES).saturating_add(DECODER_OVERHEAD_BYTES));
        limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_are_64_mib_and_100_megapixels() {
        let l = Limits::default();
        assert_eq!(l.max_bytes, 67_108_864);
        assert_eq!(l.max_pixels, 100_000_000);
    }

    #[test]
    fn byte_check_rejects_empty_and_oversized_input() {
        let l = Limits { max_bytes: 10, max_pixels: 100 };
        assert!(matches!(l.check_bytes(0), Err(Error::Empty)));
        assert!(l.check_bytes(10).is_ok());
        assert!(matches!(l.check_bytes(11), Err(Error::TooLarge { size: 11, limit: 10 })));
    }

    #[test]
    fn pixel_check_rejects_bombs_without_overflowing() {
        let l = Limits { max_bytes: 10, max_pixels: 100 };
        assert!(l.check_pixels(10, 10).is_ok());
        assert!(matches!(l.check_pixels(10, 11), Err(Error::TooManyPixels { width: 10, height: 11, limit: 100 })));
        assert!(matches!(l.check_pixels(u64::MAX, u64::MAX), Err(Error::TooManyPixels { .. })));
        assert!(matches!(l.check_pixels(0, 5), Err(Error::Corrupt(_))));
    }
}
