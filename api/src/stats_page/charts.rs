//! Horizontal bar charts as inline SVG (in HTML, so without `xmlns`), drawn on the server: no script, no style
//! attribute, no external resource, so they render under the page's strict Content-Security-Policy and print as
//! they show.
//!
//! Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`; each bar carries its
//! own `<title>` ("label: value"), and the page puts the same numbers in a table beside it. A value suppressed by
//! the small-count rules draws no bar, only its text (`<5`): a chart never hints at a hidden count's size.

use std::fmt::Write as _;

/// One bar (or one group of bars, one per series) of a chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The row's label (a month, a category, a host), as shown.
    pub label: String,
    /// One value per series: `None` where it is not published.
    pub values: Vec<Option<f64>>,
    /// The values as the page writes them (`12`, `<5`, `2,5 h`), one per series.
    pub texts: Vec<String>,
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    /// Unique within the page: the ids of its title and description derive from it.
    pub id: &'a str,
    /// Its accessible name.
    pub title: &'a str,
    /// What it shows, for those who cannot see it.
    pub desc: &'a str,
    /// The series' names, for the legend (one series: no legend).
    pub series: &'a [&'a str],
    /// The bars, top to bottom.
    pub bars: &'a [Bar],
    /// The axis' end; `None` for the largest value.
    pub max: Option<f64>,
}

/// Fills of the series, dark enough for 4.5:1 against white (WCAG AA) and told apart without colour by the
/// legend's order and the bars' titles.
const FILLS: [&str; 2] = ["#1d4f91", "#a34700"];
const WIDTH: u32 = 640;
const LABEL_WIDTH: u32 = 200;
const BAR_AREA: u32 = 330;
const BAR_HEIGHT: u32 = 14;
const ROW_GAP: u32 = 10;
const TOP: u32 = 8;

/// Text for SVG or HTML: `&`, `<`, `>`, `"` and `'` escaped, so labels from victims' reports stay text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Labels longer than this are cut (with an ellipsis) in the chart; the table keeps them whole.
const MAX_LABEL_CHARS: usize = 24;

fn short(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        return label.to_owned();
    }
    let cut: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
    format!("{cut}…")
}

/// The chart as an `<svg>` element.
pub fn render(chart: &Chart<'_>) -> String {
    let series = chart.series.len().max(1);
    let legend = if series > 1 { 22 } else { 0 };
    let group = BAR_HEIGHT * series as u32;
    let height = TOP + legend + chart.bars.len() as u32 * (group + ROW_GAP) + ROW_GAP;
    let largest = chart.bars.iter().flat_map(|b| b.values.iter().flatten()).fold(0.0_f64, |a, &b| a.max(b));
    let max = chart.max.unwrap_or(largest).max(f64::MIN_POSITIVE);
    let id = escape(chart.id);
    let mut svg = String::new();
    // `write!` into a String cannot fail.
    let _ = write!(
        svg,
        r##"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"##,
        escape(chart.title),
        escape(chart.desc)
    );
    if series > 1 {
        let mut x = LABEL_WIDTH;
        for (i, name) in chart.series.iter().enumerate() {
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="{TOP}" width="12" height="12" fill="{}"/><text x="{}" y="{}" font-size="13" fill="#222">{}</text>"##,
                FILLS[i % FILLS.len()],
                x + 18,
                TOP + 11,
                escape(name)
            );
            x += 22 + 8 * name.chars().count() as u32 + 24;
        }
    }
    for (row, bar) in chart.bars.iter().enumerate() {
        let y0 = TOP + legend + row as u32 * (group + ROW_GAP) + ROW_GAP / 2;
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="13" text-anchor="end" fill="#222">{}</text>"##,
            LABEL_WIDTH - 8,
            y0 + group / 2 + 5,
            escape(&short(&bar.label))
        );
        for (i, (value, text)) in bar.values.iter().zip(&bar.texts).enumerate() {
            let y = y0 + i as u32 * BAR_HEIGHT;
            let name = chart.series.get(i).filter(|_| series > 1).map(|s| format!("{s}, ")).unwrap_or_default();
            let title = escape(&format!("{name}{}: {text}", bar.label));
            let width = value.map_or(0.0, |v| (v / max).clamp(0.0, 1.0) * f64::from(BAR_AREA));
            let _ = write!(svg, r#"<g class="bar"><title>{title}</title>"#);
            if value.is_some() {
                let _ = write!(
                    svg,
                    r##"<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1}" height="{}" fill="{}"/>"##,
                    BAR_HEIGHT - 2,
                    FILLS[i % FILLS.len()]
                );
            }
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" font-size="12" fill="{}">{}</text></g>"##,
                f64::from(LABEL_WIDTH) + width + 6.0,
                y + BAR_HEIGHT - 3,
                if value.is_some() { "#222" } else { "#595959" },
                escape(text)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="{LABEL_WIDTH}" y1="{}" x2="{LABEL_WIDTH}" y2="{}" stroke="#767676"/></svg>"##,
        TOP + legend,
        height - ROW_GAP / 2
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: Option<u64>, text: &str) -> Bar {
        Bar { label: label.into(), values: vec![value.map(|v| v as f64)], texts: vec![text.into()] }
    }

    #[test]
    fn a_chart_names_itself_and_each_bar_and_draws_no_bar_for_a_hidden_count() {
        let bars = [bar("2026-11", Some(12), "12"), bar("2026-12", None, "<5"), bar("<script>", Some(6), "6")];
        let svg = render(&Chart { id: "c", title: "Cases", desc: "By month", series: &[], bars: &bars, max: None });
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#) && svg.contains(r#"aria-labelledby="c-title c-desc""#));
        assert!(svg.contains(r#"<title id="c-title">Cases</title><desc id="c-desc">By month</desc>"#));
        assert!(svg.contains("<title>2026-11: 12</title>"), "{svg}");
        assert!(svg.contains("<title>2026-12: &lt;5</title>"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2, "no bar for the hidden count: {svg}");
        assert!(svg.contains(r#"width="330.0""#), "the largest bar fills the axis: {svg}");
        assert!(!svg.contains("<script") && svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("style="), "no style attribute under the CSP");
    }

    #[test]
    fn two_series_get_a_legend_and_their_names_in_each_title() {
        let bars =
            [Bar { label: "2026-11".into(), values: vec![Some(9.0), Some(6.0)], texts: vec!["9".into(), "6".into()] }];
        let svg = render(&Chart {
            id: "u",
            title: "URLs",
            desc: "d",
            series: &["reported", "confirmed"],
            bars: &bars,
            max: Some(10.0),
        });
        assert!(
            svg.contains("<title>reported, 2026-11: 9</title>") && svg.contains("<title>confirmed, 2026-11: 6</title>")
        );
        assert!(svg.contains(r#"width="297.0""#) && svg.contains(r#"width="198.0""#), "scaled to the given end: {svg}");
        assert!(svg.contains(">reported</text>") && svg.contains(">confirmed</text>"));
    }

    #[test]
    fn escaping_leaves_no_markup_and_long_labels_are_cut() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"x".repeat(40)).chars().count(), MAX_LABEL_CHARS);
    }
}
