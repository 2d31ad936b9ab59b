//! Opaque entry references. Store entry ids come from a counter, so the entries of one case are consecutive;
//! showing them to platforms would link one victim's hashes together. Platforms see instead a keyed permutation
//! of the id (a 4-round Feistel network over the two 32-bit halves with HMAC-SHA256 as round function), written
//! as 16 hex digits. Only the server, holding the key, maps it back.

use ring::hmac;

use crate::settings::ServerKey;

const ROUNDS: u8 = 4;

/// Entry ids stay below 2^53 (see `store::model::EntryId`); a view of a listed image gets a reference of its own,
/// made from the entry id with the view's number above those bits, so that views look unrelated to platforms.
pub const VIEW_SHIFT: u32 = 53;

/// The number a reference is made from for view `view` (1..=63) of entry `id`; view 0 is the entry itself.
pub fn view_number(id: u64, view: usize) -> u64 {
    id | ((view as u64) << VIEW_SHIFT)
}

/// The entry a decoded reference points to, whether it names the entry or one of its views.
pub fn entry_of(number: u64) -> u64 {
    number & ((1 << VIEW_SHIFT) - 1)
}

/// Maps entry ids to opaque references and back.
pub struct EntryRefs {
    key: hmac::Key,
}

impl std::fmt::Debug for EntryRefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntryRefs(<redacted>)")
    }
}

impl EntryRefs {
    /// Keyed with a value derived from the server key.
    pub fn new(server_key: &ServerKey) -> Self {
        let derived = server_key.hmac(b"disrupt entry refs v1");
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, &derived) }
    }

    fn round(&self, round: u8, half: u32) -> u32 {
        let mut msg = [0u8; 5];
        msg[0] = round;
        msg[1..].copy_from_slice(&half.to_be_bytes());
        let tag = hmac::sign(&self.key, &msg);
        let mut out = [0u8; 4];
        out.copy_from_slice(&tag.as_ref()[..4]);
        u32::from_be_bytes(out)
    }

    /// The opaque reference of entry `id`.
    pub fn encode(&self, id: u64) -> String {
        let (mut left, mut right) = ((id >> 32) as u32, id as u32);
        for r in 0..ROUNDS {
            (left, right) = (right, left ^ self.round(r, right));
        }
        format!("{:016x}", (u64::from(left) << 32) | u64::from(right))
    }

    /// The entry id behind `reference`, or `None` when it is not 16 hex digits.
    pub fn decode(&self, reference: &str) -> Option<u64> {
        if reference.len() != 16 {
            return None;
        }
        let value = u64::from_str_radix(reference, 16).ok()?;
        let (mut left, mut right) = ((value >> 32) as u32, value as u32);
        for r in (0..ROUNDS).rev() {
            (left, right) = (right ^ self.round(r, left), left);
        }
        Some((u64::from(left) << 32) | u64::from(right))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn references_round_trip_and_hide_the_order() {
        let refs = EntryRefs::new(&ServerKey::from_bytes(vec![1; 32]));
        let a = refs.encode(1);
        let b = refs.encode(2);
        assert_eq!(refs.decode(&a), Some(1));
        assert_eq!(refs.decode(&b), Some(2));
        assert_ne!(a[..8], b[..8]);
        for id in [0, 7, u64::MAX, 1 << 40] {
            assert_eq!(refs.decode(&refs.encode(id)), Some(id));
        }
        assert_eq!(refs.decode("nothex"), None);
    }
}
