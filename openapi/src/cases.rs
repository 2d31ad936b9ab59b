//! Victims' cases: submission, status and withdrawal.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{CaseState, Category, EntryState, HashValue};

/// The most URLs one case may list.
pub const MAX_URLS_PER_CASE: usize = 100;
/// The longest URL or contact string accepted, in bytes.
pub const MAX_TEXT_LEN: usize = 2048;

/// `POST /v1/cases`: hashes computed on the victim's device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseRequest {
    /// What the images show.
    pub category: Category,
    /// The hashes, 1 to 1000. Video frame lists together carry at most 36,000 frames by default (the server's
    /// `case_limits.frames_per_case`), each at most 7,200 (or the server's lower `case_limits.frames_per_video`);
    /// more is refused with 413 `too_many_frames`.
    pub hashes: Vec<HashValue>,
    /// Where the content is already online, if known.
    #[serde(default)]
    pub urls: Vec<String>,
    /// How to reach the victim for follow-up; erased on withdrawal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// One hash kept for a case, as the victim sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseHash {
    /// The hash as stored.
    pub value: HashValue,
    /// Its review state.
    pub state: EntryState,
    /// How many platforms said they blocked the content.
    pub blocked: u64,
    /// How many platforms reviewed a match and found it not violating.
    pub not_violating: u64,
    /// How many platforms reported a match awaiting review.
    pub pending_review: u64,
}

/// Answer to a case creation: the id and the secret, shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedCase {
    /// The case id.
    pub case_id: String,
    /// The case secret. Shown only now; needed to see or withdraw the case. Keep it safe.
    pub case_secret: String,
    /// Exactly what was kept: the hashes, nothing else of the media.
    pub hashes: Vec<HashValue>,
}

/// `GET /v1/cases/{id}`: the case's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStatus {
    /// The case id.
    pub case_id: String,
    /// Active or withdrawn.
    pub state: CaseState,
    /// What the images show.
    pub category: Category,
    /// Creation time, unix milliseconds.
    pub created_at: u64,
    /// Withdrawal time, unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<u64>,
    /// Each hash with its state and what platforms did.
    pub hashes: Vec<CaseHash>,
    /// How many platforms have the hashes and, after a withdrawal, how many of them have fetched the deletion.
    pub delivery: CaseDelivery,
}

/// Erasure receipt: counts of platforms, never their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDelivery {
    /// Platforms that fetched the case's hashes (through the feed or a snapshot taken while they were listed).
    pub received: u64,
    /// Of those, platforms that have fetched the deletion since the withdrawal ("deletion delivered to N of M").
    pub deletion_delivered: u64,
}

/// `DELETE /v1/cases/{id}`: the outcome of a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawnCase {
    /// The case id.
    pub case_id: String,
    /// Always `withdrawn`.
    pub state: CaseState,
    /// Whether the case had been withdrawn before this request.
    pub already_withdrawn: bool,
}

/// The multipart form of `POST /v1/cases/upload`. It documents the body; the server reads it as a stream, file by
/// file, and keeps no file.
#[derive(Debug, ToSchema)]
pub struct CaseUploadForm {
    /// What the images show (one of the `Category` names, as text).
    pub category: Category,
    /// The images or videos, 1 to 20 `file` parts, each at most 64 MiB and 128 MiB together. Images: JPEG, PNG,
    /// WebP, GIF, BMP, TIFF, HEIC/HEIF, AVIF; videos: MP4/MOV/3GP, Matroska/WebM, AVI, FLV, MPEG-TS/PS, ASF/WMV.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 20)]
    pub file: Vec<Vec<u8>>,
}
