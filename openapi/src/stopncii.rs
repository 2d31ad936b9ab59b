//! The StopNCII.org hash API, as Meta's `threatexchange` library (1.2.17) speaks it. Field names and enum
//! spellings are theirs, so deployments using that library can sync from disrupt by changing its base URL.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The client's default `startTimestamp` when it has no checkpoint: a full fetch.
pub const DEFAULT_START_TIMESTAMP: i64 = 10;
/// The client's default page size.
pub const DEFAULT_PAGE_SIZE: usize = 800;

/// Query of `GET /v1/FetchHashes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FetchHashesQuery {
    /// Checkpoint (`nextSetTimestamp` of an earlier fetch), unix seconds. Absent or 10: everything active.
    pub start_timestamp: Option<i64>,
    /// Records per page, 1 to 5000 (default 800). A page is bounded by bytes as well: it stops at the server's page
    /// budget (setting `page_bytes`, default 4 MiB) but always carries a record when any follows, so it may hold
    /// fewer. A full fetch (no checkpoint) comes in pages too. Follow `nextPageToken` while `hasMoreRecords`.
    pub page_size: Option<usize>,
    /// `nextPageToken` of the previous page.
    pub next_page_token: Option<String>,
}

/// StopNCII signal types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SignalType {
    /// PDQ of an image.
    ImagePDQ,
    /// MD5 of a file.
    VideoMD5,
    /// TMK+PDQF of a video (not produced by disrupt).
    VideoTMK,
    /// Text.
    Text,
    /// URL.
    URL,
    /// Unknown.
    Unknown,
}

/// StopNCII case/hash status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum HashStatus {
    /// Received, not yet active.
    Received,
    /// On the list.
    Active,
    /// Withdrawn by the victim: delete it.
    Withdrawn,
    /// Deleted: delete it.
    Deleted,
}

/// StopNCII feedback values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CspFeedbackValue {
    /// No state, tags only.
    None,
    /// Quality unknown.
    QualityUnknown,
    /// A match awaits review.
    PendingReview,
    /// Reviewed and blocked.
    Blocked,
    /// Reviewed, not blocked.
    NotBlocked,
    /// Withdrawn.
    Withdrawn,
    /// Deleted.
    Deleted,
}

/// A platform's feedback on a hash record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CspFeedback {
    /// The platform's name.
    pub source: String,
    /// What it did.
    #[serde(rename = "feedbackValue")]
    pub feedback_value: CspFeedbackValue,
    /// Free tags.
    pub tags: Vec<String>,
}

/// One StopNCII hash record: the whole current state of one hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HashRecord {
    /// Last change, unix seconds.
    #[serde(rename = "lastModtimestamp")]
    pub last_mod_timestamp: i64,
    /// Signal type.
    #[serde(rename = "signalType")]
    pub signal_type: SignalType,
    /// The hash, lower-case hex.
    #[serde(rename = "hashValue")]
    pub hash_value: String,
    /// Aggregate status.
    #[serde(rename = "hashStatus")]
    pub hash_status: HashStatus,
    /// Opaque per-entry reference -> status. Never a disrupt case id.
    #[serde(rename = "caseNumbers")]
    pub case_numbers: BTreeMap<String, HashStatus>,
    /// Platforms' feedback.
    #[serde(rename = "CSPFeedbacks")]
    pub csp_feedbacks: Vec<CspFeedback>,
}

/// Answer of `GET /v1/FetchHashes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FetchHashesResponse {
    /// Records in this page.
    pub count: usize,
    /// Token for the next page.
    pub next_page_token: Option<String>,
    /// Checkpoint to pass as `startTimestamp` next time, unix seconds.
    pub next_set_timestamp: i64,
    /// Whether another page follows (the page stopped at `pageSize` or at the byte budget).
    pub has_more_records: bool,
    /// The records.
    pub hash_records: Vec<HashRecord>,
}

/// One item of `POST /v1/SubmitFeedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HashFeedback {
    /// The hash the feedback is about.
    pub hash_value: String,
    /// What the platform did.
    pub feedback_value: CspFeedbackValue,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Body of `POST /v1/SubmitFeedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmitFeedbackRequest {
    /// Number of items.
    pub count: usize,
    /// The items.
    pub hash_feedbacks: Vec<HashFeedback>,
}

/// Answer of `POST /v1/SubmitFeedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmitFeedbackResponse {
    /// How many (hash, entry) feedbacks were recorded.
    pub count: usize,
}
