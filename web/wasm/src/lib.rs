//! disrupt-wasm: the bindings the victims' web page calls (from a Web Worker) to hash files in the browser.
//!
//! The media never leaves the page: JavaScript hands a file's bytes (or a video frame's pixels) to these
//! functions and gets back only hashes, which are all it sends to the server. The computation is the hasher's
//! own, so the browser gives the same hashes as `disrupt hash` (EXIF orientation applied).
//!
//! Errors come back to JavaScript as `{code, message}` objects, `code` being the hasher's stable error code.
#![deny(missing_docs)]

use serde::Serialize;
use wasm_bindgen::prelude::*;

use disrupt_hasher::digest::FileDigests;
use disrupt_hasher::media::{self, MediaOptions};
use disrupt_hasher::{pdq, robust, video};

/// The hashes of one image file, as the page shows and submits them.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ImageHashes {
    /// PDQ hash, 64 lower-case hex digits.
    pub pdq: String,
    /// PDQ quality, 0 to 100 (below 50: unreliable).
    pub quality: u8,
    /// MD5 of the file bytes, 32 hex digits.
    pub md5: String,
    /// SHA-256 of the file bytes, 64 hex digits.
    pub sha256: String,
    /// Width in pixels, after EXIF orientation.
    pub width: u32,
    /// Height in pixels, after EXIF orientation.
    pub height: u32,
    /// The PDQ hashes of squares inside the image, sent with its hash so that crops and altered copies match
    /// (the wire's `PdqView`).
    pub views: Vec<View>,
}

/// The PDQ hash of a square inside an image, shaped as the wire's `PdqView`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct View {
    /// PDQ hash, 64 lower-case hex digits.
    pub hash: String,
    /// PDQ quality, 0 to 100.
    pub quality: u8,
    /// Where the square lies, in 1/10,000 of the image's sides.
    pub region: Region,
}

/// A view's region: `x` and `width` in 1/10,000 of the image's width, `y` and `height` of its height.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Region {
    /// Left edge.
    pub x: u16,
    /// Top edge.
    pub y: u16,
    /// Width.
    pub width: u16,
    /// Height.
    pub height: u16,
    /// Degrees the image is turned by before the square is cut (the wire's `ViewRegion.turn`); absent when 0.
    #[serde(skip_serializing_if = "is_upright")]
    pub turn: i8,
}

fn is_upright(turn: &i8) -> bool {
    *turn == 0
}

impl From<&robust::View> for View {
    fn from(view: &robust::View) -> Self {
        let [x, y, width, height] = view.region.to_units();
        let turn = view.region.turn;
        View { hash: view.hash.to_string(), quality: view.quality, region: Region { x, y, width, height, turn } }
    }
}

/// The PDQ hash of one video frame, and those of the squares centred in it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct FrameHash {
    /// PDQ hash, 64 lower-case hex digits.
    pub pdq: String,
    /// PDQ quality, 0 to 100.
    pub quality: u8,
    /// The frame's centred squares (`disrupt_hasher::video::squares`), which a cropped re-encode still contains;
    /// none for a frame under quality 50. The page sends them with the first frame of each distinct hash only,
    /// as `disrupt hash` does.
    pub views: Vec<View>,
}

/// The error object JavaScript receives.
#[derive(Debug, Serialize)]
struct HashError {
    code: &'static str,
    message: String,
}

/// Decodes an image file (JPEG, PNG, WebP, GIF, BMP, TIFF), applies its EXIF orientation and returns
/// `{pdq, quality, md5, sha256, width, height, views: [{hash, quality, region: {x, y, width, height}}]}`.
#[wasm_bindgen]
pub fn hash_image(bytes: &[u8]) -> Result<JsValue, JsValue> {
    to_js(&image_hashes(bytes).map_err(hash_error)?)
}

/// MD5 and SHA-256 of a file's bytes, as `{md5, sha256}` (videos: their frames are hashed by [`hash_rgba`]).
#[wasm_bindgen]
pub fn digest_file(bytes: &[u8]) -> Result<JsValue, JsValue> {
    to_js(&FileDigests::of(bytes))
}

/// PDQ of a frame drawn on a canvas: `pixels` is `ImageData.data` (RGBA, 4 bytes a pixel, no padding).
/// Returns `{pdq, quality, views: [{hash, quality, region}]}`.
#[wasm_bindgen]
pub fn hash_rgba(pixels: &[u8], width: u32, height: u32) -> Result<JsValue, JsValue> {
    to_js(&frame_hash(pixels, width, height).map_err(hash_error)?)
}

/// What [`hash_image`] computes, without the JavaScript conversion (so the host can test it). The hasher's own
/// image path, the one `disrupt hash` and the server take, so the page lists an image exactly as they do.
pub fn image_hashes(bytes: &[u8]) -> disrupt_hasher::Result<ImageHashes> {
    let image = media::hash_image(bytes, &MediaOptions { views: true, ..MediaOptions::default() })?;
    let FileDigests { md5, sha256 } = FileDigests::of(bytes);
    Ok(ImageHashes {
        pdq: image.pdq.hash.to_string(),
        quality: image.pdq.quality,
        md5,
        sha256,
        width: image.width,
        height: image.height,
        // The first view is the image's own hash, given above.
        views: image.views.iter().skip(1).map(View::from).collect(),
    })
}

/// What [`hash_rgba`] computes, without the JavaScript conversion.
pub fn frame_hash(pixels: &[u8], width: u32, height: u32) -> disrupt_hasher::Result<FrameHash> {
    let (w, h) = (width as usize, height as usize);
    let expected = w.checked_mul(h).and_then(|n| n.checked_mul(4));
    if w == 0 || h == 0 || expected != Some(pixels.len()) {
        return Err(disrupt_hasher::Error::Corrupt(format!(
            "{} bytes of RGBA for a {width}x{height} frame",
            pixels.len()
        )));
    }
    let rgb: Vec<u8> = pixels.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let hash = pdq::hash_rgb(&rgb, w, h, w * 3);
    let views = match hash.quality >= pdq::QUALITY_THRESHOLD {
        true => video::squares::frame_views_rgb(&rgb, w, h, w * 3).iter().map(View::from).collect(),
        false => Vec::new(),
    };
    Ok(FrameHash { pdq: hash.hash.to_string(), quality: hash.quality, views })
}

fn hash_error(e: disrupt_hasher::Error) -> JsValue {
    to_js(&HashError { code: e.code(), message: e.to_string() }).unwrap_or_else(|e| e)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // Plain objects, not Maps, so the page can read fields and pass them to postMessage and JSON.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(JsValue::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_with_the_wrong_number_of_bytes_is_an_error_not_a_panic() {
        assert!(frame_hash(&[0; 4 * 10], 4, 4).is_err());
        assert!(frame_hash(&[], 0, 0).is_err());
    }

    #[test]
    fn rgba_frames_hash_like_the_same_rgb_pixels() {
        let (w, h) = (64usize, 48usize);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| ((i * 37) % 251) as u8).collect();
        let rgba: Vec<u8> = rgb.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let expected = pdq::hash_rgb(&rgb, w, h, w * 3);
        let frame = frame_hash(&rgba, w as u32, h as u32).expect("hash");
        assert_eq!(frame.pdq, expected.hash.to_string());
        assert_eq!(frame.quality, expected.quality);
    }

    #[test]
    fn a_frame_keeps_its_centred_squares_as_the_hasher_computes_them() {
        let bytes = disrupt_hasher::testdata::read("pdq/data/bridge-mods/aaa-orig.jpg");
        let rgb = decode::decode_rgb(&bytes, &DecodeOptions::default()).expect("decode");
        let (w, h) = (rgb.width as usize, rgb.height as usize);
        let rgba: Vec<u8> = rgb.pixels.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let frame = frame_hash(&rgba, w as u32, h as u32).expect("hash");
        let squares = video::squares::frame_views_rgb(&rgb.pixels, w, h, w * 3);
        assert_eq!(squares.len(), 2);
        assert_eq!(frame.views, squares.iter().map(View::from).collect::<Vec<_>>());
    }

    use disrupt_hasher::decode::{self, DecodeOptions};

    #[test]
    fn images_hash_like_the_hasher_does() {
        let bytes = disrupt_hasher::testdata::read("pdq/data/bridge-mods/aaa-orig.jpg");
        let ours = image_hashes(&bytes).expect("hash");
        let rgb = decode::decode_rgb(&bytes, &DecodeOptions::default()).expect("decode");
        let (w, h) = (rgb.width as usize, rgb.height as usize);
        assert_eq!(ours.pdq, pdq::hash_rgb(&rgb.pixels, w, h, w * 3).hash.to_string());
        assert_eq!(ours.md5, FileDigests::of(&bytes).md5);
        let views = robust::views_rgb(&rgb.pixels, w, h, w * 3);
        assert!(ours.views.len() >= 8, "{:?}", ours.views);
        assert_eq!(ours.views, views[1..].iter().map(View::from).collect::<Vec<_>>());
    }
}
