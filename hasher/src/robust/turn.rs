//! Turned views: the victim's side keeps a few squares of the listed image as a copy turned by a few degrees
//! shows them, so that the query side finds a turned copy with the windows it scans anyway.
//!
//! A copy turned by 3 to 5 degrees and cut to its picture lands 50-90 bits from every listed square. The query
//! side used to turn its copy back by each of four angles and scan each turned plane: 58 % of a photo's windows,
//! on every query, for the few that are turned. Turning on the listed side costs twelve views once per image
//! instead, and nothing per query: a copy turned by an angle within about a degree of one of [`TURNS`] is, in the
//! frame of that turn, a crop like any other.
//!
//! Geometry: the image turned by `t` degrees is the image rotated by `t` about its centre on a canvas of its own
//! size (positive turns are clockwise on screen, image rows running down). A turned view's region is an
//! axis-aligned square of that canvas, in fractions of the canvas's sides (the image's); its hash is that of the
//! turned picture inside it. Its turn travels with its region.

use super::plane::{LumaPlane, Rect};
use super::region::RegionPdq;
use super::views::{Region, View};
use crate::pdq::QUALITY_THRESHOLD;

/// The turns the listed side keeps squares for, in degrees. A copy turned by 2 to 6 degrees either way is within
/// a degree of one of them (PDQ and the plain scan absorb turns under 2 degrees). Each costs
/// [`SQUARES_PER_TURN`] views per listed image.
pub const TURNS: &[i8] = &[-5, -3, 3, 5];

/// Squares kept per turn: three, at both ends and in the middle of the turned picture's longer axis, so that two
/// squares can agree on where the listed picture lies in a copy (the rule every window match needs); the image's
/// upright squares then verify it, turned. With two (the ends), 5 degree turns matched 92.3 % instead of 98.5 %
/// (`robust_eval --every 4 --transforms rotate5`).
pub const SQUARES_PER_TURN: usize = 3;

/// Side of a turned square, as a fraction of the image's shorter side: that of the upright squares
/// ([`super::views::MIN_SQUARE`]), above the privacy floor of one half.
pub const TURNED_SIDE: f32 = super::views::MIN_SQUARE;

/// Shorter side of the copy turned squares are sampled on.
const TURNED_PLANE_SHORT_SIDE: usize = 384;

/// `v` rotated by `degrees` (clockwise on screen: image rows run down).
pub fn rotate((x, y): (f32, f32), degrees: f32) -> (f32, f32) {
    let (sin, cos) = sin_cos(degrees);
    (x * cos - y * sin, x * sin + y * cos)
}

/// Sine and cosine of `degrees` (at most a few tens) by their series in f64. Not `f32::sin_cos`: that calls the
/// platform's maths library, which may round differently in the browser's WebAssembly and natively, and a turned
/// view's hash must be bit-identical on the victim's device and on the server. Additions and products are exact
/// IEEE operations everywhere; at 15 degrees the first term left out is under 1e-13.
fn sin_cos(degrees: f32) -> (f32, f32) {
    let x = f64::from(degrees) * (std::f64::consts::PI / 180.0);
    let x2 = x * x;
    let (mut sin, mut cos) = (0.0f64, 0.0f64);
    let (mut s_term, mut c_term) = (x, 1.0f64);
    for n in 0..8 {
        sin += s_term;
        cos += c_term;
        let k = f64::from(2 * n + 2);
        s_term *= -x2 / (k * (k + 1.0));
        c_term *= -x2 / ((k - 1.0) * k);
    }
    (sin as f32, cos as f32)
}

/// A parallelogram of a plane: its centre and the half-axes along which its own x and y run, in plane pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Patch {
    pub centre: (f32, f32),
    pub half_x: (f32, f32),
    pub half_y: (f32, f32),
}

impl Patch {
    /// The four corners.
    fn corners(&self) -> [(f32, f32); 4] {
        let (c, u, v) = (self.centre, self.half_x, self.half_y);
        [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)]
            .map(|(a, b)| (c.0 + a * u.0 + b * v.0, c.1 + a * u.1 + b * v.1))
    }

    /// Whether the patch lies inside `bounds`, `slack` pixels over at most.
    pub fn within(&self, bounds: &Rect, slack: f32) -> bool {
        self.corners().iter().all(|&(x, y)| {
            x >= bounds.x0 - slack && x <= bounds.x1 + slack && y >= bounds.y0 - slack && y <= bounds.y1 + slack
        })
    }

    /// Its 64x64 cell means, each the mean of a grid of bilinear samples about a plane pixel apart (so a cell
    /// averages its area as [`LumaPlane::cells_64`] does an upright one), or `None` when a side spans fewer than 64
    /// pixels.
    pub fn cells_64(&self, plane: &LumaPlane) -> Option<Box<[f32; 64 * 64]>> {
        // `sqrt` is exact IEEE arithmetic, the same in WebAssembly (`hypot` is the maths library's).
        let side = |(x, y): (f32, f32)| 2.0 * (x * x + y * y).sqrt();
        let (sx, sy) = (side(self.half_x), side(self.half_y));
        if sx < 64.0 || sy < 64.0 {
            return None;
        }
        // Samples per cell along each axis: about one per plane pixel, at most 8 x 8.
        let k = ((sx.max(sy) / 64.0).ceil() as usize).clamp(1, 8);
        let (u, v) = (self.half_x, self.half_y);
        let origin = (self.centre.0 - u.0 - v.0, self.centre.1 - u.1 - v.1);
        let n = (64 * k) as f32;
        let (du, dv) = ((2.0 * u.0 / n, 2.0 * u.1 / n), (2.0 * v.0 / n, 2.0 * v.1 / n));
        let mut cells = Box::new([0f32; 64 * 64]);
        let inverse = 1.0 / (k * k) as f32;
        for i in 0..64 {
            for j in 0..64 {
                let mut sum = 0.0;
                for a in 0..k {
                    let fy = (i * k + a) as f32 + 0.5;
                    for b in 0..k {
                        let fx = (j * k + b) as f32 + 0.5;
                        let x = origin.0 + fx * du.0 + fy * dv.0;
                        let y = origin.1 + fx * du.1 + fy * dv.1;
                        sum += bilinear(plane, x - 0.5, y - 0.5);
                    }
                }
                cells[i * 64 + j] = sum * inverse;
            }
        }
        Some(cells)
    }

    /// Its PDQ, as [`RegionPdq::of`] an upright rectangle.
    pub fn pdq(&self, plane: &LumaPlane) -> Option<RegionPdq> {
        self.cells_64(plane).map(|cells| RegionPdq::of_cells(&cells))
    }
}

/// The plane's value at `(x, y)` (pixel centres at integer coordinates), interpolated, edges extended.
pub(crate) fn bilinear(plane: &LumaPlane, x: f32, y: f32) -> f32 {
    let (w, h) = (plane.width() as f32, plane.height() as f32);
    let x = x.clamp(0.0, w - 1.0);
    let y = y.clamp(0.0, h - 1.0);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(plane.width() - 1), (y0 + 1).min(plane.height() - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = plane.at(x0, y0) * (1.0 - fx) + plane.at(x1, y0) * fx;
    let bottom = plane.at(x0, y1) * (1.0 - fx) + plane.at(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Width and height of the largest axis-aligned rectangle centred in a `w` x `h` rectangle turned by `degrees`:
/// the part of a turned picture with no invented pixels (what a photo editor's "rotate and crop" keeps). When the
/// turned rectangle is long and thin the answer touches only its long sides; otherwise all four, which gives two
/// linear equations in the inner width and height.
pub fn largest_inner_rect(w: f32, h: f32, degrees: f32) -> (f32, f32) {
    let (sin, cos) = sin_cos(degrees);
    let (sin, cos) = (sin.abs(), cos.abs());
    if sin < 1e-6 {
        return (w, h);
    }
    let (long, short) = if w >= h { (w, h) } else { (h, w) };
    if short <= 2.0 * sin * cos * long || (sin - cos).abs() < 1e-6 {
        let half = 0.5 * short;
        if w >= h { (half / sin, half / cos) } else { (half / cos, half / sin) }
    } else {
        let cos2 = cos * cos - sin * sin;
        ((w * cos - h * sin) / cos2, (h * cos - w * sin) / cos2)
    }
}

/// Where a view lies in a picture that shows the listed image turned by `turn` degrees, placed so that the
/// canvas of that turn spans `canvas` (in the picture's pixels), mirrored or not: the patch whose own axes run
/// along the view's. A view of the same turn is an upright rectangle there; any other is turned by the
/// difference.
pub(crate) fn view_patch(region: &Region, turn: i8, canvas: &Rect, mirrored: bool) -> Patch {
    let (sx, sy) = (canvas.width(), canvas.height());
    let degrees = f32::from(turn) - f32::from(region.turn);
    // The view's centre and half-axes in the canvas's pixels, about the canvas's centre (the turn's pivot).
    let offset = ((region.x + 0.5 * region.width - 0.5) * sx, (region.y + 0.5 * region.height - 0.5) * sy);
    let flip = |(x, y): (f32, f32)| if mirrored { (-x, y) } else { (x, y) };
    let (dx, dy) = flip(rotate(offset, degrees));
    Patch {
        centre: (canvas.x0 + 0.5 * sx + dx, canvas.y0 + 0.5 * sy + dy),
        half_x: flip(rotate((0.5 * region.width * sx, 0.0), degrees)),
        half_y: flip(rotate((0.0, 0.5 * region.height * sy), degrees)),
    }
}

/// The turned views of an image's `plane` ([`TURNS`], [`SQUARES_PER_TURN`] each): for each turn, squares of
/// [`TURNED_SIDE`] spread evenly along the longer axis of the largest rectangle inside the turned picture (both
/// ends included), centred on its shorter axis. Squares too flat to hash reliably are left out.
pub fn turned_views(plane: &LumaPlane) -> Vec<View> {
    // Sampled on a copy of at most 384 pixels, as the query side's windows are scanned: a turned square's cells then
    // take 4 x 4 samples each instead of 7 x 7 on the full plane (victim side 71 -> 45 ms per image in one
    // `robust_eval` run each, decode included, two per turn then).
    let (plane, _) = plane.reduced(TURNED_PLANE_SHORT_SIDE);
    let plane = &plane;
    let (w, h) = (plane.width() as f32, plane.height() as f32);
    let side = TURNED_SIDE * w.min(h);
    let canvas = plane.bounds();
    let mut views = Vec::with_capacity(TURNS.len() * SQUARES_PER_TURN);
    for &turn in TURNS {
        let (iw, ih) = largest_inner_rect(w, h, f32::from(turn));
        let inner = Rect::new(0.5 * (w - iw), 0.5 * (h - ih), iw, ih);
        for k in 0..SQUARES_PER_TURN {
            let at = |lo: f32, len: f32, spread: bool| {
                let room = (len - side).max(0.0);
                lo + if spread { room * k as f32 / (SQUARES_PER_TURN - 1).max(1) as f32 } else { 0.5 * room }
            };
            let (x, y) = (at(inner.x0, iw, iw >= ih), at(inner.y0, ih, iw < ih));
            let region = Region { x: x / w, y: y / h, width: side / w, height: side / h, turn };
            // The canvas of this turn in the image's own (upright) pixels: the patch is the square turned back.
            let patch = view_patch(&region, 0, &canvas, false);
            let Some(pdq) = patch.pdq(plane) else { continue };
            if pdq.quality >= QUALITY_THRESHOLD {
                views.push(View { hash: pdq.hash(), quality: pdq.quality, region });
            }
        }
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A busy, non-symmetric texture.
    fn texture(w: usize, h: usize) -> LumaPlane {
        let luma = (0..w * h)
            .map(|k| {
                let (x, y) = ((k % w) as f32, (k / w) as f32);
                128.0
                    + 50.0 * (x * 0.043 + y * 0.011).sin()
                    + 40.0 * (y * 0.052 - x * 0.017).cos()
                    + 25.0 * ((x * 0.13).sin() * (y * 0.09).cos())
            })
            .collect();
        LumaPlane::from_luma(w, h, luma)
    }

    /// `plane` turned by `degrees` about its centre on a canvas of its size, cut to the largest inner rectangle.
    fn turned(plane: &LumaPlane, degrees: f32) -> LumaPlane {
        let (w, h) = (plane.width(), plane.height());
        let (iw, ih) = largest_inner_rect(w as f32, h as f32, degrees);
        let (ow, oh) = (iw.floor() as usize, ih.floor() as usize);
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let luma = (0..ow * oh)
            .map(|k| {
                let (x, y) = ((k % ow) as f32 + 0.5 - ow as f32 / 2.0, (k / ow) as f32 + 0.5 - oh as f32 / 2.0);
                let (sx, sy) = rotate((x, y), -degrees);
                bilinear(plane, sx + cx - 0.5, sy + cy - 0.5)
            })
            .collect();
        LumaPlane::from_luma(ow, oh, luma)
    }

    #[test]
    fn an_upright_patch_has_the_cells_of_its_rectangle() {
        let plane = texture(400, 300);
        let rect = Rect::new(50.0, 40.0, 200.0, 180.0);
        let patch = Patch { centre: (150.0, 130.0), half_x: (100.0, 0.0), half_y: (0.0, 90.0) };
        let a = RegionPdq::of(&plane, &rect).expect("big enough").hash();
        let b = patch.pdq(&plane).expect("big enough").hash();
        assert!(a.distance(&b) <= 6, "{} bits", a.distance(&b));
    }

    #[test]
    fn a_turned_copy_holds_each_turned_square_upright_where_its_region_says() {
        let plane = texture(480, 360);
        let views = turned_views(&plane);
        assert_eq!(views.len(), TURNS.len() * SQUARES_PER_TURN);
        for &degrees in &[5.0f32, -3.0] {
            let copy = turned(&plane, degrees);
            let (w, h) = (plane.width() as f32, plane.height() as f32);
            let (iw, ih) = largest_inner_rect(w, h, degrees);
            // The copy is the turn's canvas cut to its inner rectangle.
            let canvas = Rect::new(-(w - iw) / 2.0, -(h - ih) / 2.0, w, h);
            for view in views.iter().filter(|v| f32::from(v.region.turn) == degrees) {
                let r = view.region;
                let rect = Rect::new(canvas.x0 + r.x * w, canvas.y0 + r.y * h, r.width * w, r.height * h);
                assert!(rect.within(&copy.bounds(), 1.0), "{degrees}: {rect:?} inside the copy");
                let found = RegionPdq::of(&copy, &rect).expect("big enough").hash();
                assert!(found.distance(&view.hash) <= 16, "{degrees}: {} bits", found.distance(&view.hash));
                let upright = views.iter().find(|v| v.region.turn == 0);
                assert!(upright.is_none(), "turned views only");
            }
            // An upright square of the image, seen through the turn's canvas, is where view_patch puts it.
            let square = Region { x: 0.3, y: 0.2, width: 0.55 * h / w, height: 0.55, turn: 0 };
            let patch = view_patch(&square, degrees as i8, &canvas, false);
            assert!(patch.within(&copy.bounds(), 2.0), "{degrees}");
            let there = patch.pdq(&copy).expect("big enough").hash();
            let upright = Rect::new(square.x * w, square.y * h, square.width * w, square.height * h);
            let own = RegionPdq::of(&plane, &upright).expect("big enough").hash();
            assert!(there.distance(&own) <= 16, "{degrees}: {} bits", there.distance(&own));
        }
    }

    #[test]
    fn turned_squares_respect_the_privacy_floor() {
        for (w, h) in [(480, 360), (360, 480), (400, 400), (900, 300)] {
            let plane = texture(w, h);
            for view in turned_views(&plane) {
                let r = view.region;
                let short = (r.width * w as f32).min(r.height * h as f32);
                assert!(short >= 0.5 * w.min(h) as f32, "{w}x{h}: {r:?}");
            }
        }
    }

    #[test]
    fn the_series_agree_with_the_maths_library() {
        for d in [-15.0f32, -5.0, -3.0, 0.0, 1.0, 3.0, 5.0, 7.5, 15.0] {
            let (s, c) = sin_cos(d);
            let (rs, rc) = d.to_radians().sin_cos();
            assert!((s - rs).abs() < 1e-6 && (c - rc).abs() < 1e-6, "{d}: {s} {c} against {rs} {rc}");
        }
    }

    #[test]
    fn the_inner_rect_of_no_turn_is_the_rect() {
        assert_eq!(largest_inner_rect(400.0, 300.0, 0.0), (400.0, 300.0));
        let (w, h) = largest_inner_rect(400.0, 300.0, 5.0);
        assert!(w < 400.0 && h < 300.0 && w > 350.0 && h > 250.0, "{w} {h}");
    }
}
