//! Abuse of the list: flood detection holds suspicious submissions for an analyst (never refuses them), hash
//! budgets refuse, and platforms see which matches no analyst has verified.

use disrupt_client::Client;
use disrupt_openapi::matching::MatchRequest;
use disrupt_openapi::model::{EntryState, HashValue, Role};
use disrupt_openapi::review::{EntryDecisionRequest, HoldReason};

use crate::helpers::{TestApp, eventually, simple_case, simple_case_of, spawn_app_with, unique_pdq};

/// Flips the low `bits` bits of a PDQ hash: a near duplicate, as a re-encoded copy of the image gives.
fn near(value: &HashValue, bits: u32) -> HashValue {
    let HashValue::Pdq { hash, quality, .. } = value else { panic!("a PDQ hash") };
    let mut bytes = hex::decode(hash.to_string()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= u8::try_from((1u32 << bits) - 1).unwrap();
    HashValue::Pdq { hash: hex::encode(bytes).parse().unwrap(), quality: *quality, views: Vec::new() }
}

/// How many live entries the match API finds for `value`, and whether all are reported unverified.
async fn matches(platform: &Client, value: &HashValue) -> (usize, bool) {
    let found = platform
        .match_hashes(&MatchRequest { hashes: vec![value.clone()], lists: None, images: Vec::new() })
        .await
        .unwrap();
    let m = &found.results[0].matches;
    (m.len(), m.iter().all(|e| !e.verified && e.state == EntryState::Pending))
}

/// The state and hold reason of the quarantined entries of `case_id` in the analysts' queue.
async fn held_in_queue(analyst: &Client, case_id: &str) -> Vec<(u64, Option<HoldReason>)> {
    let queue = analyst.review_queue(None, Some(EntryState::Quarantined), Some(100)).await.unwrap();
    queue.items.into_iter().filter(|i| i.case_id == case_id).map(|i| (i.entry_id, i.held_for)).collect()
}

async fn held_metric(app: &TestApp, reason: &str) -> u64 {
    let text =
        reqwest::get(format!("{}/metrics", app.metrics_url.as_deref().unwrap())).await.unwrap().text().await.unwrap();
    let name = format!("disrupt_entries_held_total{{reason=\"{reason}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&name)).map_or(0, |n| n.trim().parse().unwrap())
}

const ONLY_SAME_HASH: &[(&str, &str)] = &[
    ("DISRUPT_FLOOD__SAME_HASH_CASES", "3"),
    ("DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR", "0"),
    ("DISRUPT_FLOOD__CASES_PER_HOUR", "0"),
];

#[tokio::test]
async fn a_hash_already_in_three_other_cases_is_held_and_platforms_never_get_it() {
    let app = spawn_app_with(ONLY_SAME_HASH).await;
    let platform = app.platform("p", &["ncii"]).await;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let target = unique_pdq();

    // Three cases with the image (or re-encoded copies of it) go through, unverified.
    for (n, value) in [target.clone(), near(&target, 3), near(&target, 6)].iter().enumerate() {
        let created = app.client.create_case(&simple_case(value.clone())).await.unwrap();
        let status = app.client.get_case(&created.case_id, &created.case_secret).await.unwrap();
        assert_eq!(status.hashes[0].state, EntryState::Pending);
        eventually(|| async { matches(&platform, &target).await.0 == n + 1 }).await;
    }
    assert_eq!(matches(&platform, &target).await, (3, true), "platforms see that no analyst verified them");

    // The fourth, with an unrelated hash beside it: only the repeated one is held.
    let other = unique_pdq();
    let fourth = app.client.create_case(&simple_case_of(vec![near(&target, 2), other.clone()])).await.unwrap();
    let status = app.client.get_case(&fourth.case_id, &fourth.case_secret).await.unwrap();
    let states: Vec<EntryState> = status.hashes.iter().map(|h| h.state).collect();
    assert_eq!(states, [EntryState::Quarantined, EntryState::Pending]);
    eventually(|| async { matches(&platform, &other).await.0 == 1 }).await;
    assert_eq!(matches(&platform, &target).await.0, 3, "the held entry is not in the match index");

    let held = held_in_queue(&analyst, &fourth.case_id).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].1, Some(HoldReason::RepeatedHash));
    assert_eq!(held_metric(&app, "repeated_hash").await, 1);
    let audit = app.admin.read_audit(None, Some(1000)).await.unwrap();
    let record = audit.records.iter().find(|r| r.entry.action.as_str() == "entries_held").expect("audited");
    assert_eq!(record.entry.target, format!("case:{}", fourth.case_id));
    assert_eq!(record.entry.details.get("reasons").map(String::as_str), Some("repeated_hash:1"));

    // An analyst who looked at it publishes it; the reason stays as history.
    analyst.verify_entries(&EntryDecisionRequest { entry_ids: vec![held[0].0], note: None }).await.unwrap();
    eventually(|| async { matches(&platform, &target).await.0 == 4 }).await;
    let queue = analyst.review_queue(None, Some(EntryState::Quarantined), Some(100)).await.unwrap();
    assert_eq!(queue.total, 0);
}

#[tokio::test]
async fn a_client_in_a_burst_is_held_and_its_hash_budget_refuses() {
    let app = spawn_app_with(&[
        ("DISRUPT_FLOOD__SAME_HASH_CASES", "0"),
        ("DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR", "2"),
        ("DISRUPT_FLOOD__CASES_PER_HOUR", "0"),
        ("DISRUPT_RATE_LIMITS__HASHES_PER_HOUR", "6"),
    ])
    .await;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        cases.push(app.client.create_case(&simple_case(unique_pdq())).await.unwrap());
    }
    for (n, case) in cases.iter().enumerate() {
        let status = app.client.get_case(&case.case_id, &case.case_secret).await.unwrap();
        let expected = if n < 2 { EntryState::Pending } else { EntryState::Quarantined };
        assert_eq!(status.hashes[0].state, expected, "case {n}");
    }
    let held = held_in_queue(&analyst, &cases[2].case_id).await;
    assert_eq!(held[0].1, Some(HoldReason::ClientBurst));
    assert_eq!(held_metric(&app, "client_burst").await, 1);

    // 3 hashes used of 6: four more do not fit, and nothing of that case is written.
    let refused = app.client.create_case(&simple_case_of((0..4).map(|_| unique_pdq()).collect())).await;
    assert_eq!(refused.unwrap_err().code(), Some("rate_limited"));
    assert_eq!(analyst.review_queue(None, None, Some(100)).await.unwrap().total, 2);
}

#[tokio::test]
async fn past_the_service_wide_hourly_count_every_new_case_is_held() {
    let app = spawn_app_with(&[
        ("DISRUPT_FLOOD__SAME_HASH_CASES", "0"),
        ("DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR", "0"),
        ("DISRUPT_FLOOD__CASES_PER_HOUR", "2"),
    ])
    .await;
    let platform = app.platform("p", &["ncii"]).await;
    let values: Vec<HashValue> = (0..3).map(|_| unique_pdq()).collect();
    let mut cases = Vec::new();
    for value in &values {
        cases.push(app.client.create_case(&simple_case(value.clone())).await.unwrap());
    }
    let last = app.client.get_case(&cases[2].case_id, &cases[2].case_secret).await.unwrap();
    assert_eq!(last.hashes[0].state, EntryState::Quarantined);
    assert_eq!(last.delivery.received, 0);
    eventually(|| async { matches(&platform, &values[1]).await.0 == 1 }).await;
    assert_eq!(matches(&platform, &values[2]).await.0, 0);
    let feed = platform.get_hashes(None, None, Some(100)).await.unwrap();
    assert_eq!(feed.records.len(), 2, "the held case never reached the feed");
    assert_eq!(held_metric(&app, "service_surge").await, 1);
}
