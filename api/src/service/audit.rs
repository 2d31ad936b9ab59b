//! Writing to and reading the tamper-evident audit log.

use disrupt_hotline::audit::{ActorRole, AuditAction, AuditActor, ChainedEntry, Checkpoint};
use disrupt_openapi::audit::{AuditHead, AuditPage, AuditQuery, AuditRecord, AuditVerification};
use disrupt_openapi::model::Role;

use super::Service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Outbox;
use crate::store::audit::{AuditEvent, StoreAuditError};

/// The most records one page of the log holds.
pub const MAX_AUDIT_PAGE: usize = 1000;

/// The audit actor behind an API key.
pub fn actor(caller: &Caller) -> AuditActor {
    let role = match caller.role {
        Role::Platform => ActorRole::Platform,
        Role::Analyst => ActorRole::Analyst,
        Role::Admin => ActorRole::Admin,
    };
    AuditActor::key(caller.key_id.clone(), role)
}

fn wire_head(c: &Checkpoint) -> AuditHead {
    AuditHead { seq: c.seq, hash: hex::encode(c.hash) }
}

/// The wire form of a chained entry: the entry as it is, its digests in hex.
fn record(e: &ChainedEntry) -> AuditRecord {
    AuditRecord { entry: e.entry.clone(), prev_hash: hex::encode(e.prev_hash), hash: hex::encode(e.hash) }
}

impl Service {
    /// Chains the records actions left in `outbox`. Their actions are done and their records safe beside them,
    /// so a failure here is logged, not returned: the periodic drain (`startup`) retries.
    pub async fn drain_audit(&self, outbox: Outbox<'_>) {
        if let Err(err) = self.store.drain_audit(outbox).await {
            tracing::warn!(?outbox, error = %err, "audit records wait in the outbox");
        }
    }

    /// A page of the audit log.
    pub async fn read_audit(&self, query: AuditQuery) -> Result<AuditPage, ApiError> {
        let limit = query.limit.unwrap_or(100);
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(ApiError::InvalidRequest(format!("limit is 1 to {MAX_AUDIT_PAGE}")));
        }
        let head = self.store.audit_head().await?;
        let from = query.from.unwrap_or(1).max(1);
        // Past the head there is nothing to read (and Redis list indexes stop at i64::MAX).
        let entries = if from > head.seq { Vec::new() } else { self.store.read_audit(from, limit).await? };
        Ok(AuditPage { records: entries.iter().map(record).collect(), head: wire_head(&head) })
    }

    /// Verifies the whole chain.
    pub async fn verify_audit(&self) -> Result<AuditVerification, ApiError> {
        Ok(match self.store.verify_audit().await {
            Ok(verified) => {
                AuditVerification { ok: true, head: Some(wire_head(&verified)), broken_at: None, problem: None }
            }
            Err(StoreAuditError::Broken(b)) => {
                AuditVerification { ok: false, head: None, broken_at: Some(b.seq), problem: Some(b.to_string()) }
            }
            Err(StoreAuditError::CorruptHead) => AuditVerification {
                ok: false,
                head: None,
                broken_at: None,
                problem: Some("the head beside the log is malformed".into()),
            },
            Err(other) => return Err(other.into()),
        })
    }

    /// The whole log as JSON lines (one record per line, as stored), and records that an admin exported it. An
    /// export writes nothing to pair its record with: the record is chained directly, and the lines are handed
    /// out only once it is, so no export leaves unrecorded.
    pub async fn export_audit(&self, caller: &Caller) -> Result<Vec<u8>, ApiError> {
        let lines = self.store.export_audit().await?;
        self.store.audit(AuditEvent::new(actor(caller), AuditAction::AuditExported, "audit:log")).await?;
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use disrupt_hotline::audit::{AuditEntry, AuditEntryExt};

    #[test]
    fn a_chained_entry_reads_as_the_wire_record() {
        let entry = AuditEntry::new(
            1,
            5,
            AuditActor::key("k1", ActorRole::Analyst),
            AuditAction::EntryVerified,
            "entry:7",
            [("list".to_string(), "ncii".to_string())].into(),
        )
        .unwrap();
        let chained = ChainedEntry::chain(&Checkpoint::GENESIS, entry);
        let wire = record(&chained);
        assert_eq!(wire.entry, chained.entry);
        assert_eq!(wire.hash, hex::encode(chained.hash));
        assert_eq!(serde_json::to_value(&wire).unwrap(), serde_json::to_value(&chained).unwrap());
    }
}
