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
/// row of windows the plane's columns are transformed once (16 x 32 products per column, the DCT folded in half
/// about its middle), and each window then costs 16 x 65 lookups in their running sums and the second stage
/// (16 x 16 x 32), an eighth of a full DCT.
/// Sums run in a different order than PDQ's own DCT (folded, lane-wise, in f32 column integrals), so a coefficient
/// next to the median may round to the other side: a bit or two in a few windows.
/// Windows are not quality-gated here (the listed side's views are): computing PDQ's quality would need every
/// window's cells again.
pub fn scan(plane: &LumaPlane, area: &Rect, steps: &ScanSteps) -> Vec<Window> {
    // The stages are loops of multiply-adds across lanes: compiled again with AVX2 and FMA enabled, that copy runs
    // where the CPU has them (pulp checks at run time; elsewhere the baseline build runs).
    #[cfg(not(target_arch = "wasm32"))]
    let windows = pulp::Arch::new().dispatch(Scan { plane, area, steps });
    #[cfg(target_arch = "wasm32")]
    let windows = scan_in_lanes(plane, area, steps);
    windows
}

/// A scan, as pulp dispatches it.
#[cfg(not(target_arch = "wasm32"))]
struct Scan<'a> {
    plane: &'a LumaPlane,
    area: &'a Rect,
    steps: &'a ScanSteps,
}

#[cfg(not(target_arch = "wasm32"))]
impl pulp::WithSimd for Scan<'_> {
    type Output = Vec<Window>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Vec<Window> {
        scan_in_lanes(self.plane, self.area, self.steps)
    }
}

/// [`scan`]'s body, inlined into each of pulp's builds (so are the stages it calls).
#[inline(always)]
fn scan_in_lanes(plane: &LumaPlane, area: &Rect, steps: &ScanSteps) -> Vec<Window> {
    let Some(area) = plane.clamp(area) else {
        return Vec::new();
    };
    let folded = folded_dct();
    let mut out = Vec::new();
    let columns = (area.x0.floor() as usize, (area.x1.ceil() as usize).min(plane.width()));
    let span = columns.1 - columns.0;
    // prefix[x - columns.0]: running sums of the vertical stage's 16 outputs over the columns before x.
    let mut prefix = vec![[0f64; 16]; span + 1];
    let integrals =
        ColumnIntegrals { width: plane.width(), height: plane.height(), rows: plane.column_integral_rows() };
    let mut transformed = vec![[0f32; 16]; span];
    // The running sums at one window's 65 cell edges; every entry is written before it is read.
    let mut edges = [[0f64; 16]; 65];
    for side in sides(&area, steps) {
        let cell = side / 64.0;
        let inverse_cell = 1.0 / cell;
        let step = (steps.position_step * side).max(1.0);
        let xs = positions(area.width() - side, step);
        for y in positions(area.height() - side, step) {
            let top = area.y0 + y;
            vertical_stage(&integrals, columns.0, top, cell, &mut transformed);
            for x in 0..span {
                let (before, after) = prefix.split_at_mut(x + 1);
                for ((next, &previous), &value) in after[0].iter_mut().zip(&before[x]).zip(&transformed[x]) {
                    *next = previous + f64::from(value);
                }
            }
            for &x in &xs {
                let left = area.x0 + x;
                // Fractional columns count in proportion.
                for (j, edge) in edges.iter_mut().enumerate() {
                    let local = (left + cell * j as f32 - columns.0 as f32).clamp(0.0, span as f32);
                    let whole = (local as usize).min(span.saturating_sub(1));
                    let fraction = f64::from(local - whole as f32);
                    for ((e, &p), &v) in edge.iter_mut().zip(&prefix[whole]).zip(&transformed[whole]) {
                        *e = p + fraction * f64::from(v);
                    }
                }
                // The first stage's output for this window: the 16 rows' means over each cell column k, then the
                // second stage, folded.
                let mut b = [0f32; 256];
                folded.second_stage(&edges, inverse_cell, &mut b);
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

/// Columns of the vertical stage computed together: their 64 cell means and 16 sums (20 KB) stay in the first-level
/// cache.
const CHUNK: usize = 64;

/// The DCT's vertical stage for the columns `from..from + out.len()` of a row of windows whose top edge is `top`
/// and whose cells are `cell` pixels tall: for each column, the 64 cell means, then the 16 row frequencies.
///
/// For a chunk of columns at once: the means of one cell row are a difference of two rows of column integrals, and
/// every frequency then adds a multiple of a pair of them (the DCT folded), contiguous loops that vectorise.
#[inline(always)]
fn vertical_stage(integrals: &ColumnIntegrals, from: usize, top: f32, cell: f32, out: &mut [[f32; 16]]) {
    let folded = folded_dct();
    let inverse_cell = 1.0 / cell;
    let mut means = [[0f32; CHUNK]; 64];
    for (c, chunk) in out.chunks_mut(CHUNK).enumerate() {
        let first = from + c * CHUNK;
        let len = chunk.len();
        let mut previous = [0f32; CHUNK];
        let mut next = [0f32; CHUNK];
        integrals.row(top, first, &mut previous[..len]);
        for (k, mean) in means.iter_mut().enumerate() {
            integrals.row(top + cell * (k + 1) as f32, first, &mut next[..len]);
            for ((m, &n), &p) in mean.iter_mut().zip(&next).zip(&previous) {
                *m = (n - p) * inverse_cell;
            }
            previous = next;
        }
        let mut lanes = [[0f32; CHUNK]; 16];
        for k in 0..32 {
            let (head, tail) = (&means[k], &means[63 - k]);
            let sum: [f32; CHUNK] = std::array::from_fn(|x| head[x] + tail[x]);
            let difference: [f32; CHUNK] = std::array::from_fn(|x| head[x] - tail[x]);
            for (i, lane) in lanes.iter_mut().enumerate() {
                let (d, folded_means) = match i % 2 {
                    0 => (folded.odd[k][i / 2], &difference),
                    _ => (folded.even[k][i / 2], &sum),
                };
                for (t, &m) in lane.iter_mut().zip(folded_means) {
                    *t += d * m;
                }
            }
        }
        for (x, column) in chunk.iter_mut().enumerate() {
            for (value, lane) in column.iter_mut().zip(&lanes) {
                *value = lane[x];
            }
        }
    }
}

/// A plane's column integrals ([`LumaPlane::column_integral_rows`]).
struct ColumnIntegrals {
    width: usize,
    height: usize,
    rows: Vec<f32>,
}

impl ColumnIntegrals {
    /// The integrals of the columns `from..from + out.len()` over rows `[0, y)`, fractional `y` (the row it ends
    /// in counts in proportion).
    #[inline(always)]
    fn row(&self, y: f32, from: usize, out: &mut [f32]) {
        let y = y.clamp(0.0, self.height as f32);
        let y0 = (y as usize).min(self.height.saturating_sub(1));
        let fraction = y - y0 as f32;
        let above = &self.rows[y0 * self.width + from..][..out.len()];
        let below = &self.rows[(y0 + 1) * self.width + from..][..out.len()];
        for ((o, &a), &b) in out.iter_mut().zip(above).zip(below) {
            *o = a + fraction * (b - a);
        }
    }
}

/// PDQ's 16x64 DCT matrix folded in half. Row `i` is the cosine of frequency `i + 1` (PDQ skips the constant
/// term), symmetric about the middle of its 64 samples for even frequencies and antisymmetric for odd ones, so
/// `sum_k D[i][k] v[k]` is `sum_{k < 32} D[i][k] (v[k] +- v[63 - k])`: half the products.
struct FoldedDct {
    /// `odd[k][m]`: the entry of row `2m` (frequency `2m + 1`, odd) at sample `k < 32`.
    odd: [[f32; 8]; 32],
    /// `even[k][m]`: the entry of row `2m + 1` (frequency `2m + 2`, even) at sample `k < 32`.
    even: [[f32; 8]; 32],
}

impl FoldedDct {
    /// The second stage of a window's DCT, `B[i][j] = sum_k T[i][k] D[j][k]` into `b` (PDQ's order, `16 i + j`),
    /// where the first stage's output `T[i][k]` is the mean of row `i` over cell column `k`: the difference of the
    /// running sums at the column's `edges`, times `inverse_cell`.
    ///
    /// Computed 16 rows at a time, lane `i` for row `i`, with the DCT folded: the contiguous lanes vectorise with no
    /// transposition. A row at a time, each row's 64 values were first gathered from the columns one by one.
    #[inline(always)]
    fn second_stage(&self, edges: &[[f64; 16]; 65], inverse_cell: f32, b: &mut [f32; 256]) {
        let mut sums = [[0f32; 16]; 32];
        let mut differences = [[0f32; 16]; 32];
        for k in 0..32 {
            let (head, tail) = ((&edges[k], &edges[k + 1]), (&edges[63 - k], &edges[64 - k]));
            for i in 0..16 {
                let first = (head.1[i] - head.0[i]) as f32;
                let last = (tail.1[i] - tail.0[i]) as f32;
                sums[k][i] = (first + last) * inverse_cell;
                differences[k][i] = (first - last) * inverse_cell;
            }
        }
        for j in 0..16 {
            // Odd frequencies (even j) are antisymmetric about the middle, even ones symmetric.
            let (folded, matrix) = match j % 2 {
                0 => (&differences, &self.odd),
                _ => (&sums, &self.even),
            };
            let mut lanes = [0f32; 16];
            for (values, coefficients) in folded.iter().zip(matrix) {
                let c = coefficients[j / 2];
                for (lane, &v) in lanes.iter_mut().zip(values) {
                    *lane += c * v;
                }
            }
            for (i, &lane) in lanes.iter().enumerate() {
                b[16 * i + j] = lane;
            }
        }
    }
}

fn folded_dct() -> &'static FoldedDct {
    static MATRIX: OnceLock<FoldedDct> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let d = dct::dct_matrix();
        FoldedDct {
            odd: std::array::from_fn(|k| std::array::from_fn(|m| d[2 * m][k])),
            even: std::array::from_fn(|k| std::array::from_fn(|m| d[2 * m + 1][k])),
        }
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
    fn the_folded_dct_is_pdqs_dct() {
        let d = dct::dct_matrix();
        for (i, row) in d.iter().enumerate() {
            // Each row is even or odd about its middle, which the fold relies on.
            let sign = if (i + 1) % 2 == 0 { 1.0 } else { -1.0 };
            assert!((0..64).all(|k| (row[63 - k] - sign * row[k]).abs() < 1e-6), "row {i}");
        }
        let t: [[f32; 64]; 16] = std::array::from_fn(|i| {
            std::array::from_fn(|k| 128.0 + 90.0 * ((k + 7 * i) as f32 * 0.37).sin() - ((k * k + i) % 17) as f32)
        });
        // Running sums over the columns, whose differences are the columns again (cells of one pixel).
        let mut edges = [[0f64; 16]; 65];
        for k in 0..64 {
            edges[k + 1] = std::array::from_fn(|i| edges[k][i] + f64::from(t[i][k]));
        }
        let mut folded = [0f32; 256];
        folded_dct().second_stage(&edges, 1.0, &mut folded);
        let direct = dct::second_stage(&t);
        for (n, (f, d)) in folded.iter().zip(&direct).enumerate() {
            assert!((f - d).abs() < 1e-2, "coefficient {n}: {f} against {d}");
        }
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
