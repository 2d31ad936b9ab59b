//! Statistics with small-count suppression, and the yearly trusted-flagger report (DSA Article 22).
//!
//! No published cell is ever below the minimum (default 5): such a cell becomes `null` in JSON and `<5` in
//! CSV. Totals are published too, so one suppressed cell in a row could be recovered by subtraction; the
//! complementary step suppresses more cells until every row and column (margins included) holds either no
//! suppressed cell or at least two. Medians are only published over at least `minimum` values.
//!
//! A label is itself a count of at least one: a host named as a row says a notice went to it (one confirmed URL
//! would do), a content type beside it says what was reported there. So hosts, and labels derived from what
//! victims reported, are named only where at least `minimum` sent notices stand behind them; the others are
//! pooled under [`OTHER_HOSTS`] and [`OTHER_TYPES`]. Drafts count for nothing: they were never sent.
//!
//! Everything here is pure: callers gather facts from the store and pass them in.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::notices::{NoticeState, NoticeTimeline};
use crate::time::{month_of, year_of};

/// Smallest count shown unless configured otherwise.
pub const DEFAULT_MIN_CELL: u64 = 5;

/// The published statistics' wire types, used as they are: a published count is an `Option<u64>`, `None` where
/// it is suppressed (`null` in JSON).
pub use disrupt_openapi::stats::{PlatformResponsiveness, Series, SeriesItem, Statistics, Table};

/// A published count as CSV text: the number, or `<min` where it is suppressed.
pub fn cell_text(cell: Option<u64>, minimum: u64) -> String {
    match cell {
        Some(v) => v.to_string(),
        None => format!("<{minimum}"),
    }
}

/// Marks which of `values` to hide: every value below `minimum`, then, for each line (a set of cell indices
/// whose values add up to a published relation, e.g. a row and its total), more cells until no line has
/// exactly one hidden cell. The extra cell is the line's smallest shown one, which loses the least.
fn suppression_mask(values: &[u64], lines: &[Vec<usize>], minimum: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = values.iter().map(|&v| v < minimum).collect();
    loop {
        let mut changed = false;
        for line in lines {
            if line.iter().filter(|&&i| hidden[i]).count() == 1 {
                // A line with one hidden cell has at least one shown cell (lines have two or more cells).
                if let Some(&i) = line.iter().filter(|&&i| !hidden[i]).min_by_key(|&&i| (values[i], i)) {
                    hidden[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return hidden;
        }
    }
}

/// Publishes labelled counts adding up to a total (e.g. cases per month) with suppression.
pub fn publish_series(counts: &BTreeMap<String, u64>, minimum: u64) -> Series {
    let mut values: Vec<u64> = counts.values().copied().collect();
    values.push(values.iter().sum());
    let line: Vec<usize> = (0..values.len()).collect();
    let hidden = suppression_mask(&values, &[line], minimum);
    let cell = |i: usize| (!hidden[i]).then_some(values[i]);
    Series {
        items: counts.keys().enumerate().map(|(i, k)| SeriesItem { key: k.clone(), count: cell(i) }).collect(),
        total: cell(values.len() - 1),
    }
}

/// A two-way table of counts before publication.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CountTable {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub columns: Vec<String>,
    /// `counts[row][column]`.
    pub counts: Vec<Vec<u64>>,
}

impl CountTable {
    /// Builds a table from `(row, column)` pairs, one per counted thing; `columns` fixes the column order
    /// (so empty columns still show), rows are sorted.
    pub fn tally<'a>(pairs: impl IntoIterator<Item = (String, &'a str)>, columns: &[&str]) -> Self {
        let mut by_row: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (row, col) in pairs {
            if let Some(j) = columns.iter().position(|c| *c == col) {
                by_row.entry(row).or_insert_with(|| vec![0; columns.len()])[j] += 1;
            }
        }
        Self {
            rows: by_row.keys().cloned().collect(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            counts: by_row.into_values().collect(),
        }
    }
}

impl CountTable {
    /// Builds a table from `(row, column, count)` triples; `columns` fixes the column order, rows are sorted.
    pub fn from_counts(triples: impl IntoIterator<Item = (String, String, u64)>, columns: &[&str]) -> Self {
        let mut by_row: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (row, col, count) in triples {
            if let Some(j) = columns.iter().position(|c| *c == col) {
                by_row.entry(row).or_insert_with(|| vec![0; columns.len()])[j] += count;
            }
        }
        Self {
            rows: by_row.keys().cloned().collect(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            counts: by_row.into_values().collect(),
        }
    }
}

/// Publishes `t` as a two-way table with row, column and grand totals, with suppression over the table extended
/// by its margins.
pub fn publish_table(t: &CountTable, minimum: u64) -> Table {
    let (r, c) = (t.rows.len(), t.columns.len());
    // Extended (r+1) x (c+1) matrix, row-major; the last row and column are the totals.
    let w = c + 1;
    let mut values = vec![0u64; (r + 1) * w];
    for (i, row) in t.counts.iter().enumerate().take(r) {
        for (j, &v) in row.iter().enumerate().take(c) {
            values[i * w + j] = v;
            values[i * w + c] += v;
            values[r * w + j] += v;
            values[r * w + c] += v;
        }
    }
    let mut lines: Vec<Vec<usize>> = (0..=r).map(|i| (0..=c).map(|j| i * w + j).collect()).collect();
    lines.extend((0..=c).map(|j| (0..=r).map(|i| i * w + j).collect()));
    let hidden = suppression_mask(&values, &lines, minimum);
    let cell = |i: usize, j: usize| (!hidden[i * w + j]).then_some(values[i * w + j]);
    Table {
        rows: t.rows.clone(),
        columns: t.columns.clone(),
        cells: (0..r).map(|i| (0..c).map(|j| cell(i, j)).collect()).collect(),
        row_totals: (0..r).map(|i| cell(i, c)).collect(),
        column_totals: (0..c).map(|j| cell(r, j)).collect(),
        total: cell(r, c),
    }
}

/// Every published cell of a table, margins included.
pub fn all_cells(t: &Table) -> impl Iterator<Item = Option<u64>> + '_ {
    t.cells.iter().flatten().chain(&t.row_totals).chain(&t.column_totals).chain([&t.total]).copied()
}

/// Median of `values` in ms, or `None` over fewer than `minimum` values (a median of two removals would
/// describe two victims).
pub fn median_over(values: &mut [u64], minimum: u64) -> Option<u64> {
    if values.is_empty() || (values.len() as u64) < minimum {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        return Some(values[n / 2]);
    }
    // Widened so two large durations cannot overflow; the mean of two u64 always fits back.
    let mean = (u128::from(values[n / 2 - 1]) + u128::from(values[n / 2])) / 2;
    Some(u64::try_from(mean).unwrap_or(u64::MAX))
}

/// A takedown notice, as statistics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFact {
    /// The host it went to (the platform).
    pub host: String,
    /// Its legal ground code (type of illegal content).
    pub content_type: String,
    /// Its lifecycle.
    pub timeline: NoticeTimeline,
}

/// All facts the statistics are computed from (the store keeps counters, not one record per case).
#[derive(Debug, Clone, Default)]
pub struct StatsInput {
    /// Cases created per month (`YYYY-MM`).
    pub cases_by_month: BTreeMap<String, u64>,
    /// Cases per category code.
    pub cases_by_category: BTreeMap<String, u64>,
    /// Hash entries: kind x state ([`STATES`] columns).
    pub hashes: CountTable,
    /// Match counts per month (`YYYY-MM`), as counted by the match API.
    pub matches_by_month: BTreeMap<String, u64>,
    /// Notices.
    pub notices: Vec<NoticeFact>,
}

/// Entry kinds, in display order.
pub const KINDS: [&str; 4] = ["pdq", "video", "md5", "sha256"];
/// Entry states, in display order.
pub const STATES: [&str; 5] = ["pending", "verified", "rejected", "withdrawn", "quarantined"];
/// The row standing for every host with fewer than the minimum of sent notices.
pub const OTHER_HOSTS: &str = "other hosts";
/// The content type standing for every type with fewer than the minimum of sent notices at one host.
pub const OTHER_TYPES: &str = "other types";

/// The label of each of `labels` (one per counted thing): itself when at least `minimum` things carry it, else
/// `other`.
fn pooled<'a>(labels: impl IntoIterator<Item = &'a str> + Clone, minimum: u64, other: &'a str) -> Vec<&'a str> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for label in labels.clone() {
        *counts.entry(label).or_insert(0) += 1;
    }
    labels.into_iter().map(|l| if counts[l] >= minimum { l } else { other }).collect()
}

/// Where a sent notice ended, in display order (a partition of sent notices, so the columns add up).
pub const NOTICE_OUTCOMES: [&str; 5] = ["unanswered", "acknowledged", "removed", "rejected", "no_answer"];

fn outcome(t: &NoticeTimeline) -> Option<&'static str> {
    match t.state {
        NoticeState::Draft => None,
        NoticeState::Sent => Some("unanswered"),
        NoticeState::Acknowledged => Some("acknowledged"),
        NoticeState::Removed => Some("removed"),
        NoticeState::Rejected => Some("rejected"),
        NoticeState::NoAnswer => Some("no_answer"),
    }
}

/// Computes the published statistics (medians per platform only over at least `minimum` notices), as of
/// `computed_at` (unix ms).
pub fn aggregate(input: &StatsInput, minimum: u64, computed_at: u64) -> Statistics {
    let hashes = &input.hashes;
    let mut removals_by_month = BTreeMap::new();
    let mut removal_times = Vec::new();
    let mut per_host: BTreeMap<&str, (Vec<u64>, Vec<u64>)> = BTreeMap::new();
    let sent: Vec<&NoticeFact> = input.notices.iter().filter(|n| n.timeline.sent_at.is_some()).collect();
    let hosts = pooled(sent.iter().map(|n| n.host.as_str()), minimum, OTHER_HOSTS);
    for (n, host) in sent.iter().zip(&hosts) {
        let removal = n.timeline.time_to_removal().zip(n.timeline.decided_at);
        if let Some((ttr, at)) = removal {
            *removals_by_month.entry(month_of(at)).or_insert(0) += 1;
            removal_times.push(ttr);
        }
        if *host == OTHER_HOSTS {
            // Medians of several platforms together describe none of them.
            continue;
        }
        let (acks, removals) = per_host.entry(host).or_default();
        acks.extend(n.timeline.time_to_acknowledgement());
        removals.extend(removal.map(|(ttr, _)| ttr));
    }
    let notices = CountTable::tally(
        sent.iter().zip(&hosts).filter_map(|(n, host)| Some(((*host).to_owned(), outcome(&n.timeline)?))),
        &NOTICE_OUTCOMES,
    );
    Statistics {
        minimum,
        computed_at,
        cases_by_month: publish_series(&input.cases_by_month, minimum),
        cases_by_category: publish_series(&input.cases_by_category, minimum),
        hashes_by_kind_and_state: publish_table(hashes, minimum),
        matches_by_month: publish_series(&input.matches_by_month, minimum),
        removals_by_month: publish_series(&removals_by_month, minimum),
        median_ms_to_removal: median_over(&mut removal_times, minimum),
        notices_by_platform: publish_table(&notices, minimum),
        platform_responsiveness: per_host
            .into_iter()
            .map(|(host, (mut acks, mut removals))| PlatformResponsiveness {
                host: host.to_string(),
                median_ms_to_acknowledge: median_over(&mut acks, minimum),
                median_ms_to_removal: median_over(&mut removals, minimum),
            })
            .collect(),
    }
}

/// Actions a provider took on a notice, for the Article 22 report.
pub const REPORT_ACTIONS: [&str; 3] = ["removed", "rejected", "no_decision"];

/// The yearly trusted-flagger report (DSA Article 22(3)): notices sent in the year, by hosting provider,
/// type of illegal content and action taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedFlaggerReport {
    /// The calendar year (UTC) the notices were sent in.
    pub year: i32,
    /// The hotline (notifier) name.
    pub notifier: String,
    /// Smallest count shown.
    pub minimum: u64,
    /// Rows `host / content type`, columns [`REPORT_ACTIONS`].
    pub notices: Table,
    /// Median ms from sending to removal over the year.
    pub median_ms_to_removal: Option<u64>,
}

impl TrustedFlaggerReport {
    /// Builds the report for `year` from every notice.
    pub fn build(notices: &[NoticeFact], year: i32, notifier: &str, minimum: u64) -> Self {
        let in_year: Vec<&NoticeFact> =
            notices.iter().filter(|n| n.timeline.sent_at.is_some_and(|t| year_of(t) == year)).collect();
        let hosts = pooled(in_year.iter().map(|n| n.host.as_str()), minimum, OTHER_HOSTS);
        let host_types: Vec<String> =
            in_year.iter().zip(&hosts).map(|(n, host)| format!("{host} / {}", n.content_type)).collect();
        let labels = pooled(host_types.iter().map(String::as_str), minimum, "");
        let rows = in_year.iter().zip(&hosts).zip(labels).map(|((n, host), label)| {
            let action = match n.timeline.state {
                NoticeState::Removed => "removed",
                NoticeState::Rejected => "rejected",
                _ => "no_decision",
            };
            let label = if label.is_empty() { format!("{host} / {OTHER_TYPES}") } else { label.to_owned() };
            (label, action)
        });
        let mut ttr: Vec<u64> = in_year.iter().filter_map(|n| n.timeline.time_to_removal()).collect();
        Self {
            year,
            notifier: notifier.to_string(),
            minimum,
            notices: publish_table(&CountTable::tally(rows, &REPORT_ACTIONS), minimum),
            median_ms_to_removal: median_over(&mut ttr, minimum),
        }
    }

    /// The same report as CSV: `hosting_provider,content_type,removed,rejected,no_decision,total`, then a
    /// `TOTAL` row; suppressed cells read `<5`. Every cell goes through [`spreadsheet_safe`]: host names come
    /// from URLs victims reported, and the report is made to be opened in a spreadsheet.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["hosting_provider", "content_type"];
        header.extend(REPORT_ACTIONS);
        header.push("total");
        w.write_record(&header)?;
        let t = &self.notices;
        let mut write = |rec: Vec<String>| w.write_record(rec.iter().map(|cell| spreadsheet_safe(cell).into_owned()));
        for (i, label) in t.rows.iter().enumerate() {
            let (host, content) = label.split_once(" / ").unwrap_or((label.as_str(), ""));
            let mut rec = vec![host.to_string(), content.to_string()];
            rec.extend(t.cells[i].iter().map(|c| cell_text(*c, self.minimum)));
            rec.push(cell_text(t.row_totals[i], self.minimum));
            write(rec)?;
        }
        let mut rec = vec!["TOTAL".to_string(), String::new()];
        rec.extend(t.column_totals.iter().map(|c| cell_text(*c, self.minimum)));
        rec.push(cell_text(t.total, self.minimum));
        write(rec)?;
        let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// A CSV cell a spreadsheet shows as text instead of evaluating: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'` (OWASP's advice against CSV injection; the csv writer quotes cells that
/// need it). Counts and `<5` never start so; host names may (`-x.example` is a valid host).
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Lines of a published table (rows and columns, with margins), to check that none has exactly one
/// suppressed cell.
fn table_lines(t: &Table) -> Vec<Vec<Option<u64>>> {
    let mut lines: Vec<Vec<Option<u64>>> =
        t.cells.iter().zip(&t.row_totals).map(|(row, total)| row.iter().copied().chain([*total]).collect()).collect();
    lines.push(t.column_totals.iter().copied().chain([t.total]).collect());
    for j in 0..t.columns.len() {
        lines.push(t.cells.iter().map(|row| row[j]).chain([t.column_totals[j]]).collect());
    }
    lines.push(t.row_totals.iter().copied().chain([t.total]).collect());
    lines
}

/// True when no shown cell of `t` is below `minimum` and no row or column has exactly one suppressed cell.
pub fn table_is_safe(t: &Table, minimum: u64) -> bool {
    all_cells(t).all(|c| c.is_none_or(|v| v >= minimum))
        && table_lines(t).iter().all(|l| l.iter().filter(|c| c.is_none()).count() != 1)
}

/// Every host named in a table's rows (for tests and the report's index).
pub fn row_hosts(t: &Table) -> BTreeSet<String> {
    t.rows.iter().map(|r| r.split(" / ").next().unwrap_or_default().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::PlatformDecision;

    const DAY: u64 = 86_400_000;
    const JAN_2026: u64 = 1_767_225_600_000;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_single_small_cell_in_a_series_takes_a_second_one_with_it() {
        let s = publish_series(&counts(&[("2026-01", 12), ("2026-02", 3), ("2026-03", 40)]), 5);
        assert_eq!(s.items[1].count, None);
        assert_eq!(s.items[0].count, None, "the smallest other cell hides too, or 55-12-40 gives it away");
        assert_eq!(s.items[2].count, Some(40));
        assert_eq!(s.total, Some(55));
    }

    #[test]
    fn a_small_total_hides_everything() {
        let s = publish_series(&counts(&[("a", 1), ("b", 2)]), 5);
        assert!(s.items.iter().all(|item| item.count.is_none()));
        assert_eq!(s.total, None);
        assert_eq!(serde_json::to_value(&s).expect("json")["total"], serde_json::Value::Null);
    }

    #[test]
    fn tables_suppress_complementary_cells_in_rows_and_columns() {
        let t = CountTable {
            rows: vec!["pdq".into(), "md5".into(), "sha256".into()],
            columns: vec!["verified".into(), "pending".into(), "rejected".into()],
            counts: vec![vec![50, 2, 30], vec![40, 20, 10], vec![60, 25, 35]],
        };
        let p = publish_table(&t, 5);
        assert_eq!(p.cells[0][1], None);
        assert!(table_is_safe(&p, 5), "{p:?}");
        assert_eq!(p.total, Some(272));
    }

    #[test]
    fn random_tables_never_show_a_cell_below_the_minimum_nor_a_recoverable_one() {
        // A small linear congruential generator keeps the test deterministic without another crate.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        for _ in 0..500 {
            let (r, c) = (1 + next(6) as usize, 1 + next(6) as usize);
            let t = CountTable {
                rows: (0..r).map(|i| format!("r{i}")).collect(),
                columns: (0..c).map(|j| format!("c{j}")).collect(),
                counts: (0..r)
                    .map(|_| (0..c).map(|_| if next(3) == 0 { next(5) } else { next(40) }).collect())
                    .collect(),
            };
            let min = 1 + next(10);
            let p = publish_table(&t, min);
            assert!(table_is_safe(&p, min), "{t:?} -> {p:?}");
        }
    }

    #[test]
    fn medians_need_at_least_the_minimum_number_of_values() {
        assert_eq!(median_over(&mut [5, 1, 3, 2], 5), None);
        assert_eq!(median_over(&mut [5, 1, 3, 2, 4], 5), Some(3));
        assert_eq!(median_over(&mut [1, 2, 3, 4, 5, 7], 5), Some(3));
        assert_eq!(median_over(&mut [u64::MAX, u64::MAX], 1), Some(u64::MAX));
    }

    fn notice(host: &str, sent: u64, decision: Option<(PlatformDecision, u64)>) -> NoticeFact {
        let mut t = NoticeTimeline::new(sent);
        t.send(sent).expect("send");
        if let Some((d, after)) = decision {
            t.decide(d, sent + after).expect("decide");
        }
        NoticeFact { host: host.into(), content_type: "intimate_image_without_consent".into(), timeline: t }
    }

    fn input() -> StatsInput {
        let mut notices = Vec::new();
        for i in 0..7 {
            notices.push(notice(
                "big.example",
                JAN_2026 + i * DAY,
                Some((PlatformDecision::Removed, (i + 1) * 3_600_000)),
            ));
        }
        notices.push(notice("big.example", JAN_2026, Some((PlatformDecision::Rejected, DAY))));
        notices.push(notice("small.example", JAN_2026, None));
        let mut cases_by_month = BTreeMap::new();
        for i in 0..9 {
            *cases_by_month.entry(month_of(JAN_2026 + i * DAY * 20)).or_insert(0) += 1;
        }
        StatsInput {
            cases_by_month,
            cases_by_category: counts(&[("adult_ncii", 9)]),
            hashes: CountTable::tally(
                (0..30).map(|i| (KINDS[i % 2].to_string(), STATES[usize::from(i % 7 == 0)])),
                &STATES,
            ),
            matches_by_month: counts(&[("2026-01", 100), ("2026-02", 1)]),
            notices,
        }
    }

    #[test]
    fn outcomes_recorded_outside_the_api_count_like_the_platforms_own() {
        use crate::notices::NoticeOutcome;
        // One host, every outcome at least once, so that no cell is small enough to hide another.
        let mut notices = vec![
            notice("mail.example", JAN_2026, None),
            notice("mail.example", JAN_2026, Some((PlatformDecision::Rejected, DAY))),
        ];
        let mut acknowledged = notice("mail.example", JAN_2026, None);
        acknowledged.timeline.acknowledge(JAN_2026 + DAY).expect("ack");
        notices.push(acknowledged);
        for i in 0..5 {
            let mut n = notice("mail.example", JAN_2026 + i * DAY, None);
            let outcome = if i < 3 { NoticeOutcome::Removed } else { NoticeOutcome::NoAnswer };
            n.timeline.record_outcome(outcome, JAN_2026 + i * DAY + 10 * 3_600_000).expect("outcome");
            notices.push(n);
        }
        let input = StatsInput { notices, ..StatsInput::default() };
        let stats = aggregate(&input, 1, JAN_2026);
        let t = &stats.notices_by_platform;
        let col = |name: &str| t.columns.iter().position(|c| c == name).expect("column");
        assert_eq!(t.rows, ["mail.example"]);
        assert_eq!(t.cells[0][col("removed")], Some(3));
        assert_eq!(t.cells[0][col("no_answer")], Some(2));
        assert_eq!(t.row_totals[0], Some(8));
        assert_eq!(stats.median_ms_to_removal, Some(10 * 3_600_000), "dated as the host acted");
        let report = TrustedFlaggerReport::build(&input.notices, 2026, "hotline", 1);
        let csv = report.to_csv().expect("csv");
        assert!(csv.contains("mail.example,intimate_image_without_consent,3,1,4,8"), "{csv}");
    }

    #[test]
    fn published_statistics_never_show_a_cell_below_the_minimum() {
        let stats = aggregate(&input(), 5, JAN_2026);
        let json = serde_json::to_value(&stats).expect("json");
        fn walk(v: &serde_json::Value, path: &str) {
            match v {
                serde_json::Value::Number(n) if !path.ends_with("minimum") && !path.contains("median") => {
                    assert!(n.as_u64().is_some_and(|n| n >= 5), "{path} = {n}");
                }
                serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(x, &format!("{path}[{i}]"))),
                serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, &format!("{path}.{k}"))),
                _ => {}
            }
        }
        walk(&json, "");
        assert!(table_is_safe(&stats.hashes_by_kind_and_state, 5));
        assert!(table_is_safe(&stats.notices_by_platform, 5));
        assert_eq!(stats.median_ms_to_removal, Some(4 * 3_600_000));
        let big = &stats.platform_responsiveness[0];
        assert_eq!(big.host, "big.example");
        assert_eq!(big.median_ms_to_removal, Some(4 * 3_600_000));
        assert_eq!(stats.platform_responsiveness.len(), 1, "one notice does not name small.example");
    }

    #[test]
    fn hosts_and_types_behind_fewer_sent_notices_than_the_minimum_are_never_named() {
        let mut input = input();
        // One confirmed URL makes a draft: never sent, it counts for nothing.
        input.notices.push(NoticeFact {
            host: "draft.example".into(),
            content_type: "intimate_image_without_consent".into(),
            timeline: NoticeTimeline::new(JAN_2026),
        });
        for i in 0..4 {
            input.notices.push(notice("four.example", JAN_2026 + i * DAY, None));
        }
        let mut rare = notice("big.example", JAN_2026, None);
        rare.content_type = "minor_sexual_images".into();
        input.notices.push(rare);

        let stats = aggregate(&input, 5, JAN_2026);
        let json = serde_json::to_string(&stats).expect("json");
        for hidden in ["draft.example", "four.example", "small.example"] {
            assert!(!json.contains(hidden), "{hidden} named: {json}");
        }
        assert_eq!(stats.notices_by_platform.rows, ["big.example", OTHER_HOSTS]);
        assert_eq!(stats.notices_by_platform.total, Some(14), "drafts are not notices sent");
        assert!(table_is_safe(&stats.notices_by_platform, 5));
        assert_eq!(stats.platform_responsiveness.iter().map(|p| p.host.as_str()).collect::<Vec<_>>(), ["big.example"]);

        let report = TrustedFlaggerReport::build(&input.notices, 2026, "Hotline Example", 5);
        let csv = report.to_csv().expect("csv");
        for hidden in ["draft.example", "four.example", "small.example", "minor_sexual_images"] {
            assert!(!csv.contains(hidden), "{hidden} named: {csv}");
        }
        assert_eq!(
            report.notices.rows,
            [
                "big.example / intimate_image_without_consent".to_owned(),
                format!("big.example / {OTHER_TYPES}"),
                format!("{OTHER_HOSTS} / intimate_image_without_consent"),
            ]
        );
        assert_eq!(report.notices.total, Some(14));
        // With a minimum of 1, every sent notice's host and type may be named.
        assert!(
            TrustedFlaggerReport::build(&input.notices, 2026, "H", 1).to_csv().expect("csv").contains("four.example")
        );
    }

    #[test]
    fn the_trusted_flagger_report_counts_notices_of_the_year_by_provider_type_and_action() {
        let mut notices = input().notices;
        notices.push(notice("big.example", JAN_2026 - 10 * DAY, None)); // previous year: left out
        let report = TrustedFlaggerReport::build(&notices, 2026, "Hotline Example", 5);
        assert_eq!(report.notices.total, Some(9));
        assert_eq!(row_hosts(&report.notices), BTreeSet::from(["big.example".into(), OTHER_HOSTS.into()]));
        assert!(table_is_safe(&report.notices, 5));
        let csv = report.to_csv().expect("csv");
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("hosting_provider,content_type,removed,rejected,no_decision,total"));
        assert!(csv.contains("<5"));
        assert!(csv.lines().last().is_some_and(|l| l.starts_with("TOTAL,") && l.ends_with(",9")), "{csv}");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["year"], 2026);
    }

    #[test]
    fn no_cell_of_the_trusted_flagger_csv_starts_a_spreadsheet_formula() {
        let hosts = ["=1+2.example", "+sum.example", "-cmd.example", "@sum.example", "plain.example"];
        let mut notices = Vec::new();
        for host in hosts {
            for i in 0..6 {
                notices.push(notice(host, JAN_2026 + i * DAY, Some((PlatformDecision::Removed, 3_600_000))));
            }
        }
        let report = TrustedFlaggerReport::build(&notices, 2026, "Hotline Example", 5);
        let csv = report.to_csv().expect("csv");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
        let mut seen = BTreeSet::new();
        for record in reader.records() {
            for cell in record.expect("record").iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?} in\n{csv}");
                seen.insert(cell.to_owned());
            }
        }
        // The value stays readable: the quote that defuses it is the only change.
        assert!(seen.contains("'=1+2.example") && seen.contains("'-cmd.example"), "{seen:?}");
        assert!(seen.contains("plain.example"), "{seen:?}");
        for (text, safe) in [("\tx", "'\tx"), ("\rx", "'\rx"), ("=A1", "'=A1"), ("a=b", "a=b"), ("", "")] {
            assert_eq!(spreadsheet_safe(text), safe);
        }
    }
}
