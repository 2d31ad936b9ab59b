//! Following a list's change log with blocking reads: how the match indexes stay in step with the live sets.

use std::collections::HashMap;
use std::time::Duration;

use super::connection::Connection;
use super::keys::Keys;
use super::{EntryId, HashKind, RECORD_OVERHEAD_BYTES, Store, StoreError, StreamId, codec};

impl Store {
    /// A follower on its own connection, for blocking reads of the feed.
    pub async fn follower(&self, block: Duration) -> Result<FeedFollower, StoreError> {
        let timeout = block + self.inner.response_timeout;
        Ok(FeedFollower {
            conn: self.inner.client.connect(timeout).await?,
            keys: self.inner.keys.clone(),
            live_values: self.inner.scripts.live_values.clone(),
            page_bytes: self.inner.page_bytes,
            block,
        })
    }
}

/// Reads a list's change log with blocking reads, on a connection of its own (a blocking read holds its
/// connection).
pub struct FeedFollower {
    conn: Connection,
    keys: Keys,
    live_values: redis::Script,
    page_bytes: usize,
    block: Duration,
}

impl std::fmt::Debug for FeedFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedFollower").field("block", &self.block).finish_non_exhaustive()
    }
}

/// One change of a list for the match indexes: the entry, and its hash when it is live (else it left the list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The entry.
    pub entry_id: EntryId,
    /// Kind and hash text while live; `None` when it is not live (or no longer, by the time it was read).
    pub live: Option<(HashKind, String)>,
}

/// A batch of changes read by [`FeedFollower::next_changes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The changes in log order, each with its stream id.
    pub changes: Vec<(StreamId, Change)>,
    /// The batch stopped at its count or its byte budget, so more changes may follow at once.
    pub full: bool,
}

impl FeedFollower {
    /// Up to `count` changes of `list` after `after` (see [`Store::changes_head`]), waiting up to the block time
    /// for the first one. Empty when nothing came. The change log holds no hash: a live entry's hash is read
    /// from the live set, as it is now (a later change in the log brings it up to date again). The hashes read
    /// stay within the byte budget ([`RedisSettings::page_bytes`](crate::settings::RedisSettings::page_bytes)): the batch ends before the change whose hash
    /// would pass it (never before the first), and the next call continues from there.
    pub async fn next_changes(&mut self, list: &str, after: StreamId, count: usize) -> Result<Changes, StoreError> {
        let reply: redis::Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(self.block.as_millis() as u64)
            .arg("STREAMS")
            .arg(self.keys.changes(list))
            .arg(after.to_string())
            .query_async(&mut self.conn)
            .await?;
        let mut changes = codec::changes_from_xread(reply)?;
        let mut full = changes.len() >= count;
        let live: Vec<EntryId> = changes.iter().filter(|(_, _, live)| *live).map(|(_, id, _)| *id).collect();
        let mut hashes: HashMap<EntryId, (HashKind, String)> = HashMap::new();
        let (mut read, mut bytes) = (0, 0);
        while read < live.len() {
            let chunk = &live[read..live.len().min(read + 1000)];
            let mut invocation = self.live_values.key(self.keys.live(list));
            invocation
                .arg(self.page_bytes.saturating_sub(bytes))
                .arg(RECORD_OVERHEAD_BYTES)
                .arg(if read == 0 { "1" } else { "0" })
                .arg(chunk);
            let values: Vec<Option<String>> = invocation.invoke_async(&mut self.conn).await?;
            for (id, value) in chunk.iter().zip(&values) {
                bytes += RECORD_OVERHEAD_BYTES + value.as_ref().map_or(0, String::len);
                if let Some(value) = value {
                    hashes.insert(*id, codec::live_value(value)?);
                }
            }
            read += values.len();
            if values.len() < chunk.len() {
                // The budget is spent: the batch ends before the live change whose hash was not read (the
                // `read`-th live one; an entry may change twice in a batch, so count, do not search by id).
                let mut live_seen = 0;
                let at = changes
                    .iter()
                    .position(|(_, _, l)| {
                        let stop = *l && live_seen == read;
                        live_seen += usize::from(*l);
                        stop
                    })
                    .unwrap_or(changes.len());
                changes.truncate(at);
                full = true;
                break;
            }
        }
        let changes = changes
            .into_iter()
            .map(|(at, entry_id, live)| {
                let live = if live { hashes.get(&entry_id).cloned() } else { None };
                (at, Change { entry_id, live })
            })
            .collect();
        Ok(Changes { changes, full })
    }
}
