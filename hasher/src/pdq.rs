//! TEMP stub of the PDQ hash type so the index can be written before the pdq branch lands. Replaced by the
//! real module on merge.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A 256-bit PDQ hash, big-endian: byte 0 holds the first two hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct PdqHash([u8; 32]);

impl PdqHash {
    /// The all-zero hash.
    pub const ZERO: PdqHash = PdqHash([0; 32]);

    /// Wraps 32 big-endian bytes.
    pub fn from_bytes(b: [u8; 32]) -> Self {
        PdqHash(b)
    }

    /// The 32 big-endian bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Hamming distance.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }
}

impl FromStr for PdqHash {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s, &mut b).map_err(|e| Error::InvalidHash {
            kind: "pdq",
            reason: e.to_string(),
        })?;
        Ok(PdqHash(b))
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The eight rotations and flips of an image, in the order of the dihedral hash lists.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Dihedral {
    /// As is.
    Original,
    /// Rotated 90 degrees.
    Rot90,
    /// Rotated 180 degrees.
    Rot180,
    /// Rotated 270 degrees.
    Rot270,
    /// Flipped about the X axis.
    FlipX,
    /// Flipped about the Y axis.
    FlipY,
    /// Flipped about the main diagonal.
    FlipPlus1,
    /// Flipped about the anti-diagonal.
    FlipMinus1,
}

impl Dihedral {
    /// All eight, in list order.
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
}
