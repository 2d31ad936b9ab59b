//! Request bodies and hash formats: case, match and feedback bodies, hash strings, video frame lists in both
//! exchanged formats.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    disrupt_fuzz::openapi::fuzzing::wire(data);
    disrupt_fuzz::hasher::fuzzing::frame_formats(data);
});
