//! PDQ's quality score: how much gradient the blurred 64x64 image has. Flat or nearly flat images score low
//! and give unreliable hashes.

/// The 0..=100 quality of the 64x64 row-major buffer: the sum of the absolute truncated gradients between
/// neighbours, scaled by 100/255 per pair, divided by 90 and capped at 100. Every step mirrors the reference's
/// f32 arithmetic and integer truncation.
pub(crate) fn quality(buffer: &[f32; 64 * 64]) -> u8 {
    let gradient = |u: f32, v: f32| (((u - v) * 100.0 / 255.0) as i32).abs();
    let mut sum: i32 = 0;
    for (upper, lower) in buffer.chunks_exact(64).zip(buffer.chunks_exact(64).skip(1)) {
        for (&u, &v) in upper.iter().zip(lower) {
            sum += gradient(u, v);
        }
    }
    for row in buffer.chunks_exact(64) {
        for pair in row.windows(2) {
            sum += gradient(pair[0], pair[1]);
        }
    }
    (sum / 90).min(100) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_image_has_quality_zero() {
        assert_eq!(quality(&[37.5; 4096]), 0);
    }

    #[test]
    fn gradients_are_truncated_before_summing() {
        // A one-column step of 2.0: each of the 64 pairs gives trunc(0.78) = 0.
        let mut buf = [0f32; 4096];
        for row in buf.chunks_exact_mut(64) {
            row[32..].fill(2.0);
        }
        assert_eq!(quality(&buf), 0);
        // A step of 255 gives 100 per pair: 64 * 100 / 90 = 71.
        for row in buf.chunks_exact_mut(64) {
            row[32..].fill(255.0);
        }
        assert_eq!(quality(&buf), 71);
    }

    #[test]
    fn busy_image_is_capped_at_100() {
        let mut buf = [0f32; 4096];
        for (k, v) in buf.iter_mut().enumerate() {
            *v = if (k / 64 + k % 64) % 2 == 0 { 255.0 } else { 0.0 };
        }
        assert_eq!(quality(&buf), 100);
    }
}
