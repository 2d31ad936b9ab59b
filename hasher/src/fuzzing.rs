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

/// Files that pass for a video container at a glance yet point somewhere else: a DASH manifest behind
/// QuickTime-looking bytes (`<!--wide-->` is an XML comment whose bytes 4..8 read `wide`, the type of an old
/// QuickTime atom), with its `<BaseURL>` at `url` directly or through FFmpeg's nesting protocols (`subfile`,
/// `concat`, a `data:` URI holding an HLS playlist), and plain HLS playlists and ffconcat lists. A media
/// library that probes content and follows references would open `url` while hashing them; ours must not.
/// The fuzz corpus holds copies (`fuzz/corpus/media/seed-smuggled-*`), the hasher's and the server's tests send
/// them with `url` at a loopback listener that must see no connection.
pub fn smuggled_references(url: &str) -> Vec<(String, Vec<u8>)> {
    use base64::Engine as _;
    let hls = format!("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{url}/segment.ts\n#EXT-X-ENDLIST\n");
    let nested = [
        ("", format!("{url}/x.mp4")),
        ("subfile", format!("subfile,,start,0,end,0,,:{url}/x.mp4")),
        ("concat", format!("concat:{url}/a.mp4|{url}/b.mp4")),
        (
            "data-hls",
            format!(
                "data:application/vnd.apple.mpegurl;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&hls)
            ),
        ),
    ];
    let mut files = Vec::new();
    for atom in ["wide", "ftypisom", "moov", "mdat", "pnot"] {
        for (how, base) in &nested {
            let name = if how.is_empty() { format!("dash-{atom}") } else { format!("dash-{atom}-{how}") };
            files.push((name, format!("<!--{atom}-->{}", dash_manifest(base)).into_bytes()));
        }
    }
    files.push(("hls".into(), hls.into_bytes()));
    files.push(("ffconcat".into(), format!("ffconcat version 1.0\nfile '{url}/x.mp4'\n").into_bytes()));
    files
}

/// A static DASH manifest with one video representation whose only segment is `base_url`.
fn dash_manifest(base_url: &str) -> String {
    format!(
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\" \
         type=\"static\" mediaPresentationDuration=\"PT10S\" minBufferTime=\"PT1S\"><Period><AdaptationSet \
         mimeType=\"video/mp4\"><Representation id=\"1\" bandwidth=\"100000\" width=\"64\" height=\"64\" \
         codecs=\"avc1.42c00d\"><BaseURL>{base_url}</BaseURL></Representation></AdaptationSet></Period></MPD>\n"
    )
}
