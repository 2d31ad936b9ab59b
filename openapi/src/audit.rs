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

/// Who acted, as far as the audit needs to know: the API key's public id and its role. Victims act anonymously
/// through their case secret, so they carry no key id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditActor {
    /// The API key's public id; none for an anonymous victim or the server itself.
    pub key_id: Option<String>,
    /// `platform`, `analyst`, `admin`, `victim` or `system`.
    #[schema(value_type = String)]
    pub role: ActorRole,
}

impl AuditActor {
    /// An actor holding an API key.
    pub fn key(key_id: impl Into<String>, role: ActorRole) -> Self {
        Self { key_id: Some(key_id.into()), role }
    }

    /// The anonymous victim of a case.
    pub fn victim() -> Self {
        Self { key_id: None, role: ActorRole::Victim }
    }

    /// The server acting on its own.
    pub fn system() -> Self {
        Self { key_id: None, role: ActorRole::System }
    }
}

/// The role of an actor in the audit log. The document gives it as a string: the chain fixes the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    /// A platform's API key.
    Platform,
    /// A hotline analyst's API key.
    Analyst,
    /// An administrator's API key (or the bootstrap command).
    Admin,
    /// A victim holding a case secret.
    Victim,
    /// The server itself (heuristics, retention jobs).
    System,
}

string_names!(ActorRole { Platform => "platform", Analyst => "analyst", Admin => "admin", Victim => "victim", System => "system" });

/// What happened. Snake-case names are part of the canonical form the chain hashes: never rename a variant, add
/// one instead (a client older than the server then refuses records with the new action, as verifying them
/// would).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// An analyst verified an entry.
    EntryVerified,
    /// An analyst rejected an entry.
    EntryRejected,
    /// An entry was quarantined (heuristic or analyst).
    EntryQuarantined,
    /// Flood detection created a new case's entries quarantined (details: how many, and why).
    EntriesHeld,
    /// A withdrawn case was purged of its hashes and URLs after the feed retention (one record per case, with its
    /// list; older records target the list and count the cases).
    CasesPurged,
    /// A first analyst asked to reject a whole case; a second must confirm.
    CaseRejectionRequested,
    /// A whole case was rejected.
    CaseRejected,
    /// A victim withdrew a case.
    CaseWithdrawn,
    /// A platform's feed cursor passed a withdrawal's tombstones.
    DeletionDelivered,
    /// An API key was created.
    KeyCreated,
    /// An API key was revoked.
    KeyRevoked,
    /// A list was created.
    ListCreated,
    /// An analyst confirmed or dismissed a reported URL.
    UrlReviewed,
    /// A takedown notice was produced.
    NoticeProduced,
    /// A notice changed state (sent, acknowledged, removed, rejected).
    NoticeUpdated,
    /// An admin exported the audit log.
    AuditExported,
    /// An analyst or admin set a host's contact in the hosts directory.
    HostContactSet,
    /// An admin removed a host from the hosts directory.
    HostContactDeleted,
    /// An analyst or admin whose key has `contact_access` opened a victim's contact.
    ContactOpened,
    /// An analyst recorded a forward of a case to the authorities.
    ForwardRecorded,
}

string_names!(AuditAction {
    EntryVerified => "entry_verified",
    EntryRejected => "entry_rejected",
    EntryQuarantined => "entry_quarantined",
    EntriesHeld => "entries_held",
    CasesPurged => "cases_purged",
    CaseRejectionRequested => "case_rejection_requested",
    CaseRejected => "case_rejected",
    CaseWithdrawn => "case_withdrawn",
    DeletionDelivered => "deletion_delivered",
    KeyCreated => "key_created",
    KeyRevoked => "key_revoked",
    ListCreated => "list_created",
    UrlReviewed => "url_reviewed",
    NoticeProduced => "notice_produced",
    NoticeUpdated => "notice_updated",
    AuditExported => "audit_exported",
    HostContactSet => "host_contact_set",
    HostContactDeleted => "host_contact_deleted",
    ContactOpened => "contact_opened",
    ForwardRecorded => "forward_recorded",
});

/// One audit entry, exactly as chained: the fields in this order are the canonical form the chain hashes
/// (`disrupt_hotline::audit` builds and checks entries).
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
    #[schema(value_type = String)]
    pub action: AuditAction,
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
