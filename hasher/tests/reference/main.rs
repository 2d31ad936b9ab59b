//! The integration tests of disrupt-hasher, as one binary (one link): golden tests against Meta's reference
//! data in `shared/testdata/reference` (or `$DISRUPT_TESTDATA`).
#![allow(clippy::unwrap_used)]

mod decode;
mod pdq;
mod robust;
#[cfg(feature = "video")]
mod smuggled;
#[cfg(feature = "video")]
mod video;

pub use disrupt_hasher::testdata::reference_dir as testdata;
