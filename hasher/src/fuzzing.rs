//! Entry points for the fuzz targets (`fuzz/`, cargo fuzz) and their regression test over the committed corpus:
//! untrusted bytes in, no panic out, whatever the input. Errors are expected and fine.

use crate::media::{MediaOptions, hash_media};

/// Media as uploaded: sniffing, image decoding with its limits, PDQ and its dihedral variants, video decoding
/// (with the `video` feature), digests. Limits are tightened so that one input stays fast.
pub fn media(data: &[u8]) {
    let mut opts = MediaOptions { dihedral: true, ..MediaOptions::default() };
    opts.decode.limits.max_pixels = 4_000_000;
    #[cfg(feature = "video")]
    {
        opts.video.max_duration_s = 10.0;
        opts.video.max_frames_hashed = 20;
        opts.video.max_wall_time = std::time::Duration::from_secs(5);
        opts.video.threads = 1;
    }
    let _ = hash_media(data, &opts);
}

/// Video frame lists in both exchanged formats (vPDQ text lines, ThreatExchange JSON).
pub fn frame_formats(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::video::format::parse_lines(text);
        let _ = crate::video::format::from_threatexchange_json(text);
    }
}
