//! Forwards to the authorities: which forwards a case may have, when a minor's case still waits for one, when a
//! notice may say that its content was reported to the competent authorities, and the export the hotline files.
//!
//! A forward is recorded, not made: the analyst reports the case to PHAROS (illegal content in France), INHOPE's
//! ICCAM (child sexual abuse material hosted abroad) or NCMEC (US platforms) through their own channels, then
//! records who, when and their reference here.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::notices::parse_reported_url;
use crate::stats::spreadsheet_safe;
use crate::time::minute_of;

pub use disrupt_openapi::forwards::{
    Authority, Forward, ForwardRequest, MAX_FORWARD_NOTE_CHARS, MAX_FORWARD_REFERENCE_CHARS,
};
use disrupt_openapi::model::Category;

/// A forward that cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ForwardError {
    /// The reference is empty, too long or holds a control character.
    #[error("the reference is 1 to {MAX_FORWARD_REFERENCE_CHARS} characters, without control characters")]
    InvalidReference,
    /// The note is too long.
    #[error("the note is at most {MAX_FORWARD_NOTE_CHARS} characters")]
    NoteTooLong,
    /// A URL index the case does not have.
    #[error("the case has {count} URLs; no index {index}")]
    NoSuchUrl {
        /// The case's URLs.
        count: usize,
        /// The index asked for.
        index: usize,
    },
    /// Before the day the case was received, or in the future.
    #[error("a forward is dated between the day of the case's creation and now")]
    InvalidDate,
    /// ICCAM takes child sexual abuse material only.
    #[error("INHOPE (ICCAM) takes child sexual abuse material only: cases of the minor category")]
    NotForThisAuthority,
}

const DAY_MS: u64 = 86_400_000;

/// A clock ahead of the server's by this much still records "now".
const CLOCK_SLACK_MS: u64 = 5 * 60 * 1000;

/// What the case says about a forward being recorded.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts {
    /// The case's category.
    pub category: Category,
    /// When the case was received, unix ms.
    pub created_at: u64,
    /// How many URLs the victim reported.
    pub url_count: usize,
}

/// Checks a forward to record against its case, as of `now`; answers the time it was forwarded.
pub fn check(request: &ForwardRequest, case: CaseFacts, now: u64) -> Result<u64, ForwardError> {
    let reference = request.reference.trim();
    if reference.is_empty()
        || reference.chars().count() > MAX_FORWARD_REFERENCE_CHARS
        || reference.chars().any(char::is_control)
    {
        return Err(ForwardError::InvalidReference);
    }
    if request.note.as_ref().is_some_and(|n| n.chars().count() > MAX_FORWARD_NOTE_CHARS) {
        return Err(ForwardError::NoteTooLong);
    }
    if let Some(&index) = request.urls.iter().find(|&&i| i >= case.url_count) {
        return Err(ForwardError::NoSuchUrl { count: case.url_count, index });
    }
    let at = request.at.unwrap_or(now);
    // A date alone (midnight UTC) may name the day the case came in.
    let case_day = case.created_at - case.created_at % DAY_MS;
    if at < case_day || at > now + CLOCK_SLACK_MS {
        return Err(ForwardError::InvalidDate);
    }
    if request.authority == Authority::Inhope && case.category != Category::Minor {
        return Err(ForwardError::NotForThisAuthority);
    }
    Ok(at)
}

/// A minor's case waits for a forward until one is recorded: analysts see it flagged until then.
pub fn forward_required(category: Category, forwards: &[Forward]) -> bool {
    category == Category::Minor && forwards.is_empty()
}

/// Whether the case's forwards cover every one of `urls` (a notice's): a forward of the whole case covers all.
/// Only then may the notice say the content was reported to the competent authorities. URLs compare as notices
/// write them (a forward keeps the victim's spelling, a notice the parsed one).
pub fn covers<'a>(forwards: &[Forward], urls: impl IntoIterator<Item = &'a str>) -> bool {
    if forwards.iter().any(|f| f.urls.is_empty()) {
        return true;
    }
    let canonical = |u: &str| parse_reported_url(u).map_or_else(|_| u.to_owned(), |u| u.to_string());
    let forwarded: BTreeSet<String> = forwards.iter().flat_map(|f| f.urls.iter().map(|u| canonical(u))).collect();
    let mut urls = urls.into_iter().peekable();
    urls.peek().is_some() && urls.all(|u| forwarded.contains(&canonical(u)))
}

/// The authority's name as the hotline files it.
pub fn authority_name(authority: Authority) -> &'static str {
    match authority {
        Authority::Pharos => "PHAROS",
        Authority::Inhope => "INHOPE (ICCAM)",
        Authority::Ncmec => "NCMEC (CyberTipline)",
    }
}

/// The export as CSV, one forward a line: `id,authority,reference,forwarded_at,case_id,list,category,urls,
/// recorded_at,recorded_by,note`; times as `YYYY-MM-DD HH:MM` UTC, URLs separated by spaces. Every cell goes
/// through [`spreadsheet_safe`]: URLs, references and notes come from outside.
pub fn to_csv(forwards: &[Forward]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "authority",
        "reference",
        "forwarded_at",
        "case_id",
        "list",
        "category",
        "urls",
        "recorded_at",
        "recorded_by",
        "note",
    ])?;
    for f in forwards {
        let record = [
            f.id.clone(),
            authority_name(f.authority).to_owned(),
            f.reference.clone(),
            minute_of(f.forwarded_at),
            f.case_id.clone(),
            f.list.clone(),
            f.category.as_str().to_owned(),
            f.urls.join(" "),
            minute_of(f.recorded_at),
            f.recorded_by.clone(),
            f.note.clone().unwrap_or_default(),
        ];
        w.write_record(record.iter().map(|cell| spreadsheet_safe(cell).into_owned()))?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_2026: u64 = 1_767_225_600_000;

    fn request(authority: Authority) -> ForwardRequest {
        ForwardRequest { authority, reference: "PH-2026-0001".into(), urls: vec![], at: None, note: None }
    }

    fn case(category: Category) -> CaseFacts {
        CaseFacts { category, created_at: JAN_2026, url_count: 2 }
    }

    fn forward(urls: &[&str]) -> Forward {
        Forward {
            id: "f1".into(),
            case_id: "c1".into(),
            list: "ncii".into(),
            category: Category::Minor,
            authority: Authority::Pharos,
            reference: "PH-1".into(),
            urls: urls.iter().map(|u| u.to_string()).collect(),
            forwarded_at: JAN_2026,
            recorded_at: JAN_2026 + 60_000,
            recorded_by: "k1".into(),
            note: None,
        }
    }

    #[test]
    fn a_forward_needs_a_reference_urls_of_the_case_and_a_date_within_its_life() {
        let now = JAN_2026 + 86_400_000;
        assert_eq!(check(&request(Authority::Pharos), case(Category::AdultNcii), now), Ok(now));
        let dated = ForwardRequest { at: Some(JAN_2026 + 1), ..request(Authority::Ncmec) };
        assert_eq!(check(&dated, case(Category::AdultNcii), now), Ok(JAN_2026 + 1));
        for reference in ["", "  ", "a\u{7}b", &"x".repeat(201)] {
            let bad = ForwardRequest { reference: reference.into(), ..request(Authority::Pharos) };
            assert_eq!(check(&bad, case(Category::Minor), now), Err(ForwardError::InvalidReference), "{reference:?}");
        }
        let url = ForwardRequest { urls: vec![0, 2], ..request(Authority::Pharos) };
        assert_eq!(check(&url, case(Category::Minor), now), Err(ForwardError::NoSuchUrl { count: 2, index: 2 }));
        let same_day = CaseFacts { created_at: JAN_2026 + 3_600_000, ..case(Category::Minor) };
        assert_eq!(check(&request(Authority::Pharos), same_day, now), Ok(now));
        let midnight = ForwardRequest { at: Some(JAN_2026), ..request(Authority::Pharos) };
        assert_eq!(check(&midnight, same_day, now), Ok(JAN_2026), "a date names the case's own day");
        for at in [JAN_2026 - 1, now + CLOCK_SLACK_MS + 1] {
            let bad = ForwardRequest { at: Some(at), ..request(Authority::Pharos) };
            assert_eq!(check(&bad, case(Category::Minor), now), Err(ForwardError::InvalidDate));
        }
        let long = ForwardRequest { note: Some("n".repeat(2001)), ..request(Authority::Pharos) };
        assert_eq!(check(&long, case(Category::Minor), now), Err(ForwardError::NoteTooLong));
    }

    #[test]
    fn iccam_takes_only_child_sexual_abuse_material() {
        let now = JAN_2026 + 1;
        assert!(check(&request(Authority::Inhope), case(Category::Minor), now).is_ok());
        for category in [Category::AdultNcii, Category::Deepfake, Category::SextortionThreat, Category::Other] {
            assert_eq!(check(&request(Authority::Inhope), case(category), now), Err(ForwardError::NotForThisAuthority));
        }
    }

    #[test]
    fn a_minors_case_waits_for_a_forward_until_one_is_recorded() {
        assert!(forward_required(Category::Minor, &[]));
        assert!(!forward_required(Category::Minor, &[forward(&["https://a.example/1"])]));
        assert!(!forward_required(Category::AdultNcii, &[]));
    }

    #[test]
    fn a_notice_claims_a_report_only_when_every_one_of_its_urls_was_forwarded() {
        let (one, two) = ("https://a.example/1", "https://a.example/2");
        assert!(!covers(&[], [one]));
        assert!(covers(&[forward(&[])], [one, two]), "the whole case went");
        assert!(covers(&[forward(&[one]), forward(&[two])], [one, two]));
        assert!(!covers(&[forward(&[one])], [one, two]));
        assert!(!covers(&[forward(&[one])], []));
        assert!(covers(&[forward(&["HTTPS://A.example/1"])], [one]), "as a notice writes it");
    }

    #[test]
    fn the_export_files_each_forward_on_one_line_and_defuses_formulas() {
        let mut f = forward(&["https://a.example/1", "https://a.example/2"]);
        f.note = Some("=HYPERLINK(\"x\")".into());
        let csv = to_csv(&[f]).expect("csv");
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("id,authority,reference,forwarded_at,case_id,list,category,urls,recorded_at,recorded_by,note")
        );
        assert_eq!(
            lines.next(),
            Some(
                "f1,PHAROS,PH-1,2026-01-01 00:00,c1,ncii,minor,https://a.example/1 https://a.example/2,\
                 2026-01-01 00:01,k1,\"'=HYPERLINK(\"\"x\"\")\""
            )
        );
    }
}
