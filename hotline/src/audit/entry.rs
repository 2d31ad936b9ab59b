//! One audit entry: who did what to which object, and its canonical byte form.
//!
//! The canonical form is what the chain hashes, so it must never depend on a map's iteration order or on
//! serde defaults that could change: it is compact JSON with the fields in declaration order and the details
//! in a `BTreeMap` (sorted keys). Changing this layout breaks every existing chain; add new actions or details
//! instead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::AuditError;

/// Who acted, as far as the audit needs to know: the API key's public id and its role. Victims act
/// anonymously through their case secret, so they carry no key id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Public id of the API key, `None` for an anonymous victim or the server itself.
    pub key_id: Option<String>,
    /// The role the actor held when acting.
    pub role: ActorRole,
}

/// The role of an actor in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

impl Actor {
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

/// What happened. Snake-case names are part of the canonical form: never rename a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Detail keys that would put media, hash values or victim data into the log. The log must hold none of them.
const FORBIDDEN_DETAIL_KEYS: &[&str] =
    &["hash", "pdq", "md5", "sha256", "sha1", "frames", "contact", "email", "phone", "media", "secret", "url", "urls"];

/// One audit entry before chaining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the chain, starting at 1, without gaps.
    pub seq: u64,
    /// When it happened, unix milliseconds.
    pub time: u64,
    /// Who did it.
    pub actor: Actor,
    /// What they did.
    pub action: AuditAction,
    /// The object acted on, as `kind:id` (`entry:42`, `case:ab12..`, `key:k_1`, `notice:7`).
    pub target: String,
    /// Small extra facts (reason code, new state, list name). Never media, hash values or contact data.
    pub details: BTreeMap<String, String>,
}

impl AuditEntry {
    /// Builds an entry, refusing details that could hold a hash value or victim data.
    pub fn new(
        seq: u64,
        time: u64,
        actor: Actor,
        action: AuditAction,
        target: impl Into<String>,
        details: BTreeMap<String, String>,
    ) -> Result<Self, AuditError> {
        for (key, value) in &details {
            if FORBIDDEN_DETAIL_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                return Err(AuditError::ForbiddenDetail { key: key.clone() });
            }
            if looks_like_digest(value) {
                return Err(AuditError::ForbiddenDetail { key: key.clone() });
            }
        }
        Ok(Self { seq, time, actor, action, target: target.into(), details })
    }

    /// The bytes the chain hashes: compact JSON, fields in declaration order, details sorted by key.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serialising plain structs, enums, strings and a BTreeMap to a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A hex string as long as an MD5, SHA-1, SHA-256 or PDQ value: most likely a hash that would link the log
/// to a victim's content.
fn looks_like_digest(value: &str) -> bool {
    matches!(value.len(), 32 | 40 | 64) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn canonical_bytes_are_stable_whatever_the_detail_insertion_order() {
        let a = AuditEntry::new(
            1,
            10,
            Actor::key("k1", ActorRole::Analyst),
            AuditAction::EntryRejected,
            "entry:1",
            details(&[("reason", "not_intimate"), ("list", "ncii")]),
        )
        .expect("valid");
        let b = AuditEntry::new(
            1,
            10,
            Actor::key("k1", ActorRole::Analyst),
            AuditAction::EntryRejected,
            "entry:1",
            details(&[("list", "ncii"), ("reason", "not_intimate")]),
        )
        .expect("valid");
        assert_eq!(a.canonical_bytes(), b.canonical_bytes());
        assert_eq!(
            String::from_utf8(a.canonical_bytes()).expect("utf8"),
            r#"{"seq":1,"time":10,"actor":{"key_id":"k1","role":"analyst"},"action":"entry_rejected","target":"entry:1","details":{"list":"ncii","reason":"not_intimate"}}"#
        );
    }

    #[test]
    fn hash_values_and_contact_data_are_refused() {
        let sha = "a".repeat(64);
        for (k, v) in [("hash", "x"), ("Contact", "x"), ("note", sha.as_str()), ("x", &"0f".repeat(16))] {
            let err =
                AuditEntry::new(1, 1, Actor::system(), AuditAction::EntryQuarantined, "entry:1", details(&[(k, v)]))
                    .expect_err("must refuse");
            assert!(matches!(err, AuditError::ForbiddenDetail { .. }), "{k}");
        }
    }
}
