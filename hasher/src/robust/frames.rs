//! The query's side, undoing what was added around a picture: borders, letterboxes, blurred backdrops, the
//! chrome of an app screenshot, a meme's caption band, the rest of a picture-in-picture. Each rectangle bounded by
//! long straight edges (or by the image border) is a candidate for "the picture that was listed", hashed whole.
//! On a busy photograph most neighbouring pixels differ a lot, so an edge pixel is a step that stands out from the
//! steps beside it (a picture pasted onto another meets it with a jump between unrelated pixels), not merely a
//! large one.
//!
//! Works on a reduced copy of the plane (shorter side ~320 pixels): a pasted picture's edge is a step of a
//! pixel or two there, and the cost stays a few milliseconds whatever the upload's size.

use super::plane::{LumaPlane, Rect};

/// Shorter side of the reduced plane the edges are found on.
const REDUCED_SHORT_SIDE: usize = 320;
/// A luma step must be at least this large to be an edge pixel.
const EDGE_STEP: f32 = 8.0;
/// An edge pixel's step is at least this many times the steps two boundaries away on either side.
const STANDOUT: f32 = 1.5;
/// A line must run, with small gaps, over at least this fraction of the image's shorter side.
const MIN_LINE: f32 = 0.15;
/// Most lines kept per axis, strongest first (besides the image's own borders).
const MAX_LINES: usize = 9;
/// A rectangle must span at least this fraction of the image along one axis (a detailed picture, along both).
const MIN_SIDE: f32 = 0.3;
/// Nor rectangles narrower than this fraction of the image's shorter side on either side (a landscape picture
/// inside a portrait one spans far less of the height than of the width).
const MIN_NARROW_SIDE: f32 = 0.2;
/// Least share of each side of a rectangle that must lie on an edge (or the image border).
const MIN_SIDE_SUPPORT: f32 = 0.4;
/// The support the image's own border lends a side: less than a clear edge, so that a picture framed on all
/// four sides ranks above the same picture stretched to the border.
const BORDER_SUPPORT: f32 = 0.85;
/// Most rectangles returned.
const MAX_RECTS: usize = 48;
/// A row (column) belongs to the detailed picture when its detail reaches this share of the picture's typical
/// detail (the median of the most detailed half of the rows).
const DETAIL_SHARE: f32 = 0.25;
/// A band of rows or columns trimmed as a blurred or plain surround must hold less than this share of the
/// picture's typical detail on average.
const SURROUND_DETAIL: f32 = 0.12;
/// Least trimmed surround, as a share of the axis, for a detail band to count (below it PDQ does not care).
const MIN_TRIM: f32 = 0.02;

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

/// A step across boundary `b` of one row (or column) `line` is an edge pixel when it is large (a pasted edge may
/// be spread over two reduced pixels: the wider step counts at 3/4 weight) and stands out from the steps two
/// boundaries away on either side. In a textured photograph most neighbouring pixels differ by more than
/// [`EDGE_STEP`], so without the second test every boundary of a busy picture would run as a line, and the edges
/// of a picture pasted onto it would drown among them; where a picture is pasted, the step between two unrelated
/// pictures stands out from the steps within each.
fn is_edge(line: &[f32], b: usize) -> bool {
    let len = line.len();
    let m = |k: usize| (line[k] - line[k - 1]).abs();
    let wide = if b >= 2 && b + 1 < len { 0.75 * (line[b + 1] - line[b - 2]).abs() } else { 0.0 };
    let step = m(b).max(wide);
    if step < EDGE_STEP {
        return false;
    }
    let before = if b >= 3 { m(b - 2) } else { 0.0 };
    let after = if b + 2 < len { m(b + 2) } else { 0.0 };
    step >= STANDOUT * before.max(after)
}

fn edges(r: &Reduced) -> Edges {
    let (w, h) = (r.width, r.height);
    let mut horizontal = vec![false; (h + 1) * w];
    let mut column = vec![0f32; h];
    for x in 0..w {
        for (y, v) in column.iter_mut().enumerate() {
            *v = r.at(x, y);
        }
        for b in 1..h {
            horizontal[b * w + x] = is_edge(&column, b);
        }
    }
    let mut vertical = vec![false; (w + 1) * h];
    for y in 0..h {
        let row = &r.luma[y * w..][..w];
        for b in 1..w {
            vertical[b * h + y] = is_edge(row, b);
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
fn lines(mask: &[bool], count: usize, len: usize, short: usize) -> Vec<Line> {
    let gap = (len / 50).max(2);
    // Steps within two pixels of the border are compression and resampling seams, not pictures' edges (and
    // would suppress a real edge next to them).
    let mut found: Vec<Line> = (3..count.saturating_sub(2))
        .filter_map(|b| {
            let run = longest_run(&mask[b * len..][..len], gap);
            let strength = run as f32 / len as f32;
            (run as f32 >= MIN_LINE * short as f32).then_some(Line { pos: b, strength })
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

/// The rectangles a query's picture may have been framed by.
#[derive(Debug, Default)]
pub struct Framed {
    /// Rectangles bounded by straight edges or the image border, most convincing first, not including the whole
    /// image; the detailed picture (below), if any, second.
    pub rects: Vec<Rect>,
    /// A detailed picture set on a blurred or plain surround that no straight edge bounds (found where the rows'
    /// and columns' detail drops, `detailed_rect`).
    pub detailed: Option<Rect>,
}

/// The rectangles of `plane` that may frame the listed picture (see [`Framed`]).
pub fn inner_rects(plane: &LumaPlane) -> Framed {
    let r = Reduced::of(plane);
    let (w, h) = (r.width, r.height);
    if w < 16 || h < 16 {
        return Framed::default();
    }
    let e = edges(&r);
    let detailed = detailed_rect(&r);
    let mut xs: Vec<usize> = vec![0, w];
    xs.extend(lines(&e.vertical, w, h, w.min(h)).iter().map(|l| l.pos));
    let mut ys: Vec<usize> = vec![0, h];
    ys.extend(lines(&e.horizontal, h, w, w.min(h)).iter().map(|l| l.pos));
    xs.sort_unstable();
    ys.sort_unstable();
    // A line is kept at the strongest of neighbouring boundaries, and a pasted edge spread over two reduced
    // pixels marks both: a side is supported by the best of the three boundaries around it.
    let side_support = |horizontal: bool, b: usize, from: usize, to: usize| -> f32 {
        let (count, len, mask) = if horizontal { (h, w, &e.horizontal) } else { (w, h, &e.vertical) };
        if b == 0 || b == count {
            return BORDER_SUPPORT;
        }
        (b.saturating_sub(1).max(1)..=(b + 1).min(count - 1))
            .map(|k| support(&mask[k * len..][..len], from, to))
            .fold(0.0, f32::max)
    };
    let narrow = MIN_NARROW_SIDE * w.min(h) as f32;
    let mut scored: Vec<(f32, usize, [usize; 4])> = Vec::new();
    for (i, &x0) in xs.iter().enumerate() {
        for &x1 in &xs[i + 1..] {
            if ((x1 - x0) as f32) < narrow {
                continue;
            }
            for (j, &y0) in ys.iter().enumerate() {
                for &y1 in &ys[j + 1..] {
                    let (fx, fy) = ((x1 - x0) as f32 / w as f32, (y1 - y0) as f32 / h as f32);
                    if ((y1 - y0) as f32) < narrow || fx.max(fy) < MIN_SIDE || (x0, x1, y0, y1) == (0, w, 0, h) {
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
    // A detailed picture inside a blurred or plain surround comes second: the best-bounded rectangle keeps the
    // lead, since an app's chrome or a caption's text can make a detail band that is not the picture.
    let f = r.factor as usize;
    let full = |[x0, y0, x1, y1]: [usize; 4]| {
        refine(plane, [x0 * f, y0 * f, (x1 * f).min(plane.width()), (y1 * f).min(plane.height())], radius)
    };
    // Refined once, here; the others lazily, as far as MAX_RECTS goes.
    let detailed = detailed.map(full);
    let mut ranked = scored.into_iter().map(|(_, _, rect)| full(rect));
    let mut rects: Vec<Rect> = Vec::new();
    for rect in ranked.next().into_iter().chain(detailed).chain(ranked) {
        if !rects.contains(&rect) {
            rects.push(rect);
        }
        if rects.len() == MAX_RECTS {
            break;
        }
    }
    Framed { rects, detailed }
}

/// The rectangle of a detailed picture set on a much less detailed surround (a blurred, enlarged copy of itself
/// behind it, or plain bars whose edge is too soft for [`edges`]), as `[x0, y0, x1, y1]` of the reduced plane.
///
/// Detail is the mean absolute step between neighbours along a row (for the rows' profile) or along a column
/// (for the columns'): a step across the picture's own border is not counted on either side, so the band ends
/// where the picture does. Rows are trimmed first (over the full width), then columns within the kept rows.
fn detailed_rect(r: &Reduced) -> Option<[usize; 4]> {
    let (w, h) = (r.width, r.height);
    let row_detail: Vec<f32> =
        (0..h).map(|y| (1..w).map(|x| (r.at(x, y) - r.at(x - 1, y)).abs()).sum::<f32>() / (w - 1) as f32).collect();
    let (y0, y1) = detail_band(&row_detail).unwrap_or((0, h));
    let column_detail: Vec<f32> = (0..w)
        .map(|x| (y0 + 1..y1).map(|y| (r.at(x, y) - r.at(x, y - 1)).abs()).sum::<f32>() / (y1 - y0 - 1).max(1) as f32)
        .collect();
    let (x0, x1) = detail_band(&column_detail).unwrap_or((0, w));
    if (x0, y0, x1, y1) == (0, 0, w, h) {
        return None;
    }
    let trimmed = |from: usize, to: usize, len: usize| (len - (to - from)) as f32 >= MIN_TRIM * len as f32;
    let inside = (x1 - x0) as f32 >= MIN_SIDE * w as f32 && (y1 - y0) as f32 >= MIN_SIDE * h as f32;
    (inside && (trimmed(y0, y1, h) || trimmed(x0, x1, w))).then_some([x0, y0, x1, y1])
}

/// The run `[from, to)` of a detail profile outside which the profile stays far below the picture's typical
/// detail, when there is such a surround on at least one end; `None` when nothing is trimmed.
fn detail_band(profile: &[f32]) -> Option<(usize, usize)> {
    let mut sorted = profile.to_vec();
    sorted.sort_by(f32::total_cmp);
    // The median of the most detailed half: a picture's typical detail, whatever share the surround takes.
    let typical = sorted[sorted.len() * 3 / 4];
    if typical <= f32::EPSILON {
        return None;
    }
    let from = profile.iter().position(|&d| d >= DETAIL_SHARE * typical)?;
    let to = profile.iter().rposition(|&d| d >= DETAIL_SHARE * typical)? + 1;
    let surround: Vec<f32> = profile[..from].iter().chain(&profile[to..]).copied().collect();
    if surround.is_empty() {
        return None;
    }
    let mean = surround.iter().sum::<f32>() / surround.len() as f32;
    (mean < SURROUND_DETAIL * typical).then_some((from, to))
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
            let rects = inner_rects(&plane).rects;
            assert!(rects.iter().any(|r| near(r, &truth, 3.0)), "on {background}: {rects:?}");
        }
    }

    /// The grey plane of a reference photograph.
    fn photo(path: &str) -> LumaPlane {
        let rgb = crate::decode::decode_rgb(&crate::testdata::read(path), &Default::default()).expect("decodes");
        LumaPlane::from_rgb(&rgb.pixels, rgb.width as usize, rgb.height as usize, rgb.stride())
    }

    /// `inset` shrunk (box averages) into `at` of `background`.
    fn picture_in_picture(background: &LumaPlane, inset: &LumaPlane, at: &Rect) -> LumaPlane {
        let (w, h) = (background.width(), background.height());
        let (kx, ky) = (inset.width() as f32 / at.width(), inset.height() as f32 / at.height());
        let luma = (0..w * h)
            .map(|k| {
                let (x, y) = (k % w, k / w);
                let (u, v) = (x as f32 - at.x0, y as f32 - at.y0);
                if u < 0.0 || v < 0.0 || u >= at.width() || v >= at.height() {
                    return background.at(x, y);
                }
                let (sx, sy) = ((u * kx) as usize, (v * ky) as usize);
                let (ex, ey) = (((u + 1.0) * kx) as usize, ((v + 1.0) * ky) as usize);
                inset.block_mean(sx, sy, ex.max(sx + 1).min(inset.width()), ey.max(sy + 1).min(inset.height()))
            })
            .collect();
        LumaPlane::from_luma(w, h, luma)
    }

    #[test]
    fn pictures_pasted_on_photographs_are_found() {
        // Picture-in-picture on real photographs, whose detail makes neighbouring pixels differ by more than
        // EDGE_STEP almost everywhere: each reference photo at 60 % of each other one (on the limiting side), near
        // the bottom-left and the top-right corners. Some insets meet their background with no visible step on a
        // side (dark on dark), so not all can be found; before edges had to stand out from the texture, 91 of
        // the 144 were.
        let names = [
            "labelme-subset/q0003.jpg",
            "labelme-subset/q0004.jpg",
            "labelme-subset/q0122.jpg",
            "labelme-subset/q0291.jpg",
            "labelme-subset/q0746.jpg",
            "labelme-subset/q1050.jpg",
            "labelme-subset/q2821.jpg",
            "dih/bridge-1-original.jpg",
            "pen-and-coaster.png",
        ];
        let planes: Vec<LumaPlane> = names.iter().map(|n| photo(&format!("pdq/data/reg-test-input/{n}"))).collect();
        let (mut found, mut missed) = (0, Vec::new());
        for (i, background) in planes.iter().enumerate() {
            for (j, inset) in planes.iter().enumerate().filter(|&(j, _)| j != i) {
                let (bw, bh) = (background.width() as f32, background.height() as f32);
                let scale = (0.6 * bw / inset.width() as f32).min(0.6 * bh / inset.height() as f32);
                let (w, h) = ((inset.width() as f32 * scale).round(), (inset.height() as f32 * scale).round());
                for truth in [
                    Rect::new((0.04 * bw).round(), (bh - h - 0.03 * bh).round(), w, h),
                    Rect::new((bw - w - 0.05 * bw).round(), (0.02 * bh).round(), w, h),
                ] {
                    let rects = inner_rects(&picture_in_picture(background, inset, &truth)).rects;
                    if rects.iter().any(|r| near(r, &truth, 3.0)) {
                        found += 1;
                    } else {
                        missed.push((names[j], names[i], truth));
                    }
                }
            }
        }
        assert!(found >= 108, "{found} of 144 found; missed: {missed:?}");
    }

    #[test]
    fn letterbox_bars_are_trimmed() {
        let plane = pasted(400, 400, 0, 50, 400, 300, 0.0);
        let rects = inner_rects(&plane).rects;
        assert!(rects.iter().any(|r| near(r, &Rect::new(0.0, 50.0, 400.0, 300.0), 3.0)), "{rects:?}");
    }

    /// A busy picture on a smooth surround whose luma meets the picture's own at its border (as a blurred,
    /// enlarged copy of the picture behind it does): no luma step marks the border, only the loss of detail.
    fn on_smooth_surround(cw: usize, ch: usize, truth: &Rect) -> LumaPlane {
        let luma = (0..cw * ch)
            .map(|k| {
                let (x, y) = ((k % cw) as f32, (k / cw) as f32);
                let smooth = 128.0 + 20.0 * (x * 0.004).sin() + 15.0 * (y * 0.006).cos();
                let inside = x >= truth.x0 && x < truth.x1 && y >= truth.y0 && y < truth.y1;
                if inside { smooth + 35.0 * ((x * 0.9).sin() * (y * 0.7).cos()) } else { smooth }
            })
            .collect();
        LumaPlane::from_luma(cw, ch, luma)
    }

    #[test]
    fn a_detailed_picture_on_a_blurred_surround_is_one_of_the_first_two_rectangles() {
        for (cw, ch, truth) in [
            (480, 480, Rect::new(0.0, 105.0, 480.0, 270.0)),
            (480, 480, Rect::new(90.0, 0.0, 300.0, 480.0)),
            (640, 640, Rect::new(60.0, 80.0, 500.0, 420.0)),
        ] {
            let framed = inner_rects(&on_smooth_surround(cw, ch, &truth));
            assert!(framed.detailed.is_some_and(|r| near(&r, &truth, 3.0)), "{truth:?}: {framed:?}");
            assert!(framed.rects.iter().take(2).any(|r| near(r, &truth, 3.0)), "{truth:?}: {framed:?}");
        }
    }

    #[test]
    fn a_detailed_picture_alone_has_no_detail_band() {
        let truth = Rect::new(0.0, 0.0, 400.0, 300.0);
        assert!(inner_rects(&on_smooth_surround(400, 300, &truth)).detailed.is_none());
    }

    #[test]
    fn a_flat_image_has_no_inner_rectangle() {
        let plane = LumaPlane::from_luma(300, 200, vec![40.0; 300 * 200]);
        let framed = inner_rects(&plane);
        assert!(framed.rects.is_empty() && framed.detailed.is_none());
    }
}
