//! The error body shared by every endpoint, and its stable codes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error answer of the API has this body. `code` is stable and machine-readable; `message` is for people
/// and may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Stable machine-readable code, one of [`ErrorCode`] in snake_case, e.g. `invalid_hash`, `cursor_expired`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// A finer stable code where one exists: for `invalid_media`, the hasher's cause (`corrupt_media`,
    /// `unsupported_format`, `image_too_large`, `video_too_long`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ErrorBody {
    /// An error body from a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), reason: None }
    }

    /// The same body with a finer [`ErrorBody::reason`].
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// The stable error codes. Clients branch on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body or query is malformed or has unknown fields.
    InvalidRequest,
    /// 400: a hash string has the wrong length or a non-hex digit.
    InvalidHash,
    /// 400: the feed cursor is not one the server issued.
    InvalidCursor,
    /// 400: the feed cursor (or StopNCII `startTimestamp`) lies past the feed's newest record, so the server never
    /// issued it. Resync from `GET /v1/hashes/snapshot`.
    CursorBeyondEnd,
    /// 400: a list name is malformed.
    InvalidListName,
    /// 400: the uploaded media could not be decoded or hashed.
    InvalidMedia,
    /// 413: too many items or too many bytes.
    PayloadTooLarge,
    /// 413: a video frame list, or a case's frame lists together, carry more frames than the server stores.
    TooManyFrames,
    /// 401: no credentials, or they are wrong.
    Unauthorized,
    /// 403: the key may not do this (role or list scope).
    Forbidden,
    /// 404: no such case, entry, key or list.
    NotFound,
    /// 409: it exists already.
    Conflict,
    /// 410: the cursor is older than the tombstone retention. Resync from `GET /v1/hashes/snapshot`.
    CursorExpired,
    /// 408: the request (headers or body) arrived too slowly, or took longer than the server allows.
    RequestTimeout,
    /// 429: too many requests or too many wrong secrets; retry later.
    RateLimited,
    /// 503: the store (Redis) is unreachable; retry later.
    StoreUnavailable,
    /// 503: every media upload slot is taken; retry after `Retry-After` seconds.
    ServerBusy,
    /// 500: something broke on the server; details are in its log.
    Internal,
}

impl ErrorCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidHash => "invalid_hash",
            ErrorCode::InvalidCursor => "invalid_cursor",
            ErrorCode::CursorBeyondEnd => "cursor_beyond_end",
            ErrorCode::InvalidListName => "invalid_list_name",
            ErrorCode::InvalidMedia => "invalid_media",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::TooManyFrames => "too_many_frames",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::CursorExpired => "cursor_expired",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::StoreUnavailable => "store_unavailable",
            ErrorCode::ServerBusy => "server_busy",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn as_str_matches_the_serde_spelling() {
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::CursorExpired,
            ErrorCode::StoreUnavailable,
            ErrorCode::PayloadTooLarge,
            ErrorCode::TooManyFrames,
        ] {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
        }
    }
}
