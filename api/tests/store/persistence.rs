//! Every acknowledged write survives a crash of Redis (kill -9) and a restart from the append-only file.

use std::time::Duration;

use disrupt_api::{
    store::{EntryState, Store},
    testing::{Persistence, RedisProcess},
};

use crate::helpers::{case, publish};

async fn write_some(store: &Store) -> Vec<(String, Vec<u64>)> {
    let mut written = Vec::new();
    for i in 0..20 {
        let created = store.create_case(case("ncii", i * 10, 3)).await.unwrap();
        written.push((created.case_id, created.entry_ids));
    }
    publish(store, "ncii").await;
    store.withdraw_case(&written[0].0).await.unwrap();
    store.set_entry_state(written[1].1[0], EntryState::Verified).await.unwrap();
    publish(store, "ncii").await;
    written
}

async fn assert_all_there(store: &Store, written: &[(String, Vec<u64>)]) {
    for (case_id, ids) in written {
        let view = store.get_case(case_id).await.unwrap().expect("acknowledged case survives");
        assert_eq!(&view.case.entry_ids, ids);
        assert_eq!(view.entries.len(), ids.len());
    }
    let withdrawn = store.get_case(&written[0].0).await.unwrap().expect("case");
    assert!(withdrawn.entries.iter().all(|e| e.state == EntryState::Withdrawn));
    let verified = store.get_entry(written[1].1[0]).await.unwrap().expect("entry");
    assert_eq!(verified.state, EntryState::Verified);
    let page = store.read_feed("ncii", None, 10_000).await.unwrap();
    assert_eq!(page.records.len(), 20 * 3, "each entry once, in its latest state");
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_with_fsync_always() {
    let mut redis = RedisProcess::start_with(Persistence::AofAlways);
    let settings = redis.settings();
    let written = write_some(&Store::connect(&settings).await.unwrap()).await;
    redis.restart(); // SIGKILL, then start on the same directory
    let store = Store::connect(&settings).await.unwrap();
    assert_all_there(&store, &written).await;
}

#[tokio::test]
async fn writes_older_than_the_fsync_window_survive_kill_9_with_fsync_everysec() {
    let mut redis = RedisProcess::start_with(Persistence::AofEverySec);
    let settings = redis.settings();
    let written = write_some(&Store::connect(&settings).await.unwrap()).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    redis.restart();
    let store = Store::connect(&settings).await.unwrap();
    assert_all_there(&store, &written).await;
}
