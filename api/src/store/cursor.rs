//! Feed cursors: a Redis stream id, wrapped so clients treat it as opaque and cannot use it on another list.
//!
//! Wire form: base64url (no padding) of `"<list>:<ms>-<seq>"`. Decoding is strict: anything else is
//! [`StoreError::InvalidCursor`]. A snapshot read in pages across requests (a full FetchHashes) continues with a
//! scan token, `"<list>:<ms>-<seq>/<scan>"`: the feed cursor taken when it began and the scan position of the
//! live set; neither kind decodes as the other.

use std::{cmp::Ordering, fmt, str::FromStr};

use data_encoding::BASE64URL_NOPAD;

use super::StoreError;

/// A Redis stream id `<ms>-<seq>`. Ordered like Redis orders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct StreamId {
    /// Milliseconds part (the Redis server clock when the record was added).
    pub ms: u64,
    /// Sequence within the millisecond.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`: before every record.
    pub const ZERO: StreamId = StreamId { ms: 0, seq: 0 };
}

impl Ord for StreamId {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.ms, self.seq).cmp(&(other.ms, other.seq))
    }
}

impl PartialOrd for StreamId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Parses digits only (no sign, no spaces), so that one id has one spelling.
fn strict_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

impl FromStr for StreamId {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        let (ms, seq) = s.split_once('-').ok_or(StoreError::InvalidCursor)?;
        Ok(StreamId {
            ms: strict_u64(ms).ok_or(StoreError::InvalidCursor)?,
            seq: strict_u64(seq).ok_or(StoreError::InvalidCursor)?,
        })
    }
}

/// The opaque cursor for `id` on `list`.
pub fn encode(list: &str, id: StreamId) -> String {
    BASE64URL_NOPAD.encode(format!("{list}:{id}").as_bytes())
}

/// The stream id inside `cursor`, which must have been issued for `list`.
pub fn decode(list: &str, cursor: &str) -> Result<StreamId, StoreError> {
    let bytes = BASE64URL_NOPAD.decode(cursor.as_bytes()).map_err(|_| StoreError::InvalidCursor)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let (cursor_list, id) = text.rsplit_once(':').ok_or(StoreError::InvalidCursor)?;
    if cursor_list != list {
        return Err(StoreError::InvalidCursor);
    }
    id.parse()
}

/// The token that continues a paged snapshot of `list` begun at feed position `head`, at `scan` (not 0: a scan
/// that returns 0 is done).
pub fn encode_scan(list: &str, head: StreamId, scan: u64) -> String {
    BASE64URL_NOPAD.encode(format!("{list}:{head}/{scan}").as_bytes())
}

/// The feed position and scan position inside a token from [`encode_scan`] for `list`.
pub fn decode_scan(list: &str, token: &str) -> Result<(StreamId, u64), StoreError> {
    let bytes = BASE64URL_NOPAD.decode(token.as_bytes()).map_err(|_| StoreError::InvalidCursor)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let (token_list, rest) = text.rsplit_once(':').ok_or(StoreError::InvalidCursor)?;
    let (head, scan) = rest.split_once('/').ok_or(StoreError::InvalidCursor)?;
    if token_list != list {
        return Err(StoreError::InvalidCursor);
    }
    let scan = strict_u64(scan).filter(|s| *s != 0).ok_or(StoreError::InvalidCursor)?;
    Ok((head.parse()?, scan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let id = StreamId { ms: 1_700_000_000_123, seq: 4 };
        let cursor = encode("ncii", id);
        assert_eq!(decode("ncii", &cursor).ok(), Some(id));
    }

    #[test]
    fn scan_tokens_round_trip_and_are_no_feed_cursors() {
        let head = StreamId { ms: 1_700_000_000_123, seq: 4 };
        let token = encode_scan("ncii", head, 77);
        assert_eq!(decode_scan("ncii", &token).ok(), Some((head, 77)));
        assert!(matches!(decode("ncii", &token), Err(StoreError::InvalidCursor)));
        assert!(matches!(decode_scan("ncii", &encode("ncii", head)), Err(StoreError::InvalidCursor)));
        assert!(matches!(decode_scan("csam", &token), Err(StoreError::InvalidCursor)));
        assert!(matches!(decode_scan("ncii", &encode_scan("ncii", head, 0)), Err(StoreError::InvalidCursor)));
    }

    #[test]
    fn cursors_are_bound_to_their_list() {
        let cursor = encode("ncii", StreamId::ZERO);
        assert!(matches!(decode("csam", &cursor), Err(StoreError::InvalidCursor)));
    }

    #[test]
    fn malformed_cursors_are_rejected() {
        let raw = |s: &str| BASE64URL_NOPAD.encode(s.as_bytes());
        for bad in [
            String::new(),
            "!!!".into(),
            "bmNpaQ==".into(), // padded
            raw("ncii"),
            raw("ncii:"),
            raw("ncii:1"),
            raw("ncii:1-"),
            raw("ncii:-1"),
            raw("ncii:01-1"),
            raw("ncii:1-+1"),
            raw("ncii:1-1 "),
            raw("ncii:99999999999999999999999-0"),
        ] {
            assert!(matches!(decode("ncii", &bad), Err(StoreError::InvalidCursor)), "{bad:?}");
        }
    }

    #[test]
    fn stream_ids_order_like_redis() {
        let a: StreamId = "5-10".parse().expect("id");
        let b: StreamId = "6-0".parse().expect("id");
        assert!(a < b);
        assert!(StreamId::ZERO < a);
    }
}
