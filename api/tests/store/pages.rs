//! Pages and batches bounded by bytes as well as by count: feed pages, snapshot pages, the match index's load and
//! its change-log batches, over lists of large videos.

use std::collections::HashSet;
use std::time::Duration;

use disrupt_api::{
    match_index::MatchIndex,
    store::{EntryId, FeedRecord, RECORD_OVERHEAD_BYTES, Store, StreamId},
    sync::load_list,
    testing::RedisProcess,
};

use crate::helpers::{case, publish, store_with, video, video_case};

/// Page budget of these tests: two videos of 300 frames (~30 KB each) fit, a third does not.
const BUDGET: usize = 80 * 1024;
/// Frames of the ordinary videos here, and of one that alone passes the budget.
const FRAMES: u64 = 300;
const HUGE_FRAMES: u64 = 1200;

/// A store on its own redis-server whose pages carry at most [`BUDGET`] bytes.
async fn budgeted_store() -> (RedisProcess, Store) {
    let redis = RedisProcess::start();
    let mut settings = redis.settings();
    settings.page_bytes = BUDGET;
    (redis, store_with(&settings).await)
}

/// Eight videos (one larger than a page) and image hashes in between; all published. Returns every entry id.
async fn fill(store: &Store) -> Vec<EntryId> {
    let mut ids = Vec::new();
    for seed in 1..=8 {
        let frames = if seed == 4 { HUGE_FRAMES } else { FRAMES };
        ids.extend(store.create_case(video_case("ncii", seed, frames)).await.unwrap().entry_ids);
        ids.extend(store.create_case(case("ncii", seed * 10, 2)).await.unwrap().entry_ids);
    }
    assert!(video(4, HUGE_FRAMES).len() > BUDGET, "one video alone passes the budget");
    publish(store, "ncii").await;
    ids
}

/// The measure the store pages by, without the stream's short fields.
fn bytes_of(records: &[FeedRecord]) -> usize {
    records.iter().map(|r| r.hash.len() + RECORD_OVERHEAD_BYTES).sum()
}

#[tokio::test]
async fn feed_pages_of_large_videos_stop_at_the_byte_budget_and_resume_right_after_the_last_record_served() {
    let (_redis, store) = budgeted_store().await;
    let ids = fill(&store).await;
    let mut cursor: Option<String> = None;
    let mut served = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.read_feed("ncii", cursor.as_deref(), 1000).await.unwrap();
        if page.records.is_empty() {
            assert!(!page.full);
            break;
        }
        pages += 1;
        assert!(page.records.len() == 1 || bytes_of(&page.records) <= BUDGET, "page {pages} over the budget");
        // The next page starts exactly after the last record served.
        let next = store.read_feed("ncii", Some(&page.next_cursor), 1).await.unwrap();
        let last_served = disrupt_api::store::cursor::decode("ncii", &page.next_cursor).unwrap();
        assert!(last_served > StreamId::ZERO);
        if let Some(first_after) = next.records.first() {
            assert!(!page.records.iter().any(|r| r.entry_id == first_after.entry_id));
        }
        served.extend(page.records.iter().map(|r| r.entry_id));
        cursor = Some(page.next_cursor);
    }
    assert!(pages >= 5, "the videos take several pages, not one page of 1000: {pages}");
    let unique: HashSet<_> = served.iter().collect();
    assert_eq!(unique.len(), served.len(), "no record served twice");
    let mut sorted = served.clone();
    sorted.sort_unstable();
    let mut expected = ids.clone();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "every record served");
}

#[tokio::test]
async fn a_feed_page_carries_the_one_record_larger_than_the_budget_and_says_more_may_follow() {
    let (_redis, store) = budgeted_store().await;
    store.create_case(video_case("ncii", 1, HUGE_FRAMES)).await.unwrap();
    store.create_case(video_case("ncii", 2, FRAMES)).await.unwrap();
    publish(&store, "ncii").await;
    let first = store.read_feed("ncii", None, 100).await.unwrap();
    assert_eq!(first.records.len(), 1);
    assert!(first.full, "cut by bytes, so more may follow");
    let second = store.read_feed("ncii", Some(&first.next_cursor), 100).await.unwrap();
    assert_eq!(second.records.len(), 1);
    assert_ne!(first.records[0].entry_id, second.records[0].entry_id);
    assert!(!second.full);
}

#[tokio::test]
async fn snapshot_pages_stop_near_the_byte_budget_and_together_hold_every_live_entry() {
    let (_redis, store) = budgeted_store().await;
    let ids = fill(&store).await;
    let largest = video(4, HUGE_FRAMES).len() + RECORD_OVERHEAD_BYTES;
    let (mut scan, mut pages, mut seen) = (0, 0, HashSet::new());
    loop {
        let (next, entries) = store.snapshot_page("ncii", scan, 1000).await.unwrap();
        pages += 1;
        let bytes: usize = entries.iter().map(|e| e.hash.len() + RECORD_OVERHEAD_BYTES).sum();
        // A page stops once it reached the budget; its last scan step (one bucket here) may pass it.
        assert!(bytes <= BUDGET + 2 * largest, "snapshot page of {bytes} bytes");
        seen.extend(entries.iter().map(|e| e.id));
        if next == 0 {
            break;
        }
        // A page ends early only when another entry as large as its largest would pass the budget.
        assert!(bytes + largest > BUDGET, "a page of {bytes} bytes stopped with room left");
        scan = next;
    }
    // How the entries fall into Redis's hash buckets changes from run to run (its hash seed is random), so the
    // number of pages does too; the videos alone are more than one page can hold.
    assert!(pages >= 2, "the videos take several pages: {pages}");
    assert_eq!(seen, ids.iter().copied().collect::<HashSet<_>>());
}

#[tokio::test]
async fn the_index_loaded_in_small_batches_equals_the_list() {
    let (_redis, store) = budgeted_store().await;
    let ids = fill(&store).await;
    let gone = store.create_case(video_case("ncii", 9, FRAMES)).await.unwrap();
    store.withdraw_case(&gone.case_id).await.unwrap();
    let index = MatchIndex::shared();
    load_list(&store, &index, "ncii").await.unwrap();
    let index = index.read();
    assert_eq!(index.list_len("ncii"), ids.len());
    let videos: HashSet<EntryId> = index.videos("ncii").map(|(id, _)| id).collect();
    assert_eq!(videos.len(), 8);
    assert!(!videos.contains(&gone.entry_ids[0]));
    for (id, frames) in index.videos("ncii") {
        let expected = if frames.len() == HUGE_FRAMES as usize { HUGE_FRAMES } else { FRAMES };
        assert_eq!(frames.len() as u64, expected, "entry {id} loaded whole");
    }
}

#[tokio::test]
async fn the_change_log_is_read_in_batches_within_the_byte_budget_and_misses_nothing() {
    let (_redis, store) = budgeted_store().await;
    let head = store.changes_head("ncii").await.unwrap();
    let mut videos = Vec::new();
    for seed in 1..=5 {
        videos.extend(store.create_case(video_case("ncii", seed, FRAMES)).await.unwrap().entry_ids);
    }
    let mut follower = store.follower(Duration::from_millis(100)).await.unwrap();
    let (mut after, mut seen, mut batches) = (head, Vec::new(), 0);
    loop {
        let batch = follower.next_changes("ncii", after, 1000).await.unwrap();
        let Some((last, _)) = batch.changes.last() else { break };
        batches += 1;
        let bytes: usize = batch
            .changes
            .iter()
            .filter_map(|(_, c)| c.live.as_ref())
            .map(|(_, h)| h.len() + RECORD_OVERHEAD_BYTES)
            .sum();
        assert!(batch.changes.len() == 1 || bytes <= BUDGET, "batch of {bytes} bytes");
        assert!(batch.changes.iter().all(|(_, c)| c.live.is_some()), "every live change carries its hash");
        assert_eq!(batch.full, seen.len() + batch.changes.len() < videos.len());
        after = *last;
        seen.extend(batch.changes.iter().map(|(_, c)| c.entry_id));
    }
    assert_eq!(seen, videos);
    assert!(batches >= 3, "five videos of ~30 KB in an 80 KiB budget: {batches} batches");
}
