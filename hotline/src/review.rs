//! Analyst review without exposure (pure decision logic): what a queue item shows, reject reasons, the
//! popular-benign-image heuristic, bulk limits and the two-analyst rule for rejecting a whole case.
//!
//! Analysts never see media (disrupt never keeps it); they decide from the quality score, the neighbours
//! already in the list, how many cases submitted the same or a near hash, and platform feedback.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Longest free-text note on a rejection.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most entries one bulk action may touch.
pub const MAX_BULK: usize = 500;
/// PDQ quality below which a hash is unreliable (the hasher's threshold).
pub const LOW_QUALITY: u8 = 50;
/// A first analyst's request to reject a case expires after this long without a second analyst.
pub const CASE_REJECTION_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// Errors of review decisions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// `other` needs a note, or the note is too long or holds control characters.
    #[error("invalid rejection note: {0}")]
    InvalidNote(&'static str),
    /// A bulk action with no entry or too many.
    #[error("a bulk action takes 1 to {MAX_BULK} entries, got {0}")]
    BulkSize(usize),
    /// The same analyst tried to confirm their own request.
    #[error("a second, different analyst must confirm rejecting a whole case")]
    SameAnalyst,
}

pub use disrupt_openapi::review::RejectReason;

/// A rejection: reason and optional note (required for [`RejectReason::Other`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Why.
    pub reason: RejectReason,
    /// Free text for the hotline's records; not copied into the audit log.
    #[serde(default)]
    pub note: Option<String>,
}

impl Rejection {
    /// Validates and trims the note.
    pub fn new(reason: RejectReason, note: Option<String>) -> Result<Self, ReviewError> {
        let note = validate_note(note)?;
        if reason == RejectReason::Other && note.is_none() {
            return Err(ReviewError::InvalidNote("reason `other` needs a note"));
        }
        Ok(Self { reason, note })
    }

    /// Re-validates one that came from a request body.
    pub fn validated(self) -> Result<Self, ReviewError> {
        Self::new(self.reason, self.note)
    }
}

/// Trims a free-text note (empty is none) and checks its length and characters.
pub fn validate_note(note: Option<String>) -> Result<Option<String>, ReviewError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        if n.chars().count() > MAX_NOTE_CHARS {
            return Err(ReviewError::InvalidNote("too long"));
        }
        if n.chars().any(|c| c.is_control() && c != '\n') {
            return Err(ReviewError::InvalidNote("control characters"));
        }
    }
    Ok(note)
}

/// Checks a bulk action's size and drops duplicate ids, keeping the first order.
pub fn bulk_entry_ids(ids: &[u64]) -> Result<Vec<u64>, ReviewError> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ReviewError::BulkSize(ids.len()));
    }
    let mut seen = BTreeSet::new();
    Ok(ids.iter().copied().filter(|id| seen.insert(*id)).collect())
}

/// When the popular-benign-image heuristic fires.
///
/// Match volume is counted in distinct platforms and distinct days, never in requests: one platform repeating a
/// victim's hash in any number of requests, or any number of platforms within one day, must not take the hash off
/// the list. A popular benign image (a meme hashed by mistake or on purpose) is matched by most platforms, day
/// after day; a victim's image spreading is matched where it is re-uploaded, often on few sites. The defaults
/// ask for 5 platforms on 3 days: on an installation with fewer platform keys the match rule never fires and
/// analysts decide from the signals they are shown. A platform is a key: one company holding several keys
/// counts several times (admins issue keys).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BenignThresholds {
    /// At least this many `not_violating` reports ...
    pub min_not_violating: u64,
    /// ... from at least this many platforms ...
    pub min_platforms: u64,
    /// ... making at least this share of all reports on the hash.
    pub min_not_violating_share: f64,
    /// Or: matches by at least this many distinct platform keys ...
    pub min_match_platforms: u64,
    /// ... on at least this many distinct days (UTC).
    pub min_match_days: u64,
}

impl Default for BenignThresholds {
    fn default() -> Self {
        Self {
            min_not_violating: 3,
            min_platforms: 2,
            min_not_violating_share: 0.8,
            min_match_platforms: 5,
            min_match_days: 3,
        }
    }
}

/// What platforms said about an entry and how often they matched it, and why the heuristic thinks it is a
/// popular benign image: the wire's types. Each platform counts once per entry, with its latest answer, so
/// `not_violating` is also the number of platforms that answered so.
pub use disrupt_openapi::review::{BenignSignal, EntrySignals};

/// What to do about an entry the heuristic flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenignAction {
    /// Nothing suspicious.
    None,
    /// Show the flag to analysts; an analyst already verified it, so it stays in the feed.
    Flag,
    /// Flag and quarantine (out of the feed) until an analyst decides.
    FlagAndQuarantine,
}

/// The heuristic's signals for one entry (a widespread-matches signal names the thresholds it met).
pub fn benign_signals(s: &EntrySignals, t: &BenignThresholds) -> Vec<BenignSignal> {
    let mut out = Vec::new();
    let reports = s.blocked + s.not_violating + s.pending_review;
    // Compared as integers scaled by 1000 to keep the share exact for small counts.
    let share_ok = reports > 0 && s.not_violating * 1000 >= (t.min_not_violating_share * 1000.0) as u64 * reports;
    // Every `not_violating` report is a different platform's.
    let platforms = s.not_violating;
    if s.not_violating >= t.min_not_violating && platforms >= t.min_platforms && share_ok {
        out.push(BenignSignal::RepeatedNotViolating { reports: s.not_violating, platforms });
    }
    // A threshold of 0 would fire on every entry: at least one platform and one day are always required.
    if s.match_platforms >= t.min_match_platforms.max(1) && s.match_days >= t.min_match_days.max(1) {
        out.push(BenignSignal::WidespreadMatches {
            platforms: s.match_platforms,
            days: s.match_days,
            min_platforms: t.min_match_platforms,
            min_days: t.min_match_days,
        });
    }
    out
}

/// Flag-and-quarantine unless an analyst already verified the entry (their decision stands; the flag asks
/// for a second look).
pub fn benign_action(signals: &[BenignSignal], analyst_verified: bool) -> BenignAction {
    match (signals.is_empty(), analyst_verified) {
        (true, _) => BenignAction::None,
        (false, true) => BenignAction::Flag,
        (false, false) => BenignAction::FlagAndQuarantine,
    }
}

/// A first analyst's request to reject a whole case, waiting for a second analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCaseRejection {
    /// Key id of the first analyst.
    pub requested_by: String,
    /// Their rejection.
    pub rejection: Rejection,
    /// When, unix ms.
    pub requested_at: u64,
}

/// The outcome of an analyst asking to reject a whole case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CaseRejectionStep {
    /// Recorded; a different analyst must confirm.
    AwaitingSecondAnalyst(PendingCaseRejection),
    /// Reject every entry of the case now.
    Confirmed {
        /// The rejection applied (the first analyst's).
        rejection: Rejection,
        /// Key ids of the analysts who decided.
        analysts: Vec<String>,
    },
}

/// Applies the two-analyst rule. `pending` is the request already recorded for the case, if any; one older
/// than [`CASE_REJECTION_TTL_MS`] counts as none.
pub fn reject_case_step(
    pending: Option<&PendingCaseRejection>,
    analyst: &str,
    rejection: Rejection,
    require_two: bool,
    now: u64,
) -> Result<CaseRejectionStep, ReviewError> {
    if !require_two {
        return Ok(CaseRejectionStep::Confirmed { rejection, analysts: vec![analyst.to_string()] });
    }
    match pending.filter(|p| now.saturating_sub(p.requested_at) < CASE_REJECTION_TTL_MS) {
        None => Ok(CaseRejectionStep::AwaitingSecondAnalyst(PendingCaseRejection {
            requested_by: analyst.to_string(),
            rejection,
            requested_at: now,
        })),
        Some(p) if p.requested_by == analyst => Err(ReviewError::SameAnalyst),
        Some(p) => Ok(CaseRejectionStep::Confirmed {
            rejection: p.rejection.clone(),
            analysts: vec![p.requested_by.clone(), analyst.to_string()],
        }),
    }
}

/// One neighbour as the index found it, with what the store says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourHit<S> {
    /// Its entry id.
    pub entry_id: u64,
    /// Its case.
    pub case_id: String,
    /// Hamming distance (0 for equal digests).
    pub distance: u32,
    /// Its state.
    pub state: S,
}

/// The neighbours shown with a queue item, and how many other cases submitted the same or a near hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbourhood<S> {
    /// Nearest first (then by id), the entry itself left out, at most `max_shown`.
    pub shown: Vec<NeighbourHit<S>>,
    /// Other cases with exactly this hash.
    pub same_hash_cases: u64,
    /// Other cases with a near (not equal) hash and none equal.
    pub near_hash_cases: u64,
}

/// Sorts and cuts the neighbours of entry `entry_id` (of case `case_id`) and counts the other cases among them.
pub fn neighbourhood<S>(
    entry_id: u64,
    case_id: &str,
    mut hits: Vec<NeighbourHit<S>>,
    max_shown: usize,
) -> Neighbourhood<S> {
    hits.retain(|h| h.entry_id != entry_id);
    hits.sort_by_key(|h| (h.distance, h.entry_id));
    let others = || hits.iter().filter(|h| h.case_id != case_id);
    let same: BTreeSet<&str> = others().filter(|h| h.distance == 0).map(|h| h.case_id.as_str()).collect();
    let near: BTreeSet<&str> =
        others().filter(|h| !same.contains(h.case_id.as_str())).map(|h| h.case_id.as_str()).collect();
    let (same_hash_cases, near_hash_cases) = (same.len() as u64, near.len() as u64);
    hits.truncate(max_shown);
    Neighbourhood { shown: hits, same_hash_cases, near_hash_cases }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_needs_a_note_and_notes_are_bounded() {
        assert!(Rejection::new(RejectReason::Other, None).is_err());
        assert!(Rejection::new(RejectReason::Other, Some("   ".into())).is_err());
        assert!(Rejection::new(RejectReason::Other, Some("x".repeat(MAX_NOTE_CHARS + 1))).is_err());
        assert!(Rejection::new(RejectReason::Other, Some("bad\u{7}bell".into())).is_err());
        let r = Rejection::new(RejectReason::Other, Some("  screenshot of a news page ".into())).expect("ok");
        assert_eq!(r.note.as_deref(), Some("screenshot of a news page"));
        assert_eq!(Rejection::new(RejectReason::LowQuality, None).expect("ok").note, None);
        let parsed: Rejection = serde_json::from_str(r#"{"reason":"popular_benign_image"}"#).expect("json");
        assert_eq!(parsed.reason, RejectReason::PopularBenignImage);
    }

    #[test]
    fn bulk_actions_are_bounded_and_deduplicated() {
        assert_eq!(bulk_entry_ids(&[3, 1, 3, 2]).expect("ok"), vec![3, 1, 2]);
        assert!(bulk_entry_ids(&[]).is_err());
        assert!(bulk_entry_ids(&vec![1; MAX_BULK + 1]).is_err());
    }

    #[test]
    fn a_hash_platforms_keep_marking_not_violating_is_flagged_and_quarantined() {
        let t = BenignThresholds::default();
        let s = EntrySignals { not_violating: 4, blocked: 1, ..Default::default() };
        let signals = benign_signals(&s, &t);
        assert_eq!(signals, vec![BenignSignal::RepeatedNotViolating { reports: 4, platforms: 4 }]);
        assert_eq!(benign_action(&signals, false), BenignAction::FlagAndQuarantine);
        assert_eq!(benign_action(&signals, true), BenignAction::Flag);
        // Fewer platforms than asked for, or mostly blocked, is not enough.
        let few = BenignThresholds { min_not_violating: 1, min_platforms: 3, ..t };
        assert!(benign_signals(&EntrySignals { not_violating: 2, ..Default::default() }, &few).is_empty());
        let mixed = EntrySignals { not_violating: 4, blocked: 4, ..Default::default() };
        assert!(benign_signals(&mixed, &t).is_empty());
        assert_eq!(benign_action(&[], false), BenignAction::None);
    }

    #[test]
    fn a_hash_many_platforms_match_on_many_days_is_flagged() {
        let t = BenignThresholds::default();
        let s = EntrySignals { match_platforms: 5, match_days: 3, ..Default::default() };
        assert_eq!(
            benign_signals(&s, &t),
            vec![BenignSignal::WidespreadMatches { platforms: 5, days: 3, min_platforms: 5, min_days: 3 }]
        );
        // One platform on every day, or every platform on one day, is not enough.
        let one_platform = EntrySignals { match_platforms: 1, match_days: 365, ..Default::default() };
        assert!(benign_signals(&one_platform, &t).is_empty());
        let one_day = EntrySignals { match_platforms: 500, match_days: 1, ..Default::default() };
        assert!(benign_signals(&one_day, &t).is_empty());
        assert!(
            benign_signals(&EntrySignals { match_platforms: 4, match_days: 30, ..Default::default() }, &t).is_empty()
        );
        // Thresholds of 0 still need one platform and one day.
        let zero = BenignThresholds { min_match_platforms: 0, min_match_days: 0, ..t };
        assert!(benign_signals(&EntrySignals::default(), &zero).is_empty());
    }

    #[test]
    fn rejecting_a_whole_case_needs_a_second_different_analyst() {
        let r = Rejection::new(RejectReason::Abuse, None).expect("ok");
        let step = reject_case_step(None, "k_a", r.clone(), true, 1_000).expect("first");
        let CaseRejectionStep::AwaitingSecondAnalyst(pending) = step else { panic!("must wait") };
        assert_eq!(reject_case_step(Some(&pending), "k_a", r.clone(), true, 2_000), Err(ReviewError::SameAnalyst));
        let done = reject_case_step(
            Some(&pending),
            "k_b",
            Rejection::new(RejectReason::Duplicate, None).expect("ok"),
            true,
            2_000,
        )
        .expect("second");
        assert_eq!(
            done,
            CaseRejectionStep::Confirmed { rejection: r.clone(), analysts: vec!["k_a".into(), "k_b".into()] }
        );
        // A stale request does not count: the second analyst becomes the first of a new request.
        let late =
            reject_case_step(Some(&pending), "k_b", r.clone(), true, 1_000 + CASE_REJECTION_TTL_MS).expect("late");
        assert!(matches!(late, CaseRejectionStep::AwaitingSecondAnalyst(p) if p.requested_by == "k_b"));
        // Without the rule, one analyst suffices.
        let solo = reject_case_step(None, "k_a", r, false, 0).expect("solo");
        assert!(matches!(solo, CaseRejectionStep::Confirmed { analysts, .. } if analysts == vec!["k_a".to_string()]));
    }

    #[test]
    fn neighbours_are_sorted_cut_and_other_cases_counted() {
        let hit = |entry_id, case: &str, distance, state: &'static str| NeighbourHit {
            entry_id,
            case_id: case.into(),
            distance,
            state,
        };
        let hits = vec![
            hit(1, "own", 0, "pending"), // the entry itself
            hit(2, "own", 3, "pending"), // same case: not counted as another case
            hit(3, "c1", 0, "verified"),
            hit(4, "c2", 12, "pending"),
            hit(6, "c1", 8, "verified"), // c1 already counted as same
            hit(7, "c3", 20, "pending"),
        ];
        let n = neighbourhood(1, "own", hits, 3);
        assert_eq!(n.shown.iter().map(|h| h.entry_id).collect::<Vec<_>>(), vec![3, 2, 6]);
        assert_eq!(n.same_hash_cases, 1);
        assert_eq!(n.near_hash_cases, 2);
    }
}
