//! Statistics with small-count suppression, and the yearly trusted-flagger report (DSA Article 22).
//!
//! No published cell is ever below the minimum (default 5): such a cell becomes `null` in JSON and `<5` in
//! CSV. Totals are published too, so one suppressed cell in a row could be recovered by subtraction; the
//! complementary step suppresses more cells until every row and column (margins included) holds either no
//! suppressed cell or at least two. Figures that publish the same number twice (the notices by platform and by
//! month share their outcome totals; the removals by month add up to the removed notices) are suppressed as one
//! system ([`Cells`]), so that a cell hidden in one is never shown in the other. Medians are only published over
//! at least `minimum` values, and a rate only where both its counts are published.
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
pub use disrupt_openapi::stats::{
    MonthlyMedian, PlatformResponsiveness, RemovalRate, Series, SeriesItem, Statistics, Table,
};

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

/// Counts to publish together, and the additive relations (lines) between them that the published figures
/// reveal. A count shown in several figures is one cell, so suppression hides it in all of them or in none.
#[derive(Debug, Default)]
struct Cells {
    values: Vec<u64>,
    lines: Vec<Vec<usize>>,
}

/// The cells of one table in a [`Cells`] system: `cells[row][column]`, then the margins.
struct TableCells {
    cells: Vec<Vec<usize>>,
    row_totals: Vec<usize>,
    column_totals: Vec<usize>,
    total: usize,
}

impl Cells {
    fn cell(&mut self, value: u64) -> usize {
        self.values.push(value);
        self.values.len() - 1
    }

    /// Adds `t` with its margins; `margins` are the cells of its column totals and grand total when another
    /// table already publishes them (the same columns over the same things).
    fn table(&mut self, t: &CountTable, margins: Option<(&[usize], usize)>) -> TableCells {
        let c = t.columns.len();
        let sums: Vec<u64> = (0..c).map(|j| t.counts.iter().map(|row| row[j]).sum()).collect();
        let cells: Vec<Vec<usize>> = t.counts.iter().map(|row| row.iter().map(|&v| self.cell(v)).collect()).collect();
        let row_totals: Vec<usize> = t.counts.iter().map(|row| self.cell(row.iter().sum())).collect();
        let (column_totals, total) = match margins {
            Some((columns, total)) => (columns.to_vec(), total),
            None => {
                let columns = sums.iter().map(|&v| self.cell(v)).collect();
                (columns, self.cell(sums.iter().sum()))
            }
        };
        for (row, &row_total) in cells.iter().zip(&row_totals) {
            self.lines.push(row.iter().copied().chain([row_total]).collect());
        }
        for (j, &column_total) in column_totals.iter().enumerate() {
            self.lines.push(cells.iter().map(|row| row[j]).chain([column_total]).collect());
        }
        self.lines.push(column_totals.iter().copied().chain([total]).collect());
        self.lines.push(row_totals.iter().copied().chain([total]).collect());
        TableCells { cells, row_totals, column_totals, total }
    }

    /// Adds labelled counts adding up to `total` (a cell already in the system) or to a total of their own.
    fn series(&mut self, counts: &BTreeMap<String, u64>, total: Option<usize>) -> (Vec<usize>, usize) {
        let items: Vec<usize> = counts.values().map(|&v| self.cell(v)).collect();
        let total = total.unwrap_or_else(|| self.cell(counts.values().sum()));
        self.lines.push(items.iter().copied().chain([total]).collect());
        (items, total)
    }

    /// Suppresses, and answers each cell as published.
    fn publish(&self, minimum: u64) -> Vec<Option<u64>> {
        // A line of one cell (an empty table's margin) says nothing the cell does not.
        let lines: Vec<Vec<usize>> = self.lines.iter().filter(|l| l.len() > 1).cloned().collect();
        let hidden = self.mask(&lines, minimum);
        self.values.iter().zip(hidden).map(|(&v, h)| (!h).then_some(v)).collect()
    }

    /// [`suppression_mask`], stricter: besides a line with one hidden cell, a line with one cell a reader cannot
    /// work out. Counts are never negative, so the hidden parts of a line whose total is known and whose shown
    /// parts add up to it are all 0, and the reader knows them; a line whose only unknown cell is then one of its
    /// own would give that cell away. Ties go to the cell in fewer lines (a part rather than a total), then to the
    /// first.
    fn mask(&self, lines: &[Vec<usize>], minimum: u64) -> Vec<bool> {
        let values = &self.values;
        let mut in_lines = vec![0usize; values.len()];
        for &i in lines.iter().flatten() {
            in_lines[i] += 1;
        }
        let mut hidden: Vec<bool> = values.iter().map(|&v| v < minimum).collect();
        loop {
            // Each line's last cell is its total (see `table` and `series`).
            let mut known: Vec<bool> = hidden.iter().map(|h| !h).collect();
            let mut learnt = true;
            while learnt {
                learnt = false;
                for line in lines {
                    let (parts, total) = line.split_at(line.len() - 1);
                    let unknown: Vec<usize> = parts.iter().copied().filter(|&i| !known[i]).collect();
                    if known[total[0]] && !unknown.is_empty() && unknown.iter().all(|&i| values[i] == 0) {
                        unknown.iter().for_each(|&i| known[i] = true);
                        learnt = true;
                    }
                }
            }
            let mut changed = false;
            for line in lines {
                let alone = |hidden_or_unknown: &dyn Fn(usize) -> bool| {
                    line.iter().filter(|&&i| hidden_or_unknown(i)).count() == 1
                };
                if alone(&|i| hidden[i]) || alone(&|i| !known[i]) {
                    let shown = line.iter().copied().filter(|&i| !hidden[i] && values[i] > 0);
                    if let Some(i) = shown.min_by_key(|&i| (values[i], in_lines[i], i)) {
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
}

impl TableCells {
    fn published(&self, t: &CountTable, shown: &[Option<u64>]) -> Table {
        let pick = |cells: &[usize]| cells.iter().map(|&i| shown[i]).collect::<Vec<_>>();
        Table {
            rows: t.rows.clone(),
            columns: t.columns.clone(),
            cells: self.cells.iter().map(|row| pick(row)).collect(),
            row_totals: pick(&self.row_totals),
            column_totals: pick(&self.column_totals),
            total: shown[self.total],
        }
    }
}

fn published_series(
    counts: &BTreeMap<String, u64>,
    (items, total): &(Vec<usize>, usize),
    shown: &[Option<u64>],
) -> Series {
    Series {
        items: counts.keys().zip(items).map(|(k, &i)| SeriesItem { key: k.clone(), count: shown[i] }).collect(),
        total: shown[*total],
    }
}

/// `removed` of `sent` as published: the percent only where both counts are.
pub fn removal_rate(key: &str, removed: Option<u64>, sent: Option<u64>) -> RemovalRate {
    let percent = match (removed, sent) {
        (Some(r), Some(s)) if s > 0 => Some((r * 200 + s) / (2 * s)),
        _ => None,
    };
    RemovalRate { key: key.to_owned(), removed, sent, percent }
}

/// The removal rate of each row of a published notices table (its `removed` column against the row total).
fn row_removal_rates(t: &Table) -> Vec<RemovalRate> {
    let removed = t.columns.iter().position(|c| c == "removed");
    t.rows
        .iter()
        .enumerate()
        .map(|(i, key)| removal_rate(key, removed.and_then(|j| t.cells[i][j]), t.row_totals[i]))
        .collect()
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
    /// URLs victims reported, per month of their case.
    pub urls_reported_by_month: BTreeMap<String, u64>,
    /// URLs analysts confirmed, per month of the confirmation.
    pub urls_confirmed_by_month: BTreeMap<String, u64>,
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
    let mut removals_by_month = BTreeMap::new();
    let mut removal_times = Vec::new();
    let mut removal_times_by_month: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut per_host: BTreeMap<&str, (Vec<u64>, Vec<u64>)> = BTreeMap::new();
    let sent: Vec<&NoticeFact> = input.notices.iter().filter(|n| n.timeline.sent_at.is_some()).collect();
    let hosts = pooled(sent.iter().map(|n| n.host.as_str()), minimum, OTHER_HOSTS);
    for (n, host) in sent.iter().zip(&hosts) {
        let removal = n.timeline.time_to_removal().zip(n.timeline.decided_at);
        if let Some((ttr, at)) = removal {
            *removals_by_month.entry(month_of(at)).or_insert(0) += 1;
            removal_times_by_month.entry(month_of(at)).or_default().push(ttr);
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
    let by_platform = CountTable::tally(
        sent.iter().zip(&hosts).filter_map(|(n, host)| Some(((*host).to_owned(), outcome(&n.timeline)?))),
        &NOTICE_OUTCOMES,
    );
    let by_month = CountTable::tally(
        sent.iter().filter_map(|n| Some((month_of(n.timeline.sent_at?), outcome(&n.timeline)?))),
        &NOTICE_OUTCOMES,
    );

    // The notices' figures share their outcome totals: one system. Removals by month add up to the removed ones.
    let mut notices = Cells::default();
    let platform_cells = notices.table(&by_platform, None);
    let month_cells = notices.table(&by_month, Some((&platform_cells.column_totals, platform_cells.total)));
    let removed_total = NOTICE_OUTCOMES.iter().position(|c| *c == "removed").map(|j| platform_cells.column_totals[j]);
    let removal_cells = notices.series(&removals_by_month, removed_total);
    let shown = notices.publish(minimum);
    let notices_by_platform = platform_cells.published(&by_platform, &shown);
    let notices_by_month = month_cells.published(&by_month, &shown);
    let removed_overall = removed_total.and_then(|i| shown[i]);
    let removals_by_month = published_series(&removals_by_month, &removal_cells, &shown);
    // A month's median says it had at least `minimum` removals: only where its count is published anyway.
    let median_ms_to_removal_by_month = removal_times_by_month
        .into_iter()
        .zip(&removals_by_month.items)
        .map(|((key, mut times), item)| MonthlyMedian {
            key,
            median_ms: item.count.and_then(|_| median_over(&mut times, minimum)),
        })
        .collect();

    Statistics {
        minimum,
        computed_at,
        cases_by_month: publish_series(&input.cases_by_month, minimum),
        cases_by_category: publish_series(&input.cases_by_category, minimum),
        hashes_by_kind_and_state: publish_table(&input.hashes, minimum),
        matches_by_month: publish_series(&input.matches_by_month, minimum),
        removals_by_month,
        median_ms_to_removal: median_over(&mut removal_times, minimum),
        removal_rate: removal_rate("all", removed_overall, notices_by_platform.total),
        removal_rate_by_month: row_removal_rates(&notices_by_month),
        removal_rate_by_platform: row_removal_rates(&notices_by_platform)
            .into_iter()
            .filter(|r| r.key != OTHER_HOSTS)
            .collect(),
        median_ms_to_removal_by_month,
        notices_by_platform,
        notices_by_month,
        platform_responsiveness: per_host
            .into_iter()
            .map(|(host, (mut acks, mut removals))| PlatformResponsiveness {
                host: host.to_string(),
                median_ms_to_acknowledge: median_over(&mut acks, minimum),
                median_ms_to_removal: median_over(&mut removals, minimum),
            })
            .collect(),
        urls_reported_by_month: publish_series(&input.urls_reported_by_month, minimum),
        urls_confirmed_by_month: publish_series(&input.urls_confirmed_by_month, minimum),
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

/// The published statistics as CSV, one published figure a line: `figure,label,measure,value`. A count hidden
/// by the small-count rules reads `<min`; a median or rate not published is empty. Labels go through
/// [`spreadsheet_safe`] (hosts come from URLs victims reported). The same numbers as the JSON, nothing more.
pub fn statistics_csv(s: &Statistics) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["figure", "label", "measure", "value"])?;
    let min = s.minimum;
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut row = |figure: &str, label: &str, measure: &str, value: String| {
        rows.push([figure.to_owned(), label.to_owned(), measure.to_owned(), value]);
    };
    row("minimum", "", "count", min.to_string());
    row("computed_at", "", "unix_ms", s.computed_at.to_string());
    let series = [
        ("cases_by_month", "cases", &s.cases_by_month),
        ("cases_by_category", "cases", &s.cases_by_category),
        ("urls_reported_by_month", "urls", &s.urls_reported_by_month),
        ("urls_confirmed_by_month", "urls", &s.urls_confirmed_by_month),
        ("matches_by_month", "matches", &s.matches_by_month),
        ("removals_by_month", "notices", &s.removals_by_month),
    ];
    for (figure, measure, sr) in series {
        for item in &sr.items {
            row(figure, &item.key, measure, cell_text(item.count, min));
        }
        row(figure, "total", measure, cell_text(sr.total, min));
    }
    let tables = [
        ("hashes_by_kind_and_state", &s.hashes_by_kind_and_state),
        ("notices_by_month", &s.notices_by_month),
        ("notices_by_platform", &s.notices_by_platform),
    ];
    for (figure, t) in tables {
        for (i, label) in t.rows.iter().enumerate() {
            for (column, cell) in t.columns.iter().zip(&t.cells[i]) {
                row(figure, label, column, cell_text(*cell, min));
            }
            row(figure, label, "total", cell_text(t.row_totals[i], min));
        }
        for (column, cell) in t.columns.iter().zip(&t.column_totals) {
            row(figure, "total", column, cell_text(*cell, min));
        }
        row(figure, "total", "total", cell_text(t.total, min));
    }
    let optional = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    row("median_ms_to_removal", "all", "ms", optional(s.median_ms_to_removal));
    for m in &s.median_ms_to_removal_by_month {
        row("median_ms_to_removal_by_month", &m.key, "ms", optional(m.median_ms));
    }
    let rates = [
        ("removal_rate", std::slice::from_ref(&s.removal_rate)),
        ("removal_rate_by_month", &s.removal_rate_by_month[..]),
        ("removal_rate_by_platform", &s.removal_rate_by_platform[..]),
    ];
    for (figure, list) in rates {
        for r in list {
            row(figure, &r.key, "removed", cell_text(r.removed, min));
            row(figure, &r.key, "sent", cell_text(r.sent, min));
            row(figure, &r.key, "percent", optional(r.percent));
        }
    }
    for p in &s.platform_responsiveness {
        row("platform_responsiveness", &p.host, "median_ms_to_acknowledge", optional(p.median_ms_to_acknowledge));
        row("platform_responsiveness", &p.host, "median_ms_to_removal", optional(p.median_ms_to_removal));
    }
    for r in rows {
        w.write_record(r.iter().map(|cell| spreadsheet_safe(cell).into_owned()))?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
        && table_lines(t).iter().all(|l| l.len() < 2 || l.iter().filter(|c| c.is_none()).count() != 1)
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
            urls_reported_by_month: counts(&[("2026-01", 9), ("2026-02", 2)]),
            urls_confirmed_by_month: counts(&[("2026-01", 8)]),
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
                serde_json::Value::Number(n)
                    if !path.ends_with("minimum") && !path.contains("median") && !path.ends_with("percent") =>
                {
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
    fn notices_are_counted_per_month_of_sending_with_the_removal_rate_of_each_month() {
        let mut notices = Vec::new();
        for i in 0..4 {
            let decision = (i < 3).then_some((PlatformDecision::Removed, (i + 1) * 3_600_000));
            notices.push(notice("a.example", JAN_2026 + i * DAY, decision));
        }
        notices.push(notice("a.example", JAN_2026 + 40 * DAY, Some((PlatformDecision::Removed, 5 * 3_600_000))));
        notices.push(notice("a.example", JAN_2026 + 41 * DAY, Some((PlatformDecision::Rejected, DAY))));
        notices.push(NoticeFact { timeline: NoticeTimeline::new(JAN_2026), ..notice("a.example", JAN_2026, None) });
        let stats = aggregate(&StatsInput { notices, ..StatsInput::default() }, 1, JAN_2026);
        let t = &stats.notices_by_month;
        assert_eq!(t.rows, ["2026-01", "2026-02"]);
        assert_eq!(t.row_totals, [Some(4), Some(2)], "notices sent each month; the draft is not one");
        let removed = t.columns.iter().position(|c| c == "removed").expect("removed");
        assert_eq!(t.cells[0][removed], Some(3));
        assert_eq!((t.cells[0][0], t.cells[1][0]), (None, None), "0 is under the minimum, and then 1 = 1 - 0");
        assert_eq!(
            stats.removal_rate_by_month,
            [removal_rate("2026-01", Some(3), Some(4)), removal_rate("2026-02", Some(1), Some(2))]
        );
        assert_eq!(stats.removal_rate_by_month.iter().map(|r| r.percent).collect::<Vec<_>>(), [Some(75), Some(50)]);
        assert_eq!(stats.removal_rate, removal_rate("all", Some(4), Some(6)));
        assert_eq!(stats.removal_rate.percent, Some(67));
        assert_eq!(stats.removal_rate_by_platform, [removal_rate("a.example", Some(4), Some(6))]);
        assert_eq!(
            stats.median_ms_to_removal_by_month,
            [
                MonthlyMedian { key: "2026-01".into(), median_ms: Some(2 * 3_600_000) },
                MonthlyMedian { key: "2026-02".into(), median_ms: Some(5 * 3_600_000) },
            ]
        );
    }

    #[test]
    fn hidden_cells_that_must_be_zero_give_nothing_away_so_their_partners_hide_too() {
        // February's row: its total 2 is shown and so are its two parts, so its hidden cells are all 0 and
        // known. Then January's lone unanswered notice would be the column total minus February's 0.
        let mut notices = vec![notice("a.example", JAN_2026, None)];
        for i in 0..3 {
            notices.push(notice("a.example", JAN_2026 + i * DAY, Some((PlatformDecision::Removed, 3_600_000))));
        }
        notices.push(notice("a.example", JAN_2026 + 40 * DAY, Some((PlatformDecision::Removed, 3_600_000))));
        notices.push(notice("a.example", JAN_2026 + 41 * DAY, Some((PlatformDecision::Rejected, DAY))));
        let stats = aggregate(&StatsInput { notices, ..StatsInput::default() }, 2, JAN_2026);
        let (m, p) = (&stats.notices_by_month, &stats.notices_by_platform);
        assert_eq!(m.rows, ["2026-01", "2026-02"]);
        let unanswered = 0;
        assert_eq!(m.cells[0][unanswered], None, "1 is under the minimum");
        assert_eq!(m.column_totals[unanswered], None, "else 1 = total - February's known 0");
        assert_eq!(p.column_totals[unanswered], None, "the same number in the other table");
        assert!(table_is_safe(m, 2) && table_is_safe(p, 2));
    }

    #[test]
    fn rates_round_and_need_both_counts() {
        assert_eq!(removal_rate("x", Some(2), Some(3)).percent, Some(67));
        assert_eq!(removal_rate("x", Some(1), Some(8)).percent, Some(13));
        assert_eq!(removal_rate("x", Some(0), Some(0)).percent, None);
        assert_eq!(removal_rate("x", None, Some(9)).percent, None);
        assert_eq!(removal_rate("x", Some(9), None).percent, None);
    }

    #[test]
    fn urls_reported_and_confirmed_are_published_per_month_with_suppression() {
        let input = StatsInput {
            urls_reported_by_month: counts(&[("2026-01", 12), ("2026-02", 3), ("2026-03", 40)]),
            urls_confirmed_by_month: counts(&[("2026-01", 9), ("2026-03", 30)]),
            ..StatsInput::default()
        };
        let stats = aggregate(&input, 5, JAN_2026);
        let counts = |s: &Series| s.items.iter().map(|i| (i.key.clone(), i.count)).collect::<Vec<_>>();
        assert_eq!(
            counts(&stats.urls_reported_by_month),
            [("2026-01".into(), None), ("2026-02".into(), None), ("2026-03".into(), Some(40))]
        );
        assert_eq!(stats.urls_reported_by_month.total, Some(55));
        assert_eq!(counts(&stats.urls_confirmed_by_month), [("2026-01".into(), Some(9)), ("2026-03".into(), Some(30))]);
    }

    /// Notices at random hosts, months and outcomes.
    fn random_notices(next: &mut impl FnMut(u64) -> u64) -> Vec<NoticeFact> {
        use crate::notices::NoticeOutcome;
        let hosts = ["a.example", "b.example", "c.example", "d.example"];
        (0..next(60))
            .map(|_| {
                let host = hosts[next(hosts.len() as u64) as usize];
                let sent = JAN_2026 + next(4) * 31 * DAY + next(DAY);
                let mut n = notice(host, sent, None);
                match next(6) {
                    0 => {}
                    1 => n.timeline.acknowledge(sent + next(DAY)).expect("ack"),
                    2 => n.timeline.decide(PlatformDecision::Rejected, sent + next(DAY)).expect("decide"),
                    3 => n.timeline.record_outcome(NoticeOutcome::NoAnswer, sent + next(DAY)).expect("outcome"),
                    _ => n.timeline.decide(PlatformDecision::Removed, sent + next(40 * DAY)).expect("decide"),
                }
                n
            })
            .collect()
    }

    #[test]
    fn figures_that_share_a_count_publish_it_alike_and_never_one_below_the_minimum() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m.max(1)
        };
        for _ in 0..400 {
            let min = 1 + next(8);
            let input = StatsInput { notices: random_notices(&mut next), ..StatsInput::default() };
            let s = aggregate(&input, min, JAN_2026);
            let (p, m) = (&s.notices_by_platform, &s.notices_by_month);
            assert!(table_is_safe(p, min) && table_is_safe(m, min), "{p:?}\n{m:?}");
            assert_eq!(p.column_totals, m.column_totals, "outcome totals published alike\n{p:?}\n{m:?}");
            assert_eq!(p.total, m.total);
            let removed = NOTICE_OUTCOMES.iter().position(|c| *c == "removed").expect("removed");
            assert_eq!(s.removals_by_month.total, p.column_totals[removed]);
            let items = &s.removals_by_month.items;
            let hidden =
                items.iter().filter(|i| i.count.is_none()).count() + usize::from(s.removals_by_month.total.is_none());
            assert!(items.is_empty() || hidden != 1, "one hidden removal month is the total minus the others: {s:?}");
            for rate in s.removal_rate_by_month.iter().chain(&s.removal_rate_by_platform).chain([&s.removal_rate]) {
                assert!(rate.removed.is_none_or(|v| v >= min) && rate.sent.is_none_or(|v| v >= min), "{rate:?}");
                assert_eq!(rate.percent.is_some(), rate.removed.is_some() && rate.sent.is_some_and(|v| v > 0));
            }
            for (median, item) in s.median_ms_to_removal_by_month.iter().zip(&s.removals_by_month.items) {
                assert!(median.median_ms.is_none() || item.count.is_some(), "{median:?} beside {item:?}");
            }
        }
    }

    #[test]
    fn the_statistics_csv_has_every_published_figure_and_hides_what_the_json_hides() {
        let stats = aggregate(&input(), 5, JAN_2026);
        let csv = statistics_csv(&stats).expect("csv");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.headers().expect("headers"), vec!["figure", "label", "measure", "value"]);
        let rows: Vec<Vec<String>> =
            reader.records().map(|r| r.expect("record").iter().map(str::to_owned).collect()).collect();
        let value = |figure: &str, label: &str, measure: &str| {
            rows.iter()
                .find(|r| r[0] == figure && r[1] == label && r[2] == measure)
                .map(|r| r[3].clone())
                .unwrap_or_else(|| panic!("no {figure},{label},{measure} in\n{csv}"))
        };
        assert_eq!(value("cases_by_category", "adult_ncii", "cases"), "9");
        assert_eq!(value("matches_by_month", "2026-02", "matches"), "<5");
        assert_eq!(value("urls_reported_by_month", "total", "urls"), "11");
        let t = &stats.notices_by_platform;
        let removed = t.columns.iter().position(|c| c == "removed").expect("removed");
        assert_eq!(value("notices_by_platform", "big.example", "removed"), cell_text(t.cells[0][removed], 5));
        assert_eq!(value("notices_by_platform", "total", "total"), cell_text(t.total, 5));
        assert_eq!(value("median_ms_to_removal", "all", "ms"), (4 * 3_600_000).to_string());
        let percent = stats.removal_rate.percent.map(|p| p.to_string()).unwrap_or_default();
        assert_eq!(value("removal_rate", "all", "percent"), percent);
        assert!(!csv.contains("small.example"), "{csv}");
        for r in &rows {
            let v = &r[3];
            assert!(
                v.is_empty()
                    || v == "<5"
                    || r[0].contains("median")
                    || r[0] == "computed_at"
                    || r[2] == "percent"
                    || v.parse::<u64>().is_ok_and(|n| n >= 5),
                "{r:?}"
            );
        }
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
