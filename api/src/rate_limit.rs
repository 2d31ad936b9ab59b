//! Rate limits for the anonymous routes, without storing IP addresses.
//!
//! Per-client buckets live in memory only, keyed by an HMAC of the peer IP under a random per-process key
//! that is replaced every 24 hours (the buckets go with it). The IP itself is never logged, never written to
//! Redis, never kept. Brute force on one case's secret is bounded separately by a per-case failure counter,
//! keyed by the case id, so spreading attempts over many addresses does not help.
//!
//! Note: counters are per process; with N API processes a client gets N times the budget.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ring::hmac;
use ring::rand::SystemRandom;

use crate::error::ApiError;

/// How often the IP-hashing key (and with it every per-client bucket) is replaced.
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How long a case stays locked after too many wrong secrets.
const SECRET_FAILURE_WINDOW: Duration = Duration::from_secs(3600);

/// Budgets of the anonymous routes (settings `rate_limits.*`, e.g. `DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Case submissions (JSON or upload) per client per hour.
    pub submissions_per_hour: u32,
    /// Hashes in those submissions per client per hour (one case carries up to 1,000).
    pub hashes_per_hour: u32,
    /// Case lookups and withdrawals per client per minute.
    pub lookups_per_minute: u32,
    /// Wrong secrets accepted for one case per hour before it is locked for the rest of the hour.
    pub secret_failures_per_hour: u32,
    /// The server sits behind a reverse proxy that sets `Forwarded`/`X-Forwarded-For`: take the client from
    /// there (otherwise every client would share the proxy's budget). Leave off when clients connect directly,
    /// or they could pick their own budget.
    pub behind_proxy: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            submissions_per_hour: 30,
            hashes_per_hour: 3_000,
            lookups_per_minute: 30,
            secret_failures_per_hour: 10,
            behind_proxy: false,
        }
    }
}

type ClientId = [u8; 16];

struct Epoch {
    key: hmac::Key,
    started: Instant,
    submissions: DefaultKeyedRateLimiter<ClientId>,
    hashes: DefaultKeyedRateLimiter<ClientId>,
    lookups: DefaultKeyedRateLimiter<ClientId>,
    /// Flood detection's per-client count: a client whose bucket is empty is in a burst (not refused).
    bursts: Option<DefaultKeyedRateLimiter<ClientId>>,
}

/// A submission the client's budget allowed: who (the HMAC'd client, never its address) and whether it comes in
/// a burst that flood detection holds for review.
#[derive(Debug, Clone, Copy)]
pub struct SubmissionQuota {
    client: ClientId,
    /// The client had already created `flood.client_cases_per_hour` cases within the last hour.
    pub burst: bool,
}

/// The process's anonymous-route limiters. Build once, share as `web::Data`.
pub struct RateLimits {
    settings: RateLimitSettings,
    client_cases_per_hour: u32,
    rng: SystemRandom,
    epoch: Mutex<Epoch>,
    secret_failures: Mutex<HashMap<String, (u32, Instant)>>,
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
}

fn quota(per: Duration, n: u32) -> Quota {
    let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / n.get()).unwrap_or_else(|| Quota::per_second(n)).allow_burst(n)
}

impl RateLimits {
    /// Fresh limiters with a fresh random key. `client_cases_per_hour` is flood detection's burst threshold
    /// (0: off).
    pub fn new(settings: RateLimitSettings, client_cases_per_hour: u32) -> Result<Self, ApiError> {
        let rng = SystemRandom::new();
        let epoch = Self::new_epoch(&rng, &settings, client_cases_per_hour)?;
        Ok(Self {
            settings,
            client_cases_per_hour,
            rng,
            epoch: Mutex::new(epoch),
            secret_failures: Mutex::new(HashMap::new()),
        })
    }

    fn new_epoch(rng: &SystemRandom, settings: &RateLimitSettings, bursts: u32) -> Result<Epoch, ApiError> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, rng)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("system random source failed")))?;
        let hour = Duration::from_secs(3600);
        Ok(Epoch {
            key,
            started: Instant::now(),
            submissions: RateLimiter::keyed(quota(hour, settings.submissions_per_hour)),
            hashes: RateLimiter::keyed(quota(hour, settings.hashes_per_hour)),
            lookups: RateLimiter::keyed(quota(Duration::from_secs(60), settings.lookups_per_minute)),
            bursts: (bursts > 0).then(|| RateLimiter::keyed(quota(hour, bursts))),
        })
    }

    fn epoch(&self) -> Result<std::sync::MutexGuard<'_, Epoch>, ApiError> {
        let mut epoch =
            self.epoch.lock().map_err(|_| ApiError::internal(anyhow::anyhow!("rate limiter lock poisoned")))?;
        if epoch.started.elapsed() >= KEY_LIFETIME {
            *epoch = Self::new_epoch(&self.rng, &self.settings, self.client_cases_per_hour)?;
        }
        Ok(epoch)
    }

    /// Whether clients are identified by the reverse proxy's forwarding headers.
    pub fn behind_proxy(&self) -> bool {
        self.settings.behind_proxy
    }

    /// Draws one request from the client's `budget`; `RateLimited` when it is empty. A submission also learns
    /// whether the client is in a burst.
    pub fn draw(&self, peer: Option<IpAddr>, budget: Budget) -> Result<SubmissionQuota, ApiError> {
        let epoch = self.epoch()?;
        let client = client_id(&epoch.key, peer);
        let limiter = match budget {
            Budget::Submission => &epoch.submissions,
            Budget::Lookup => &epoch.lookups,
        };
        let result = limiter.check_key(&client).map_err(rate_limited);
        limiter.retain_recent();
        result?;
        let burst = match (&epoch.bursts, budget) {
            (Some(bursts), Budget::Submission) => {
                let empty = bursts.check_key(&client).is_err();
                bursts.retain_recent();
                empty
            }
            _ => false,
        };
        Ok(SubmissionQuota { client, burst })
    }

    /// Draws `count` hashes from the submitting client's hourly hash budget; `RateLimited` when they do not fit.
    pub fn draw_hashes(&self, quota: &SubmissionQuota, count: usize) -> Result<(), ApiError> {
        let Some(n) = u32::try_from(count).ok().and_then(NonZeroU32::new) else {
            return Ok(());
        };
        let epoch = self.epoch()?;
        let result = match epoch.hashes.check_key_n(&quota.client, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(rate_limited(not_until)),
            Err(_) => Err(ApiError::RateLimited { retry_after_secs: 3600 }),
        };
        epoch.hashes.retain_recent();
        result
    }

    /// Fails while `case_id` is locked after too many wrong secrets.
    pub fn check_case_unlocked(&self, case_id: &str) -> Result<(), ApiError> {
        let failures = self
            .secret_failures
            .lock()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("rate limiter lock poisoned")))?;
        match failures.get(case_id) {
            Some((count, since))
                if *count >= self.settings.secret_failures_per_hour && since.elapsed() < SECRET_FAILURE_WINDOW =>
            {
                Err(ApiError::RateLimited {
                    retry_after_secs: (SECRET_FAILURE_WINDOW - since.elapsed()).as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts one wrong secret for `case_id`.
    pub fn record_secret_failure(&self, case_id: &str) {
        let Ok(mut failures) = self.secret_failures.lock() else {
            return;
        };
        failures.retain(|_, (_, since)| since.elapsed() < SECRET_FAILURE_WINDOW);
        let slot = failures.entry(case_id.to_owned()).or_insert((0, Instant::now()));
        slot.0 += 1;
    }
}

fn rate_limited(not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> ApiError {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
}

fn client_id(key: &hmac::Key, peer: Option<IpAddr>) -> ClientId {
    let bytes = match peer {
        Some(IpAddr::V4(ip)) => ip.to_ipv6_mapped().octets(),
        Some(IpAddr::V6(ip)) => ip.octets(),
        None => [0; 16],
    };
    let tag = hmac::sign(key, &bytes);
    let mut id = [0u8; 16];
    id.copy_from_slice(&tag.as_ref()[..16]);
    id
}

/// Extractor that draws from the client's lookup budget before the handler runs.
#[derive(Debug)]
pub struct LookupQuota;

fn check_request(req: &HttpRequest, budget: Budget) -> Result<SubmissionQuota, ApiError> {
    let service = req
        .app_data::<web::Data<crate::service::Service>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("Service not registered")))?;
    let peer = if service.limits.behind_proxy() {
        req.connection_info().realip_remote_addr().and_then(parse_client_addr)
    } else {
        req.peer_addr().map(|a| a.ip())
    };
    service.limits.draw(peer, budget)
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
    type Future = std::future::Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check_request(req, Budget::Submission))
    }
}

impl FromRequest for LookupQuota {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check_request(req, Budget::Lookup).map(|_| LookupQuota))
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

    #[test]
    fn a_client_runs_out_and_another_does_not() {
        let limits = RateLimits::new(RateLimitSettings { submissions_per_hour: 2, ..Default::default() }, 0).unwrap();
        let a = Some("192.0.2.1".parse().unwrap());
        let b = Some("192.0.2.2".parse().unwrap());
        assert!(limits.draw(a, Budget::Submission).is_ok());
        assert!(limits.draw(a, Budget::Submission).is_ok());
        assert!(matches!(limits.draw(a, Budget::Submission), Err(ApiError::RateLimited { .. })));
        assert!(limits.draw(b, Budget::Submission).is_ok());
    }

    #[test]
    fn a_burst_is_flagged_not_refused_and_hashes_have_their_own_budget() {
        let settings = RateLimitSettings { submissions_per_hour: 10, hashes_per_hour: 5, ..Default::default() };
        let limits = RateLimits::new(settings, 2).unwrap();
        let a = Some("192.0.2.1".parse().unwrap());
        let bursts: Vec<bool> = (0..4).map(|_| limits.draw(a, Budget::Submission).unwrap().burst).collect();
        assert_eq!(bursts, [false, false, true, true]);
        let b = limits.draw(Some("192.0.2.2".parse().unwrap()), Budget::Submission).unwrap();
        assert!(!b.burst, "another client is not in a burst");
        assert!(limits.draw_hashes(&b, 3).is_ok());
        assert!(matches!(limits.draw_hashes(&b, 3), Err(ApiError::RateLimited { .. })), "3 + 3 > 5");
        assert!(limits.draw_hashes(&b, 2).is_ok());
        assert!(matches!(limits.draw_hashes(&b, 6), Err(ApiError::RateLimited { .. })), "more than a whole hour's");
    }

    #[test]
    fn a_case_locks_after_too_many_wrong_secrets() {
        let limits =
            RateLimits::new(RateLimitSettings { secret_failures_per_hour: 3, ..Default::default() }, 0).unwrap();
        for _ in 0..3 {
            assert!(limits.check_case_unlocked("c1").is_ok());
            limits.record_secret_failure("c1");
        }
        assert!(limits.check_case_unlocked("c1").is_err());
        assert!(limits.check_case_unlocked("c2").is_ok());
    }
}
