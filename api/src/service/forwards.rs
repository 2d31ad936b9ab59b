//! Forwards to the authorities: analysts record that a case, or some of its URLs, went to PHAROS, INHOPE (ICCAM)
//! or NCMEC, with the authority's reference; the hotline exports them (JSON or CSV) to file.

use std::collections::BTreeSet;

use disrupt_hotline::audit::AuditAction;
use disrupt_hotline::forwards::{self, CaseFacts, Forward, ForwardError, ForwardRequest};
use disrupt_hotline::time::now_ms;
use disrupt_openapi::forwards::{ForwardList, ForwardQuery};
use disrupt_openapi::model::Role;
use ring::rand::SecureRandom;

use super::Service;
use super::audit::actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Outbox;
use crate::store::audit::AuditEvent;

/// The most forwards one export answers; `next_from` continues.
pub const MAX_FORWARDS_PER_EXPORT: usize = 5000;

impl From<ForwardError> for ApiError {
    fn from(err: ForwardError) -> Self {
        ApiError::InvalidRequest(err.to_string())
    }
}

impl Service {
    /// Records that the analyst forwarded a case (or some of its URLs) to an authority; audited.
    pub async fn record_forward(
        &self,
        caller: &Caller,
        case_id: &str,
        request: ForwardRequest,
    ) -> Result<Forward, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let case = match self.store.get_case(case_id).await? {
            Some(view) if caller.may_read(&view.case.list) => view.case,
            _ => return Err(ApiError::NotFound("case")),
        };
        let now = now_ms();
        let facts = CaseFacts { category: case.category, created_at: case.created_at, url_count: case.urls.len() };
        let forwarded_at = forwards::check(&request, facts, now)?;
        let indexes: BTreeSet<usize> = request.urls.iter().copied().collect();
        let mut id = [0u8; 8];
        ring::rand::SystemRandom::new().fill(&mut id).map_err(|_| ApiError::internal(anyhow::anyhow!("rng")))?;
        let forward = Forward {
            id: format!("f{}", hex::encode(id)),
            case_id: case.id.clone(),
            list: case.list.clone(),
            category: case.category,
            authority: request.authority,
            reference: request.reference.trim().to_owned(),
            urls: indexes.iter().map(|&i| case.urls[i].clone()).collect(),
            forwarded_at,
            recorded_at: now,
            recorded_by: caller.key_id.clone(),
            note: request.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        };
        // The reference and the URLs stay out of the audit log, as contacts and hashes do; the record names them.
        let event = AuditEvent::new(actor(caller), AuditAction::ForwardRecorded, format!("forward:{}", forward.id))
            .detail("case", &case.id)
            .detail("list", &case.list)
            .detail("authority", forward.authority.as_str())
            .detail("url_count", forward.urls.len().to_string());
        self.store.record_forward(&forward, event).await?;
        self.drain_audit(Outbox::Notices).await;
        Ok(forward)
    }

    /// A case's forwards, oldest first.
    pub async fn case_forwards(&self, caller: &Caller, case_id: &str) -> Result<ForwardList, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        match self.store.get_case(case_id).await? {
            Some(view) if caller.may_read(&view.case.list) => {}
            _ => return Err(ApiError::NotFound("case")),
        }
        let forwards = self.store.case_forwards(case_id).await?;
        Ok(ForwardList { forwards, has_more: false, next_from: None })
    }

    /// Forwards made in a period, in the lists the caller may read, oldest first: at most
    /// [`MAX_FORWARDS_PER_EXPORT`], then `next_from`.
    pub async fn export_forwards(&self, caller: &Caller, query: &ForwardQuery) -> Result<ForwardList, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let (from, to) = (query.from.unwrap_or(0), query.to.unwrap_or(u64::MAX));
        let (mut forwards, has_more) = self.store.forwards_between(from, to, MAX_FORWARDS_PER_EXPORT).await?;
        let mut next_from = None;
        if has_more {
            // The next answer starts at the last one's millisecond, so the forwards of that millisecond move there
            // whole (unless they are all this answer holds).
            let last = forwards.last().map_or(from, |f| f.forwarded_at);
            let kept = forwards.iter().filter(|f| f.forwarded_at < last).count();
            if kept > 0 {
                forwards.truncate(kept);
                next_from = Some(last);
            } else {
                next_from = Some(last + 1);
            }
        }
        forwards.retain(|f| caller.may_read(&f.list) && query.authority.is_none_or(|a| a == f.authority));
        Ok(ForwardList { forwards, has_more, next_from })
    }

    /// [`Service::export_forwards`] as CSV, and where the next answer starts.
    pub async fn export_forwards_csv(
        &self,
        caller: &Caller,
        query: &ForwardQuery,
    ) -> Result<(String, Option<u64>), ApiError> {
        let list = self.export_forwards(caller, query).await?;
        Ok((forwards::to_csv(&list.forwards).map_err(ApiError::internal)?, list.next_from))
    }

    /// Which of these cases have a forward recorded.
    pub(crate) async fn forwarded_cases(&self, case_ids: &BTreeSet<&str>) -> Result<BTreeSet<String>, ApiError> {
        Ok(self.store.cases_forwarded(case_ids).await?)
    }
}
