//! Still images to 8-bit RGB for PDQ: format sniffing, size limits, decoding, colour conversion, orientation.
//!
//! The pixels match Pillow's `Image.convert("RGB")` on the same file wherever that is sane (see [`RgbImage`]),
//! because the reference PDQ hashes were computed on Pillow's output. Decoding never panics on bad input: every
//! failure is a typed [`crate::Error`].
//!
//! Memory hygiene: the returned pixels are zeroed on drop, and so are our intermediate buffers (16-bit or alpha
//! planes, pre-rotation copies). Buffers private to the codecs (JPEG coefficient blocks, zlib windows) are beyond
//! our reach.

#[cfg(feature = "heif")]
mod heif;
mod limits;
mod orientation;
mod raster;
mod rgb;
mod sniff;

pub use limits::Limits;
pub use rgb::RgbImage;
pub use sniff::{ImageFormat, MediaKind, VideoContainer, sniff, video_container};

use crate::{Error, Result};

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Size limits, checked before decoding.
    pub limits: Limits,
    /// Turn the pixels upright as the file's EXIF orientation (HEIF: `irot`/`imir`) says. `false` gives the
    /// pixels as stored, which is what the reference PDQ hashes were computed on. For HEIC/AVIF, `false` also
    /// skips the clean-aperture crop, because libheif ignores all geometric transformations together.
    pub apply_orientation: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { limits: Limits::default(), apply_orientation: true }
    }
}

/// Decodes an image file held in memory to packed 8-bit RGB.
///
/// The format is sniffed from the content. Errors: [`Error::Empty`], [`Error::TooLarge`] (byte limit),
/// [`Error::UnsupportedFormat`] (not an image we know, videos included), [`Error::FormatNotCompiled`] (HEIC/AVIF
/// without the `heif` feature), [`Error::TooManyPixels`] (declared size above the limit, checked before decoding)
/// and [`Error::Corrupt`] (truncated or invalid data).
pub fn decode_rgb(bytes: &[u8], opts: &DecodeOptions) -> Result<RgbImage> {
    opts.limits.check_bytes(bytes.len())?;
    let format = match sniff(bytes) {
        Some(MediaKind::Image(format)) => format,
        Some(MediaKind::Video) | None => return Err(Error::UnsupportedFormat),
    };
    // The codecs are third-party code fed with hostile input: a panic inside one must still come out as a
    // typed error, not take down the worker.
    std::panic::catch_unwind(|| decode_format(bytes, format, opts))
        .unwrap_or_else(|_| Err(Error::Corrupt(format!("the {} decoder failed", format.name()))))
}

fn decode_format(bytes: &[u8], format: ImageFormat, opts: &DecodeOptions) -> Result<RgbImage> {
    match format {
        ImageFormat::Heic | ImageFormat::Avif => decode_heif(bytes, format, opts),
        _ => raster::decode(bytes, format, opts),
    }
}

#[cfg(feature = "heif")]
fn decode_heif(bytes: &[u8], _format: ImageFormat, opts: &DecodeOptions) -> Result<RgbImage> {
    heif::decode(bytes, opts)
}

#[cfg(not(feature = "heif"))]
fn decode_heif(_bytes: &[u8], format: ImageFormat, _opts: &DecodeOptions) -> Result<RgbImage> {
    Err(Error::FormatNotCompiled { format: format.name() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        crate::testdata::read(&format!("pdq/data/{path}"))
    }

    fn stored() -> DecodeOptions {
        DecodeOptions { apply_orientation: false, ..DecodeOptions::default() }
    }

    /// Every reference image with its size as Pillow reports it (none has a rotating EXIF orientation).
    const FIXTURES: &[(&str, u32, u32)] = &[
        ("bridge-mods/aaa-orig.jpg", 1600, 1004),
        ("bridge-mods/blur-a-little.jpg", 1600, 1004),
        ("bridge-mods/blur-a-lot.jpg", 1600, 1004),
        ("bridge-mods/high-contrast.jpg", 1600, 1004),
        ("bridge-mods/high-saturation.jpg", 1600, 1004),
        ("bridge-mods/sharpen-a-little.jpg", 1600, 1004),
        ("bridge-mods/sharpen-a-lot.jpg", 1600, 1004),
        ("bridge-mods/shrink-a-little.jpg", 1152, 723),
        ("bridge-mods/shrink-a-lot.jpg", 160, 100),
        ("bridge-mods/square-128x128.jpg", 128, 128),
        ("bridge-mods/square-256x256.jpg", 256, 256),
        ("bridge-mods/square-512x512.jpg", 512, 512),
        ("misc-images/c.png", 1432, 812),
        ("misc-images/modes/1.png", 1600, 1004),
        ("misc-images/modes/CMYK.jpg", 1600, 1004),
        ("misc-images/modes/F.webp", 1600, 1004),
        ("misc-images/modes/HSV.webp", 1600, 1004),
        ("misc-images/modes/I.webp", 1600, 1004),
        ("misc-images/modes/L.png", 1600, 1004),
        ("misc-images/modes/LA.png", 1600, 1004),
        ("misc-images/modes/LAB.webp", 1600, 1004),
        ("misc-images/modes/P.png", 1600, 1004),
        ("misc-images/modes/PA.webp", 1600, 1004),
        ("misc-images/modes/RGB.jpg", 1600, 1004),
        ("misc-images/modes/RGBA.png", 1600, 1004),
        ("misc-images/modes/YCbCr.jpg", 1600, 1004),
        ("misc-images/modes/original.jpg", 1600, 1004),
        ("misc-images/small.jpg", 224, 399),
        ("misc-images/wee.jpg", 34, 42),
        ("reg-test-input/dih/bridge-1-original.jpg", 1600, 1004),
        ("reg-test-input/dih/bridge-2-rotate-90.jpg", 1004, 1600),
        ("reg-test-input/dih/bridge-3-rotate-180.jpg", 1600, 1004),
        ("reg-test-input/dih/bridge-4-rotate-270.jpg", 1004, 1600),
        ("reg-test-input/dih/bridge-5-flipx.jpg", 1600, 1004),
        ("reg-test-input/dih/bridge-6-flipy.jpg", 1600, 1004),
        ("reg-test-input/dih/bridge-7-flip-plus-1.jpg", 1004, 1600),
        ("reg-test-input/dih/bridge-8-flip-minus-1.jpg", 1004, 1600),
        ("reg-test-input/labelme-subset/q0003.jpg", 256, 256),
        ("reg-test-input/labelme-subset/q0004.jpg", 256, 256),
        ("reg-test-input/labelme-subset/q0122.jpg", 256, 256),
        ("reg-test-input/labelme-subset/q0291.jpg", 256, 256),
        ("reg-test-input/labelme-subset/q0746.jpg", 256, 256),
        ("reg-test-input/labelme-subset/q1050.jpg", 256, 256),
        ("reg-test-input/labelme-subset/q2821.jpg", 256, 256),
        ("reg-test-input/pen-and-coaster.png", 924, 735),
    ];

    #[test]
    fn every_reference_fixture_decodes_at_its_size() {
        for &(path, width, height) in FIXTURES {
            for opts in [stored(), DecodeOptions::default()] {
                let image = decode_rgb(&fixture(path), &opts).unwrap_or_else(|e| panic!("{path}: {e}"));
                assert_eq!((image.width, image.height), (width, height), "{path}");
                assert_eq!(image.pixels.len(), 3 * width as usize * height as usize, "{path}");
            }
        }
    }

    #[test]
    fn grey_and_palette_pngs_match_the_rgb_png() {
        // The L and P files were converted from the same picture; L must be grey, P must have colour.
        let grey = decode_rgb(&fixture("misc-images/modes/L.png"), &stored()).expect("L");
        assert!(grey.pixels.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]));
        let palette = decode_rgb(&fixture("misc-images/modes/P.png"), &stored()).expect("P");
        assert!(palette.pixels.chunks_exact(3).any(|p| p[0] != p[2]));
    }

    #[test]
    fn cmyk_jpeg_decodes_to_the_picture_not_its_negative() {
        let cmyk = decode_rgb(&fixture("misc-images/modes/CMYK.jpg"), &stored()).expect("CMYK");
        let rgb = decode_rgb(&fixture("misc-images/modes/RGB.jpg"), &stored()).expect("RGB");
        let mean_diff = mean_abs_diff(&cmyk.pixels, &rgb.pixels);
        assert!(mean_diff < 8.0, "CMYK vs RGB differ by {mean_diff} on average");
    }

    pub(super) fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        let total: u64 = a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
        total as f64 / a.len() as f64
    }

    /// Splices an EXIF block with the given orientation after the SOI marker of a JPEG without one.
    fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0*\0\0\0\x08\0\x01".to_vec();
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&(app1.len() as u16 + 2).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn exif_orientation_is_applied_only_when_asked() {
        // A fixture without EXIF (square, so the pixels tell the turn).
        let plain = fixture("reg-test-input/labelme-subset/q0122.jpg");
        let upright = decode_rgb(&plain, &stored()).expect("plain");
        let turned_file = with_exif_orientation(&plain, 6);

        let as_stored = decode_rgb(&turned_file, &stored()).expect("stored");
        assert_eq!(as_stored.pixels, upright.pixels);

        let turned = decode_rgb(&turned_file, &DecodeOptions::default()).expect("turned");
        let expected = orientation::apply(
            RgbImage { width: upright.width, height: upright.height, pixels: upright.pixels.clone() },
            image::metadata::Orientation::Rotate90,
        );
        assert_ne!(turned.pixels, upright.pixels);
        assert_eq!(turned.pixels, expected.pixels);
    }

    /// A PNG with a valid IHDR claiming `width` x `height`, then a few bytes of image data.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let idat = b"IDAT\x78\x9c\x63\x00\x00\x00\x01\x00\x01".to_vec();
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for chunk in [ihdr, idat] {
            out.extend_from_slice(&(chunk.len() as u32 - 4).to_be_bytes());
            out.extend_from_slice(&chunk);
            out.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A complete JPEG whose frame header is patched to claim `width` x `height`.
    fn jpeg_claiming(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
        let mut out = jpeg.to_vec();
        let sof = out.windows(2).position(|w| w == [0xFF, 0xC0] || w == [0xFF, 0xC2]).expect("frame header");
        out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        out
    }

    /// Deterministic noise (xorshift), so failures reproduce.
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    fn webp_fixture() -> Vec<u8> {
        fixture("misc-images/modes/HSV.webp")
    }

    fn gif_fixture() -> Vec<u8> {
        // No GIF among the references: make one from a small fixture.
        let image = decode_rgb(&fixture("bridge-mods/shrink-a-lot.jpg"), &stored()).expect("jpeg");
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(image.width, image.height, image.pixels.clone()).expect("buffer"),
        )
        .write_to(&mut out, image::ImageFormat::Gif)
        .expect("gif");
        out.into_inner()
    }

    #[test]
    fn broken_inputs_give_typed_errors() {
        let jpeg = fixture("reg-test-input/labelme-subset/q0122.jpg");
        let png = fixture("reg-test-input/pen-and-coaster.png");
        let webp = webp_fixture();
        let gif = gif_fixture();
        let mut cases: Vec<(String, Vec<u8>, &str)> = vec![
            ("empty".into(), vec![], "empty_file"),
            ("random bytes".into(), noise(4096, 7), "unsupported_format"),
            ("text".into(), b"<html><body>not an image</body></html>".to_vec(), "unsupported_format"),
            ("png bomb header".into(), png_header(100_000, 100_000), "image_too_large"),
            ("jpeg bomb header".into(), jpeg_claiming(&jpeg, 65_000, 65_000), "image_too_large"),
            ("png zero width".into(), png_header(0, 10), "corrupt_media"),
            ("jpeg magic only".into(), vec![0xFF, 0xD8, 0xFF], "corrupt_media"),
            ("png with noise body".into(), [png_header(64, 64), noise(512, 3)].concat(), "corrupt_media"),
            ("jpeg with noise body".into(), [jpeg[..600].to_vec(), noise(4096, 5)].concat(), "corrupt_media"),
        ];
        let mut video = 24u32.to_be_bytes().to_vec();
        video.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2avc1mp41");
        cases.push(("mp4 header".into(), video, "unsupported_format"));
        cases.push((
            "webm header".into(),
            vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 1],
            "unsupported_format",
        ));
        for (name, file) in [("jpeg", &jpeg), ("png", &png), ("webp", &webp), ("gif", &gif)] {
            for len in [12, 16, 40, 100, file.len() / 3, file.len() / 2] {
                cases.push((format!("{name} cut at {len}"), file[..len].to_vec(), "corrupt_media"));
            }
        }
        for (name, bytes, code) in cases {
            let result = decode_rgb(&bytes, &stored());
            let got = result.as_ref().map(|i| (i.width, i.height)).map_err(|e| e.code());
            assert_eq!(got, Err(code), "{name}");
        }
    }

    #[test]
    fn byte_limit_is_checked_before_anything_else() {
        let opts = DecodeOptions { limits: Limits { max_bytes: 100, ..Limits::default() }, apply_orientation: true };
        let err = decode_rgb(&fixture("misc-images/wee.jpg"), &opts).expect_err("too large");
        assert!(matches!(err, Error::TooLarge { limit: 100, .. }), "{err:?}");
    }

    #[test]
    fn pixel_limit_rejects_real_images_above_it() {
        let opts = DecodeOptions { limits: Limits { max_pixels: 1000, ..Limits::default() }, apply_orientation: true };
        let err = decode_rgb(&fixture("bridge-mods/shrink-a-lot.jpg"), &opts).expect_err("too many pixels");
        assert!(matches!(err, Error::TooManyPixels { width: 160, height: 100, limit: 1000 }), "{err:?}");
        assert!(decode_rgb(&fixture("misc-images/wee.jpg"), &opts).is_err());
        let opts =
            DecodeOptions { limits: Limits { max_pixels: 34 * 42, ..Limits::default() }, apply_orientation: true };
        assert!(decode_rgb(&fixture("misc-images/wee.jpg"), &opts).is_ok());
    }

    #[test]
    fn bmp_and_tiff_decode() {
        let source = decode_rgb(&fixture("bridge-mods/shrink-a-lot.jpg"), &stored()).expect("jpeg");
        let buffer = image::RgbImage::from_raw(source.width, source.height, source.pixels.clone()).expect("buffer");
        for format in [image::ImageFormat::Bmp, image::ImageFormat::Tiff, image::ImageFormat::Png] {
            let mut out = std::io::Cursor::new(Vec::new());
            buffer.write_to(&mut out, format).expect("encode");
            let back = decode_rgb(out.get_ref(), &stored()).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!(back.pixels, source.pixels, "{format:?} is lossless");
        }
        let gif = decode_rgb(&gif_fixture(), &stored()).expect("gif");
        assert_eq!((gif.width, gif.height), (160, 100));
    }

    #[cfg(not(feature = "heif"))]
    #[test]
    fn heif_without_the_feature_is_reported_as_not_compiled() {
        let mut heic = 24u32.to_be_bytes().to_vec();
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        let err = decode_rgb(&heic, &stored()).expect_err("not compiled");
        assert_eq!(err.code(), "format_not_compiled");
    }
}
