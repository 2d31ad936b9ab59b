//! The same store code against a 3-master Redis Cluster.

use std::time::{Duration, Instant};

use disrupt_api::{
    match_index::MatchIndex,
    store::{EntryState, Store},
    sync::IndexSync,
    testing::RedisCluster,
};

use crate::helpers::case;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_round_trips_on_a_cluster() {
    let cluster = RedisCluster::start(3);
    let store = Store::connect(&cluster.settings()).await.unwrap();
    // Several lists, so their hash tags land on different masters.
    let lists = ["ncii", "csam", "terror", "l3", "l4", "l5"];
    for list in &lists[1..] {
        store.create_list(list).await.unwrap();
    }
    let index = MatchIndex::shared();
    let sync = IndexSync::start(store.clone(), index.clone());
    for (i, list) in lists.iter().enumerate() {
        let created = store.create_case(case(list, i as u64 * 10, 3)).await.unwrap();
        let view = store.get_case(&created.case_id).await.unwrap().expect("case");
        assert_eq!(view.entries.len(), 3);
        store.set_entry_state(created.entry_ids[0], EntryState::Verified).await.unwrap();
        store.withdraw_case(&created.case_id).await.unwrap();
        let page = store.read_feed(list, None, 2).await.unwrap();
        assert_eq!(page.records.len(), 2);
        let rest = store.read_feed(list, Some(&page.next_cursor), 100).await.unwrap();
        assert_eq!(rest.records.len(), 5);
        store.create_case(case(list, 1000 + i as u64, 1)).await.unwrap();
        assert_eq!(store.snapshot(list).await.unwrap().0.len(), 1);
    }
    let start = Instant::now();
    while index.read().len() != lists.len() {
        assert!(start.elapsed() < Duration::from_secs(10), "index: {}", index.read().len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sync.status().is_loaded());
    store.ping().await.unwrap();
}
