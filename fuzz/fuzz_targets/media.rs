//! Media as uploaded: sniffing, image decoding (with its limits), EXIF orientation, PDQ and its dihedral
//! variants, video decoding through FFmpeg from memory, MD5 and SHA-256.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    disrupt_fuzz::hasher::fuzzing::media(data);
});
