//! Victims' cases.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use disrupt_hotline::audit::{AuditAction, AuditActor};
use disrupt_hotline::flood;
use disrupt_openapi::cases::{
    CaseDelivery, CaseHash, CaseStatus, CreateCaseRequest, CreatedCase, MAX_TEXT_LEN, MAX_URLS_PER_CASE,
    RECEIPT_FORMAT, Receipt, ReceiptDocument, WithdrawnCase,
};
use disrupt_openapi::model::{CaseState, Category, HashValue, MAX_HASHES_PER_REQUEST};
use disrupt_openapi::privacy::{PrivacyNotice, Retention};

use super::Service;
use crate::error::ApiError;
use crate::rate_limit::SubmissionQuota;
use crate::settings::CaseLimits;
use crate::store::Outbox;
use crate::store::audit::AuditEvent;
use crate::store::model as s;
use crate::wire;

impl Service {
    /// Creates a case from hashes computed on the victim's device. The hashes count against the client's hourly
    /// budget; flood detection may create some or all of them held for an analyst (`disrupt_hotline::flood`).
    pub async fn create_case(
        &self,
        request: CreateCaseRequest,
        quota: &SubmissionQuota,
    ) -> Result<CreatedCase, ApiError> {
        validate_case(&request)?;
        check_frames(&self.case_limits, &request.hashes)?;
        let list = s::list_for(request.category);
        let mut entries = request.hashes.iter().map(wire::new_entry).collect::<Result<Vec<_>, _>>()?;
        self.limits.draw_hashes(quota, entries.len()).await?;
        self.mark_floods(list, &mut entries, quota.burst).await?;
        let holds: Vec<Option<s::HoldReason>> = entries.iter().map(|e| e.held).collect();
        let secret = self.secrets.new_case_secret()?;
        let created = self
            .store
            .create_case_audited(
                s::NewCase {
                    list: list.to_owned(),
                    category: request.category,
                    entries,
                    urls: request.urls,
                    contact: request.contact.as_deref().map(|c| self.contacts.seal(c)).transpose()?,
                    declarations: request.declarations,
                    secret_hash: secret.secret_hash,
                    surge_limit: flood::surge_limit(&self.flood),
                },
                |case_id, surge| held_event(list, case_id, &holds, surge),
            )
            .await?;
        if created.held > 0 {
            self.count_holds(&holds, created.surge);
            self.drain_audit(Outbox::List(list)).await;
        }
        self.publish_due(list).await;
        Ok(CreatedCase { case_id: created.case_id, case_secret: secret.secret, hashes: request.hashes })
    }

    /// The facts the victims' privacy notice states: the controller from the hotline's settings, and how long a
    /// withdrawn case's data stays (the feed's retention, after which it is purged).
    pub fn privacy_notice(&self) -> PrivacyNotice {
        let withdrawn_case_days = self.store.feed_retention().as_secs().div_ceil(24 * 3600);
        PrivacyNotice { controller: self.hotline.controller.clone(), retention: Retention { withdrawn_case_days } }
    }

    /// Creates a case from hashes the server computed from uploaded media.
    pub async fn create_case_from_hashes(
        &self,
        category: Category,
        hashes: Vec<HashValue>,
        quota: &SubmissionQuota,
    ) -> Result<CreatedCase, ApiError> {
        let request = CreateCaseRequest { category, hashes, urls: Vec::new(), contact: None, declarations: None };
        self.create_case(request, quota).await
    }

    /// Decides which entries flood detection holds: those whose hash (or a near PDQ hash) other cases already
    /// carry often enough, or all of them when the client is in a burst. The service-wide surge is the store's.
    async fn mark_floods(&self, list: &str, entries: &mut [s::NewEntry], burst: bool) -> Result<(), ApiError> {
        let neighbours: Vec<Vec<s::EntryId>> = entries
            .iter()
            .map(|e| {
                if self.flood.same_hash_cases == 0 {
                    return Vec::new();
                }
                let mut ids: Vec<s::EntryId> =
                    self.neighbour_ids(list, e.kind, &e.hash).into_iter().map(|(id, _)| id).collect();
                ids.truncate(flood::MAX_NEIGHBOURS_READ);
                ids
            })
            .collect();
        let mut to_read: Vec<s::EntryId> = neighbours.iter().flatten().copied().collect();
        to_read.sort_unstable();
        to_read.dedup();
        // One crafted case of 1,000 hashes near many entries must not turn into 64,000 reads.
        to_read.truncate(MAX_NEIGHBOUR_READS_PER_CASE);
        let case_of: HashMap<s::EntryId, String> = if to_read.is_empty() {
            HashMap::new()
        } else {
            self.store.entries_by_id(&to_read).await?.into_iter().map(|e| (e.id, e.case_id)).collect()
        };
        for (entry, ids) in entries.iter_mut().zip(&neighbours) {
            let cases: BTreeSet<&str> = ids.iter().filter_map(|id| case_of.get(id)).map(String::as_str).collect();
            entry.held = flood::hold_for(&self.flood, burst, cases.len() as u64);
        }
        Ok(())
    }

    /// Counts what flood detection held (its audit record was written with the case, [`held_event`]). The log
    /// line carries counts only: no case id, no hash.
    fn count_holds(&self, holds: &[Option<s::HoldReason>], surge: bool) {
        let reasons = hold_reasons(holds, surge);
        for (reason, n) in &reasons {
            self.held.with_label_values(&[reason]).inc_by(*n as u64);
        }
        let held: usize = reasons.values().sum();
        tracing::info!(held, reasons = %summary(&reasons), "flood detection held the entries of a new case");
    }

    /// Loads a case after checking its secret; too many wrong secrets lock the case for a while.
    async fn authorised_case(&self, case_id: &str, secret: &str) -> Result<s::CaseView, ApiError> {
        self.limits.check_case_unlocked(case_id).await?;
        let view = self.store.get_case(case_id).await?.ok_or(ApiError::NotFound("case"))?;
        if self.secrets.verify_case_secret(secret, &view.case.secret_hash) {
            Ok(view)
        } else {
            self.limits.record_secret_failure(&view.case.id).await?;
            Err(ApiError::Unauthorized)
        }
    }

    /// The case's state and what platforms did with its hashes.
    pub async fn get_case(&self, case_id: &str, secret: &str) -> Result<CaseStatus, ApiError> {
        let view = self.authorised_case(case_id, secret).await?;
        let hashes = view
            .entries
            .iter()
            .map(|e| {
                Ok(CaseHash {
                    value: wire::hash_value(e.kind, &e.hash, e.quality)?,
                    state: e.state,
                    blocked: e.signals.blocked,
                    not_violating: e.signals.not_violating,
                    pending_review: e.signals.pending_review,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let delivery = self.store.delivery(&view.case).await?;
        let urls = self.case_urls(&view.case).await?;
        Ok(CaseStatus {
            urls,
            has_contact: view.case.contact.is_some(),
            declarations: view.case.declarations,
            delivery: CaseDelivery { received: delivery.received, deletion_delivered: delivery.deletion_delivered },
            case_id: view.case.id,
            state: view.case.state,
            category: view.case.category,
            created_at: view.case.created_at,
            withdrawn_at: view.case.withdrawn_at,
            hashes,
        })
    }

    /// A signed, media-free receipt of the case: its id, when it was submitted, how many hashes of which kinds it
    /// holds and the URLs reported.
    pub async fn case_receipt(&self, case_id: &str, secret: &str) -> Result<Receipt, ApiError> {
        let view = self.authorised_case(case_id, secret).await?;
        let mut kinds = BTreeMap::new();
        for entry in &view.entries {
            *kinds.entry(entry.kind.as_str().to_owned()).or_insert(0) += 1;
        }
        Ok(self.receipts.sign(ReceiptDocument {
            format: RECEIPT_FORMAT.to_owned(),
            case_id: view.case.id,
            submitted_at: view.case.created_at,
            issued_at: disrupt_hotline::time::now_ms(),
            hashes: view.entries.len() as u64,
            kinds,
            urls: view.case.urls,
        }))
    }

    /// Withdraws the case: its hashes leave the list and the index, tombstones go to the feed, the contact is
    /// erased. Idempotent.
    pub async fn withdraw_case(&self, case_id: &str, secret: &str) -> Result<WithdrawnCase, ApiError> {
        let view = self.authorised_case(case_id, secret).await?;
        let event = AuditEvent::new(AuditActor::victim(), AuditAction::CaseWithdrawn, format!("case:{}", view.case.id))
            .detail("list", &view.case.list);
        let outcome = self.store.withdraw_case_audited(&view.case.id, Some(event)).await?;
        self.drain_audit(Outbox::List(&view.case.list)).await;
        Ok(WithdrawnCase {
            case_id: view.case.id,
            state: CaseState::Withdrawn,
            already_withdrawn: outcome.already_withdrawn,
        })
    }
}

/// How many entries of a new case each reason held: the reasons flood detection gave, and the service-wide
/// surge for the others when the store found one.
fn hold_reasons(holds: &[Option<s::HoldReason>], surge: bool) -> BTreeMap<&'static str, usize> {
    let mut reasons = BTreeMap::new();
    for held in holds {
        let reason = match (*held, surge) {
            (Some(reason), _) => reason,
            (None, true) => s::HoldReason::ServiceSurge,
            (None, false) => continue,
        };
        *reasons.entry(reason.as_str()).or_insert(0) += 1;
    }
    reasons
}

fn summary(reasons: &BTreeMap<&'static str, usize>) -> String {
    reasons.iter().map(|(r, n)| format!("{r}:{n}")).collect::<Vec<_>>().join(",")
}

/// The audit record of what flood detection held in case `case_id` of `list`, with or without a surge; `None`
/// when nothing is held. Counts and reasons only: no hash.
fn held_event(list: &str, case_id: &str, holds: &[Option<s::HoldReason>], surge: bool) -> Option<AuditEvent> {
    let reasons = hold_reasons(holds, surge);
    let held: usize = reasons.values().sum();
    (held > 0).then(|| {
        AuditEvent::new(AuditActor::system(), AuditAction::EntriesHeld, format!("case:{case_id}"))
            .detail("list", list)
            .detail("held", held.to_string())
            .detail("reasons", summary(&reasons))
    })
}

/// The most neighbour entries flood detection reads for one new case (one Redis pipeline).
const MAX_NEIGHBOUR_READS_PER_CASE: usize = 4_096;

/// Refuses frame lists beyond the caps before anything parses them further: a case's frames are stored, copied
/// into the feed and pulled by every platform.
fn check_frames(limits: &CaseLimits, hashes: &[HashValue]) -> Result<(), ApiError> {
    let mut total = 0;
    for hash in hashes {
        if let HashValue::Video { frames } = hash {
            if frames.len() > limits.frames_per_video {
                return Err(ApiError::TooManyFrames(format!(
                    "a video frame list has at most {} frames (1 fps over two hours is 7200)",
                    limits.frames_per_video
                )));
            }
            total += frames.len();
        }
    }
    if total > limits.frames_per_case {
        return Err(ApiError::TooManyFrames(format!(
            "the video frame lists of a case have at most {} frames together",
            limits.frames_per_case
        )));
    }
    Ok(())
}

fn validate_case(request: &CreateCaseRequest) -> Result<(), ApiError> {
    if request.hashes.is_empty() {
        return Err(ApiError::InvalidRequest("a case needs at least one hash".into()));
    }
    if request.hashes.len() > MAX_HASHES_PER_REQUEST {
        return Err(ApiError::PayloadTooLarge(format!("a case has at most {MAX_HASHES_PER_REQUEST} hashes")));
    }
    if request.urls.len() > MAX_URLS_PER_CASE {
        return Err(ApiError::PayloadTooLarge(format!("a case has at most {MAX_URLS_PER_CASE} URLs")));
    }
    let too_long = request.urls.iter().chain(request.contact.iter()).any(|t| t.len() > MAX_TEXT_LEN);
    if too_long {
        return Err(ApiError::InvalidRequest(format!("URLs and the contact are at most {MAX_TEXT_LEN} bytes")));
    }
    Ok(())
}
