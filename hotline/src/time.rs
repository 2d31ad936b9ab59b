//! Unix-millisecond times, and the UTC calendar labels that counters, reports and listings show them as.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix milliseconds now (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A unix-ms time in UTC; `None` past what `time` represents.
fn utc(unix_ms: u64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix_ms / 1000).unwrap_or(0)).ok()
}

/// `YYYY-MM` of a unix-ms time (UTC).
pub fn month_of(unix_ms: u64) -> String {
    utc(unix_ms).map(|t| format!("{:04}-{:02}", t.year(), u8::from(t.month()))).unwrap_or_default()
}

/// `YYYY-MM-DD` of a unix-ms time (UTC).
pub fn date_of(unix_ms: u64) -> String {
    utc(unix_ms).map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())).unwrap_or_default()
}

/// Clock hour of a unix-ms time, `YYYY-MM-DDTHH` (UTC).
pub fn hour_of(unix_ms: u64) -> String {
    utc(unix_ms)
        .map(|t| format!("{:04}-{:02}-{:02}T{:02}", t.year(), u8::from(t.month()), t.day(), t.hour()))
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM` of a unix-ms time (UTC).
pub fn minute_of(unix_ms: u64) -> String {
    utc(unix_ms)
        .map(|t| format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute()))
        .unwrap_or_default()
}

/// Midnight UTC of a `YYYY-MM-DD` date, unix ms; `None` for anything else or a date before 1970.
pub fn parse_date(text: &str) -> Option<u64> {
    let mut parts = text.trim().splitn(3, '-');
    let mut field = |len: usize| parts.next().filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()));
    let (year, month, day) = (field(4)?.parse().ok()?, field(2)?.parse::<u8>().ok()?, field(2)?.parse().ok()?);
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let seconds = date.midnight().assume_utc().unix_timestamp();
    u64::try_from(seconds).ok().map(|s| s * 1000)
}

/// Year of a unix-ms time (UTC).
pub fn year_of(unix_ms: u64) -> i32 {
    utc(unix_ms).map_or(1970, |t| t.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_2026: u64 = 1_767_225_600_000;

    #[test]
    fn months_are_utc_calendar_months() {
        assert_eq!(month_of(JAN_2026), "2026-01");
        assert_eq!(month_of(JAN_2026 - 1), "2025-12");
        assert_eq!(date_of(JAN_2026 - 1), "2025-12-31");
        assert_eq!(hour_of(JAN_2026 + 13 * 3_600_000 + 59_999), "2026-01-01T13");
        assert_eq!(minute_of(JAN_2026 + 13 * 3_600_000 + 59_999), "2026-01-01 13:00");
        assert_eq!(minute_of(951_782_400_000 + 23 * 3_600_000 + 59 * 60_000), "2000-02-29 23:59");
        assert_eq!(year_of(JAN_2026), 2026);
    }

    #[test]
    fn dates_parse_to_utc_midnight_and_nothing_else_parses() {
        assert_eq!(parse_date("2026-01-01"), Some(JAN_2026));
        assert_eq!(parse_date("2026-01-02"), Some(JAN_2026 + 86_400_000));
        for bad in ["", "2026-1-01", "2026-02-30", "2026-13-01", "26-01-01", "2026-01-01T00", "1969-12-31", "x"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
