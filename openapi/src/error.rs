//! The error body shared by every endpoint.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error answer of the API has this body. `code` is stable and machine-readable; `message` is for people
/// and may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_hash`, `cursor_expired`, `unauthorized`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ErrorBody {
    /// An error body from a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into() }
    }
}
