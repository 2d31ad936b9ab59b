//! Reading stored hashes, stream records and JSON back into the model. Anything unexpected is
//! [`StoreError::Corrupt`], never a panic.

use std::{collections::HashMap, str::FromStr};

use redis::Value;
use serde::{Serialize, de::DeserializeOwned};

use super::{
    ApiKey, Case, CaseState, Entry, EntryId, EntrySignals, EntryState, FeedRecord, HashKind, LiveHash, StoreError,
    StreamId,
};

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Comma-separated entry ids, as a case stores them.
pub(crate) fn ids_to_csv(ids: &[EntryId]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

pub(crate) fn ids_from_csv(csv: &str) -> Result<Vec<EntryId>, StoreError> {
    if csv.is_empty() {
        return Ok(Vec::new());
    }
    csv.split(',').map(|id| id.parse().map_err(|_| corrupt("entry id list"))).collect()
}

/// Takes and parses one field.
fn take<T: FromStr>(fields: &mut HashMap<String, String>, name: &str) -> Result<T, StoreError> {
    let text = fields.remove(name).ok_or_else(|| corrupt(format!("missing field {name}")))?;
    text.parse().map_err(|_| corrupt(format!("malformed field {name}")))
}

fn take_opt<T: FromStr>(fields: &mut HashMap<String, String>, name: &str) -> Result<Option<T>, StoreError> {
    match fields.remove(name) {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| corrupt(format!("malformed field {name}"))),
    }
}

pub(crate) fn entry_from_fields(mut f: HashMap<String, String>) -> Result<Entry, StoreError> {
    Ok(Entry {
        id: take(&mut f, "id")?,
        list: take(&mut f, "list")?,
        kind: take(&mut f, "kind")?,
        hash: take(&mut f, "hash")?,
        quality: take_opt(&mut f, "quality")?,
        state: take(&mut f, "state")?,
        category: take(&mut f, "category")?,
        case_id: take(&mut f, "case_id")?,
        created_at: take(&mut f, "created_at")?,
        updated_at: take(&mut f, "updated_at")?,
        signals: EntrySignals {
            blocked: take_opt(&mut f, "blocked")?.unwrap_or(0),
            not_violating: take_opt(&mut f, "not_violating")?.unwrap_or(0),
            pending_review: take_opt(&mut f, "pending_review")?.unwrap_or(0),
            matches: take_opt(&mut f, "matches")?.unwrap_or(0),
            match_platforms: take_opt(&mut f, "match_platforms")?.unwrap_or(0),
            match_days: take_opt(&mut f, "match_days")?.unwrap_or(0),
        },
        held: take_opt(&mut f, "held")?,
        published: match (take_opt(&mut f, "ps")?, take_opt(&mut f, "pu")?) {
            (Some(state), Some(at)) => Some((state, at)),
            _ => None,
        },
    })
}

pub(crate) fn case_from_fields(mut f: HashMap<String, String>) -> Result<Case, StoreError> {
    let secret_hex: String = take(&mut f, "secret_hash")?;
    let urls: String = take(&mut f, "urls")?;
    let ids: String = take(&mut f, "entry_ids")?;
    Ok(Case {
        id: take(&mut f, "id")?,
        secret_hash: hex::decode(secret_hex).map_err(|_| corrupt("case secret hash"))?,
        list: take(&mut f, "list")?,
        category: take(&mut f, "category")?,
        entry_ids: ids_from_csv(&ids)?,
        urls: serde_json::from_str(&urls).map_err(|_| corrupt("case urls"))?,
        contact: f.remove("contact"),
        declarations: f.remove("declarations").map(|j| from_json(&j, "case declarations")).transpose()?,
        url_reviewed_at: f
            .remove("url_reviewed_at")
            .map(|j| from_json(&j, "url review times"))
            .transpose()?
            .unwrap_or_default(),
        state: take::<CaseState>(&mut f, "state")?,
        created_at: take(&mut f, "created_at")?,
        withdrawn_at: take_opt(&mut f, "withdrawn_at")?,
        added_feed_id: take_opt(&mut f, "added_feed_id")?,
        withdrawn_feed_id: take_opt(&mut f, "withdrawn_feed_id")?,
        received_by: f
            .remove("received_by")
            .map(|ids| ids.split(',').filter(|id| !id.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

pub(crate) fn api_key_from_json(json: &str) -> Result<ApiKey, StoreError> {
    from_json(json, "api key")
}

/// A value the store keeps as JSON (`what` names it in the error).
pub(crate) fn from_json<T: DeserializeOwned>(json: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|_| corrupt(what))
}

/// The JSON the store keeps of a value.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// One `live` hash value, `"kind:hash"`.
pub(crate) fn live_value(value: &str) -> Result<(HashKind, String), StoreError> {
    let (kind, hash) = value.split_once(':').ok_or_else(|| corrupt("live hash value"))?;
    Ok((kind.parse()?, hash.to_owned()))
}

/// `live` hash pairs `id, "kind:hash"`.
pub(crate) fn live_from_flat(flat: Vec<String>) -> Result<Vec<LiveHash>, StoreError> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(id), Some(value)) = (it.next(), it.next()) {
        let (kind, hash) = live_value(&value)?;
        out.push(LiveHash { id: id.parse().map_err(|_| corrupt("live hash id"))?, kind, hash });
    }
    Ok(out)
}

/// A stream record's fields (see `scripts::FEED_PRELUDE`) as a [`FeedRecord`].
fn record_from_flat(flat: Vec<String>) -> Result<FeedRecord, StoreError> {
    let mut fields: HashMap<String, String> = HashMap::with_capacity(8);
    let mut it = flat.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        fields.insert(k, v);
    }
    let state: EntryState = take(&mut fields, "s")?;
    Ok(FeedRecord {
        entry_id: take(&mut fields, "e")?,
        kind: take::<HashKind>(&mut fields, "k")?,
        hash: take(&mut fields, "h")?,
        quality: take_opt(&mut fields, "q")?,
        state,
        category: take(&mut fields, "c")?,
        verified: state == EntryState::Verified,
        updated_at: take(&mut fields, "u")?,
    })
}

/// An XRANGE reply.
pub(crate) fn records_from_range(value: Value) -> Result<Vec<(StreamId, FeedRecord)>, StoreError> {
    let raw: Vec<(String, Vec<String>)> =
        redis::from_redis_value(value).map_err(|e| corrupt(format!("feed records: {e}")))?;
    raw.into_iter()
        .map(|(id, flat)| Ok((id.parse().map_err(|_| corrupt("stream id"))?, record_from_flat(flat)?)))
        .collect()
}

/// XREAD's reply shape: per stream its name and its records, each a stream id and flat field/value pairs.
type XreadReply = Vec<(String, Vec<(String, Vec<String>)>)>;

/// An XREAD reply of a change log (see `scripts::FEED_PRELUDE`, `note_change`): (stream id, entry id, live).
pub(crate) fn changes_from_xread(value: Value) -> Result<Vec<(StreamId, EntryId, bool)>, StoreError> {
    if matches!(value, Value::Nil) {
        return Ok(Vec::new());
    }
    let streams: XreadReply = redis::from_redis_value(value).map_err(|e| corrupt(format!("xread reply: {e}")))?;
    let mut out = Vec::new();
    for (at, flat) in streams.into_iter().flat_map(|(_, records)| records) {
        let mut fields: HashMap<String, String> = HashMap::with_capacity(2);
        let mut it = flat.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            fields.insert(k, v);
        }
        let live: String = take(&mut fields, "l")?;
        out.push((at.parse().map_err(|_| corrupt("stream id"))?, take(&mut fields, "e")?, live == "1"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_round_trip() {
        assert_eq!(ids_from_csv(&ids_to_csv(&[1, 22, 333])).ok(), Some(vec![1, 22, 333]));
        assert_eq!(ids_from_csv("").ok(), Some(vec![]));
        assert!(ids_from_csv("1,x").is_err());
    }

    #[test]
    fn live_values_split_at_the_first_colon() {
        let live = live_from_flat(vec!["7".into(), "video:[{\"a\":1}]".into()]).expect("parse");
        assert_eq!(live[0].kind, HashKind::Video);
        assert_eq!(live[0].hash, "[{\"a\":1}]");
        assert!(live_from_flat(vec!["7".into(), "nokind".into()]).is_err());
    }

    #[test]
    fn records_without_quality_parse() {
        let flat =
            ["e", "5", "k", "md5", "h", "ab", "s", "verified", "c", "other", "u", "9"].map(String::from).to_vec();
        let record = record_from_flat(flat).expect("parse");
        assert_eq!(record.quality, None);
        assert!(record.verified);
        assert!(!record.is_tombstone());
    }
}
