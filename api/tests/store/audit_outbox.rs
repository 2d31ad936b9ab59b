//! An action and its audit record are one write: when the append to the chain fails, the record waits in the
//! outbox beside the action and reaches the chain later, once, with the chain still verifying.

use std::time::{Duration, Instant};

use disrupt_api::store::audit::AuditEvent;
use disrupt_api::store::notices::NoticeKeys;
use disrupt_api::store::{Store, StoreError, StreamId};
use disrupt_api::testing::RedisProcess;
use disrupt_hotline::audit::{ActorRole, AuditAction, AuditActor};
use disrupt_hotline::review::{PendingCaseRejection, Rejection};
use disrupt_hotline::time::now_ms;
use disrupt_openapi::review::RejectReason;

use crate::helpers::{case, platform_key, publish, stored_notice};
use crate::server::{call, field, spawn_server_on};

const ADMIN_KEY: &str = "dk_00000000000000ad_c2VjcmV0LXBhcnQtb2YtdGhlLWJvb3RzdHJhcC1rZXk";
const CASE: &str = r#"{"category":"adult_ncii","hashes":[{"kind":"md5","hash":"0123456789abcdef0123456789abcdef"}]}"#;

/// The audit chain made to refuse every append: its head key given the wrong type, as a failing Redis call would.
struct BrokenChain {
    conn: redis::aio::MultiplexedConnection,
    head_key: String,
    head: Option<String>,
}

impl BrokenChain {
    async fn break_it(redis: &RedisProcess, prefix: &str) -> Self {
        let head_key = format!("{prefix}{{audit}}:head");
        let client = redis::Client::open(redis.url().as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let head: Option<String> = redis::cmd("GET").arg(&head_key).query_async(&mut conn).await.unwrap();
        let _: () = redis::cmd("DEL").arg(&head_key).query_async(&mut conn).await.unwrap();
        let _: () = redis::cmd("HSET").arg(&head_key).arg("broken").arg(1).query_async(&mut conn).await.unwrap();
        BrokenChain { conn, head_key, head }
    }

    /// Puts the head back as it was.
    async fn mend(mut self) {
        let _: () = redis::cmd("DEL").arg(&self.head_key).query_async(&mut self.conn).await.unwrap();
        if let Some(head) = self.head {
            let _: () = redis::cmd("SET").arg(&self.head_key).arg(head).query_async(&mut self.conn).await.unwrap();
        }
    }
}

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

    let broken = BrokenChain::break_it(&redis, &prefix).await;

    // The actions hold, their records written beside them in the same step.
    let verify = format!(r#"{{"entry_ids":[{entry_id}]}}"#);
    let (status, body) =
        call(port, "POST", "/v1/review/entries/verify", &[("Authorization", &analyst)], Some(&verify)).await;
    assert_eq!(status, 200, "{body}");
    let path = format!("/v1/cases/{case_id}");
    let (status, body) = call(port, "DELETE", &path, &[("X-Case-Secret", &secret)], None).await;
    assert_eq!(status, 200, "{body}");

    broken.mend().await;
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

/// Waits until every (action, target) of `wanted` is in the chain, then checks each is there once and that the
/// chain verifies.
async fn records_reach_the_chain_once(port: u16, admin: &str, wanted: &[(&str, String)]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let actions = audit_actions(port, admin).await;
        if wanted.iter().all(|(a, t)| actions.iter().any(|(action, target)| action == a && target == t)) {
            break;
        }
        assert!(Instant::now() < deadline, "records never reached the chain: {actions:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let actions = audit_actions(port, admin).await;
    for (a, t) in wanted {
        assert_eq!(actions.iter().filter(|(action, target)| action == a && target == t).count(), 1, "{a} {t} once");
    }
    let (status, verdict) = call(port, "GET", "/v1/admin/audit/verify", &[("Authorization", admin)], None).await;
    assert_eq!(status, 200, "{verdict}");
    let verdict_ok = serde_json::from_str::<serde_json::Value>(&verdict).unwrap()["ok"].as_bool();
    assert_eq!(verdict_ok, Some(true), "{verdict}");
}

/// Every action of the API's write routes carries its record, on whichever slot its keys live: API keys and lists
/// (the global slot), URL reviews, case rejections and deletions delivered (the list's), notices (theirs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_hotline_and_feed_actions_hold_while_the_chain_refuses_appends_and_their_records_follow() {
    let redis = RedisProcess::start();
    let prefix = redis.settings().key_prefix;
    let env = [
        ("DISRUPT_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY),
        ("DISRUPT_PUBLICATION__MIN_CASES", "1"),
        ("DISRUPT_PUBLICATION__MAX_WAIT_SECS", "0"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = spawn_server_on(&redis, &prefix, dir.path(), &env).await;
    let admin = format!("Bearer {ADMIN_KEY}");
    let auth = |key: &str| format!("Bearer {key}");
    let make_key = |body: &'static str| {
        let admin = admin.clone();
        async move {
            let (status, made) = call(port, "POST", "/v1/admin/keys", &[("Authorization", &admin)], Some(body)).await;
            assert_eq!(status, 201, "{made}");
            made
        }
    };
    let first = make_key(r#"{"name":"ana","role":"analyst","lists":["ncii"]}"#).await;
    let second = make_key(r#"{"name":"bob","role":"analyst","lists":["ncii"]}"#).await;
    let platform = make_key(r#"{"name":"p","role":"platform","lists":["ncii"],"hosts":["host.example"]}"#).await;
    let (first, second, platform) =
        (auth(&field(&first, "key")), auth(&field(&second, "key")), auth(&field(&platform, "key")));
    let with_urls = r#"{"category":"adult_ncii","hashes":[{"kind":"md5","hash":"00112233445566778899aabbccddeeff"}],"urls":["https://host.example/v/1"]}"#;
    let (status, created) = call(port, "POST", "/v1/cases", &[], Some(with_urls)).await;
    assert_eq!(status, 201, "{created}");
    let rejected_case = field(&created, "case_id");
    let (status, created) = call(port, "POST", "/v1/cases", &[], Some(CASE)).await;
    assert_eq!(status, 201, "{created}");
    let (withdrawn_case, secret) = (field(&created, "case_id"), field(&created, "case_secret"));
    let (status, page) = call(port, "GET", "/v1/hashes", &[("Authorization", &platform)], None).await;
    assert_eq!(status, 200, "{page}");
    let cursor = field(&page, "next_cursor");
    let withdraw = format!("/v1/cases/{withdrawn_case}");
    assert_eq!(call(port, "DELETE", &withdraw, &[("X-Case-Secret", &secret)], None).await.0, 200);

    let broken = BrokenChain::break_it(&redis, &prefix).await;

    // The actions hold, their records written beside them in the same step.
    let made = make_key(r#"{"name":"carol","role":"analyst","lists":["ncii"]}"#).await;
    let made_id = serde_json::from_str::<serde_json::Value>(&made).unwrap()["info"]["id"].as_str().unwrap().to_owned();
    let (status, body) =
        call(port, "DELETE", &format!("/v1/admin/keys/{made_id}"), &[("Authorization", &admin)], None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        call(port, "POST", "/v1/admin/lists", &[("Authorization", &admin)], Some(r#"{"name":"csam"}"#)).await;
    assert_eq!(status, 201, "{body}");
    let review = format!("/v1/review/cases/{rejected_case}/urls");
    let (status, reviewed) =
        call(port, "POST", &review, &[("Authorization", &first)], Some(r#"{"confirm":[0]}"#)).await;
    assert_eq!(status, 200, "{reviewed}");
    let reviewed: serde_json::Value = serde_json::from_str(&reviewed).unwrap();
    let notice_id = reviewed["notices"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) =
        call(port, "POST", &format!("/v1/notices/{notice_id}/send"), &[("Authorization", &first)], None).await;
    assert_eq!(status, 200, "{body}");
    let reject = format!("/v1/review/cases/{rejected_case}/reject");
    for analyst in [&first, &second] {
        let (status, body) =
            call(port, "POST", &reject, &[("Authorization", analyst)], Some(r#"{"reason":"abuse"}"#)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, page) =
        call(port, "GET", &format!("/v1/hashes?cursor={cursor}"), &[("Authorization", &platform)], None).await;
    assert_eq!(status, 200, "{page}");

    broken.mend().await;
    let wanted = [
        ("key_created", format!("key:{made_id}")),
        ("key_revoked", format!("key:{made_id}")),
        ("list_created", "list:csam".to_owned()),
        ("url_reviewed", format!("case:{rejected_case}")),
        ("notice_produced", format!("notice:{notice_id}")),
        ("notice_updated", format!("notice:{notice_id}")),
        ("case_rejection_requested", format!("case:{rejected_case}")),
        ("case_rejected", format!("case:{rejected_case}")),
        ("deletion_delivered", format!("case:{withdrawn_case}")),
    ];
    records_reach_the_chain_once(port, &admin, &wanted).await;
}

/// Every store action that carries a record leaves it, in the same step, in the outbox of its own keys' slot (the
/// store chains nothing itself): API keys and lists in the global one, notices in theirs, URL reviews, case
/// rejections, deliveries of deletions and purges in the list's. An action that did nothing leaves nothing. The
/// drain then chains each record once. Shared with the cluster test, where these slots lie on different masters.
pub async fn actions_leave_their_records_beside_them(store: &Store) {
    let admin = AuditActor::key("k_admin", ActorRole::Admin);
    let by_admin = |action, target: &str| Some(AuditEvent::new(admin.clone(), action, target));
    let key = platform_key("k1");
    store.create_api_key_audited(&key, by_admin(AuditAction::KeyCreated, "key:k1")).await.unwrap();
    let again = store.create_api_key_audited(&key, by_admin(AuditAction::KeyCreated, "key:k1")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    store.revoke_api_key_audited("k1", by_admin(AuditAction::KeyRevoked, "key:k1")).await.unwrap();
    store.revoke_api_key_audited("k1", by_admin(AuditAction::KeyRevoked, "key:k1")).await.unwrap();
    store.create_list_audited("csam", by_admin(AuditAction::ListCreated, "list:csam")).await.unwrap();
    let again = store.create_list_audited("csam", by_admin(AuditAction::ListCreated, "list:csam")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));

    let kept = store.create_case(case("ncii", 1, 1)).await.unwrap();
    let gone = store.create_case(case("ncii", 2, 2)).await.unwrap();
    let notice = NoticeKeys { id: "n1", created_at: now_ms(), list: "ncii", case_id: &kept.case_id, host: "a.example" };
    let stored = stored_notice("n1", &kept.case_id, "a.example", "https://a.example/1");
    store.create_notice(notice, &stored, by_admin(AuditAction::NoticeProduced, "notice:n1")).await.unwrap();
    let sent = Some(("a.example", notice.created_at));
    let stale =
        store.update_notice("n1", 7, &stored, sent, None, by_admin(AuditAction::NoticeUpdated, "notice:n1")).await;
    assert!(!stale.unwrap(), "a stale version changes nothing");
    let updated =
        store.update_notice("n1", 1, &stored, sent, None, by_admin(AuditAction::NoticeUpdated, "notice:n1")).await;
    assert!(updated.unwrap());

    let on_kept = |action| AuditEvent::new(admin.clone(), action, format!("case:{}", kept.case_id));
    store.set_url_reviews("ncii", &kept.case_id, &[], &[], 0, on_kept(AuditAction::UrlReviewed)).await.unwrap();
    let missing = store.set_url_reviews("ncii", "no-such-case", &[], &[], 0, on_kept(AuditAction::UrlReviewed));
    assert!(matches!(missing.await, Err(StoreError::NotFound { .. })), "no partial case is made");
    let pending = PendingCaseRejection {
        requested_by: "analyst-1".into(),
        rejection: Rejection { reason: RejectReason::NotIntimate, note: None },
        requested_at: now_ms(),
    };
    let request = |store: &Store| {
        let event = on_kept(AuditAction::CaseRejectionRequested);
        let id = kept.case_id.clone();
        let store = store.clone();
        let pending = pending.clone();
        async move { store.request_case_rejection("ncii", &id, &pending, 60_000, event).await.unwrap() }
    };
    assert!(request(store).await);
    assert!(!request(store).await, "one request waits at a time");
    store.clear_case_rejection("ncii", &kept.case_id, on_kept(AuditAction::CaseRejected)).await.unwrap();

    publish(store, "ncii").await;
    let platform = AuditActor::key("p", ActorRole::Platform);
    let fetched = store.feed_head("ncii").await.unwrap();
    store.record_position_audited("ncii", "p", StreamId::ZERO, fetched, Some(platform.clone())).await.unwrap();
    store.withdraw_case(&gone.case_id).await.unwrap();
    let tombstones = store.feed_head("ncii").await.unwrap();
    for _ in 0..2 {
        store.record_position_audited("ncii", "p", fetched, tombstones, Some(platform.clone())).await.unwrap();
    }
    let later = now_ms() + store.feed_retention().as_millis() as u64 + 1000;
    store.trim_feed("ncii", later).await.unwrap();
    assert_eq!(store.purge_withdrawn("ncii", later).await.unwrap(), 1);

    assert!(store.read_audit(1, 100).await.unwrap().is_empty(), "the store chains nothing itself");
    let on = |id: &str| format!("case:{id}");
    let wanted = [
        ("key_created", "key:k1".to_owned()),
        ("key_revoked", "key:k1".to_owned()),
        ("list_created", "list:csam".to_owned()),
        ("notice_produced", "notice:n1".to_owned()),
        ("notice_updated", "notice:n1".to_owned()),
        ("url_reviewed", on(&kept.case_id)),
        ("case_rejection_requested", on(&kept.case_id)),
        ("case_rejected", on(&kept.case_id)),
        ("deletion_delivered", on(&gone.case_id)),
        ("cases_purged", on(&gone.case_id)),
    ];
    assert_eq!(store.drain_all_audit().await.unwrap(), wanted.len());
    let chained: Vec<(String, String)> = store
        .read_audit(1, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (serde_json::to_value(e.entry.action).unwrap().as_str().unwrap().to_owned(), e.entry.target))
        .collect();
    let wanted: Vec<(String, String)> = wanted.into_iter().map(|(a, t)| (a.to_owned(), t)).collect();
    assert_eq!(chained, wanted, "each outbox in its actions' order: the global one, the notices', then each list's");
    assert_eq!(store.drain_all_audit().await.unwrap(), 0);
    assert_eq!(store.verify_audit().await.unwrap().seq, 10);
}

#[tokio::test]
async fn store_actions_leave_their_records_beside_them() {
    let (_redis, store) = crate::helpers::store().await;
    actions_leave_their_records_beside_them(&store).await;
}
