//! The store's domain types. The string-like enums (kinds, states, categories, roles, feedback, hold reasons) are
//! the wire's own, from disrupt-openapi: their names are what Redis holds, so there is one spelling of each.
//! What is defined here has no wire twin: an entry or case with everything the store keeps about it.

use serde::{Deserialize, Serialize};

pub use disrupt_openapi::cases::Declarations;
pub use disrupt_openapi::model::{CaseState, Category, EntryState, FeedbackValue, HashKind, Role};
pub use disrupt_openapi::review::{EntrySignals, HoldReason};

use super::StoreError;

/// Entry ids come from a per-list Redis counter; the list's number sits in the high bits so an id alone finds its
/// list (and its cluster slot). 40 bits of sequence per list, and ids stay below 2^53 so JavaScript clients read
/// them exactly.
pub type EntryId = u64;

/// The longest list name.
pub const MAX_LIST_NAME: usize = 32;

/// The list every installation has.
pub const DEFAULT_LIST: &str = "ncii";

/// The list of cases whose person was a minor when the images were made (category `minor`), apart from
/// [`DEFAULT_LIST`] so that only keys scoped to it see them. Every installation has it too.
pub const MINORS_LIST: &str = "minors";

/// The list a new case of `category` goes on.
pub fn list_for(category: Category) -> &'static str {
    match category {
        Category::Minor => MINORS_LIST,
        _ => DEFAULT_LIST,
    }
}

/// Checks a list name against `[a-z0-9_-]{1,32}`.
pub fn validate_list_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_LIST_NAME
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(StoreError::Invalid(format!("list name must match [a-z0-9_-]{{1,{MAX_LIST_NAME}}}"))) }
}

/// One hash on one list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique across lists.
    pub id: EntryId,
    /// The list it is on.
    pub list: String,
    /// The hash's kind.
    pub kind: HashKind,
    /// The hash text (hex, or the frame list JSON for videos).
    pub hash: String,
    /// PDQ quality 0..=100, when the kind has one.
    pub quality: Option<u8>,
    /// Its state.
    pub state: EntryState,
    /// Its case's category.
    pub category: Category,
    /// The case it came with.
    pub case_id: String,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds of the last state change.
    pub updated_at: u64,
    /// Platform feedback (each platform counts once, with its latest answer) and match volume.
    pub signals: EntrySignals,
    /// Why flood detection held it at submission, if it did (kept after an analyst's decision, as history).
    pub held: Option<HoldReason>,
    /// The state and time (unix ms) of its newest feed record: what platforms were last told. `None` before its
    /// first publication batch.
    pub published: Option<(EntryState, u64)>,
}

/// A hash to add with a new case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    /// The hash's kind.
    pub kind: HashKind,
    /// The hash text; the API validates its syntax, the store only refuses empty text.
    pub hash: String,
    /// PDQ quality, if any.
    pub quality: Option<u8>,
    /// Create it quarantined, for this reason, instead of publishing it.
    pub held: Option<HoldReason>,
}

/// A case to create: the victim's submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// The list the hashes go on.
    pub list: String,
    /// The category of every entry of the case.
    pub category: Category,
    /// At least one hash.
    pub entries: Vec<NewEntry>,
    /// Where the content was seen, if the victim said.
    pub urls: Vec<String>,
    /// How to reach the victim, if they want to be reached. Erased on withdrawal.
    pub contact: Option<String>,
    /// What the victim (or whoever acts for them) declared, if anything.
    pub declarations: Option<Declarations>,
    /// Keyed HMAC of the case secret, computed by the API. The store never sees the secret.
    pub secret_hash: Vec<u8>,
    /// Flood detection's service-wide threshold: when the list already received this many cases in the current
    /// clock hour, every entry of this one is created held ([`HoldReason::ServiceSurge`]). `None`: no limit.
    pub surge_limit: Option<u64>,
}

/// What [`crate::store::Store::create_case`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedCase {
    /// The new case's id.
    pub case_id: String,
    /// The new entries' ids, in the order of [`NewCase::entries`].
    pub entry_ids: Vec<EntryId>,
    /// How many of them were created held (quarantined) by flood detection.
    pub held: usize,
    /// True when the service-wide surge threshold held them.
    pub surge: bool,
}

/// A victim's case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Random, 144 bits in lower-case base32 (carries the list's number so it finds its Redis slot).
    pub id: String,
    /// Keyed HMAC of the case secret.
    pub secret_hash: Vec<u8>,
    /// The list of its entries.
    pub list: String,
    /// The category of its entries.
    pub category: Category,
    /// Its entries.
    pub entry_ids: Vec<EntryId>,
    /// Where the content was seen.
    pub urls: Vec<String>,
    /// How to reach the victim; `None` after withdrawal.
    pub contact: Option<String>,
    /// What the victim (or whoever acts for them) declared.
    pub declarations: Option<Declarations>,
    /// When each URL was last confirmed or dismissed, unix ms, by position (shorter than `urls` when the later
    /// ones were never reviewed).
    pub url_reviewed_at: Vec<Option<u64>>,
    /// Active or withdrawn.
    pub state: CaseState,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds, once withdrawn.
    pub withdrawn_at: Option<u64>,
    /// The feed record after which a platform has received every hash of the case.
    pub added_feed_id: Option<super::StreamId>,
    /// The feed record after which a platform has fetched every tombstone of the withdrawal.
    pub withdrawn_feed_id: Option<super::StreamId>,
    /// The platform keys that had fetched the case's hashes when it was withdrawn.
    pub received_by: Vec<String>,
}

/// How far the platforms have fetched one case's hashes and, after a withdrawal, its tombstones. Counts only: no
/// platform is named to the victim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Platforms that fetched the case's hashes (by the feed, or by a snapshot taken while they were live).
    pub received: u64,
    /// Of those, platforms that have since fetched the deletion (always 0 while the case is active).
    pub deletion_delivered: u64,
}

/// A case with its entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    /// The case.
    pub case: Case,
    /// Its entries, in the case's order.
    pub entries: Vec<Entry>,
}

/// What [`crate::store::Store::withdraw_case`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawOutcome {
    /// The case was withdrawn before this call; nothing changed.
    pub already_withdrawn: bool,
}

/// One change on a list, as the delta feed carries it: the entry's whole current state (no case id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRecord {
    /// The entry.
    pub entry_id: EntryId,
    /// The hash's kind.
    pub kind: HashKind,
    /// The hash text.
    pub hash: String,
    /// PDQ quality, if any.
    pub quality: Option<u8>,
    /// The entry's state after the change; not live = tombstone.
    pub state: EntryState,
    /// The entry's category.
    pub category: Category,
    /// `state == Verified`.
    pub verified: bool,
    /// Unix milliseconds of the change.
    pub updated_at: u64,
}

impl FeedRecord {
    /// A record that removes the entry from a mirror (withdrawn, rejected, quarantined).
    pub fn is_tombstone(&self) -> bool {
        !self.state.is_live()
    }
}

/// One page of the delta feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    /// Oldest first.
    pub records: Vec<FeedRecord>,
    /// Pass back to get the records after this page. Equal to the given cursor when nothing is new.
    pub next_cursor: String,
    /// The page stopped at its record count or its byte budget, so more records may follow at once.
    pub full: bool,
}

/// An API key (the secret part is only held as a keyed hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The public part of the key.
    pub id: String,
    /// Keyed HMAC of the secret part.
    pub secret_hash: Vec<u8>,
    /// What it may do.
    pub role: Role,
    /// The lists it may read (platforms) or work on.
    pub lists: Vec<String>,
    /// Who holds it.
    pub name: String,
    /// Unix milliseconds.
    pub created_at: u64,
    /// Unix milliseconds, once revoked.
    pub revoked_at: Option<u64>,
    /// Hosts a platform serves, for takedown notices (older keys have none).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// May open victims' contacts (analyst and admin keys created with it; older keys have not).
    #[serde(default)]
    pub contact_access: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minors_cases_go_on_their_own_list() {
        assert_eq!(list_for(Category::Minor), MINORS_LIST);
        for other in [Category::AdultNcii, Category::SextortionThreat, Category::Deepfake, Category::Other] {
            assert_eq!(list_for(other), DEFAULT_LIST);
        }
        assert!(validate_list_name(MINORS_LIST).is_ok());
    }

    #[test]
    fn list_names_follow_the_pattern() {
        for good in ["ncii", "csam", "a", "x-1_y", &"a".repeat(32)] {
            assert!(validate_list_name(good).is_ok(), "{good}");
        }
        for bad in ["", "NCII", "a b", "a:b", "{x}", &"a".repeat(33), "é"] {
            assert!(validate_list_name(bad).is_err(), "{bad}");
        }
    }
}
