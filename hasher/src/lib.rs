//! disrupt-hasher: everything disrupt computes from media, with no I/O, no async and no HTTP.
//!
//! # Layout
//! - [`fuzzing`]: what the fuzz targets (`fuzz/`) run, shared with their corpus regression test.
//! - [`error`]: the crate's one error type, with stable machine-readable codes.
//! - [`decode`]: still images (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC, AVIF) to 8-bit RGB, with size limits
//!   and content sniffing.
//! - [`index`]: exact in-memory match indexes: PDQ range search (multi-index hashing), MD5/SHA-256, videos.
//! - [`digest`]: MD5 and SHA-256 of file bytes, as exchanged by StopNCII, NCMEC and GIFCT.
//! - [`media`]: one entry point that sniffs a file and hashes it as an image or a video, with its digests.
//! - [`pdq`]: the PDQ perceptual image hash and its eight dihedral variants, bit-exact with Meta's reference.
//! - [`robust`]: views and candidates that catch crops, borders, screenshots and small rotations PDQ misses.
//! - [`testdata`]: where tests, benchmarks and examples find Meta's reference fixtures.
//! - [`video`]: vPDQ per-frame hashes of videos (decoding behind the `video` feature) and video matching.
//! - `wire` (feature `wire`): a file's hashes as disrupt-openapi's wire values, for the server and the CLI.
#![deny(missing_docs)]

pub mod decode;
pub mod digest;
pub mod error;
pub mod fuzzing;
pub mod index;
pub mod media;
pub mod pdq;
pub mod robust;
pub mod testdata;
pub mod video;
#[cfg(feature = "wire")]
pub mod wire;

pub use error::{Error, Result};
