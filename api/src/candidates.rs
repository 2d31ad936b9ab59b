//! Query images' candidate sets as platforms send them to `POST /v1/match` (computed on their own machines by
//! `disrupt hash --candidates` or the hasher's `robust::candidates_rgb`), checked and turned into the hasher's
//! form. Such a set carries no pixels, so `robust::decide` judges it without verification (see
//! `Thresholds::unverified_support`).

use disrupt_hasher::pdq::{Dihedral, PdqHash};
use disrupt_hasher::robust::{Candidate, CandidateKind, Candidates, Rect};
use disrupt_openapi::matching::{self as w, ImageCandidates, MAX_CANDIDATES_PER_IMAGE, MAX_TURNS};

/// The variants a window's two hashes are: as it is, and mirrored left to right.
const WINDOW_VARIANTS: [Dihedral; 2] = [Dihedral::Original, disrupt_hasher::robust::MIRROR];

/// The hasher's candidates of a wire set, or what is wrong with it.
pub fn from_wire(image: &ImageCandidates) -> Result<Candidates, String> {
    if image.candidates.is_empty() || image.candidates.len() > MAX_CANDIDATES_PER_IMAGE {
        return Err(format!("an image's candidate set has 1 to {MAX_CANDIDATES_PER_IMAGE} candidates"));
    }
    if image.candidates[0].kind != w::CandidateKind::Whole {
        return Err("an image's candidate set starts with the image itself (kind whole)".into());
    }
    if image.turns.len() > MAX_TURNS || image.turns.iter().any(|d| !d.is_finite() || d.abs() > 45.0) {
        return Err(format!("turns holds at most {MAX_TURNS} finite angles of at most 45 degrees"));
    }
    let list = image
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| candidate(c, image.turns.len()).map_err(|e| format!("candidate {i}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut candidates = Candidates::from_list(list);
    candidates.turns = image.turns.clone();
    Ok(candidates)
}

fn candidate(c: &w::Candidate, turns: usize) -> Result<Candidate, String> {
    let (kind, variants): (CandidateKind, &[Dihedral]) = match c.kind {
        w::CandidateKind::Whole => (CandidateKind::Whole, &Dihedral::ALL),
        w::CandidateKind::Framed => (CandidateKind::Inner, &Dihedral::ALL),
        w::CandidateKind::Window => (CandidateKind::Window, &WINDOW_VARIANTS),
        w::CandidateKind::Half => (CandidateKind::Half, &WINDOW_VARIANTS),
    };
    if c.hashes.len() != variants.len() {
        return Err(format!("a {:?} candidate has {} hashes", c.kind, variants.len()).to_lowercase());
    }
    if usize::from(c.frame) > turns {
        return Err(format!("frame is 0 (the image) or k <= {turns} (the image turned back by turns[k - 1])"));
    }
    if c.quality.is_some_and(|q| q > 100) {
        return Err("quality is at most 100".into());
    }
    let [x0, y0, x1, y1] = c.rect;
    if !c.rect.iter().all(|v| v.is_finite() && (0.0..=1e6).contains(v)) || x1 <= x0 || y1 <= y0 {
        return Err("rect is [x0, y0, x1, y1] in pixels, with x0 < x1 and y0 < y1".into());
    }
    let hashes = variants
        .iter()
        .zip(&c.hashes)
        .map(|(variant, hex)| {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(hex.as_str(), &mut bytes).map_err(|e| e.to_string())?;
            Ok((*variant, PdqHash::from_bytes(bytes)))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Candidate { kind, frame: c.frame, rect: Rect { x0, y0, x1, y1 }, quality: c.quality, hashes })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wire(kind: w::CandidateKind, hashes: usize) -> w::Candidate {
        w::Candidate {
            kind,
            frame: 0,
            rect: [0.0, 0.0, 100.0, 80.0],
            quality: None,
            hashes: (0..hashes).map(|i| disrupt_openapi::hash::PdqHex::from_bytes(&[i as u8; 32])).collect(),
        }
    }

    fn set(candidates: Vec<w::Candidate>) -> ImageCandidates {
        ImageCandidates { turns: Vec::new(), candidates }
    }

    #[test]
    fn a_well_formed_set_keeps_its_kinds_variants_and_places() {
        let got = from_wire(&set(vec![
            wire(w::CandidateKind::Whole, 8),
            wire(w::CandidateKind::Framed, 8),
            wire(w::CandidateKind::Window, 2),
        ]))
        .unwrap();
        let kinds: Vec<CandidateKind> = got.list.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [CandidateKind::Whole, CandidateKind::Inner, CandidateKind::Window]);
        assert_eq!(got.list[2].hashes[1], (disrupt_hasher::robust::MIRROR, PdqHash::from_bytes([1; 32])));
        assert_eq!(got.list[1].hashes[7].0, Dihedral::ALL[7]);
        assert_eq!(got.list[0].rect, Rect { x0: 0.0, y0: 0.0, x1: 100.0, y1: 80.0 });
    }

    #[test]
    fn malformed_sets_are_refused() {
        let whole = || wire(w::CandidateKind::Whole, 8);
        assert!(from_wire(&set(vec![])).is_err());
        assert!(from_wire(&set(vec![wire(w::CandidateKind::Window, 2)])).is_err(), "the image itself comes first");
        assert!(from_wire(&set(vec![whole(), wire(w::CandidateKind::Window, 8)])).is_err());
        assert!(from_wire(&set(vec![wire(w::CandidateKind::Whole, 2)])).is_err());
        let mut flipped = whole();
        flipped.rect = [50.0, 0.0, 10.0, 80.0];
        assert!(from_wire(&set(vec![flipped])).is_err());
        let mut nan = whole();
        nan.rect[2] = f32::NAN;
        assert!(from_wire(&set(vec![nan])).is_err());
        let mut frame = whole();
        frame.frame = 2;
        assert!(from_wire(&set(vec![frame.clone()])).is_err(), "no turn, no frame 2");
        let mut two_turns = set(vec![frame]);
        two_turns.turns = vec![-3.0, 3.0];
        assert!(from_wire(&two_turns).is_ok(), "frame 2 of two turns");
        two_turns.candidates[0].frame = 3;
        assert!(from_wire(&two_turns).is_err(), "frame 3 of two turns");
        let mut turned = set(vec![whole()]);
        turned.turns = vec![f32::INFINITY];
        assert!(from_wire(&turned).is_err());
        turned.turns = vec![1.0; MAX_TURNS + 1];
        assert!(from_wire(&turned).is_err());
    }
}
