//! An action and its audit record are one write: when the append to the chain fails, the record waits in the
//! outbox beside the action and reaches the chain later, once, with the chain still verifying.

use std::time::{Duration, Instant};

use disrupt_api::testing::RedisProcess;

use crate::server::{call, field, spawn_server_on};

const ADMIN_KEY: &str = "dk_00000000000000ad_c2VjcmV0LXBhcnQtb2YtdGhlLWJvb3RzdHJhcC1rZXk";
const CASE: &str = r#"{"category":"adult_ncii","hashes":[{"kind":"md5","hash":"0123456789abcdef0123456789abcdef"}]}"#;

/// (action, target) of every record in the log.
async fn audit_actions(port: u16, admin: &str) -> Vec<(String, String)> {
    let (status, page) = call(port, "GET", "/v1/admin/audit?limit=1000", &[("Authorization", admin)], None).await;
    assert_eq!(status, 200, "{page}");
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["entry"]["action"].as_str().unwrap().to_owned(), r["entry"]["target"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_whose_audit_append_fails_still_get_their_records_once_and_the_chain_verifies() {
    let redis = RedisProcess::start();
    let prefix = redis.settings().key_prefix;
    let env = [("DISRUPT_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)];
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = spawn_server_on(&redis, &prefix, dir.path(), &env).await;
    let admin = format!("Bearer {ADMIN_KEY}");
    let (status, made) = call(
        port,
        "POST",
        "/v1/admin/keys",
        &[("Authorization", &admin)],
        Some(r#"{"name":"ana","role":"analyst","lists":["ncii"]}"#),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let analyst = format!("Bearer {}", field(&made, "key"));
    let (status, created) = call(port, "POST", "/v1/cases", &[], Some(CASE)).await;
    assert_eq!(status, 201, "{created}");
    let (case_id, secret) = (field(&created, "case_id"), field(&created, "case_secret"));
    let (_, queue) = call(port, "GET", "/v1/review/queue", &[("Authorization", &analyst)], None).await;
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    let entry_id = queue["items"][0]["entry_id"].as_u64().unwrap();

    // Every append to the chain fails while its head key has the wrong type, as a failing Redis call would.
    let head_key = format!("{prefix}{{audit}}:head");
    let client = redis::Client::open(redis.url().as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let head: Option<String> = redis::cmd("GET").arg(&head_key).query_async(&mut conn).await.unwrap();
    let _: () = redis::cmd("DEL").arg(&head_key).query_async(&mut conn).await.unwrap();
    let _: () = redis::cmd("HSET").arg(&head_key).arg("broken").arg(1).query_async(&mut conn).await.unwrap();

    // The actions hold, their records written beside them in the same step.
    let verify = format!(r#"{{"entry_ids":[{entry_id}]}}"#);
    let (status, body) =
        call(port, "POST", "/v1/review/entries/verify", &[("Authorization", &analyst)], Some(&verify)).await;
    assert_eq!(status, 200, "{body}");
    let path = format!("/v1/cases/{case_id}");
    let (status, body) = call(port, "DELETE", &path, &[("X-Case-Secret", &secret)], None).await;
    assert_eq!(status, 200, "{body}");

    let _: () = redis::cmd("DEL").arg(&head_key).query_async(&mut conn).await.unwrap();
    if let Some(head) = head {
        let _: () = redis::cmd("SET").arg(&head_key).arg(head).query_async(&mut conn).await.unwrap();
    }
    let wanted = [("entry_verified", format!("entry:{entry_id}")), ("case_withdrawn", format!("case:{case_id}"))];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let actions = audit_actions(port, &admin).await;
        if wanted.iter().all(|(a, t)| actions.iter().any(|(action, target)| action == a && target == t)) {
            break;
        }
        assert!(Instant::now() < deadline, "records never reached the chain: {actions:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A retry finds the work done and adds nothing; each record is in the chain once.
    assert_eq!(call(port, "DELETE", &path, &[("X-Case-Secret", &secret)], None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let actions = audit_actions(port, &admin).await;
    for (a, t) in &wanted {
        assert_eq!(actions.iter().filter(|(action, target)| action == a && target == t).count(), 1, "{a} once");
    }
    let (status, verdict) = call(port, "GET", "/v1/admin/audit/verify", &[("Authorization", &admin)], None).await;
    assert_eq!(status, 200, "{verdict}");
    let verdict_ok = serde_json::from_str::<serde_json::Value>(&verdict).unwrap()["ok"].as_bool();
    assert_eq!(verdict_ok, Some(true), "{verdict}");
}
