//! The store's domain types. Serde-able; the API maps them to the wire types of disrupt-openapi.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::StoreError;

/// Entry ids come from a per-list Redis counter; the list's number sits in the high bits so an id alone finds its
/// list (and its cluster slot). 40 bits of sequence per list, and ids stay below 2^53 so JavaScript clients read
/// them exactly.
pub type EntryId = u64;

/// The longest list name.
pub const MAX_LIST_NAME: usize = 32;

/// The list every installation has.
pub const DEFAULT_LIST: &str = "ncii";

/// Checks a list name against `[a-z0-9_-]{1,32}`.
pub fn validate_list_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_LIST_NAME
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(StoreError::Invalid(format!("list name must match [a-z0-9_-]{{1,{MAX_LIST_NAME}}}"))) }
}

/// Declares a string-like enum: snake_case serde names, `as_str`, `Display`, `FromStr`.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case name (as stored in Redis and sent on the wire).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;

            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(StoreError::Corrupt(format!(
                        concat!("unknown ", stringify!($name), " {:?}"),
                        other
                    ))),
                }
            }
        }
    };
}

named_enum! {
    /// What kind of hash an entry holds.
    HashKind {
        /// PDQ perceptual hash, 64 hex digits.
        Pdq => "pdq",
        /// A video: the JSON list of per-frame PDQ hashes (hasher `video::FrameHash`).
        Video => "video",
        /// MD5 of the file, 32 hex digits.
        Md5 => "md5",
        /// SHA-256 of the file, 64 hex digits.
        Sha256 => "sha256",
    }
}

named_enum! {
    /// Where an entry is in its life.
    EntryState {
        /// Submitted, not reviewed yet; matched.
        Pending => "pending",
        /// Reviewed and confirmed; matched.
        Verified => "verified",
        /// Reviewed and found not to belong on the list; not matched.
        Rejected => "rejected",
        /// The victim withdrew the case; not matched.
        Withdrawn => "withdrawn",
        /// Held back while something is checked; not matched.
        Quarantined => "quarantined",
    }
}

impl EntryState {
    /// Live entries are in the match index and in snapshots; the others appear in the feed only as tombstones.
    pub fn is_live(self) -> bool {
        matches!(self, EntryState::Pending | EntryState::Verified)
    }
}

named_enum! {
    /// Why flood detection created an entry quarantined instead of publishing it (`disrupt_hotline::flood`).
    HoldReason {
        /// Enough other cases already carry the same or a near hash.
        RepeatedHash => "repeated_hash",
        /// Its client created many cases this hour.
        ClientBurst => "client_burst",
        /// The service received unusually many cases this hour.
        ServiceSurge => "service_surge",
    }
}

named_enum! {
    /// What the image shows, as the victim or an analyst classified it.
    Category {
        /// Intimate image of an adult shared without consent.
        AdultNcii => "adult_ncii",
        /// The person shown is a minor.
        Minor => "minor",
        /// Used in a sextortion threat.
        SextortionThreat => "sextortion_threat",
        /// Synthetic or manipulated intimate image.
        Deepfake => "deepfake",
        /// Anything else.
        Other => "other",
    }
}

named_enum! {
    /// Whether a case is in force.
    CaseState {
        /// The case's entries are on the list.
        Active => "active",
        /// The victim withdrew the case; its entries are tombstoned and its contact erased.
        Withdrawn => "withdrawn",
    }
}

named_enum! {
    /// What a platform reports back about a matched entry.
    Feedback {
        /// The platform blocked or removed the content.
        Blocked => "blocked",
        /// The platform reviewed the content and found it not violating.
        NotViolating => "not_violating",
        /// The platform queued the content for review.
        PendingReview => "pending_review",
    }
}

named_enum! {
    /// What an API key may do.
    Role {
        /// Pulls lists, asks the match API, sends feedback.
        Platform => "platform",
        /// Reviews entries and changes their state.
        Analyst => "analyst",
        /// Manages lists and keys.
        Admin => "admin",
    }
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
    /// Platforms that reported [`Feedback::Blocked`] (each platform counts once, with its latest answer).
    pub blocked: u64,
    /// Platforms that reported [`Feedback::NotViolating`].
    pub not_violating: u64,
    /// Platforms that reported [`Feedback::PendingReview`].
    pub pending_review: u64,
    /// How often the match API found this entry (every request counts).
    pub matches: u64,
    /// Distinct platform keys whose requests matched it.
    pub match_platforms: u64,
    /// Distinct days (UTC) on which it was matched.
    pub match_days: u64,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_follow_the_pattern() {
        for good in ["ncii", "csam", "a", "x-1_y", &"a".repeat(32)] {
            assert!(validate_list_name(good).is_ok(), "{good}");
        }
        for bad in ["", "NCII", "a b", "a:b", "{x}", &"a".repeat(33), "é"] {
            assert!(validate_list_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enum_names_round_trip_and_match_serde() {
        for state in EntryState::ALL {
            assert_eq!(state.as_str().parse::<EntryState>().ok(), Some(*state));
            assert_eq!(serde_json::to_string(state).ok(), Some(format!("\"{}\"", state.as_str())));
        }
        assert_eq!(Category::SextortionThreat.as_str(), "sextortion_threat");
        assert!("nope".parse::<HashKind>().is_err());
    }

    #[test]
    fn only_pending_and_verified_are_live() {
        let live: Vec<_> = EntryState::ALL.iter().filter(|s| s.is_live()).collect();
        assert_eq!(live, [&EntryState::Pending, &EntryState::Verified]);
    }
}
