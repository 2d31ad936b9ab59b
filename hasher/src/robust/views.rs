//! The victim's side: the hashes kept for one listed image ("views"). View 0 is the image's own PDQ hash,
//! bit-exact with the reference; the others are PDQ hashes of inner squares, which a crop of the image still
//! contains whole, so the query side can find them inside its copy (see [`super::scan`]).
//!
//! Squares (in pixels) rather than rectangles of the image's own shape: a crop changes the aspect ratio but
//! not the pixel scale along the two axes, so the query side searches one scale per size, not two.
//!
//! Then the image's four halves (left, right, top, bottom): a sticker, a caption or a logo over the middle of a
//! copy whose geometry did not change touches every inner square, but most often leaves one half clear, which
//! the query side hashes at the same place ([`super::CandidateKind::Half`]).
//!
//! Privacy floor: no view describes a region smaller than half of the image's shorter side.

use super::plane::{LumaPlane, Rect};
use super::region::RegionPdq;
use crate::pdq::{self, PdqHash};

/// The squares kept for each listed image: (side, kept), both as fractions of the image's sides. Squares of
/// `side` times the shorter side are placed on a grid fine enough that any crop keeping `kept` of the width and
/// of the height, however off-centre, still contains one of them whole.
///
/// 0.55 and 0.7: every crop of up to 15 % per side, or 30 % from one side, keeps a square.
pub const SQUARES: &[(f32, f32)] = &[(0.55, 0.7)];

/// The most views an image keeps besides its own hash (the squares, 25 on a square image where the room is a
/// whole number of steps and rounding adds a fifth row; the four halves; the turned squares): what the API takes.
pub const MAX_VIEWS: usize = 48;

/// The smallest square side kept, as a fraction of the shorter side (the privacy floor is 0.5).
pub const MIN_SQUARE: f32 = 0.55;

/// A view's region as fractions of the image's width and height.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Region {
    /// Left edge, 0..1.
    pub x: f32,
    /// Top edge, 0..1.
    pub y: f32,
    /// Width, 0..1.
    pub width: f32,
    /// Height, 0..1.
    pub height: f32,
    /// The turn, in degrees, of the picture the region is cut from: 0 for the image as it is, otherwise the image
    /// turned about its centre on a canvas of its own size, whose sides the other fields are fractions of
    /// ([`super::turn`]).
    pub turn: i8,
}

/// The image's halves, kept after the squares: left, right, top, bottom.
pub const HALVES: [Region; 4] = [
    Region { x: 0.0, y: 0.0, width: 0.5, height: 1.0, turn: 0 },
    Region { x: 0.5, y: 0.0, width: 0.5, height: 1.0, turn: 0 },
    Region { x: 0.0, y: 0.0, width: 1.0, height: 0.5, turn: 0 },
    Region { x: 0.0, y: 0.5, width: 1.0, height: 0.5, turn: 0 },
];

/// Regions leave the hasher as integers, in 1/10,000 of the image's width and height (x, y, width, height):
/// the list keeps them so, and every client rounds them the same way.
pub const REGION_UNITS: u16 = 10_000;

impl Region {
    /// The whole image.
    pub const WHOLE: Region = Region { x: 0.0, y: 0.0, width: 1.0, height: 1.0, turn: 0 };

    /// `[x, y, width, height]` in [`REGION_UNITS`], rounded, the region kept inside the image and not empty.
    pub fn to_units(&self) -> [u16; 4] {
        let units = f32::from(REGION_UNITS);
        let at = |v: f32| (v * units).round().clamp(0.0, units) as u16;
        let (x, y) = (at(self.x).min(REGION_UNITS - 1), at(self.y).min(REGION_UNITS - 1));
        let width = at(self.width).clamp(1, REGION_UNITS - x);
        let height = at(self.height).clamp(1, REGION_UNITS - y);
        [x, y, width, height]
    }

    /// The region of `[x, y, width, height]` in [`REGION_UNITS`] of the picture turned by `turn` degrees.
    pub fn from_units(units: [u16; 4], turn: i8) -> Region {
        let f = |v: u16| f32::from(v) / f32::from(REGION_UNITS);
        Region { x: f(units[0]), y: f(units[1]), width: f(units[2]), height: f(units[3]), turn }
    }

    /// Whether this is the whole image.
    pub fn is_whole(&self) -> bool {
        *self == Region::WHOLE
    }

    /// Whether this is one of the image's [`HALVES`] (exact: halves survive [`Region::to_units`] unchanged).
    pub fn is_half(&self) -> bool {
        HALVES.contains(self)
    }

    /// The part of `rect` this region covers.
    pub fn within(&self, rect: &Rect) -> Rect {
        let (w, h) = (rect.width(), rect.height());
        Rect::new(rect.x0 + self.x * w, rect.y0 + self.y * h, self.width * w, self.height * h)
    }
}

/// One hash kept for a listed image.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct View {
    /// The PDQ hash of the region.
    pub hash: PdqHash,
    /// PDQ's quality of the region (0..=100).
    pub quality: u8,
    /// Where the region lies in the image.
    pub region: Region,
}

/// The views of an image given as packed RGB24 pixels: its PDQ hash, then one hash per inner square, then its
/// halves, then its turned squares ([`super::turn`]). Regions too flat to hash reliably are left out; the whole
/// image's hash is always first.
pub fn views_rgb(pixels: &[u8], width: usize, height: usize, stride: usize) -> Vec<View> {
    let whole = pdq::hash_rgb(pixels, width, height, stride);
    let mut views = vec![View { hash: whole.hash, quality: whole.quality, region: Region::WHOLE }];
    if width.min(height) < 64 {
        return views;
    }
    let plane = LumaPlane::from_rgb(pixels, width, height, stride);
    let bounds = plane.bounds();
    let squares = squares(&plane).into_iter().map(|rect| (rect, fraction(&plane, &rect)));
    let halves = HALVES.iter().map(|half| (half.within(&bounds), *half));
    views.extend(squares.chain(halves).filter_map(|(rect, region)| {
        let pdq = RegionPdq::of(&plane, &rect)?;
        (pdq.quality >= pdq::QUALITY_THRESHOLD).then(|| View { hash: pdq.hash(), quality: pdq.quality, region })
    }));
    views.extend(super::turn::turned_views(&plane));
    views
}

/// The squares of [`SQUARES`] on `plane`, in plane pixels.
pub(crate) fn squares(plane: &LumaPlane) -> Vec<Rect> {
    let (w, h) = (plane.width() as f32, plane.height() as f32);
    let short = w.min(h);
    let mut out = Vec::new();
    for &(side, kept) in SQUARES {
        let s = side * short;
        let (room_x, room_y) = (w - s, h - s);
        // A crop keeping `kept` of an axis of length `len` contains a square whenever two neighbouring
        // positions are at most `kept * len - s` apart.
        let count = |room: f32, len: f32| {
            let step = kept * len - s;
            // Where `room` is a whole number of steps (a square image's 0.45 is three of 0.15), f32 rounding may add
            // a fifth row: 25 squares, which [`MAX_VIEWS`] allows for.
            if room <= 0.5 { 1 } else { (room / step).ceil() as usize + 1 }
        };
        let (nx, ny) = (count(room_x, w), count(room_y, h));
        for iy in 0..ny {
            for ix in 0..nx {
                let x = spread(ix, nx, room_x);
                let y = spread(iy, ny, room_y);
                out.push(Rect::new(x, y, s, s));
            }
        }
    }
    out
}

/// Position `i` of `n` spread evenly over `[0, room]` (the middle when `n` is 1).
fn spread(i: usize, n: usize, room: f32) -> f32 {
    if n <= 1 { room / 2.0 } else { room * i as f32 / (n - 1) as f32 }
}

/// Where `rect` lies in `plane`, as fractions of its sides.
pub(crate) fn fraction(plane: &LumaPlane, rect: &Rect) -> Region {
    let (w, h) = (plane.width() as f32, plane.height() as f32);
    Region { x: rect.x0 / w, y: rect.y0 / h, width: rect.width() / w, height: rect.height() / h, turn: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::robust::turn::{SQUARES_PER_TURN, TURNS};

    fn plane(w: usize, h: usize) -> LumaPlane {
        LumaPlane::from_luma(w, h, vec![0.0; w * h])
    }

    #[test]
    fn squares_respect_the_privacy_floor_and_stay_inside() {
        for (w, h) in [(400, 300), (300, 400), (500, 500), (1000, 250)] {
            let p = plane(w, h);
            let short = w.min(h) as f32;
            let rects = squares(&p);
            assert!(!rects.is_empty());
            for r in &rects {
                assert!(r.short_side() >= 0.5 * short - 1e-3, "{w}x{h}: {r:?}");
                assert!(r.within(&p.bounds(), 1e-3), "{w}x{h}: {r:?}");
            }
        }
    }

    #[test]
    fn no_image_size_brings_more_views_than_the_api_takes() {
        let turned = TURNS.len() * SQUARES_PER_TURN;
        for w in (64..=1600usize).step_by(7) {
            for h in [w, w + 1, w + w / 20, w + w / 3, 2 * w, w.saturating_sub(w / 9).max(64)] {
                let n = squares(&plane(w, h)).len();
                assert!(n + HALVES.len() + turned <= MAX_VIEWS, "{w}x{h}: {n} squares");
            }
        }
    }

    #[test]
    fn an_off_centre_crop_keeping_70_percent_keeps_a_square_whole() {
        for (w, h) in [(400, 300), (300, 400), (500, 500)] {
            let p = plane(w, h);
            let (wf, hf) = (w as f32, h as f32);
            for (l, t) in [(0.05, 0.15), (0.25, 0.05), (0.0, 0.3), (0.15, 0.15), (0.3, 0.0)] {
                let kept = Rect::new(l * wf, t * hf, 0.7 * wf, 0.7 * hf);
                assert!(squares(&p).iter().any(|r| r.within(&kept, 0.5)), "{w}x{h} crop at {l},{t}");
            }
        }
    }

    #[test]
    fn regions_survive_their_units_to_within_half_a_unit() {
        let r = Region { x: 0.45, y: 0.0, width: 0.55, height: 0.7333, turn: 0 };
        let back = Region::from_units(r.to_units(), 0);
        for (a, b) in [(back.x, r.x), (back.y, r.y), (back.width, r.width), (back.height, r.height)] {
            assert!((a - b).abs() <= 0.5e-4, "{a} vs {b}");
        }
        assert_eq!(Region::WHOLE.to_units(), [0, 0, 10_000, 10_000]);
        // Rounding never takes a region past the image's edge.
        assert_eq!(
            Region { x: 0.99996, y: 0.5, width: 0.2, height: 0.5, turn: 0 }.to_units(),
            [9_999, 5_000, 1, 5_000]
        );
    }

    /// A busy texture of `w` x `h` as packed RGB.
    fn busy(w: usize, h: usize) -> Vec<u8> {
        (0..w * h)
            .flat_map(|k| {
                let (x, y) = ((k % w) as f32, (k / w) as f32);
                let v = 128.0 + 60.0 * (x * 0.05 + y * 0.02).sin() + 50.0 * (y * 0.07 - x * 0.03).cos();
                let g = v.clamp(0.0, 255.0) as u8;
                [g, g, g]
            })
            .collect()
    }

    #[test]
    fn an_image_keeps_its_four_halves_after_its_squares_then_its_turned_squares_within_the_apis_limit() {
        for (w, h) in [(400, 300), (300, 400), (320, 320), (800, 200)] {
            let views = views_rgb(&busy(w, h), w, h, w * 3);
            assert!(views.len() <= 1 + MAX_VIEWS, "{w}x{h}: {} views, past the API's limit", views.len());
            let halves: Vec<Region> = views.iter().map(|v| v.region).filter(Region::is_half).collect();
            assert_eq!(halves, HALVES, "{w}x{h}");
            let turned = views.iter().filter(|v| v.region.turn != 0).count();
            assert_eq!(turned, TURNS.len() * SQUARES_PER_TURN, "{w}x{h}: a busy image keeps all its turned squares");
            let halves_end = views.len() - turned;
            assert!(
                views[halves_end - 4..halves_end].iter().all(|v| v.region.is_half()),
                "{w}x{h}: halves, then turns"
            );
            assert!(views[halves_end..].iter().all(|v| v.region.turn != 0), "{w}x{h}: turned squares come last");
            for half in HALVES {
                assert_eq!(Region::from_units(half.to_units(), 0), half, "a half survives the list's units exactly");
            }
        }
    }

    #[test]
    fn views_of_a_flat_image_are_only_its_pdq() {
        let px = vec![90u8; 200 * 150 * 3];
        let views = views_rgb(&px, 200, 150, 600);
        assert_eq!(views.len(), 1);
        assert!(views[0].region.is_whole());
    }
}
