//! `ApiError`: every way a request can fail, and the only place that turns one into an HTTP answer.
//!
//! Bodies are [`ErrorBody`] with a stable [`ErrorCode`]; the status is the code's, from the one table in
//! [`ErrorCode::status`] that the OpenAPI document's error rows (`routes::responses`) read too. Server-side
//! failures (5xx) answer with a generic message; their cause chain goes to the log, never to the client.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use disrupt_openapi::{ErrorBody, ErrorCode};

use crate::store::StoreError;

/// Every failure a handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body, query or path is malformed, has unknown fields or breaks a limit of the contract.
    #[error("{0}")]
    InvalidRequest(String),
    /// A hash string is malformed.
    #[error("{0}")]
    InvalidHash(String),
    /// The feed cursor was not issued by this server for this list.
    #[error("the cursor is not valid for this list")]
    InvalidCursor,
    /// A list name is malformed.
    #[error("{0}")]
    InvalidListName(String),
    /// Uploaded media could not be decoded or hashed; `code` is the hasher's stable code.
    #[error("{message}")]
    InvalidMedia {
        /// The hasher's error code (`corrupt_media`, `unsupported_format`, ...).
        code: &'static str,
        /// Human-readable cause.
        message: String,
    },
    /// Too many items or bytes.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A video frame list, or a case's frame lists together, carry more frames than the server stores.
    #[error("{0}")]
    TooManyFrames(String),
    /// Missing or wrong credentials (API key or case secret).
    #[error("missing or invalid credentials")]
    Unauthorized,
    /// The key's role or list scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The case, entry, key or list does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// It exists already or the state forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// The cursor is older than the tombstone retention.
    #[error("the cursor is older than the retention window; resync from GET /v1/hashes/snapshot")]
    CursorExpired,
    /// The cursor or start time lies past the newest feed record: never issued by this server.
    #[error("the cursor is beyond the feed's end; resync from GET /v1/hashes/snapshot")]
    CursorBeyondEnd,
    /// The request took longer than the server allows (a slow body, or slow work).
    #[error("the request took longer than {0} s")]
    RequestTimeout(u64),
    /// Too many requests from this client, or too many wrong secrets for this case.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// Every media upload slot is taken (`concurrent_uploads`).
    #[error("the server is hashing as many uploads as it may; retry shortly")]
    Busy,
    /// The store is unreachable.
    #[error("the store is unavailable")]
    StoreUnavailable(#[source] anyhow::Error),
    /// Anything else: a bug or corrupt data. Logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            ApiError::InvalidHash(_) => ErrorCode::InvalidHash,
            ApiError::InvalidCursor => ErrorCode::InvalidCursor,
            ApiError::InvalidListName(_) => ErrorCode::InvalidListName,
            ApiError::InvalidMedia { .. } => ErrorCode::InvalidMedia,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::TooManyFrames(_) => ErrorCode::TooManyFrames,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::CursorExpired => ErrorCode::CursorExpired,
            ApiError::CursorBeyondEnd => ErrorCode::CursorBeyondEnd,
            ApiError::RequestTimeout(_) => ErrorCode::RequestTimeout,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::StoreUnavailable(_) => ErrorCode::StoreUnavailable,
            ApiError::Busy => ErrorCode::ServerBusy,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Shorthand for an internal error from anything that can be an `anyhow::Error`.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }
}

impl ResponseError for ApiError {
    /// The status of the error's code, from [`ErrorCode`]'s table (the one the OpenAPI document's rows use too).
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = if matches!(self, ApiError::Busy) {
            // Load shedding, not a failure.
            self.to_string()
        } else if status.is_server_error() {
            // The cause chain may name hosts, keys or data: log it, answer generically.
            tracing::error!(code = %self.code(), error = ?anyhow_chain(self), "request failed");
            match self {
                ApiError::StoreUnavailable(_) => "the store is unavailable; retry later".to_owned(),
                _ => "internal error; the cause is in the server log".to_owned(),
            }
        } else {
            self.to_string()
        };
        let mut response = HttpResponse::build(status);
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if matches!(self, ApiError::Busy) {
            response.insert_header(("Retry-After", "5"));
        }
        if matches!(self, ApiError::Unauthorized) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if matches!(self, ApiError::RequestTimeout(_)) {
            // The rest of a slow body may still be on its way: it must not be read as a next request.
            response.force_close();
        }
        let mut body = ErrorBody::new(self.code().as_str(), message);
        if let ApiError::InvalidMedia { code, .. } = self {
            body = body.with_reason(*code);
        }
        response.json(body)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => ApiError::StoreUnavailable(e.into()),
            e @ StoreError::NotReplicated { .. } => ApiError::StoreUnavailable(e.into()),
            StoreError::NotFound { what } => ApiError::NotFound(what),
            StoreError::Conflict(what) => ApiError::Conflict(what.to_owned()),
            StoreError::CursorExpired => ApiError::CursorExpired,
            StoreError::InvalidCursor => ApiError::InvalidCursor,
            StoreError::CursorBeyondEnd => ApiError::CursorBeyondEnd,
            StoreError::Invalid(message) => ApiError::InvalidRequest(message),
            other @ (StoreError::Redis(_) | StoreError::Corrupt(_) | StoreError::Rng) => ApiError::internal(other),
        }
    }
}

impl From<crate::store::audit::StoreAuditError> for ApiError {
    fn from(err: crate::store::audit::StoreAuditError) -> Self {
        use crate::store::audit::StoreAuditError as E;
        match err {
            E::Redis(e) => StoreError::from(e).into(),
            other => ApiError::internal(other),
        }
    }
}

fn anyhow_chain(err: &ApiError) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(err: ApiError) -> (StatusCode, ErrorBody) {
        let response = err.error_response();
        let status = response.status();
        let bytes = response.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn server_errors_do_not_leak_their_cause() {
        let (status, body) = body_of(ApiError::internal(anyhow::anyhow!("redis at 10.0.0.7 said WRONGTYPE")));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body.code, "internal");
        assert!(!body.message.contains("10.0.0.7"));
    }

    #[test]
    fn expired_cursor_is_410_with_its_code() {
        let (status, body) = body_of(ApiError::CursorExpired);
        assert_eq!(status, StatusCode::GONE);
        assert_eq!(body.code, "cursor_expired");
    }

    #[test]
    fn store_outage_is_503() {
        let (status, body) = body_of(ApiError::StoreUnavailable(anyhow::anyhow!("refused")));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body.code, "store_unavailable");
    }
}
