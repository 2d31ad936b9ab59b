//! The tamper-evident audit log as admins read and verify it.
//!
//! Each record holds the SHA-256 of the one before (`prev_hash`) and its own (`hash` = SHA-256 of `prev_hash`
//! followed by the entry's canonical JSON), so editing, removing or reordering a record breaks the chain.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `GET /v1/admin/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// First sequence number to return (default 1).
    #[serde(default)]
    pub from: Option<u64>,
    /// Records per page, 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditActor {
    /// The API key's public id; none for an anonymous victim or the server itself.
    pub key_id: Option<String>,
    /// `platform`, `analyst`, `admin`, `victim` or `system`.
    pub role: String,
}

/// One audit entry, exactly as chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// When, unix ms.
    pub time: u64,
    /// Who.
    pub actor: AuditActor,
    /// What, e.g. `entry_verified`, `case_withdrawn`, `key_created`, `deletion_delivered`.
    pub action: String,
    /// On what, as `kind:id`.
    pub target: String,
    /// Small facts (reason code, state); never hash values, media or contact data.
    pub details: BTreeMap<String, String>,
}

/// One record of the log: the entry and its place in the chain. The export has one per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// The entry.
    pub entry: AuditEntry,
    /// The previous record's hash, hex (zeros for the first).
    pub prev_hash: String,
    /// This record's hash, hex.
    pub hash: String,
}

/// A page of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    /// The records, oldest first.
    pub records: Vec<AuditRecord>,
    /// The head recorded beside the log.
    pub head: AuditHead,
}

/// The last record of the chain. Writing it down (or publishing it) lets a later truncation be detected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditHead {
    /// Its sequence number (0 when the log is empty).
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
}

/// Answer to `GET /v1/admin/audit/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditVerification {
    /// True when every record chains to the one before and the log ends at the recorded head.
    pub ok: bool,
    /// The verified head (when ok).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<AuditHead>,
    /// The first record that does not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<u64>,
    /// Why it does not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}
