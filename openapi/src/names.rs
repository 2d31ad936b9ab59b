//! Stable names of the string-like enums: the one spelling serde writes on the wire, the store keeps in Redis and
//! the audit log records.

use std::fmt;

/// A string that names no variant of a string-like enum (`"nope".parse::<HashKind>()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The enum's name, e.g. `HashKind`.
    pub type_name: &'static str,
    /// The string that was given.
    pub value: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.type_name, self.value)
    }
}

impl std::error::Error for UnknownName {}

/// Gives a string-like enum `ALL`, `as_str`, `Display` and `FromStr` with the given names. The names must be the
/// ones `#[serde(rename_all = "snake_case")]` writes: `names_agree_with_serde` checks every enum declared so.
macro_rules! string_names {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case name (sent on the wire, stored in Redis).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::names::UnknownName { type_name: stringify!($name), value: other.to_owned() }),
                }
            }
        }
    };
}
