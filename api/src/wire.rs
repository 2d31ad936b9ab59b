//! Mapping between the store's model and the API's wire types (`disrupt-openapi`). Kept in one place so the
//! two can evolve separately.

use disrupt_openapi::model as w;
use disrupt_openapi::model::{HashValue, VideoFrame};

use crate::error::ApiError;
use crate::store::model as s;

/// Wire kind of a store kind.
pub fn kind(k: s::HashKind) -> w::HashKind {
    match k {
        s::HashKind::Pdq => w::HashKind::Pdq,
        s::HashKind::Video => w::HashKind::Video,
        s::HashKind::Md5 => w::HashKind::Md5,
        s::HashKind::Sha256 => w::HashKind::Sha256,
    }
}

/// Wire state of a store state.
pub fn entry_state(state: s::EntryState) -> w::EntryState {
    match state {
        s::EntryState::Pending => w::EntryState::Pending,
        s::EntryState::Verified => w::EntryState::Verified,
        s::EntryState::Rejected => w::EntryState::Rejected,
        s::EntryState::Withdrawn => w::EntryState::Withdrawn,
        s::EntryState::Quarantined => w::EntryState::Quarantined,
    }
}

/// Why flood detection held an entry, on the wire.
pub fn hold_reason(reason: s::HoldReason) -> disrupt_openapi::review::HoldReason {
    use disrupt_openapi::review::HoldReason as W;
    match reason {
        s::HoldReason::RepeatedHash => W::RepeatedHash,
        s::HoldReason::ClientBurst => W::ClientBurst,
        s::HoldReason::ServiceSurge => W::ServiceSurge,
    }
}

/// The store's hold reason for a wire one (flood rules decide in wire terms).
pub fn store_hold_reason(reason: disrupt_openapi::review::HoldReason) -> s::HoldReason {
    use disrupt_openapi::review::HoldReason as W;
    match reason {
        W::RepeatedHash => s::HoldReason::RepeatedHash,
        W::ClientBurst => s::HoldReason::ClientBurst,
        W::ServiceSurge => s::HoldReason::ServiceSurge,
    }
}

/// The store's entry state for a wire one.
pub fn store_entry_state(state: w::EntryState) -> s::EntryState {
    match state {
        w::EntryState::Pending => s::EntryState::Pending,
        w::EntryState::Verified => s::EntryState::Verified,
        w::EntryState::Rejected => s::EntryState::Rejected,
        w::EntryState::Withdrawn => s::EntryState::Withdrawn,
        w::EntryState::Quarantined => s::EntryState::Quarantined,
    }
}

/// Wire state of a store case state.
pub fn case_state(state: s::CaseState) -> w::CaseState {
    match state {
        s::CaseState::Active => w::CaseState::Active,
        s::CaseState::Withdrawn => w::CaseState::Withdrawn,
    }
}

/// Wire category of a store category.
pub fn category(c: s::Category) -> w::Category {
    match c {
        s::Category::AdultNcii => w::Category::AdultNcii,
        s::Category::Minor => w::Category::Minor,
        s::Category::SextortionThreat => w::Category::SextortionThreat,
        s::Category::Deepfake => w::Category::Deepfake,
        s::Category::Other => w::Category::Other,
    }
}

/// Store category of a wire category.
pub fn store_category(c: w::Category) -> s::Category {
    match c {
        w::Category::AdultNcii => s::Category::AdultNcii,
        w::Category::Minor => s::Category::Minor,
        w::Category::SextortionThreat => s::Category::SextortionThreat,
        w::Category::Deepfake => s::Category::Deepfake,
        w::Category::Other => s::Category::Other,
    }
}

/// Wire role of a store role.
pub fn role(r: s::Role) -> w::Role {
    match r {
        s::Role::Platform => w::Role::Platform,
        s::Role::Analyst => w::Role::Analyst,
        s::Role::Admin => w::Role::Admin,
    }
}

/// Store role of a wire role.
pub fn store_role(r: w::Role) -> s::Role {
    match r {
        w::Role::Platform => s::Role::Platform,
        w::Role::Analyst => s::Role::Analyst,
        w::Role::Admin => s::Role::Admin,
    }
}

/// Store feedback of a wire feedback value.
pub fn store_feedback(f: w::FeedbackValue) -> s::Feedback {
    match f {
        w::FeedbackValue::Blocked => s::Feedback::Blocked,
        w::FeedbackValue::NotViolating => s::Feedback::NotViolating,
        w::FeedbackValue::PendingReview => s::Feedback::PendingReview,
    }
}

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
