//! Analysts' review: the queue, decisions on entries (also in bulk), rejecting a whole case, the benign-image
//! heuristic that quarantines entries platforms keep finding harmless or that match far too much.

use disrupt_hotline::audit::{AuditAction, AuditActor};
use disrupt_hotline::review::{
    self, BenignAction, BenignSignal, CASE_REJECTION_TTL_MS, CaseRejectionStep, NeighbourHit, PendingCaseRejection,
    Rejection, ReviewError,
};
use std::collections::BTreeSet;

use disrupt_hotline::time::now_ms;
use disrupt_openapi::model::{Category, Role};
use disrupt_openapi::review::{
    AnalystCase, CaseContact, CaseRejection, DecidedEntry, DecisionOutcome, EntryDecisionRequest, Neighbour,
    RejectCaseRequest, RejectEntriesRequest, ReviewItem, ReviewQueue, ReviewQueueQuery,
};

use super::Service;
use super::audit::actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::audit::AuditEvent;
use crate::store::model::{self as s, DEFAULT_LIST};
use crate::store::{AuditWhen, Outbox};

/// Queue items per page at most.
pub const MAX_QUEUE_PAGE: usize = 100;
/// Neighbours shown with one item at most.
const MAX_NEIGHBOURS: usize = 20;

impl From<ReviewError> for ApiError {
    fn from(err: ReviewError) -> Self {
        match err {
            ReviewError::BulkSize(_) | ReviewError::InvalidNote(_) => ApiError::InvalidRequest(err.to_string()),
            ReviewError::SameAnalyst => ApiError::Conflict(err.to_string()),
        }
    }
}

/// A whole-case rejection waiting for a second analyst, as the API shows it: who asked, why, until when.
fn awaiting_second_analyst(pending: PendingCaseRejection) -> CaseRejection {
    CaseRejection::AwaitingSecondAnalyst {
        requested_by: pending.requested_by,
        reason: pending.rejection.reason,
        note: pending.rejection.note,
        expires_at: pending.requested_at + CASE_REJECTION_TTL_MS,
    }
}

fn require_analyst(caller: &Caller) -> Result<(), ApiError> {
    caller.require_role(&[Role::Analyst, Role::Admin])
}

impl Service {
    /// The benign-image heuristic's findings for one entry.
    fn benign_findings(&self, entry: &s::Entry) -> Vec<BenignSignal> {
        review::benign_signals(&entry.signals, &self.hotline.benign)
    }

    /// Quarantines `entry` if the heuristic says it looks like a popular benign image and no analyst has verified
    /// it; audited as the server's own action. Called after feedback and after matches.
    pub(crate) async fn check_benign(&self, entry_id: s::EntryId) -> Result<(), ApiError> {
        let Some(entry) = self.store.get_entry(entry_id).await? else {
            return Ok(());
        };
        if entry.state != s::EntryState::Pending {
            return Ok(());
        }
        let findings = self.benign_findings(&entry);
        if review::benign_action(&findings, false) != BenignAction::FlagAndQuarantine {
            return Ok(());
        }
        let signal = match findings[0] {
            BenignSignal::RepeatedNotViolating { .. } => "repeated_not_violating",
            BenignSignal::WidespreadMatches { .. } => "widespread_matches",
        };
        let event = AuditEvent::new(AuditActor::system(), AuditAction::EntryQuarantined, format!("entry:{entry_id}"))
            .detail("list", &entry.list)
            .detail("signal", signal);
        self.store
            .set_entry_state_audited(entry_id, s::EntryState::Quarantined, Some(event), AuditWhen::Changed)
            .await?;
        tracing::info!(entry = entry_id, signal, "quarantined by the benign-image heuristic");
        self.drain_audit(Outbox::List(&entry.list)).await;
        Ok(())
    }

    async fn review_item(&self, entry: &s::Entry) -> Result<ReviewItem, ApiError> {
        let found = self.neighbour_ids(&entry.list, entry.kind, &entry.hash);
        let mut hits = Vec::with_capacity(found.len());
        let ids: Vec<s::EntryId> = found.iter().map(|(id, _)| *id).collect();
        for neighbour in self.store.entries_by_id(&ids).await? {
            let distance = found.iter().find(|(id, _)| *id == neighbour.id).map_or(0, |(_, d)| *d);
            hits.push(NeighbourHit {
                entry_id: neighbour.id,
                case_id: neighbour.case_id,
                distance,
                state: neighbour.state,
            });
        }
        let around = review::neighbourhood(entry.id, &entry.case_id, hits, MAX_NEIGHBOURS);
        Ok(ReviewItem {
            entry_id: entry.id,
            list: entry.list.clone(),
            case_id: entry.case_id.clone(),
            kind: entry.kind,
            quality: entry.quality,
            low_quality: entry.quality.is_some_and(|q| q < review::LOW_QUALITY),
            state: entry.state,
            category: entry.category,
            created_at: entry.created_at,
            near_duplicates: around
                .shown
                .into_iter()
                .map(|h| Neighbour { entry_id: h.entry_id, distance: h.distance, state: h.state })
                .collect(),
            same_hash_cases: around.same_hash_cases,
            near_hash_cases: around.near_hash_cases,
            signals: entry.signals,
            benign_signals: self.benign_findings(entry),
            held_for: entry.held,
            // Set by the caller, who knows the case's forwards.
            forward_required: false,
        })
    }

    /// Live entries of `list` in the match index with the same or a near hash, with their distances. Flood
    /// detection asks the same question of a hash about to be submitted.
    pub(crate) fn neighbour_ids(&self, list: &str, kind: s::HashKind, hash: &str) -> Vec<(s::EntryId, u32)> {
        let index = self.index.read();
        let digest = |len: usize| -> Option<Vec<u8>> {
            let bytes = hex::decode(crate::views::own_hash(hash)).ok()?;
            (bytes.len() == len).then_some(bytes)
        };
        match kind {
            s::HashKind::Pdq => match digest(32).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
                Some(query) => index
                    .search_pdq(list, &[query], super::matching::PDQ_MATCH_DISTANCE)
                    .into_iter()
                    .map(|h| (h.id, h.distance))
                    .collect(),
                None => Vec::new(),
            },
            s::HashKind::Md5 => match digest(16).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
                Some(d) => index.lookup_md5(list, &d).into_iter().map(|id| (id, 0)).collect(),
                None => Vec::new(),
            },
            s::HashKind::Sha256 => match digest(32).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
                Some(d) => index.lookup_sha256(list, &d).into_iter().map(|id| (id, 0)).collect(),
                None => Vec::new(),
            },
            // Videos are compared frame list against frame list by the match API; the queue shows none.
            s::HashKind::Video => Vec::new(),
        }
    }

    /// The oldest entries of a list waiting in a state (pending by default, or quarantined).
    pub async fn review_queue(&self, caller: &Caller, query: ReviewQueueQuery) -> Result<ReviewQueue, ApiError> {
        require_analyst(caller)?;
        let list = query.list.or_else(|| caller.lists.first().cloned()).unwrap_or_else(|| DEFAULT_LIST.into());
        caller.require_list(&list)?;
        let limit = query.limit.unwrap_or(20);
        if !(1..=MAX_QUEUE_PAGE).contains(&limit) {
            return Err(ApiError::InvalidRequest(format!("limit is 1 to {MAX_QUEUE_PAGE}")));
        }
        let state = match query.state {
            None => s::EntryState::Pending,
            Some(state @ (s::EntryState::Pending | s::EntryState::Quarantined)) => state,
            Some(_) => return Err(ApiError::InvalidRequest("the queue holds pending or quarantined entries".into())),
        };
        let (total, ids) = self.store.review_queue(&list, state, limit).await?;
        let mut items = Vec::with_capacity(ids.len());
        for entry in self.store.entries_by_id(&ids).await? {
            items.push(self.review_item(&entry).await?);
        }
        // A minor's case stays flagged until a forward to the authorities is recorded.
        let minors: BTreeSet<&str> =
            items.iter().filter(|i| i.category == Category::Minor).map(|i| i.case_id.as_str()).collect();
        let forwarded = self.forwarded_cases(&minors).await?;
        for item in &mut items {
            item.forward_required = item.category == Category::Minor && !forwarded.contains(&item.case_id);
        }
        Ok(ReviewQueue { list, total, items })
    }

    /// Checks every entry first (exists, caller's list, not withdrawn), so that a bulk action either applies to
    /// all or to none.
    async fn entries_to_decide(&self, caller: &Caller, ids: &[u64]) -> Result<Vec<s::Entry>, ApiError> {
        require_analyst(caller)?;
        let ids = review::bulk_entry_ids(ids)?;
        let entries = self.store.entries_by_id(&ids).await?;
        if entries.len() != ids.len() || entries.iter().any(|e| !caller.may_read(&e.list)) {
            return Err(ApiError::NotFound("entry"));
        }
        if let Some(gone) = entries.iter().find(|e| e.state == s::EntryState::Withdrawn) {
            return Err(ApiError::Conflict(format!("entry {} was withdrawn by the victim", gone.id)));
        }
        Ok(entries)
    }

    async fn decide(
        &self,
        caller: &Caller,
        entries: Vec<s::Entry>,
        state: s::EntryState,
        action: AuditAction,
        reason: Option<&str>,
    ) -> Result<DecisionOutcome, ApiError> {
        let mut out = Vec::with_capacity(entries.len());
        let out_lists: Vec<String> = entries.iter().map(|e| e.list.clone()).collect();
        for entry in entries {
            let mut event = AuditEvent::new(actor(caller), action, format!("entry:{}", entry.id))
                .detail("list", &entry.list)
                .detail("from", entry.state.as_str());
            if let Some(reason) = reason {
                event = event.detail("reason", reason);
            }
            let updated = self.store.set_entry_state_audited(entry.id, state, Some(event), AuditWhen::Decided).await?;
            self.drain_audit(Outbox::List(&entry.list)).await;
            out.push(DecidedEntry { entry_id: updated.id, state: updated.state });
        }
        let lists: std::collections::BTreeSet<&str> = out_lists.iter().map(String::as_str).collect();
        for list in lists {
            self.publish_due(list).await;
        }
        Ok(DecisionOutcome { entries: out })
    }

    /// Verifies entries: they stay (or come back) on the list, marked verified.
    pub async fn verify_entries(
        &self,
        caller: &Caller,
        request: EntryDecisionRequest,
    ) -> Result<DecisionOutcome, ApiError> {
        review::validate_note(request.note)?;
        let entries = self.entries_to_decide(caller, &request.entry_ids).await?;
        self.decide(caller, entries, s::EntryState::Verified, AuditAction::EntryVerified, None).await
    }

    /// Quarantines entries: they leave the feed and the match API until an analyst decides.
    pub async fn quarantine_entries(
        &self,
        caller: &Caller,
        request: EntryDecisionRequest,
    ) -> Result<DecisionOutcome, ApiError> {
        review::validate_note(request.note)?;
        let entries = self.entries_to_decide(caller, &request.entry_ids).await?;
        self.decide(caller, entries, s::EntryState::Quarantined, AuditAction::EntryQuarantined, Some("analyst")).await
    }

    /// Rejects entries with a reason: they leave the list (tombstones in the feed).
    pub async fn reject_entries(
        &self,
        caller: &Caller,
        request: RejectEntriesRequest,
    ) -> Result<DecisionOutcome, ApiError> {
        let rejection = Rejection::new(request.reason, request.note)?;
        let entries = self.entries_to_decide(caller, &request.entry_ids).await?;
        self.decide(
            caller,
            entries,
            s::EntryState::Rejected,
            AuditAction::EntryRejected,
            Some(rejection.reason.as_str()),
        )
        .await
    }

    async fn case_for_analyst(&self, caller: &Caller, case_id: &str) -> Result<s::CaseView, ApiError> {
        require_analyst(caller)?;
        match self.store.get_case(case_id).await? {
            Some(view) if caller.may_read(&view.case.list) => Ok(view),
            _ => Err(ApiError::NotFound("case")),
        }
    }

    async fn pending_rejection(&self, case: &s::Case) -> Result<Option<PendingCaseRejection>, ApiError> {
        Ok(self.store.pending_case_rejection(&case.list, &case.id).await?)
    }

    /// Rejects every live entry of a case. With `hotline.two_analysts_for_case_rejection`, the first analyst's
    /// request waits (7 days at most) for a second, different analyst's confirmation.
    pub async fn reject_case(
        &self,
        caller: &Caller,
        case_id: &str,
        request: RejectCaseRequest,
    ) -> Result<CaseRejection, ApiError> {
        let view = self.case_for_analyst(caller, case_id).await?;
        let case = &view.case;
        if case.state == s::CaseState::Withdrawn {
            return Err(ApiError::Conflict("the victim withdrew this case".into()));
        }
        let rejection = Rejection::new(request.reason, request.note)?;
        let pending = self.pending_rejection(case).await?;
        let now = now_ms();
        let step = review::reject_case_step(
            pending.as_ref(),
            &caller.key_id,
            rejection,
            self.hotline.two_analysts_for_case_rejection,
            now,
        )?;
        match step {
            CaseRejectionStep::AwaitingSecondAnalyst(request) => {
                let event =
                    AuditEvent::new(actor(caller), AuditAction::CaseRejectionRequested, format!("case:{case_id}"))
                        .detail("list", &case.list)
                        .detail("reason", request.rejection.reason.as_str());
                let store = &self.store;
                if !store.request_case_rejection(&case.list, &case.id, &request, CASE_REJECTION_TTL_MS, event).await? {
                    return Err(ApiError::Conflict("another rejection request for this case came first".into()));
                }
                self.drain_audit(Outbox::List(&case.list)).await;
                Ok(awaiting_second_analyst(request))
            }
            CaseRejectionStep::Confirmed { rejection, analysts } => {
                let live: Vec<&s::Entry> =
                    view.entries.iter().filter(|e| e.state != s::EntryState::Withdrawn).collect();
                let mut changed = 0;
                for entry in &live {
                    if entry.state != s::EntryState::Rejected {
                        // Each entry carries its own record, so a confirmation cut short leaves none unaudited.
                        let event =
                            AuditEvent::new(actor(caller), AuditAction::EntryRejected, format!("entry:{}", entry.id))
                                .detail("list", &entry.list)
                                .detail("from", entry.state.as_str())
                                .detail("reason", rejection.reason.as_str())
                                .detail("case_rejection", "confirmed");
                        self.store
                            .set_entry_state_audited(entry.id, s::EntryState::Rejected, Some(event), AuditWhen::Changed)
                            .await?;
                        changed += 1;
                    }
                }
                let drafts = self.drop_draft_notices(&case.id).await?;
                // The summary goes with the end of the waiting request: should anything before fail, the request
                // still waits and a retry completes the rejection and writes the summary (of what it did).
                let event = AuditEvent::new(actor(caller), AuditAction::CaseRejected, format!("case:{case_id}"))
                    .detail("list", &case.list)
                    .detail("reason", rejection.reason.as_str())
                    .detail("analysts", analysts.join(","))
                    .detail("entries", changed.to_string())
                    .detail("draft_notices_dropped", drafts.to_string());
                self.store.clear_case_rejection(&case.list, &case.id, event).await?;
                self.drain_audit(Outbox::List(&case.list)).await;
                Ok(CaseRejection::Rejected { analysts, entries: changed })
            }
        }
    }

    /// The victim's contact, for a key with `contact_access` on the case's list. The opening is chained into the
    /// audit log before the contact is handed out, so no opening goes unrecorded. A withdrawn case has none.
    pub async fn open_contact(&self, caller: &Caller, case_id: &str) -> Result<CaseContact, ApiError> {
        require_analyst(caller)?;
        if !caller.contact_access {
            return Err(ApiError::Forbidden("this key may not open victims' contacts".into()));
        }
        let view = self.case_for_analyst(caller, case_id).await?;
        let sealed = view.case.contact.ok_or(ApiError::NotFound("contact"))?;
        let contact = self
            .contacts
            .open(&sealed)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a stored contact does not open with the server key")))?;
        let event = AuditEvent::new(actor(caller), AuditAction::ContactOpened, format!("case:{}", view.case.id))
            .detail("list", &view.case.list);
        self.store.audit(event).await?;
        Ok(CaseContact { case_id: view.case.id, contact })
    }

    /// A case as an analyst sees it: category, entries with their review facts, reported URLs; never the contact.
    pub async fn analyst_case(&self, caller: &Caller, case_id: &str) -> Result<AnalystCase, ApiError> {
        let view = self.case_for_analyst(caller, case_id).await?;
        let mut entries = Vec::with_capacity(view.entries.len());
        for entry in &view.entries {
            entries.push(self.review_item(entry).await?);
        }
        let pending_rejection = self.pending_rejection(&view.case).await?.map(awaiting_second_analyst);
        let urls = self.reported_urls(&view.case).await?;
        let case = view.case;
        let forwards = self.store.case_forwards(&case.id).await?;
        let forward_required = disrupt_hotline::forwards::forward_required(case.category, &forwards);
        let notices = self.case_notices(&case.id).await?;
        for entry in &mut entries {
            entry.forward_required = forward_required;
        }
        Ok(AnalystCase {
            case_id: case.id,
            list: case.list,
            category: case.category,
            state: case.state,
            created_at: case.created_at,
            has_contact: case.contact.is_some(),
            declarations: case.declarations,
            entries,
            urls,
            pending_rejection,
            forwards,
            forward_required,
            notices,
        })
    }
}
