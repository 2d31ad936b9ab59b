//! Content sniffing: what kind of media some bytes are, from their magic numbers alone (never a file name).

/// The still-image formats [`decode_rgb`](super::decode_rgb) knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (JFIF/EXIF), baseline or progressive, grey, YCbCr or CMYK.
    Jpeg,
    /// PNG, any bit depth and colour type.
    Png,
    /// WebP, lossy or lossless.
    Webp,
    /// GIF (the first frame is decoded).
    Gif,
    /// Windows bitmap.
    Bmp,
    /// TIFF (and BigTIFF).
    Tiff,
    /// HEIF with an HEVC (or other non-AV1) codec: iPhone photos. Needs the `heif` feature.
    Heic,
    /// AVIF: HEIF with the AV1 codec. Needs the `heif` feature.
    Avif,
}

impl ImageFormat {
    /// Short lower-case name, as used in error messages and API responses.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
            ImageFormat::Gif => "gif",
            ImageFormat::Bmp => "bmp",
            ImageFormat::Tiff => "tiff",
            ImageFormat::Heic => "heic",
            ImageFormat::Avif => "avif",
        }
    }
}

/// What kind of media a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A still image in one of our formats.
    Image(ImageFormat),
    /// A video container (MP4/MOV/3GP, Matroska/WebM, AVI, FLV, MPEG-TS/PS, ASF): for the video hasher.
    Video,
}

/// The video containers we hash, each read by one FFmpeg demuxer chosen here, never by FFmpeg's own probing
/// (which also knows formats that open other files and URLs: DASH, HLS, concat lists, SDP, image sequences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoContainer {
    /// ISO base media (MP4, 3GP, M4V) and QuickTime.
    QuickTime,
    /// Matroska and WebM.
    Matroska,
    /// AVI (RIFF).
    Avi,
    /// Flash video.
    Flv,
    /// MPEG transport stream (and Blu-ray M2TS).
    MpegTs,
    /// MPEG program stream.
    MpegPs,
    /// ASF / WMV.
    Asf,
}

impl VideoContainer {
    /// Every container, in the order [`video_container`] tries them.
    pub const ALL: [VideoContainer; 7] = [
        VideoContainer::Avi,
        VideoContainer::QuickTime,
        VideoContainer::Matroska,
        VideoContainer::Flv,
        VideoContainer::MpegPs,
        VideoContainer::Asf,
        VideoContainer::MpegTs,
    ];

    /// The short name of FFmpeg's demuxer for this container.
    pub fn demuxer(self) -> &'static str {
        match self {
            VideoContainer::QuickTime => "mov",
            VideoContainer::Matroska => "matroska",
            VideoContainer::Avi => "avi",
            VideoContainer::Flv => "flv",
            VideoContainer::MpegTs => "mpegts",
            VideoContainer::MpegPs => "mpeg",
            VideoContainer::Asf => "asf",
        }
    }
}

/// Sniffs the media kind from the first bytes of `bytes`. `None` when nothing we know matches.
pub fn sniff(bytes: &[u8]) -> Option<MediaKind> {
    use ImageFormat::*;
    let image = |f| Some(MediaKind::Image(f));
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);

    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return image(Jpeg);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return image(Png);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return image(Gif);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return image(Webp);
    }
    if at(0, b"II*\0") || at(0, b"MM\0*") || at(0, b"II+\0") || at(0, b"MM\0+") {
        return image(Tiff);
    }
    if is_bmp(bytes) {
        return image(Bmp);
    }
    if at(4, b"ftyp") {
        return if is_ftyp(bytes) { sniff_iso_bmff(bytes) } else { None };
    }
    video_container(bytes).map(|_| MediaKind::Video)
}

/// The video container `bytes` start like, from magic numbers that leave no room for text: a file that passes
/// must be read by that container's demuxer and fail there if it is something else in disguise. An ISO base
/// media file of any brand (audio, HEIF) is `QuickTime` here; [`sniff`] tells images and videos apart.
pub fn video_container(bytes: &[u8]) -> Option<VideoContainer> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    VideoContainer::ALL.into_iter().find(|container| match container {
        VideoContainer::Avi => at(0, b"RIFF") && at(8, b"AVI "),
        VideoContainer::QuickTime => is_ftyp(bytes) || is_quicktime_without_ftyp(bytes),
        VideoContainer::Matroska => at(0, &[0x1A, 0x45, 0xDF, 0xA3]),
        // Version 1, only the audio (4) and video (1) flags, and the 9-byte header every version-1 file has.
        VideoContainer::Flv => {
            at(0, b"FLV\x01") && bytes.get(4).is_some_and(|flags| flags & !0x05 == 0) && be32(bytes, 5) == Some(9)
        }
        VideoContainer::MpegPs => at(0, &[0x00, 0x00, 0x01, 0xBA]),
        // The whole header object GUID, 75B22630-668E-11CF-A6D9-00AA0062CE6C.
        VideoContainer::Asf => at(0, &ASF_HEADER_GUID),
        VideoContainer::MpegTs => is_mpeg_ts(bytes),
    })
}

const ASF_HEADER_GUID: [u8; 16] =
    [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C];

fn be32(bytes: &[u8], offset: usize) -> Option<u32> {
    let b = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be64(bytes: &[u8], offset: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(offset..offset.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(b))
}

/// An `ftyp` box first, of a size it can have: its header, major brand and minor version (16 bytes) and whole
/// compatible brands, within the file. Text that puts `ftyp` at offset 4 (`<!--ftypisom-->`) gives a size of
/// hundreds of megabytes from its first four characters, more than any upload.
fn is_ftyp(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp")
        && be32(bytes, 0).is_some_and(|size| size >= 16 && size % 4 == 0 && u64::from(size) <= bytes.len() as u64)
}

/// QuickTime files from before the `ftyp` box start straight with a movie, data, wide or preview atom. Its
/// size must fit in the file (0: up to the end of the file; 1: a 64-bit size follows the type).
fn is_quicktime_without_ftyp(bytes: &[u8]) -> bool {
    let len = bytes.len() as u64;
    let old_atom = [b"moov", b"mdat", b"wide", b"pnot"].iter().any(|atom| bytes.get(4..8) == Some(&atom[..]));
    old_atom
        && match be32(bytes, 0) {
            Some(0) => true,
            Some(1) => be64(bytes, 8).is_some_and(|size| (16..=len).contains(&size)),
            Some(size) => (8..=len).contains(&u64::from(size)),
            None => false,
        }
}

/// "BM" alone is too weak a signature (plain text can start with it), so the DIB header size must be one of
/// the sizes the BMP versions define.
fn is_bmp(bytes: &[u8]) -> bool {
    if bytes.get(..2) != Some(b"BM") {
        return false;
    }
    let Some(dib) = bytes.get(14..18) else {
        return false;
    };
    let dib_size = u32::from_le_bytes([dib[0], dib[1], dib[2], dib[3]]);
    matches!(dib_size, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

const HEIC_BRANDS: &[&[u8; 4]] = &[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"];
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];
/// Structural HEIF brands: the codec is told by the compatible brands.
const GENERIC_HEIF_BRANDS: &[&[u8; 4]] = &[b"mif1", b"msf1", b"mif2", b"mif3"];
const VIDEO_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"isoa", b"mp41", b"mp42",
    b"mp71", b"avc1", b"qt  ", b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gp8", b"3gp9",
    b"3gg6", b"3g2a", b"3g2b", b"3g2c", b"dash", b"f4v ", b"MSNV", b"NDAS", b"XAVC", b"mmp4",
];

/// ISO base media files (MP4, MOV, HEIF, AVIF) share the `ftyp` box; its major and compatible brands tell them
/// apart. Image brands win over video brands among the compatible ones, as an AVIF or HEIC file may also list
/// `iso8`/`mp41`.
fn sniff_iso_bmff(bytes: &[u8]) -> Option<MediaKind> {
    let box_size = bytes.get(0..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)?;
    let major: &[u8; 4] = bytes.get(8..12)?.try_into().ok()?;
    let end = box_size.clamp(16, 16 + 4 * 64).min(bytes.len());
    let compatible: Vec<&[u8; 4]> =
        bytes.get(16..end).unwrap_or_default().chunks_exact(4).filter_map(|c| c.try_into().ok()).collect();
    let has = |set: &[&[u8; 4]], brand: &[u8; 4]| set.contains(&brand);

    if has(AVIF_BRANDS, major) {
        return Some(MediaKind::Image(ImageFormat::Avif));
    }
    if has(HEIC_BRANDS, major) {
        return Some(MediaKind::Image(ImageFormat::Heic));
    }
    if has(GENERIC_HEIF_BRANDS, major) {
        if compatible.iter().any(|b| has(AVIF_BRANDS, b)) {
            return Some(MediaKind::Image(ImageFormat::Avif));
        }
        return Some(MediaKind::Image(ImageFormat::Heic));
    }
    if compatible.iter().any(|b| has(AVIF_BRANDS, b)) {
        return Some(MediaKind::Image(ImageFormat::Avif));
    }
    if compatible.iter().any(|b| has(HEIC_BRANDS, b)) {
        return Some(MediaKind::Image(ImageFormat::Heic));
    }
    let video_like = |b: &[u8; 4]| has(VIDEO_BRANDS, b) || b.starts_with(b"3gp") || b.starts_with(b"3g2");
    if video_like(major) || compatible.iter().any(|b| video_like(b)) {
        return Some(MediaKind::Video);
    }
    None
}

/// MPEG transport streams have no header, only a sync byte every 188 bytes (192 in Blu-ray M2TS, which adds a
/// 4-byte time code before each packet). Two sync bytes in a row make a false positive unlikely.
fn is_mpeg_ts(bytes: &[u8]) -> bool {
    let synced = |first: usize, packet: usize| {
        bytes.len() > first + packet && (0..3).all(|i| bytes.get(first + i * packet).is_none_or(|&b| b == 0x47))
    };
    synced(0, 188) || synced(4, 192)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len() as u32;
        let mut b = size.to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0; 16]);
        b
    }

    #[test]
    fn sniffs_still_image_magic_numbers() {
        let img = |f| Some(MediaKind::Image(f));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), img(ImageFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), img(ImageFormat::Png));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), img(ImageFormat::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), img(ImageFormat::Webp));
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), img(ImageFormat::Tiff));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), img(ImageFormat::Tiff));
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0; 12]);
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(sniff(&bmp), img(ImageFormat::Bmp));
    }

    #[test]
    fn sniffs_heif_brands() {
        let img = |f| Some(MediaKind::Image(f));
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), img(ImageFormat::Heic));
        assert_eq!(sniff(&ftyp(b"heix", &[])), img(ImageFormat::Heic));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"heic"])), img(ImageFormat::Heic));
        assert_eq!(sniff(&ftyp(b"msf1", &[b"hevc"])), img(ImageFormat::Heic));
        assert_eq!(sniff(&ftyp(b"hevc", &[])), img(ImageFormat::Heic));
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), img(ImageFormat::Avif));
        assert_eq!(sniff(&ftyp(b"avis", &[])), img(ImageFormat::Avif));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"avif", b"miaf"])), img(ImageFormat::Avif));
    }

    #[test]
    fn sniffs_video_containers() {
        let video = Some(MediaKind::Video);
        for brand in [b"isom", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"3g2a", b"avc1"] {
            assert_eq!(sniff(&ftyp(brand, &[])), video, "{}", String::from_utf8_lossy(brand));
        }
        assert_eq!(sniff(&ftyp(b"XYZW", &[b"isom"])), video);
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81]), video);
        assert_eq!(sniff(b"RIFF\x24\0\0\0AVI LIST"), video);
        assert_eq!(sniff(b"FLV\x01\x05\0\0\0\x09"), video);
        assert_eq!(sniff(&[0, 0, 1, 0xBA, 0x44]), video);
        assert_eq!(sniff(b"\0\0\0\x08wide\0\0\0\0mdat"), video);
        let mut ts = vec![0u8; 188 * 3];
        for i in 0..3 {
            ts[i * 188] = 0x47;
        }
        assert_eq!(sniff(&ts), video);
    }

    #[test]
    fn rejects_unknown_and_weak_signatures() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello world, this is text"), None);
        assert_eq!(sniff(b"BMW is a car brand, not a bitmap"), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(&ftyp(b"M4A ", &[b"M4A "])), None);
        assert_eq!(sniff(&[0x47; 10]), None);
        assert_eq!(sniff(b"\0\0\0\x14ftyp"), None);
    }

    #[test]
    fn names_the_demuxer_of_each_container() {
        let container = |bytes: &[u8]| video_container(bytes).map(VideoContainer::demuxer);
        assert_eq!(container(&ftyp(b"isom", &[])), Some("mov"));
        // Audio and HEIF files are ISO base media too: the video hasher finds no video stream in them.
        assert_eq!(container(&ftyp(b"M4A ", &[])), Some("mov"));
        assert_eq!(container(b"\0\0\0\x08wide\0\0\0\0mdat"), Some("mov"));
        assert_eq!(container(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81]), Some("matroska"));
        assert_eq!(container(b"RIFF\x24\0\0\0AVI LIST"), Some("avi"));
        assert_eq!(container(b"FLV\x01\x05\0\0\0\x09"), Some("flv"));
        assert_eq!(container(&[0, 0, 1, 0xBA, 0x44]), Some("mpeg"));
        assert_eq!(container(&ASF_HEADER_GUID), Some("asf"));
        let mut ts = vec![0u8; 188 * 3];
        for i in 0..3 {
            ts[i * 188] = 0x47;
        }
        assert_eq!(container(&ts), Some("mpegts"));
        assert_eq!(container(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), None);
    }

    /// Text whose bytes 4..8 spell an atom type (an XML comment `<!--wide-->` holding a DASH manifest) reads as
    /// an atom of hundreds of megabytes; real atoms fit in their file.
    #[test]
    fn atoms_must_fit_in_the_file() {
        let manifest = b"<MPD><BaseURL>http://127.0.0.1:9/x.mp4</BaseURL></MPD>";
        for prefix in [&b"<!--wide-->"[..], b"<!--ftypisom-->", b"<!--moov-->", b"<!--mdat-->", b"<!--pnot-->"] {
            let file = [prefix, &manifest[..]].concat();
            assert_eq!(sniff(&file), None, "{}", String::from_utf8_lossy(prefix));
            assert_eq!(video_container(&file), None, "{}", String::from_utf8_lossy(prefix));
        }
        assert_eq!(video_container(b"\0\0\0\x07wide\0\0\0\0"), None, "smaller than its own header");
        assert_eq!(video_container(b"\0\0\0\x00mdat\0\0\0\0"), Some(VideoContainer::QuickTime), "up to the end");
        let mut large = b"\0\0\0\x01mdat".to_vec();
        large.extend_from_slice(&24u64.to_be_bytes());
        large.extend_from_slice(&[0; 8]);
        assert_eq!(video_container(&large), Some(VideoContainer::QuickTime), "64-bit size");
        large[15] = 25;
        assert_eq!(video_container(&large), None, "64-bit size past the end");
        // ftyp: 16 bytes at least, whole brands.
        assert_eq!(sniff(b"\0\0\0\x12ftypisom\0\0\0\0\0\0"), None);
        let mut cut = ftyp(b"isom", &[b"mp41"]);
        cut.truncate(19);
        assert_eq!(sniff(&cut), None);
        // The other magic numbers are whole headers, not prefixes text can start with.
        assert_eq!(video_container(b"FLV\x01<MPD></MPD>"), None);
        assert_eq!(video_container(&[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, b'<', b'M']), None);
    }
}
