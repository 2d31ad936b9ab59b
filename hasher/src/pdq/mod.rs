//! PDQ, Meta's 256-bit perceptual image hash, bit-exact with the reference implementation on the same RGB
//! pixels (see `shared/spec/PDQ.md`), and its eight dihedral variants.
//!
//! The pipeline: RGB to f32 luma (`blur`), two passes of a Jarosz box blur, point-sampling to 64x64,
//! the quality score (`quality`), the 16x16 low-frequency DCT, and one bit per coefficient above the
//! median (`dct`). The dihedral variants re-threshold the same DCT (`dihedral`).

pub(crate) mod blur;
pub(crate) mod dct;
pub(crate) mod dihedral;
mod hash;
pub(crate) mod quality;

pub use dihedral::Dihedral;
pub use hash::PdqHash;

/// Hashes with a quality below this are unreliable (too flat or too small); the exchange libraries drop them.
pub const QUALITY_THRESHOLD: u8 = 50;

/// Two PDQ hashes match when their Hamming distance is at most this (out of 256).
pub const MATCH_DISTANCE: u32 = 31;

/// The PDQ hash of an image and its quality.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Pdq {
    /// The hash.
    pub hash: PdqHash,
    /// 0..=100: how much detail the image has. Below [`QUALITY_THRESHOLD`] the hash is unreliable.
    pub quality: u8,
}

impl Pdq {
    /// Whether the quality reaches [`QUALITY_THRESHOLD`].
    pub fn is_reliable(&self) -> bool {
        self.quality >= QUALITY_THRESHOLD
    }
}

/// The hashes of the eight rotations and flips of an image, from one DCT.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PdqDihedral {
    /// Indexed like [`Dihedral::ALL`]: orig, rot90, rot180, rot270, flipx, flipy, flip+1, flip-1.
    pub hashes: [PdqHash; 8],
    /// The quality, the same for all eight.
    pub quality: u8,
}

impl PdqDihedral {
    /// The hash of one variant.
    pub fn get(&self, variant: Dihedral) -> PdqHash {
        self.hashes[variant as usize]
    }

    /// The hash of the image as given, with the quality.
    pub fn original(&self) -> Pdq {
        Pdq { hash: self.hashes[0], quality: self.quality }
    }
}

/// The PDQ hash of packed RGB24 pixels: `height` rows of `width` pixels, each row starting `stride` bytes
/// after the previous one. Images narrower or lower than 5 pixels get [`PdqHash::ZERO`] with quality 0.
///
/// # Panics
/// On a caller bug: `stride < 3 * width`, or `pixels` shorter than `stride * (height - 1) + 3 * width`.
pub fn hash_rgb(pixels: &[u8], width: usize, height: usize, stride: usize) -> Pdq {
    match coefficients(pixels, width, height, stride) {
        Some((b, quality)) => Pdq { hash: dct::threshold(&b), quality },
        None => Pdq { hash: PdqHash::ZERO, quality: 0 },
    }
}

/// The eight dihedral hashes of packed RGB24 pixels (see [`hash_rgb`] for the layout and panics).
pub fn hash_rgb_dihedral(pixels: &[u8], width: usize, height: usize, stride: usize) -> PdqDihedral {
    match coefficients(pixels, width, height, stride) {
        Some((b, quality)) => {
            PdqDihedral { hashes: Dihedral::ALL.map(|variant| dct::threshold(&variant.apply(&b))), quality }
        }
        None => PdqDihedral { hashes: [PdqHash::ZERO; 8], quality: 0 },
    }
}

/// The 16x16 DCT and the quality, or `None` when the image is too small to hash.
fn coefficients(pixels: &[u8], width: usize, height: usize, stride: usize) -> Option<(dct::Coefficients, u8)> {
    assert!(stride >= 3 * width, "stride {stride} < 3 * width {width}");
    if height > 0 {
        let needed = stride.saturating_mul(height - 1).saturating_add(3 * width);
        assert!(pixels.len() >= needed, "{} pixel bytes, need {needed}", pixels.len());
    }
    if width < 5 || height < 5 {
        return None;
    }
    let buffer = blur::blurred_64x64(pixels, width, height, stride);
    Some((dct::dct_64_to_16(&buffer), quality::quality(&buffer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(width: usize, height: usize, rgb: [u8; 3]) -> Vec<u8> {
        rgb.repeat(width * height)
    }

    #[test]
    fn images_under_five_pixels_get_the_zero_hash() {
        for (w, h) in [(0, 0), (4, 100), (100, 4), (1, 1)] {
            let px = solid(w, h, [200, 10, 30]);
            let pdq = hash_rgb(&px, w, h, 3 * w);
            assert_eq!(pdq, Pdq { hash: PdqHash::ZERO, quality: 0 });
            assert!(!pdq.is_reliable());
            let dih = hash_rgb_dihedral(&px, w, h, 3 * w);
            assert_eq!(dih.hashes, [PdqHash::ZERO; 8]);
        }
        assert_eq!(hash_rgb(&solid(5, 5, [9, 9, 9]), 5, 5, 15).quality, 0);
    }

    /// The DCT of a flat image is pure rounding noise, so these hashes (from Meta's reference through PyPI
    /// `pdqhash` 0.2.8 on `np.full((h, w, 3), v)`) pin every rounding step of ours to the reference's.
    #[test]
    fn flat_images_have_quality_zero_and_the_reference_hash() {
        for (w, h, v, expected) in [
            (100, 80, 128, "000000002c4b11342c4b2c4b0000554b00002c4b113411342c4b585e2c4b017e"),
            (64, 64, 255, "00001134000011342c4b00002c4b1134000000002c4b2c4b00002c4b8200554b"),
            (100, 80, 0, "0000000000000000000000000000000000000000000000000000000000000000"),
        ] {
            let pdq = hash_rgb(&solid(w, h, [v; 3]), w, h, 3 * w);
            assert_eq!((pdq.hash.to_string().as_str(), pdq.quality), (expected, 0), "{w}x{h} of {v}");
        }
    }

    #[test]
    fn stride_padding_is_ignored() {
        let (w, h) = (37, 23);
        let packed: Vec<u8> = (0..w * h * 3).map(|k| (k * 7 % 251) as u8).collect();
        let mut padded = vec![0xEE; (3 * w + 5) * h];
        for y in 0..h {
            padded[y * (3 * w + 5)..][..3 * w].copy_from_slice(&packed[y * 3 * w..][..3 * w]);
        }
        assert_eq!(hash_rgb(&packed, w, h, 3 * w), hash_rgb(&padded, w, h, 3 * w + 5));
    }

    #[test]
    #[should_panic(expected = "pixel bytes")]
    fn short_pixel_buffer_is_a_caller_bug() {
        hash_rgb(&[0; 10], 5, 5, 15);
    }
}
