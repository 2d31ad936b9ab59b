//! The query's side, undoing what was added around a picture: borders, letterboxes, blurred backdrops, the
//! chrome of an app screenshot, a meme's caption band, the rest of a picture-in-picture. Each rectangle bounded by
//! long straight edges (or by the image border) is a candidate for "the picture that was listed", hashed whole.
//!
//! Works on a reduced copy of the plane (shorter side ~320 pixels): a pasted picture's edge is a step of a
//! pixel or two there, and the cost stays a few milliseconds whatever the upload's size.

use super::plane::{LumaPlane, Rect};

/// Shorter side of the reduced plane the edges are found on.
const REDUCED_SHORT_SIDE: usize = 320;
/// A luma step at least this large is an edge pixel.
const EDGE_STEP: f32 = 8.0;
/// A line must run, with small gaps, over at least this fraction of the image's extent across it.
const MIN_LINE: f32 = 0.25;
/// Most lines kept per axis, strongest first (besides the image's own borders).
const MAX_LINES: usize = 9;
/// Rectangles smaller than this fraction of the image on either side are not candidates.
const MIN_SIDE: f32 = 0.3;
/// Least share of each side of a rectangle that must lie on an edge (or the image border).
const MIN_SIDE_SUPPORT: f32 = 0.5;
/// The support the image's own border lends a side: less than a clear edge, so that a picture framed on all
/// four sides ranks above the same picture stretched to the border.
const BORDER_SUPPORT: f32 = 0.85;
/// Most rectangles returned.
const MAX_RECTS: usize = 48;

/// The reduced grey image the edges are read from.
struct Reduced {
    width: usize,
    height: usize,
    factor: f32,
    luma: Vec<f32>,
}

impl Reduced {
    fn of(plane: &LumaPlane) -> Self {
        let k = (plane.width().min(plane.height()) / REDUCED_SHORT_SIDE).max(1);
        let (width, height) = (plane.width() / k, plane.height() / k);
        let mut luma = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                luma.push(plane.block_mean(x * k, y * k, (x + 1) * k, (y + 1) * k));
            }
        }
        Reduced { width, height, factor: k as f32, luma }
    }

    fn at(&self, x: usize, y: usize) -> f32 {
        self.luma[y * self.width + x]
    }
}

/// A straight edge along one axis at `pos` (a boundary between reduced pixels), with the stretch it covers.
#[derive(Clone, Copy, Debug)]
struct Line {
    pos: usize,
    strength: f32,
}

/// Edge masks: `horizontal[b * width + x]` marks a step between rows `b - 1` and `b` at column `x`;
/// `vertical[b * height + y]` a step between columns `b - 1` and `b` at row `y`.
struct Edges {
    horizontal: Vec<bool>,
    vertical: Vec<bool>,
}

fn step(a: f32, b: f32, before: Option<f32>, after: Option<f32>) -> bool {
    // A pasted edge may be spread over two reduced pixels: take the wider step at 3/4 weight.
    let wide = match (before, after) {
        (Some(p), Some(n)) => 0.75 * (n - p).abs(),
        _ => 0.0,
    };
    (b - a).abs().max(wide) >= EDGE_STEP
}

fn edges(r: &Reduced) -> Edges {
    let (w, h) = (r.width, r.height);
    let mut horizontal = vec![false; (h + 1) * w];
    for b in 1..h {
        for x in 0..w {
            let before = (b >= 2).then(|| r.at(x, b - 2));
            let after = (b + 1 < h).then(|| r.at(x, b + 1));
            horizontal[b * w + x] = step(r.at(x, b - 1), r.at(x, b), before, after);
        }
    }
    let mut vertical = vec![false; (w + 1) * h];
    for y in 0..h {
        for b in 1..w {
            let before = (b >= 2).then(|| r.at(b - 2, y));
            let after = (b + 1 < w).then(|| r.at(b + 1, y));
            vertical[b * h + y] = step(r.at(b - 1, y), r.at(b, y), before, after);
        }
    }
    Edges { horizontal, vertical }
}

/// The longest stretch of `mask` with gaps of at most `gap`, as the number of set entries in it.
fn longest_run(mask: &[bool], gap: usize) -> usize {
    let (mut best, mut count, mut since) = (0, 0, usize::MAX);
    for &m in mask {
        if m {
            count = if since > gap { 1 } else { count + 1 };
            since = 0;
            best = best.max(count);
        } else {
            since = since.saturating_add(1);
        }
    }
    best
}

/// The strongest lines among `count` boundaries of `len` pixels each, after non-maximum suppression.
fn lines(mask: &[bool], count: usize, len: usize) -> Vec<Line> {
    let gap = (len / 50).max(2);
    // Steps within two pixels of the border are compression and resampling seams, not pictures' edges (and
    // would suppress a real edge next to them).
    let mut found: Vec<Line> = (3..count.saturating_sub(2))
        .filter_map(|b| {
            let run = longest_run(&mask[b * len..][..len], gap);
            let strength = run as f32 / len as f32;
            (strength >= MIN_LINE).then_some(Line { pos: b, strength })
        })
        .collect();
    found.sort_by(|a, b| b.strength.total_cmp(&a.strength));
    let mut kept: Vec<Line> = Vec::new();
    for line in found {
        if kept.iter().all(|k| k.pos.abs_diff(line.pos) > 2) {
            kept.push(line);
        }
        if kept.len() == MAX_LINES {
            break;
        }
    }
    kept
}

/// Share of `[from, to)` set in `mask` (a row of one boundary).
fn support(mask: &[bool], from: usize, to: usize) -> f32 {
    if to <= from {
        return 0.0;
    }
    mask[from..to].iter().filter(|&&m| m).count() as f32 / (to - from) as f32
}

/// Rectangles of `plane` bounded by straight edges or the image border, most convincing first, not including
/// the whole image.
pub fn inner_rects(plane: &LumaPlane) -> Vec<Rect> {
    let r = Reduced::of(plane);
    let (w, h) = (r.width, r.height);
    if w < 16 || h < 16 {
        return Vec::new();
    }
    let e = edges(&r);
    let mut xs: Vec<usize> = vec![0, w];
    xs.extend(lines(&e.vertical, w, h).iter().map(|l| l.pos));
    let mut ys: Vec<usize> = vec![0, h];
    ys.extend(lines(&e.horizontal, h, w).iter().map(|l| l.pos));
    xs.sort_unstable();
    ys.sort_unstable();
    let side_support = |horizontal: bool, b: usize, from: usize, to: usize| -> f32 {
        if horizontal {
            if b == 0 || b == h { BORDER_SUPPORT } else { support(&e.horizontal[b * w..][..w], from, to) }
        } else if b == 0 || b == w {
            BORDER_SUPPORT
        } else {
            support(&e.vertical[b * h..][..h], from, to)
        }
    };
    let mut scored: Vec<(f32, usize, [usize; 4])> = Vec::new();
    for (i, &x0) in xs.iter().enumerate() {
        for &x1 in &xs[i + 1..] {
            if ((x1 - x0) as f32) < MIN_SIDE * w as f32 {
                continue;
            }
            for (j, &y0) in ys.iter().enumerate() {
                for &y1 in &ys[j + 1..] {
                    if ((y1 - y0) as f32) < MIN_SIDE * h as f32 || (x0, x1, y0, y1) == (0, w, 0, h) {
                        continue;
                    }
                    let sides = [
                        side_support(true, y0, x0, x1),
                        side_support(true, y1, x0, x1),
                        side_support(false, x0, y0, y1),
                        side_support(false, x1, y0, y1),
                    ];
                    if sides.iter().any(|&s| s < MIN_SIDE_SUPPORT) {
                        continue;
                    }
                    let mean = sides.iter().sum::<f32>() / 4.0;
                    scored.push((mean, (x1 - x0) * (y1 - y0), [x0, y0, x1, y1]));
                }
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    let radius = r.factor as usize + 1;
    let mut out: Vec<Rect> = Vec::new();
    for (_, _, [x0, y0, x1, y1]) in scored {
        let f = r.factor as usize;
        let rect = refine(plane, [x0 * f, y0 * f, (x1 * f).min(plane.width()), (y1 * f).min(plane.height())], radius);
        if !out.contains(&rect) {
            out.push(rect);
        }
        if out.len() == MAX_RECTS {
            break;
        }
    }
    out
}

/// Moves each edge of `[x0, y0, x1, y1]` that is not on the image border to the strongest step within
/// `radius` pixels of the full plane: the reduced plane places an edge only to within its reduction factor, and
/// PDQ wants the picture's own rectangle to within a fraction of a percent.
fn refine(plane: &LumaPlane, [x0, y0, x1, y1]: [usize; 4], radius: usize) -> Rect {
    let (w, h) = (plane.width(), plane.height());
    // Mean step between rows b - 1 and b over columns [from, to).
    let row_step = |b: usize, from: usize, to: usize| -> f32 {
        (from..to).map(|x| (plane.at(x, b) - plane.at(x, b - 1)).abs()).sum::<f32>() / (to - from).max(1) as f32
    };
    let column_step = |b: usize, from: usize, to: usize| -> f32 {
        (from..to).map(|y| (plane.at(b, y) - plane.at(b - 1, y)).abs()).sum::<f32>() / (to - from).max(1) as f32
    };
    let best = |edge: usize, len: usize, score: &dyn Fn(usize) -> f32| -> usize {
        if edge == 0 || edge >= len {
            return edge.min(len);
        }
        let lo = edge.saturating_sub(radius).max(1);
        let hi = (edge + radius).min(len - 1);
        (lo..=hi).max_by(|&a, &b| score(a).total_cmp(&score(b))).unwrap_or(edge)
    };
    let nx0 = best(x0, w, &|b| column_step(b, y0, y1));
    let nx1 = best(x1, w, &|b| column_step(b, y0, y1));
    let ny0 = best(y0, h, &|b| row_step(b, x0, x1));
    let ny1 = best(y1, h, &|b| row_step(b, x0, x1));
    Rect { x0: nx0 as f32, y0: ny0 as f32, x1: nx1 as f32, y1: ny1 as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A busy texture of `w` x `h` pasted at `(x, y)` on a flat canvas of `cw` x `ch`.
    fn pasted(cw: usize, ch: usize, x: usize, y: usize, w: usize, h: usize, background: f32) -> LumaPlane {
        let mut luma = vec![background; cw * ch];
        for yy in 0..h {
            for xx in 0..w {
                let v = 128.0 + 90.0 * ((xx as f32 * 0.07).sin() * (yy as f32 * 0.05).cos());
                luma[(y + yy) * cw + x + xx] = v;
            }
        }
        LumaPlane::from_luma(cw, ch, luma)
    }

    fn near(a: &Rect, b: &Rect, tolerance: f32) -> bool {
        (a.x0 - b.x0).abs() <= tolerance
            && (a.y0 - b.y0).abs() <= tolerance
            && (a.x1 - b.x1).abs() <= tolerance
            && (a.y1 - b.y1).abs() <= tolerance
    }

    #[test]
    fn a_pasted_picture_is_found_on_white_and_on_black() {
        for background in [255.0, 0.0] {
            let plane = pasted(500, 400, 60, 90, 300, 200, background);
            let truth = Rect::new(60.0, 90.0, 300.0, 200.0);
            let rects = inner_rects(&plane);
            assert!(rects.iter().any(|r| near(r, &truth, 3.0)), "on {background}: {rects:?}");
        }
    }

    #[test]
    fn letterbox_bars_are_trimmed() {
        let plane = pasted(400, 400, 0, 50, 400, 300, 0.0);
        let rects = inner_rects(&plane);
        assert!(rects.iter().any(|r| near(r, &Rect::new(0.0, 50.0, 400.0, 300.0), 3.0)), "{rects:?}");
    }

    #[test]
    fn a_flat_image_has_no_inner_rectangle() {
        let plane = LumaPlane::from_luma(300, 200, vec![40.0; 300 * 200]);
        assert!(inner_rects(&plane).is_empty());
    }
}
