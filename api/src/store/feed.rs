//! The delta feed: pages after a cursor, each platform key's position in it (and the erasure receipts that
//! positions prove), its heads and its trimming.

use std::collections::HashMap;

use disrupt_hotline::audit::{AuditAction, AuditActor};
use disrupt_hotline::time::now_ms;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules};
use super::{Case, Delivery, FeedPage, MAX_UPDATE_TRIES, Store, StoreError, StreamId, codec, cursor};

/// The most records one feed page returns.
pub const MAX_FEED_PAGE: usize = 10_000;
/// What a record costs on top of its stored hash text when pages are measured: the JSON field names, the entry
/// reference, state and times. Generous, so the measure is at or above the record's JSON size.
pub const RECORD_OVERHEAD_BYTES: usize = 256;

impl Store {
    /// Up to `limit` feed records after `cursor` (`None`: from the start of the feed), and no more than the byte
    /// budget ([`RedisSettings::page_bytes`](crate::settings::RedisSettings::page_bytes)) of them, but at least one when any follows. Redis reads the records
    /// in small steps and stops at the budget, so it does not read a whole count of large records to serve a few.
    /// Pages taken one after the other never skip or repeat a record, also while writes happen. A cursor from
    /// before the retention mark (also `None` once anything was trimmed) gives [`StoreError::CursorExpired`]:
    /// resync from a snapshot ([`Store::snapshot_page`]).
    pub async fn read_feed(&self, list: &str, cursor: Option<&str>, limit: usize) -> Result<FeedPage, StoreError> {
        let start = match cursor {
            Some(c) => cursor::decode(list, c)?,
            None => StreamId::ZERO,
        };
        self.list_number(list).await?;
        let limit = limit.clamp(1, MAX_FEED_PAGE);
        let (trimmed, head, raw, cut): (String, String, redis::Value, u8) = self
            .inner
            .scripts
            .read_feed
            .key(self.keys().feed(list))
            .key(self.keys().trimmed(list))
            .arg(start.to_string())
            .arg(limit)
            .arg(self.inner.page_bytes)
            .arg(RECORD_OVERHEAD_BYTES)
            .invoke_async(&mut self.conn())
            .await?;
        if !trimmed.is_empty() && start < trimmed.parse::<StreamId>().map_err(corrupt_mark)? {
            return Err(StoreError::CursorExpired);
        }
        // No cursor this store issued lies past the newest record: such a cursor is forged (or Redis lost writes)
        // and would let a reader claim it had been served records it never saw.
        if start > head.parse::<StreamId>().map_err(corrupt_mark)? {
            return Err(StoreError::CursorBeyondEnd);
        }
        let records = codec::records_from_range(raw)?;
        let next = records.last().map(|(id, _)| *id).unwrap_or(start);
        Ok(FeedPage {
            full: cut == 1 || records.len() == limit,
            records: records.into_iter().map(|(_, r)| r).collect(),
            next_cursor: cursor::encode(list, next),
        })
    }

    /// Records that platform key `key_id` was served `list`'s feed from `from` (exclusive; [`StreamId::ZERO`] for
    /// a read from the beginning or a snapshot) up to `position` (a page's last record, or a snapshot's cursor).
    /// Positions only move forward, and only over records served without a gap: a read that starts past the
    /// recorded position (a forged or borrowed cursor) records nothing. Returns the previous position when it
    /// moved ([`StreamId::ZERO`] for a first fetch), `None` when it did not.
    pub async fn record_position(
        &self,
        list: &str,
        key_id: &str,
        from: StreamId,
        position: StreamId,
    ) -> Result<Option<StreamId>, StoreError> {
        self.record_position_audited(list, key_id, from, position, None).await
    }

    /// [`Store::record_position`], with a `deletion_delivered` record by `platform` written in the same step for
    /// each withdrawn case whose tombstones the move passes and whose hashes this key had received (what the
    /// victim's erasure receipt counts). A key with no position before had received nothing, so its first move
    /// records none (and its first snapshot does not walk every withdrawal ever made).
    pub async fn record_position_audited(
        &self,
        list: &str,
        key_id: &str,
        from: StreamId,
        position: StreamId,
        platform: Option<AuditActor>,
    ) -> Result<Option<StreamId>, StoreError> {
        let keys = self.keys();
        for _ in 0..MAX_UPDATE_TRIES {
            let read: Option<String> = self.conn().hget(keys.positions(list), key_id).await?;
            let before = read.as_deref().map(|p| p.parse().map_err(corrupt_mark)).transpose()?;
            let records = match (&platform, before) {
                (Some(platform), Some(before)) if before < position && before != StreamId::ZERO => {
                    self.deletions_delivered(list, key_id, before, position, platform).await?
                }
                _ => Vec::new(),
            };
            let mut invocation = self.inner.scripts.record_position.prepare_invoke();
            invocation
                .key(keys.positions(list))
                .arg(key_id)
                .arg(from.to_string())
                .arg(position.to_string())
                .arg(read.as_deref().unwrap_or(""));
            AuditRules::none().when_all("^moved", records).finish(&mut invocation, keys.audit_outbox(list));
            let outcome: Vec<String> = invocation.invoke_async(&mut self.conn()).await?;
            match outcome.as_slice() {
                [moved, old] if moved == "moved" => {
                    return Ok(Some(if old.is_empty() {
                        StreamId::ZERO
                    } else {
                        old.parse().map_err(corrupt_mark)?
                    }));
                }
                [still] if still == "still" => return Ok(None),
                _ => {} // another fetch by this key moved it meanwhile: read again
            }
        }
        Err(StoreError::Conflict("the feed position keeps changing; retry"))
    }

    /// Cases of `list` whose last tombstone lies in the millisecond range of `(after, upto]` (a superset: the
    /// caller checks exact positions).
    pub async fn withdrawals_between(
        &self,
        list: &str,
        after: StreamId,
        upto: StreamId,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self.conn().zrangebyscore(self.keys().withdrawals(list), after.ms, upto.ms).await?)
    }

    /// The pending `deletion_delivered` records of a position moving from `before` to `upto` (see
    /// [`Store::record_position_audited`]). A withdrawal's tombstone position and the keys that had received the
    /// case are written once, at the withdrawal, so reading them before the move is exact.
    async fn deletions_delivered(
        &self,
        list: &str,
        key_id: &str,
        before: StreamId,
        upto: StreamId,
        platform: &AuditActor,
    ) -> Result<Vec<String>, StoreError> {
        let now = now_ms();
        let mut records = Vec::new();
        for case_id in self.withdrawals_between(list, before, upto).await? {
            let fields: HashMap<String, String> = self.conn().hgetall(self.keys().case(list, &case_id)).await?;
            if fields.is_empty() {
                continue;
            }
            let case = codec::case_from_fields(fields)?;
            let delivered = case.withdrawn_feed_id.is_some_and(|w| w > before && w <= upto);
            if delivered && case.received_by.iter().any(|k| k == key_id) {
                let event =
                    AuditEvent::new(platform.clone(), AuditAction::DeletionDelivered, format!("case:{case_id}"))
                        .detail("list", list);
                records.push(self.pending_audit(event, now)?);
            }
        }
        Ok(records)
    }

    /// How many platforms received `case`'s hashes and how many of them have fetched its withdrawal since.
    pub async fn delivery(&self, case: &Case) -> Result<Delivery, StoreError> {
        let Some(added) = case.added_feed_id else {
            return Ok(Delivery::default());
        };
        let positions: HashMap<String, String> = self.conn().hgetall(self.keys().positions(&case.list)).await?;
        let position_of = |key_id: &str| -> Result<Option<StreamId>, StoreError> {
            positions.get(key_id).map(|p| p.parse().map_err(corrupt_mark)).transpose()
        };
        let mut delivery = Delivery::default();
        match case.withdrawn_feed_id {
            // Active: the platforms whose feed position is past the case's additions.
            None => {
                for key_id in positions.keys() {
                    if position_of(key_id)?.is_some_and(|p| p >= added) {
                        delivery.received += 1;
                    }
                }
            }
            // Withdrawn: those that had the hashes when it was withdrawn (recorded then), and which of them have
            // fetched past its tombstones since.
            Some(withdrawn) => {
                for key_id in &case.received_by {
                    delivery.received += 1;
                    if position_of(key_id)?.is_some_and(|p| p >= withdrawn) {
                        delivery.deletion_delivered += 1;
                    }
                }
            }
        }
        Ok(delivery)
    }

    /// The id of the newest record of a list's change log (`0-0` when empty): where a match index follows it from
    /// after loading.
    pub async fn changes_head(&self, list: &str) -> Result<StreamId, StoreError> {
        let head: String =
            self.inner.scripts.feed_head.key(self.keys().changes(list)).invoke_async(&mut self.conn()).await?;
        head.parse().map_err(corrupt_mark)
    }

    /// The id of the newest record of a list's feed (`0-0` when empty): where a snapshot's reader follows it from.
    pub async fn feed_head(&self, list: &str) -> Result<StreamId, StoreError> {
        let head: String = self
            .inner
            .scripts
            .feed_head
            .key(self.keys().feed(list))
            .key(self.keys().trimmed(list))
            .invoke_async(&mut self.conn())
            .await?;
        head.parse().map_err(corrupt_mark)
    }

    /// Trims records older than the retention window, as of `now_ms` (unix ms; tests pass a fake clock).
    /// Returns how many records went.
    pub async fn trim_feed(&self, list: &str, now_ms: u64) -> Result<u64, StoreError> {
        let horizon = now_ms.saturating_sub(self.inner.retention.as_millis() as u64);
        if horizon == 0 {
            return Ok(0);
        }
        let removed: u64 = self
            .inner
            .scripts
            .trim_feed
            .key(self.keys().feed(list))
            .key(self.keys().trimmed(list))
            .key(self.keys().changes(list))
            .arg(StreamId { ms: horizon, seq: 0 }.to_string())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(removed)
    }
}

fn corrupt_mark(_: StoreError) -> StoreError {
    StoreError::Corrupt("malformed stream id in the feed".into())
}
