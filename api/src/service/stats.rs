//! Public statistics and the yearly trusted-flagger report, from the store's counters and the notices.

use std::time::{Duration, Instant};

use disrupt_hotline::notices::LegalGroundExt;
use disrupt_hotline::stats::{self, CountTable, NoticeFact, StatsInput, TrustedFlaggerReport};
use disrupt_hotline::time::now_ms;
use disrupt_openapi::notices::Lang;
use disrupt_openapi::stats as w;

use super::Service;
use crate::error::ApiError;
use crate::store::StatCounters;

/// Statistics are recomputed at most this often: the public route must not let anyone load the store.
pub const STATS_CACHE: Duration = Duration::from_secs(60);

/// The store's counters as statistics input.
fn input_from_counters(counters: &StatCounters, notices: Vec<NoticeFact>) -> StatsInput {
    let mut input = StatsInput { notices, ..StatsInput::default() };
    for ((month, category), &count) in &counters.cases {
        *input.cases_by_month.entry(month.clone()).or_insert(0) += count;
        *input.cases_by_category.entry(category.clone()).or_insert(0) += count;
    }
    input.matches_by_month = counters.matches.clone();
    input.urls_reported_by_month = counters.urls_reported.clone();
    input.urls_confirmed_by_month = counters.urls_confirmed.clone();
    let hashes = counters
        .entries
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|((kind, state), &count)| (kind.clone(), state.clone(), count));
    input.hashes = CountTable::from_counts(hashes, &stats::STATES);
    input
}

impl Service {
    /// The public statistics page: [`Service::statistics`] rendered as HTML under the hotline's name, in the
    /// language asked for (`?lang=`), else the one the browser prefers (`Accept-Language`).
    pub async fn statistics_page(&self, lang: Option<Lang>, accept_language: Option<&str>) -> Result<String, ApiError> {
        let stats = self.statistics().await?;
        let lang = crate::stats_page::choose_lang(lang, accept_language);
        crate::stats_page::render(&stats, &self.hotline.notifier.name, lang)
    }

    /// [`Service::statistics`] as CSV, one published figure a line.
    pub async fn statistics_csv(&self) -> Result<String, ApiError> {
        stats::statistics_csv(&self.statistics().await?).map_err(ApiError::internal)
    }

    /// The published statistics, cached for [`STATS_CACHE`].
    pub async fn statistics(&self) -> Result<w::Statistics, ApiError> {
        if let Some((at, cached)) = self.stats_cache.lock().as_ref()
            && at.elapsed() < STATS_CACHE
        {
            return Ok(cached.clone());
        }
        let counters = self.store.stat_counters().await?;
        let input = input_from_counters(&counters, self.notice_facts().await?);
        let out = stats::aggregate(&input, self.hotline.stats_minimum, now_ms());
        *self.stats_cache.lock() = Some((Instant::now(), out.clone()));
        Ok(out)
    }

    async fn notice_facts(&self) -> Result<Vec<NoticeFact>, ApiError> {
        Ok(self
            .notice_timelines()
            .await?
            .into_iter()
            .map(|(host, ground, timeline)| NoticeFact { host, content_type: ground.code().to_owned(), timeline })
            .collect())
    }

    /// The DSA Article 22 trusted-flagger report for `year`, as CSV.
    pub async fn trusted_flagger_report(&self, year: i32) -> Result<String, ApiError> {
        if !(2000..=9999).contains(&year) {
            return Err(ApiError::InvalidRequest("year is 2000 to 9999".into()));
        }
        let notices = self.notice_facts().await?;
        let report =
            TrustedFlaggerReport::build(&notices, year, &self.hotline.notifier.name, self.hotline.stats_minimum);
        report.to_csv().map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_become_series_and_tables() {
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        let counters = StatCounters {
            cases: [(pair("2026-11", "adult_ncii"), 7), (pair("2026-11", "deepfake"), 2)].into(),
            entries: [(pair("pdq", "pending"), 9), (pair("md5", "verified"), 0)].into(),
            matches: [("2026-11".to_owned(), 12)].into(),
            urls_reported: [("2026-11".to_owned(), 4)].into(),
            urls_confirmed: [("2026-12".to_owned(), 3)].into(),
        };
        let input = input_from_counters(&counters, Vec::new());
        assert_eq!(input.cases_by_month.get("2026-11"), Some(&9));
        assert_eq!(input.cases_by_category.get("deepfake"), Some(&2));
        assert_eq!(input.matches_by_month.get("2026-11"), Some(&12));
        assert_eq!(input.urls_reported_by_month.get("2026-11"), Some(&4));
        assert_eq!(input.urls_confirmed_by_month.get("2026-12"), Some(&3));
        assert_eq!(input.hashes.rows, vec!["pdq".to_owned()]);
        let published = stats::aggregate(&input, 5, 0);
        // 2 deepfake cases are under the minimum: suppressed, and so is another cell of the series.
        assert!(published.cases_by_category.items.iter().all(|item| item.count.is_none_or(|v| v >= 5)));
    }
}
