//! Whether a listed image matches a query, from the close pairs (view, candidate) a search found.
//!
//! A query brings thousands of window hashes, so pairs of inner squares and windows are many times more
//! numerous than PDQ's usual one-to-one comparison and must earn their false-positive rate again:
//! - the listed image's own hash (view 0) against a whole picture (the query, or a rectangle framed by edges)
//!   counts at PDQ's usual distance, as a plain PDQ match always has;
//! - an inner square against a window counts only when a second square, matched by another window, agrees on
//!   where the listed picture lies in the copy (its scale and offset, within a few percent), or alone when it is
//!   very close. Two unrelated pictures rarely bring two squares to the same place.
//! - when the query's planes are at hand, a window match is then verified: the placement it implies says where
//!   every other inner square of the listed image must lie in the copy; those that lie inside are hashed there,
//!   and most of them must be close to their views. Smooth pictures (night skies, water, fog) can bring two or
//!   three squares into agreement by chance; they do not bring ten. A sticker or a caption over the middle of a
//!   true copy hides part of most squares, though: when three squares or more agreed on the placement, four
//!   found where predicted suffice, whatever their share.
//! - a listed image's half (left, right, top, bottom) against the same half of the query, or of its best-framed
//!   rectangle, counts alone within [`Thresholds::half`] bits: a handful of such pairs per query, each as
//!   demanding as a plain PDQ match at half PDQ's distance. It catches a sticker over the middle of a copy, which
//!   touches every inner square but most often leaves one half clear.

use super::plane::Rect;
use super::region::RegionPdq;
use super::turn;
use super::views::{Region, View};
use super::{Candidate, CandidateKind, Candidates, MIRROR};
use crate::pdq::{Dihedral, MATCH_DISTANCE};

/// One close pair found by searching a candidate's variant among the listed views.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Hit {
    /// Index of the view among the listed image's views.
    pub view: usize,
    /// Index of the candidate in [`Candidates::list`].
    pub candidate: usize,
    /// Which of the candidate's variants matched.
    pub variant: Dihedral,
    /// Hamming distance.
    pub distance: u32,
}

/// Distances that count.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// View 0 against a whole or framed candidate.
    pub whole: u32,
    /// An inner square against a window, when another square agrees.
    pub paired: u32,
    /// An inner square against a window, alone.
    pub single: u32,
    /// A listed image's half against the same half of the query (or of a framed rectangle), alone.
    pub half: u32,
    /// How far two squares may disagree on the listed picture's place, as a fraction of its size in the copy.
    pub agreement: f32,
    /// Least quality of both sides of a square-window pair.
    pub min_quality: u8,
    /// Verification: a predicted square counts as found within this distance.
    pub verify: u32,
    /// Verification: least share of the predicted squares found.
    pub verify_share: f32,
    /// Verification of a placement that at least this many squares agreed on (matched by windows on their own):
    /// [`Thresholds::occluded_found`] predicted squares found suffice, whatever their share. A sticker, a caption
    /// or a logo over the middle of a picture hides part of every inner square near it, so a true copy may show
    /// only a third of them; chance agreement between unrelated pictures stops at two or three squares.
    pub occluded_support: usize,
    /// See [`Thresholds::occluded_support`].
    pub occluded_found: usize,
    /// Without the query's planes (a candidate set sent from elsewhere) nothing can be verified: a window's match
    /// then counts only when this many distinct squares agree on the placement (no single square counts).
    pub unverified_support: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            whole: MATCH_DISTANCE,
            paired: 31,
            single: 16,
            half: 16,
            agreement: 0.04,
            min_quality: 50,
            verify: 40,
            verify_share: 0.6,
            occluded_support: 3,
            occluded_found: 4,
            unverified_support: 3,
        }
    }
}

impl Thresholds {
    /// The largest distance any hit may have (the search radius to use).
    pub fn radius(&self) -> u32 {
        self.whole.max(self.paired).max(self.single).max(self.half)
    }
}

/// Why a listed image matched: its best pair.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Verdict {
    /// The pair.
    pub hit: Hit,
    /// How many distinct views agreed (1 for a whole match or a very close single square).
    pub support: usize,
}

/// Where a square-window pair puts the listed picture in the copy: scale and offset per axis, in the frame's
/// pixels per unit of the listed image's width and height.
#[derive(Clone, Copy, Debug)]
struct Placement {
    frame: u8,
    /// The turn of the listed picture the view was cut from ([`super::turn`]): the placement is that turn's
    /// canvas in the copy.
    turn: i8,
    mirrored: bool,
    sx: f32,
    sy: f32,
    tx: f32,
    ty: f32,
}

/// The left edge of `region` (a fraction of the width) in the picture as the copy shows it, mirrored or not.
fn left_edge(region: &Region, mirrored: bool) -> f32 {
    if mirrored { 1.0 - region.x - region.width } else { region.x }
}

fn placement(view: &View, candidate: &Candidate, variant: Dihedral) -> Placement {
    let r = view.region;
    let mirrored = variant == MIRROR;
    let sx = candidate.rect.width() / r.width;
    let sy = candidate.rect.height() / r.height;
    let x = left_edge(&r, mirrored);
    Placement {
        frame: candidate.frame,
        turn: r.turn,
        mirrored,
        sx,
        sy,
        tx: candidate.rect.x0 - sx * x,
        ty: candidate.rect.y0 - sy * r.y,
    }
}

fn agree(a: &Placement, b: &Placement, tolerance: f32) -> bool {
    let close = |u: f32, v: f32, scale: f32| (u - v).abs() <= tolerance * scale;
    a.frame == b.frame
        && a.turn == b.turn
        && a.mirrored == b.mirrored
        && close(a.sx, b.sx, a.sx)
        && close(a.sy, b.sy, a.sy)
        && close(a.tx, b.tx, a.sx)
        && close(a.ty, b.ty, a.sy)
}

/// The lesser quality of a pair's two sides (a window's is not computed: its view's stands for both).
fn quality_of(view: &View, candidate: &Candidate) -> u8 {
    candidate.quality.map_or(view.quality, |q| q.min(view.quality))
}

/// Whether the listed picture, where a half's match puts it, lies within the query (2 % of its size over at
/// most): the query's left half then matches the listed left half, not its right half shifted out of the copy.
fn in_frame(place: &Placement, candidates: &Candidates) -> bool {
    let Some(whole) = candidates.list.first().filter(|c| c.kind == CandidateKind::Whole) else {
        return false;
    };
    let (slack_x, slack_y) = (0.02 * place.sx, 0.02 * place.sy);
    place.tx >= whole.rect.x0 - slack_x
        && place.ty >= whole.rect.y0 - slack_y
        && place.tx + place.sx <= whole.rect.x1 + slack_x
        && place.ty + place.sy <= whole.rect.y1 + slack_y
}

/// The verdict for one listed image with `views`, from the `hits` of its views among `candidates`.
pub fn decide(views: &[View], candidates: &Candidates, hits: &[Hit], t: &Thresholds) -> Option<Verdict> {
    let mut best: Option<Verdict> = None;
    let better = |best: &Option<Verdict>, hit: &Hit, support: usize| match best {
        None => true,
        Some(b) => (support, std::cmp::Reverse(hit.distance)) > (b.support, std::cmp::Reverse(b.hit.distance)),
    };
    let mut squares: Vec<(Hit, Placement)> = Vec::new();
    for &hit in hits {
        let (Some(view), Some(candidate)) = (views.get(hit.view), candidates.list.get(hit.candidate)) else {
            continue;
        };
        match candidate.kind {
            CandidateKind::Whole | CandidateKind::Inner
                if view.region.is_whole() && hit.distance <= t.whole && better(&best, &hit, 1) =>
            {
                best = Some(Verdict { hit, support: 1 });
            }
            CandidateKind::Half
                if view.region.is_half()
                    && hit.distance <= t.half
                    && quality_of(view, candidate) >= t.min_quality
                    && in_frame(&placement(view, candidate, hit.variant), candidates)
                    && better(&best, &hit, 1) =>
            {
                best = Some(Verdict { hit, support: 1 });
            }
            CandidateKind::Window
                if !view.region.is_whole()
                    && hit.distance <= t.paired
                    && quality_of(view, candidate) >= t.min_quality =>
            {
                squares.push((hit, placement(view, candidate, hit.variant)));
            }
            _ => {}
        }
    }
    for (i, (hit, place)) in squares.iter().enumerate() {
        let mut agreeing: Vec<usize> = vec![hit.view];
        for (j, (other, other_place)) in squares.iter().enumerate() {
            if i != j && !agreeing.contains(&other.view) && agree(place, other_place, t.agreement) {
                agreeing.push(other.view);
            }
        }
        let support = agreeing.len();
        let counts = if candidates.frames.is_empty() {
            support >= t.unverified_support
        } else {
            support >= 2 || hit.distance <= t.single
        };
        if counts && better(&best, hit, support) && verified(views, candidates, place, support, t) {
            best = Some(Verdict { hit: *hit, support });
        }
    }
    best
}

/// One close pair as an index reports it: the listed image, which of its views (0 its own hash), the distance.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Found {
    /// The listed image, in the caller's numbering.
    pub image: u64,
    /// Which of its views.
    pub view: usize,
    /// Hamming distance.
    pub distance: u32,
}

/// The close pairs of every candidate's variants, grouped by listed image, ready for [`decide`]. `find` searches
/// the caller's index for one hash of a candidate of the given kind: whole and framed pictures against the listed
/// images' own hashes within [`Thresholds::whole`], windows against their inner squares within
/// [`Thresholds::paired`]. It may stop the search early by returning an error (a deadline).
///
/// Each hash is one index search: a query's tens of thousands of windows make this slow on a large list, where
/// [`seed_images`] then [`image_hits`] per seeded image is the way.
pub fn collect_hits<E>(
    candidates: &Candidates,
    mut find: impl FnMut(CandidateKind, &crate::pdq::PdqHash) -> Result<Vec<Found>, E>,
) -> Result<std::collections::BTreeMap<u64, Vec<Hit>>, E> {
    let mut hits: std::collections::BTreeMap<u64, Vec<Hit>> = Default::default();
    for (c, candidate) in candidates.list.iter().enumerate() {
        for &(variant, hash) in &candidate.hashes {
            for f in find(candidate.kind, &hash)? {
                hits.entry(f.image).or_default().push(Hit {
                    view: f.view,
                    candidate: c,
                    variant,
                    distance: f.distance,
                });
            }
        }
    }
    Ok(hits)
}

/// Windows go to the seeking search in batches of at most this many hashes: large enough that neighbouring
/// windows (which often share a block value, see [`crate::index::BlockIndex::reach`]) travel together, small
/// enough that a caller can check a deadline between batches.
pub const SEED_BATCH: usize = 16_384;

/// The listed images worth deciding for a query: those that any hash of its candidates reaches through `seek`,
/// in ascending order. `seek` searches the caller's index for hashes of candidates of one kind: the variants of a
/// whole or framed picture (against listed images' own hashes), the two of a half (against their views, within
/// [`Thresholds::half`]), or a batch of windows (at most [`SEED_BATCH`] hashes, in the scan's order). It may be
/// far cheaper than a complete search, since it only has to reach each matching image once, not every close
/// pair: a query brings thousands of near-duplicate windows, and a listed image that matches is close to many of
/// them. [`image_hits`] then compares the seeded images' views with every candidate. It may stop early by
/// returning an error (a deadline).
pub fn seed_images<E>(
    candidates: &Candidates,
    seek: impl FnMut(CandidateKind, &[crate::pdq::PdqHash]) -> Result<Vec<u64>, E>,
) -> Result<std::collections::BTreeSet<u64>, E> {
    seed_images_every(candidates, SEED_EVERY, seek)
}

/// Windows seed through every hash: window `n` of the list (in the scan's order) would seed only its variant
/// `n % SEED_EVERY` with a larger value.
///
/// Seeding is where a query meets a large list, one random memory access after another (about 3 us a hash against
/// 1M listed images), and it only has to reach a matching image once, so seeding through alternate windows looked
/// free. It is not: on every fourth original of `scripts/bench/robust` (`robust_eval --seed-every 2`, December
/// 2026) off-centre crops fell from 98.5 to 89.2 %, 5 degree turns from 96.9 to 92.3 %, picture-in-picture from
/// 90.8 to 89.2 %: the hardest copies keep one or two inner squares, each within a step of a single window.
pub const SEED_EVERY: usize = 1;

/// [`seed_images`], windows seeding through one hash in `every` ([`SEED_EVERY`]; 1 seeds every hash).
pub fn seed_images_every<E>(
    candidates: &Candidates,
    every: usize,
    mut seek: impl FnMut(CandidateKind, &[crate::pdq::PdqHash]) -> Result<Vec<u64>, E>,
) -> Result<std::collections::BTreeSet<u64>, E> {
    let mut seeds = std::collections::BTreeSet::new();
    let mut windows = Vec::with_capacity(SEED_BATCH);
    let mut n = 0usize;
    for candidate in &candidates.list {
        let hashes = candidate.hashes.iter().map(|&(_, hash)| hash);
        if candidate.kind != CandidateKind::Window {
            seeds.extend(seek(candidate.kind, &hashes.collect::<Vec<_>>())?);
            continue;
        }
        if windows.len() + candidate.hashes.len() > SEED_BATCH {
            seeds.extend(seek(CandidateKind::Window, &windows)?);
            windows.clear();
        }
        match every {
            0 | 1 => windows.extend(hashes),
            _ => windows.extend(candidate.hashes.get(n % every).map(|&(_, hash)| hash)),
        }
        n += 1;
    }
    if !windows.is_empty() {
        seeds.extend(seek(CandidateKind::Window, &windows)?);
    }
    Ok(seeds)
}

/// Every pair of one listed image's views and a query's candidates that [`decide`] weighs, by comparing them
/// all (a listed image has a few dozen views; a query's windows cost a few milliseconds): its own hash (view 0)
/// against whole and framed pictures within [`Thresholds::whole`], its inner squares (and halves) against windows
/// within [`Thresholds::paired`] (or [`Thresholds::single`] if larger), its halves against halves within
/// [`Thresholds::half`].
pub fn image_hits(views: &[View], candidates: &Candidates, t: &Thresholds) -> Vec<Hit> {
    let window_radius = t.paired.max(t.single);
    let inner: Vec<(usize, &View)> = views.iter().enumerate().filter(|(_, v)| !v.region.is_whole()).collect();
    let whole: Vec<(usize, &View)> = views.iter().enumerate().filter(|(_, v)| v.region.is_whole()).collect();
    let halves: Vec<(usize, &View)> = views.iter().enumerate().filter(|(_, v)| v.region.is_half()).collect();
    let mut hits = Vec::new();
    for (c, candidate) in candidates.list.iter().enumerate() {
        let (against, radius) = match candidate.kind {
            CandidateKind::Window => (&inner, window_radius),
            CandidateKind::Whole | CandidateKind::Inner => (&whole, t.whole),
            CandidateKind::Half => (&halves, t.half),
        };
        for &(variant, hash) in &candidate.hashes {
            for &(v, view) in against {
                let distance = hash.distance(&view.hash);
                if distance <= radius {
                    hits.push(Hit { view: v, candidate: c, variant, distance });
                }
            }
        }
    }
    hits
}

/// The verdict for one listed image, comparing every candidate with every view (for a handful of listed images;
/// a list seeds the images worth deciding from its index, [`seed_images`]).
pub fn match_views(views: &[View], candidates: &Candidates, t: &Thresholds) -> Option<Verdict> {
    decide(views, candidates, &image_hits(views, candidates, t), t)
}

/// Whether the inner squares that `place` puts inside the query are found there (always true when the query's
/// planes are not at hand: [`Thresholds::unverified_support`] stands in for the check).
///
/// An upright placement checks the upright views. A turned one (two turned squares agreed) checks every view:
/// those of its own turn are upright rectangles of the copy, the others (the image's upright squares, above all)
/// are sampled turned by the difference ([`turn::view_patch`]), so a turned copy is verified by as many squares as
/// an upright one.
fn verified(views: &[View], candidates: &Candidates, place: &Placement, support: usize, t: &Thresholds) -> bool {
    let Some((plane, factor)) = candidates.frames.get(usize::from(place.frame)) else {
        return candidates.frames.is_empty();
    };
    let bounds = plane.bounds();
    let (mut inside, mut found) = (0usize, 0usize);
    for view in views.iter().filter(|v| !v.region.is_whole()) {
        let r = view.region;
        let hash = if r.turn == place.turn {
            let x = left_edge(&r, place.mirrored);
            let rect = Rect::new(
                (place.tx + place.sx * x) / factor,
                (place.ty + place.sy * r.y) / factor,
                place.sx * r.width / factor,
                place.sy * r.height / factor,
            );
            if !rect.within(&bounds, 0.01 * rect.width()) {
                continue;
            }
            inside += 1;
            let Some(region) = RegionPdq::of(plane, &rect) else {
                continue;
            };
            if place.mirrored { region.variant(MIRROR) } else { region.hash() }
        } else if place.turn != 0 {
            let canvas = Rect::new(place.tx / factor, place.ty / factor, place.sx / factor, place.sy / factor);
            let patch = turn::view_patch(&r, place.turn, &canvas, place.mirrored);
            if !patch.within(&bounds, 0.01 * r.width * canvas.width()) {
                continue;
            }
            inside += 1;
            let Some(region) = patch.pdq(plane) else {
                continue;
            };
            region.hash()
        } else {
            continue;
        };
        found += usize::from(hash.distance(&view.hash) <= t.verify);
    }
    let occluded = support >= t.occluded_support && found >= t.occluded_found;
    found >= 2 && (found as f32 >= t.verify_share * inside as f32 || occluded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdq::PdqHash;
    use crate::robust::HALVES;

    fn candidate(kind: CandidateKind, rect: Rect, hash: PdqHash) -> Candidate {
        Candidate { kind, frame: 0, rect, quality: Some(90), hashes: vec![(Dihedral::Original, hash)] }
    }

    #[test]
    fn a_half_counts_alone_at_its_own_place_only() {
        let (left, right) = (PdqHash::from_bytes([0x5a; 32]), PdqHash::from_bytes([0xc3; 32]));
        let views = [
            View { hash: PdqHash::from_bytes([0; 32]), quality: 90, region: Region::WHOLE },
            View { hash: left, quality: 90, region: HALVES[0] },
            View { hash: right, quality: 90, region: HALVES[1] },
        ];
        let t = Thresholds::default();
        let whole = candidate(CandidateKind::Whole, Rect::new(0.0, 0.0, 400.0, 300.0), PdqHash::from_bytes([0xff; 32]));
        let query_left = Rect::new(0.0, 0.0, 200.0, 300.0);
        let judge = |hash: PdqHash| {
            let candidates =
                Candidates::from_list(vec![whole.clone(), candidate(CandidateKind::Half, query_left, hash)]);
            decide(&views, &candidates, &image_hits(&views, &candidates, &t), &t)
        };
        let verdict = judge(left).expect("the query's left half is the listed left half");
        assert_eq!((verdict.hit.view, verdict.support), (1, 1));
        // The query's left half equal to the listed right half would put the listed picture half outside the copy.
        assert!(judge(right).is_none());
        // Within the half's distance only.
        let mut far = *left.as_bytes();
        far[..3].iter_mut().for_each(|b| *b = !*b);
        assert!(judge(PdqHash::from_bytes(far)).is_none(), "24 bits off");
    }
}
