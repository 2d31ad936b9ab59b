//! PDQ of a region of a [`LumaPlane`]: the region's 64x64 cell means go through PDQ's own DCT, quality and
//! median threshold. The cell means are box averages where PDQ proper blurs with two box passes and samples; on
//! the same rectangle the two hashes differ by a few bits, so a region hash is a PDQ hash for every consumer.

use super::plane::{LumaPlane, Rect};
use crate::pdq::dct::{self, Coefficients};
use crate::pdq::{Dihedral, PdqHash, quality};

/// The DCT of one region, from which any of its eight dihedral hashes is a re-threshold.
#[derive(Clone, Debug)]
pub struct RegionPdq {
    coefficients: Box<Coefficients>,
    /// PDQ's quality of the region (0..=100).
    pub quality: u8,
}

impl RegionPdq {
    /// The region's PDQ, or `None` when it is narrower or lower than 64 plane pixels.
    pub fn of(plane: &LumaPlane, rect: &Rect) -> Option<Self> {
        Some(Self::of_cells(&*plane.cells_64(rect)?))
    }

    /// The PDQ of a region's 64x64 cell means.
    pub fn of_cells(cells: &[f32; 64 * 64]) -> Self {
        RegionPdq { coefficients: Box::new(dct::dct_64_to_16(cells)), quality: quality::quality(cells) }
    }

    /// The hash of the region as it is.
    pub fn hash(&self) -> PdqHash {
        dct::threshold(&self.coefficients)
    }

    /// The hash of one rotation or flip of the region.
    pub fn variant(&self, variant: Dihedral) -> PdqHash {
        match variant {
            Dihedral::Original => self.hash(),
            other => dct::threshold(&other.apply(&self.coefficients)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdq::hash_rgb;

    /// A deterministic photo-like texture: smooth blobs plus fine detail.
    fn texture(width: usize, height: usize, seed: u32) -> Vec<u8> {
        let mut px = Vec::with_capacity(width * height * 3);
        let s = seed as f32;
        for y in 0..height {
            for x in 0..width {
                let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
                let base = 128.0
                    + 60.0 * (u * (7.0 + s) + v * 3.0).sin()
                    + 40.0 * (v * (11.0 + s * 0.5) - u * 5.0).cos()
                    + 20.0 * ((u * 41.0 + s).sin() * (v * 37.0).cos());
                let g = base.clamp(0.0, 255.0) as u8;
                px.extend_from_slice(&[g, g.wrapping_add(17), 255 - g]);
            }
        }
        px
    }

    #[test]
    fn the_whole_plane_hashes_close_to_pdq() {
        for seed in 0..4 {
            let (w, h) = (640, 480);
            let px = texture(w, h, seed);
            let reference = hash_rgb(&px, w, h, 3 * w);
            let plane = LumaPlane::from_rgb(&px, w, h, 3 * w);
            let region = RegionPdq::of(&plane, &plane.bounds()).expect("big enough");
            let d = region.hash().distance(&reference.hash);
            assert!(d <= 16, "seed {seed}: {d} bits from PDQ");
            assert!(region.quality.abs_diff(reference.quality) <= 15, "{} vs {}", region.quality, reference.quality);
        }
    }

    #[test]
    fn variants_are_the_hashes_of_the_flipped_region() {
        let (w, h) = (300, 300);
        let px = texture(w, h, 7);
        let mut mirrored = px.clone();
        for y in 0..h {
            for x in 0..w {
                mirrored[(y * w + x) * 3..][..3].copy_from_slice(&px[(y * w + w - 1 - x) * 3..][..3]);
            }
        }
        let a = LumaPlane::from_rgb(&px, w, h, 3 * w);
        let b = LumaPlane::from_rgb(&mirrored, w, h, 3 * w);
        let ra = RegionPdq::of(&a, &a.bounds()).expect("hashable");
        let rb = RegionPdq::of(&b, &b.bounds()).expect("hashable");
        let d = [Dihedral::FlipX, Dihedral::FlipY].map(|v| ra.variant(v).distance(&rb.hash()));
        assert!(d[1] <= 8 && d[0] > 64, "mirror is FlipY: distances {d:?}");
    }
}
