//! The delta feed: order, tombstones, paging under concurrent writes, cursors, retention.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use disrupt_api::settings::PublicationPolicy;
use disrupt_api::store::notices::{NoticeIndex, NoticeKeys, NoticePosition};
use disrupt_api::store::{EntryState, FeedRecord, Store, StoreError, StreamId, cursor};
use disrupt_hotline::time::now_ms;

use crate::helpers::{case, pdq, publish, store, stored_notice};

/// Reads the whole feed from `cursor` in pages of `limit`.
async fn read_all(store: &Store, cursor: Option<String>, limit: usize) -> (Vec<FeedRecord>, String) {
    let mut cursor = cursor;
    let mut all = Vec::new();
    loop {
        let page = store.read_feed("ncii", cursor.as_deref(), limit).await.unwrap();
        let done = page.records.is_empty();
        all.extend(page.records);
        cursor = Some(page.next_cursor);
        if done {
            return (all, cursor.unwrap_or_default());
        }
    }
}

/// The stream holds each entry once, in its latest state: a verification replaces the addition, and a withdrawal
/// takes the case's earlier records (and the hash values in them) out of the stream, leaving its tombstones.
#[tokio::test]
async fn the_feed_holds_each_entry_once_in_its_latest_state() {
    let (_redis, store) = store().await;
    let first = store.create_case(case("ncii", 1, 2)).await.unwrap();
    let second = store.create_case(case("ncii", 10, 1)).await.unwrap();
    assert_eq!(publish(&store, "ncii").await, 3);
    store.set_entry_state(first.entry_ids[0], EntryState::Verified).await.unwrap();
    store.set_entry_state(first.entry_ids[0], EntryState::Verified).await.unwrap(); // no-op: no record
    store.set_entry_state(second.entry_ids[0], EntryState::Verified).await.unwrap();
    assert_eq!(publish(&store, "ncii").await, 2);
    store.withdraw_case(&first.case_id).await.unwrap();
    store.withdraw_case(&first.case_id).await.unwrap(); // idempotent: no record

    let (records, _) = read_all(&store, None, 2).await;
    let seen: Vec<_> = records.iter().map(|r| (r.entry_id, r.state)).collect();
    let [a, b] = first.entry_ids[..] else { panic!() };
    let c = second.entry_ids[0];
    assert_eq!(seen, [(c, EntryState::Verified), (a, EntryState::Withdrawn), (b, EntryState::Withdrawn)]);
    assert!(records[0].verified);
    assert!(records[1].is_tombstone() && records[2].is_tombstone());
    assert!(records.iter().all(|r| r.quality == Some(90)));

    let (live, cursor) = store.snapshot("ncii").await.unwrap();
    assert_eq!(live.iter().map(|e| e.id).collect::<Vec<_>>(), [c]);
    let page = store.read_feed("ncii", Some(&cursor), 10).await.unwrap();
    assert!(page.records.is_empty(), "the snapshot cursor is at the feed's end");
    assert_eq!(page.next_cursor, cursor, "an empty page keeps the cursor");
}

/// A held entry never reached platforms: rejecting or withdrawing it sends no tombstone carrying its hash.
#[tokio::test]
async fn entries_that_never_reached_the_feed_get_no_tombstone() {
    let (_redis, store) = store().await;
    let mut new = case("ncii", 1, 3);
    for entry in &mut new.entries[1..] {
        entry.held = Some(disrupt_api::store::HoldReason::RepeatedHash);
    }
    let created = store.create_case(new).await.unwrap();
    publish(&store, "ncii").await;
    store.set_entry_state(created.entry_ids[1], EntryState::Rejected).await.unwrap();
    store.withdraw_case(&created.case_id).await.unwrap();
    let (records, _) = read_all(&store, None, 10).await;
    let seen: Vec<_> = records.iter().map(|r| (r.entry_id, r.state)).collect();
    assert_eq!(seen, [(created.entry_ids[0], EntryState::Withdrawn)]);
}

/// A cursor past the newest record was never issued: it is refused rather than served as an empty page (which
/// would record a feed position the reader never reached).
#[tokio::test]
async fn a_cursor_beyond_the_feeds_end_is_refused() {
    let (_redis, store) = store().await;
    store.create_case(case("ncii", 1, 1)).await.unwrap();
    publish(&store, "ncii").await;
    let head = store.feed_head("ncii").await.unwrap();
    let at_head = cursor::encode("ncii", head);
    assert!(store.read_feed("ncii", Some(&at_head), 10).await.unwrap().records.is_empty());
    for ahead in [StreamId { seq: head.seq + 1, ..head }, StreamId { ms: now_ms() + 86_400_000_000, seq: 0 }] {
        let forged = cursor::encode("ncii", ahead);
        assert!(
            matches!(store.read_feed("ncii", Some(&forged), 10).await, Err(StoreError::CursorBeyondEnd)),
            "{ahead}"
        );
    }
}

/// Positions move only over what a key was served without a gap.
#[tokio::test]
async fn feed_positions_move_only_over_records_served_without_a_gap() {
    let (_redis, store) = store().await;
    let id = |ms| StreamId { ms, seq: 0 };
    // A key without a position starts only from the beginning (a full read or a snapshot).
    assert_eq!(store.record_position("ncii", "p", id(5), id(9)).await.unwrap(), None);
    assert_eq!(store.record_position("ncii", "p", StreamId::ZERO, id(9)).await.unwrap(), Some(StreamId::ZERO));
    // A read starting past the recorded position skipped records: nothing is recorded.
    assert_eq!(store.record_position("ncii", "p", id(12), id(20)).await.unwrap(), None);
    // Contiguous (or overlapping) reads move it forward, never back.
    assert_eq!(store.record_position("ncii", "p", id(9), id(15)).await.unwrap(), Some(id(9)));
    assert_eq!(store.record_position("ncii", "p", id(3), id(14)).await.unwrap(), None);
    assert_eq!(store.record_position("ncii", "p", id(3), id(18)).await.unwrap(), Some(id(15)));
}

/// Snapshots list entries by hash value: neither the entry id (sequential within a case) nor the live set's
/// insertion order (a small hash scans in it) may put one case's hashes side by side.
#[tokio::test]
async fn snapshots_order_entries_by_hash_value_not_by_case() {
    let (_redis, store) = store().await;
    let late = store.create_case(case("ncii", 10, 3)).await.unwrap();
    let early = store.create_case(case("ncii", 1, 3)).await.unwrap();
    publish(&store, "ncii").await;
    let by_value: Vec<_> = early.entry_ids.iter().chain(&late.entry_ids).copied().collect();
    let (live, _) = store.snapshot("ncii").await.unwrap();
    assert_eq!(live.iter().map(|e| e.id).collect::<Vec<_>>(), by_value);
    let (next, page) = store.snapshot_page("ncii", 0, 1000).await.unwrap();
    assert_eq!(next, 0, "a small list is one page");
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), by_value);
}

#[tokio::test]
async fn cursors_are_checked_strictly() {
    let (_redis, store) = store().await;
    store.create_list("csam").await.unwrap();
    let page = store.read_feed("csam", None, 10).await.unwrap();
    for bad in ["", "garbage", "bmNpaTowLTA=", page.next_cursor.as_str()] {
        assert!(matches!(store.read_feed("ncii", Some(bad), 10).await, Err(StoreError::InvalidCursor)), "{bad:?}");
    }
    assert!(matches!(store.read_feed("nolist", None, 10).await, Err(StoreError::NotFound { .. })));
}

/// A writer adds, verifies and withdraws cases while a reader pages with a small limit. Records an entry has
/// replaced leave the stream, so exact sequences differ between readers; what must hold is the final state: the
/// reader ends with every entry in its stored state, having read no record twice, and a single pass afterwards
/// holds each entry once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_while_writes_happen_ends_in_the_stored_state() {
    let (_redis, store) = store().await;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..150u64 {
                let created = store.create_case(case("ncii", i * 10, 1 + i % 3)).await.unwrap();
                publish(&store, "ncii").await;
                if i % 4 == 0 {
                    store.withdraw_case(&created.case_id).await.unwrap();
                }
                if i % 5 == 0 {
                    store.set_entry_state(created.entry_ids[0], EntryState::Verified).await.ok();
                    publish(&store, "ncii").await;
                }
                ids.extend(created.entry_ids);
            }
            ids
        })
    };
    let mut cursor: Option<String> = None;
    let mut paged = Vec::new();
    loop {
        let writer_done = writer.is_finished();
        let page = store.read_feed("ncii", cursor.as_deref(), 7).await.unwrap();
        let empty = page.records.is_empty();
        paged.extend(page.records);
        cursor = Some(page.next_cursor);
        if empty && writer_done {
            break;
        }
    }
    let ids = writer.await.unwrap();
    assert!(ids.len() > 250, "{}", ids.len());
    let distinct: HashSet<_> = paged.iter().map(|r| (r.entry_id, r.state)).collect();
    assert_eq!(distinct.len(), paged.len(), "no record twice");
    let mut replayed = HashMap::new();
    for r in &paged {
        replayed.insert(r.entry_id, r.state);
    }
    for id in &ids {
        let stored = store.get_entry(*id).await.unwrap().expect("entry").state;
        assert_eq!(replayed.get(id), Some(&stored), "entry {id}");
    }
    let (single_pass, _) = read_all(&store, None, 10_000).await;
    assert_eq!(single_pass.len(), ids.len(), "one record per entry");
    let once: HashSet<_> = single_pass.iter().map(|r| r.entry_id).collect();
    assert_eq!(once.len(), ids.len());
}

#[tokio::test]
async fn trimmed_records_expire_old_cursors_but_not_the_snapshot() {
    let (_redis, store) = store().await;
    let old = store.create_case(case("ncii", 1, 2)).await.unwrap();
    publish(&store, "ncii").await;
    let start_cursor = store.read_feed("ncii", None, 1).await.unwrap().next_cursor;
    let retention = store.feed_retention().as_millis() as u64;

    // Within the retention window nothing goes.
    assert_eq!(store.trim_feed("ncii", now_ms()).await.unwrap(), 0);
    store.read_feed("ncii", Some(&start_cursor), 10).await.unwrap();

    let (_, before_trim) = store.snapshot("ncii").await.unwrap();
    // A clock past the window: both records go.
    let later = now_ms() + retention + 1000;
    assert_eq!(store.trim_feed("ncii", later).await.unwrap(), 2);
    assert!(matches!(store.read_feed("ncii", Some(&start_cursor), 10).await, Err(StoreError::CursorExpired)));
    assert!(matches!(store.read_feed("ncii", None, 10).await, Err(StoreError::CursorExpired)));
    // A cursor at the trim point lost nothing: still good.
    assert!(store.read_feed("ncii", Some(&before_trim), 10).await.unwrap().records.is_empty());

    // Resync: the snapshot still has the live entries, and its cursor continues the feed.
    let (live, cursor) = store.snapshot("ncii").await.unwrap();
    assert_eq!(live.iter().map(|e| e.id).collect::<Vec<_>>(), old.entry_ids);
    let new = store.create_case(case("ncii", 100, 1)).await.unwrap();
    publish(&store, "ncii").await;
    let page = store.read_feed("ncii", Some(&cursor), 10).await.unwrap();
    assert_eq!(page.records.iter().map(|r| r.entry_id).collect::<Vec<_>>(), new.entry_ids);
}

#[tokio::test]
async fn withdrawn_cases_are_purged_of_hashes_and_urls_once_their_tombstones_are_trimmed() {
    let (redis, store) = store().await;
    let gone = store.create_case(case("ncii", 1, 2)).await.unwrap();
    let kept = store.create_case(case("ncii", 3, 1)).await.unwrap();
    // A sent notice made from the withdrawn case's URLs, and one of the case that stays.
    fn notice<'a>(id: &'a str, case_id: &'a str, host: &'a str) -> NoticeKeys<'a> {
        NoticeKeys { id, created_at: 1_767_225_600_000, list: "ncii", case_id, host }
    }
    let n1 = stored_notice("n1", &gone.case_id, "gone.example", "https://gone.example/v/1");
    store.create_notice(notice("n1", &gone.case_id, "gone.example"), &n1, None).await.unwrap();
    let mut sent = n1.clone();
    sent.timeline.send(1_767_225_600_001).unwrap();
    assert!(store.update_notice("n1", 1, &sent, Some(("gone.example", 1)), None, None).await.unwrap());
    let n2 = stored_notice("n2", &kept.case_id, "kept.example", "https://kept.example/v/2");
    store.create_notice(notice("n2", &kept.case_id, "kept.example"), &n2, None).await.unwrap();
    publish(&store, "ncii").await;
    store.count_matches("ncii", &gone.entry_ids, "2026-01", "platform-key", 20_000).await.unwrap();
    store.withdraw_case(&gone.case_id).await.unwrap();
    let retention = store.feed_retention().as_millis() as u64;

    // Within the window: nothing is purged, the victim still sees what was withdrawn.
    assert_eq!(store.purge_withdrawn("ncii", now_ms()).await.unwrap(), 0);
    assert_eq!(store.get_case(&gone.case_id).await.unwrap().expect("case").entries.len(), 2);

    let later = now_ms() + retention + 1000;
    store.trim_feed("ncii", later).await.unwrap();
    assert_eq!(store.purge_withdrawn("ncii", later).await.unwrap(), 1);
    assert_eq!(store.purge_withdrawn("ncii", later).await.unwrap(), 0, "once");
    let view = store.get_case(&gone.case_id).await.unwrap().expect("the case's status stays");
    assert_eq!(view.case.state, disrupt_api::store::CaseState::Withdrawn);
    assert!(view.entries.is_empty() && view.case.urls.is_empty() && view.case.contact.is_none());
    assert!(store.get_entry(gone.entry_ids[0]).await.unwrap().is_none());
    let keys = disrupt_api::store::keys::Keys::new(&redis.settings().key_prefix).unwrap();
    let mut conn = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    for id in &gone.entry_ids {
        let tally: bool = redis::cmd("EXISTS").arg(keys.match_tally("ncii", *id)).query_async(&mut conn).await.unwrap();
        assert!(!tally, "who matched a purged entry is forgotten with it");
    }
    assert_eq!(store.get_case(&kept.case_id).await.unwrap().expect("case").entries.len(), 1, "active cases stay");
    // Its notices leave with it; the other case's stay.
    assert!(store.get_notice("n1").await.unwrap().is_none());
    let ids = |page: Vec<(NoticePosition, Option<disrupt_api::store::NoticeRecord>)>| {
        page.into_iter().map(|(p, _)| p.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(store.notice_page(&[NoticeIndex::All], None, 10).await.unwrap()), ["n2"]);
    assert!(store.notice_page(&[NoticeIndex::Host("example")], None, 10).await.unwrap().is_empty());
    assert_eq!(ids(store.notice_page(&[NoticeIndex::List("ncii")], None, 10).await.unwrap()), ["n2"]);

    // No value left in Redis holds the withdrawn hashes.
    for value in disrupt_api::testing::every_stored_value(&redis.url()).await {
        for n in [1, 2] {
            let text = String::from_utf8_lossy(&value);
            assert!(!text.contains(&pdq(n)), "Redis still holds a withdrawn hash: {text}");
        }
        assert!(!String::from_utf8_lossy(&value).contains("gone.example"), "Redis still holds a purged notice");
    }
}

/// New entries are live (the match indexes' live set) at once but reach the feed only in publication batches:
/// once entries of enough cases wait, all of them in one shuffled batch with one time, so neither order nor time
/// groups a case; a lone case goes out when its wait limit is reached. Waiting entries are not in the snapshot.
#[tokio::test]
async fn publication_batches_mix_cases_in_one_shuffled_batch_with_one_time() {
    let (_redis, store) = store().await;
    let policy = PublicationPolicy { min_cases: 3, max_wait: Duration::from_secs(600) };
    let mut case_of = HashMap::new();
    for first in [100, 200] {
        let created = store.create_case(case("ncii", first, 10)).await.unwrap();
        case_of.extend(created.entry_ids.iter().map(|id| (*id, first)));
    }
    assert_eq!(store.publish("ncii", policy, now_ms()).await.unwrap(), 0, "two cases wait for a third");
    assert!(store.read_feed("ncii", None, 100).await.unwrap().records.is_empty());
    assert!(store.snapshot("ncii").await.unwrap().0.is_empty(), "not in the snapshot before the feed");
    assert_eq!(store.scan_live("ncii", 0, 1000).await.unwrap().1.len(), 20, "matchable at once");

    let third = store.create_case(case("ncii", 300, 10)).await.unwrap();
    case_of.extend(third.entry_ids.iter().map(|id| (*id, 300)));
    assert_eq!(store.publish("ncii", policy, now_ms()).await.unwrap(), 30);
    let (records, _) = read_all(&store, None, 7).await;
    assert_eq!(records.len(), 30);
    assert!(records.iter().all(|r| r.updated_at == records[0].updated_at), "one time for the whole batch");
    let runs = 1 + records.windows(2).filter(|w| case_of[&w[0].entry_id] != case_of[&w[1].entry_id]).count();
    assert!(runs > 3, "the cases' records are mixed, not one run per case: {runs} runs");
    let (live, _) = store.snapshot("ncii").await.unwrap();
    assert_eq!(live.len(), 30);
    assert!(live.iter().all(|e| e.updated_at == records[0].updated_at), "the snapshot shows the batch's time");

    // A lone case waits for others, but not beyond the wait limit.
    let lone = store.create_case(case("ncii", 400, 2)).await.unwrap();
    assert_eq!(store.publish("ncii", policy, now_ms()).await.unwrap(), 0);
    assert_eq!(store.publish("ncii", policy, now_ms() + 600_001).await.unwrap(), 2);
    // Withdrawn while waiting: it never reaches the feed, not even as a tombstone.
    let gone = store.create_case(case("ncii", 500, 2)).await.unwrap();
    store.withdraw_case(&gone.case_id).await.unwrap();
    assert_eq!(store.publish("ncii", policy, now_ms() + 600_001).await.unwrap(), 0);
    let (records, _) = read_all(&store, None, 100).await;
    assert_eq!(records.len(), 32);
    assert!(records.iter().all(|r| !gone.entry_ids.contains(&r.entry_id)));
    let _ = lone;
}
