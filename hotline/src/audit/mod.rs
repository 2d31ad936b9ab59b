//! The tamper-evident audit log's pure part: entries, their canonical form and the SHA-256 chain.
//!
//! - [`entry`]: [`AuditEntry`] (seq, time, actor key id and role, action, target, details) and the canonical
//!   bytes the chain hashes; details that look like hash values or victim data are refused.
//! - [`chain`]: `entry_hash = SHA-256(prev_hash || canonical entry)`, [`ChainedEntry`], [`verify_chain`].
//!
//! Storage in Redis (appends, the outbox, reading pages back) lives in disrupt-api's `store::audit`; an export
//! verifies here, without the server ([`verify_json_lines`]).

pub mod chain;
pub mod entry;

pub use chain::{
    BreakReason, ChainBreak, ChainVerifier, ChainedEntry, Checkpoint, Digest, GENESIS_HASH, entry_hash, verify_chain,
    verify_chain_to, verify_json_lines,
};
pub use entry::{ActorRole, AuditAction, AuditActor, AuditEntry, AuditEntryExt};

/// Errors building audit entries.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A detail would put a hash value, media or victim data into the log.
    #[error("audit detail `{key}` is not allowed: the log holds no hash values, media or contact data")]
    ForbiddenDetail {
        /// The refused detail's key.
        key: String,
    },
}
