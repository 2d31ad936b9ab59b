//! The public statistics page: server-rendered HTML (auto-escaped), no scripts, no styles, no third-party
//! requests, so it works under `Content-Security-Policy: default-src 'none'`.

use disrupt_openapi::stats::Statistics;
use minijinja::{Environment, Value, context};

use crate::error::ApiError;

const TEMPLATE: &str = include_str!("../templates/stats.html");

/// Renders the page.
pub fn render(stats: &Statistics, notifier: &str) -> Result<String, ApiError> {
    let mut env = Environment::new();
    let minimum = stats.minimum;
    env.add_function("cell", move |v: Value| -> String {
        if v.is_none() || v.is_undefined() { format!("<{minimum}") } else { v.to_string() }
    });
    env.add_function("hours", |ms: u64| format!("{:.1}", ms as f64 / 3_600_000.0));
    env.add_template("stats.html", TEMPLATE).map_err(ApiError::internal)?;
    let template = env.get_template("stats.html").map_err(ApiError::internal)?;
    template.render(context! { s => stats, notifier => notifier }).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use disrupt_openapi::stats::{Series, SeriesItem, Table};

    #[test]
    fn suppressed_cells_read_as_under_the_minimum_and_text_is_escaped() {
        let empty_table = Table {
            rows: vec![],
            columns: vec![],
            cells: vec![],
            row_totals: vec![],
            column_totals: vec![],
            total: None,
        };
        let series = Series {
            items: vec![
                SeriesItem { key: "adult_ncii".into(), count: Some(12) },
                SeriesItem { key: "<b>".into(), count: None },
            ],
            total: None,
        };
        let stats = Statistics {
            minimum: 5,
            computed_at: 0,
            cases_by_month: series.clone(),
            cases_by_category: series.clone(),
            hashes_by_kind_and_state: empty_table.clone(),
            matches_by_month: series.clone(),
            removals_by_month: series,
            median_ms_to_removal: Some(7_200_000),
            notices_by_platform: empty_table,
            platform_responsiveness: vec![],
        };
        let html = render(&stats, "Hotline").unwrap();
        assert!(html.contains("<td>12</td>"));
        assert!(html.contains("<td>&lt;5</td>"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("2.0 hours"));
        assert!(!html.contains("<script"));
    }
}
