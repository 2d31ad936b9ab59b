//! The hotline's side: analysts' review, quarantine, the audit chain, notices and statistics.

use disrupt_client::Client;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::feedback::{FeedbackItem, FeedbackRequest};
use disrupt_openapi::matching::MatchRequest;
use disrupt_openapi::model::{Category, EntryState, FeedbackValue, HashValue, Role};
use disrupt_openapi::notices::{LegalGround, NoticeDecisionRequest, NoticeState, PlatformDecision};
use disrupt_openapi::review::{
    BenignSignal, CaseRejection, EntryDecisionRequest, RejectCaseRequest, RejectEntriesRequest, RejectReason,
    ReviewUrlsRequest, UrlReview,
};

use crate::helpers::{TestApp, eventually, spawn_app, spawn_app_with, unique_md5, unique_pdq};

/// The latest state of every entry in the feed, by hash value.
async fn feed_states(platform: &Client) -> Vec<(HashValue, EntryState)> {
    let mut latest: Vec<(HashValue, EntryState)> = Vec::new();
    let mut cursor = None;
    loop {
        let page = platform.get_hashes(None, cursor.as_deref(), Some(1000)).await.unwrap();
        for r in page.records {
            latest.retain(|(v, _)| *v != r.value);
            latest.push((r.value, r.state));
        }
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return latest;
        }
    }
}

fn state_of(states: &[(HashValue, EntryState)], value: &HashValue) -> Option<EntryState> {
    states.iter().find(|(v, _)| v == value).map(|(_, s)| *s)
}

async fn analyst(app: &TestApp, name: &str) -> Client {
    app.key(name, Role::Analyst, &["ncii"], &[]).await
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let page = app.admin.read_audit(None, Some(1000)).await.unwrap();
    page.records.into_iter().map(|r| (r.entry.action.to_string(), r.entry.target)).collect()
}

#[tokio::test]
async fn an_analyst_verifies_and_rejects_entries_and_the_feed_follows() {
    let app = spawn_app().await;
    let analyst = analyst(&app, "ana").await;
    let platform = app.platform("p", &["ncii"]).await;
    let (keep, drop, md5) = (unique_pdq(), unique_pdq(), unique_md5());
    let (case_id, _) = app.case(vec![keep.clone(), drop.clone(), md5.clone()]).await;

    let queue = analyst.review_queue(None, None, Some(10)).await.unwrap();
    assert_eq!(queue.total, 3);
    assert!(queue.items.iter().all(|i| i.case_id == case_id && i.state == EntryState::Pending && !i.low_quality));
    let ids: Vec<u64> = queue.items.iter().map(|i| i.entry_id).collect();

    // Platforms cannot review; analysts of other lists cannot see these entries.
    let denied = platform.verify_entries(&EntryDecisionRequest { entry_ids: vec![ids[0]], note: None }).await;
    assert_eq!(denied.unwrap_err().code(), Some("forbidden"));

    let verified = analyst.verify_entries(&EntryDecisionRequest { entry_ids: vec![ids[0], ids[2]], note: None }).await;
    assert!(verified.unwrap().entries.iter().all(|e| e.state == EntryState::Verified));
    let needs_note = analyst
        .reject_entries(&RejectEntriesRequest { entry_ids: vec![ids[1]], reason: RejectReason::Other, note: None })
        .await;
    assert_eq!(needs_note.unwrap_err().code(), Some("invalid_request"));
    let rejected = analyst
        .reject_entries(&RejectEntriesRequest {
            entry_ids: vec![ids[1]],
            reason: RejectReason::Duplicate,
            note: Some("same image as an older case".into()),
        })
        .await
        .unwrap();
    assert_eq!(rejected.entries[0].state, EntryState::Rejected);
    assert_eq!(analyst.review_queue(None, None, None).await.unwrap().total, 0);

    let states = feed_states(&platform).await;
    assert_eq!(state_of(&states, &keep), Some(EntryState::Verified));
    assert_eq!(state_of(&states, &md5), Some(EntryState::Verified));
    assert_eq!(state_of(&states, &drop), Some(EntryState::Rejected), "the rejected hash is a tombstone in the feed");
    eventually_unmatched(&platform, &drop).await;

    // A whole case needs two different analysts. The second sees what the first asked, to confirm it knowingly:
    // the confirmation applies the first analyst's reason and note.
    let first =
        RejectCaseRequest { reason: RejectReason::Abuse, note: Some("the same three cases, one sender".into()) };
    let second = analyst.reject_case(&case_id, &first).await.unwrap();
    let CaseRejection::AwaitingSecondAnalyst { reason, note, .. } = &second else { panic!("{second:?}") };
    assert_eq!((reason, note), (&first.reason, &first.note));
    let same = analyst.reject_case(&case_id, &RejectCaseRequest { reason: RejectReason::Abuse, note: None }).await;
    assert_eq!(same.unwrap_err().code(), Some("conflict"));
    let other = crate::hotline::analyst(&app, "bob").await;
    let pending = other.analyst_case(&case_id).await.unwrap().pending_rejection;
    assert_eq!(pending.as_ref(), Some(&second), "the case shows the request to the second analyst");
    let confirmed =
        other.reject_case(&case_id, &RejectCaseRequest { reason: RejectReason::Abuse, note: None }).await.unwrap();
    assert!(matches!(confirmed, CaseRejection::Rejected { entries: 2, .. }), "{confirmed:?}");
    let states = feed_states(&platform).await;
    assert_eq!(state_of(&states, &keep), Some(EntryState::Rejected));

    let actions = audit_actions(&app).await;
    for action in ["entry_verified", "entry_rejected", "case_rejection_requested", "case_rejected", "key_created"] {
        assert!(actions.iter().any(|(a, _)| a == action), "{action} is audited: {actions:?}");
    }
    let log = app.admin.export_audit().await.unwrap();
    assert!(!log.contains(&crate::helpers::hex_of(&keep)), "the audit log holds no hash values");
    assert!(!log.contains("victim@example.org"), "nor contacts");
}

#[tokio::test]
async fn a_hash_platforms_keep_finding_harmless_is_quarantined_and_leaves_the_feed() {
    let app = spawn_app().await;
    let meme = unique_pdq();
    app.case(vec![meme.clone()]).await;
    let watcher = app.platform("watcher", &["ncii"]).await;
    let mut platforms = Vec::new();
    for name in ["a", "b", "c"] {
        platforms.push(app.platform(name, &["ncii"]).await);
    }
    let entry = eventually_match(&platforms[0], &meme).await;
    for p in &platforms {
        p.submit_feedback(&FeedbackRequest {
            feedback: vec![FeedbackItem { entry: entry.clone(), value: FeedbackValue::NotViolating, tags: vec![] }],
        })
        .await
        .unwrap();
    }
    let states = feed_states(&watcher).await;
    assert_eq!(state_of(&states, &meme), Some(EntryState::Quarantined), "quarantine is a tombstone in the feed");
    eventually_unmatched(&watcher, &meme).await;

    let analyst = analyst(&app, "ana").await;
    let queue = analyst.review_queue(None, Some(EntryState::Quarantined), None).await.unwrap();
    assert_eq!(queue.total, 1);
    let item = &queue.items[0];
    assert_eq!(item.signals.not_violating, 3);
    assert!(!item.benign_signals.is_empty());
    assert!(audit_actions(&app).await.iter().any(|(a, _)| a == "entry_quarantined"));

    // The analyst decides it belongs on the list after all: it comes back, verified.
    analyst.verify_entries(&EntryDecisionRequest { entry_ids: vec![item.entry_id], note: None }).await.unwrap();
    let states = feed_states(&watcher).await;
    assert_eq!(state_of(&states, &meme), Some(EntryState::Verified));
}

#[tokio::test]
async fn one_platform_repeating_a_victims_hash_cannot_push_it_off_the_list() {
    let app = spawn_app().await;
    let victims = unique_pdq();
    app.case(vec![victims.clone()]).await;
    let platform = app.platform("one", &["ncii"]).await;
    eventually_match(&platform, &victims).await;
    // Many matches by one platform on one day are not a benign signal (that takes many platforms on many days):
    // every request counts, and the entry stays on the list.
    for _ in 0..1_100 {
        let found = platform
            .match_hashes(&MatchRequest { hashes: vec![victims.clone()], lists: None, images: Vec::new() })
            .await;
        assert_eq!(found.unwrap().results[0].matches.len(), 1);
    }
    let analyst = analyst(&app, "ana").await;
    let queue = analyst.review_queue(None, None, None).await.unwrap();
    assert_eq!(queue.items.len(), 1, "still pending: {queue:?}");
    let item = &queue.items[0];
    assert!(item.benign_signals.is_empty(), "{:?}", item.benign_signals);
    assert_eq!((item.signals.match_platforms, item.signals.match_days), (1, 1), "{:?}", item.signals);
    assert!(item.signals.matches >= 1_100, "raw matches are still shown: {:?}", item.signals);
    assert!(!audit_actions(&app).await.iter().any(|(a, _)| a == "entry_quarantined"));
}

#[tokio::test]
async fn matches_from_enough_distinct_platforms_quarantine_a_pending_entry() {
    // Days cannot pass in a test: one day is made enough, the platforms are counted as in production.
    let app = spawn_app_with(&[("DISRUPT_HOTLINE__BENIGN__MIN_MATCH_DAYS", "1")]).await;
    let meme = unique_pdq();
    app.case(vec![meme.clone()]).await;
    let mut platforms = Vec::new();
    for name in ["a", "b", "c", "d", "e"] {
        platforms.push(app.platform(name, &["ncii"]).await);
    }
    eventually_match(&platforms[0], &meme).await;
    let analyst = analyst(&app, "ana").await;
    for (i, platform) in platforms.iter().enumerate() {
        for _ in 0..3 {
            platform
                .match_hashes(&MatchRequest { hashes: vec![meme.clone()], lists: None, images: Vec::new() })
                .await
                .unwrap();
        }
        let held = analyst.review_queue(None, Some(EntryState::Quarantined), None).await.unwrap();
        assert_eq!(held.total, u64::from(i == platforms.len() - 1), "after {} platforms", i + 1);
    }
    let held = analyst.review_queue(None, Some(EntryState::Quarantined), None).await.unwrap();
    assert_eq!(held.items[0].signals.match_platforms, 5);
    assert!(
        matches!(held.items[0].benign_signals[..], [BenignSignal::WidespreadMatches { platforms: 5, days: 1, .. }]),
        "{:?}",
        held.items[0].benign_signals
    );
}

/// Waits until `value` matches nothing for `platform` (the match index follows the store with a small lag).
async fn eventually_unmatched(platform: &Client, value: &HashValue) {
    let request = MatchRequest { hashes: vec![value.clone()], lists: None, images: Vec::new() };
    eventually(|| async { platform.match_hashes(&request).await.unwrap().results[0].matches.is_empty() }).await;
}

async fn eventually_match(platform: &Client, value: &HashValue) -> String {
    for _ in 0..100 {
        let found = platform
            .match_hashes(&MatchRequest { hashes: vec![value.clone()], lists: None, images: Vec::new() })
            .await
            .unwrap();
        if let Some(m) = found.results[0].matches.first() {
            return m.entry.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never matched");
}

#[tokio::test]
async fn tampering_with_one_audit_entry_in_redis_is_detected_by_the_verify_command() {
    let app = spawn_app().await;
    let analyst = analyst(&app, "ana").await;
    let (case_id, secret) = app.case(vec![unique_pdq()]).await;
    let queue = analyst.review_queue(None, None, None).await.unwrap();
    analyst
        .verify_entries(&EntryDecisionRequest { entry_ids: vec![queue.items[0].entry_id], note: None })
        .await
        .unwrap();
    app.client.withdraw_case(&case_id, &secret).await.unwrap();

    let settings = disrupt_api::settings::Settings::from_vars([
        ("DISRUPT_REDIS_URL".to_owned(), app.redis_url.clone()),
        ("DISRUPT_SERVER_KEY".to_owned(), "ab".repeat(32)),
    ])
    .unwrap();
    let summary = disrupt_api::admin_cli::run_verify_audit(&settings, None).await.unwrap();
    assert!(summary.starts_with("audit log verified"), "{summary}");
    assert!(app.admin.verify_audit().await.unwrap().ok);
    let export = app.admin.export_audit().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.jsonl");
    std::fs::write(&file, &export).unwrap();
    disrupt_api::admin_cli::run_verify_audit(&settings, Some(&file)).await.unwrap();

    // Someone with access to Redis rewrites the analyst's verification as a rejection.
    let log_key = app.store.audit_log().log_key().to_owned();
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let lines: Vec<String> = redis::cmd("LRANGE").arg(&log_key).arg(0).arg(-1).query_async(&mut conn).await.unwrap();
    let index = lines.iter().position(|l| l.contains("entry_verified")).unwrap();
    let forged = lines[index].replace("entry_verified", "entry_rejected");
    let _: () = redis::cmd("LSET").arg(&log_key).arg(index).arg(forged).query_async(&mut conn).await.unwrap();

    let verdict = app.admin.verify_audit().await.unwrap();
    assert!(!verdict.ok);
    assert_eq!(verdict.broken_at, Some(index as u64 + 1), "{verdict:?}");
    let err = disrupt_api::admin_cli::run_verify_audit(&settings, None).await.unwrap_err();
    assert!(format!("{err:#}").contains(&format!("seq {}", index + 1)), "{err:#}");

    // Removing an entry is detected too, and so is a tampered export.
    std::fs::write(&file, export.replacen("case_withdrawn", "case_created", 1)).unwrap();
    assert!(disrupt_api::admin_cli::run_verify_audit(&settings, Some(&file)).await.is_err());
    let _: () = redis::cmd("LSET").arg(&log_key).arg(index).arg(&lines[index]).query_async(&mut conn).await.unwrap();
    assert!(app.admin.verify_audit().await.unwrap().ok, "restored");
    let _: () = redis::cmd("LREM").arg(&log_key).arg(1).arg(&lines[0]).query_async(&mut conn).await.unwrap();
    assert!(!app.admin.verify_audit().await.unwrap().ok);
}

#[tokio::test]
async fn a_notice_is_produced_per_host_sent_acknowledged_closed_and_reminded() {
    let app = spawn_app_with(&[
        ("DISRUPT_HOTLINE__REMINDER_CHECK_SECS", "1"),
        ("DISRUPT_HOTLINE__NOTIFIER__NAME", "Point de Contact"),
        ("DISRUPT_HOTLINE__NOTIFIER__EMAIL", "notices@pointdecontact.example"),
        ("DISRUPT_HOTLINE__NOTIFIER__SIGNATORY", "Jeanne Martin"),
    ])
    .await;
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            category: Category::Deepfake,
            hashes: vec![unique_pdq()],
            urls: vec![
                "https://www.video-host.example/v/123".into(),
                "https://video-host.example/v/456?t=3".into(),
                "https://forum.example/thread/9".into(),
                "not a url at all".into(),
            ],
            contact: Some("victim@example.org".into()),
            declarations: None,
        })
        .await
        .unwrap();
    let analyst = analyst(&app, "ana").await;
    let host = app.key("video host", Role::Platform, &["ncii"], &["video-host.example"]).await;
    let stranger = app.key("stranger", Role::Platform, &["ncii"], &["elsewhere.example"]).await;

    let case = analyst.analyst_case(&created.case_id).await.unwrap();
    assert_eq!(case.urls.len(), 4);
    assert!(case.has_contact);
    let bad = analyst
        .review_urls(
            &created.case_id,
            &ReviewUrlsRequest { confirm: vec![3], dismiss: vec![], lang: None, ground: None, contacts: vec![] },
        )
        .await;
    assert_eq!(bad.unwrap_err().code(), Some("invalid_request"), "a non-URL cannot go into a notice");
    let reviewed = analyst
        .review_urls(
            &created.case_id,
            &ReviewUrlsRequest { confirm: vec![0, 1, 2], dismiss: vec![3], lang: None, ground: None, contacts: vec![] },
        )
        .await
        .unwrap();
    assert_eq!(
        reviewed.urls.iter().map(|u| u.review).collect::<Vec<_>>(),
        [UrlReview::Confirmed, UrlReview::Confirmed, UrlReview::Confirmed, UrlReview::Dismissed]
    );
    assert_eq!(reviewed.notices.len(), 2, "one notice per host");
    let notice = reviewed.notices.iter().find(|n| n.host == "video-host.example").unwrap();
    assert_eq!(notice.urls.len(), 2);
    assert_eq!(notice.ground, LegalGround::SexualDeepfake);
    for needed in ["226-8-1", "https://www.video-host.example/v/123", "Point de Contact", "Jeanne Martin"] {
        assert!(notice.body.contains(needed), "the notice names {needed}:\n{}", notice.body);
    }
    assert!(!notice.body.contains("victim@example.org"), "never the victim's identity");

    // Drafts are the hotline's; once sent, only the platform serving the host reads it.
    assert!(host.list_notices(None).await.unwrap().notices.is_empty());
    analyst.send_notice(&notice.id).await.unwrap();
    let seen = host.list_notices(None).await.unwrap().notices;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].case_id, None, "platforms never see the case id");
    assert_eq!(stranger.get_notice(&notice.id).await.unwrap_err().code(), Some("not_found"));
    assert_eq!(host.acknowledge_notice(&notice.id).await.unwrap().state, NoticeState::Acknowledged);
    let closed = host
        .decide_notice(
            &notice.id,
            &NoticeDecisionRequest { decision: PlatformDecision::Removed, reason: Some("removed".into()) },
        )
        .await
        .unwrap();
    assert_eq!(closed.state, NoticeState::Removed);
    assert!(closed.time_to_removal_ms.is_some());
    let change = host
        .decide_notice(&notice.id, &NoticeDecisionRequest { decision: PlatformDecision::Rejected, reason: None })
        .await;
    assert_eq!(change.unwrap_err().code(), Some("conflict"));

    // The other notice is sent and left unanswered: after 48 hours the server reminds the platform. The test
    // moves its sending time back 49 hours in Redis.
    let other = reviewed.notices.iter().find(|n| n.host == "forum.example").unwrap();
    analyst.send_notice(&other.id).await.unwrap();
    let key = format!("disrupt:{{n}}:notice:{}", other.id);
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let json: String = redis::cmd("HGET").arg(&key).arg("json").query_async(&mut conn).await.unwrap();
    let mut stored: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sent = stored["timeline"]["sent_at"].as_u64().unwrap();
    stored["timeline"]["sent_at"] = (sent - 49 * 3600 * 1000).into();
    let _: () = redis::cmd("HSET").arg(&key).arg("json").arg(stored.to_string()).query_async(&mut conn).await.unwrap();
    eventually(|| async { analyst.get_notice(&other.id).await.unwrap().reminders == 1 }).await;

    let actions = audit_actions(&app).await;
    for action in ["url_reviewed", "notice_produced", "notice_updated"] {
        assert!(actions.iter().any(|(a, _)| a == action), "{action} is audited");
    }
    let report = app.admin.trusted_flagger_report(disrupt_hotline::time::year_of(sent)).await.unwrap();
    assert!(report.starts_with("hosting_provider,content_type,removed,rejected,no_decision,total"), "{report}");
}

#[tokio::test]
async fn statistics_never_show_a_cell_below_the_minimum() {
    let app = spawn_app().await;
    for _ in 0..6 {
        app.case(vec![unique_pdq(), unique_md5()]).await;
    }
    for _ in 0..2 {
        app.client
            .create_case(&CreateCaseRequest {
                category: Category::Deepfake,
                hashes: vec![unique_pdq()],
                urls: vec![],
                contact: None,
                declarations: None,
            })
            .await
            .unwrap();
    }
    let stats = app.client.statistics().await.unwrap();
    assert_eq!(stats.minimum, 5);
    let json = serde_json::to_value(&stats).unwrap();
    fn walk(v: &serde_json::Value, path: &str) {
        match v {
            serde_json::Value::Number(n) if !path.ends_with("minimum") && !path.ends_with("computed_at") => {
                assert!(n.as_u64().is_some_and(|n| n >= 5), "{path} = {n}");
            }
            serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, &format!("{path}.{k}"))),
            _ => {}
        }
    }
    walk(&json, "");
    let deepfake = stats.cases_by_category.items.iter().find(|i| i.key == "deepfake").unwrap();
    assert_eq!(deepfake.count, None, "2 deepfake cases are too few to show");
    let pdq_row = stats.hashes_by_kind_and_state.rows.iter().position(|r| r == "pdq").unwrap();
    assert_eq!(stats.hashes_by_kind_and_state.cells[pdq_row][0], Some(8), "8 pending PDQ hashes");

    let page = reqwest::get(format!("{}/stats", app.base_url)).await.unwrap();
    let csp = page.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("&lt;5") && !html.contains("<script"), "{html}");
}
