//! URL reports and takedown notices: analysts confirm the URLs a victim reported, disrupt writes one notice per
//! host from the hotline's templates, the analyst sends it, the hosting platform reads, acknowledges and
//! answers it through the API, and disrupt reminds it every 48 hours until it decides.

use disrupt_hotline::audit::{AuditAction, AuditActor};
use disrupt_hotline::forwards;
use disrupt_hotline::notices::delivery::{channel_for, parse_email, parse_host};
use disrupt_hotline::notices::{
    LegalGround, LegalGroundExt, NoticeContent, NoticeError, NoticeTimeline, StoredNotice, ground_for, group_by_host,
    host_key, parse_reported_url, serves,
};
use disrupt_hotline::time::now_ms;
use disrupt_openapi::cases::{CaseUrl, UrlStatus};
use disrupt_openapi::model::Role;
use disrupt_openapi::notices::{
    Lang, MAX_DECISION_REASON_CHARS, MAX_OUTCOME_NOTE_CHARS, Notice, NoticeChannel, NoticeDecisionRequest,
    NoticeEventKind, NoticeList, NoticeOutcomeRequest, NoticeQuery, NoticeState,
};
use disrupt_openapi::review::{ReportedUrl, ReviewUrlsRequest, ReviewUrlsResponse, UrlReview};
use ring::rand::SecureRandom;

use super::Service;
use super::audit::actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Outbox;
use crate::store::audit::AuditEvent;
use crate::store::mail::{MailChange, MailMessage};
use crate::store::model as s;
use crate::store::notices::{NoticeIndex, NoticeKeys, NoticePosition};

/// Updates of one notice retry this often when another writer came first.
const MAX_UPDATE_TRIES: usize = 8;
/// The most host contacts one URL review may set.
const MAX_CONTACTS_PER_REVIEW: usize = 100;

impl From<NoticeError> for ApiError {
    fn from(err: NoticeError) -> Self {
        match err {
            NoticeError::InvalidUrl { .. }
            | NoticeError::InvalidEmail
            | NoticeError::InvalidHost { .. }
            | NoticeError::OutcomeBeforeSending => ApiError::InvalidRequest(err.to_string()),
            NoticeError::InvalidTransition { .. } => ApiError::Conflict(err.to_string()),
            NoticeError::Template { .. } | NoticeError::IncompleteNotice { .. } => ApiError::internal(err),
        }
    }
}

/// Notices per page unless the caller asks otherwise.
pub const DEFAULT_NOTICE_LIMIT: usize = 100;
/// The most notices a page may hold.
pub const MAX_NOTICE_LIMIT: usize = 500;
/// The most notices one page request reads (a state filter that matches few ends the page early).
pub const MAX_NOTICES_EXAMINED: usize = 2_000;

/// No notice is made or sent for a case the victim withdrew, nor for one analysts rejected (every entry
/// rejected).
fn refuse_closed_case(view: &s::CaseView) -> Result<(), ApiError> {
    if view.case.state == s::CaseState::Withdrawn {
        return Err(ApiError::Conflict("the victim withdrew this case".into()));
    }
    if !view.entries.is_empty() && view.entries.iter().all(|e| e.state == s::EntryState::Rejected) {
        return Err(ApiError::Conflict("the case was rejected".into()));
    }
    Ok(())
}

fn is_hotline(caller: &Caller) -> bool {
    matches!(caller.role, Role::Analyst | Role::Admin)
}

impl Service {
    /// The case's reported URLs with the analysts' decisions.
    pub(crate) async fn reported_urls(&self, case: &s::Case) -> Result<Vec<ReportedUrl>, ApiError> {
        let reviews = self.url_reviews(case).await?;
        Ok(case
            .urls
            .iter()
            .zip(reviews)
            .enumerate()
            .map(|(index, (url, review))| ReportedUrl {
                index,
                url: url.clone(),
                host: parse_reported_url(url).ok().as_ref().map(host_key),
                review,
            })
            .collect())
    }

    /// The case's URLs as the victim sees them: each one's review and the newest notice that carries it. Names
    /// no platform beyond the URL's own host.
    pub(crate) async fn case_urls(&self, case: &s::Case) -> Result<Vec<CaseUrl>, ApiError> {
        if case.urls.is_empty() {
            return Ok(Vec::new());
        }
        let reviews = self.url_reviews(case).await?;
        let mut notices = Vec::new();
        for id in self.store.case_notice_ids(&case.id).await? {
            if let Some(record) = self.store.get_notice(&id).await? {
                notices.push(record.notice);
            }
        }
        notices.sort_by_key(|n| std::cmp::Reverse(n.timeline.created_at));
        Ok(case
            .urls
            .iter()
            .zip(reviews)
            .enumerate()
            .map(|(index, (url, review))| {
                let parsed = parse_reported_url(url).ok();
                let notice = parsed.as_ref().and_then(|parsed| {
                    let text = parsed.to_string();
                    notices.iter().find(|n| n.urls.contains(&text))
                });
                let timeline = notice.map(|n| &n.timeline);
                CaseUrl {
                    url: url.clone(),
                    host: parsed.as_ref().map(host_key),
                    status: UrlStatus::of(review, timeline.map(|t| t.state)),
                    reviewed_at: case.url_reviewed_at.get(index).copied().flatten(),
                    notice_sent_at: timeline.and_then(|t| t.sent_at),
                    decided_at: timeline.and_then(|t| t.decided_at),
                }
            })
            .collect())
    }

    async fn url_reviews(&self, case: &s::Case) -> Result<Vec<UrlReview>, ApiError> {
        let mut reviews = self.store.url_reviews(&case.list, &case.id).await?;
        reviews.resize(case.urls.len(), UrlReview::Pending);
        Ok(reviews)
    }

    /// Confirms or dismisses a case's URLs; newly confirmed ones become one draft notice per host.
    pub async fn review_urls(
        &self,
        caller: &Caller,
        case_id: &str,
        request: ReviewUrlsRequest,
    ) -> Result<ReviewUrlsResponse, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let case = match self.store.get_case(case_id).await? {
            Some(view) if caller.may_read(&view.case.list) => {
                refuse_closed_case(&view)?;
                view.case
            }
            _ => return Err(ApiError::NotFound("case")),
        };
        let count = case.urls.len();
        if let Some(bad) = request.confirm.iter().chain(&request.dismiss).find(|i| **i >= count) {
            return Err(ApiError::InvalidRequest(format!("the case has {count} URLs; no index {bad}")));
        }
        if request.confirm.iter().any(|i| request.dismiss.contains(i)) {
            return Err(ApiError::InvalidRequest("a URL cannot be confirmed and dismissed at once".into()));
        }
        if request.contacts.len() > MAX_CONTACTS_PER_REVIEW {
            return Err(ApiError::InvalidRequest(format!("at most {MAX_CONTACTS_PER_REVIEW} contacts at once")));
        }
        for update in &request.contacts {
            parse_host(&update.host)?;
            update.abuse_email.as_deref().map(parse_email).transpose()?;
        }
        let mut reviews = self.url_reviews(&case).await?;
        let newly_confirmed: Vec<usize> =
            request.confirm.iter().copied().filter(|i| reviews[*i] != UrlReview::Confirmed).collect();
        // Parse before writing anything: a URL that is not a web address cannot go into a notice.
        let parsed =
            newly_confirmed.iter().map(|i| parse_reported_url(&case.urls[*i])).collect::<Result<Vec<_>, _>>()?;
        let now = now_ms();
        let mut reviewed_at = case.url_reviewed_at.clone();
        reviewed_at.resize(count, None);
        for (indexes, review) in [(&request.confirm, UrlReview::Confirmed), (&request.dismiss, UrlReview::Dismissed)] {
            for i in indexes {
                if reviews[*i] != review {
                    reviewed_at[*i] = Some(now);
                }
                reviews[*i] = review;
            }
        }
        let event = AuditEvent::new(actor(caller), AuditAction::UrlReviewed, format!("case:{case_id}"))
            .detail("list", &case.list)
            .detail("confirmed", request.confirm.len().to_string())
            .detail("dismissed", request.dismiss.len().to_string());
        self.store.set_url_reviews(&case.list, &case.id, &reviews, &reviewed_at, newly_confirmed.len(), event).await?;
        self.drain_audit(Outbox::List(&case.list)).await;

        // Contacts set while confirming go into the directory first, so that the notices take their language.
        for update in &request.contacts {
            self.set_host(caller, &update.host, update.contact()).await?;
        }

        let ground = request.ground.unwrap_or_else(|| ground_for(case.category));
        let forwards = self.store.case_forwards(&case.id).await?;
        let mut notices = Vec::new();
        for (host, urls) in group_by_host(&parsed) {
            let id = self.new_notice_id()?;
            let now = now_ms();
            let contact = self.contact_of(&host).await?;
            let lang = request.lang.or(contact.and_then(|c| c.lang)).unwrap_or(Lang::Fr);
            let content = NoticeContent {
                reference: &id,
                host: &host,
                urls: &urls,
                ground,
                created_at: now,
                // Said only when recorded forwards cover every URL of this notice.
                forwarded_to_authorities: forwards::covers(&forwards, urls.iter().map(|u| u.as_str())),
                // Nor good faith on the person's behalf unless they (or whoever acts for them) declared it all.
                declared: case.declarations.is_some_and(|d| d.support_good_faith()),
            };
            let rendered = self.templates.render(lang, &self.hotline.notifier, &content)?;
            let notice = StoredNotice {
                id: id.clone(),
                host: host.clone(),
                urls: urls.iter().map(|u| u.to_string()).collect(),
                ground,
                lang,
                subject: rendered.subject,
                body: rendered.body,
                timeline: NoticeTimeline::new(now),
                decision_reason: None,
                reminders: 0,
                case_id: case.id.clone(),
                list: case.list.clone(),
                channel: None,
                email_to: None,
                outcome_note: None,
                history: Vec::new(),
            };
            let keys = NoticeKeys { id: &id, created_at: now, list: &case.list, case_id: &case.id, host: &host };
            let event = AuditEvent::new(actor(caller), AuditAction::NoticeProduced, format!("notice:{id}"))
                .detail("case", case_id)
                .detail("host", &host)
                .detail("ground", ground.code());
            self.store.create_notice(keys, &notice, Some(event)).await?;
            notices.push(notice.view(true));
        }
        self.drain_audit(Outbox::Notices).await;
        Ok(ReviewUrlsResponse { urls: self.reported_urls(&case).await?, notices })
    }

    /// A stored notice's subject and body written again from the templates, saying or not that its content was
    /// reported to the competent authorities, and with the good-faith section only when the case declared it all.
    fn render_notice(
        &self,
        notice: &StoredNotice,
        forwarded: bool,
        declared: bool,
    ) -> Result<(String, String), ApiError> {
        let urls = notice.urls.iter().map(|u| parse_reported_url(u)).collect::<Result<Vec<_>, _>>()?;
        let content = NoticeContent {
            reference: &notice.id,
            host: &notice.host,
            urls: &urls,
            ground: notice.ground,
            created_at: notice.timeline.created_at,
            forwarded_to_authorities: forwarded,
            declared,
        };
        let rendered = self.templates.render(notice.lang, &self.hotline.notifier, &content)?;
        Ok((rendered.subject, rendered.body))
    }

    fn new_notice_id(&self) -> Result<String, ApiError> {
        let mut bytes = [0u8; 8];
        ring::rand::SystemRandom::new().fill(&mut bytes).map_err(|_| ApiError::internal(anyhow::anyhow!("rng")))?;
        Ok(format!("n{}", hex::encode(bytes)))
    }

    /// A page of the notices the caller may see, newest first: platforms, the sent ones for their hosts (without
    /// case ids); analysts, their lists'; admins, all. Each page reads at most [`MAX_NOTICES_EXAMINED`] notices,
    /// so a state filter that matches few may answer a short page with `has_more`.
    pub async fn list_notices(&self, caller: &Caller, query: NoticeQuery) -> Result<NoticeList, ApiError> {
        let limit = query.limit.unwrap_or(DEFAULT_NOTICE_LIMIT);
        if !(1..=MAX_NOTICE_LIMIT).contains(&limit) {
            return Err(ApiError::InvalidRequest(format!("limit is 1 to {MAX_NOTICE_LIMIT}")));
        }
        let mut position = query.cursor.as_deref().map(NoticePosition::decode).transpose()?;
        self.index_older_notices().await?;
        let hosts: Vec<String> = caller.hosts.iter().map(|h| h.trim_end_matches('.').to_ascii_lowercase()).collect();
        let indexes: Vec<NoticeIndex<'_>> = match caller.role {
            Role::Admin => vec![NoticeIndex::All],
            Role::Analyst => caller.lists.iter().map(|l| NoticeIndex::List(l.as_str())).collect(),
            Role::Platform => hosts.iter().map(|h| NoticeIndex::Host(h.as_str())).collect(),
        };
        let hotline = is_hotline(caller);
        let mut notices = Vec::new();
        let mut examined = 0;
        let mut has_more = true;
        'pages: while notices.len() < limit {
            if examined >= MAX_NOTICES_EXAMINED {
                break;
            }
            let batch = self.store.notice_page(&indexes, position.as_ref(), limit).await?;
            let end = batch.len() < limit;
            let last = batch.len();
            for (n, (at, record)) in batch.into_iter().enumerate() {
                position = Some(at);
                examined += 1;
                let Some(record) = record else { continue };
                let notice = record.notice;
                if self.may_see(caller, &notice) && query.state.is_none_or(|st| st == notice.timeline.state) {
                    notices.push(notice.view(hotline));
                    if notices.len() == limit {
                        has_more = !end || n + 1 < last;
                        break 'pages;
                    }
                }
            }
            if end {
                has_more = false;
                break;
            }
        }
        let next_cursor = if has_more { position.map(|p| p.encode()) } else { None };
        Ok(NoticeList { notices, has_more: next_cursor.is_some(), next_cursor })
    }

    /// A case's notices as the hotline sees them, oldest first (the caller may already read the case).
    pub(crate) async fn case_notices(&self, case_id: &str) -> Result<Vec<Notice>, ApiError> {
        let mut notices = Vec::new();
        for id in self.store.case_notice_ids(case_id).await? {
            if let Some(record) = self.store.get_notice(&id).await? {
                notices.push(record.notice.view(true));
            }
        }
        notices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(notices)
    }

    /// Deletes a case's draft notices once analysts rejected the case: they will never be sent. Sent ones stay,
    /// the hotline's record of what it asked of a platform.
    pub(crate) async fn drop_draft_notices(&self, case_id: &str) -> Result<usize, ApiError> {
        let mut dropped = 0;
        for id in self.store.case_notice_ids(case_id).await? {
            let Some(record) = self.store.get_notice(&id).await? else { continue };
            if record.notice.timeline.state == NoticeState::Draft && self.store.delete_notice(&id).await? {
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    /// Puts notices made before the indexes existed into them, once per store (idempotent, so processes that
    /// start together may both do it).
    async fn index_older_notices(&self) -> Result<(), ApiError> {
        if self.notices_indexed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        if !self.store.notices_indexed().await? {
            for record in self.store.list_notices().await? {
                let n = record.notice;
                let keys = NoticeKeys {
                    id: &n.id,
                    created_at: n.timeline.created_at,
                    list: &n.list,
                    case_id: &n.case_id,
                    host: &n.host,
                };
                self.store.index_notice(keys, n.timeline.state != NoticeState::Draft).await?;
            }
            self.store.set_notices_indexed().await?;
        }
        self.notices_indexed.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn may_see(&self, caller: &Caller, notice: &StoredNotice) -> bool {
        match caller.role {
            Role::Admin => true,
            Role::Analyst => caller.may_read(&notice.list),
            Role::Platform => notice.timeline.state != NoticeState::Draft && serves(&caller.hosts, &notice.host),
        }
    }

    async fn visible_notice(&self, caller: &Caller, id: &str) -> Result<(StoredNotice, u64), ApiError> {
        let record = self.store.get_notice(id).await?.ok_or(ApiError::NotFound("notice"))?;
        if !self.may_see(caller, &record.notice) {
            return Err(ApiError::NotFound("notice"));
        }
        Ok((record.notice, record.version))
    }

    /// One notice.
    pub async fn get_notice(&self, caller: &Caller, id: &str) -> Result<Notice, ApiError> {
        Ok(self.visible_notice(caller, id).await?.0.view(is_hotline(caller)))
    }

    /// Applies `change` to a notice with compare-and-set, audits the new state and answers the notice. `caller`
    /// must be able to see the notice and is the audited actor; `None` is the server itself (reminders, the
    /// e-mail sender). The e-mail outbox change `change` returns is written in the same step; a change that
    /// leaves the notice as it was writes nothing.
    pub(crate) async fn update_notice(
        &self,
        caller: Option<&Caller>,
        id: &str,
        change: impl Fn(&mut StoredNotice, u64) -> Result<Option<MailChange>, ApiError>,
    ) -> Result<StoredNotice, ApiError> {
        for _ in 0..MAX_UPDATE_TRIES {
            let (mut notice, version) = match caller {
                Some(c) => self.visible_notice(c, id).await?,
                None => {
                    let record = self.store.get_notice(id).await?.ok_or(ApiError::NotFound("notice"))?;
                    (record.notice, record.version)
                }
            };
            let before = serde_json::to_string(&notice).map_err(ApiError::internal)?;
            let last_step = notice.history.last().cloned();
            let mail = change(&mut notice, now_ms())?;
            let after = serde_json::to_string(&notice).map_err(ApiError::internal)?;
            if before == after {
                return Ok(notice); // idempotent repeat: nothing to store or audit
            }
            let sent = (notice.timeline.state != NoticeState::Draft)
                .then_some((notice.host.as_str(), notice.timeline.created_at));
            let who = caller.map_or_else(AuditActor::system, actor);
            let mut event = AuditEvent::new(who, AuditAction::NoticeUpdated, format!("notice:{id}"))
                .detail("state", notice.timeline.state_name());
            if let Some(step) = notice.history.last().filter(|step| Some(*step) != last_step.as_ref()) {
                event = event.detail("event", event_name(step.kind));
            }
            if caller.is_none() {
                event = event.detail("reminder", notice.reminders.to_string());
            }
            if self.store.update_notice(id, version, &notice, sent, mail.as_ref(), Some(event)).await? {
                self.drain_audit(Outbox::Notices).await;
                return Ok(notice);
            }
        }
        Err(ApiError::Conflict("the notice keeps changing; retry".into()))
    }

    /// The hotline sends a draft: to a host the directory gives an abuse address (and no API), by e-mail through
    /// the outbox; otherwise the platform serving the host reads it through the API from now on.
    pub async fn send_notice(&self, caller: &Caller, id: &str) -> Result<Notice, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let (notice, _) = self.visible_notice(caller, id).await?;
        let mut email_to = None;
        let mut rewritten = None;
        if notice.timeline.state == NoticeState::Draft {
            // A victim who withdrew, or a case analysts rejected, sends nothing any more.
            let case = self.store.get_case(&notice.case_id).await?.ok_or(ApiError::NotFound("case"))?;
            refuse_closed_case(&case)?;
            // A forward recorded since the draft was written: the notice sent says so.
            let forwards = self.store.case_forwards(&notice.case_id).await?;
            if forwards::covers(&forwards, notice.urls.iter().map(String::as_str)) {
                let declared = case.case.declarations.is_some_and(|d| d.support_good_faith());
                rewritten = Some(self.render_notice(&notice, true, declared)?);
            }
            let contact = self.contact_of(&notice.host).await?;
            if channel_for(contact.as_ref()) == NoticeChannel::Email {
                if !self.hotline.smtp.enabled() {
                    return Err(ApiError::Conflict(format!(
                        "{} takes notices by e-mail, and no SMTP server is configured (hotline.smtp.host)",
                        notice.host
                    )));
                }
                email_to = contact.and_then(|c| c.abuse_email);
            }
        }
        let notice = self
            .update_notice(Some(caller), id, |n, now| {
                if n.timeline.state != NoticeState::Draft {
                    n.timeline.send(now)?; // a repeat is a no-op, anything later a conflict
                    return Ok(None);
                }
                n.timeline.send(now)?;
                if let Some((subject, body)) = rewritten.clone() {
                    n.subject = subject;
                    n.body = body;
                }
                let channel = if email_to.is_some() { NoticeChannel::Email } else { NoticeChannel::Api };
                n.channel = Some(channel);
                n.email_to.clone_from(&email_to);
                n.record(now, NoticeEventKind::Sent).channel = Some(channel);
                Ok(email_to
                    .as_deref()
                    .map(|to| MailChange::Queue { message: MailMessage::notice(&n.id, to), due: now }))
            })
            .await?;
        Ok(notice.view(true))
    }

    /// The platform acknowledges receipt.
    pub async fn acknowledge_notice(&self, caller: &Caller, id: &str) -> Result<Notice, ApiError> {
        caller.require_role(&[Role::Platform])?;
        let notice = self
            .update_notice(Some(caller), id, |n, now| {
                let before = n.timeline.state;
                n.timeline.acknowledge(now)?;
                if n.timeline.state != before {
                    n.record(now, NoticeEventKind::Acknowledged);
                }
                Ok(None)
            })
            .await?;
        Ok(notice.view(false))
    }

    /// The platform reports its decision; this closes the notice.
    pub async fn decide_notice(
        &self,
        caller: &Caller,
        id: &str,
        request: NoticeDecisionRequest,
    ) -> Result<Notice, ApiError> {
        caller.require_role(&[Role::Platform])?;
        let reason = request.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_DECISION_REASON_CHARS) {
            return Err(ApiError::InvalidRequest(format!(
                "a reason has at most {MAX_DECISION_REASON_CHARS} characters"
            )));
        }
        let notice = self
            .update_notice(Some(caller), id, |n, now| {
                let before = n.timeline.state;
                n.timeline.decide(request.decision, now)?;
                if reason.is_some() {
                    n.decision_reason.clone_from(&reason);
                }
                if n.timeline.state != before {
                    let state = n.timeline.state_name().to_owned();
                    n.record(now, NoticeEventKind::Decided).detail = Some(state);
                }
                Ok(None)
            })
            .await?;
        Ok(notice.view(false))
    }

    /// An analyst records what a host answered outside the API (by e-mail, through its web form), or that it
    /// never answered, as of the date it happened, with a note. Audited, and counted in the statistics like a
    /// platform's own decision.
    pub async fn record_notice_outcome(
        &self,
        caller: &Caller,
        id: &str,
        request: NoticeOutcomeRequest,
    ) -> Result<Notice, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let note = request.note.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        if note.as_ref().is_some_and(|r| r.chars().count() > MAX_OUTCOME_NOTE_CHARS) {
            return Err(ApiError::InvalidRequest(format!("a note has at most {MAX_OUTCOME_NOTE_CHARS} characters")));
        }
        // A minute's leeway for the analyst's clock.
        if request.at > now_ms() + 60_000 {
            return Err(ApiError::InvalidRequest("an outcome cannot be dated in the future".into()));
        }
        let notice = self
            .update_notice(Some(caller), id, |n, now| {
                let before = n.timeline.state;
                n.timeline.record_outcome(request.outcome, request.at)?;
                if n.timeline.state != before {
                    n.outcome_note.clone_from(&note);
                    let step = n.record(now, NoticeEventKind::OutcomeRecorded);
                    step.detail = Some(match &note {
                        Some(note) => format!("{} as of {}: {note}", outcome_name(request.outcome), request.at),
                        None => format!("{} as of {}", outcome_name(request.outcome), request.at),
                    });
                }
                Ok(None)
            })
            .await?;
        Ok(notice.view(true))
    }

    /// Reminds hosts of every open notice left without a decision for 48 hours (since sending or the last
    /// reminder): by e-mail through the outbox for notices that went by e-mail, on the notice itself (its
    /// `reminders` and history, which the platform reads) for those read through the API. Returns how many
    /// reminders went out. Run periodically by the server.
    pub async fn remind_overdue_notices(&self, now: u64) -> Result<usize, ApiError> {
        let mut reminded = 0;
        for record in self.store.list_notices().await? {
            let notice = record.notice;
            if !notice.timeline.reminder_due(now) {
                continue;
            }
            let updated = self
                .update_notice(None, &notice.id, |n, at| {
                    if !n.timeline.reminder_due(now) {
                        return Ok(None);
                    }
                    n.timeline.mark_reminded(now);
                    n.reminders += 1;
                    let (channel, number) = (n.channel.unwrap_or(NoticeChannel::Api), n.reminders);
                    let step = n.record(at, NoticeEventKind::Reminder);
                    step.channel = Some(channel);
                    step.reminder = Some(number);
                    Ok(match (channel, &n.email_to) {
                        (NoticeChannel::Email, Some(to)) => {
                            Some(MailChange::Queue { message: MailMessage::reminder(&n.id, to, n.reminders), due: at })
                        }
                        _ => None,
                    })
                })
                .await?;
            tracing::info!(
                notice = %notice.id,
                host = %notice.host,
                reminder = updated.reminders,
                "notice reminder: no decision after 48 hours"
            );
            reminded += 1;
        }
        Ok(reminded)
    }

    /// Every notice, for statistics.
    pub(crate) async fn notice_timelines(&self) -> Result<Vec<(String, LegalGround, NoticeTimeline)>, ApiError> {
        let mut out = Vec::new();
        for record in self.store.list_notices().await? {
            let n = record.notice;
            out.push((n.host, n.ground, n.timeline));
        }
        Ok(out)
    }
}

/// A history step's wire name, for the audit record.
fn event_name(kind: NoticeEventKind) -> &'static str {
    match kind {
        NoticeEventKind::Sent => "sent",
        NoticeEventKind::Reminder => "reminder",
        NoticeEventKind::EmailDelivered => "email_delivered",
        NoticeEventKind::EmailFailed => "email_failed",
        NoticeEventKind::Acknowledged => "acknowledged",
        NoticeEventKind::Decided => "decided",
        NoticeEventKind::OutcomeRecorded => "outcome_recorded",
    }
}

fn outcome_name(outcome: disrupt_openapi::notices::NoticeOutcome) -> &'static str {
    use disrupt_openapi::notices::NoticeOutcome;
    match outcome {
        NoticeOutcome::Removed => "removed",
        NoticeOutcome::Rejected => "rejected",
        NoticeOutcome::NoAnswer => "no_answer",
    }
}
