//! The eight rotations and flips of an image. Each changes the 16x16 DCT only by a transposition and sign
//! flips (a flip of an axis negates the odd frequencies along it), so all eight hashes come from one DCT.

use super::dct::Coefficients;
use std::sync::OnceLock;

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
    fn rule(self) -> (bool, fn(usize, usize) -> bool) {
        match self {
            Dihedral::Original => (false, |_, _| false),
            Dihedral::Rot90 => (true, |i, _| i % 2 == 0),
            Dihedral::Rot180 => (false, |i, j| (i + j) % 2 == 1),
            Dihedral::Rot270 => (true, |_, j| j % 2 == 0),
            Dihedral::FlipX => (false, |i, _| i % 2 == 0),
            Dihedral::FlipY => (false, |_, j| j % 2 == 0),
            Dihedral::FlipPlus1 => (true, |_, _| false),
            Dihedral::FlipMinus1 => (true, |i, j| (i + j) % 2 == 1),
        }
    }

    /// The coefficients of the transformed image ([`Dihedral::rule`]). Negation flips the sign bit through a
    /// mask per coefficient, made once per variant, so the loop has no call or branch per coefficient (the
    /// robust scan mirrors every window).
    pub(crate) fn apply(self, b: &Coefficients) -> Coefficients {
        static MASKS: OnceLock<[[u32; 256]; 8]> = OnceLock::new();
        let masks = MASKS.get_or_init(|| {
            std::array::from_fn(|d| {
                let (_, negate) = Dihedral::ALL[d].rule();
                std::array::from_fn(|k| if negate(k / 16, k % 16) { 1 << 31 } else { 0 })
            })
        });
        let (transpose, _) = self.rule();
        let mask = &masks[self as usize];
        let mut out = [0f32; 256];
        for (k, (o, &m)) in out.iter_mut().zip(mask).enumerate() {
            let v = if transpose { b[16 * (k % 16) + k / 16] } else { b[k] };
            *o = f32::from_bits(v.to_bits() ^ m);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_the_variants_in_declaration_order() {
        // `apply` finds a variant's sign masks by its discriminant.
        assert!(Dihedral::ALL.iter().enumerate().all(|(i, &d)| d as usize == i));
    }

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
