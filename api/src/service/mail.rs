//! The e-mail sender's work: claim the due e-mails of the outbox, send each through the [`Mailer`], and record
//! on its notice that the SMTP server took it (it leaves the outbox in the same step) or why it failed and when
//! it is tried again (it goes back into the outbox in the same step, later by the retry schedule). Nothing is
//! given up: a failing e-mail is retried, reported on the notice's history and in the log, until it goes.

use disrupt_hotline::notices::delivery::{reminder_text, retry_delay_ms};
use disrupt_hotline::time::now_ms;
use disrupt_openapi::notices::{NoticeEvent, NoticeEventKind};

use super::Service;
use crate::error::ApiError;
use crate::mailer::{MailError, Mailer};
use crate::store::mail::{MailChange, MailKind, MailMessage};

/// E-mails one round claims at most.
const CLAIM_PER_ROUND: usize = 20;
/// Failures of one e-mail kept in a notice's history one by one; later ones replace the last (its attempt
/// number and error stay current) so that a host down for weeks does not grow the notice without bound.
const FAILURES_KEPT: usize = 10;

/// E-mails the SMTP server took whose delivery could not be recorded yet (Redis did not answer): they are
/// recorded before anything else is sent, and never sent again by this process.
#[derive(Debug, Default)]
pub struct Unrecorded(Vec<(MailMessage, String)>);

impl Service {
    /// One round of the sender: records what `unrecorded` holds, then sends the e-mails due now. Returns how many
    /// went.
    pub async fn deliver_due_mail(&self, mailer: &Mailer, unrecorded: &mut Unrecorded) -> Result<usize, ApiError> {
        let mut waiting = Vec::new();
        for (message, to) in std::mem::take(&mut unrecorded.0) {
            if let Err(err) = self.record_delivery(&message, &to).await {
                tracing::warn!(error = %err, email = %message.id, "recording an e-mail's delivery failed again");
                waiting.push((message, to));
            }
        }
        unrecorded.0 = waiting;
        if !unrecorded.0.is_empty() {
            return Ok(0);
        }
        let now = now_ms();
        // The lease outlasts an SMTP exchange, so no other process takes an e-mail this one is still sending.
        let lease = 4 * u64::try_from(mailer.timeout().as_millis()).unwrap_or(u64::MAX / 8) + 60_000;
        let mut sent = 0;
        for message in self.store.claim_mail(now, now + lease, CLAIM_PER_ROUND).await? {
            let Some(record) = self.store.get_notice(&message.notice).await? else {
                // Its notice left with its case.
                self.store.drop_mail(&message.id).await?;
                continue;
            };
            let notice = record.notice;
            // A contact corrected since the e-mail was queued applies to it.
            let to = self.contact_of(&notice.host).await?.and_then(|c| c.abuse_email).unwrap_or(message.to.clone());
            let (subject, body) = match (message.kind, notice.timeline.sent_at) {
                (MailKind::Reminder, Some(sent_at)) => {
                    reminder_text(notice.lang, message.reminder.unwrap_or(1), sent_at, &notice.subject, &notice.body)
                }
                _ => (notice.subject.clone(), notice.body.clone()),
            };
            let result = match mailer.message(&to, &subject, &body, &message.id) {
                Ok(email) => mailer.send(email).await,
                Err(err) => Err(err),
            };
            match result {
                Ok(()) => {
                    tracing::info!(notice = %notice.id, email = %message.id, "e-mail delivered to the SMTP server");
                    sent += 1;
                    if let Err(err) = self.record_delivery(&message, &to).await {
                        tracing::warn!(error = %err, email = %message.id, "recording an e-mail's delivery failed");
                        unrecorded.0.push((message, to));
                    }
                }
                Err(err) => self.record_failure(&message, &err).await?,
            }
        }
        Ok(sent)
    }

    async fn record_delivery(&self, message: &MailMessage, to: &str) -> Result<(), ApiError> {
        let updated = self
            .update_notice(None, &message.notice, |n, now| {
                n.email_to = Some(to.to_owned());
                let step = n.record(now, NoticeEventKind::EmailDelivered);
                step.attempt = Some(message.failed_attempts + 1);
                step.reminder = message.reminder;
                Ok(Some(MailChange::Done { id: message.id.clone() }))
            })
            .await;
        match updated {
            Ok(_) => Ok(()),
            Err(ApiError::NotFound(_)) => Ok(self.store.drop_mail(&message.id).await?),
            Err(err) => Err(err),
        }
    }

    async fn record_failure(&self, message: &MailMessage, err: &MailError) -> Result<(), ApiError> {
        let failed = message.failed_attempts + 1;
        let smtp = &self.hotline.smtp;
        let retry_at = now_ms() + retry_delay_ms(failed, smtp.retry_base_ms, smtp.retry_max_ms);
        tracing::warn!(notice = %message.notice, email = %message.id, attempt = failed, retry_at, error = %err,
            "e-mail not delivered; it will be tried again");
        let retry = MailMessage { failed_attempts: failed, ..message.clone() };
        let updated = self
            .update_notice(None, &message.notice, |n, now| {
                let step = NoticeEvent {
                    at: now,
                    kind: NoticeEventKind::EmailFailed,
                    channel: None,
                    attempt: Some(failed),
                    reminder: message.reminder,
                    retry_at: Some(retry_at),
                    detail: Some(err.to_string()),
                };
                let trailing = n.history.iter().rev().take_while(|e| e.kind == NoticeEventKind::EmailFailed).count();
                match n.history.last_mut() {
                    Some(last) if trailing >= FAILURES_KEPT => *last = step,
                    _ => n.history.push(step),
                }
                Ok(Some(MailChange::Queue { message: retry.clone(), due: retry_at }))
            })
            .await;
        match updated {
            Ok(_) => Ok(()),
            Err(ApiError::NotFound(_)) => Ok(self.store.drop_mail(&message.id).await?),
            Err(err) => Err(err),
        }
    }
}
