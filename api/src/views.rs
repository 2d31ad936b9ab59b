//! An image's views as the store keeps them: in the PDQ entry's hash text, after the image's own hash.
//!
//! A listed image is one entry (one state, one case, one review, one withdrawal) whatever the number of its
//! views, so that every rule that acts on an entry acts on the whole image. The store treats hash text as opaque;
//! only this module reads or writes the views part: `HEX` alone, `HEX.VIEWS` where `VIEWS` is base64url
//! (no padding) of 41 bytes per view: its PDQ hash (32), its quality (1), its region's x, y, width and height
//! (big-endian u16 each, in 1/10,000 of the image's sides), or `HEX.VIEWS.TURNS` when a view is turned, `TURNS`
//! base64url of one signed byte per view, its turn in degrees. Text stored before turned views existed reads
//! unchanged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use disrupt_openapi::model::PdqView;

/// Bytes of one packed view.
const VIEW_BYTES: usize = 41;

/// The image's own hash (hex) and its views, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPdq<'a> {
    /// The image's own PDQ hash, 64 hex digits.
    pub hex: &'a str,
    /// Its views, in the order given at submission.
    pub views: Vec<PdqView>,
}

/// The stored text of an image's hash and views.
pub fn encode(hex: &str, views: &[PdqView]) -> String {
    if views.is_empty() {
        return hex.to_owned();
    }
    let mut packed = Vec::with_capacity(views.len() * VIEW_BYTES);
    for view in views {
        let bytes = view_bytes(view);
        packed.extend_from_slice(&bytes);
    }
    if views.iter().all(|v| v.region.turn == 0) {
        return format!("{hex}.{}", URL_SAFE_NO_PAD.encode(packed));
    }
    let turns: Vec<u8> = views.iter().map(|v| v.region.turn.to_be_bytes()[0]).collect();
    format!("{hex}.{}.{}", URL_SAFE_NO_PAD.encode(packed), URL_SAFE_NO_PAD.encode(turns))
}

fn view_bytes(view: &PdqView) -> [u8; VIEW_BYTES] {
    let mut out = [0u8; VIEW_BYTES];
    // The wire type was validated: its text is 64 hex digits.
    let _ = hex::decode_to_slice(view.hash.as_str(), &mut out[..32]);
    out[32] = view.quality;
    let r = view.region;
    for (i, v) in [r.x, r.y, r.width, r.height].into_iter().enumerate() {
        out[33 + 2 * i..35 + 2 * i].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// One view as packed in the stored text, for readers that need its bytes rather than its wire form (the match
/// index loads millions of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedView {
    /// Its PDQ hash.
    pub hash: [u8; 32],
    /// Its PDQ quality.
    pub quality: u8,
    /// Its region, `[x, y, width, height]` in 1/10,000 of the image's sides.
    pub region: [u16; 4],
    /// Its turn in degrees (0: the image as it is).
    pub turn: i8,
}

/// Splits stored PDQ text into the image's hash (hex) and its packed views; `None` when the views part is not well
/// formed.
pub fn decode_packed(text: &str) -> Option<(&str, Vec<PackedView>)> {
    let Some((hex, packed)) = text.split_once('.') else {
        return Some((text, Vec::new()));
    };
    let (packed, turns) = match packed.split_once('.') {
        Some((packed, turns)) => (packed, Some(URL_SAFE_NO_PAD.decode(turns).ok()?)),
        None => (packed, None),
    };
    let bytes = URL_SAFE_NO_PAD.decode(packed).ok()?;
    if bytes.is_empty() || bytes.len() % VIEW_BYTES != 0 {
        return None;
    }
    let count = bytes.len() / VIEW_BYTES;
    if turns.as_ref().is_some_and(|t| t.len() != count) {
        return None;
    }
    let views = bytes
        .chunks_exact(VIEW_BYTES)
        .enumerate()
        .map(|(n, b)| {
            let u16_at = |i: usize| u16::from_be_bytes([b[33 + 2 * i], b[34 + 2 * i]]);
            Some(PackedView {
                hash: <[u8; 32]>::try_from(&b[..32]).ok()?,
                quality: b[32],
                region: [u16_at(0), u16_at(1), u16_at(2), u16_at(3)],
                turn: turns.as_ref().map_or(0, |t| i8::from_be_bytes([t[n]])),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((hex, views))
}

/// Splits stored PDQ text into the image's hash and its views; `None` when the views part is not well formed.
pub fn decode(text: &str) -> Option<StoredPdq<'_>> {
    let (hex, packed) = decode_packed(text)?;
    let views = packed.iter().map(|v| PdqView::new(&v.hash, v.quality, v.region).turned(v.turn)).collect();
    Some(StoredPdq { hex, views })
}

/// The image's own hash of stored PDQ text (the text itself when it has no views).
pub fn own_hash(text: &str) -> &str {
    text.split_once('.').map_or(text, |(hex, _)| hex)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use disrupt_openapi::model::ViewRegion;

    fn view(n: u8) -> PdqView {
        PdqView {
            hash: hex::encode([n; 32]).parse().unwrap(),
            quality: 70 + n,
            region: ViewRegion { x: 100 * u16::from(n), y: 2, width: 5500, height: 7333, turn: 0 },
        }
    }

    #[test]
    fn views_round_trip_through_the_stored_text() {
        let hex = "ab".repeat(32);
        assert_eq!(encode(&hex, &[]), hex);
        assert_eq!(decode(&hex).unwrap(), StoredPdq { hex: &hex, views: vec![] });
        let views = vec![view(1), view(2), view(3)];
        let text = encode(&hex, &views);
        assert_eq!(own_hash(&text), hex);
        assert_eq!(decode(&text).unwrap(), StoredPdq { hex: &hex, views });
    }

    #[test]
    fn turned_views_keep_their_turns_and_text_without_turns_reads_as_before() {
        let hex = "ab".repeat(32);
        let plain = vec![view(1), view(2)];
        let plain_text = encode(&hex, &plain);
        assert_eq!(plain_text.matches('.').count(), 1, "no turn, no turns part: {plain_text}");
        let mut turned = plain.clone();
        turned[1].region.turn = -5;
        let text = encode(&hex, &turned);
        assert!(text.starts_with(&plain_text), "the views part is the same, the turns follow");
        assert_eq!(decode(&text).unwrap().views, turned);
        assert_eq!(decode_packed(&text).unwrap().1[1].turn, -5);
        // One turn per view, no more, no less.
        let (_, views_part) = plain_text.split_once('.').unwrap();
        assert!(decode(&format!("{hex}.{views_part}.{}", URL_SAFE_NO_PAD.encode([1u8]))).is_none());
        assert!(decode(&format!("{hex}.{views_part}.")).is_none());
    }

    #[test]
    fn the_wire_and_the_hasher_count_regions_in_the_same_units() {
        assert_eq!(disrupt_openapi::model::REGION_UNITS, disrupt_hasher::robust::REGION_UNITS);
        assert_eq!(disrupt_openapi::model::MAX_VIEWS_PER_IMAGE, disrupt_hasher::robust::views::MAX_VIEWS);
    }

    #[test]
    fn a_damaged_views_part_is_refused() {
        let hex = "ab".repeat(32);
        let text = encode(&hex, &[view(1)]);
        assert!(decode(&text[..text.len() - 3]).is_none());
        assert!(decode(&format!("{hex}.")).is_none());
        assert!(decode(&format!("{hex}.!!")).is_none());
    }
}
