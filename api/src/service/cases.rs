//! Victims' cases.

use disrupt_openapi::cases::{
    CaseDelivery, CaseHash, CaseStatus, CreateCaseRequest, CreatedCase, MAX_TEXT_LEN, MAX_URLS_PER_CASE, WithdrawnCase,
};
use disrupt_openapi::model::{CaseState, Category, HashValue, MAX_HASHES_PER_REQUEST};

use super::Service;
use crate::error::ApiError;
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::wire;

impl Service {
    /// Creates a case from hashes computed on the victim's device.
    pub async fn create_case(&self, request: CreateCaseRequest) -> Result<CreatedCase, ApiError> {
        validate_case(&request)?;
        let entries = request.hashes.iter().map(wire::new_entry).collect::<Result<Vec<_>, _>>()?;
        let secret = self.secrets.new_case_secret()?;
        let created = self
            .store
            .create_case(s::NewCase {
                list: DEFAULT_LIST.to_owned(),
                category: wire::store_category(request.category),
                entries,
                urls: request.urls,
                contact: request.contact.as_deref().map(|c| self.contacts.seal(c)).transpose()?,
                secret_hash: secret.secret_hash,
            })
            .await?;
        Ok(CreatedCase { case_id: created.case_id, case_secret: secret.secret, hashes: request.hashes })
    }

    /// Creates a case from hashes the server computed from uploaded media.
    pub async fn create_case_from_hashes(
        &self,
        category: Category,
        hashes: Vec<HashValue>,
    ) -> Result<CreatedCase, ApiError> {
        self.create_case(CreateCaseRequest { category, hashes, urls: Vec::new(), contact: None }).await
    }

    /// Loads a case after checking its secret; too many wrong secrets lock the case for a while.
    async fn authorised_case(&self, case_id: &str, secret: &str) -> Result<s::CaseView, ApiError> {
        self.limits.check_case_unlocked(case_id)?;
        let view = self.store.get_case(case_id).await?.ok_or(ApiError::NotFound("case"))?;
        if self.secrets.verify_case_secret(secret, &view.case.secret_hash) {
            Ok(view)
        } else {
            self.limits.record_secret_failure(case_id);
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
                    state: wire::entry_state(e.state),
                    blocked: e.blocked,
                    not_violating: e.not_violating,
                    pending_review: e.pending_review,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let delivery = self.store.delivery(&view.case).await?;
        Ok(CaseStatus {
            delivery: CaseDelivery { received: delivery.received, deletion_delivered: delivery.deletion_delivered },
            case_id: view.case.id,
            state: wire::case_state(view.case.state),
            category: wire::category(view.case.category),
            created_at: view.case.created_at,
            withdrawn_at: view.case.withdrawn_at,
            hashes,
        })
    }

    /// Withdraws the case: its hashes leave the list and the index, tombstones go to the feed, the contact is
    /// erased. Idempotent.
    pub async fn withdraw_case(&self, case_id: &str, secret: &str) -> Result<WithdrawnCase, ApiError> {
        let view = self.authorised_case(case_id, secret).await?;
        let outcome = self.store.withdraw_case(&view.case.id).await?;
        if !outcome.already_withdrawn {
            let victim = crate::audit::Actor::victim();
            let event = crate::store::audit::AuditEvent::new(
                victim,
                crate::audit::AuditAction::CaseWithdrawn,
                format!("case:{}", view.case.id),
            )
            .detail("list", &view.case.list);
            self.audit(event).await?;
        }
        Ok(WithdrawnCase {
            case_id: view.case.id,
            state: CaseState::Withdrawn,
            already_withdrawn: outcome.already_withdrawn,
        })
    }
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
