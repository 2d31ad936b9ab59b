//! Rate limits for the anonymous routes, without storing IP addresses, shared by every API process.
//!
//! A client is 16 bytes of HMAC-SHA256 of its address under a key derived from the server key and the UTC day
//! ([`RateLimits::client_id`]): every process on the same server key names a client alike, the name changes at
//! midnight, and the address itself is never logged, written to Redis or kept. The buckets are GCRA buckets in
//! Redis (`store::limits`), drawn by one atomic script each, so N processes give a client one budget, not N,
//! and a restart forgets nothing. Brute force on one case's secret is bounded separately by a per-case failure
//! counter (also in Redis), keyed by the case id, so spreading attempts over many addresses does not help.

use std::net::IpAddr;
use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use parking_lot::Mutex;
use ring::hmac;

use crate::error::ApiError;
use crate::settings::{RateLimitSettings, ServerKey};
use crate::store::limits::{Draw, Quota};
use crate::store::{Store, keys};

/// How long a case stays locked after too many wrong secrets.
const SECRET_FAILURE_WINDOW: Duration = Duration::from_secs(3600);
const HOUR: Duration = Duration::from_secs(3600);
const DAY_SECS: u64 = 24 * 3600;

/// A client as the budgets know it: hex of 16 bytes of its daily HMAC.
type ClientId = String;

/// A submission the client's budget allowed: who (the HMAC'd client, never its address) and whether it comes in
/// a burst that flood detection holds for review.
#[derive(Debug, Clone)]
pub struct SubmissionQuota {
    client: ClientId,
    /// The client had already created `flood.client_cases_per_hour` cases within the last hour.
    pub burst: bool,
}

/// The anonymous-route limiters over the shared store. Built once; the quota extractors find it as
/// `web::Data<RateLimits>`.
pub struct RateLimits {
    settings: RateLimitSettings,
    client_cases_per_hour: u32,
    store: Store,
    /// Root of the daily client keys; derived from the server key so that every process derives the same.
    root: hmac::Key,
    /// The current day's client key, and its day number.
    day_key: Mutex<Option<(u64, hmac::Key)>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Which budget a request draws from.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// Creating a case.
    Submission,
    /// Reading or withdrawing a case.
    Lookup,
    /// Having media hashed without creating a case (`POST /v1/media/hash`): as many per hour as submissions, in
    /// a bucket of its own so that it counts no case towards flood detection's bursts.
    Media,
}

fn quota(period: Duration, limit: u32) -> Quota {
    Quota { period, limit: limit.max(1) }
}

fn refused(draw: Draw) -> ApiError {
    ApiError::RateLimited { retry_after_secs: draw.retry_after.as_secs_f64().ceil().max(1.0) as u64 }
}

impl RateLimits {
    /// Limiters over `store`, naming clients under keys derived from `server_key`. `client_cases_per_hour` is
    /// flood detection's burst threshold (0: off).
    pub fn new(settings: RateLimitSettings, client_cases_per_hour: u32, store: Store, server_key: &ServerKey) -> Self {
        Self {
            settings,
            client_cases_per_hour,
            store,
            root: hmac::Key::new(hmac::HMAC_SHA256, &server_key.subkey(b"rate-limit client ids")),
            day_key: Mutex::new(None),
        }
    }

    /// Whether clients are identified by the reverse proxy's forwarding headers.
    pub fn behind_proxy(&self) -> bool {
        self.settings.behind_proxy
    }

    /// The client's name for today: HMAC of its address under the day's key (all processes agree on it).
    pub fn client_id(&self, peer: Option<IpAddr>) -> ClientId {
        let day = disrupt_hotline::time::now_ms() / 1000 / DAY_SECS;
        let key = match &mut *self.day_key.lock() {
            Some((d, key)) if *d == day => key.clone(),
            slot => {
                let key = hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&self.root, &day.to_be_bytes()).as_ref());
                *slot = Some((day, key.clone()));
                key
            }
        };
        let bytes = match peer {
            Some(IpAddr::V4(ip)) => ip.to_ipv6_mapped().octets(),
            Some(IpAddr::V6(ip)) => ip.octets(),
            None => [0; 16],
        };
        hex::encode(&hmac::sign(&key, &bytes).as_ref()[..16])
    }

    /// Draws one request from the client's `budget`; `RateLimited` when it is empty. A submission also learns
    /// whether the client is in a burst.
    pub async fn draw(&self, peer: Option<IpAddr>, budget: Budget) -> Result<SubmissionQuota, ApiError> {
        let client = self.client_id(peer);
        let s = &self.settings;
        let (name, budget_quota, flag) = match budget {
            Budget::Submission => (
                "sub",
                quota(HOUR, s.submissions_per_hour),
                (self.client_cases_per_hour > 0).then(|| ("burst", quota(HOUR, self.client_cases_per_hour))),
            ),
            Budget::Lookup => ("look", quota(Duration::from_secs(60), s.lookups_per_minute), None),
            Budget::Media => ("media", quota(HOUR, s.submissions_per_hour), None),
        };
        let draw = self.store.draw_budget(&client, name, budget_quota, 1, flag).await?;
        if !draw.allowed {
            return Err(refused(draw));
        }
        Ok(SubmissionQuota { client, burst: draw.flagged })
    }

    /// Draws `count` hashes from the submitting client's hourly hash budget; `RateLimited` when they do not fit.
    pub async fn draw_hashes(&self, submission: &SubmissionQuota, count: usize) -> Result<(), ApiError> {
        let limit = self.settings.hashes_per_hour.max(1);
        let Ok(cost) = u32::try_from(count) else {
            return Err(ApiError::RateLimited { retry_after_secs: HOUR.as_secs() });
        };
        if cost == 0 {
            return Ok(());
        }
        if cost > limit {
            // More than a whole hour's budget never fits.
            return Err(ApiError::RateLimited { retry_after_secs: HOUR.as_secs() });
        }
        let draw = self.store.draw_budget(&submission.client, "hashes", quota(HOUR, limit), cost, None).await?;
        if draw.allowed { Ok(()) } else { Err(refused(draw)) }
    }

    /// Fails while `case_id` is locked after too many wrong secrets.
    pub async fn check_case_unlocked(&self, case_id: &str) -> Result<(), ApiError> {
        if keys::list_no_of_case(case_id).is_none() {
            // Not a case id: nothing to lock, and no key named after arbitrary path text.
            return Ok(());
        }
        match self.store.secret_lock(case_id, self.settings.secret_failures_per_hour).await? {
            Some(left) => Err(ApiError::RateLimited { retry_after_secs: left.as_secs().max(1) }),
            None => Ok(()),
        }
    }

    /// Counts one wrong secret for `case_id`.
    pub async fn record_secret_failure(&self, case_id: &str) -> Result<(), ApiError> {
        Ok(self.store.record_secret_failure(case_id, SECRET_FAILURE_WINDOW).await?)
    }
}

/// Extractor that draws from the client's lookup budget before the handler runs.
#[derive(Debug)]
pub struct LookupQuota;

/// Extractor that draws from the client's media-hashing budget ([`Budget::Media`]) before the handler runs.
#[derive(Debug)]
pub struct MediaQuota;

async fn check_request(req: HttpRequest, budget: Budget) -> Result<SubmissionQuota, ApiError> {
    let limits = req
        .app_data::<web::Data<RateLimits>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("RateLimits not registered")))?
        .clone();
    let peer = if limits.behind_proxy() {
        req.connection_info().realip_remote_addr().and_then(parse_client_addr)
    } else {
        req.peer_addr().map(|a| a.ip())
    };
    limits.draw(peer, budget).await
}

/// The address in a `Forwarded`/`X-Forwarded-For` value: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:80`.
fn parse_client_addr(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| text.trim_start_matches('[').split(']').next()?.parse().ok())
}

/// Extractor: draws from the client's submission budget before the handler runs.
impl FromRequest for SubmissionQuota {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(check_request(req.clone(), Budget::Submission))
    }
}

impl FromRequest for LookupQuota {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { check_request(req, Budget::Lookup).await.map(|_| LookupQuota) })
    }
}

impl FromRequest for MediaQuota {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { check_request(req, Budget::Media).await.map(|_| MediaQuota) })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn forwarded_client_addresses_parse_in_their_usual_forms() {
        for (text, ip) in [
            ("203.0.113.7", "203.0.113.7"),
            ("203.0.113.7:4711", "203.0.113.7"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]:80", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
        ] {
            assert_eq!(parse_client_addr(text), Some(ip.parse().unwrap()), "{text}");
        }
        assert_eq!(parse_client_addr("unknown"), None);
    }

    async fn limits(settings: RateLimitSettings, bursts: u32) -> (crate::testing::RedisProcess, RateLimits) {
        let redis = crate::testing::RedisProcess::start();
        let store = Store::connect(&redis.settings()).await.unwrap();
        let key = ServerKey::from_bytes(vec![7; 32]);
        (redis, RateLimits::new(settings, bursts, store, &key))
    }

    #[tokio::test]
    async fn a_client_runs_out_and_another_does_not() {
        let (_redis, limits) = limits(RateLimitSettings { submissions_per_hour: 2, ..Default::default() }, 0).await;
        let a = Some("192.0.2.1".parse().unwrap());
        let b = Some("192.0.2.2".parse().unwrap());
        assert!(limits.draw(a, Budget::Submission).await.is_ok());
        assert!(limits.draw(a, Budget::Submission).await.is_ok());
        match limits.draw(a, Budget::Submission).await {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1_700..=1_800).contains(&retry_after_secs), "one of two an hour: {retry_after_secs}")
            }
            other => panic!("{other:?}"),
        }
        assert!(limits.draw(b, Budget::Submission).await.is_ok());
    }

    #[tokio::test]
    async fn a_burst_is_flagged_not_refused_and_hashes_have_their_own_budget() {
        let settings = RateLimitSettings { submissions_per_hour: 10, hashes_per_hour: 5, ..Default::default() };
        let (_redis, limits) = limits(settings, 2).await;
        let a = Some("192.0.2.1".parse().unwrap());
        let mut bursts = Vec::new();
        for _ in 0..4 {
            bursts.push(limits.draw(a, Budget::Submission).await.unwrap().burst);
        }
        assert_eq!(bursts, [false, false, true, true]);
        let b = limits.draw(Some("192.0.2.2".parse().unwrap()), Budget::Submission).await.unwrap();
        assert!(!b.burst, "another client is not in a burst");
        assert!(limits.draw_hashes(&b, 3).await.is_ok());
        assert!(matches!(limits.draw_hashes(&b, 3).await, Err(ApiError::RateLimited { .. })), "3 + 3 > 5");
        assert!(limits.draw_hashes(&b, 2).await.is_ok());
        assert!(matches!(limits.draw_hashes(&b, 6).await, Err(ApiError::RateLimited { .. })), "more than an hour's");
    }

    #[tokio::test]
    async fn a_case_locks_after_too_many_wrong_secrets() {
        let (_redis, limits) = limits(RateLimitSettings { secret_failures_per_hour: 3, ..Default::default() }, 0).await;
        let c1 = keys::new_case_id(1, [1; 16]);
        let c2 = keys::new_case_id(1, [2; 16]);
        for _ in 0..3 {
            assert!(limits.check_case_unlocked(&c1).await.is_ok());
            limits.record_secret_failure(&c1).await.unwrap();
        }
        assert!(limits.check_case_unlocked(&c1).await.is_err());
        assert!(limits.check_case_unlocked(&c2).await.is_ok());
        assert!(limits.check_case_unlocked("not-a-case}{").await.is_ok());
    }
}
