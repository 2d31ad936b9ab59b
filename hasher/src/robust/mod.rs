//! Matching re-uploads that PDQ alone misses: crops, borders, screenshots, captions, small rotations,
//! picture-in-picture.
//!
//! PDQ hashes a whole picture, so a copy whose geometry changed by more than a percent or two (a 5 % crop, a
//! border, a 5 degree turn) lands far from it. The two sides meet halfway:
//! - the victim's side keeps a few **views** of each listed image ([`views`]): its own PDQ hash and the PDQ
//!   hashes of inner squares laid out so that any moderate crop still contains one of them whole, and of squares
//!   as a copy turned by a few degrees shows them ([`turn`]);
//! - the query's side computes **candidates** from its copy ([`candidates_rgb`]): the copy itself with its eight
//!   rotations and flips; every rectangle bounded by long straight edges (a picture inside borders, bars, a
//!   backdrop, an app's chrome, a caption band or another picture: [`frames`]), hashed whole; square windows at
//!   fine steps of scale and position ([`scan`]), which find the inner squares inside a crop (and the turned
//!   squares inside a turned copy). Turning the copy back by a few small angles ([`rotation`]) is an option, off
//!   by default since the listed side keeps turned squares.
//! - [`mod@decide`] says whether a listed image matches from the pairs (view, candidate) that are close: its own
//!   hash against a whole candidate at PDQ's usual distance, or inner squares against windows under stricter
//!   rules (two squares whose windows agree on where the listed picture lies in the copy, or one very close).
//!
//! Every hash here is a 256-bit PDQ hash (regions are hashed with PDQ's DCT and threshold), so views go into
//! any PDQ list and exchange unchanged.

pub mod decide;
pub mod frames;
pub mod plane;
pub mod region;
pub mod rotation;
pub mod scan;
pub mod turn;
pub mod views;

pub use decide::{
    Found, Hit, SEED_BATCH, SEED_EVERY, Thresholds, Verdict, collect_hits, decide, image_hits, match_views,
    seed_images, seed_images_every,
};
pub use plane::{LumaPlane, Rect};
pub use scan::ScanSteps;
pub use views::{HALVES, REGION_UNITS, Region, View, views_rgb};

use crate::pdq::{self, Dihedral, PdqHash};
use region::RegionPdq;

/// Shorter side of the copy of the query that windows are scanned on.
const SCAN_SHORT_SIDE: usize = 384;

/// The variant of a hash that is the picture mirrored left to right.
pub const MIRROR: Dihedral = Dihedral::FlipY;

/// What produced a candidate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CandidateKind {
    /// The query image itself (its reference PDQ hash).
    Whole,
    /// A rectangle bounded by straight edges, hashed whole.
    Inner,
    /// A square window of the scan.
    Window,
    /// A half (left, right, top or bottom) of the query or of its best framed rectangle, searched among the
    /// listed images' halves at the same place ([`views::HALVES`]).
    Half,
}

/// One hash set computed from the query image.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// What produced it.
    pub kind: CandidateKind,
    /// 0 for the query plane as given, k >= 1 for the plane turned back by `Candidates::turns[k - 1]`.
    pub frame: u8,
    /// Where it lies, in pixels of its frame's plane.
    pub rect: Rect,
    /// PDQ's quality of the region; not computed for windows (their listed side is quality-gated).
    pub quality: Option<u8>,
    /// The variants searched: all eight for whole pictures, as given and mirrored for windows and halves.
    pub hashes: Vec<(Dihedral, PdqHash)>,
}

/// Everything the query side computed for one image.
#[derive(Debug)]
pub struct Candidates {
    /// The candidates, whole ones first.
    pub list: Vec<Candidate>,
    /// The rotations undone, in degrees: frame k >= 1 is the query turned back by `turns[k - 1]`.
    pub turns: Vec<f32>,
    /// The planes the windows were cut from (frame 0, then one per turn) and their reduction factor, kept to
    /// verify a window match where the other squares of the listed image should be ([`decide`]). A candidate set
    /// received from elsewhere has none, and is judged without that check.
    pub(crate) frames: Vec<(LumaPlane, f32)>,
}

impl Candidates {
    /// A candidate set computed elsewhere (e.g. sent to the match API): no planes, so no verification.
    pub fn from_list(list: Vec<Candidate>) -> Self {
        Candidates { list, turns: Vec::new(), frames: Vec::new() }
    }

    /// Drops the planes (a grey copy of the query) once matching is done.
    pub fn forget_pixels(&mut self) {
        self.frames.clear();
    }
}

/// What the query side computes.
#[derive(Clone, Copy, Debug)]
pub struct QueryOptions {
    /// The window scan over the query (and over its best inner rectangle).
    pub scan: ScanSteps,
    /// Look for rectangles bounded by straight edges.
    pub frames: bool,
    /// Small rotations undone on the query side: the query turned back by each of these angles (degrees) is
    /// scanned with [`QueryOptions::turn_scan`]. None by default: the listed images' turned squares ([`turn`])
    /// find turned copies with the plain windows, where these scans cost 58 % of a photo's windows on every
    /// query. Kept to compare the two (`robust_eval --turns -5,-3,3,5`).
    pub turns: &'static [f32],
    /// The window scan over each plane turned back.
    pub turn_scan: ScanSteps,
    /// Scan inside the best inner rectangle as well, when it is clearly smaller than the image.
    pub scan_inner: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            scan: ScanSteps::default(),
            frames: true,
            turns: &[],
            turn_scan: rotation::TURN_SCAN,
            scan_inner: true,
        }
    }
}

impl QueryOptions {
    /// The candidates a platform computes on its own machine and sends to `POST /v1/match`: never the windows
    /// over planes turned back, which would double a set's JSON past the route's 32 MiB body (35 MB for a
    /// 1600 x 1004 photo with them). The default computes none either, so a sent set is what an upload searches.
    pub fn to_send() -> Self {
        QueryOptions { turns: &[], ..QueryOptions::default() }
    }
}

/// The candidates of a query image given as packed RGB24 pixels (`stride` bytes per row).
pub fn candidates_rgb(pixels: &[u8], width: usize, height: usize, stride: usize, opts: &QueryOptions) -> Candidates {
    let whole = pdq::hash_rgb_dihedral(pixels, width, height, stride);
    let mut list = vec![Candidate {
        kind: CandidateKind::Whole,
        frame: 0,
        rect: Rect::new(0.0, 0.0, width as f32, height as f32),
        quality: Some(whole.quality),
        hashes: Dihedral::ALL.iter().map(|&d| (d, whole.get(d))).collect(),
    }];
    if width.min(height) < 64 {
        return Candidates::from_list(list);
    }
    let plane = LumaPlane::from_rgb(pixels, width, height, stride);
    let framed = if opts.frames { frames::inner_rects(&plane) } else { frames::Framed::default() };
    for rect in &framed.rects {
        if let Some(region) = RegionPdq::of(&plane, rect) {
            list.push(Candidate {
                kind: CandidateKind::Inner,
                frame: 0,
                rect: *rect,
                quality: Some(region.quality),
                hashes: Dihedral::ALL.iter().map(|&d| (d, region.variant(d))).collect(),
            });
        }
    }
    // The halves of the copy and of its best-framed rectangle, for a listed image seen whole under a sticker or a
    // caption that touches every inner square.
    for parent in std::iter::once(plane.bounds()).chain(framed.rects.first().copied()) {
        for half in &HALVES {
            let rect = half.within(&parent);
            if let Some(region) = RegionPdq::of(&plane, &rect) {
                list.push(Candidate {
                    kind: CandidateKind::Half,
                    frame: 0,
                    rect,
                    quality: Some(region.quality),
                    hashes: vec![(Dihedral::Original, region.hash()), (MIRROR, region.variant(MIRROR))],
                });
            }
        }
    }
    // Windows are hashed on a smaller copy: their smallest cells still span two pixels there, and the shared
    // vertical stage costs in proportion to the plane's width.
    let (small, factor) = plane.reduced(SCAN_SHORT_SIDE);
    let to_small = 1.0 / factor as f32;
    push_windows(&mut list, &small, &small.bounds(), 0, factor as f32, &opts.scan);
    if opts.scan_inner {
        // Inside the best-bounded rectangle, and inside a detailed picture on a blurred surround when that is
        // another one: both hold the listed picture at a scale the scan over the whole copy may not reach (a
        // rectangle of most of the copy adds nothing to that scan).
        // A rectangle whose shorter side is (nearly) the copy's holds windows of the sizes the scan over the whole
        // copy already hashed, at positions it already visited: scanning it again would only add cost (a photo
        // split by a long straight edge, such as a bridge's pylon, doubled its windows).
        let full = (plane.width() * plane.height()) as f32;
        let short = plane.width().min(plane.height()) as f32;
        let small_enough = |r: &&Rect| r.width() * r.height() < 0.8 * full && r.short_side() < 0.9 * short;
        let best = framed.rects.first().filter(small_enough);
        let detailed = framed.detailed.as_ref().filter(small_enough).filter(|&d| best != Some(d));
        for inside in best.into_iter().chain(detailed) {
            let area = Rect {
                x0: inside.x0 * to_small,
                y0: inside.y0 * to_small,
                x1: inside.x1 * to_small,
                y1: inside.y1 * to_small,
            };
            push_windows(&mut list, &small, &area, 0, factor as f32, &opts.scan);
        }
    }
    let mut frames = Vec::with_capacity(1 + opts.turns.len());
    for (k, &degrees) in opts.turns.iter().enumerate() {
        let (upright, area) = rotation::turned_back(&small, degrees);
        push_windows(&mut list, &upright, &area, (k + 1) as u8, factor as f32, &opts.turn_scan);
        frames.push((upright, factor as f32));
    }
    frames.insert(0, (small, factor as f32));
    Candidates { list, turns: opts.turns.to_vec(), frames }
}

/// Scans `area` of `plane` and adds the windows, their rectangles scaled by `scale` into the query plane's pixels.
fn push_windows(list: &mut Vec<Candidate>, plane: &LumaPlane, area: &Rect, frame: u8, scale: f32, steps: &ScanSteps) {
    list.extend(scan::scan(plane, area, steps).into_iter().map(|w| Candidate {
        kind: CandidateKind::Window,
        frame,
        rect: Rect { x0: w.rect.x0 * scale, y0: w.rect.y0 * scale, x1: w.rect.x1 * scale, y1: w.rect.y1 * scale },
        quality: None,
        hashes: vec![(Dihedral::Original, w.hash), (MIRROR, w.mirrored)],
    }));
}
