//! HEIC and AVIF through libheif (compiled in by libheif-rs): iPhone photos and AV1 stills.

use libheif_rs::{
    ColorSpace, DecodingOptions, HeifContext, HeifError, HeifErrorCode, HeifErrorSubCode, LibHeif, RgbChroma,
};
use zeroize::Zeroize;

use super::{DecodeOptions, RgbImage};
use crate::{Error, Result};

/// The process's one libheif handle, never dropped. Each `LibHeif` calls `heif_init` and, when dropped,
/// `heif_deinit`, and the last deinit unregisters libheif's codec plugins process-wide: with one handle per
/// decode, concurrent decodes kept loading and unloading that global registry under each other (a SIGSEGV was
/// seen once as parallel tests started). libheif's own advice is one instance for all of a program.
fn libheif() -> &'static LibHeif {
    static LIBHEIF: std::sync::OnceLock<LibHeif> = std::sync::OnceLock::new();
    LIBHEIF.get_or_init(LibHeif::new)
}

/// Decodes the primary image. Its size is checked against the limits before any pixel is decoded, and libheif's
/// own security limits are lowered to ours so that grids and tiles are bounded too.
pub(super) fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<RgbImage> {
    let lib = libheif();
    let mut context: HeifContext<'_> = HeifContext::new().map_err(|e| map_error(e, opts))?;
    let mut security = context.security_limits();
    security.set_max_image_size_pixels(opts.limits.max_pixels.min(security.max_image_size_pixels()));
    context.set_security_limits(&security).map_err(|e| map_error(e, opts))?;
    context.read_bytes(bytes).map_err(|e| map_error(e, opts))?;

    let handle = context.primary_image_handle().map_err(|e| map_error(e, opts))?;
    opts.limits.check_pixels(handle.width().into(), handle.height().into())?;
    // The stored (`ispe`) size can differ from the displayed one when a crop is declared.
    let (stored_width, stored_height) = (handle.ispe_width(), handle.ispe_height());
    if stored_width > 0 && stored_height > 0 {
        opts.limits.check_pixels(stored_width.unsigned_abs().into(), stored_height.unsigned_abs().into())?;
    }

    let mut decoding = DecodingOptions::new().ok_or_else(|| Error::Corrupt("libheif: out of memory".into()))?;
    // libheif has one switch for rotation, mirroring and cropping together.
    decoding.set_ignore_transformations(!opts.apply_orientation);
    // Interleaved 8-bit RGB: libheif converts from YCbCr, drops alpha and reduces 10/12-bit to 8 bits.
    let mut image =
        lib.decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), Some(decoding)).map_err(|e| map_error(e, opts))?;
    let copied = {
        let plane = image
            .planes()
            .interleaved
            .ok_or_else(|| Error::Corrupt("libheif returned no interleaved RGB plane".into()))?;
        copy_packed(plane.data, plane.width, plane.height, plane.stride, plane.storage_bits_per_pixel)
    };
    if let Some(plane) = image.planes_mut().interleaved {
        plane.data.zeroize();
    }
    copied
}

/// Copies libheif's rows (padded to `stride`) into a packed buffer.
fn copy_packed(data: &[u8], width: u32, height: u32, stride: usize, storage_bits: u8) -> Result<RgbImage> {
    if storage_bits != 24 {
        return Err(Error::Corrupt(format!("libheif returned {storage_bits}-bit pixels instead of 24")));
    }
    let row = 3 * width as usize;
    let mut pixels = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        let line = data
            .get(y * stride..y * stride + row)
            .ok_or_else(|| Error::Corrupt("libheif returned a short pixel plane".into()))?;
        pixels.extend_from_slice(line);
    }
    Ok(RgbImage { width, height, pixels })
}

fn map_error(error: HeifError, opts: &DecodeOptions) -> Error {
    match (error.code, error.sub_code) {
        (_, HeifErrorSubCode::SecurityLimitExceeded) => {
            Error::TooManyPixels { width: 0, height: 0, limit: opts.limits.max_pixels }
        }
        (HeifErrorCode::UnsupportedFileType | HeifErrorCode::UnsupportedFeature, _) => Error::UnsupportedFormat,
        _ => Error::Corrupt(format!("libheif: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, decode_rgb, tests::mean_abs_diff};
    use super::*;
    use libheif_rs::{Channel, CompressionFormat, EncoderQuality, EncodingOptions, ImageOrientation};

    fn stored() -> DecodeOptions {
        DecodeOptions { apply_orientation: false, ..DecodeOptions::default() }
    }

    /// A small photo from the reference data, as RGB.
    fn source() -> RgbImage {
        let bytes = crate::testdata::read("pdq/data/bridge-mods/shrink-a-lot.jpg");
        decode_rgb(&bytes, &stored()).expect("fixture decodes")
    }

    /// Encodes `rgb` as HEIC (x265) or AVIF (aom) in memory, tagged with `orientation`.
    fn encode(rgb: &RgbImage, format: CompressionFormat, orientation: ImageOrientation) -> Vec<u8> {
        let lib = libheif();
        let mut image = libheif_rs::Image::new(rgb.width, rgb.height, ColorSpace::Rgb(RgbChroma::Rgb)).expect("image");
        image.create_plane(Channel::Interleaved, rgb.width, rgb.height, 8).expect("plane");
        {
            let plane = image.planes_mut().interleaved.expect("interleaved");
            for (y, row) in rgb.pixels.chunks_exact(rgb.stride()).enumerate() {
                plane.data[y * plane.stride..y * plane.stride + row.len()].copy_from_slice(row);
            }
        }
        let mut encoder = lib.encoder_for_format(format).expect("encoder compiled in");
        encoder.set_quality(EncoderQuality::Lossy(95)).expect("quality");
        let mut options = EncodingOptions::new().expect("options");
        options.set_image_orientation(orientation);
        let mut context = HeifContext::new().expect("context");
        context.encode_image(&image, &mut encoder, Some(options)).expect("encode");
        context.write_to_bytes().expect("write")
    }

    #[test]
    fn heic_and_avif_decode_close_to_their_source() {
        let rgb = source();
        for (format, expected) in [
            (CompressionFormat::Hevc, super::super::ImageFormat::Heic),
            (CompressionFormat::Av1, super::super::ImageFormat::Avif),
        ] {
            let file = encode(&rgb, format, ImageOrientation::Normal);
            assert_eq!(super::super::sniff(&file), Some(super::super::MediaKind::Image(expected)));
            let back = decode_rgb(&file, &stored()).unwrap_or_else(|e| panic!("{expected:?}: {e}"));
            assert_eq!((back.width, back.height), (rgb.width, rgb.height), "{expected:?}");
            let diff = mean_abs_diff(&back.pixels, &rgb.pixels);
            assert!(diff < 6.0, "{expected:?} differs from its source by {diff} on average");
        }
    }

    #[test]
    fn heif_orientation_is_applied_only_when_asked() {
        let rgb = source();
        let file = encode(&rgb, CompressionFormat::Hevc, ImageOrientation::Rotate90Cw);
        let as_stored = decode_rgb(&file, &stored()).expect("stored");
        assert_eq!((as_stored.width, as_stored.height), (160, 100));
        let turned = decode_rgb(&file, &DecodeOptions::default()).expect("turned");
        assert_eq!((turned.width, turned.height), (100, 160));
    }

    #[test]
    fn heif_pixel_limit_applies_before_decoding() {
        let file = encode(&source(), CompressionFormat::Hevc, ImageOrientation::Normal);
        let opts = DecodeOptions { limits: Limits { max_pixels: 1000, ..Limits::default() }, apply_orientation: true };
        let err = decode_rgb(&file, &opts).expect_err("too many pixels");
        assert_eq!(err.code(), "image_too_large", "{err}");
    }

    #[test]
    fn broken_heif_gives_typed_errors() {
        let file = encode(&source(), CompressionFormat::Hevc, ImageOrientation::Normal);
        for len in [12, 24, 64, file.len() / 4, file.len() / 2, file.len() - 10] {
            let err = decode_rgb(&file[..len], &stored()).expect_err("truncated");
            assert!(matches!(err.code(), "corrupt_media" | "unsupported_format"), "cut at {len}: {err}");
        }
        let mut bogus = 24u32.to_be_bytes().to_vec();
        bogus.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        bogus.extend_from_slice(&[0xAB; 200]);
        assert!(decode_rgb(&bogus, &stored()).is_err());
    }
}
