//! Keeps this process's [`MatchIndex`](crate::match_index::MatchIndex) equal to the lists in Redis.
//!
//! Per list: record the change log's head id FIRST, then load every live hash (HSCAN of the list's live set),
//! then follow the change log from the recorded id with blocking reads. The change log, not the platforms' feed,
//! because the feed receives new entries only in publication batches (`store::publication`) while matching must
//! see them at once. A change racing the scan is therefore seen again in the log; each change is applied with
//! the entry's current live hash and [`MatchIndex::apply`](crate::match_index::MatchIndex::apply) is idempotent,
//! so replaying is harmless. A hash added or withdrawn through any process reaches every process's index within
//! the block time (500 ms). New lists are picked up by polling the list registry.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use disrupt_hotline::time::now_ms;
use parking_lot::Mutex;
use tokio::task::JoinHandle;

use crate::{
    match_index::{ListLoader, SharedIndex},
    store::{Store, StoreError, StreamId},
};

/// How long one blocking feed read waits; bounds the propagation delay.
pub const FOLLOW_BLOCK: Duration = Duration::from_millis(500);
/// How often the list registry is polled for new lists.
const LIST_POLL: Duration = Duration::from_secs(2);
/// Changes per read; a read also stops at the store's byte budget of hashes.
const FOLLOW_BATCH: usize = 1000;
/// Live hashes per batch while loading; a batch also stops at the store's byte budget
/// ([`crate::settings::RedisSettings::page_bytes`]), so loading holds the index and one batch, never the list's text.
const LOAD_BATCH: usize = 10_000;
/// A follower that has not reached the feed's end for this long makes the process unready.
pub const MAX_READY_LAG: Duration = Duration::from_secs(5);

/// What the sync reports to `/readyz` and the logs.
#[derive(Debug, Default)]
pub struct SyncStatus {
    loaded: AtomicBool,
    /// List -> unix ms when its follower last reached the end of its feed.
    caught_up: Mutex<HashMap<String, u64>>,
}

impl SyncStatus {
    /// True once every list known at start has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Milliseconds since the most-behind follower last reached the end of its feed (0 before any list).
    pub fn lag_ms(&self) -> u64 {
        let now = now_ms();
        self.caught_up.lock().values().map(|at| now.saturating_sub(*at)).max().unwrap_or(0)
    }

    fn caught_up(&self, list: &str) {
        self.caught_up.lock().insert(list.to_owned(), now_ms());
    }
}

/// The running sync tasks; dropping it (or [`IndexSync::stop`]) stops them.
#[derive(Debug)]
pub struct IndexSync {
    status: Arc<SyncStatus>,
    task: JoinHandle<()>,
}

impl IndexSync {
    /// Starts loading and following every list in the background; watch [`IndexSync::status`] for readiness.
    pub fn start(store: Store, index: SharedIndex) -> Self {
        let status = Arc::new(SyncStatus::default());
        let task = tokio::spawn(run(store, index, status.clone()));
        Self { status, task }
    }

    /// Shared status for `/readyz`.
    pub fn status(&self) -> Arc<SyncStatus> {
        self.status.clone()
    }

    /// Stops the tasks.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for IndexSync {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Aborts the followers when the supervising task ends (or is aborted).
struct Followers(Vec<JoinHandle<()>>);

impl Drop for Followers {
    fn drop(&mut self) {
        for follower in &self.0 {
            follower.abort();
        }
    }
}

async fn run(store: Store, index: SharedIndex, status: Arc<SyncStatus>) {
    let mut known = HashSet::new();
    let mut followers = Followers(Vec::new());
    loop {
        match store.list_names().await {
            Ok(names) => {
                let mut all_loaded = true;
                for list in names {
                    if known.contains(&list) {
                        continue;
                    }
                    match load_list(&store, &index, &list).await {
                        Ok(head) => {
                            status.caught_up(&list);
                            followers.0.push(tokio::spawn(follow(
                                store.clone(),
                                index.clone(),
                                status.clone(),
                                list.clone(),
                                head,
                            )));
                            known.insert(list);
                        }
                        Err(err) => {
                            all_loaded = false;
                            tracing::error!(list, error = %err, "loading the list failed; retrying");
                        }
                    }
                }
                if all_loaded && !status.is_loaded() {
                    tracing::info!(entries = index.read().len(), "match index loaded");
                    status.loaded.store(true, Ordering::Release);
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot read the list registry"),
        }
        tokio::time::sleep(LIST_POLL).await;
    }
}

/// Loads a list's live hashes into the index (replacing what it had of the list) and returns the
/// change log id to follow from, recorded before the scan.
pub async fn load_list(store: &Store, index: &SharedIndex, list: &str) -> Result<StreamId, StoreError> {
    let started = Instant::now();
    let head = store.changes_head(list).await?;
    let mut loader = ListLoader::default();
    let mut scan = 0;
    let mut next_report = 1_000_000;
    loop {
        let (next, hashes) = store.scan_live(list, scan, LOAD_BATCH).await?;
        for h in &hashes {
            if !loader.add(h.id, h.kind, &h.hash) {
                tracing::warn!(list, id = h.id, "skipping a stored hash that does not parse");
            }
        }
        if loader.len() >= next_report {
            tracing::info!(list, loaded = loader.len(), "loading the match index");
            next_report += 1_000_000;
        }
        if next == 0 {
            break;
        }
        scan = next;
    }
    let loaded = loader.len();
    // Building the tables is CPU work of seconds for millions of hashes: off the async workers, outside the lock.
    let built = tokio::task::spawn_blocking(move || loader.finish())
        .await
        .map_err(|err| StoreError::Corrupt(format!("building the index failed: {err}")))?;
    index.write().install_list(list, built);
    tracing::info!(list, loaded, seconds = started.elapsed().as_secs_f64(), "list loaded");
    Ok(head)
}

/// Applies a list's change log from `after` on, forever; reconnects after errors.
async fn follow(store: Store, index: SharedIndex, status: Arc<SyncStatus>, list: String, mut after: StreamId) {
    loop {
        let mut follower = match store.follower(FOLLOW_BLOCK).await {
            Ok(f) => f,
            Err(err) => {
                tracing::warn!(list, error = %err, "cannot open a feed connection; retrying");
                tokio::time::sleep(FOLLOW_BLOCK).await;
                continue;
            }
        };
        loop {
            match follower.next_changes(&list, after, FOLLOW_BATCH).await {
                Ok(batch) => {
                    if let Some((last, _)) = batch.changes.last() {
                        after = *last;
                        let mut index = index.write();
                        for (_, change) in &batch.changes {
                            match &change.live {
                                Some((kind, hash)) => index.apply(&list, change.entry_id, *kind, hash, true),
                                None => index.remove(&list, change.entry_id),
                            };
                        }
                    }
                    if !batch.full {
                        status.caught_up(&list);
                    }
                }
                Err(err) => {
                    tracing::warn!(list, error = %err, "reading the feed failed; reconnecting");
                    tokio::time::sleep(FOLLOW_BLOCK).await;
                    break;
                }
            }
        }
    }
}
