//! The public statistics page `/stats`, in French or English: each figure as a chart drawn on the server
//! (inline SVG, [`charts`]) with the same numbers in a table, and links to the CSV and JSON of the same figures.
//! No script at all, no third-party resource, one inline stylesheet allowed by its hash ([`CONTENT_SECURITY_POLICY`]).
//!
//! # Layout
//! - [`charts`]: horizontal bar charts as SVG.
//! - [`i18n`]: the page's words, the language of a request, numbers, months and durations.

mod charts;
mod i18n;

use disrupt_hotline::stats::OTHER_HOSTS;
use disrupt_hotline::time::minute_of;
use disrupt_openapi::notices::Lang;
use disrupt_openapi::stats::{Series, Statistics, Table};
use minijinja::{Environment, context};
use serde::Serialize;

use self::charts::{Bar, Chart};
use self::i18n::{Texts, count, hours, label, month, number, percent};
use crate::error::ApiError;

pub use self::i18n::choose as choose_lang;

const TEMPLATE: &str = include_str!("../../templates/stats.html");
const STYLE: &str = include_str!("../../templates/stats.css");

/// The page's policy: nothing but its own inline stylesheet (by hash) and links to itself.
pub static CONTENT_SECURITY_POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let digest = ring::digest::digest(&ring::digest::SHA256, STYLE.as_bytes());
    let hash = data_encoding::BASE64.encode(digest.as_ref());
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
});

/// A table as the page shows it: every cell already written out.
#[derive(Debug, Serialize)]
struct TableView {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    foot: Option<Vec<String>>,
}

/// One figure: its heading, sentences, chart and table.
#[derive(Debug, Serialize)]
struct Section {
    id: &'static str,
    title: String,
    lines: Vec<String>,
    charts: Vec<String>,
    tables: Vec<TableView>,
}

/// Renders the page in `lang`.
pub fn render(stats: &Statistics, notifier: &str, lang: Lang) -> Result<String, ApiError> {
    let t = i18n::texts(lang);
    let min = stats.minimum;
    let fill = |text: &str| text.replace("{min}", &number(lang, min));
    let sections = sections(stats, lang, t);
    let mut env = Environment::new();
    env.add_template("stats.html", TEMPLATE).map_err(ApiError::internal)?;
    let template = env.get_template("stats.html").map_err(ApiError::internal)?;
    template
        .render(context! {
            t => t,
            notifier => notifier,
            style => STYLE,
            small_counts => fill(t.small_counts),
            computed => t.computed.replace("{date}", &minute_of(stats.computed_at)),
            languages => [("fr", "Français", lang == Lang::Fr), ("en", "English", lang == Lang::En)],
            sections => sections,
        })
        .map_err(ApiError::internal)
}

fn sections(s: &Statistics, lang: Lang, t: &Texts) -> Vec<Section> {
    let min = s.minimum;
    let c = |v: Option<u64>| count(lang, v, min);
    let fill = |text: &str| text.replace("{min}", &number(lang, min));
    let mut out = Vec::new();

    let month_bars = |sr: &Series| -> Vec<Bar> {
        sr.items
            .iter()
            .map(|i| Bar {
                label: month(lang, &i.key),
                values: vec![i.count.map(|v| v as f64)],
                texts: vec![c(i.count)],
            })
            .collect()
    };
    let series_table = |sr: &Series, first: &str, second: &str, name: &dyn Fn(&str) -> String| TableView {
        head: vec![first.to_owned(), second.to_owned()],
        rows: sr.items.iter().map(|i| vec![name(&i.key), c(i.count)]).collect(),
        foot: Some(vec![t.total.to_owned(), c(sr.total)]),
    };
    let chart = |id: &'static str, title: &str, desc: &str, series: &[&str], bars: &[Bar], max: Option<f64>| {
        if bars.is_empty() {
            return None;
        }
        let desc = format!("{desc} {}", t.numbers_in_table);
        let svg = charts::render(&Chart { id, title, desc: &desc, series, bars, max });
        Some(format!("<figure><figcaption>{}</figcaption>{svg}</figure>", charts::escape(title)))
    };
    let by_month = |k: &str| month(lang, k);
    let by_label = |k: &str| label(lang, k);

    // Cases.
    out.push(Section {
        id: "cases-by-month",
        title: t.cases_by_month.to_owned(),
        lines: vec![],
        charts: chart(
            "chart-cases-by-month",
            t.cases_by_month,
            t.cases_by_month_desc,
            &[],
            &month_bars(&s.cases_by_month),
            None,
        )
        .into_iter()
        .collect(),
        tables: vec![series_table(&s.cases_by_month, t.month, t.cases, &by_month)],
    });
    let category_bars: Vec<Bar> = s
        .cases_by_category
        .items
        .iter()
        .map(|i| Bar { label: label(lang, &i.key), values: vec![i.count.map(|v| v as f64)], texts: vec![c(i.count)] })
        .collect();
    out.push(Section {
        id: "cases-by-category",
        title: t.cases_by_category.to_owned(),
        lines: vec![],
        charts: chart(
            "chart-cases-by-category",
            t.cases_by_category,
            t.cases_by_category_desc,
            &[],
            &category_bars,
            None,
        )
        .into_iter()
        .collect(),
        tables: vec![series_table(&s.cases_by_category, t.category, t.cases, &by_label)],
    });

    // URLs reported and confirmed, month by month (a month missing from one series had none of those).
    let mut months: Vec<&str> =
        s.urls_reported_by_month.items.iter().chain(&s.urls_confirmed_by_month.items).map(|i| i.key.as_str()).collect();
    months.sort_unstable();
    months.dedup();
    let find = |sr: &Series, key: &str| sr.items.iter().find(|i| i.key == key).map(|i| i.count);
    let url_text = |v: Option<Option<u64>>| v.map_or_else(|| t.none_recorded.to_owned(), c);
    let url_bars: Vec<Bar> = months
        .iter()
        .map(|m| {
            let (r, k) = (find(&s.urls_reported_by_month, m), find(&s.urls_confirmed_by_month, m));
            Bar {
                label: month(lang, m),
                values: vec![r.flatten().map(|v| v as f64), k.flatten().map(|v| v as f64)],
                texts: vec![url_text(r), url_text(k)],
            }
        })
        .collect();
    out.push(Section {
        id: "urls",
        title: t.urls.to_owned(),
        lines: vec![],
        charts: chart("chart-urls", t.urls, t.urls_desc, &[t.urls_reported, t.urls_confirmed], &url_bars, None)
            .into_iter()
            .collect(),
        tables: vec![TableView {
            head: vec![t.month.to_owned(), t.urls_reported.to_owned(), t.urls_confirmed.to_owned()],
            rows: months
                .iter()
                .map(|m| {
                    vec![
                        month(lang, m),
                        url_text(find(&s.urls_reported_by_month, m)),
                        url_text(find(&s.urls_confirmed_by_month, m)),
                    ]
                })
                .collect(),
            foot: Some(vec![t.total.to_owned(), c(s.urls_reported_by_month.total), c(s.urls_confirmed_by_month.total)]),
        }],
    });

    // Notices sent and the removal rate, by month of sending.
    let nm = &s.notices_by_month;
    let sent_bars: Vec<Bar> = nm
        .rows
        .iter()
        .zip(&nm.row_totals)
        .map(|(m, v)| Bar { label: month(lang, m), values: vec![v.map(|v| v as f64)], texts: vec![c(*v)] })
        .collect();
    let rate_text = |p: Option<u64>| p.map_or_else(|| t.not_shown.to_owned(), |p| percent(lang, p));
    let rate_bars: Vec<Bar> = s
        .removal_rate_by_month
        .iter()
        .map(|r| Bar {
            label: month(lang, &r.key),
            values: vec![r.percent.map(|p| p as f64)],
            texts: vec![rate_text(r.percent)],
        })
        .collect();
    let overall = &s.removal_rate;
    let rate_line = match overall.percent {
        Some(p) => t
            .removal_rate_sentence
            .replace("{percent}", &percent(lang, p))
            .replace("{removed}", &c(overall.removed))
            .replace("{sent}", &c(overall.sent)),
        None => t.removal_rate_hidden.to_owned(),
    };
    let mut notice_charts: Vec<String> = Vec::new();
    notice_charts.extend(chart("chart-notices-sent", t.notices_sent, t.notices_sent_desc, &[], &sent_bars, None));
    notice_charts.extend(chart(
        "chart-removal-rate",
        t.removal_rate,
        t.removal_rate_desc,
        &[],
        &rate_bars,
        Some(100.0),
    ));
    let mut month_table = two_way(nm, t.month, lang, min, t, &by_month);
    month_table.head.push(t.removal_rate.to_owned());
    for (row, r) in month_table.rows.iter_mut().zip(&s.removal_rate_by_month) {
        row.push(rate_text(r.percent));
    }
    if let Some(foot) = month_table.foot.as_mut() {
        foot.push(rate_text(overall.percent));
    }
    out.push(Section {
        id: "notices",
        title: t.notices_sent.to_owned(),
        lines: vec![rate_line],
        charts: notice_charts,
        tables: if nm.rows.is_empty() { vec![] } else { vec![month_table] },
    });

    // Time to removal.
    let median_line = match s.median_ms_to_removal {
        Some(ms) => t.median_sentence.replace("{hours}", &hours(lang, ms)),
        None => fill(t.median_hidden),
    };
    let median_text = |v: Option<u64>| v.map_or_else(|| t.not_shown.to_owned(), |ms| hours(lang, ms));
    let median_bars: Vec<Bar> = s
        .median_ms_to_removal_by_month
        .iter()
        .map(|m| Bar {
            label: month(lang, &m.key),
            values: vec![m.median_ms.map(|ms| ms as f64 / 3_600_000.0)],
            texts: vec![median_text(m.median_ms)],
        })
        .collect();
    out.push(Section {
        id: "time-to-removal",
        title: t.time_to_removal.to_owned(),
        lines: vec![median_line],
        charts: chart("chart-time-to-removal", t.time_to_removal, t.time_to_removal_desc, &[], &median_bars, None)
            .into_iter()
            .collect(),
        tables: if s.removals_by_month.items.is_empty() {
            vec![]
        } else {
            vec![TableView {
                head: vec![t.month.to_owned(), t.removals.to_owned(), t.median_hours.to_owned()],
                rows: s
                    .removals_by_month
                    .items
                    .iter()
                    .map(|i| {
                        let median = s.median_ms_to_removal_by_month.iter().find(|m| m.key == i.key);
                        vec![month(lang, &i.key), c(i.count), median_text(median.and_then(|m| m.median_ms))]
                    })
                    .collect(),
                foot: Some(vec![t.total.to_owned(), c(s.removals_by_month.total), median_text(s.median_ms_to_removal)]),
            }]
        },
    });

    // Per platform, only where the small-count rules name it.
    let named: Vec<_> = s.platform_responsiveness.iter().filter(|p| p.host != OTHER_HOSTS).collect();
    let platform_bars: Vec<Bar> = named
        .iter()
        .map(|p| Bar {
            label: p.host.clone(),
            values: vec![p.median_ms_to_removal.map(|ms| ms as f64 / 3_600_000.0)],
            texts: vec![median_text(p.median_ms_to_removal)],
        })
        .collect();
    let np = &s.notices_by_platform;
    let mut platform_table = two_way(np, t.host, lang, min, t, &by_label);
    platform_table.head.extend([t.removal_rate.to_owned(), t.median_ack_hours.to_owned(), t.median_hours.to_owned()]);
    for (row, host) in platform_table.rows.iter_mut().zip(&np.rows) {
        let rate = s.removal_rate_by_platform.iter().find(|r| &r.key == host).and_then(|r| r.percent);
        let medians = named.iter().find(|p| &p.host == host);
        row.extend([
            rate_text(rate),
            median_text(medians.and_then(|p| p.median_ms_to_acknowledge)),
            median_text(medians.and_then(|p| p.median_ms_to_removal)),
        ]);
    }
    if let Some(foot) = platform_table.foot.as_mut() {
        foot.extend([rate_text(overall.percent), String::new(), median_text(s.median_ms_to_removal)]);
    }
    out.push(Section {
        id: "platforms",
        title: t.platforms.to_owned(),
        lines: vec![fill(t.platforms_intro)],
        charts: chart("chart-platforms", t.platforms_chart, t.platforms_chart_desc, &[], &platform_bars, None)
            .into_iter()
            .collect(),
        tables: if np.rows.is_empty() { vec![] } else { vec![platform_table] },
    });

    // Hashes and matches.
    let hashes = &s.hashes_by_kind_and_state;
    out.push(Section {
        id: "hashes",
        title: t.hashes.to_owned(),
        lines: vec![],
        charts: vec![],
        tables: if hashes.rows.is_empty() { vec![] } else { vec![two_way(hashes, t.kind, lang, min, t, &by_label)] },
    });
    out.push(Section {
        id: "matches",
        title: t.matches.to_owned(),
        lines: vec![],
        charts: chart("chart-matches", t.matches, t.matches_desc, &[], &month_bars(&s.matches_by_month), None)
            .into_iter()
            .collect(),
        tables: if s.matches_by_month.items.is_empty() {
            vec![]
        } else {
            vec![series_table(&s.matches_by_month, t.month, t.matches_count, &by_month)]
        },
    });
    for section in &mut out {
        if section.tables.iter().all(|t| t.rows.is_empty()) {
            section.tables.clear();
        }
    }
    out
}

/// A two-way table with its margins.
fn two_way(table: &Table, first: &str, lang: Lang, min: u64, t: &Texts, name: &dyn Fn(&str) -> String) -> TableView {
    let c = |v: &Option<u64>| count(lang, *v, min);
    let mut head = vec![first.to_owned()];
    head.extend(table.columns.iter().map(|col| label(lang, col)));
    head.push(t.total.to_owned());
    let rows = table
        .rows
        .iter()
        .zip(&table.cells)
        .zip(&table.row_totals)
        .map(|((row, cells), total)| {
            let mut out = vec![name(row)];
            out.extend(cells.iter().map(c));
            out.push(c(total));
            out
        })
        .collect();
    let mut foot = vec![t.total.to_owned()];
    foot.extend(table.column_totals.iter().map(c));
    foot.push(c(&table.total));
    TableView { head, rows, foot: Some(foot) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use disrupt_hotline::stats::{CountTable, StatsInput, aggregate};
    use std::collections::BTreeMap;

    fn stats() -> Statistics {
        let counts = |pairs: &[(&str, u64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>();
        let input = StatsInput {
            cases_by_month: counts(&[("2026-11", 12), ("2026-12", 3), ("2027-01", 20)]),
            cases_by_category: counts(&[("adult_ncii", 30), ("<b>", 5)]),
            hashes: CountTable::tally((0..12).map(|_| ("pdq".to_owned(), "pending")), &["pending"]),
            urls_reported_by_month: counts(&[("2026-11", 9)]),
            urls_confirmed_by_month: counts(&[("2026-11", 7)]),
            ..StatsInput::default()
        };
        aggregate(&input, 5, 1_767_225_600_000)
    }

    #[test]
    fn the_page_draws_each_figure_with_its_numbers_in_a_table_in_either_language() {
        let en = render(&stats(), "Hotline <i>", Lang::En).unwrap();
        assert!(en.contains(r#"<html lang="en">"#));
        assert!(en.contains("<title>Nov 2026: &lt;5</title>"), "hidden with its partner: {en}");
        assert!(en.contains("<title>Jan 2027: 20</title>"));
        assert!(en.contains("<td>20</td>") && en.contains("<td>&lt;5</td>"));
        assert!(
            en.contains("<title>reported, Nov 2026: 9</title>") && en.contains("<title>confirmed, Nov 2026: 7</title>")
        );
        assert!(en.contains("Hotline &lt;i&gt;") && !en.contains("<i>"));
        assert!(en.contains("&lt;b&gt;") && !en.contains("<b>"));
        assert!(en.contains(r#"href="/v1/stats/csv""#) && en.contains(r#"href="/v1/stats""#));
        assert!(en.contains(r#"href="?lang=fr""#));
        assert!(!en.contains("<script") && !en.contains("style="), "nothing the CSP would refuse");
        let fr = render(&stats(), "Hotline", Lang::Fr).unwrap();
        assert!(fr.contains(r#"<html lang="fr">"#));
        assert!(fr.contains("<title>janv. 2027: 20</title>"), "{fr}");
        assert!(fr.contains("Signalements par mois") && fr.contains(r#"href="?lang=en""#));
    }

    #[test]
    fn the_policy_allows_the_pages_own_stylesheet_and_nothing_else() {
        let csp = CONTENT_SECURITY_POLICY.as_str();
        assert!(csp.starts_with("default-src 'none'; style-src 'sha256-"));
        let html = render(&stats(), "H", Lang::En).unwrap();
        assert!(html.contains(&format!("<style>{STYLE}</style>")), "the hashed text is the one served");
    }
}
