//! Flood detection: submissions that look like an attempt to poison the list are held for an analyst instead of
//! being published.
//!
//! Rate limits refuse; flood detection does not. A victim whose photo is also in other cases, or who submits
//! many small cases in an hour, must still be heard, so the suspicious entries are created *quarantined* (out
//! of the feed and the match index, in the analysts' quarantine queue, with the reason) and audited. Three
//! signals, each with its own threshold (0 turns it off):
//! - **repeated hash**: the entry's hash, or a PDQ hash within the match distance, is already in enough other
//!   cases: the pattern of someone trying to get one image (often a harmless, popular one) blocked;
//! - **client burst**: one client (an HMAC of its address, as for rate limits; counted in Redis) created many
//!   cases this hour;
//! - **service surge**: the whole service received unusually many cases this hour (counted in Redis, so every
//!   API process sees the same number), e.g. a distributed flood that per-client limits cannot see.

use serde::Deserialize;

pub use disrupt_openapi::review::HoldReason;

/// Thresholds (settings `flood.*`, e.g. `DISRUPT_FLOOD__SAME_HASH_CASES`). 0 turns a signal off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FloodSettings {
    /// An entry is held when this many other cases already carry the same or a near hash.
    pub same_hash_cases: u64,
    /// Once a client created this many cases within an hour, its next ones are held (counted in Redis, once for
    /// every process).
    pub client_cases_per_hour: u32,
    /// Every case is held while the service received more than this many cases in the current clock hour.
    pub cases_per_hour: u64,
}

impl Default for FloodSettings {
    fn default() -> Self {
        Self { same_hash_cases: 3, client_cases_per_hour: 10, cases_per_hour: 2_000 }
    }
}

/// How many neighbours of one submitted hash are looked at to count other cases. The thresholds are small;
/// a hash near thousands of entries is held long before this many are read.
pub const MAX_NEIGHBOURS_READ: usize = 64;

/// Why one entry of a new case is held, from what is known about it and its client; `None` to publish it.
/// `other_cases` is the number of other cases with the same or a near hash. The service-wide surge is decided
/// by the store when it counts the case.
pub fn hold_for(settings: &FloodSettings, client_burst: bool, other_cases: u64) -> Option<HoldReason> {
    if settings.same_hash_cases > 0 && other_cases >= settings.same_hash_cases {
        Some(HoldReason::RepeatedHash)
    } else if client_burst {
        Some(HoldReason::ClientBurst)
    } else {
        None
    }
}

/// The surge threshold as the store takes it: `None` when off.
pub fn surge_limit(settings: &FloodSettings) -> Option<u64> {
    (settings.cases_per_hour > 0).then_some(settings.cases_per_hour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_in_enough_other_cases_is_held_before_a_burst() {
        let s = FloodSettings::default();
        assert_eq!(hold_for(&s, false, 0), None);
        assert_eq!(hold_for(&s, false, 2), None);
        assert_eq!(hold_for(&s, false, 3), Some(HoldReason::RepeatedHash));
        assert_eq!(hold_for(&s, true, 0), Some(HoldReason::ClientBurst));
        assert_eq!(hold_for(&s, true, 5), Some(HoldReason::RepeatedHash), "the more specific reason wins");
    }

    #[test]
    fn zero_turns_a_signal_off() {
        let off = FloodSettings { same_hash_cases: 0, client_cases_per_hour: 0, cases_per_hour: 0 };
        assert_eq!(hold_for(&off, false, 1_000), None);
        assert_eq!(surge_limit(&off), None);
        assert_eq!(surge_limit(&FloodSettings::default()), Some(2_000));
    }
}
