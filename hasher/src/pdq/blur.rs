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
        Self { head: (window + 2) / 2 - 1, window, len }
    }
}

/// Luma `0.299 R + 0.587 G + 0.114 B` in f32, in that order of additions, as the reference computes it.
#[inline(always)]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> f32 {
    0.299f32 * r as f32 + 0.587f32 * g as f32 + 0.114f32 * b as f32
}

/// One step of a box filter's walk: add the entering value, subtract the leaving one, then (once the head is
/// summed) write output `out` as the sum divided by `count`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    pub enter: Option<usize>,
    pub leave: Option<usize>,
    pub out: Option<usize>,
    pub count: f32,
}

impl BoxShape {
    /// The `len + head` steps of the walk, the reference's four phases (sum the head; grow; slide; shrink)
    /// expressed per step so one loop body serves them all.
    pub fn steps(self) -> impl Iterator<Item = Step> {
        let BoxShape { head, window, len } = self;
        (0..len + head).map(move |s| {
            let entered = s.min(len - 1) + 1;
            let left = (s + 1).saturating_sub(window);
            Step {
                enter: (s < len).then_some(s),
                leave: s.checked_sub(window),
                out: s.checked_sub(head),
                count: (entered - left) as f32,
            }
        })
    }
}

/// Rows filtered in lock step by the horizontal passes. Each lane is one image row, so every output sees
/// exactly the reference's sequence of f32 operations; the lanes only let the compiler use vector registers.
const LANES: usize = 16;

/// Reusable buffers of the vectorised pipeline (kept per thread, so hashing does not allocate), wiped after
/// every image so no trace of its pixels lingers.
///
/// Layout: `strip` holds `LANES` rows interleaved (`[column * LANES + lane]`); `ring` holds the last rows of
/// the first horizontal pass, as many as the first vertical pass still needs; `sums` and `rows` are the
/// vertical pass's running column sums and its output rows; `columns` keeps only the 64 sampled columns of
/// the second horizontal pass (`[row * 64 + j]`).
#[derive(Default, Debug)]
pub(crate) struct Scratch {
    strip: Vec<f32>,
    strip_out: Vec<f32>,
    ring: Vec<f32>,
    sums: Vec<f32>,
    rows: Vec<f32>,
    columns: Vec<f32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The blurred 64x64 buffer of an RGB image at least 5x5, bit-identical to `scalar::blurred_64x64` (the tests check it).
pub(crate) fn blurred_64x64(pixels: &[u8], width: usize, height: usize, stride: usize) -> [f32; 64 * 64] {
    SCRATCH.with_borrow_mut(|scratch| {
        let out = scratch.blur(pixels, width, height, stride);
        scratch.wipe();
        out
    })
}

/// Resizes a scratch vector to `len` (its contents are overwritten before being read).
fn sized(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    v.resize(len, 0.0);
    &mut v[..len]
}

/// The horizontal box filter of `LANES` interleaved rows of `shape.len` values, calling `emit(o, sums, count)`
/// for every output column `o`.
#[inline(always)]
fn box_along_lanes(strip: &[f32], shape: BoxShape, mut emit: impl FnMut(usize, &[f32; LANES], f32)) {
    let mut sums = [0f32; LANES];
    for step in shape.steps() {
        if let Some(e) = step.enter {
            for (s, &v) in sums.iter_mut().zip(&strip[e * LANES..][..LANES]) {
                *s += v;
            }
        }
        if let Some(l) = step.leave {
            for (s, &v) in sums.iter_mut().zip(&strip[l * LANES..][..LANES]) {
                *s -= v;
            }
        }
        if let Some(o) = step.out {
            emit(o, &sums, step.count);
        }
    }
}

/// Adds row `enter` and subtracts row `leave` to the running column sums, in that order per column.
#[inline(always)]
fn slide_columns(sums: &mut [f32], enter: Option<&[f32]>, leave: Option<&[f32]>) {
    match (enter, leave) {
        (Some(e), Some(l)) => {
            for ((s, &e), &l) in sums.iter_mut().zip(e).zip(l) {
                *s = *s + e - l;
            }
        }
        (Some(e), None) => sums.iter_mut().zip(e).for_each(|(s, &e)| *s += e),
        (None, Some(l)) => sums.iter_mut().zip(l).for_each(|(s, &l)| *s -= l),
        (None, None) => {}
    }
}

impl Scratch {
    fn wipe(&mut self) {
        for v in
            [&mut self.strip, &mut self.strip_out, &mut self.ring, &mut self.sums, &mut self.rows, &mut self.columns]
        {
            v.fill(0.0);
        }
    }

    fn blur(&mut self, pixels: &[u8], width: usize, height: usize, stride: usize) -> [f32; 64 * 64] {
        let along_rows = BoxShape::new(window(width), width);
        let along_cols = BoxShape::new(window(height), height);
        let sample_cols: [usize; 64] = std::array::from_fn(|j| sample_index(j, width));
        let sample_rows: [usize; 64] = std::array::from_fn(|i| sample_index(i, height));

        // The first vertical pass needs rows up to `window` back from the one entering; strips of the first
        // horizontal pass arrive `LANES` rows at a time.
        let ring_rows = along_cols.window + LANES;
        let strip = sized(&mut self.strip, width * LANES);
        let strip_out = sized(&mut self.strip_out, width * LANES);
        let ring = sized(&mut self.ring, ring_rows * width);
        let sums = sized(&mut self.sums, width);
        sums.fill(0.0);
        let rows = sized(&mut self.rows, LANES * width);
        let columns = sized(&mut self.columns, height * 64);

        let mut produced = 0;
        for step in along_cols.steps() {
            // Pass 1, horizontal: luma of the next LANES rows, filtered along the row, into the ring.
            if step.enter.is_some_and(|e| e >= produced) {
                let first = produced;
                for lane in 0..LANES {
                    let y = (first + lane).min(height - 1);
                    let rgb = &pixels[y * stride..][..3 * width];
                    for (c, p) in rgb.chunks_exact(3).enumerate() {
                        strip[c * LANES + lane] = luma(p[0], p[1], p[2]);
                    }
                }
                box_along_lanes(strip, along_rows, |o, s, count| {
                    for (d, &s) in strip_out[o * LANES..][..LANES].iter_mut().zip(s) {
                        *d = s / count;
                    }
                });
                for lane in 0..LANES.min(height - first) {
                    let y = first + lane;
                    let dst = &mut ring[(y % ring_rows) * width..][..width];
                    for (c, d) in dst.iter_mut().enumerate() {
                        *d = strip_out[c * LANES + lane];
                    }
                }
                produced += LANES;
            }
            // Pass 1, vertical: running column sums over the ring rows, one output row per step.
            let row = |y: usize| &ring[(y % ring_rows) * width..][..width];
            slide_columns(sums, step.enter.map(row), step.leave.map(row));
            let Some(o) = step.out else { continue };
            let lane = o % LANES;
            for (d, &s) in rows[lane * width..][..width].iter_mut().zip(sums.iter()) {
                *d = s / step.count;
            }
            if lane + 1 < LANES && o + 1 < height {
                continue;
            }
            // Pass 2, horizontal, on the strip of finished rows; only the 64 sampled columns are divided out.
            let first = o - lane;
            for l in 0..=lane {
                for (c, &v) in rows[l * width..][..width].iter().enumerate() {
                    strip[c * LANES + l] = v;
                }
            }
            let mut next = 0;
            box_along_lanes(strip, along_rows, |o, s, count| {
                while next < 64 && sample_cols[next] == o {
                    for (l, &s) in s.iter().enumerate().take(lane + 1) {
                        columns[(first + l) * 64 + next] = s / count;
                    }
                    next += 1;
                }
            });
        }

        // Pass 2, vertical, on the 64 sampled columns; only the 64 sampled rows are divided out.
        let mut out = [0f32; 64 * 64];
        let mut sums = [0f32; 64];
        let mut next = 0;
        for step in along_cols.steps() {
            let row = |y: usize| &columns[y * 64..][..64];
            slide_columns(&mut sums, step.enter.map(row), step.leave.map(row));
            let Some(o) = step.out else { continue };
            while next < 64 && sample_rows[next] == o {
                for (d, &s) in out[next * 64..][..64].iter_mut().zip(&sums) {
                    *d = s / step.count;
                }
                next += 1;
            }
        }
        out
    }
}

/// The straightforward filter, one value at a time: the reference order of operations, kept as the
/// definition that the vectorised pipeline is tested against.
#[cfg(test)]
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
    pub(crate) fn blurred_64x64(pixels: &[u8], width: usize, height: usize, stride: usize) -> [f32; 64 * 64] {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random RGB with some structure, so the blur sums vary.
    fn noise(width: usize, height: usize, seed: u32) -> Vec<u8> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..width * height * 3)
            .map(|k| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let smooth = (k / 3 % width * 255 / width) as u32;
                ((state % 96) + smooth / 2) as u8
            })
            .collect()
    }

    #[test]
    fn vectorised_blur_equals_the_scalar_definition_bit_for_bit() {
        let sizes = [
            (5, 5),
            (6, 200),
            (34, 42),
            (63, 17),
            (64, 64),
            (129, 130),
            (257, 255),
            (300, 31),
            (640, 481),
            (1600, 1004),
        ];
        for (seed, &(w, h)) in sizes.iter().enumerate() {
            let px = noise(w, h, seed as u32);
            let fast = blurred_64x64(&px, w, h, 3 * w);
            let slow = scalar::blurred_64x64(&px, w, h, 3 * w);
            let differ = fast.iter().zip(&slow).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
            assert_eq!(differ, 0, "{w}x{h}: {differ} of 4096 values differ");
        }
    }

    #[test]
    fn scratch_is_wiped_after_each_image() {
        let px = noise(50, 40, 7);
        blurred_64x64(&px, 50, 40, 150);
        SCRATCH.with_borrow(|s| {
            for v in [&s.strip, &s.strip_out, &s.ring, &s.sums, &s.rows, &s.columns] {
                assert!(v.iter().all(|&x| x == 0.0));
            }
        });
    }

    #[test]
    fn box_steps_follow_the_four_phases() {
        // window 4 over 6 values: head 2; outputs average [0..=2], [0..=3], [1..=4], [2..=5], [3..=5], [4..=5].
        let steps: Vec<_> = BoxShape::new(4, 6).steps().collect();
        assert_eq!(steps.len(), 8);
        let outs: Vec<_> = steps.iter().filter_map(|s| s.out.map(|o| (o, s.count))).collect();
        assert_eq!(outs, [(0, 3.0), (1, 4.0), (2, 4.0), (3, 4.0), (4, 3.0), (5, 2.0)]);
        assert_eq!(steps[4].enter, Some(4));
        assert_eq!(steps[4].leave, Some(0));
        assert_eq!(steps[7].enter, None);
        assert_eq!(steps[7].leave, Some(3));
    }

    #[test]
    fn window_and_sampling_follow_the_spec() {
        let windows: Vec<_> = [1600, 1004, 512, 256, 128, 5].map(window).to_vec();
        assert_eq!(windows, [13, 8, 4, 2, 1, 1]);
        assert_eq!(sample_index(0, 1004), 7);
        assert_eq!(sample_index(63, 1004), 996);
        assert_eq!(sample_index(63, 34), 33);
    }
}
