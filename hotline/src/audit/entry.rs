//! One audit entry: who did what to which object, and its canonical byte form.
//!
//! The canonical form is what the chain hashes, so it must never depend on a map's iteration order or on
//! serde defaults that could change: it is compact JSON with the fields in declaration order and the details
//! in a `BTreeMap` (sorted keys). Changing this layout breaks every existing chain; add new actions or details
//! instead.

use std::collections::BTreeMap;

use super::AuditError;

/// Who acted, what they did, and the entry itself: the wire's types (the audit page shows entries as chained).
pub use disrupt_openapi::audit::{ActorRole, AuditAction, AuditActor, AuditEntry};

/// Detail keys that would put media, hash values or victim data into the log. The log must hold none of them.
const FORBIDDEN_DETAIL_KEYS: &[&str] =
    &["hash", "pdq", "md5", "sha256", "sha1", "frames", "contact", "email", "phone", "media", "secret", "url", "urls"];

/// What the chain needs of an [`AuditEntry`] beyond its fields: building one that holds no forbidden detail, and
/// its canonical bytes.
pub trait AuditEntryExt: Sized {
    /// Builds an entry, refusing details that could hold a hash value or victim data.
    fn new(
        seq: u64,
        time: u64,
        actor: AuditActor,
        action: AuditAction,
        target: impl Into<String>,
        details: BTreeMap<String, String>,
    ) -> Result<Self, AuditError>;

    /// The bytes the chain hashes: compact JSON, fields in declaration order, details sorted by key.
    fn canonical_bytes(&self) -> Vec<u8>;
}

impl AuditEntryExt for AuditEntry {
    fn new(
        seq: u64,
        time: u64,
        actor: AuditActor,
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

    fn canonical_bytes(&self) -> Vec<u8> {
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
            AuditActor::key("k1", ActorRole::Analyst),
            AuditAction::EntryRejected,
            "entry:1",
            details(&[("reason", "not_intimate"), ("list", "ncii")]),
        )
        .expect("valid");
        let b = AuditEntry::new(
            1,
            10,
            AuditActor::key("k1", ActorRole::Analyst),
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
            let err = AuditEntry::new(
                1,
                1,
                AuditActor::system(),
                AuditAction::EntryQuarantined,
                "entry:1",
                details(&[(k, v)]),
            )
            .expect_err("must refuse");
            assert!(matches!(err, AuditError::ForbiddenDetail { .. }), "{k}");
        }
    }
}
