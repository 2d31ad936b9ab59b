//! Validated hash strings. Every hash that enters the API is parsed here: wrong length or a non-hex digit is
//! rejected at deserialisation, and the value is kept in its canonical lower-case form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a hash string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidHash {
    /// Which kind of hash was expected (`pdq`, `md5`, `sha256`).
    pub kind: &'static str,
    /// How many hex digits that kind has.
    pub expected_len: usize,
}

impl fmt::Display for InvalidHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} hash is exactly {} hexadecimal digits", self.kind, self.expected_len)
    }
}

impl std::error::Error for InvalidHash {}

fn canonical_hex(s: &str, kind: &'static str, len: usize) -> Result<String, InvalidHash> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(InvalidHash { kind, expected_len: len })
    }
}

macro_rules! hex_hash {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $len:literal, $pattern:literal, $example:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String, pattern = $pattern, example = $example)]
        pub struct $name(String);

        impl $name {
            /// The kind name used in error messages and the wire format.
            pub const KIND: &'static str = $kind;
            /// Number of hex digits.
            pub const HEX_LEN: usize = $len;

            /// The canonical lower-case hex form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidHash;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                canonical_hex(s, $kind, $len).map(Self)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidHash;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(h: $name) -> String {
                h.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

hex_hash!(
    /// A 256-bit PDQ hash: 64 hex digits, either case accepted, lower case kept.
    PdqHex, "pdq", 64, "^[0-9a-fA-F]{64}$", "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
);
hex_hash!(
    /// An MD5 digest of the file bytes: 32 hex digits.
    Md5Hex, "md5", 32, "^[0-9a-fA-F]{32}$", "d41d8cd98f00b204e9800998ecf8427e"
);
hex_hash!(
    /// A SHA-256 digest of the file bytes: 64 hex digits.
    Sha256Hex, "sha256", 64, "^[0-9a-fA-F]{64}$", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
);

impl PdqHex {
    /// The hash of 32 bytes, as 64 lower-case hex digits.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        use fmt::Write;
        let mut text = String::with_capacity(64);
        for b in bytes {
            let _ = write!(text, "{b:02x}");
        }
        PdqHex(text)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn upper_case_is_accepted_and_lowered() {
        let h: Md5Hex = "D41D8CD98F00B204E9800998ECF8427E".parse().unwrap();
        assert_eq!(h.as_str(), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn wrong_length_and_non_hex_are_refused() {
        assert!("abc".parse::<PdqHex>().is_err());
        assert!("g".repeat(64).parse::<PdqHex>().is_err());
        assert!("0".repeat(63).parse::<Sha256Hex>().is_err());
        assert!(serde_json::from_str::<Md5Hex>("\"zz\"").is_err());
    }
}
