//! The query's side, undoing a small rotation. Photographs are full of horizontal and vertical structure
//! (horizons, walls, door frames, bodies standing); a copy turned by a few degrees has its gradient directions
//! turned by as much. The angle is read off a histogram of gradient directions folded onto a quarter turn; the
//! plane turned back by it is scanned for the listed image's inner squares like any crop (a rotated copy is
//! always cropped too: its corners are cut off or filled).

use super::plane::{LumaPlane, Rect};

/// Angles below this are within PDQ's own tolerance (about 1-2 degrees): nothing to undo.
const MIN_DEGREES: f32 = 1.5;
/// Largest rotation looked for, in degrees.
const MAX_DEGREES: f32 = 12.0;
/// Histogram bins per degree.
const BINS_PER_DEGREE: f32 = 4.0;
/// The peak must hold this many times the histogram's median bin to count as a direction of the picture.
const MIN_PROMINENCE: f32 = 2.0;
/// Gradients weaker than this (luma levels per pixel) are noise.
const MIN_GRADIENT: f32 = 12.0;

/// The rotation (degrees, counter-clockwise positive in image coordinates with y down) that best explains
/// the plane's dominant gradient directions, when one stands out and is larger than PDQ tolerates.
pub fn estimate_degrees(plane: &LumaPlane) -> Option<f32> {
    let (w, h) = (plane.width(), plane.height());
    if w < 16 || h < 16 {
        return None;
    }
    let half = (45.0 * BINS_PER_DEGREE) as usize;
    let mut histogram = vec![0f32; 2 * half + 1];
    // Every other pixel is plenty for a histogram and halves the cost.
    for y in (1..h - 1).step_by(2) {
        for x in (1..w - 1).step_by(2) {
            let gx = plane.at(x + 1, y) - plane.at(x - 1, y);
            let gy = plane.at(x, y + 1) - plane.at(x, y - 1);
            let magnitude = (gx * gx + gy * gy).sqrt();
            if magnitude < 2.0 * MIN_GRADIENT {
                continue;
            }
            // Fold the direction onto (-45, 45] degrees: edges at 0 and 90 degrees land together.
            let mut degrees = gy.atan2(gx).to_degrees();
            while degrees > 45.0 {
                degrees -= 90.0;
            }
            while degrees <= -45.0 {
                degrees += 90.0;
            }
            let bin = ((degrees * BINS_PER_DEGREE).round() as isize + half as isize) as usize;
            histogram[bin.min(2 * half)] += magnitude;
        }
    }
    let total: f32 = histogram.iter().sum();
    if total <= 0.0 {
        return None;
    }
    // Smooth over a degree so that a slightly bent line still counts in one place.
    let smooth: Vec<f32> = (0..histogram.len())
        .map(|i| {
            let lo = i.saturating_sub(BINS_PER_DEGREE as usize / 2);
            let hi = (i + BINS_PER_DEGREE as usize / 2).min(histogram.len() - 1);
            histogram[lo..=hi].iter().sum()
        })
        .collect();
    let mut sorted = smooth.clone();
    sorted.sort_by(f32::total_cmp);
    let median = sorted[sorted.len() / 2].max(f32::EPSILON);
    let range = (MAX_DEGREES * BINS_PER_DEGREE) as usize;
    let (peak, value) = smooth[half - range..=half + range]
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, &v)| (i + half - range, v))?;
    let degrees = (peak as f32 - half as f32) / BINS_PER_DEGREE;
    (value >= MIN_PROMINENCE * median && degrees.abs() >= MIN_DEGREES).then_some(degrees)
}

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
    let (iw, ih) = largest_inner_rect(w as f32, h as f32, degrees.to_radians());
    let area = Rect::new(cx - iw / 2.0, cy - ih / 2.0, iw, ih);
    (LumaPlane::from_luma(w, h, out), area)
}

fn bilinear(plane: &LumaPlane, x: f32, y: f32) -> f32 {
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

/// Width and height of the largest axis-aligned rectangle centred in a `w` x `h` rectangle turned by `angle`
/// radians. When the turned rectangle is long and thin the answer touches only its long sides (half-constrained
/// case); otherwise all four sides, which gives two linear equations in the inner width and height.
fn largest_inner_rect(w: f32, h: f32, angle: f32) -> (f32, f32) {
    let (sin, cos) = (angle.sin().abs(), angle.cos().abs());
    let (long, short) = if w >= h { (w, h) } else { (h, w) };
    if short <= 2.0 * sin * cos * long || (sin - cos).abs() < 1e-6 {
        let half = 0.5 * short;
        if w >= h { (half / sin, half / cos) } else { (half / cos, half / sin) }
    } else {
        let cos2 = cos * cos - sin * sin;
        ((w * cos - h * sin) / cos2, (h * cos - w * sin) / cos2)
    }
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

    #[test]
    fn the_angle_of_turned_stripes_is_found() {
        for degrees in [-7.0f32, -4.0, 3.0, 5.0, 9.0] {
            let found = estimate_degrees(&stripes(320, 240, degrees)).expect("an angle");
            assert!((found.abs() - degrees.abs()).abs() <= 0.5, "{degrees}: found {found}");
        }
        assert_eq!(estimate_degrees(&stripes(320, 240, 0.5)), None, "within PDQ's tolerance");
    }

    #[test]
    fn turning_back_restores_upright_stripes() {
        let plane = stripes(320, 240, 5.0);
        let found = estimate_degrees(&plane).expect("an angle");
        let (upright, area) = turned_back(&plane, found);
        assert!(estimate_degrees(&upright).is_none());
        assert!(area.width() < 320.0 && area.height() < 240.0 && area.width() > 250.0);
    }

    #[test]
    fn inner_rect_of_no_turn_is_the_rect() {
        let (w, h) = largest_inner_rect(400.0, 300.0, 0.0001);
        assert!((w - 400.0).abs() < 1.0 && (h - 300.0).abs() < 1.0, "{w} {h}");
    }
}
