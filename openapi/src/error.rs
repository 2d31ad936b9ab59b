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

/// Declares [`ErrorCode`] from one table: each code with its wire spelling and its HTTP status, so that the
/// status an error answers with and the one the OpenAPI document gives are read from the same row.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident = $wire:literal, $status:literal;)*) => {
        /// The stable error codes. Clients branch on these; never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)*
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$code),*];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $wire,)*
                }
            }

            /// The HTTP status every error with this code answers with.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$code => $status,)*
                }
            }
        }
    };
}

error_codes! {
    /// The body or query is malformed or has unknown fields.
    InvalidRequest = "invalid_request", 400;
    /// A hash string has the wrong length or a non-hex digit.
    InvalidHash = "invalid_hash", 400;
    /// The feed cursor is not one the server issued.
    InvalidCursor = "invalid_cursor", 400;
    /// The feed cursor (or StopNCII `startTimestamp`) lies past the feed's newest record, so the server never
    /// issued it. Resync from `GET /v1/hashes/snapshot`.
    CursorBeyondEnd = "cursor_beyond_end", 400;
    /// A list name is malformed.
    InvalidListName = "invalid_list_name", 400;
    /// The uploaded media could not be decoded or hashed.
    InvalidMedia = "invalid_media", 400;
    /// Too many items or too many bytes.
    PayloadTooLarge = "payload_too_large", 413;
    /// A video frame list, or a case's frame lists together, carry more frames than the server stores.
    TooManyFrames = "too_many_frames", 413;
    /// No credentials, or they are wrong.
    Unauthorized = "unauthorized", 401;
    /// The key may not do this (role or list scope).
    Forbidden = "forbidden", 403;
    /// No such case, entry, key or list.
    NotFound = "not_found", 404;
    /// It exists already.
    Conflict = "conflict", 409;
    /// The cursor is older than the tombstone retention. Resync from `GET /v1/hashes/snapshot`.
    CursorExpired = "cursor_expired", 410;
    /// The request (headers or body) arrived too slowly, or took longer than the server allows.
    RequestTimeout = "request_timeout", 408;
    /// Too many requests or too many wrong secrets; retry later.
    RateLimited = "rate_limited", 429;
    /// The store (Redis) is unreachable; retry later.
    StoreUnavailable = "store_unavailable", 503;
    /// Every media upload slot is taken; retry after `Retry-After` seconds.
    ServerBusy = "server_busy", 503;
    /// Something broke on the server; details are in its log.
    Internal = "internal", 500;
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
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_string(code).unwrap(), format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn every_code_answers_with_an_error_status() {
        for code in ErrorCode::ALL {
            assert!((400..600).contains(&code.status()), "{code}: {}", code.status());
        }
        assert_eq!(ErrorCode::CursorExpired.status(), 410);
        assert_eq!(ErrorCode::ServerBusy.status(), 503);
    }
}
