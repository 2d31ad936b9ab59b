//! Cropped re-encodes of a listed video: the two sides meet halfway, as for images ([`crate::robust`]), with one
//! frame at a time.
//!
//! A video re-encoded with a crop (a few percent off every side, a watermark cut off one edge, a landscape clip
//! cut to a square or to a 9:16 story) keeps none of its frames' PDQ hashes: each lands 80 bits or more from the
//! listed frame. So:
//! - **the listed side** keeps, besides each sampled frame's own hash (Meta's vPDQ, unchanged), the PDQ hashes of
//!   two squares centred in the frame ([`FRAME_SQUARES`]: 80 % and 52 % of its shorter side). A crop of up to
//!   10 % per side keeps the larger one whole, a crop of up to 24 % per side or a centred 9:16 cut of a 16:9 frame
//!   the smaller one. Centred rather than on a grid as an image's: videos are cropped about their middle, and a
//!   frame list is long (two hashes a frame, not twenty).
//! - **the query side** ([`frame_windows`]) scans each sampled frame (or the picture inside its bars) with square
//!   windows of 50 % to 100 % of its shorter side, whose centres lie near the frame's centre
//!   ([`CENTRE_SLACK`]): one of them lies within about a percent of a listed square the crop kept.
//!
//! Whether a listed video matches is decided over all its frames ([`super::cropped`]).
//!
//! Privacy floor: no square is smaller than half of the frame's shorter side, as for images.

use super::FrameWindows;
use crate::pdq::{PdqHash, QUALITY_THRESHOLD};
#[cfg(test)]
use crate::robust::Region;
use crate::robust::region::RegionPdq;
use crate::robust::scan::{self, ScanSteps};
use crate::robust::{LumaPlane, Rect, View, views};

/// Sides of the centred squares kept for each listed frame, as fractions of the frame's shorter side, largest
/// first. 0.52 rather than 0.5 so that rounding to the list's units can never take one under the privacy floor.
pub const FRAME_SQUARES: [f32; 2] = [0.8, 0.52];

/// Query windows: their sides, as fractions of the scanned area's shorter side, from the largest. A listed square
/// of side `s` (of the listed frame's shorter side) appears at `s / kept` in a copy keeping `kept` of it.
pub const WINDOW_SIDES: (f32, f32) = (1.0, 0.5);

/// Query windows: how far a window's centre may lie from the area's centre, as a fraction of its shorter side on
/// each axis. A crop that takes `c` more off one side than off the other moves the listed frame's centre by
/// `c / 2` of that axis: 0.1 covers a cut of up to 16 % from the top or the bottom of a landscape frame, and of up
/// to 11 % from its left or right edge at 16:9 (0.12 would cover 20 % and 13 %, with 40 % more windows).
pub const CENTRE_SLACK: f32 = 0.1;

/// Query windows: each size is this fraction of the previous one, and windows of one size are this fraction of
/// their side apart (as the image scan: the nearest window is within about a percent of a square).
const WINDOW_STEPS: (f32, f32) = (0.975, 0.02);

/// Most frames of a query video scanned with windows (a frame brings about 6,600 of them at 16:9, whatever its
/// resolution: the scan runs on a copy of at most 384 pixels on its shorter side). A long video's windowed frames
/// are thinned to this many, spread over it.
pub const MAX_WINDOW_FRAMES: usize = 120;

/// Drops every other frame, the first kept: a long video's windowed frames thinned so that those kept stay
/// spread over it (the hashing's cap, [`MAX_WINDOW_FRAMES`], and the match API's search budget both thin them).
pub fn keep_every_other(frames: &mut Vec<FrameWindows>) {
    let mut n = 0;
    frames.retain(|_| {
        n += 1;
        n % 2 == 1
    });
}

/// Shorter side of the copy of a query frame the windows are scanned on (as the image scan's).
const SCAN_SHORT_SIDE: usize = 384;

/// The centred squares of a listed frame given as packed RGB24 pixels, in [`FRAME_SQUARES`] order; squares too
/// flat to hash reliably (PDQ quality under 50) are left out, as for an image's views.
pub fn frame_views_rgb(pixels: &[u8], width: usize, height: usize, stride: usize) -> Vec<View> {
    if width.min(height) < 64 {
        return Vec::new();
    }
    frame_views(&LumaPlane::from_rgb(pixels, width, height, stride))
}

/// [`frame_views_rgb`] of a frame's luma plane.
pub fn frame_views(plane: &LumaPlane) -> Vec<View> {
    let (w, h) = (plane.width() as f32, plane.height() as f32);
    let short = w.min(h);
    FRAME_SQUARES
        .iter()
        .filter_map(|side| {
            let s = side * short;
            let rect = Rect::new((w - s) / 2.0, (h - s) / 2.0, s, s);
            let pdq = RegionPdq::of(plane, &rect)?;
            let region = views::fraction(plane, &rect);
            (pdq.quality >= QUALITY_THRESHOLD).then(|| View { hash: pdq.hash(), quality: pdq.quality, region })
        })
        .collect()
}

/// One window of a query frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameWindow {
    /// Its PDQ hash.
    pub hash: PdqHash,
    /// Where it lies, as fractions of the frame's width and height: `[x, y, width, height]`.
    pub rect: [f32; 4],
}

/// The windows of a query frame given as packed RGB24 pixels, inside `area` (`[x, y, width, height]` in pixels:
/// the whole frame, or the picture inside its bars). Their rectangles are fractions of the whole frame.
pub fn frame_windows_rgb(
    pixels: &[u8],
    width: usize,
    height: usize,
    stride: usize,
    area: [u32; 4],
) -> Vec<FrameWindow> {
    if width.min(height) < 64 {
        return Vec::new();
    }
    let plane = LumaPlane::from_rgb(pixels, width, height, stride);
    let to_plane = plane.width() as f32 / width as f32;
    let [x, y, w, h] = area.map(|v| v as f32 * to_plane);
    frame_windows(&plane, &Rect::new(x, y, w, h))
}

/// The windows of a query frame's plane inside `area` (plane pixels), scanned on a copy reduced to a shorter side
/// of at most 384 pixels; rectangles as fractions of the plane.
pub fn frame_windows(plane: &LumaPlane, area: &Rect) -> Vec<FrameWindow> {
    let Some(area) = plane.clamp(area) else {
        return Vec::new();
    };
    let (small, factor) = plane.reduced(SCAN_SHORT_SIDE);
    let f = factor as f32;
    let area = Rect::new(area.x0 / f, area.y0 / f, area.width() / f, area.height() / f);
    let (cx, cy) = (area.x0 + area.width() / 2.0, area.y0 + area.height() / 2.0);
    let short = area.short_side();
    let slack = CENTRE_SLACK * short;
    let (pw, ph) = (small.width() as f32, small.height() as f32);
    let mut out = Vec::new();
    let mut side = WINDOW_SIDES.0 * short;
    while side >= WINDOW_SIDES.1 * short - 1e-3 && side >= 64.0 {
        // The windows of this size whose centres lie within the slack of the area's centre: a scan of one size
        // over the smallest rectangle that holds them.
        let reach_w = (side + 2.0 * slack).min(area.width());
        let reach_h = (side + 2.0 * slack).min(area.height());
        let within = Rect::new(cx - reach_w / 2.0, cy - reach_h / 2.0, reach_w, reach_h);
        let one_size = ScanSteps {
            max_side: side / within.short_side(),
            min_side: side / within.short_side(),
            scale_ratio: WINDOW_STEPS.0,
            position_step: WINDOW_STEPS.1,
        };
        out.extend(scan::scan(&small, &within, &one_size).into_iter().map(|window| {
            let r = window.rect;
            FrameWindow { hash: window.hash, rect: [r.x0 / pw, r.y0 / ph, r.width() / pw, r.height() / ph] }
        }));
        side *= WINDOW_STEPS.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` x `h` frame cut from a reference photograph (the bridge, 1600 x 1004) scaled to 640 x 402, packed
    /// RGB: `(x0, y0)` is where its top left lies in the scene, so frames at several crops show the same picture.
    fn scene(w: usize, h: usize, x0: usize, y0: usize) -> Vec<u8> {
        static SCENE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let full = SCENE.get_or_init(|| {
            let rgb = crate::decode::decode_rgb(
                &crate::testdata::read("pdq/data/bridge-mods/aaa-orig.jpg"),
                &Default::default(),
            )
            .expect("decodes");
            let (sw, sh) = (rgb.width as usize, rgb.height as usize);
            // Box-scaled by 2.5 to 640 x 401: a frame the size of an SD video's.
            (0..401 * 640)
                .flat_map(|k| {
                    let (x, y) = (k % 640, k / 640);
                    let (xa, ya) = (x * sw / 640, y * sh / 401);
                    let (xb, yb) = (((x + 1) * sw / 640).max(xa + 1), ((y + 1) * sh / 401).max(ya + 1));
                    let mut sum = [0u32; 3];
                    for yy in ya..yb {
                        for xx in xa..xb {
                            let p = &rgb.pixels[yy * rgb.stride() + 3 * xx..][..3];
                            (0..3).for_each(|c| sum[c] += u32::from(p[c]));
                        }
                    }
                    let n = ((xb - xa) * (yb - ya)) as u32;
                    sum.map(|v| (v / n) as u8)
                })
                .collect()
        });
        (y0..y0 + h).flat_map(|y| full[(y * 640 + x0) * 3..][..w * 3].iter().copied()).collect()
    }

    #[test]
    fn a_listed_frame_keeps_two_centred_squares_above_the_privacy_floor() {
        for (w, h) in [(640, 360), (360, 400), (400, 400)] {
            let views = frame_views_rgb(&scene(w, h, 0, 0), w, h, 3 * w);
            assert_eq!(views.len(), 2, "{w}x{h}");
            let short = w.min(h) as f32;
            for (view, side) in views.iter().zip(FRAME_SQUARES) {
                let r = Region::from_units(view.region.to_units(), 0);
                let (sw, sh) = (r.width * w as f32, r.height * h as f32);
                assert!((sw - sh).abs() <= 1.0, "{w}x{h}: a square, {sw} x {sh}");
                assert!(sw >= 0.5 * short, "{w}x{h}: {sw} under half of {short}");
                assert!((sw - side * short).abs() <= 1.0, "{w}x{h}");
                assert!(((r.x + r.width / 2.0) - 0.5).abs() < 1e-3 && ((r.y + r.height / 2.0) - 0.5).abs() < 1e-3);
            }
        }
        assert!(frame_views_rgb(&[80; 640 * 360 * 3], 640, 360, 640 * 3).is_empty(), "flat frames keep none");
    }

    #[test]
    fn windows_stay_near_the_centre_of_their_area() {
        let (w, h) = (640, 360);
        let windows = frame_windows_rgb(&scene(w, h, 0, 0), w, h, 3 * w, [0, 0, 640, 360]);
        assert!(!windows.is_empty());
        for window in &windows {
            let [x, y, ww, wh] = window.rect;
            let (cx, cy) = ((x + ww / 2.0) * w as f32, (y + wh / 2.0) * h as f32);
            assert!((cx - 320.0).abs() <= CENTRE_SLACK * 360.0 + 2.0, "{:?}", window.rect);
            assert!((cy - 180.0).abs() <= CENTRE_SLACK * 360.0 + 2.0, "{:?}", window.rect);
            let side = ww * w as f32;
            assert!((0.5 * 360.0 - 2.0..=360.0 + 1.0).contains(&side), "{side}");
        }
        assert!(windows.len() < 8_000, "{} windows a frame", windows.len());
        eprintln!("{} windows in a {w}x{h} frame", windows.len());
    }

    /// The crops the module promises: a listed square lies within PDQ's distance of one of the copy's windows.
    #[test]
    fn a_cropped_copy_of_a_frame_has_a_window_on_a_listed_square() {
        let (w, h) = (640, 360);
        let listed = frame_views_rgb(&scene(w, h, 0, 0), w, h, 3 * w);
        // (left, top, right, bottom) cut off, in pixels.
        for (l, t, r, b) in [
            (32, 18, 32, 18),
            (64, 36, 64, 36),
            (0, 0, 0, 54),
            (40, 0, 0, 30),
            (0, 0, 64, 0),
            (140, 0, 140, 0),
            (218, 0, 218, 0),
        ] {
            let (cw, ch) = (w - l - r, h - t - b);
            let copy = scene(cw, ch, l, t);
            let windows = frame_windows_rgb(&copy, cw, ch, 3 * cw, [0, 0, cw as u32, ch as u32]);
            let best = listed
                .iter()
                .flat_map(|v| windows.iter().map(move |win| v.hash.distance(&win.hash)))
                .min()
                .expect("windows");
            assert!(best <= 24, "crop {l},{t},{r},{b}: nearest window {best} bits from a listed square");
        }
    }
}
