//! The hashes of one file as the API carries them (`disrupt-openapi`'s wire types): what the server's upload
//! routes and the CLI both send, converted in this one place so they cannot drift apart. Behind the `wire`
//! feature; the WebAssembly build builds its JSON in JavaScript and leaves it off.

use disrupt_openapi::hash::{InvalidHash, PdqHex};
use disrupt_openapi::matching::{self as w, ImageCandidates};
use disrupt_openapi::model::{HashValue, PdqView, ViewRegion};

use crate::media::{ImageHashes, MediaHashes};
use crate::robust::{CandidateKind, Candidates, Region, View};

/// The wire values of one file's hashes, as a case or a match request carries them: PDQ with its quality and the
/// views hashed with it (images; a match query has none) or the frame list (videos; a query video inside bars,
/// hashed with [`crate::media::MediaOptions::query`], has a second list, its frames inside the bars), then MD5 and
/// SHA-256.
///
/// PDQ hashes convert from their bytes and cannot fail; the digests are parsed from their hex text, and a digest
/// that does not parse is an error (never a value left out: a case or a query missing a digest would look
/// complete).
pub fn hash_values(hashes: &MediaHashes) -> Result<Vec<HashValue>, InvalidHash> {
    let mut values = Vec::with_capacity(3);
    match hashes {
        MediaHashes::Image { image, .. } => values.push(HashValue::Pdq {
            hash: PdqHex::from_bytes(image.pdq.hash.as_bytes()),
            quality: Some(image.pdq.quality),
            views: views(image),
        }),
        #[cfg(feature = "video")]
        MediaHashes::Video { video, .. } => {
            values.push(video_value(&video.frames, &video.squares));
            // A query's frames hashed inside its bars go as a second video value, searched like the first: a
            // listed video re-uploaded letterboxed or pillarboxed matches through them.
            if let Some(trimmed) = &video.trimmed {
                values.push(video_value(&trimmed.frames, &[]));
            }
        }
    }
    let digests = hashes.digests();
    values.push(HashValue::Md5 { hash: digests.md5.parse()? });
    values.push(HashValue::Sha256 { hash: digests.sha256.parse()? });
    Ok(values)
}

/// A video's frames on the wire, each with its centred squares when the listed side hashed them (`squares` is
/// empty or parallel to `frames`).
#[cfg(feature = "video")]
fn video_value(frames: &[crate::video::FrameHash], squares: &[Vec<View>]) -> HashValue {
    HashValue::Video {
        frames: frames
            .iter()
            .enumerate()
            .map(|(n, f)| disrupt_openapi::model::VideoFrame {
                frame: f.frame,
                timestamp: f.timestamp,
                pdq: PdqHex::from_bytes(f.pdq.as_bytes()),
                quality: f.quality,
                views: squares.get(n).map_or_else(Vec::new, |views| views.iter().map(view).collect()),
            })
            .collect(),
    }
}

/// One view on the wire, its region rounded to the wire's units (as every client rounds it).
pub fn view(view: &View) -> PdqView {
    PdqView { hash: PdqHex::from_bytes(view.hash.as_bytes()), quality: view.quality, region: region(&view.region) }
}

/// A region on the wire: rounded to the wire's units, with its turn.
pub fn region(region: &Region) -> ViewRegion {
    let [x, y, width, height] = region.to_units();
    ViewRegion { x, y, width, height, turn: region.turn }
}

/// An image's views on the wire: its inner squares (its first view is the image's own hash, which the PDQ value
/// carries already).
pub fn views(image: &ImageHashes) -> Vec<PdqView> {
    image.views.iter().skip(1).map(view).collect()
}

/// An image's candidates ([`crate::robust::candidates_rgb`], or `MediaOptions { candidates: true, .. }`), as
/// `POST /v1/match` takes them in `images`.
pub fn image_candidates(candidates: &Candidates) -> ImageCandidates {
    ImageCandidates {
        turns: candidates.turns.clone(),
        candidates: candidates
            .list
            .iter()
            .map(|c| w::Candidate {
                kind: match c.kind {
                    CandidateKind::Whole => w::CandidateKind::Whole,
                    CandidateKind::Inner => w::CandidateKind::Framed,
                    CandidateKind::Window => w::CandidateKind::Window,
                    CandidateKind::Half => w::CandidateKind::Half,
                },
                frame: c.frame,
                rect: [c.rect.x0, c.rect.y0, c.rect.x1, c.rect.y1],
                quality: c.quality,
                // Whole and framed pictures' eight variants come in dihedral order, a window's or a half's two as
                // it is then mirrored: the order the wire's kinds say.
                hashes: c.hashes.iter().map(|(_, hash)| PdqHex::from_bytes(hash.as_bytes())).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::media::{MediaOptions, hash_media};

    fn png() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([(x * 3) as u8, (y * 4) as u8, ((x ^ y) * 5) as u8]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn an_image_gives_its_pdq_with_views_then_its_digests() {
        let hashes = hash_media(&png(), &MediaOptions { views: true, ..MediaOptions::default() }).unwrap();
        let MediaHashes::Image { image, digests } = &hashes else { panic!("an image") };
        let values = hash_values(&hashes).unwrap();
        let [HashValue::Pdq { hash, quality, views }, HashValue::Md5 { hash: md5 }, HashValue::Sha256 { hash: sha }] =
            values.as_slice()
        else {
            panic!("pdq, md5, sha256: {values:?}")
        };
        assert_eq!(hash.as_str(), image.pdq.hash.to_string());
        assert_eq!(*quality, Some(image.pdq.quality));
        assert_eq!(views.len(), image.views.len() - 1, "the image's own hash is not repeated as a view");
        assert!(views.iter().all(|v| v.validate().is_ok()));
        assert_eq!((md5.as_str(), sha.as_str()), (digests.md5.as_str(), digests.sha256.as_str()));
        values.iter().for_each(|v| v.validate().unwrap());
    }

    #[test]
    fn a_digest_that_does_not_parse_is_an_error_not_a_missing_value() {
        let mut hashes = hash_media(&png(), &MediaOptions::default()).unwrap();
        let MediaHashes::Image { digests, .. } = &mut hashes else { panic!("an image") };
        digests.md5.truncate(31);
        let err = hash_values(&hashes).unwrap_err();
        assert_eq!(err.kind, "md5");
    }
}
