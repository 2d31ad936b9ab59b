//! The 256-bit PDQ hash value: its hex form, its bytes and the Hamming distance between two hashes.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A 256-bit PDQ hash.
///
/// Bit `k` (0..256) is DCT coefficient `k`; the bytes are big-endian, so byte 0 holds bits 248..256 and
/// prints as the first two hex digits, exactly as Meta's reference prints its 16 words from the last down.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct PdqHash([u8; 32]);

impl PdqHash {
    /// The all-zero hash, given to images too small to hash.
    pub const ZERO: PdqHash = PdqHash([0; 32]);

    /// The hash with these big-endian bytes (byte 0 = the first two hex digits).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        PdqHash(bytes)
    }

    /// The big-endian bytes (byte 0 = the first two hex digits).
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The number of differing bits (0..=256). Two hashes match at [`MATCH_DISTANCE`](super::MATCH_DISTANCE) or less.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .chunks_exact(8)
            .zip(other.0.chunks_exact(8))
            .map(|(a, b)| {
                let a = u64::from_be_bytes(a.try_into().unwrap_or_default());
                let b = u64::from_be_bytes(b.try_into().unwrap_or_default());
                (a ^ b).count_ones()
            })
            .sum()
    }

    /// Whether bit `k` (0..256, coefficient order) is set.
    pub fn bit(&self, k: usize) -> bool {
        self.0[31 - k / 8] >> (k % 8) & 1 == 1
    }

    /// Sets bit `k` (0..256, coefficient order).
    #[cfg(test)]
    pub(crate) fn set_bit(&mut self, k: usize) {
        self.0[31 - k / 8] |= 1 << (k % 8);
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for PdqHash {
    type Err = Error;

    /// Parses 64 hex digits, in either case.
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidHash { kind: "pdq", reason };
        if s.len() != 64 {
            return Err(invalid(format!("expected 64 hex digits, got {} characters", s.chars().count())));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|e| invalid(e.to_string()))?;
        Ok(PdqHash(bytes))
    }
}

impl serde::Serialize for PdqHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PdqHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HexVisitor;
        impl serde::de::Visitor<'_> for HexVisitor {
            type Value = PdqHash;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a PDQ hash as 64 hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PdqHash, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(HexVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    const SAMPLE_ONES: u32 = 128;

    #[test]
    fn hex_round_trips_in_lower_case() {
        let h: PdqHash = SAMPLE.parse().expect("valid hex");
        assert_eq!(h.to_string(), SAMPLE);
        let upper: PdqHash = SAMPLE.to_uppercase().parse().expect("upper case is accepted");
        assert_eq!(upper, h);
        assert_eq!(PdqHash::from_bytes(*h.as_bytes()), h);
        assert_eq!(h.as_bytes()[0], 0xf8);
    }

    #[test]
    fn malformed_hex_is_an_invalid_hash_error() {
        for bad in ["", "abc", &SAMPLE[1..], &format!("{SAMPLE}0"), &SAMPLE.replace('f', "g")] {
            let err = bad.parse::<PdqHash>().expect_err(bad);
            assert_eq!(err.code(), "invalid_hash");
            assert!(matches!(err, Error::InvalidHash { kind: "pdq", .. }));
        }
    }

    #[test]
    fn bit_zero_is_the_last_hex_digit() {
        let mut h = PdqHash::ZERO;
        h.set_bit(0);
        assert!(h.to_string().ends_with("01"));
        let mut h = PdqHash::ZERO;
        h.set_bit(255);
        assert!(h.to_string().starts_with("80"));
        assert!(h.bit(255) && !h.bit(254));
    }

    #[test]
    fn distance_counts_differing_bits() {
        let a: PdqHash = SAMPLE.parse().expect("valid hex");
        assert_eq!(a.distance(&a), 0);
        assert_eq!(a.distance(&PdqHash::ZERO), SAMPLE_ONES);
        let mut b = a;
        b.0[3] ^= 0b1011;
        b.0[31] ^= 0x80;
        assert_eq!(a.distance(&b), 4);
        assert_eq!(PdqHash::ZERO.distance(&PdqHash::from_bytes([0xff; 32])), 256);
    }
    #[test]
    fn serde_uses_the_hex_string() {
        let h: PdqHash = SAMPLE.parse().expect("valid hex");
        let json = serde_json::to_string(&h).expect("serialises");
        assert_eq!(json, format!("\"{SAMPLE}\""));
        let back: PdqHash = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, h);
        assert!(serde_json::from_str::<PdqHash>("\"00\"").is_err());
    }
}
