//! The query's side, undoing a small rotation. A copy turned by a few degrees is 20-90 bits from the listed
//! picture's PDQ, and its windows are as far from the listed inner squares; turned back by the right angle within
//! about a degree, it is a crop like any other (its corners are cut off or filled), and the window scan finds the
//! inner squares inside it.
//!
//! The angle is not estimated: on real photographs the direction of their edges gives it in about one case of
//! twenty-five (most have no dominant straight line, and the pixel grid and JPEG blocks pull every histogram of
//! gradient directions to zero). The query is turned back by each of a few angles ([`TURNS`]) instead, two
//! degrees apart, so that any turn between about 2 and 6 degrees either way is within a degree of one of them.
//!
//! Off by default since December 2026 (`QueryOptions::turns` is empty): the listed side keeps squares of each
//! image turned by the same angles ([`super::turn`]), which the plain windows find at no cost per query. On every
//! fourth original of `scripts/bench/robust` the turned squares matched 98.5 % of 5 degree turns, these scans
//! 96.9 %, with 41 % fewer candidates per query.

use super::plane::{LumaPlane, Rect};
use super::scan::ScanSteps;
use super::turn::{bilinear, largest_inner_rect};

/// The rotations the query side undoes, in degrees, both ways. Each costs a scan ([`TURN_SCAN`]) of its own,
/// about a third of the query's windows again; turns under 2 degrees need none (PDQ and the plain scan absorb
/// them), and at 7 degrees and more the turn crops so much that few squares are left whole.
pub const TURNS: &[f32] = &[-5.0, -3.0, 3.0, 5.0];

/// The window scan over a plane turned back, inside the largest rectangle with no invented pixels: the turn has
/// cropped the listed picture on every side, so its inner squares (0.55 of its shorter side) take 0.6 to 0.8 of
/// that rectangle's shorter side, and smaller windows are not scanned. The scale steps are as fine as the plain
/// scan's (3.5 % of scale with 3 % of position lost a quarter of the 5 degree turns), the positions 3 % of a side
/// apart rather than 2 %: a turned-back copy is resampled anyway, and on every fourth original of
/// `scripts/bench/robust` the 5 degree turns matched as often (96.9 % against 95.4 %) with 30 % fewer
/// candidates per query (70,483 against 101,265).
pub const TURN_SCAN: ScanSteps = ScanSteps { max_side: 0.8, min_side: 0.6, scale_ratio: 0.975, position_step: 0.03 };

/// The plane turned by `-degrees` about its centre (undoing a rotation by `degrees`), with the largest
/// axis-aligned rectangle inside the turned picture: the only part with no invented pixels.
pub fn turned_back(plane: &LumaPlane, degrees: f32) -> (LumaPlane, Rect) {
    let (w, h) = (plane.width(), plane.height());
    let (sin, cos) = (-degrees).to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            // The source of output pixel (x, y): rotate back by +degrees.
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let sx = cos * dx + sin * dy + cx - 0.5;
            let sy = -sin * dx + cos * dy + cy - 0.5;
            out[y * w + x] = bilinear(plane, sx, sy);
        }
    }
    let (iw, ih) = largest_inner_rect(w as f32, h as f32, degrees);
    let area = Rect::new(cx - iw / 2.0, cy - ih / 2.0, iw, ih);
    (LumaPlane::from_luma(w, h, out), area)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Smooth (anti-aliased) stripes at `degrees` from the vertical, as a photographed edge would be.
    fn stripes(w: usize, h: usize, degrees: f32) -> LumaPlane {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let luma = (0..w * h)
            .map(|k| {
                let (x, y) = ((k % w) as f32, (k / w) as f32);
                let u = x * cos + y * sin;
                120.0 + 80.0 * (u * std::f32::consts::TAU / 30.0).sin()
            })
            .collect();
        LumaPlane::from_luma(w, h, luma)
    }

    /// Mean over the columns of `area` of each column's spread (standard deviation) down the rows: near zero for
    /// vertical stripes.
    fn column_spread(plane: &LumaPlane, area: &Rect) -> f32 {
        let (x0, x1, y0, y1) = (area.x0 as usize, area.x1 as usize, area.y0 as usize, area.y1 as usize);
        let spread = |x: usize| {
            let values: Vec<f32> = (y0..y1).map(|y| plane.at(x, y)).collect();
            let mean = values.iter().sum::<f32>() / values.len() as f32;
            (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / values.len() as f32).sqrt()
        };
        (x0..x1).map(spread).sum::<f32>() / (x1 - x0) as f32
    }

    #[test]
    fn turning_back_by_the_stripes_angle_restores_upright_stripes_and_the_other_way_does_not() {
        for degrees in [-5.0f32, 3.0, 7.0] {
            let plane = stripes(320, 240, degrees);
            let whole = plane.bounds();
            let (upright, area) = turned_back(&plane, degrees);
            let (wrong, wrong_area) = turned_back(&plane, -degrees);
            assert!(column_spread(&plane, &whole) > 20.0, "{degrees}: turned stripes vary down a column");
            assert!(column_spread(&upright, &area) < 2.0, "{degrees}: {}", column_spread(&upright, &area));
            assert!(column_spread(&wrong, &wrong_area) > 20.0, "{degrees}");
            assert!(area.width() < 320.0 && area.height() < 240.0 && area.width() > 250.0, "{area:?}");
        }
    }
}
