//! disrupt-hasher: everything disrupt computes from media, with no I/O, no async and no HTTP.
//!
//! # Layout
//! - [`error`]: the crate's one error type, with stable machine-readable codes.
//! - [`decode`]: still images (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC, AVIF) to 8-bit RGB, with size limits
//!   and content sniffing.
//! - [`digest`]: MD5 and SHA-256 of file bytes, as exchanged by StopNCII, NCMEC and GIFCT.
#![deny(missing_docs)]

pub mod decode;
pub mod digest;
pub mod error;

pub use error::{Error, Result};
