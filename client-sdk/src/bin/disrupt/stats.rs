//! `disrupt stats`: the public statistics. No published count is below the server's minimum: such a cell is
//! `null` in the JSON and shown as `<minimum` (e.g. `<5`) in the text.

use std::process::ExitCode;

use disrupt_openapi::stats::{Series, Statistics, Table as CountTable};

use crate::render::{self, OutputArgs, Table};
use crate::server::{ServerArgs, runtime};

/// Arguments of `disrupt stats`.
#[derive(clap::Args)]
pub struct StatsArgs {
    /// Print the server's CSV of the same figures (`figure,label,measure,value`) instead.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    server: ServerArgs,
}

/// Runs `disrupt stats`.
pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.client();
    if args.csv {
        let csv = runtime()?.block_on(client.statistics_csv())?;
        render::write_out(&csv)?;
        return Ok(ExitCode::SUCCESS);
    }
    let stats = runtime()?.block_on(client.statistics())?;
    if args.output.json {
        render::print_json(&stats)?;
    } else {
        render::write_out(&text(&stats))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn text(s: &Statistics) -> String {
    let min = s.minimum;
    let mut out = format!(
        "Public statistics, computed {}. Counts under {min} are not published: they show as <{min}.\n",
        render::time(s.computed_at)
    );
    out.push_str(&series("Cases by month", &s.cases_by_month, min));
    out.push_str(&series("Cases by category", &s.cases_by_category, min));
    out.push_str(&table("Hashes by kind and state", "KIND", &s.hashes_by_kind_and_state, min));
    out.push_str(&series("URLs reported, by month of the case", &s.urls_reported_by_month, min));
    out.push_str(&series("URLs confirmed, by month of the confirmation", &s.urls_confirmed_by_month, min));
    out.push_str(&series("Matches by month", &s.matches_by_month, min));
    out.push_str(&table("Notices sent, by month of sending and outcome", "MONTH", &s.notices_by_month, min));
    out.push_str(&series("Removals after a notice, by month", &s.removals_by_month, min));
    let rate = &s.removal_rate;
    out.push_str(&format!(
        "\nRemoval rate: {} ({} removed of {} sent)\n",
        rate.percent.map_or_else(|| "not published".to_owned(), |p| format!("{p}%")),
        render::count(rate.removed, min),
        render::count(rate.sent, min)
    ));
    out.push_str(&format!("Median time from notice to removal: {}\n", median(s.median_ms_to_removal, min)));
    out.push_str(&table("Notices by platform and outcome", "HOST", &s.notices_by_platform, min));
    out.push_str("\nPlatform responsiveness\n");
    if s.platform_responsiveness.is_empty() {
        out.push_str("  (none)\n");
    } else {
        let mut t = Table::new(&["HOST", "MEDIAN TO ACKNOWLEDGE", "MEDIAN TO REMOVAL"]);
        for p in &s.platform_responsiveness {
            t.row(vec![p.host.clone(), median(p.median_ms_to_acknowledge, min), median(p.median_ms_to_removal, min)]);
        }
        out.push_str(&indent(&t.render()));
    }
    out
}

fn median(ms: Option<u64>, min: u64) -> String {
    ms.map_or_else(|| format!("not published (fewer than {min} notices)"), render::duration)
}

fn series(title: &str, series: &Series, min: u64) -> String {
    let mut out = format!("\n{title}\n");
    if series.items.is_empty() {
        out.push_str("  (none)\n");
        return out;
    }
    let mut t = Table::headless();
    for item in &series.items {
        t.row(vec![item.key.clone(), render::count(item.count, min)]);
    }
    t.row(vec!["total".into(), render::count(series.total, min)]);
    out.push_str(&indent(&t.render()));
    out
}

fn table(title: &str, corner: &str, table: &CountTable, min: u64) -> String {
    let mut out = format!("\n{title}\n");
    if table.rows.is_empty() {
        out.push_str("  (none)\n");
        return out;
    }
    let mut header = vec![corner];
    header.extend(table.columns.iter().map(String::as_str));
    header.push("total");
    let mut t = Table::new(&header);
    for (i, row) in table.rows.iter().enumerate() {
        let mut cells = vec![row.clone()];
        cells.extend(table.cells.get(i).into_iter().flatten().map(|c| render::count(*c, min)));
        cells.push(render::count(table.row_totals.get(i).copied().flatten(), min));
        t.row(cells);
    }
    let mut totals = vec!["total".to_owned()];
    totals.extend(table.column_totals.iter().map(|c| render::count(*c, min)));
    totals.push(render::count(table.total, min));
    t.row(totals);
    out.push_str(&indent(&t.render()));
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
