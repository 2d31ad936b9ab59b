//! Platforms' feedback on entries.

use disrupt_openapi::feedback::{FeedbackRecorded, FeedbackRequest, MAX_FEEDBACK_ITEMS};

use super::Service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::model as s;

/// The most tags one feedback item may carry.
pub const MAX_TAGS: usize = 16;
/// The longest tag, in bytes.
pub const MAX_TAG_LEN: usize = 64;

impl Service {
    /// Records what the caller did about each entry. Entries of lists the caller may not read are answered as
    /// not found, so references cannot be probed.
    pub async fn submit_feedback(
        &self,
        caller: &Caller,
        request: FeedbackRequest,
    ) -> Result<FeedbackRecorded, ApiError> {
        if request.feedback.is_empty() || request.feedback.len() > MAX_FEEDBACK_ITEMS {
            return Err(ApiError::InvalidRequest(format!("feedback carries 1 to {MAX_FEEDBACK_ITEMS} items")));
        }
        for item in &request.feedback {
            validate_tags(&item.tags)?;
        }
        let mut recorded = 0;
        for item in request.feedback {
            // Feedback on one of an image's views is feedback on the image.
            let id = crate::entry_ref::entry_of(self.refs.decode(&item.entry).ok_or(ApiError::NotFound("entry"))?);
            self.record_feedback_on(caller, id, item.value, item.tags).await?;
            recorded += 1;
        }
        Ok(FeedbackRecorded { recorded })
    }

    /// Records one feedback after checking the caller may read the entry's list.
    pub(crate) async fn record_feedback_on(
        &self,
        caller: &Caller,
        entry_id: s::EntryId,
        feedback: s::FeedbackValue,
        tags: Vec<String>,
    ) -> Result<(), ApiError> {
        let entry = self.store.get_entry(entry_id).await?;
        match entry {
            Some(entry) if caller.may_read(&entry.list) => {}
            _ => return Err(ApiError::NotFound("entry")),
        }
        self.store.record_feedback(entry_id, &caller.key_id, feedback, &tags).await?;
        if feedback == s::FeedbackValue::NotViolating {
            self.check_benign(entry_id).await?;
        }
        Ok(())
    }
}

/// Checks the tag limits.
pub(crate) fn validate_tags(tags: &[String]) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS || tags.iter().any(|t| t.len() > MAX_TAG_LEN) {
        return Err(ApiError::InvalidRequest(format!("at most {MAX_TAGS} tags of at most {MAX_TAG_LEN} bytes")));
    }
    Ok(())
}
