//! Platforms' feedback on entries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::FeedbackValue;

/// The most feedback items in one request.
pub const MAX_FEEDBACK_ITEMS: usize = 1000;

/// What a platform did about one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackItem {
    /// Opaque entry reference from the feed or a match.
    pub entry: String,
    /// What the platform did.
    pub value: FeedbackValue,
    /// Free tags (at most 16, 64 bytes each).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `POST /v1/feedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// 1 to 1000 items.
    pub feedback: Vec<FeedbackItem>,
}

/// Answer to `POST /v1/feedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRecorded {
    /// How many items were recorded.
    pub recorded: usize,
}
