//! The query's side of the halfway meeting: square windows at fine steps of scale and position over an area of
//! the query image, each hashed as a region. A crop of a listed image contains one of its inner squares (see
//! [`super::views`]); one of these windows then lies within about a percent of it, close enough for PDQ.

use super::MIRROR;
use super::plane::{LumaPlane, Rect};
#[cfg(doc)]
use super::region::RegionPdq;
use crate::pdq::PdqHash;
use crate::pdq::dct;
use std::sync::OnceLock;

/// How finely windows are laid out.
#[derive(Clone, Copy, Debug)]
pub struct ScanSteps {
    /// The largest window side, as a fraction of the area's shorter side.
    pub max_side: f32,
    /// The smallest window side, as a fraction of the area's shorter side.
    pub min_side: f32,
    /// Each window size is this fraction of the previous one.
    pub scale_ratio: f32,
    /// Windows of one size are this fraction of their side apart.
    pub position_step: f32,
}

impl Default for ScanSteps {
    fn default() -> Self {
        ScanSteps { max_side: 0.8, min_side: 0.55, scale_ratio: 0.975, position_step: 0.02 }
    }
}

/// One window of the scan and its hashes.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Where the window lies in the plane.
    pub rect: Rect,
    /// Its PDQ hash as it is.
    pub hash: PdqHash,
    /// The hash of the window mirrored left to right.
    pub mirrored: PdqHash,
}

/// The square windows of `area` (a rectangle of `plane`) at `steps`, hashed.
///
/// The same as hashing each window with [`RegionPdq`], but the DCT's first (vertical) stage is shared by all the
/// windows of one size and one top edge: it is linear, so it commutes with the cells' horizontal averaging. For a
/// row of windows the plane's columns are transformed once (16 x 64 products per column), and each window then
/// costs 16 x 65 lookups in their running sums and the second stage (16 x 16 x 64), a quarter of a full DCT.
/// Sums run in a different order than PDQ's own DCT (lane-wise, so that they vectorise): a coefficient next to
/// the median may round to the other side, a bit or two in a few windows.
/// Windows are not quality-gated here (the listed side's views are): computing PDQ's quality would need every
/// window's cells again.
pub fn scan(plane: &LumaPlane, area: &Rect, steps: &ScanSteps) -> Vec<Window> {
    let Some(area) = plane.clamp(area) else {
        return Vec::new();
    };
    let dt = transposed_dct();
    let mut out = Vec::new();
    let columns = (area.x0.floor() as usize, (area.x1.ceil() as usize).min(plane.width()));
    let span = columns.1 - columns.0;
    // prefix[x - columns.0]: running sums of the vertical stage's 16 outputs over the columns before x.
    let mut prefix = vec![[0f64; 16]; span + 1];
    let mut transformed = vec![[0f32; 16]; span];
    for side in sides(&area, steps) {
        let cell = side / 64.0;
        let inverse_cell = 1.0 / cell;
        let step = (steps.position_step * side).max(1.0);
        let xs = positions(area.width() - side, step);
        for y in positions(area.height() - side, step) {
            let top = area.y0 + y;
            // The vertical stage for every column: cell-row means, then the 16 row frequencies, accumulated
            // frequency-innermost so the 16 sums are independent lanes.
            for (x, out_column) in (columns.0..columns.1).zip(transformed.iter_mut()) {
                let mut acc = [0f32; 16];
                let mut previous = plane.column_integral(x, top);
                for (k, dt_k) in dt.iter().enumerate() {
                    let next = plane.column_integral(x, top + cell * (k + 1) as f32);
                    let mean = ((next - previous) as f32) * inverse_cell;
                    previous = next;
                    for (a, &d) in acc.iter_mut().zip(dt_k) {
                        *a += d * mean;
                    }
                }
                *out_column = acc;
            }
            for x in 0..span {
                let (before, after) = prefix.split_at_mut(x + 1);
                for ((next, &previous), &value) in after[0].iter_mut().zip(&before[x]).zip(&transformed[x]) {
                    *next = previous + f64::from(value);
                }
            }
            for &x in &xs {
                let left = area.x0 + x;
                // The running sums at the 65 cell edges (fractional columns count in proportion).
                let mut edges = [[0f64; 16]; 65];
                for (j, edge) in edges.iter_mut().enumerate() {
                    let local = (left + cell * j as f32 - columns.0 as f32).clamp(0.0, span as f32);
                    let whole = (local as usize).min(span.saturating_sub(1));
                    let fraction = f64::from(local - whole as f32);
                    for ((e, &p), &v) in edge.iter_mut().zip(&prefix[whole]).zip(&transformed[whole]) {
                        *e = p + fraction * f64::from(v);
                    }
                }
                // The first stage's output for this window, then the second stage, both lane-wise.
                let mut b = [0f32; 256];
                for k in 0..64 {
                    let dt_k = &dt[k];
                    for i in 0..16 {
                        let t_ik = ((edges[k + 1][i] - edges[k][i]) as f32) * inverse_cell;
                        for (bij, &d) in b[16 * i..16 * i + 16].iter_mut().zip(dt_k) {
                            *bij += t_ik * d;
                        }
                    }
                }
                out.push(Window {
                    rect: Rect::new(left, top, side, side),
                    hash: dct::threshold(&b),
                    mirrored: dct::threshold(&MIRROR.apply(&b)),
                });
            }
        }
    }
    out
}

/// PDQ's 16x64 DCT matrix transposed (64 rows of 16), for loops whose 16 frequencies are independent lanes.
fn transposed_dct() -> &'static [[f32; 16]; 64] {
    static MATRIX: OnceLock<[[f32; 16]; 64]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let d = dct::dct_matrix();
        std::array::from_fn(|k| std::array::from_fn(|i| d[i][k]))
    })
}

/// The window sides of a scan of `area`, largest first.
fn sides(area: &Rect, steps: &ScanSteps) -> Vec<f32> {
    let short = area.short_side();
    let mut out = Vec::new();
    let mut side = steps.max_side * short;
    while side >= steps.min_side * short - 1e-3 && side >= 64.0 {
        out.push(side);
        side *= steps.scale_ratio;
    }
    out
}

/// Offsets in `[0, room]` at most `step` apart, both ends included (the middle when there is no room).
fn positions(room: f32, step: f32) -> Vec<f32> {
    if room <= step / 2.0 {
        return vec![room.max(0.0) / 2.0];
    }
    let n = (room / step).ceil() as usize;
    (0..=n).map(|k| room * k as f32 / n as f32).collect()
}

/// The windows' rectangles, in the order [`scan`] hashes them.
pub fn layout(area: &Rect, steps: &ScanSteps) -> Vec<Rect> {
    let mut out = Vec::new();
    for side in sides(area, steps) {
        let step = (steps.position_step * side).max(1.0);
        let xs = positions(area.width() - side, step);
        for y in positions(area.height() - side, step) {
            out.extend(xs.iter().map(|&x| Rect::new(area.x0 + x, area.y0 + y, side, side)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::robust::region::RegionPdq;

    #[test]
    fn every_square_in_range_has_a_window_within_a_step() {
        let area = Rect::new(0.0, 0.0, 400.0, 300.0);
        let steps = ScanSteps::default();
        let windows = layout(&area, &steps);
        for (side, x, y) in [(170.0, 12.0, 40.0), (200.0, 100.0, 3.0), (240.0, 159.0, 59.0)] {
            let best = windows
                .iter()
                .map(|w| {
                    let ds = (w.width() / side - 1.0).abs();
                    let dp = ((w.x0 - x).abs().max((w.y0 - y).abs())) / side;
                    ds.max(dp)
                })
                .fold(f32::INFINITY, f32::min);
            assert!(best <= 0.0135, "square {side} at {x},{y}: nearest window off by {best}");
        }
        assert!(windows.iter().all(|w| w.within(&area, 1e-2)));
    }

    #[test]
    fn shared_stage_hashes_equal_each_window_hashed_alone() {
        let (w, h) = (240, 180);
        let luma: Vec<f32> = (0..w * h)
            .map(|k| {
                let (x, y) = ((k % w) as f32, (k / w) as f32);
                128.0
                    + 60.0 * (x * 0.05 + y * 0.02).sin()
                    + 50.0 * (y * 0.07 - x * 0.03).cos()
                    + 20.0 * (x * y * 0.001).sin()
            })
            .collect();
        let plane = LumaPlane::from_luma(w, h, luma);
        let area = Rect::new(7.3, 4.0, 220.0, 170.0);
        let steps = ScanSteps { max_side: 0.9, min_side: 0.5, scale_ratio: 0.9, position_step: 0.1 };
        let windows = scan(&plane, &area, &steps);
        assert_eq!(windows.len(), layout(&area, &steps).len());
        for window in &windows {
            let alone = RegionPdq::of(&plane, &window.rect).expect("big enough");
            assert!(alone.hash().distance(&window.hash) <= 2, "{:?}", window.rect);
            assert!(alone.variant(MIRROR).distance(&window.mirrored) <= 2, "{:?}", window.rect);
        }
    }
}
