//! From RGB pixels to the blurred, decimated 64x64 luma that the DCT reads: luma conversion, the Jarosz
//! filter (two passes of a horizontal then a vertical box filter) and point-sampling down to 64x64.

/// Width of the box window along an axis of `dim` pixels: `ceil(dim / 128)`, so two passes of it blur
/// about one 64th of the image, the spacing of the decimation.
pub(crate) fn window(dim: usize) -> usize {
    dim.div_ceil(128)
}

/// The input index sampled for output `i` of 64 along an axis of `dim`: `floor((i + 0.5) * dim / 64)`.
pub(crate) fn sample_index(i: usize, dim: usize) -> usize {
    ((i as f64 + 0.5) * dim as f64 / 64.0) as usize
}

/// The three phases of a box filter of `window` over `len` values: `head` values are summed before the
/// first output; the window then grows to full size, slides, and shrinks by `head` at the end.
/// Output `o` averages inputs `o - (window - 1 - head) ..= o + head`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BoxShape {
    pub head: usize,
    pub window: usize,
    pub len: usize,
}

impl BoxShape {
    pub fn new(window: usize, len: usize) -> Self {
        Self {
            head: (window + 2) / 2 - 1,
            window,
            len,
        }
    }
}

/// Luma `0.299 R + 0.587 G + 0.114 B` in f32, in that order of additions, as the reference computes it.
#[inline(always)]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> f32 {
    0.299f32 * r as f32 + 0.587f32 * g as f32 + 0.114f32 * b as f32
}

/// The straightforward filter, one value at a time: the reference order of operations, kept as the
/// definition that the vectorised pipeline is tested against.
pub(crate) mod scalar {
    use super::*;

    /// Box filter of `values[start + n * stride]` for n in 0..shape.len into the same places of `out`.
    /// The running sum adds the entering value before subtracting the leaving one, and divides by the
    /// number of values in the window.
    fn box_1d(input: &[f32], out: &mut [f32], start: usize, stride: usize, shape: BoxShape) {
        let at = |n: usize| start + n * stride;
        let mut sum = 0f32;
        let mut count = 0usize;
        let (mut enter, mut leave, mut o) = (0, 0, 0);
        for _ in 0..shape.head {
            sum += input[at(enter)];
            enter += 1;
            count += 1;
        }
        // Growing window.
        for _ in 0..shape.window - shape.head {
            sum += input[at(enter)];
            enter += 1;
            count += 1;
            out[at(o)] = sum / count as f32;
            o += 1;
        }
        // Full window.
        for _ in 0..shape.len - shape.window {
            sum += input[at(enter)];
            enter += 1;
            sum -= input[at(leave)];
            leave += 1;
            out[at(o)] = sum / count as f32;
            o += 1;
        }
        // Shrinking window.
        for _ in 0..shape.head {
            sum -= input[at(leave)];
            leave += 1;
            count -= 1;
            out[at(o)] = sum / count as f32;
            o += 1;
        }
    }

    /// The 64x64 buffer of an RGB image at least 5x5.
    pub(crate) fn blurred_64x64(
        pixels: &[u8],
        width: usize,
        height: usize,
        stride: usize,
    ) -> [f32; 64 * 64] {
        let mut a = vec![0f32; width * height];
        for (y, row) in a.chunks_exact_mut(width).enumerate() {
            let rgb = &pixels[y * stride..][..3 * width];
            for (v, p) in row.iter_mut().zip(rgb.chunks_exact(3)) {
                *v = luma(p[0], p[1], p[2]);
            }
        }
        let mut b = vec![0f32; width * height];
        let along_rows = BoxShape::new(window(width), width);
        let along_cols = BoxShape::new(window(height), height);
        for _ in 0..2 {
            for y in 0..height {
                box_1d(&a, &mut b, y * width, 1, along_rows);
            }
            for x in 0..width {
                box_1d(&b, &mut a, x, width, along_cols);
            }
        }
        let mut out = [0f32; 64 * 64];
        for i in 0..64 {
            for j in 0..64 {
                out[64 * i + j] = a[sample_index(i, height) * width + sample_index(j, width)];
            }
        }
        out
    }
}
