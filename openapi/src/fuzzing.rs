//! Entry point for the `wire` fuzz target (`fuzz/`) and its regression test: request bodies and hash strings as
//! clients send them. No panic whatever the bytes; a value that parses must validate without panicking and
//! serialise back to something that parses to the same value.

use crate::cases::CreateCaseRequest;
use crate::feedback::FeedbackRequest;
use crate::matching::MatchRequest;
use crate::model::HashValue;

/// Parses `data` as each request body and as hash strings.
pub fn wire(data: &[u8]) {
    if let Ok(case) = serde_json::from_slice::<CreateCaseRequest>(data) {
        for value in &case.hashes {
            let _ = value.validate();
        }
        round_trips(&case);
    }
    if let Ok(request) = serde_json::from_slice::<MatchRequest>(data) {
        round_trips(&request);
    }
    if let Ok(request) = serde_json::from_slice::<FeedbackRequest>(data) {
        round_trips(&request);
    }
    if let Ok(value) = serde_json::from_slice::<HashValue>(data) {
        let _ = value.validate();
        round_trips(&value);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<crate::hash::PdqHex>();
        let _ = text.parse::<crate::hash::Md5Hex>();
        let _ = text.parse::<crate::hash::Sha256Hex>();
    }
}

fn round_trips<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let Ok(json) = serde_json::to_vec(value) else { return };
    let again: T =
        serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{value:?} serialises to unparsable JSON: {e}"));
    assert_eq!(&again, value, "serialising and parsing again changes the value");
}
