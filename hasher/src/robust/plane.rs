//! The luma plane that views and candidates are cut from, with its summed-area table, so that the 64x64 cell
//! means of any rectangle (the input of PDQ's DCT) cost 65 x 65 table reads whatever the rectangle's size.

use zeroize::Zeroize;

use crate::pdq::blur::luma;

/// Planes are box-reduced by an integer factor until their shorter side is at most this. Cells of the smallest
/// region we hash (half the shorter side, 64 cells) then still span several pixels, and a 12 MP photo costs
/// ~11 MB of table instead of ~100.
const MAX_SHORT_SIDE: usize = 768;

/// A rectangle in plane pixels (fractional), `x0 < x1`, `y0 < y1`.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Rect {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge (exclusive).
    pub x1: f32,
    /// Bottom edge (exclusive).
    pub y1: f32,
}

impl Rect {
    /// The rectangle from its corner and size.
    pub fn new(x: f32, y: f32, width: f32, height: f32) -> Self {
        Rect { x0: x, y0: y, x1: x + width, y1: y + height }
    }

    /// Width.
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }

    /// Height.
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }

    /// The shorter side.
    pub fn short_side(&self) -> f32 {
        self.width().min(self.height())
    }

    /// Whether `self` lies inside `outer` (with `slack` pixels of tolerance).
    pub fn within(&self, outer: &Rect, slack: f32) -> bool {
        self.x0 >= outer.x0 - slack
            && self.y0 >= outer.y0 - slack
            && self.x1 <= outer.x1 + slack
            && self.y1 <= outer.y1 + slack
    }
}

/// A grey image (PDQ's luma) and its summed-area table.
pub struct LumaPlane {
    width: usize,
    height: usize,
    /// Row-major luma, `width * height`.
    luma: Vec<f32>,
    /// `(width + 1) * (height + 1)`: entry `(x, y)` sums the luma of `[0, x) x [0, y)`. f64 keeps every sum
    /// exact to well below a grey level at any plane size.
    sat: Vec<f64>,
}

impl Drop for LumaPlane {
    /// A plane is a grey copy of someone's picture: like the decoded pixels (`RgbImage`), it must not linger in
    /// freed memory.
    fn drop(&mut self) {
        self.luma.zeroize();
        self.sat.zeroize();
    }
}

impl std::fmt::Debug for LumaPlane {
    /// The size only: a plane is a grey copy of someone's picture.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LumaPlane({}x{})", self.width, self.height)
    }
}

impl LumaPlane {
    /// The plane of packed RGB24 pixels (rows `stride` bytes apart), box-reduced by an integer factor so that its
    /// shorter side is at most 768 pixels.
    pub fn from_rgb(pixels: &[u8], width: usize, height: usize, stride: usize) -> Self {
        let factor = (width.min(height) / MAX_SHORT_SIDE).max(1);
        let (w, h) = (width / factor, height / factor);
        let mut out = vec![0f32; w * h];
        let scale = 1.0 / (factor * factor) as f32;
        for y in 0..h {
            let row = &mut out[y * w..][..w];
            for dy in 0..factor {
                let src = &pixels[(y * factor + dy) * stride..];
                for (x, value) in row.iter_mut().enumerate() {
                    for dx in 0..factor {
                        let p = &src[3 * (x * factor + dx)..][..3];
                        *value += luma(p[0], p[1], p[2]);
                    }
                }
            }
            if factor > 1 {
                row.iter_mut().for_each(|v| *v *= scale);
            }
        }
        Self::from_luma(w, h, out)
    }

    /// The plane of row-major luma values.
    ///
    /// # Panics
    /// If `luma.len() != width * height`.
    pub fn from_luma(width: usize, height: usize, luma: Vec<f32>) -> Self {
        assert_eq!(luma.len(), width * height, "luma plane size");
        let stride = width + 1;
        let mut sat = vec![0f64; stride * (height + 1)];
        for y in 0..height {
            let mut row_sum = 0f64;
            for x in 0..width {
                row_sum += f64::from(luma[y * width + x]);
                sat[(y + 1) * stride + x + 1] = sat[y * stride + x + 1] + row_sum;
            }
        }
        LumaPlane { width, height, luma, sat }
    }

    /// This plane box-reduced by the smallest integer factor that brings its shorter side to at most
    /// `max_short` pixels, and that factor.
    pub fn reduced(&self, max_short: usize) -> (LumaPlane, usize) {
        let factor = self.width.min(self.height).div_ceil(max_short.max(1)).max(1);
        if factor == 1 {
            return (LumaPlane::from_luma(self.width, self.height, self.luma.clone()), 1);
        }
        let (w, h) = (self.width / factor, self.height / factor);
        let mut luma = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                luma.push(self.block_mean(x * factor, y * factor, (x + 1) * factor, (y + 1) * factor));
            }
        }
        (LumaPlane::from_luma(w, h, luma), factor)
    }

    /// Width in plane pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in plane pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The whole plane as a rectangle.
    pub fn bounds(&self) -> Rect {
        Rect::new(0.0, 0.0, self.width as f32, self.height as f32)
    }

    /// The luma at `(x, y)`.
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.luma[y * self.width + x]
    }

    /// Row `y`.
    pub fn row(&self, y: usize) -> &[f32] {
        &self.luma[y * self.width..][..self.width]
    }

    /// The mean luma of the pixel block `[x0, x1) x [y0, y1)` (integer bounds, non-empty).
    pub fn block_mean(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f32 {
        let s = self.width + 1;
        let sum = self.sat[y1 * s + x1] - self.sat[y0 * s + x1] - self.sat[y1 * s + x0] + self.sat[y0 * s + x0];
        (sum / ((x1 - x0) * (y1 - y0)) as f64) as f32
    }

    /// The integral of the luma over `[0, x) x [0, y)` for fractional `x`, `y` (clamped to the plane): the
    /// table interpolated bilinearly, which is exact for an image whose pixels are constant squares.
    pub fn integral(&self, x: f32, y: f32) -> f64 {
        let x = x.clamp(0.0, self.width as f32);
        let y = y.clamp(0.0, self.height as f32);
        let (x0, y0) =
            ((x as usize).min(self.width.saturating_sub(1)), (y as usize).min(self.height.saturating_sub(1)));
        let (fx, fy) = (f64::from(x - x0 as f32), f64::from(y - y0 as f32));
        let s = self.width + 1;
        let at = |xx: usize, yy: usize| self.sat[yy * s + xx];
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
        let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// Every column's integral over rows `[0, y)` for each whole `y` in `0..=height`, row-major, in f32: the
    /// window scan's vertical stage reads 65 interpolated rows of it per row of windows, contiguous and in lanes.
    /// Sums are accumulated in f64 and then rounded: a cell's mean, a difference of two, stays within a hundredth
    /// of a grey level.
    pub fn column_integral_rows(&self) -> Vec<f32> {
        let w = self.width;
        let mut out = Vec::with_capacity(w * (self.height + 1));
        let mut running = vec![0f64; w];
        out.extend(std::iter::repeat_n(0f32, w));
        for row in self.luma.chunks_exact(w) {
            for (sum, &v) in running.iter_mut().zip(row) {
                *sum += f64::from(v);
            }
            out.extend(running.iter().map(|&v| v as f32));
        }
        out
    }

    /// The 64x64 cell means of `rect` (clamped to the plane), the rectangle's edges taken exactly (fractional
    /// pixels count in proportion), or `None` when it spans fewer than 64 pixels on a side: such a region has
    /// nothing left to hash at PDQ's resolution.
    pub fn cells_64(&self, rect: &Rect) -> Option<Box<[f32; 64 * 64]>> {
        let r = self.clamp(rect)?;
        let (cw, ch) = (r.width() / 64.0, r.height() / 64.0);
        let mut corners = [[0f64; 65]; 65];
        for (i, row) in corners.iter_mut().enumerate() {
            let y = r.y0 + ch * i as f32;
            for (j, c) in row.iter_mut().enumerate() {
                *c = self.integral(r.x0 + cw * j as f32, y);
            }
        }
        let inverse_area = 1.0 / (f64::from(cw) * f64::from(ch));
        let mut cells = Box::new([0f32; 64 * 64]);
        for i in 0..64 {
            for j in 0..64 {
                let sum = corners[i + 1][j + 1] - corners[i][j + 1] - corners[i + 1][j] + corners[i][j];
                cells[i * 64 + j] = (sum * inverse_area) as f32;
            }
        }
        Some(cells)
    }

    /// `rect` clamped to the plane, or `None` when less than 64 pixels remain on a side.
    pub fn clamp(&self, rect: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: rect.x0.max(0.0),
            y0: rect.y0.max(0.0),
            x1: rect.x1.min(self.width as f32),
            y1: rect.y1.min(self.height as f32),
        };
        (r.width() >= 64.0 && r.height() >= 64.0).then_some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(width: usize, height: usize) -> LumaPlane {
        let luma = (0..width * height).map(|k| ((k % width) * 2 + (k / width)) as f32).collect();
        LumaPlane::from_luma(width, height, luma)
    }

    #[test]
    fn block_means_read_the_table() {
        let plane = ramp(100, 80);
        // Mean of x*2 + y over x in 10..20, y in 5..9: 2*14.5 + 6.5.
        assert!((plane.block_mean(10, 5, 20, 9) - 35.5).abs() < 1e-4);
        assert!((plane.block_mean(0, 0, 1, 1) - 0.0).abs() < 1e-6);
    }

    #[test]
    fn fractional_integrals_count_pixels_in_proportion() {
        let plane = ramp(100, 80);
        // Half of pixel (10, 5) (value 25) plus all of pixel (11, 5) (value 27).
        let sum = plane.integral(12.0, 6.0) - plane.integral(10.5, 6.0) - plane.integral(12.0, 5.0)
            + plane.integral(10.5, 5.0);
        assert!((sum - (12.5 + 27.0)).abs() < 1e-6, "{sum}");
        // Column 3 over rows 0 and 1 (values 6 and 7): row 2 of the column integrals.
        let rows = plane.column_integral_rows();
        assert_eq!(rows.len(), 100 * 81);
        assert!((rows[2 * 100 + 3] - (6.0 + 7.0)).abs() < 1e-6, "{}", rows[2 * 100 + 3]);
    }

    #[test]
    fn cells_of_a_plane_of_exactly_64_pixels_are_its_pixels() {
        let plane = ramp(64, 64);
        let cells = plane.cells_64(&plane.bounds()).expect("64 pixels");
        for y in [0, 17, 63] {
            for x in [0, 31, 63] {
                assert_eq!(cells[y * 64 + x], plane.at(x, y));
            }
        }
    }

    #[test]
    fn regions_under_64_pixels_have_no_cells() {
        let plane = ramp(200, 100);
        assert!(plane.cells_64(&Rect::new(0.0, 0.0, 63.0, 100.0)).is_none());
        assert!(plane.cells_64(&Rect::new(150.0, 0.0, 100.0, 100.0)).is_none(), "clamped to 50 wide");
        assert!(plane.cells_64(&Rect::new(10.0, 10.0, 90.0, 70.0)).is_some());
    }

    #[test]
    fn large_images_are_box_reduced() {
        let (w, h) = (1600, 1540);
        let px = vec![100u8; w * h * 3];
        let plane = LumaPlane::from_rgb(&px, w, h, 3 * w);
        assert_eq!((plane.width(), plane.height()), (800, 770));
        assert!((plane.at(5, 5) - luma(100, 100, 100)).abs() < 1e-3);
    }
}
