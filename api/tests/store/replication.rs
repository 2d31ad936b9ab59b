//! Promised writes wait for a replica: what the API acknowledges survives the loss of the master.

use disrupt_api::testing::RedisProcess;

use crate::server::{call, field, spawn_server_on};

const CASE: &str = r#"{"category":"adult_ncii","hashes":[{"kind":"md5","hash":"00112233445566778899aabbccddeeff"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_no_replica_holds_is_answered_503_and_acknowledged_once_one_does() {
    let master = RedisProcess::start();
    let replica = RedisProcess::start_replica_of(&master);
    let prefix = master.settings().key_prefix;
    let env = [("DISRUPT_REPLICATION__WAIT_FOR", "auto"), ("DISRUPT_REPLICATION__TIMEOUT_MS", "300")];
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = spawn_server_on(&master, &prefix, dir.path(), &env).await;
    let (status, created) = call(port, "POST", "/v1/cases", &[], Some(CASE)).await;
    assert_eq!(status, 201, "{created}");
    let (case_id, secret) = (field(&created, "case_id"), field(&created, "case_secret"));
    let path = format!("/v1/cases/{case_id}");

    // The replica stops taking anything: no promise may be made on the master's word alone.
    replica.pause();
    let (status, body) = call(port, "DELETE", &path, &[("X-Case-Secret", &secret)], None).await;
    assert_eq!((status, field(&body, "code").as_str()), (503, "store_unavailable"), "{body}");
    let (status, body) = call(port, "POST", "/v1/cases", &[], Some(CASE)).await;
    assert_eq!((status, field(&body, "code").as_str()), (503, "store_unavailable"), "{body}");

    // Once it runs again, the victim's retry is acknowledged, and the replica holds the withdrawal.
    replica.resume();
    let (status, body) = call(port, "DELETE", &path, &[("X-Case-Secret", &secret)], None).await;
    assert_eq!(status, 200, "{body}");
    let client = redis::Client::open(replica.url().as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let state: Option<String> = redis::cmd("HGET")
        .arg(format!("{prefix}{{l:ncii}}:c:{case_id}"))
        .arg("state")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(state.as_deref(), Some("withdrawn"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_replicas_auto_waits_for_none() {
    let redis = RedisProcess::start();
    let prefix = redis.settings().key_prefix;
    let env = [("DISRUPT_REPLICATION__WAIT_FOR", "auto"), ("DISRUPT_REPLICATION__TIMEOUT_MS", "60000")];
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = spawn_server_on(&redis, &prefix, dir.path(), &env).await;
    let started = std::time::Instant::now();
    let (status, created) = call(port, "POST", "/v1/cases", &[], Some(CASE)).await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/v1/cases/{}", field(&created, "case_id"));
    let secret = field(&created, "case_secret");
    assert_eq!(call(port, "DELETE", &path, &[("X-Case-Secret", &secret)], None).await.0, 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "no wait for replicas that do not exist");
}
