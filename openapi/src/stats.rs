//! Public statistics. No published count is below the minimum (`minimum`): such a cell is `null`, and more
//! cells are suppressed where a total would let one be recovered by subtraction.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One labelled count; `count` is `null` when suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesItem {
    /// Label (a month `YYYY-MM`, a category).
    pub key: String,
    /// The count, or `null` when under the minimum.
    pub count: Option<u64>,
}

/// Counts by one label, with their total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// The counts.
    pub items: Vec<SeriesItem>,
    /// Their total, or `null` when suppressed.
    pub total: Option<u64>,
}

/// Counts by two labels, with row and column totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub columns: Vec<String>,
    /// `cells[row][column]`; `null` when suppressed.
    pub cells: Vec<Vec<Option<u64>>>,
    /// Per row.
    pub row_totals: Vec<Option<u64>>,
    /// Per column.
    pub column_totals: Vec<Option<u64>>,
    /// Everything.
    pub total: Option<u64>,
}

/// How fast one platform answers notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformResponsiveness {
    /// The platform's host.
    pub host: String,
    /// Median ms from sending to acknowledgement (`null` under the minimum number of notices).
    pub median_ms_to_acknowledge: Option<u64>,
    /// Median ms from sending to removal (`null` under the minimum).
    pub median_ms_to_removal: Option<u64>,
}

/// Removals among sent notices: `removed` of `sent`. Each count follows the small-count rules of the table it
/// comes from, and `percent` (rounded) is published only where both are, so it reveals nothing they do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovalRate {
    /// What the notices have in common: `all`, a month of sending `YYYY-MM`, or a platform's host.
    pub key: String,
    /// Notices removed (`null` when suppressed).
    pub removed: Option<u64>,
    /// Notices sent (`null` when suppressed).
    pub sent: Option<u64>,
    /// `removed` in percent of `sent`, rounded (`null` unless both are published).
    pub percent: Option<u64>,
}

/// A median over one month's removals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyMedian {
    /// The month `YYYY-MM`.
    pub key: String,
    /// Median ms (`null` over fewer removals than the minimum).
    pub median_ms: Option<u64>,
}

/// `GET /v1/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Statistics {
    /// Smallest count shown.
    pub minimum: u64,
    /// When these figures were computed, unix ms (they are cached briefly).
    pub computed_at: u64,
    /// Cases created per month.
    pub cases_by_month: Series,
    /// Cases per category.
    pub cases_by_category: Series,
    /// Hashes: kind x state.
    pub hashes_by_kind_and_state: Table,
    /// Matches found by the match API per month.
    pub matches_by_month: Series,
    /// Removals after a notice, per month of the decision.
    pub removals_by_month: Series,
    /// Median ms from sending a notice to removal.
    pub median_ms_to_removal: Option<u64>,
    /// Sent notices per platform and outcome.
    pub notices_by_platform: Table,
    /// Medians per platform.
    pub platform_responsiveness: Vec<PlatformResponsiveness>,
    /// URLs victims reported with their cases, per month of the case.
    pub urls_reported_by_month: Series,
    /// URLs analysts confirmed, per month of the confirmation.
    pub urls_confirmed_by_month: Series,
    /// Sent notices per month of sending and outcome; the row totals are the notices sent each month. Published
    /// together with `notices_by_platform` (their outcome totals are the same numbers, suppressed alike).
    pub notices_by_month: Table,
    /// Removals among all sent notices.
    pub removal_rate: RemovalRate,
    /// Removals among the notices sent each month.
    pub removal_rate_by_month: Vec<RemovalRate>,
    /// Removals among the notices sent to each platform named in `notices_by_platform`.
    pub removal_rate_by_platform: Vec<RemovalRate>,
    /// Median ms from sending a notice to removal, per month of the removal.
    pub median_ms_to_removal_by_month: Vec<MonthlyMedian>,
}

/// `GET /stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsPageQuery {
    /// The page's language; without it, the browser's preference (`Accept-Language`) between French and English,
    /// else French.
    pub lang: Option<crate::notices::Lang>,
}

/// `GET /v1/admin/reports/trusted-flagger`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Calendar year (UTC) of the notices.
    pub year: i32,
}
