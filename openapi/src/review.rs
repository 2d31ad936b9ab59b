//! Analysts' review: the queue of entries waiting for a decision, verify / reject / quarantine (also in
//! bulk), rejecting a whole case (optionally confirmed by a second analyst) and reviewing a case's URLs.
//!
//! Analysts never see media: disrupt never keeps any. They decide from what is here.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::{CaseState, Category, EntryState, HashKind};
use crate::notices::{HostContactRequest, Lang, LegalGround, Notice};

/// The most entries one bulk action may touch.
pub const MAX_BULK: usize = 500;
/// The longest free-text note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why an analyst rejects an entry: a fixed list, plus free text in `note`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The hash quality is too low to match reliably.
    LowQuality,
    /// The signals say it is a widely shared benign image (meme, logo, stock photo).
    PopularBenignImage,
    /// Nothing suggests intimate content.
    NotIntimate,
    /// Already in the list through another case.
    Duplicate,
    /// Submitted in bad faith (to get legitimate content blocked).
    Abuse,
    /// Anything else; the note says what.
    Other,
}

impl RejectReason {
    /// The wire spelling (also written to the audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LowQuality => "low_quality",
            Self::PopularBenignImage => "popular_benign_image",
            Self::NotIntimate => "not_intimate",
            Self::Duplicate => "duplicate",
            Self::Abuse => "abuse",
            Self::Other => "other",
        }
    }
}

/// `GET /v1/review/queue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// The list to review; defaults to the key's first list.
    #[serde(default)]
    pub list: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[serde(default)]
    pub limit: Option<usize>,
    /// `pending` (default: entries nobody reviewed yet) or `quarantined` (held back by the benign-image
    /// heuristic or by an analyst).
    #[serde(default)]
    pub state: Option<EntryState>,
}

/// Another entry of the list close to the one under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Neighbour {
    /// The neighbour's entry id.
    pub entry_id: u64,
    /// Hamming distance between the two hashes (0 for the same digest).
    pub distance: u32,
    /// The neighbour's state.
    pub state: EntryState,
}

/// Feedback and match volume of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntrySignals {
    /// Platforms that blocked matching content.
    pub blocked: u64,
    /// Platforms that reviewed matching content and found it not violating.
    pub not_violating: u64,
    /// Platforms with a match awaiting their review.
    pub pending_review: u64,
    /// How often the match API found this entry (every request counts).
    pub matches: u64,
    /// Distinct platform keys whose requests matched it.
    pub match_platforms: u64,
    /// Distinct days (UTC) on which it was matched.
    pub match_days: u64,
}

/// Why flood detection held an entry at submission (created it quarantined, out of the feed and the match
/// index) instead of publishing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// Enough other cases already carried the same or a near hash (`flood.same_hash_cases`): a sign of
    /// someone trying to get one image on the list through many cases.
    RepeatedHash,
    /// Its client (identified without storing its address) created many cases within an hour.
    ClientBurst,
    /// The service received unusually many cases in that hour.
    ServiceSurge,
}

string_names!(HoldReason { RepeatedHash => "repeated_hash", ClientBurst => "client_burst", ServiceSurge => "service_surge" });

/// What the popular-benign-image heuristic found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum BenignSignal {
    /// Platforms keep reviewing matches and finding them not violating.
    RepeatedNotViolating {
        /// `not_violating` reports.
        reports: u64,
        /// Distinct platforms that sent them.
        platforms: u64,
    },
    /// Many platforms match the entry, on many days (counted as distinct platform keys and days, never as
    /// requests).
    WidespreadMatches {
        /// Distinct platform keys that matched it.
        platforms: u64,
        /// Distinct days (UTC) it was matched on.
        days: u64,
        /// The platforms the heuristic asks for (`hotline.benign.min_match_platforms`).
        min_platforms: u64,
        /// The days it asks for (`hotline.benign.min_match_days`).
        min_days: u64,
    },
}

/// One entry as an analyst reviews it: everything but the media and the hash value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewItem {
    /// Entry id (analysts' id; platforms see an opaque reference instead).
    pub entry_id: u64,
    /// The list.
    pub list: String,
    /// The case that submitted it.
    pub case_id: String,
    /// Hash kind.
    pub kind: HashKind,
    /// PDQ quality, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// True when the quality is under 50: the hash would match unreliably.
    pub low_quality: bool,
    /// Current state.
    pub state: EntryState,
    /// The case's category.
    pub category: Category,
    /// Submission time, unix ms.
    pub created_at: u64,
    /// Other live entries of the list with the same or a near hash (PDQ: Hamming distance up to 31; digests:
    /// equal), nearest first, at most 20.
    pub near_duplicates: Vec<Neighbour>,
    /// Other cases that submitted exactly this hash.
    pub same_hash_cases: u64,
    /// Other cases that submitted a near (not equal) hash.
    pub near_hash_cases: u64,
    /// Platform feedback and match volume.
    pub signals: EntrySignals,
    /// Findings of the popular-benign-image heuristic (empty when none).
    pub benign_signals: Vec<BenignSignal>,
    /// Why flood detection held it at submission, if it did (kept after a decision, as history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_for: Option<HoldReason>,
    /// The case is a minor's and no forward to the authorities is recorded yet
    /// (`POST /v1/review/cases/{id}/forwards`).
    pub forward_required: bool,
}

/// `GET /v1/review/queue`: the oldest entries waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewQueue {
    /// The list.
    pub list: String,
    /// How many entries wait in this state in all.
    pub total: u64,
    /// The oldest ones.
    pub items: Vec<ReviewItem>,
}

/// `POST /v1/review/entries/verify` and `/quarantine`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryDecisionRequest {
    /// 1 to 500 entry ids.
    pub entry_ids: Vec<u64>,
    /// A note for the hotline's records (not copied into the audit log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `POST /v1/review/entries/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectEntriesRequest {
    /// 1 to 500 entry ids.
    pub entry_ids: Vec<u64>,
    /// Why.
    pub reason: RejectReason,
    /// Free text; required for `other`; at most 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One entry's state after a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecidedEntry {
    /// Entry id.
    pub entry_id: u64,
    /// Its state now.
    pub state: EntryState,
}

/// Answer to a decision on entries: every entry, in the request's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionOutcome {
    /// The entries and their new states.
    pub entries: Vec<DecidedEntry>,
}

/// `POST /v1/review/cases/{id}/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectCaseRequest {
    /// Why.
    pub reason: RejectReason,
    /// Free text; required for `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Answer to a case rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CaseRejection {
    /// The hotline requires two analysts: this request waits for a second, different analyst.
    AwaitingSecondAnalyst {
        /// Key id of the analyst who asked.
        requested_by: String,
        /// Their reason: a second analyst's confirmation applies it (and their note), whatever the second sends.
        reason: RejectReason,
        /// Their note, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// When the request lapses, unix ms.
        expires_at: u64,
    },
    /// The case's live entries are rejected.
    Rejected {
        /// Key ids of the analysts who decided.
        analysts: Vec<String>,
        /// How many entries changed.
        entries: u64,
    },
}

/// What an analyst decided about a reported URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UrlReview {
    /// Not reviewed yet.
    Pending,
    /// The analyst confirmed the content there is the victim's; it goes into a notice.
    Confirmed,
    /// The analyst found nothing to act on.
    Dismissed,
}

/// A URL the victim reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedUrl {
    /// Its position in the case (what `POST .../urls` refers to).
    pub index: usize,
    /// The URL as the victim gave it.
    pub url: String,
    /// The host it is on, as notices and the hosts directory name it (no `www.`, lower case, punycode); absent
    /// when the URL is not a web address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The analyst's decision.
    pub review: UrlReview,
}

/// `GET /v1/review/cases/{id}`: a case as an analyst sees it. Never the victim's contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalystCase {
    /// Case id.
    pub case_id: String,
    /// The list.
    pub list: String,
    /// The category the victim chose.
    pub category: Category,
    /// Active or withdrawn.
    pub state: CaseState,
    /// Creation time, unix ms.
    pub created_at: u64,
    /// Whether the victim left a contact (the contact itself is not shown here: keys with `contact_access` open
    /// it with `GET /v1/review/cases/{id}/contact`).
    pub has_contact: bool,
    /// What the victim (or whoever acts for them) declared; notices state good faith only with all three.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declarations: Option<crate::cases::Declarations>,
    /// Its entries.
    pub entries: Vec<ReviewItem>,
    /// URLs the victim reported.
    pub urls: Vec<ReportedUrl>,
    /// A rejection of the whole case waiting for a second analyst.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_rejection: Option<CaseRejection>,
    /// Its forwards to the authorities, oldest first.
    pub forwards: Vec<crate::forwards::Forward>,
    /// A minor's case with no forward recorded yet: it waits for one.
    pub forward_required: bool,
    /// The takedown notices its confirmed URLs produced (drafts and sent ones), oldest first.
    #[serde(default)]
    pub notices: Vec<Notice>,
}

/// `POST /v1/review/cases/{id}/urls`: confirm or dismiss reported URLs; confirmed ones become one takedown
/// notice per host (as drafts, to be sent with `POST /v1/notices/{id}/send`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewUrlsRequest {
    /// Indexes of URLs to confirm.
    #[serde(default)]
    pub confirm: Vec<usize>,
    /// Indexes of URLs to dismiss.
    #[serde(default)]
    pub dismiss: Vec<usize>,
    /// The notices' language (default French).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// The legal ground; by default derived from the case's category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<LegalGround>,
    /// Contacts to set or correct in the hosts directory before the notices are written (by host).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<HostContactUpdate>,
}

/// A host's contact set while confirming URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostContactUpdate {
    /// The host, as notices name it.
    pub host: String,
    /// Its abuse address (at most 254 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abuse_email: Option<String>,
    /// The language of its notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// A platform key serves it (notices are read through the API).
    #[serde(default)]
    pub api_integrated: bool,
}

impl HostContactUpdate {
    /// The contact without its host.
    pub fn contact(&self) -> HostContactRequest {
        HostContactRequest {
            abuse_email: self.abuse_email.clone(),
            lang: self.lang,
            api_integrated: self.api_integrated,
        }
    }
}

/// `GET /v1/review/cases/{id}/contact`: the victim's contact, for a key with `contact_access`. Each opening is
/// audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseContact {
    /// Case id.
    pub case_id: String,
    /// The contact as the victim gave it (an e-mail address or a phone number).
    pub contact: String,
}

/// Answer to `POST /v1/review/cases/{id}/urls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewUrlsResponse {
    /// The case's URLs after the decision.
    pub urls: Vec<ReportedUrl>,
    /// Notices produced now, one per host of the newly confirmed URLs.
    pub notices: Vec<Notice>,
}
