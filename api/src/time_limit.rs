//! Request time limits: a request whose body arrives too slowly, or whose work takes too long, ends with
//! `408 request_timeout` and a closed connection.
//!
//! actix-web bounds how long the headers may take (`HttpServer::client_request_timeout`) but not the body: a
//! client trickling a 128 MiB upload one byte a second would hold its buffers for days. This middleware puts a
//! deadline on everything up to the response head (extractors read the body before the handler runs, so the
//! body is inside it). Streamed answers (snapshots, audit exports) start within it and then stream freely. When
//! the deadline passes, the handler's future is dropped, and with it any media it buffered (zeroed on drop).
//!
//! Dropping a future cannot stop work that never yields: CPU-bound loops (matching) run off the actix workers
//! and take the request's [`Deadline`] (an extractor) to check themselves.

use std::future::{Ready, ready};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage as _, HttpRequest, web};

use crate::error::ApiError;
use crate::settings::TimeLimits;

/// Routes that receive media: they get [`TimeLimits::upload_secs`].
pub const UPLOAD_PATHS: &[&str] = &["/v1/cases/upload", "/v1/media/hash", "/v1/match/upload"];

/// The deadline for a request to `path`.
pub fn limit_for(limits: &TimeLimits, path: &str) -> Duration {
    let secs = if UPLOAD_PATHS.contains(&path) { limits.upload_secs } else { limits.request_secs };
    Duration::from_secs(secs.max(1))
}

/// When the request's time is up, for work that must stop by itself. Set by [`enforce`] as the request
/// arrives; extracted by handlers whose work cannot be interrupted from outside.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    limit_secs: u64,
}

impl Deadline {
    /// `limit` from now.
    pub fn after(limit: Duration) -> Self {
        Self { at: Instant::now() + limit, limit_secs: limit.as_secs() }
    }

    /// Whether the time is up.
    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }

    /// `408 request_timeout` once the time is up: what the middleware would answer.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.passed() { Err(ApiError::RequestTimeout(self.limit_secs)) } else { Ok(()) }
    }
}

impl FromRequest for Deadline {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        // Without the middleware (a test app), the same limit counted from now.
        let deadline = req.extensions().get::<Deadline>().copied().unwrap_or_else(|| {
            let limits = req.app_data::<web::Data<TimeLimits>>().map(|l| *l.get_ref()).unwrap_or_default();
            Deadline::after(limit_for(&limits, req.path()))
        });
        ready(Ok(deadline))
    }
}

/// The middleware (`actix_web::middleware::from_fn(time_limit::enforce)`); reads [`TimeLimits`] from app data.
/// The request cannot be kept aside to answer with (actix-web needs it unshared for routing), so the timeout is an
/// error, which actix-web renders with `ApiError::error_response` (that closes the connection).
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limits = req.app_data::<web::Data<TimeLimits>>().map(|l| *l.get_ref()).unwrap_or_default();
    let limit = limit_for(&limits, req.path());
    req.extensions_mut().insert(Deadline::after(limit));
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::info!(limit_secs = limit.as_secs(), "request timed out");
            Err(ApiError::RequestTimeout(limit.as_secs()).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_get_the_longer_limit() {
        let limits = TimeLimits { request_secs: 30, upload_secs: 300, headers_secs: 10 };
        assert_eq!(limit_for(&limits, "/v1/cases/upload"), Duration::from_secs(300));
        assert_eq!(limit_for(&limits, "/v1/match/upload"), Duration::from_secs(300));
        assert_eq!(limit_for(&limits, "/v1/media/hash"), Duration::from_secs(300));
        assert_eq!(limit_for(&limits, "/v1/cases"), Duration::from_secs(30));
        let zero = TimeLimits { request_secs: 0, upload_secs: 0, headers_secs: 0 };
        assert_eq!(limit_for(&zero, "/v1/cases"), Duration::from_secs(1), "never no time at all");
    }

    #[test]
    fn a_passed_deadline_answers_like_the_middleware() {
        assert!(Deadline::after(Duration::from_secs(60)).check().is_ok());
        let past = Deadline { at: Instant::now() - Duration::from_millis(1), limit_secs: 30 };
        assert!(matches!(past.check(), Err(ApiError::RequestTimeout(30))));
    }
}
