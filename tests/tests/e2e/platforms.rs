use std::collections::HashSet;

use disrupt_openapi::feedback::{FeedbackItem, FeedbackRequest};
use disrupt_openapi::matching::MatchRequest;
use disrupt_openapi::model::{EntryState, FeedbackValue};

use crate::helpers::{eventually, hex_of, spawn_app, unique_md5, unique_pdq};

#[tokio::test]
async fn a_withdrawn_case_disappears_from_match_results_and_appears_as_a_tombstone_in_the_feed() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let pdq = unique_pdq();
    let md5 = unique_md5();
    let (case_id, secret) = app.case(vec![pdq.clone(), md5.clone()]).await;
    let request = MatchRequest { hashes: vec![pdq.clone(), md5.clone()], lists: None, images: Vec::new() };
    eventually(|| async {
        let r = platform.match_hashes(&request).await.unwrap();
        r.results.iter().all(|m| m.matches.len() == 1)
    })
    .await;
    let matched = platform.match_hashes(&request).await.unwrap();
    assert_eq!(matched.results[0].matches[0].distance, 0);
    assert_eq!(matched.results[0].matches[0].list, "ncii");
    assert_eq!(matched.results[0].matches[0].state, EntryState::Pending);
    assert!(!matched.results[0].matches[0].verified);

    let before = platform.get_hashes(None, None, Some(1000)).await.unwrap();
    app.client.withdraw_case(&case_id, &secret).await.unwrap();

    // At once: no eventually here.
    let after = platform.match_hashes(&request).await.unwrap();
    assert!(after.results.iter().all(|m| m.matches.is_empty()));

    let page = platform.get_hashes(None, Some(&before.next_cursor), Some(1000)).await.unwrap();
    assert_eq!(page.records.len(), 2);
    assert!(page.records.iter().all(|r| r.state == EntryState::Withdrawn));
    let tombstoned: HashSet<_> = page.records.iter().map(|r| r.value.clone()).map(|v| format!("{v:?}")).collect();
    assert!(tombstoned.contains(&format!("{pdq:?}")));

    let snapshot = platform.get_snapshot(None).await.unwrap();
    assert!(snapshot.records.iter().all(|r| r.value != pdq && r.value != md5));
}

#[tokio::test]
async fn paging_the_feed_while_writes_happen_loses_and_repeats_nothing() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let writer = {
        let client = app.client.clone();
        tokio::spawn(async move {
            let mut created = 0;
            for _ in 0..60 {
                let request = disrupt_openapi::cases::CreateCaseRequest {
                    category: disrupt_openapi::model::Category::Other,
                    hashes: vec![unique_pdq(), unique_md5()],
                    urls: vec![],
                    contact: None,
                    declarations: None,
                };
                if client.create_case(&request).await.is_ok() {
                    created += 2;
                }
            }
            created
        })
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = platform.get_hashes(None, cursor.as_deref(), Some(7)).await.unwrap();
        seen.extend(page.records.iter().map(|r| r.entry.clone()));
        cursor = Some(page.next_cursor);
        if !page.has_more && writer.is_finished() {
            break;
        }
    }
    let created = writer.await.unwrap();
    // Drain what was written after the last page.
    loop {
        let page = platform.get_hashes(None, cursor.as_deref(), Some(7)).await.unwrap();
        seen.extend(page.records.iter().map(|r| r.entry.clone()));
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no record repeated");
    assert!(created > 0);
    assert_eq!(seen.len(), created, "no record lost");
}

#[tokio::test]
async fn an_expired_cursor_gets_410_and_the_snapshot_resyncs() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    app.case(vec![unique_pdq()]).await;
    let first = platform.get_hashes(None, None, Some(1)).await.unwrap();
    assert_eq!(first.records.len(), 1);
    app.case(vec![unique_pdq()]).await;
    // Trim everything up to now, as retention would once its window has passed (a fake clock).
    let later = disrupt_hotline::time::now_ms() + app.store.feed_retention().as_millis() as u64 + 1;
    app.store.trim_feed("ncii", later).await.unwrap();
    let err = platform.get_hashes(None, Some(&first.next_cursor), None).await.unwrap_err();
    assert_eq!(err.code(), Some("cursor_expired"));
    let snapshot = platform.get_snapshot(None).await.unwrap();
    assert_eq!(snapshot.records.len(), 2);
    let after = platform.get_hashes(None, Some(&snapshot.next_cursor), None).await.unwrap();
    assert!(after.records.is_empty());
    let bad = platform.get_hashes(None, Some("not-a-cursor"), None).await.unwrap_err();
    assert_eq!(bad.code(), Some("invalid_cursor"));
}

#[tokio::test]
async fn feedback_is_counted_on_the_victims_case() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let pdq = unique_pdq();
    let (case_id, secret) = app.case(vec![pdq.clone()]).await;
    let page = platform.get_hashes(None, None, None).await.unwrap();
    let entry = page.records.iter().find(|r| r.value == pdq).unwrap().entry.clone();
    let recorded = platform
        .submit_feedback(&FeedbackRequest {
            feedback: vec![FeedbackItem {
                entry: entry.clone(),
                value: FeedbackValue::Blocked,
                tags: vec!["nudity".into()],
            }],
        })
        .await
        .unwrap();
    assert_eq!(recorded.recorded, 1);
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!(status.hashes[0].blocked, 1);
    let unknown = platform
        .submit_feedback(&FeedbackRequest {
            feedback: vec![FeedbackItem {
                entry: "0000000000000000".into(),
                value: FeedbackValue::Blocked,
                tags: vec![],
            }],
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Some("not_found"));
}

#[tokio::test]
async fn the_feed_carries_no_case_ids_and_unlinkable_entry_references() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let (case_id, _) = app.case(vec![unique_pdq(), unique_pdq(), unique_md5()]).await;
    let http = reqwest::Client::new();
    let body = http
        .get(format!("{}/v1/hashes", app.base_url))
        .bearer_auth(app.raw_key("raw", disrupt_openapi::model::Role::Platform, &["ncii"], &[]).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains(&case_id));
    let page = platform.get_hashes(None, None, None).await.unwrap();
    let refs: Vec<u64> = page.records.iter().map(|r| u64::from_str_radix(&r.entry, 16).unwrap()).collect();
    assert!(refs.windows(2).all(|w| w[1].abs_diff(w[0]) > 1), "references are not consecutive");
}

/// Pages `platform`'s feed from `cursor` to its end; returns the last cursor.
async fn sync_to_end(platform: &disrupt_client::Client, mut cursor: Option<String>) -> String {
    loop {
        let page = platform.get_hashes(None, cursor.as_deref(), Some(2)).await.unwrap();
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return cursor.unwrap();
        }
    }
}

#[tokio::test]
async fn erasure_receipts_count_the_platforms_that_had_the_hashes_and_fetched_the_deletion() {
    let app = spawn_app().await;
    let early = app.platform("early", &["ncii"]).await;
    let idle = app.platform("idle", &["ncii"]).await;
    let late = app.platform("late", &["ncii"]).await;
    // `idle` synced once before the case existed and never again.
    let idle_cursor = sync_to_end(&idle, None).await;
    let (case_id, secret) = app.case(vec![unique_pdq(), unique_md5(), unique_pdq()]).await;
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!((status.delivery.received, status.delivery.deletion_delivered), (0, 0));

    // `early` fetches the hashes page by page; a snapshot also counts as receiving them.
    let early_cursor = sync_to_end(&early, None).await;
    let snapshot_taker = app.platform("snapshot", &["ncii"]).await;
    snapshot_taker.get_snapshot(None).await.unwrap();
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!(status.delivery.received, 2, "early and the snapshot taker have the hashes");

    // An unrelated case added later does not change this case's receipt.
    app.case(vec![unique_pdq()]).await;
    app.client.withdraw_case(&case_id, &secret).await.unwrap();
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!((status.delivery.received, status.delivery.deletion_delivered), (2, 0));

    // `early` pages past the tombstones; `late` first syncs after the withdrawal: it never had the hashes.
    sync_to_end(&early, Some(early_cursor)).await;
    sync_to_end(&late, None).await;
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!((status.delivery.received, status.delivery.deletion_delivered), (2, 1), "deletion delivered to 1 of 2");

    snapshot_taker.get_snapshot(None).await.unwrap();
    idle.get_hashes(None, Some(&idle_cursor), Some(1)).await.unwrap();
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!((status.delivery.received, status.delivery.deletion_delivered), (2, 2), "a fresh snapshot drops it too");

    // Each delivery of the deletion to a platform that had the hashes is in the audit log, once.
    let audit = app.admin.read_audit(None, Some(1000)).await.unwrap();
    let target = format!("case:{case_id}");
    let delivered: Vec<_> = audit
        .records
        .iter()
        .filter(|r| r.entry.action.as_str() == "deletion_delivered" && r.entry.target == target)
        .collect();
    assert_eq!(delivered.len(), 2, "{delivered:?}");
}

#[tokio::test]
async fn a_snapshot_of_a_list_larger_than_one_page_has_every_live_entry_once() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let mut live = HashSet::new();
    for _ in 0..3 {
        let hashes: Vec<_> = (0..900).map(|_| unique_pdq()).collect();
        live.extend(hashes.iter().map(hex_of));
        app.case(hashes).await;
    }
    let (gone, secret) = app.case(vec![unique_pdq()]).await;
    app.client.withdraw_case(&gone, &secret).await.unwrap();
    let snapshot = platform.get_snapshot(None).await.unwrap();
    let got: Vec<String> = snapshot.records.iter().map(|r| hex_of(&r.value)).collect();
    assert_eq!(got.len(), live.len(), "no entry twice, none missing, no withdrawn one");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), live);
    // The cursor follows on from the snapshot: nothing new yet.
    let page = platform.get_hashes(None, Some(&snapshot.next_cursor), None).await.unwrap();
    assert!(page.records.is_empty());
}

/// A platform that forges a cursor (or a StopNCII `startTimestamp`) past the tombstones it never fetched is not
/// counted as having received the deletion: a cursor beyond the feed's end is refused, and a read that skips
/// records moves no recorded position.
#[tokio::test]
async fn forged_cursors_and_start_times_count_no_deletion_as_delivered() {
    use disrupt_api::store::{StreamId, cursor};
    use disrupt_hotline::time::now_ms;
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let (case_id, secret) = app.case(vec![unique_pdq(), unique_md5()]).await;
    let honest_cursor = sync_to_end(&platform, None).await;
    app.client.withdraw_case(&case_id, &secret).await.unwrap();
    let receipt = || async { app.client.get_case(&case_id, &secret).await.unwrap().delivery };
    assert_eq!((receipt().await.received, receipt().await.deletion_delivered), (1, 0));

    let future = cursor::encode("ncii", StreamId { ms: now_ms() + 86_400_000_000, seq: 0 });
    let err = platform.get_hashes(None, Some(&future), None).await.unwrap_err();
    assert_eq!(err.code(), Some("cursor_beyond_end"));
    let err = platform.fetch_hashes(Some((now_ms() / 1000) as i64 + 86_400_000), None, None).await.unwrap_err();
    assert_eq!(err.code(), Some("cursor_beyond_end"));

    // Cursors at or just before the feed's end, skipping the tombstones: answered, but nothing was served.
    let head = app.store.feed_head("ncii").await.unwrap();
    let at_head = cursor::encode("ncii", head);
    assert!(platform.get_hashes(None, Some(&at_head), None).await.unwrap().records.is_empty());
    let later_second = (head.ms / 1000 + 1) as i64;
    assert!(platform.fetch_hashes(Some(later_second), None, None).await.unwrap().hash_records.is_empty());
    let receipt_now = receipt().await;
    assert_eq!((receipt_now.received, receipt_now.deletion_delivered), (1, 0), "no deletion was served");
    let audit = app.admin.read_audit(None, Some(1000)).await.unwrap();
    assert!(audit.records.iter().all(|r| r.entry.action.as_str() != "deletion_delivered"));

    // Fetching on from where it really was delivers the tombstones, and counts.
    sync_to_end(&platform, Some(honest_cursor)).await;
    let receipt_now = receipt().await;
    assert_eq!((receipt_now.received, receipt_now.deletion_delivered), (1, 1));
}

/// With publication batches, a platform cannot tell which hashes came in one case: two cases wait (matchable at
/// once, but in neither feed, snapshot nor full FetchHashes), the third publishes all three as one batch, in a
/// shuffled order and with one time, on both the native feed and the StopNCII routes.
#[tokio::test]
async fn publication_batches_hide_which_hashes_came_in_one_case() {
    let app = crate::helpers::spawn_app_with(&[
        ("DISRUPT_PUBLICATION__MIN_CASES", "3"),
        ("DISRUPT_PUBLICATION__MAX_WAIT_SECS", "3600"),
    ])
    .await;
    let platform = app.platform("p", &["ncii"]).await;
    let mut case_of = std::collections::HashMap::new();
    let mut probe = Vec::new();
    for n in 0..2 {
        let hashes: Vec<_> = (0..10).map(|_| unique_pdq()).collect();
        case_of.extend(hashes.iter().map(|h| (hex_of(h), n)));
        probe.push(hashes[0].clone());
        app.case(hashes).await;
    }
    let request = MatchRequest { hashes: probe, lists: None, images: Vec::new() };
    eventually(|| async {
        platform.match_hashes(&request).await.unwrap().results.iter().all(|r| !r.matches.is_empty())
    })
    .await;
    assert!(platform.get_hashes(None, None, None).await.unwrap().records.is_empty());
    assert!(platform.get_snapshot(None).await.unwrap().records.is_empty());
    assert!(platform.fetch_hashes(None, None, None).await.unwrap().hash_records.is_empty());

    let hashes: Vec<_> = (0..10).map(|_| unique_pdq()).collect();
    case_of.extend(hashes.iter().map(|h| (hex_of(h), 2)));
    app.case(hashes).await;
    let page = platform.get_hashes(None, None, Some(1000)).await.unwrap();
    assert_eq!(page.records.len(), 30);
    assert!(page.records.iter().all(|r| r.updated_at == page.records[0].updated_at), "one time for the batch");
    let cases: Vec<_> = page.records.iter().map(|r| case_of[&hex_of(&r.value)]).collect();
    let runs = 1 + cases.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(runs > 3, "records of one case are not side by side: {cases:?}");
    let snapshot = platform.get_snapshot(None).await.unwrap();
    assert!(snapshot.records.iter().all(|r| r.updated_at == page.records[0].updated_at));
    let full = platform.fetch_hashes(None, None, None).await.unwrap();
    assert_eq!(full.hash_records.len(), 30);
    assert!(full.hash_records.iter().all(|r| r.last_mod_timestamp == full.hash_records[0].last_mod_timestamp));
}
