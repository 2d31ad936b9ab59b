//! Round trips of lists, cases, entries, feedback and API keys; atomicity of case writes.

use disrupt_api::store::{
    CaseState, EntryState, FeedbackValue, HoldReason, StoreError,
    keys::{self, Keys},
};
use redis::AsyncCommands;

use crate::helpers::{case, pdq, platform_key, publish, store};

#[tokio::test]
async fn a_created_case_reads_back_whole() {
    let (_redis, store) = store().await;
    let created = store.create_case(case("ncii", 1, 3)).await.unwrap();
    assert_eq!(created.entry_ids.len(), 3);
    let view = store.get_case(&created.case_id).await.unwrap().expect("case");
    assert_eq!(view.case.id, created.case_id);
    assert_eq!(view.case.state, CaseState::Active);
    assert_eq!(view.case.entry_ids, created.entry_ids);
    assert_eq!(view.case.secret_hash, vec![7; 32]);
    assert_eq!(view.case.contact.as_deref(), Some("victim@example.invalid"));
    assert_eq!(view.case.urls, ["https://example.invalid/a"]);
    let hashes: Vec<_> = view.entries.iter().map(|e| e.hash.clone()).collect();
    assert_eq!(hashes, [pdq(1), pdq(2), pdq(3)]);
    assert!(view.entries.iter().all(|e| e.state == EntryState::Pending && e.case_id == created.case_id));
    let entry = store.get_entry(created.entry_ids[1]).await.unwrap().expect("entry");
    assert_eq!(entry.quality, Some(90));
    assert_eq!(entry.list, "ncii");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let (_redis, store) = store().await;
    assert!(store.get_case("nope").await.unwrap().is_none());
    assert!(store.get_case(&"a".repeat(29)).await.unwrap().is_none());
    assert!(store.get_entry(12345).await.unwrap().is_none());
    assert!(store.get_entry(u64::MAX).await.unwrap().is_none());
    assert!(matches!(store.withdraw_case("nope").await, Err(StoreError::NotFound { .. })));
    assert!(matches!(
        store.set_entry_state(1 << 40 | 99, EntryState::Verified).await,
        Err(StoreError::NotFound { .. })
    ));
    let mut missing_list = case("nolist", 1, 1);
    missing_list.list = "nolist".into();
    assert!(matches!(store.create_case(missing_list).await, Err(StoreError::NotFound { .. })));
}

#[tokio::test]
async fn lists_are_created_once() {
    let (_redis, store) = store().await;
    assert_eq!(store.list_names().await.unwrap(), ["minors", "ncii"]);
    store.create_list("csam").await.unwrap();
    assert!(matches!(store.create_list("csam").await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.create_list("Bad Name").await, Err(StoreError::Invalid(_))));
    assert_eq!(store.list_names().await.unwrap(), ["csam", "minors", "ncii"]);
    let created = store.create_case(case("csam", 1, 1)).await.unwrap();
    assert_eq!(store.get_entry(created.entry_ids[0]).await.unwrap().expect("entry").list, "csam");
}

#[tokio::test]
async fn state_changes_apply_and_withdrawal_is_final() {
    let (_redis, store) = store().await;
    let created = store.create_case(case("ncii", 1, 2)).await.unwrap();
    let id = created.entry_ids[0];
    let entry = store.set_entry_state(id, EntryState::Verified).await.unwrap();
    assert_eq!(entry.state, EntryState::Verified);
    let outcome = store.withdraw_case(&created.case_id).await.unwrap();
    assert!(!outcome.already_withdrawn);
    assert!(store.withdraw_case(&created.case_id).await.unwrap().already_withdrawn);
    let view = store.get_case(&created.case_id).await.unwrap().expect("case");
    assert_eq!(view.case.state, CaseState::Withdrawn);
    assert!(view.case.contact.is_none(), "withdrawal erases the contact");
    assert!(view.case.withdrawn_at.is_some());
    assert!(view.entries.iter().all(|e| e.state == EntryState::Withdrawn));
    assert!(matches!(store.set_entry_state(id, EntryState::Verified).await, Err(StoreError::Conflict(_))));
}

#[tokio::test]
async fn feedback_counts_each_platform_once_with_its_latest_answer() {
    let (_redis, store) = store().await;
    let id = store.create_case(case("ncii", 1, 1)).await.unwrap().entry_ids[0];
    let tags = vec!["nudity".to_owned()];
    store.record_feedback(id, "p1", FeedbackValue::PendingReview, &tags).await.unwrap();
    store.record_feedback(id, "p1", FeedbackValue::Blocked, &tags).await.unwrap();
    store.record_feedback(id, "p2", FeedbackValue::Blocked, &[]).await.unwrap();
    store.record_feedback(id, "p3", FeedbackValue::NotViolating, &[]).await.unwrap();
    store.record_feedback(id, "p3", FeedbackValue::NotViolating, &[]).await.unwrap();
    let entry = store.get_entry(id).await.unwrap().expect("entry");
    assert_eq!((entry.signals.blocked, entry.signals.not_violating, entry.signals.pending_review), (2, 1, 0));
    assert!(matches!(
        store.record_feedback(1 << 40 | 999, "p1", FeedbackValue::Blocked, &[]).await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn api_keys_round_trip_and_revoke_once() {
    let (_redis, store) = store().await;
    let key = platform_key("k1");
    store.create_api_key(&key).await.unwrap();
    assert!(matches!(store.create_api_key(&key).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.get_api_key("k1").await.unwrap(), Some(key.clone()));
    assert!(store.get_api_key("k2").await.unwrap().is_none());
    let revoked = store.revoke_api_key("k1").await.unwrap();
    let again = store.revoke_api_key("k1").await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoked_at, again.revoked_at);
    assert_eq!(store.list_api_keys().await.unwrap(), [revoked]);
    assert!(matches!(store.revoke_api_key("k2").await, Err(StoreError::NotFound { .. })));
}

/// Plants a foreign value where the third entry of the next case will go: the whole case must be refused with
/// nothing of it written (no case, no entries, no live hashes, no feed records).
#[tokio::test]
async fn a_case_write_that_fails_midway_leaves_nothing() {
    let redis = disrupt_api::testing::RedisProcess::start();
    let settings = redis.settings();
    let store = crate::helpers::store_with(&settings).await;
    let keys = Keys::new(&settings.key_prefix).unwrap();
    let mut raw = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    // A fresh prefix: `ncii` is list number 1 and its sequence starts at 1.
    let third = keys::entry_id(1, 3).unwrap();
    let _: () = raw.set(keys.entry("ncii", third), "foreign").await.unwrap();

    let err = store.create_case(case("ncii", 1, 3)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(store.get_entry(keys::entry_id(1, 1).unwrap()).await.unwrap().is_none());
    assert!(store.read_feed("ncii", None, 100).await.unwrap().records.is_empty());
    assert!(store.snapshot("ncii").await.unwrap().0.is_empty());
    let case_keys: Vec<String> = raw.keys(format!("{}*:c:*", settings.key_prefix)).await.unwrap();
    assert!(case_keys.is_empty(), "{case_keys:?}");

    // The feed key holding a foreign type: refused before any write, too.
    let _: () = raw.del(keys.entry("ncii", third)).await.unwrap();
    let _: () = raw.set(keys.feed("ncii"), "foreign").await.unwrap();
    assert!(matches!(store.create_case(case("ncii", 1, 2)).await, Err(StoreError::Corrupt(_))));
    let entry_keys: Vec<String> = raw.keys(format!("{}*:e:*", settings.key_prefix)).await.unwrap();
    assert!(entry_keys.is_empty(), "{entry_keys:?}");
    let live: usize = raw.hlen(keys.live("ncii")).await.unwrap();
    assert_eq!(live, 0);

    // With the obstacle gone the same case goes through.
    let _: () = raw.del(keys.feed("ncii")).await.unwrap();
    store.create_case(case("ncii", 1, 3)).await.unwrap();
}

#[tokio::test]
async fn a_stopped_redis_is_reported_unavailable() {
    let mut redis = disrupt_api::testing::RedisProcess::start();
    let store = crate::helpers::store_with(&redis.settings()).await;
    store.ping().await.unwrap();
    redis.kill();
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn held_entries_are_created_quarantined_out_of_the_feed_and_the_live_set() {
    let (_redis, store) = store().await;
    let mut new = case("ncii", 1, 2);
    new.entries[1].held = Some(HoldReason::RepeatedHash);
    let created = store.create_case(new).await.unwrap();
    assert_eq!((created.held, created.surge), (1, false));
    let view = store.get_case(&created.case_id).await.unwrap().expect("case");
    let states: Vec<_> = view.entries.iter().map(|e| (e.state, e.held)).collect();
    assert_eq!(states, [(EntryState::Pending, None), (EntryState::Quarantined, Some(HoldReason::RepeatedHash))]);
    assert_eq!(publish(&store, "ncii").await, 1);
    let feed = store.read_feed("ncii", None, 100).await.unwrap();
    let fed: Vec<_> = feed.records.iter().map(|r| r.entry_id).collect();
    assert_eq!(fed, [created.entry_ids[0]], "a held entry is not published");
    let (total, queued) = store.review_queue("ncii", EntryState::Quarantined, 10).await.unwrap();
    assert_eq!((total, queued), (1, vec![created.entry_ids[1]]));
    let counters = store.stat_counters().await.unwrap();
    assert_eq!(counters.entries.get(&("pdq".to_owned(), "quarantined".to_owned())), Some(&1));
    assert_eq!(counters.entries.get(&("pdq".to_owned(), "pending".to_owned())), Some(&1));

    // An analyst publishes it: it joins the feed with the next batch; withdrawal then tombstones both.
    store.set_entry_state(created.entry_ids[1], EntryState::Verified).await.unwrap();
    assert_eq!(publish(&store, "ncii").await, 1);
    store.withdraw_case(&created.case_id).await.unwrap();
    let feed = store.read_feed("ncii", None, 100).await.unwrap();
    assert!(feed.records.iter().all(|r| r.is_tombstone()) && feed.records.len() == 2);
    let (total, _) = store.review_queue("ncii", EntryState::Quarantined, 10).await.unwrap();
    assert_eq!(total, 0);
}

#[tokio::test]
async fn past_the_surge_limit_whole_cases_are_held_and_counted_per_hour() {
    let (_redis, store) = store().await;
    let limited = |first| {
        let mut c = case("ncii", first, 2);
        c.surge_limit = Some(2);
        c
    };
    for first in [1, 3] {
        let created = store.create_case(limited(first)).await.unwrap();
        assert_eq!((created.held, created.surge), (0, false));
    }
    let third = store.create_case(limited(5)).await.unwrap();
    assert_eq!(publish(&store, "ncii").await, 4, "the first two cases; the third waits for an analyst");
    assert_eq!((third.held, third.surge), (2, true));
    let view = store.get_case(&third.case_id).await.unwrap().expect("case");
    assert!(
        view.entries.iter().all(|e| e.state == EntryState::Quarantined && e.held == Some(HoldReason::ServiceSurge))
    );
    assert_eq!(view.case.added_feed_id, None, "nothing of it reached the feed");
    assert_eq!(store.delivery(&view.case).await.unwrap().received, 0);
    // Published later by an analyst: from then on receipts count the platforms that fetched it.
    store.set_entry_state(third.entry_ids[0], EntryState::Verified).await.unwrap();
    publish(&store, "ncii").await;
    let head = store.feed_head("ncii").await.unwrap();
    let view = store.get_case(&third.case_id).await.unwrap().expect("case");
    assert_eq!(view.case.added_feed_id, Some(head));
    // Cases without the limit are not held (and not counted).
    assert_eq!(store.create_case(case("ncii", 7, 1)).await.unwrap().held, 0);
}

#[tokio::test]
async fn matches_count_every_request_but_each_platform_and_each_day_once() {
    let (_redis, store) = store().await;
    let created = store.create_case(case("ncii", 1, 2)).await.unwrap();
    let (a, b) = (created.entry_ids[0], created.entry_ids[1]);
    for _ in 0..50 {
        store.count_matches("ncii", &[a], "2026-01", "k1", 20_000).await.unwrap();
    }
    store.count_matches("ncii", &[a, b], "2026-01", "k2", 20_000).await.unwrap();
    store.count_matches("ncii", &[a], "2026-01", "k1", 20_001).await.unwrap();
    let first = store.get_entry(a).await.unwrap().unwrap();
    assert_eq!((first.signals.matches, first.signals.match_platforms, first.signals.match_days), (52, 2, 2));
    let second = store.get_entry(b).await.unwrap().unwrap();
    assert_eq!((second.signals.matches, second.signals.match_platforms, second.signals.match_days), (1, 1, 1));
    // An entry that is gone is not recreated by a late count, nor is its tally.
    store.count_matches("ncii", &[1 << 40 | 999], "2026-01", "k1", 20_000).await.unwrap();
    assert!(store.get_entry(1 << 40 | 999).await.unwrap().is_none());
}
