//! Snapshots of a list's live entries, page by page, and scans of its live hashes for the match index.

use super::{Entry, EntryId, HashKind, RECORD_OVERHEAD_BYTES, Store, StoreError, codec, cursor};

/// A live hash as the index loader reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveHash {
    /// The entry.
    pub id: EntryId,
    /// The hash's kind.
    pub kind: HashKind,
    /// The hash text.
    pub hash: String,
}

impl Store {
    /// Every live entry of a list, and the cursor to follow the feed from. The cursor is taken first, so a change
    /// that races the scan shows up in the feed after it (records carry whole states, so replaying is harmless).
    /// This holds the whole list in memory: for tests and small lists; serving platforms goes page by page
    /// ([`Store::snapshot_page`]).
    pub async fn snapshot(&self, list: &str) -> Result<(Vec<Entry>, String), StoreError> {
        self.list_number(list).await?;
        let head = self.feed_head(list).await?;
        let mut entries = Vec::new();
        let mut scan = 0;
        loop {
            let (next, page) = self.snapshot_page(list, scan, 1000).await?;
            entries.extend(page);
            if next == 0 {
                break;
            }
            scan = next;
        }
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        sort_unlinkably(&mut entries);
        Ok((entries, cursor::encode(list, head)))
    }

    /// The entries as platforms were last told of them (state and time of their newest feed record), keeping only
    /// live ones: an entry waiting for its publication batch is not in the snapshot yet, so that comparing
    /// snapshots taken a moment apart cannot group a case either. Entries from before publication batches (no
    /// published state, not waiting) are taken as they are.
    async fn as_published(&self, list: &str, entries: Vec<Entry>) -> Result<Vec<Entry>, StoreError> {
        let unpublished: Vec<EntryId> = entries.iter().filter(|e| e.published.is_none()).map(|e| e.id).collect();
        let waiting: std::collections::HashSet<EntryId> = if unpublished.is_empty() {
            Default::default()
        } else {
            let scores: Vec<Option<f64>> = redis::cmd("ZMSCORE")
                .arg(self.keys().outbox(list))
                .arg(&unpublished)
                .query_async(&mut self.conn())
                .await?;
            unpublished.iter().zip(scores).filter(|(_, s)| s.is_some()).map(|(id, _)| *id).collect()
        };
        Ok(entries
            .into_iter()
            .filter_map(|mut e| {
                match e.published {
                    Some((state, at)) => {
                        e.state = state;
                        e.updated_at = at;
                    }
                    None if waiting.contains(&e.id) => return None,
                    None => {}
                }
                e.state.is_live().then_some(e)
            })
            .collect())
    }

    /// One page of a snapshot: the live entries of the next steps of a scan over `list`'s live set, up to `count`
    /// entries and about the byte budget ([`RedisSettings::page_bytes`](crate::settings::RedisSettings::page_bytes)) of hashes (start with scan cursor 0; the
    /// scan is done when it returns 0). An entry may come twice across pages (HSCAN semantics).
    pub async fn snapshot_page(
        &self,
        list: &str,
        scan_cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<Entry>), StoreError> {
        let (next, flat) = self.scan_live_raw(list, scan_cursor, count, false).await?;
        let ids = flat.iter().map(|id| id.parse().map_err(|_| corrupt_mark_live())).collect::<Result<Vec<_>, _>>()?;
        let entries = self.get_entries(list, &ids).await?;
        let mut entries = self.as_published(list, entries).await?;
        sort_unlinkably(&mut entries);
        Ok((next, entries))
    }

    /// The next steps of a scan over a list's live hashes (start with 0; the scan is done when it returns 0): up
    /// to `count` hashes and about the byte budget ([`RedisSettings::page_bytes`](crate::settings::RedisSettings::page_bytes)), at least one step's. An entry
    /// may come twice (Redis HSCAN semantics).
    pub async fn scan_live(
        &self,
        list: &str,
        scan_cursor: u64,
        count: usize,
    ) -> Result<(u64, Vec<LiveHash>), StoreError> {
        let (next, flat) = self.scan_live_raw(list, scan_cursor, count, true).await?;
        Ok((next, codec::live_from_flat(flat)?))
    }

    /// [`Store::scan_live`]'s read: flat ids, or id and value pairs with `values`.
    async fn scan_live_raw(
        &self,
        list: &str,
        scan_cursor: u64,
        count: usize,
        values: bool,
    ) -> Result<(u64, Vec<String>), StoreError> {
        let (next, flat): (String, Vec<String>) = self
            .inner
            .scripts
            .scan_live
            .key(self.keys().live(list))
            .arg(scan_cursor)
            .arg(count.max(1))
            .arg(self.inner.page_bytes)
            .arg(RECORD_OVERHEAD_BYTES)
            .arg(if values { "1" } else { "0" })
            .invoke_async(&mut self.conn())
            .await?;
        Ok((next.parse().map_err(|_| corrupt_mark_live())?, flat))
    }
}

/// Orders entries by hash value, which says nothing about which case they came in: entry ids are sequential per
/// case, and a small live set scans in insertion order, so either order would put one case's hashes side by side.
fn sort_unlinkably(entries: &mut [Entry]) {
    entries.sort_unstable_by(|a, b| (a.kind.as_str(), &a.hash, a.id).cmp(&(b.kind.as_str(), &b.hash, b.id)));
}

fn corrupt_mark_live() -> StoreError {
    StoreError::Corrupt("malformed scan of the live set".into())
}
