//! The decoded picture ([`RgbImage`]) and the conversion of every decoder output to it.
//!
//! The conversion follows Pillow's `Image.convert("RGB")`, on which the reference PDQ hashes were computed:
//! alpha is dropped (not composited over any background), grey is copied to R, G and B, palettes are already
//! expanded by the decoders, and 16-bit samples keep their high byte (what Pillow's PNG and TIFF readers do for
//! 16-bit RGB). Float samples (0.0..=1.0) are scaled to 0..=255 and rounded.

use std::fmt;

use image::DynamicImage;
use zeroize::Zeroize;

/// A decoded image as packed 8-bit RGB: row after row, 3 bytes per pixel, no padding (stride = 3 x width).
///
/// The pixels of the victims' images must not linger in freed memory, so the buffer is zeroed when the image is
/// dropped. [`Debug`](fmt::Debug) shows the size only.
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `3 * width * height` bytes, R, G, B per pixel.
    pub pixels: Vec<u8>,
}

impl RgbImage {
    /// Bytes per row (`3 * width`), the stride PDQ's `hash_rgb` takes.
    pub fn stride(&self) -> usize {
        3 * self.width as usize
    }
}

impl Drop for RgbImage {
    fn drop(&mut self) {
        self.pixels.zeroize();
    }
}

impl fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RgbImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pixels", &format_args!("[{} bytes]", self.pixels.len()))
            .finish()
    }
}

/// Converts a decoder's output to packed RGB, zeroing the decoder's buffer when it is not reused.
pub(super) fn from_dynamic(image: DynamicImage) -> RgbImage {
    let (width, height) = (image.width(), image.height());
    let pixels = match image {
        DynamicImage::ImageRgb8(buffer) => buffer.into_raw(),
        DynamicImage::ImageLuma8(buffer) => pack(buffer.into_raw(), 1, |v| v),
        DynamicImage::ImageLumaA8(buffer) => pack(buffer.into_raw(), 2, |v| v),
        DynamicImage::ImageRgba8(buffer) => pack(buffer.into_raw(), 4, |v| v),
        DynamicImage::ImageLuma16(buffer) => pack(buffer.into_raw(), 1, high_byte),
        DynamicImage::ImageLumaA16(buffer) => pack(buffer.into_raw(), 2, high_byte),
        DynamicImage::ImageRgb16(buffer) => pack(buffer.into_raw(), 3, high_byte),
        DynamicImage::ImageRgba16(buffer) => pack(buffer.into_raw(), 4, high_byte),
        DynamicImage::ImageRgb32F(buffer) => pack(buffer.into_raw(), 3, unit_float),
        DynamicImage::ImageRgba32F(buffer) => pack(buffer.into_raw(), 4, unit_float),
        // A layout added by a later image release: its own conversion, then wipe the source.
        other => {
            let pixels = other.to_rgb8().into_raw();
            other.into_bytes().zeroize();
            pixels
        }
    };
    RgbImage { width, height, pixels }
}

/// Packs `channels`-sample pixels (1 or 2: grey with optional alpha; 3 or 4: RGB with optional alpha) into RGB,
/// then zeroes the source.
fn pack<T: Copy + zeroize::DefaultIsZeroes>(mut samples: Vec<T>, channels: usize, to_u8: impl Fn(T) -> u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() / channels * 3);
    for pixel in samples.chunks_exact(channels) {
        if channels < 3 {
            let grey = to_u8(pixel[0]);
            out.extend_from_slice(&[grey, grey, grey]);
        } else {
            out.extend_from_slice(&[to_u8(pixel[0]), to_u8(pixel[1]), to_u8(pixel[2])]);
        }
    }
    samples.zeroize();
    out
}

fn high_byte(v: u16) -> u8 {
    (v >> 8) as u8
}

fn unit_float(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Luma, LumaA, Rgb, Rgba};

    #[test]
    fn rgba_drops_alpha_without_compositing() {
        let img = ImageBuffer::<Rgba<u8>, _>::from_raw(2, 1, vec![10, 20, 30, 0, 40, 50, 60, 255]).expect("buffer");
        let rgb = from_dynamic(DynamicImage::ImageRgba8(img));
        assert_eq!(rgb.pixels, [10, 20, 30, 40, 50, 60]);
        assert_eq!((rgb.width, rgb.height, rgb.stride()), (2, 1, 6));
    }

    #[test]
    fn grey_is_copied_to_every_channel() {
        let img = ImageBuffer::<Luma<u8>, _>::from_raw(2, 1, vec![7, 200]).expect("buffer");
        assert_eq!(from_dynamic(DynamicImage::ImageLuma8(img)).pixels, [7, 7, 7, 200, 200, 200]);
        let img = ImageBuffer::<LumaA<u8>, _>::from_raw(1, 1, vec![9, 0]).expect("buffer");
        assert_eq!(from_dynamic(DynamicImage::ImageLumaA8(img)).pixels, [9, 9, 9]);
    }

    #[test]
    fn sixteen_bit_samples_keep_their_high_byte() {
        let img = ImageBuffer::<Rgb<u16>, _>::from_raw(1, 1, vec![0xFFFF, 0x80FF, 0x00FF]).expect("buffer");
        assert_eq!(from_dynamic(DynamicImage::ImageRgb16(img)).pixels, [0xFF, 0x80, 0x00]);
    }

    #[test]
    fn debug_output_does_not_print_pixels() {
        let img = RgbImage { width: 1, height: 1, pixels: vec![1, 2, 3] };
        assert_eq!(format!("{img:?}"), "RgbImage { width: 1, height: 1, pixels: [3 bytes] }");
    }
}
