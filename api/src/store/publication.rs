//! Publication batches: how live entries reach the feed without revealing which of them came in one case.
//!
//! A case's entries join the live set (and so the match indexes) at once, but the feed only through the list's
//! outbox: a batch publishes everything waiting, in an order shuffled with ring's RNG and with one timestamp, once
//! entries of at least [`PublicationPolicy::min_cases`] cases wait or the oldest has waited
//! [`PublicationPolicy::max_wait`]. Within a batch neither the order, the stream ids nor the times tell two
//! cases apart; a batch holding a single case (a quiet list past the wait limit) still tells that its records
//! came together, which is why the case count, not a timer alone, triggers a batch.

use std::{collections::HashSet, time::Duration};

use super::{EntryId, Store, StoreError};
use crate::settings::PublicationPolicy;

/// Entries one run reads from the outbox at most (the rest waits for the next run).
const MAX_BATCH: isize = 100_000;
/// Entries one script call publishes (a batch is written in several calls, all with the batch's time and order).
const SCRIPT_CHUNK: usize = 1_000;

impl Store {
    /// Publishes the entries waiting in `list`'s outbox as one batch if `policy` says it is due at `now_ms` (unix
    /// ms; tests pass a fake clock). Returns how many feed records were written (0 when not due).
    pub async fn publish(&self, list: &str, policy: PublicationPolicy, now_ms: u64) -> Result<u64, StoreError> {
        let keys = self.keys();
        let waiting: Vec<(EntryId, f64)> = redis::cmd("ZRANGE")
            .arg(keys.outbox(list))
            .arg(0)
            .arg(MAX_BATCH - 1)
            .arg("WITHSCORES")
            .query_async(&mut self.conn())
            .await?;
        let Some(oldest) = waiting.iter().map(|(_, since)| *since as u64).min() else {
            return Ok(0);
        };
        let mut ids: Vec<EntryId> = waiting.into_iter().map(|(id, _)| id).collect();
        let mut cases = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut pipe = redis::pipe();
            for id in chunk {
                pipe.hget(keys.entry(list, *id), "case_id");
            }
            let found: Vec<Option<String>> = pipe.query_async(&mut self.conn()).await?;
            cases.extend(found);
        }
        let distinct: HashSet<&str> = cases.iter().flatten().map(String::as_str).collect();
        let waited = Duration::from_millis(now_ms.saturating_sub(oldest));
        if distinct.len() < policy.min_cases.max(1) && waited < policy.max_wait {
            return Ok(0);
        }
        let mut order: Vec<(EntryId, Option<String>)> = ids.drain(..).zip(cases).collect();
        shuffle(&self.inner.rng, &mut order)?;
        let mut written = 0;
        for chunk in order.chunks(SCRIPT_CHUNK) {
            let mut invocation = self.inner.scripts.publish_batch.prepare_invoke();
            invocation.key(keys.outbox(list)).key(keys.feed(list)).arg(now_ms);
            for (id, case_id) in chunk {
                // An entry gone since (purged) has no case: a placeholder key of the list's slot that never exists.
                let case_key = keys.case(list, case_id.as_deref().unwrap_or("-"));
                invocation.key(keys.entry(list, *id)).key(case_key).arg(*id);
            }
            let n: u64 = invocation.invoke_async(&mut self.conn()).await?;
            written += n;
        }
        Ok(written)
    }
}

/// Fisher-Yates with ring's RNG: the order must not be predictable from ids or arrival.
pub fn shuffle<T>(rng: &dyn ring::rand::SecureRandom, items: &mut [T]) -> Result<(), StoreError> {
    for i in (1..items.len()).rev() {
        let mut bytes = [0u8; 8];
        rng.fill(&mut bytes).map_err(|_| StoreError::Rng)?;
        // The modulo bias of a 64-bit draw over at most 100,000 items is below 2^-46: negligible.
        let j = (u64::from_le_bytes(bytes) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    Ok(())
}
