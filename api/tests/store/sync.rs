//! Two processes' indexes on one Redis converge: what one adds or withdraws, the other matches or forgets within
//! one second. (Two stores with their own connections and indexes in one test process stand for two servers.)

use std::time::{Duration, Instant};

use disrupt_api::{
    match_index::{MatchIndex, PdqBytes, SharedIndex},
    store::Store,
    sync::{IndexSync, load_list},
    testing::RedisProcess,
};

use crate::helpers::{case, pdq, store_with};

fn pdq_bytes(n: u64) -> PdqBytes {
    let mut out = [0u8; 32];
    hex::decode_to_slice(pdq(n), &mut out).unwrap();
    out
}

fn matches(index: &SharedIndex, list: &str, n: u64) -> bool {
    !index.read().search_pdq(list, &[pdq_bytes(n)], 0).is_empty()
}

async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

struct Process {
    store: Store,
    index: SharedIndex,
    sync: IndexSync,
}

async fn process(redis: &RedisProcess, prefix: &str) -> Process {
    let mut settings = redis.settings();
    settings.key_prefix = prefix.to_owned();
    let store = store_with(&settings).await;
    let index = MatchIndex::shared();
    let sync = IndexSync::start(store.clone(), index.clone());
    Process { store, index, sync }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_converge_within_one_second() {
    let redis = RedisProcess::start();
    let prefix = disrupt_api::testing::random_prefix();
    let a = process(&redis, &prefix).await;
    // Entries written before the second process starts are loaded by it, withdrawn ones are not.
    let early = a.store.create_case(case("ncii", 1, 5)).await.unwrap();
    let gone = a.store.create_case(case("ncii", 100, 1)).await.unwrap();
    a.store.withdraw_case(&gone.case_id).await.unwrap();
    let b = process(&redis, &prefix).await;
    let status = b.sync.status();
    wait_until("b loaded", Duration::from_secs(10), || status.is_loaded()).await;
    wait_until("a loaded", Duration::from_secs(10), || a.sync.status().is_loaded()).await;
    assert_eq!(b.index.read().list_len("ncii"), 5);
    assert!(matches(&b.index, "ncii", 1) && !matches(&b.index, "ncii", 100));

    let added = a.store.create_case(case("ncii", 200, 1)).await.unwrap();
    wait_until("b matches what a added", Duration::from_secs(1), || matches(&b.index, "ncii", 200)).await;
    b.store.withdraw_case(&early.case_id).await.unwrap();
    wait_until("a forgets what b withdrew", Duration::from_secs(1), || !matches(&a.index, "ncii", 1)).await;
    wait_until("b forgets too", Duration::from_secs(1), || !matches(&b.index, "ncii", 1)).await;
    assert!(matches(&a.index, "ncii", 200));
    let _ = added;

    // A list created later is picked up by both.
    a.store.create_list("csam").await.unwrap();
    b.store.create_case(case("csam", 300, 1)).await.unwrap();
    wait_until("a sees the new list", Duration::from_secs(5), || matches(&a.index, "csam", 300)).await;
    assert!(b.sync.status().lag_ms() < 2000);
}

/// The loader records the feed head before scanning, so changes racing the load are replayed, not lost.
#[tokio::test]
async fn load_then_follow_from_the_recorded_head_misses_nothing() {
    let redis = RedisProcess::start();
    let store = store_with(&redis.settings()).await;
    store.create_case(case("ncii", 1, 3)).await.unwrap();
    let index = MatchIndex::shared();
    let head = load_list(&store, &index, "ncii").await.unwrap();
    assert_eq!(index.read().list_len("ncii"), 3);
    // A change after the recorded head comes through the change log, with the live hash, before any publication
    // batch; the log itself holds no hash value.
    let added = store.create_case(case("ncii", 50, 1)).await.unwrap();
    let mut follower = store.follower(Duration::from_millis(100)).await.unwrap();
    let batch = follower.next_changes("ncii", head, 100).await.unwrap().changes;
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].1.entry_id, added.entry_ids[0]);
    assert_eq!(batch[0].1.live.as_ref().map(|(_, hash)| hash.clone()), Some(pdq(50)));
    assert!(follower.next_changes("ncii", batch[0].0, 100).await.unwrap().changes.is_empty());
    store.withdraw_case(&added.case_id).await.unwrap();
    let batch = follower.next_changes("ncii", batch[0].0, 100).await.unwrap().changes;
    assert_eq!((batch.len(), batch[0].1.live.is_none()), (1, true));
    let mut raw = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let logs: Vec<String> = redis::cmd("KEYS").arg("*{l:ncii}:changes").query_async(&mut raw).await.unwrap();
    assert_eq!(logs.len(), 1);
    let records: Vec<(String, Vec<String>)> =
        redis::cmd("XRANGE").arg(&logs[0]).arg("-").arg("+").query_async(&mut raw).await.unwrap();
    assert_eq!(records.len(), 5);
    assert!(records.iter().flat_map(|(_, fields)| fields).all(|v| v.len() < 20), "no hash in the change log");
}
