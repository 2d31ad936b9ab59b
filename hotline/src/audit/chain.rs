//! The SHA-256 chain: each entry's hash covers the previous entry's hash and its own canonical bytes, so
//! changing, removing, reordering or inserting an entry breaks every hash after it.

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};

use super::entry::{AuditEntry, AuditEntryExt};

/// A SHA-256 value, serialised as lower-case hex.
pub type Digest = [u8; 32];

/// The hash the first entry chains from.
pub const GENESIS_HASH: Digest = [0u8; 32];

/// `SHA-256(prev_hash || canonical entry)`.
pub fn entry_hash(prev_hash: &Digest, entry: &AuditEntry) -> Digest {
    let mut ctx = Context::new(&SHA256);
    ctx.update(prev_hash);
    ctx.update(&entry.canonical_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// An entry with its place in the chain; one line of the JSON-lines export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainedEntry {
    /// The entry itself.
    pub entry: AuditEntry,
    /// Hash of the previous entry (zeros for the first).
    #[serde(with = "hex_digest")]
    pub prev_hash: Digest,
    /// `SHA-256(prev_hash || canonical entry)`.
    #[serde(with = "hex_digest")]
    pub hash: Digest,
}

impl ChainedEntry {
    /// Chains `entry` after `prev`. The caller sets `entry.seq = prev.seq + 1`.
    pub fn chain(prev: &Checkpoint, entry: AuditEntry) -> Self {
        let hash = entry_hash(&prev.hash, &entry);
        Self { entry, prev_hash: prev.hash, hash }
    }

    /// Where the chain stands after this entry.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { seq: self.entry.seq, hash: self.hash }
    }
}

/// The head of a chain: last sequence number and hash. Admins can write it down (or publish it) to detect
/// a later truncation of the log's tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number of the last entry (0 for an empty chain).
    pub seq: u64,
    /// Its hash ([`GENESIS_HASH`] for an empty chain).
    #[serde(with = "hex_digest")]
    pub hash: Digest,
}

impl Checkpoint {
    /// The state of an empty chain.
    pub const GENESIS: Checkpoint = Checkpoint { seq: 0, hash: GENESIS_HASH };
}

/// Where and why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at seq {seq}: {reason}")]
pub struct ChainBreak {
    /// Sequence number where the break shows (the expected one when an entry is missing).
    pub seq: u64,
    /// What is wrong there.
    pub reason: BreakReason,
}

/// The kinds of breaks [`verify_chain`] detects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakReason {
    /// The sequence number is not the previous one plus one (removed, reordered or inserted entries).
    #[error("expected seq {expected}, found {found}")]
    SeqGap {
        /// The sequence number that should come next.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// The entry does not point at the hash of the entry before it.
    #[error("previous-hash link does not match the entry before")]
    PrevHashMismatch,
    /// The entry's content does not hash to its stored hash (the entry was edited).
    #[error("entry content does not match its hash")]
    HashMismatch,
    /// The stored line is not a well-formed chained entry.
    #[error("entry is not readable: {0}")]
    Malformed(String),
    /// The log ends before (or after) the head recorded next to it or written down by an admin.
    #[error("log ends at seq {found}, head says {expected}")]
    HeadMismatch {
        /// The head's sequence number.
        expected: u64,
        /// The last sequence number in the log.
        found: u64,
    },
}

/// Incremental verifier, for logs read page by page.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    head: Checkpoint,
}

impl ChainVerifier {
    /// Starts verifying right after `from` (use [`Checkpoint::GENESIS`] for a whole log).
    pub fn new(from: Checkpoint) -> Self {
        Self { head: from }
    }

    /// Checks the next entry and advances.
    pub fn push(&mut self, e: &ChainedEntry) -> Result<(), ChainBreak> {
        let expected = self.head.seq + 1;
        if e.entry.seq != expected {
            return Err(ChainBreak { seq: expected, reason: BreakReason::SeqGap { expected, found: e.entry.seq } });
        }
        if e.prev_hash != self.head.hash {
            return Err(ChainBreak { seq: expected, reason: BreakReason::PrevHashMismatch });
        }
        if entry_hash(&e.prev_hash, &e.entry) != e.hash {
            return Err(ChainBreak { seq: expected, reason: BreakReason::HashMismatch });
        }
        self.head = e.checkpoint();
        Ok(())
    }

    /// Where verification stands.
    pub fn head(&self) -> Checkpoint {
        self.head
    }

    /// Checks that the verified log ends exactly at `expected`.
    pub fn finish(self, expected: Option<&Checkpoint>) -> Result<Checkpoint, ChainBreak> {
        if let Some(expected) = expected
            && *expected != self.head
        {
            let reason = BreakReason::HeadMismatch { expected: expected.seq, found: self.head.seq };
            return Err(ChainBreak { seq: self.head.seq.min(expected.seq) + 1, reason });
        }
        Ok(self.head)
    }
}

/// Verifies a whole log from its first entry. Detects edited, removed, reordered and inserted entries; a
/// removed *tail* is only detectable against a recorded head, see [`verify_chain_to`].
pub fn verify_chain(entries: &[ChainedEntry]) -> Result<Checkpoint, ChainBreak> {
    verify_chain_to(entries, None)
}

/// Verifies a whole log and that it ends at `head` (the head key kept beside the log, or one an admin wrote
/// down earlier: then the log must reach at least that far, checked by the caller comparing `seq`).
pub fn verify_chain_to(entries: &[ChainedEntry], head: Option<&Checkpoint>) -> Result<Checkpoint, ChainBreak> {
    let mut verifier = ChainVerifier::new(Checkpoint::GENESIS);
    for e in entries {
        verifier.push(e)?;
    }
    verifier.finish(head)
}

/// Verifies a JSON-lines export (one [`ChainedEntry`] per line), e.g. a file an admin downloaded.
pub fn verify_json_lines(reader: impl std::io::BufRead, head: Option<&Checkpoint>) -> Result<Checkpoint, ChainBreak> {
    let mut verifier = ChainVerifier::new(Checkpoint::GENESIS);
    for line in reader.lines() {
        let expected = verifier.head().seq + 1;
        let malformed = |e: String| ChainBreak { seq: expected, reason: BreakReason::Malformed(e) };
        let line = line.map_err(|e| malformed(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: ChainedEntry = serde_json::from_str(&line).map_err(|e| malformed(e.to_string()))?;
        verifier.push(&entry)?;
    }
    verifier.finish(head)
}

mod hex_digest {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(d: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&s, &mut out).map_err(D::Error::custom)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::audit::{ActorRole, AuditAction, AuditActor};

    fn log(n: u64) -> Vec<ChainedEntry> {
        let mut head = Checkpoint::GENESIS;
        (1..=n)
            .map(|seq| {
                let details = BTreeMap::from([("state".to_string(), "verified".to_string())]);
                let e = AuditEntry::new(
                    seq,
                    1_700_000_000_000 + seq,
                    AuditActor::key("k_analyst", ActorRole::Analyst),
                    AuditAction::EntryVerified,
                    format!("entry:{seq}"),
                    details,
                )
                .expect("valid");
                let c = ChainedEntry::chain(&head, e);
                head = c.checkpoint();
                c
            })
            .collect()
    }

    #[test]
    fn an_untouched_log_verifies_to_its_last_entry() {
        let entries = log(5);
        let head = verify_chain(&entries).expect("intact");
        assert_eq!(head, entries[4].checkpoint());
        assert_eq!(verify_chain(&[]).expect("empty"), Checkpoint::GENESIS);
    }

    #[test]
    fn the_hash_is_sha256_of_prev_hash_then_canonical_entry() {
        let entries = log(2);
        let mut input = entries[0].hash.to_vec();
        input.extend(entries[1].entry.canonical_bytes());
        assert_eq!(ring::digest::digest(&SHA256, &input).as_ref(), entries[1].hash);
    }

    #[test]
    fn tampering_with_one_entry_is_detected() {
        let mut entries = log(5);
        entries[2].entry.target = "entry:999".into();
        let err = verify_chain(&entries).expect_err("edited");
        assert_eq!(err, ChainBreak { seq: 3, reason: BreakReason::HashMismatch });
    }

    #[test]
    fn rehashing_an_edited_entry_breaks_the_next_link() {
        let mut entries = log(5);
        entries[2].entry.details.insert("state".into(), "rejected".into());
        entries[2].hash = entry_hash(&entries[2].prev_hash, &entries[2].entry);
        let err = verify_chain(&entries).expect_err("edited and rehashed");
        assert_eq!(err, ChainBreak { seq: 4, reason: BreakReason::PrevHashMismatch });
    }

    #[test]
    fn a_removed_entry_is_detected() {
        let mut entries = log(5);
        entries.remove(1);
        let err = verify_chain(&entries).expect_err("removed");
        assert_eq!(err.seq, 2);
        assert_eq!(err.reason, BreakReason::SeqGap { expected: 2, found: 3 });
    }

    #[test]
    fn reordered_entries_are_detected() {
        let mut entries = log(5);
        entries.swap(1, 2);
        let err = verify_chain(&entries).expect_err("reordered");
        assert_eq!(err.seq, 2);
    }

    #[test]
    fn an_inserted_entry_is_detected_even_with_renumbering() {
        let entries = log(4);
        // A forger inserts a new entry 3 chained onto entry 2, then renumbers the rest without their key.
        let forged = ChainedEntry::chain(
            &entries[1].checkpoint(),
            AuditEntry::new(3, 5, AuditActor::system(), AuditAction::KeyCreated, "key:evil", BTreeMap::new())
                .expect("valid"),
        );
        let mut tampered = vec![entries[0].clone(), entries[1].clone(), forged];
        for e in &entries[2..] {
            let mut e = e.clone();
            e.entry.seq += 1;
            tampered.push(e);
        }
        let err = verify_chain(&tampered).expect_err("inserted");
        assert_eq!(err.seq, 4);
    }

    #[test]
    fn a_truncated_tail_is_detected_against_the_head() {
        let entries = log(5);
        let head = entries[4].checkpoint();
        let err = verify_chain_to(&entries[..3], Some(&head)).expect_err("truncated");
        assert_eq!(err.reason, BreakReason::HeadMismatch { expected: 5, found: 3 });
    }

    #[test]
    fn json_lines_round_trip_keeps_the_chain_valid() {
        let entries = log(3);
        let lines: Vec<String> = entries.iter().map(|e| serde_json::to_string(e).expect("serialise")).collect();
        let back: Vec<ChainedEntry> = lines.iter().map(|l| serde_json::from_str(l).expect("parse")).collect();
        assert_eq!(back, entries);
        verify_chain(&back).expect("still intact");
        let text = lines.join("\n") + "\n";
        assert_eq!(verify_json_lines(text.as_bytes(), None).expect("intact"), entries[2].checkpoint());
        let edited = text.replacen("entry:2", "entry:7", 1);
        let err = verify_json_lines(edited.as_bytes(), None).expect_err("edited");
        assert_eq!(err, ChainBreak { seq: 2, reason: BreakReason::HashMismatch });
        let err = verify_json_lines("{not json\n".as_bytes(), None).expect_err("garbage");
        assert!(matches!(err.reason, BreakReason::Malformed(_)));
    }
}
