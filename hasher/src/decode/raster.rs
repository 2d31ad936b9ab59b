//! JPEG, PNG, WebP, GIF, BMP and TIFF through the `image` crate.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use super::{DecodeOptions, ImageFormat, RgbImage, orientation, rgb};
use crate::{Error, Result};

/// Decodes one of the formats the image crate handles. The header is read first and its dimensions checked
/// against the limits before the pixel buffer is allocated.
pub(super) fn decode(bytes: &[u8], format: ImageFormat, opts: &DecodeOptions) -> Result<RgbImage> {
    let codec = match format {
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Webp => image::ImageFormat::WebP,
        ImageFormat::Gif => image::ImageFormat::Gif,
        ImageFormat::Bmp => image::ImageFormat::Bmp,
        ImageFormat::Tiff => image::ImageFormat::Tiff,
        ImageFormat::Heic | ImageFormat::Avif => return Err(Error::UnsupportedFormat),
    };
    if format == ImageFormat::Jpeg && !jpeg_has_end_after_scan(bytes) {
        // The JPEG decoder pads a cut-off scan with grey and reports success; Pillow refuses such files, and a
        // hash of half a picture would be misleading.
        return Err(Error::Corrupt("the JPEG is truncated (no end marker after the image data)".into()));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), codec);
    reader.limits(opts.limits.image_crate_limits());
    let mut decoder = reader.into_decoder().map_err(|e| map_error(e, None, opts))?;
    let (width, height) = decoder.dimensions();
    opts.limits.check_pixels(u64::from(width), u64::from(height))?;
    let orientation = if opts.apply_orientation {
        // A broken EXIF block should not cost the victim the hash: show the pixels as stored.
        decoder.orientation().unwrap_or(Orientation::NoTransforms)
    } else {
        Orientation::NoTransforms
    };
    let image = DynamicImage::from_decoder(decoder).map_err(|e| map_error(e, Some((width, height)), opts))?;
    Ok(orientation::apply(rgb::from_dynamic(image), orientation))
}

/// Walks the marker segments from the start of the file to the first scan (so that an EXIF thumbnail's own
/// scan and end marker are skipped), then looks for the end-of-image marker after it. Entropy-coded data cannot
/// contain `FF D9` (every `FF` in it is followed by `00` or a restart marker).
fn jpeg_has_end_after_scan(bytes: &[u8]) -> bool {
    let mut pos = 2;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(pos..pos + 2) else {
            return false;
        };
        match marker {
            // Fill bytes before a marker.
            0xFF => pos += 1,
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => pos += 2,
            0xD9 => return false,
            _ => {
                let Some(&[hi, lo]) = bytes.get(pos + 2..pos + 4) else {
                    return false;
                };
                let segment_end = pos + 2 + usize::from(u16::from_be_bytes([hi, lo]));
                if marker == 0xDA {
                    return bytes.get(segment_end..).is_some_and(|scan| scan.windows(2).any(|w| w == [0xFF, 0xD9]));
                }
                pos = segment_end;
            }
        }
    }
}

fn map_error(error: ImageError, size: Option<(u32, u32)>, opts: &DecodeOptions) -> Error {
    match error {
        ImageError::Unsupported(_) => Error::UnsupportedFormat,
        ImageError::Limits(_) => {
            let (width, height) = size.unwrap_or((0, 0));
            Error::TooManyPixels { width: width.into(), height: height.into(), limit: opts.limits.max_pixels }
        }
        other => Error::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_end_marker_is_looked_for_after_the_first_scan_only() {
        // SOI, APP1 holding a fake thumbnail end marker, SOS with 1 byte of data, EOI.
        let app1 = [0xFF, 0xE1, 0, 6, 0xFF, 0xD9, 0xFF, 0xD9];
        let sos = [0xFF, 0xDA, 0, 2, 0x12];
        let complete = [&[0xFF, 0xD8][..], &app1, &sos, &[0xFF, 0xD9]].concat();
        assert!(jpeg_has_end_after_scan(&complete));
        let cut = [&[0xFF, 0xD8][..], &app1, &sos].concat();
        assert!(!jpeg_has_end_after_scan(&cut));
        assert!(!jpeg_has_end_after_scan(&[0xFF, 0xD8, 0xFF]));
        assert!(!jpeg_has_end_after_scan(&[0xFF, 0xD8, 0xFF, 0xD9]));
    }
}
