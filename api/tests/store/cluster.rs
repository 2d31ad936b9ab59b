//! The same store code against a 3-master Redis Cluster, and a failover in a cluster with replicas.

use std::sync::Arc;
use std::time::{Duration, Instant};

use disrupt_api::{
    match_index::MatchIndex,
    settings::{RedisSettings, ReplicaWait, ReplicationSettings},
    store::{CaseState, EntryState, Store},
    sync::IndexSync,
    testing::RedisCluster,
};
use parking_lot::Mutex;

use crate::helpers::{case, publish};

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
        assert_eq!(publish(&store, list).await, 3);
        store.set_entry_state(created.entry_ids[0], EntryState::Verified).await.unwrap();
        assert_eq!(publish(&store, list).await, 1);
        store.withdraw_case(&created.case_id).await.unwrap();
        // Each entry once, in its latest state: three tombstones.
        let page = store.read_feed(list, None, 2).await.unwrap();
        assert_eq!(page.records.len(), 2);
        let rest = store.read_feed(list, Some(&page.next_cursor), 100).await.unwrap();
        assert_eq!(rest.records.len(), 1);
        store.create_case(case(list, 1000 + i as u64, 1)).await.unwrap();
        assert_eq!(publish(&store, list).await, 1);
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

/// API keys, lists, notices and each list have an outbox on their own slot; on a cluster those lie on different
/// masters, and each action's script writes its record there with its keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_write_their_records_on_their_own_slots_of_a_cluster() {
    let cluster = RedisCluster::start(3);
    let store = Store::connect(&cluster.settings()).await.unwrap();
    crate::audit_outbox::actions_leave_their_records_beside_them(&store).await;
}

/// 3 masters and 3 replicas; the master holding the list is killed while withdrawals run. Each withdrawal is
/// retried until acknowledged, as a victim's client would; every acknowledged one is there after the failover.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_withdrawal_survives_the_failover_of_its_master() {
    let mut cluster = RedisCluster::start_with_replicas(3, 1);
    let settings = RedisSettings {
        replication: ReplicationSettings { wait_for: ReplicaWait::Auto, timeout_ms: 500 },
        ..cluster.settings()
    };
    let store = Store::connect(&settings).await.unwrap();
    let mut cases = Vec::new();
    for i in 0..240 {
        cases.push(store.create_case(case("ncii", i * 2, 2)).await.unwrap().case_id);
    }
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let give_up = Instant::now() + Duration::from_secs(40);
    let mut workers = Vec::new();
    for share in cases.chunks(60) {
        let (store, share, acknowledged) = (store.clone(), share.to_vec(), acknowledged.clone());
        workers.push(tokio::spawn(async move {
            for case_id in share {
                while Instant::now() < give_up {
                    match store.withdraw_case(&case_id).await {
                        Ok(_) => {
                            acknowledged.lock().push(case_id.clone());
                            break;
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
        }));
    }
    while acknowledged.lock().len() < 40 {
        assert!(Instant::now() < give_up, "withdrawals stalled before the failover");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cluster.kill_master_of(&format!("{}{{l:ncii}}:feed", settings.key_prefix));
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().clone();
    assert!(acknowledged.len() > 40, "withdrawals went on after the failover: {}", acknowledged.len());

    let fresh = Store::connect(&settings).await.unwrap();
    for case_id in &acknowledged {
        let view = fresh.get_case(case_id).await.unwrap().expect("the case survived");
        assert_eq!(view.case.state, CaseState::Withdrawn, "acknowledged withdrawal of {case_id} lost");
        assert!(view.entries.iter().all(|e| e.state == EntryState::Withdrawn));
    }
    let live = fresh.snapshot("ncii").await.unwrap().0;
    let withdrawn: std::collections::HashSet<&String> = acknowledged.iter().collect();
    assert!(live.iter().all(|e| !withdrawn.contains(&e.case_id)), "a withdrawn case's hash is still listed");
}
