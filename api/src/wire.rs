//! Hash values between the wire (`disrupt-openapi`'s [`HashValue`]) and the text the store keeps for each kind
//! (hex, hex with its views, a video's frame list as JSON). Kinds, states, categories and roles need no mapping:
//! the store uses the wire's enums.

use disrupt_openapi::model::{HashValue, VideoFrame};

use crate::error::ApiError;
use crate::store::model as s;

/// The store entry for a validated wire hash.
pub fn new_entry(value: &HashValue) -> Result<s::NewEntry, ApiError> {
    value.validate().map_err(ApiError::InvalidHash)?;
    Ok(match value {
        HashValue::Pdq { hash, quality, views } => s::NewEntry {
            kind: s::HashKind::Pdq,
            hash: crate::views::encode(hash.as_str(), views),
            quality: *quality,
            held: None,
        },
        HashValue::Md5 { hash } => {
            s::NewEntry { kind: s::HashKind::Md5, hash: hash.to_string(), quality: None, held: None }
        }
        HashValue::Sha256 { hash } => {
            s::NewEntry { kind: s::HashKind::Sha256, hash: hash.to_string(), quality: None, held: None }
        }
        HashValue::Video { frames } => s::NewEntry {
            kind: s::HashKind::Video,
            hash: serde_json::to_string(frames).map_err(ApiError::internal)?,
            quality: None,
            held: None,
        },
    })
}

/// The wire hash of a stored hash. Stored text was validated on the way in; failing here means corrupt data.
pub fn hash_value(kind: s::HashKind, hash: &str, quality: Option<u8>) -> Result<HashValue, ApiError> {
    let corrupt = |e: String| ApiError::internal(anyhow::anyhow!("stored {kind} hash: {e}"));
    Ok(match kind {
        s::HashKind::Pdq => {
            let stored = crate::views::decode(hash).ok_or_else(|| corrupt("its views do not parse".into()))?;
            HashValue::Pdq {
                hash: stored.hex.parse().map_err(|e: disrupt_openapi::hash::InvalidHash| corrupt(e.to_string()))?,
                quality,
                views: stored.views,
            }
        }
        s::HashKind::Md5 => HashValue::Md5 {
            hash: hash.parse().map_err(|e: disrupt_openapi::hash::InvalidHash| corrupt(e.to_string()))?,
        },
        s::HashKind::Sha256 => HashValue::Sha256 {
            hash: hash.parse().map_err(|e: disrupt_openapi::hash::InvalidHash| corrupt(e.to_string()))?,
        },
        s::HashKind::Video => HashValue::Video {
            frames: serde_json::from_str::<Vec<VideoFrame>>(hash).map_err(|e| corrupt(e.to_string()))?,
        },
    })
}
