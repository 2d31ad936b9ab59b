//! The picture inside a video's bars (letterbox, pillarbox, coloured padding), one rectangle for the whole video,
//! found on the query side so that a re-upload set inside bars is hashed as the picture that was listed.
//!
//! Each sampled frame gives the thickness of the uniform bar on each side ([`FrameBars::of_rgb`]): the rows (or
//! columns) from the edge inwards whose pixels nearly all stay close to the colour of the outermost row. A single
//! frame is a poor witness: a dark scene, a black sky or a fade gives "bars" that are the picture. So the video's
//! bar on a side is the thickness that nearly every informative frame has at least ([`video_picture`]), the way
//! FFmpeg's `cropdetect` settles on the largest picture seen: frames that are flat all over (black or one colour)
//! say nothing and are left out, and a bar that only some frames show does not count.
//!
//! The listed side is never trimmed (vPDQ stays Meta's bit for bit); only a query carries the trimmed frames, as
//! a second frame list beside its own.

use serde::{Deserialize, Serialize};

/// A pixel further than this from the bar's colour (luma, 0..=255) is picture.
const PIXEL_TOLERANCE: f32 = 16.0;
/// A row or column is bar when at most this share of its pixels are picture (compression noise, a thin logo).
const PICTURE_SHARE: f32 = 0.01;
/// Share of the informative frames allowed a thinner bar than the video's (a flash, a title over the bar).
const OUTLIER_SHARE: f64 = 0.1;
/// The bars are trimmed only when, on one axis, they take at least this share of the frame together: PDQ itself
/// absorbs a line or two of black at an edge.
const MIN_BARS: f64 = 0.02;
/// The picture left must keep at least this share of each side (9:16 set into 16:9 keeps 32 % of the width).
const MIN_PICTURE: f64 = 0.25;

/// The bar thickness in pixels on each side of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameBars {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Rows of bar at the top.
    pub top: u32,
    /// Rows of bar at the bottom.
    pub bottom: u32,
    /// Columns of bar on the left.
    pub left: u32,
    /// Columns of bar on the right.
    pub right: u32,
}

/// Where the picture lies in the video's frames, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PictureRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

fn luma(p: &[u8]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// Leading entries of `picture_counts` (pixels of each row or column far from the bar colour, out of `len`) that
/// are bar.
fn leading_bars(picture_counts: impl Iterator<Item = u32>, len: usize) -> u32 {
    let allowed = (PICTURE_SHARE * len as f32) as u32;
    picture_counts.take_while(|&count| count <= allowed).count() as u32
}

impl FrameBars {
    /// The bars of one frame of packed RGB24 pixels (`stride` bytes per row), or `None` when the frame is flat all
    /// over (every row is bar) and so tells nothing about where the picture is.
    ///
    /// # Panics
    /// On a caller bug: `pixels` shorter than `stride * (height - 1) + 3 * width`.
    pub fn of_rgb(pixels: &[u8], width: usize, height: usize, stride: usize) -> Option<FrameBars> {
        if width == 0 || height == 0 {
            return None;
        }
        let row = |y: usize| &pixels[y * stride..y * stride + 3 * width];
        let mean = |values: &mut dyn Iterator<Item = f32>, n: usize| values.sum::<f32>() / n as f32;
        // Each side's bar colour is the mean of its outermost row or column.
        let top = mean(&mut row(0).chunks_exact(3).map(luma), width);
        let bottom = mean(&mut row(height - 1).chunks_exact(3).map(luma), width);
        let left = mean(&mut (0..height).map(|y| luma(&row(y)[..3])), height);
        let right = mean(&mut (0..height).map(|y| luma(&row(y)[3 * (width - 1)..])), height);
        let (mut from_top, mut from_bottom) = (vec![0u32; height], vec![0u32; height]);
        let (mut from_left, mut from_right) = (vec![0u32; width], vec![0u32; width]);
        for y in 0..height {
            for (x, p) in row(y).chunks_exact(3).enumerate() {
                let v = luma(p);
                let far = |colour: f32| u32::from((v - colour).abs() > PIXEL_TOLERANCE);
                from_top[y] += far(top);
                from_bottom[y] += far(bottom);
                from_left[x] += far(left);
                from_right[x] += far(right);
            }
        }
        let top = leading_bars(from_top.iter().copied(), width);
        let left = leading_bars(from_left.iter().copied(), height);
        if top as usize == height || left as usize == width {
            return None;
        }
        let bottom = leading_bars(from_bottom.iter().rev().copied(), width);
        let right = leading_bars(from_right.iter().rev().copied(), height);
        Some(FrameBars { width: width as u32, height: height as u32, top, bottom, left, right })
    }
}

/// The video's picture rectangle from its sampled frames' bars (`None` for flat frames), with the frame size
/// `[width, height]` it lies in, or `None` when the video has no bars worth trimming: no informative frame, bars
/// under `MIN_BARS` (2 %) on both axes, or a picture left under `MIN_PICTURE` (25 %) of a side. Frames of another
/// size than the first informative one (a stream that changes resolution) are left out.
pub fn video_picture(frames: &[Option<FrameBars>]) -> Option<(PictureRect, [u32; 2])> {
    let first = frames.iter().flatten().next()?;
    let (width, height) = (first.width, first.height);
    let informative: Vec<&FrameBars> =
        frames.iter().flatten().filter(|f| (f.width, f.height) == (width, height)).collect();
    // Nearly every frame has a bar at least this thick: the thinnest once the outliers are set aside.
    let outliers = (informative.len() as f64 * OUTLIER_SHARE) as usize;
    let side = |of: fn(&FrameBars) -> u32| -> u32 {
        let mut values: Vec<u32> = informative.iter().map(|f| of(f)).collect();
        values.sort_unstable();
        values[outliers]
    };
    let (top, bottom) = (side(|f| f.top), side(|f| f.bottom));
    let (left, right) = (side(|f| f.left), side(|f| f.right));
    let inner_width = width.checked_sub(left + right)?;
    let inner_height = height.checked_sub(top + bottom)?;
    let bars_x = f64::from(left + right) / f64::from(width);
    let bars_y = f64::from(top + bottom) / f64::from(height);
    if bars_x.max(bars_y) < MIN_BARS
        || f64::from(inner_width) < MIN_PICTURE * f64::from(width)
        || f64::from(inner_height) < MIN_PICTURE * f64::from(height)
    {
        return None;
    }
    Some((PictureRect { x: left, y: top, width: inner_width, height: inner_height }, [width, height]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `w` x `h` RGB pixels: a busy texture (varying with `seed`) inside `bars` = (top, bottom, left,
    /// right) of colour `bar`.
    fn frame(w: usize, h: usize, bars: (usize, usize, usize, usize), bar: [u8; 3], seed: f32) -> Vec<u8> {
        let (top, bottom, left, right) = bars;
        let mut px = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                if y < top || y >= h - bottom || x < left || x >= w - right {
                    px.extend_from_slice(&bar);
                } else {
                    let v =
                        128.0 + 100.0 * ((x as f32 * 0.11 + seed + 0.7).sin() * (y as f32 * 0.07 - seed + 0.3).cos());
                    px.extend_from_slice(&[v as u8, (255.0 - v) as u8, v as u8]);
                }
            }
        }
        px
    }

    fn bars_of(px: &[u8], w: usize, h: usize) -> Option<FrameBars> {
        FrameBars::of_rgb(px, w, h, 3 * w)
    }

    #[test]
    fn letterbox_and_pillarbox_bars_are_measured_in_one_frame() {
        let px = frame(160, 120, (20, 18, 0, 0), [0, 0, 0], 0.0);
        let bars = bars_of(&px, 160, 120).expect("a picture");
        assert_eq!((bars.top, bars.bottom, bars.left, bars.right), (20, 18, 0, 0));
        let px = frame(160, 120, (0, 0, 30, 31), [40, 60, 200], 1.0);
        let bars = bars_of(&px, 160, 120).expect("a picture");
        assert_eq!((bars.top, bars.bottom, bars.left, bars.right), (0, 0, 30, 31));
    }

    #[test]
    fn a_flat_frame_is_no_witness() {
        assert_eq!(bars_of(&[0; 160 * 120 * 3], 160, 120), None);
        assert_eq!(bars_of(&[200; 160 * 120 * 3], 160, 120), None);
    }

    #[test]
    fn the_video_picture_lies_inside_the_bars_every_frame_shows() {
        let frames: Vec<_> =
            (0..10).map(|i| bars_of(&frame(160, 120, (20, 20, 0, 0), [0; 3], i as f32), 160, 120)).collect();
        assert_eq!(video_picture(&frames), Some((PictureRect { x: 0, y: 20, width: 160, height: 80 }, [160, 120])));
    }

    /// Dark scenes: black frames, and frames whose upper half is black, neither widen the bars nor make bars of a
    /// video that has none.
    #[test]
    fn dark_scenes_do_not_count_as_bars() {
        let dark_top = |bars: (usize, usize, usize, usize), seed: f32| {
            let mut px = frame(160, 120, bars, [0; 3], seed);
            px[..160 * 60 * 3].fill(0);
            px
        };
        for (bars, truth) in [
            ((20, 20, 0, 0), Some((PictureRect { x: 0, y: 20, width: 160, height: 80 }, [160, 120]))),
            ((0, 0, 0, 0), None),
        ] {
            let mut frames = Vec::new();
            for i in 0..12 {
                let px = match i % 3 {
                    0 => frame(160, 120, bars, [0; 3], i as f32),
                    1 => vec![0; 160 * 120 * 3],
                    _ => dark_top(bars, i as f32),
                };
                frames.push(bars_of(&px, 160, 120));
            }
            assert_eq!(video_picture(&frames), truth, "{bars:?}");
        }
    }

    #[test]
    fn a_bar_in_only_some_frames_does_not_count() {
        let frames: Vec<_> = (0..10)
            .map(|i| {
                let bars = if i % 2 == 0 { (0, 0, 30, 30) } else { (0, 0, 0, 0) };
                bars_of(&frame(160, 120, bars, [0; 3], i as f32), 160, 120)
            })
            .collect();
        assert_eq!(video_picture(&frames), None);
    }

    #[test]
    fn one_odd_frame_among_many_is_set_aside() {
        let mut frames: Vec<_> =
            (0..20).map(|i| bars_of(&frame(160, 120, (0, 0, 40, 40), [0; 3], i as f32), 160, 120)).collect();
        frames[7] = bars_of(&frame(160, 120, (0, 0, 0, 0), [0; 3], 7.0), 160, 120);
        assert_eq!(video_picture(&frames), Some((PictureRect { x: 40, y: 0, width: 80, height: 120 }, [160, 120])));
    }

    #[test]
    fn thin_edges_and_flat_videos_give_no_rectangle() {
        let thin: Vec<_> =
            (0..5).map(|i| bars_of(&frame(200, 100, (1, 0, 1, 1), [0; 3], i as f32), 200, 100)).collect();
        assert_eq!(video_picture(&thin), None, "a line of black at the edge is no bar");
        assert_eq!(video_picture(&[None, None]), None);
        assert_eq!(video_picture(&[]), None);
    }
}
