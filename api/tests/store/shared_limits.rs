//! Budgets live in Redis: two server processes on one Redis give a client one budget, not two.

use disrupt_api::testing::RedisProcess;

use crate::server::{call, field, spawn_server_on};

const CASE: &str = r#"{"category":"adult_ncii","hashes":[{"kind":"md5","hash":"0123456789abcdef0123456789abcdef"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_redis_share_one_budget_per_client() {
    let redis = RedisProcess::start();
    let prefix = redis.settings().key_prefix;
    let env = [
        ("DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR", "2"),
        ("DISRUPT_RATE_LIMITS__LOOKUPS_PER_MINUTE", "6"),
        ("DISRUPT_RATE_LIMITS__SECRET_FAILURES_PER_HOUR", "2"),
        ("DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR", "0"),
    ];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_a, a) = spawn_server_on(&redis, &prefix, dir_a.path(), &env).await;
    let (_b, b) = spawn_server_on(&redis, &prefix, dir_b.path(), &env).await;

    // Submissions: one on each process uses up the client's two.
    let (status, created) = call(a, "POST", "/v1/cases", &[], Some(CASE)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(call(b, "POST", "/v1/cases", &[], Some(CASE)).await.0, 201);
    assert_eq!(call(a, "POST", "/v1/cases", &[], Some(CASE)).await.0, 429, "the budget is shared, not per process");
    assert_eq!(call(b, "POST", "/v1/cases", &[], Some(CASE)).await.0, 429);

    // Wrong secrets: one on each process locks the case everywhere (each also draws a lookup: 2 of 6).
    let (case_id, secret) = (field(&created, "case_id"), field(&created, "case_secret"));
    let path = format!("/v1/cases/{case_id}");
    assert_eq!(call(a, "GET", &path, &[("X-Case-Secret", "wrong")], None).await.0, 401);
    assert_eq!(call(b, "GET", &path, &[("X-Case-Secret", "wrong")], None).await.0, 401);
    assert_eq!(call(a, "GET", &path, &[("X-Case-Secret", &secret)], None).await.0, 429, "locked on every process");

    // Lookups: 3 of 6 drawn so far; three more pass, alternating processes, then the seventh is refused.
    let unknown = "/v1/cases/aaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for port in [b, a, b] {
        assert_eq!(call(port, "GET", unknown, &[("X-Case-Secret", "x")], None).await.0, 404);
    }
    assert_eq!(call(a, "GET", unknown, &[("X-Case-Secret", "x")], None).await.0, 429);
    assert_eq!(call(b, "GET", unknown, &[("X-Case-Secret", "x")], None).await.0, 429);

    // Nothing in Redis names the client's address.
    for value in disrupt_api::testing::every_stored_value(&redis.url()).await {
        assert!(!value.windows(9).any(|w| w == b"127.0.0.1"), "an address is stored");
    }
}
