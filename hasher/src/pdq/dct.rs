//! From the blurred 64x64 luma to the 256 hash bits: the 16x16 low-frequency DCT, the median and the threshold.

use std::sync::OnceLock;

use super::PdqHash;

/// The 16x16 DCT coefficients, row-major: `[16 * i + j]` for row frequency `i + 1` and column frequency `j + 1`.
pub(crate) type Coefficients = [f32; 256];

/// `D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1))`, rounded to f32 like the reference, with the operations in
/// the reference's order so every entry rounds the same way. The scale factor is itself rounded to f32 before
/// the f64 product: with a full f64 scale the hashes of flat images (pure rounding noise) differ from the
/// reference's, so this pins the reference's actual rounding.
pub(crate) fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static MATRIX: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = f64::from((2.0f64 / 64.0).sqrt() as f32);
        let mut d = [[0f32; 64]; 16];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, entry) in row.iter_mut().enumerate() {
                let angle = std::f64::consts::PI / 2.0 / 64.0 * (i + 1) as f64 * (2 * j + 1) as f64;
                *entry = (scale * angle.cos()) as f32;
            }
        }
        d
    })
}

/// `B = D A D^T` for the 64x64 row-major `a`. Every sum runs in f32 over the inner index in increasing order,
/// as the reference does: bit-exactness depends on it.
pub(crate) fn dct_64_to_16(a: &[f32; 64 * 64]) -> Coefficients {
    let d = dct_matrix();
    // T = D A (16x64). The inner index k walks down A's column j; looping j innermost keeps every sum in
    // its own lane (same order of additions per output) while reading A row by row.
    let mut t = [[0f32; 64]; 16];
    for (t_row, d_row) in t.iter_mut().zip(d) {
        for (k, a_row) in a.chunks_exact(64).enumerate() {
            let dk = d_row[k];
            for (t_ij, &a_kj) in t_row.iter_mut().zip(a_row) {
                *t_ij += dk * a_kj;
            }
        }
    }
    second_stage(&t)
}

/// B = T D^T (16x16): the DCT's second (horizontal) stage from the first stage's 16x64 output.
pub(crate) fn second_stage(t: &[[f32; 64]; 16]) -> Coefficients {
    let d = dct_matrix();
    let mut b = [0f32; 256];
    for (i, t_row) in t.iter().enumerate() {
        for (j, d_row) in d.iter().enumerate() {
            let mut sum = 0f32;
            for (&t_ik, &d_jk) in t_row.iter().zip(d_row) {
                sum += t_ik * d_jk;
            }
            b[16 * i + j] = sum;
        }
    }
    b
}

/// The lower median of the 256 values (the 128th smallest), which is what Torben's method returns.
///
/// Selected among integer keys that order like [`f32::total_cmp`]: the same value, but integers compare without
/// `total_cmp`'s bit fiddling on every comparison (the robust scan takes two medians per window).
fn lower_median(values: &Coefficients) -> f32 {
    let mut keys = values.map(order_key);
    let (_, median, _) = keys.select_nth_unstable(127);
    from_order_key(*median)
}

/// An integer whose order is [`f32::total_cmp`]'s: negative values have every bit flipped (larger magnitudes
/// sort lower), non-negative ones their sign bit set.
fn order_key(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits >> 31 == 1 { !bits } else { bits | 1 << 31 }
}

fn from_order_key(key: u32) -> f32 {
    f32::from_bits(if key >> 31 == 1 { key & !(1 << 31) } else { !key })
}

/// Bit `k` is set when coefficient `k` is strictly above the median.
///
/// Built a byte at a time without a branch: half the comparisons go each way at random, so a branch per bit was
/// mispredicted about half the time, and the robust scan thresholds two hashes per window (a fifth of its time).
pub(crate) fn threshold(coefficients: &Coefficients) -> PdqHash {
    let median = lower_median(coefficients);
    let mut bytes = [0u8; 32];
    // Coefficients 8j..8j + 8 are the bits of byte 31 - j (see `PdqHash::bit`).
    for (j, eight) in coefficients.chunks_exact(8).enumerate() {
        bytes[31 - j] = eight.iter().enumerate().fold(0u8, |byte, (i, &c)| byte | (u8::from(c > median) << i));
    }
    PdqHash::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_median_is_the_128th_smallest_with_ties_and_skewed_values() {
        let mut state = 7u64;
        let mut next = move || {
            state += 1;
            crate::index::id_hash(state)
        };
        for case in 0..3000 {
            // Few levels (many ties, at the median too), wide values, a few huge ones, negative squares.
            let values: Coefficients = std::array::from_fn(|k| match case % 4 {
                0 => (next() % 5) as f32 - 2.0,
                1 => (next() % (1 << 24)) as f32 * 1e-3 - 8000.0,
                2 => {
                    if k % 8 == 3 {
                        1e6
                    } else {
                        (next() % 1000) as f32
                    }
                }
                _ => -((next() % 300) as f32).powi(2),
            });
            let mut sorted = values;
            sorted.sort_by(f32::total_cmp);
            assert_eq!(lower_median(&values).to_bits(), sorted[127].to_bits(), "case {case}");
        }
    }

    #[test]
    fn order_keys_order_like_total_cmp_and_round_trip() {
        let values = [f32::NEG_INFINITY, -3.5e9, -2.0, -1e-30, -0.0, 0.0, 1e-30, 0.5, 2.0, 7e12, f32::INFINITY];
        for pair in values.windows(2) {
            assert!(order_key(pair[0]) < order_key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        for v in values {
            assert_eq!(from_order_key(order_key(v)).to_bits(), v.to_bits());
        }
    }

    #[test]
    fn lower_median_takes_the_128th_smallest() {
        let mut values = [0f32; 256];
        for (k, v) in values.iter_mut().enumerate() {
            *v = ((k * 89) % 256) as f32;
        }
        assert_eq!(lower_median(&values), 127.0);
    }

    #[test]
    fn threshold_sets_the_bit_of_each_coefficient_above_the_median() {
        let mut values = [0f32; 256];
        for (k, v) in values.iter_mut().enumerate() {
            *v = ((k * 89) % 256) as f32;
        }
        let hash = threshold(&values);
        for (k, &v) in values.iter().enumerate() {
            assert_eq!(hash.bit(k), v > 127.0, "bit {k}");
        }
    }

    #[test]
    fn threshold_is_strictly_greater() {
        let mut values = [1f32; 256];
        values[200] = 2.0;
        let hash = threshold(&values);
        assert!(hash.bit(200));
        assert_eq!(hash.distance(&PdqHash::ZERO), 1);
    }

    #[test]
    fn dct_rows_are_orthonormal() {
        let d = dct_matrix();
        for i in 0..16 {
            for j in 0..16 {
                let dot: f64 = (0..64).map(|k| d[i][k] as f64 * d[j][k] as f64).sum();
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-5, "{i},{j}: {dot}");
            }
        }
    }

    #[test]
    fn flat_input_has_no_low_frequencies() {
        let b = dct_64_to_16(&[100.0; 4096]);
        assert!(b.iter().all(|c| c.abs() < 1e-2), "{b:?}");
    }
}
