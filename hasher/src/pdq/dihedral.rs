//! The eight rotations and flips of an image. Each changes the 16x16 DCT only by a transposition and sign
//! flips (a flip of an axis negates the odd frequencies along it), so all eight hashes come from one DCT.

use super::dct::Coefficients;

/// One of the eight dihedral transforms, in the order the exchange formats list them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Dihedral {
    /// The image as given.
    Original,
    /// Rotated by 90 degrees.
    Rot90,
    /// Rotated by 180 degrees.
    Rot180,
    /// Rotated by 270 degrees.
    Rot270,
    /// Mirrored across the horizontal axis.
    FlipX,
    /// Mirrored across the vertical axis.
    FlipY,
    /// Mirrored across the main diagonal (transposed).
    FlipPlus1,
    /// Mirrored across the anti-diagonal.
    FlipMinus1,
}

impl Dihedral {
    /// All eight, in the order of [`PdqDihedral::hashes`](super::PdqDihedral::hashes).
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::Rot90,
        Dihedral::Rot180,
        Dihedral::Rot270,
        Dihedral::FlipX,
        Dihedral::FlipY,
        Dihedral::FlipPlus1,
        Dihedral::FlipMinus1,
    ];

    /// The short name used by the reference tools and in the API: `orig`, `rot90`, `rot180`, `rot270`,
    /// `flipx`, `flipy`, `flip+1`, `flip-1`.
    pub const fn name(self) -> &'static str {
        match self {
            Dihedral::Original => "orig",
            Dihedral::Rot90 => "rot90",
            Dihedral::Rot180 => "rot180",
            Dihedral::Rot270 => "rot270",
            Dihedral::FlipX => "flipx",
            Dihedral::FlipY => "flipy",
            Dihedral::FlipPlus1 => "flip+1",
            Dihedral::FlipMinus1 => "flip-1",
        }
    }

    /// The coefficients of the transformed image. Output index (i, j): whether it reads the transposed
    /// input, and the sign rule on the output indices.
    pub(crate) fn apply(self, b: &Coefficients) -> Coefficients {
        let (transpose, negate): (bool, fn(usize, usize) -> bool) = match self {
            Dihedral::Original => (false, |_, _| false),
            Dihedral::Rot90 => (true, |i, _| i % 2 == 0),
            Dihedral::Rot180 => (false, |i, j| (i + j) % 2 == 1),
            Dihedral::Rot270 => (true, |_, j| j % 2 == 0),
            Dihedral::FlipX => (false, |i, _| i % 2 == 0),
            Dihedral::FlipY => (false, |_, j| j % 2 == 0),
            Dihedral::FlipPlus1 => (true, |_, _| false),
            Dihedral::FlipMinus1 => (true, |i, j| (i + j) % 2 == 1),
        };
        let mut out = [0f32; 256];
        for i in 0..16 {
            for j in 0..16 {
                let v = if transpose { b[16 * j + i] } else { b[16 * i + j] };
                out[16 * i + j] = if negate(i, j) { -v } else { v };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_reference_order() {
        let names: Vec<_> = Dihedral::ALL.iter().map(|d| d.name()).collect();
        assert_eq!(names, ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flip+1", "flip-1"]);
    }

    #[test]
    fn four_quarter_turns_are_the_identity() {
        let mut b = [0f32; 256];
        for (k, v) in b.iter_mut().enumerate() {
            *v = k as f32 + 1.0;
        }
        let mut r = b;
        for _ in 0..4 {
            r = Dihedral::Rot90.apply(&r);
        }
        assert_eq!(r, b);
        assert_eq!(Dihedral::Rot90.apply(&Dihedral::Rot90.apply(&b)), Dihedral::Rot180.apply(&b));
    }
}
