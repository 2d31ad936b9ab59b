//! A notice's life: draft, sent, acknowledged by the platform, then removed or rejected; time to removal and
//! the 48-hour reminder (the TAKE IT DOWN Act gives platforms 48 hours to remove).

use serde::{Deserialize, Serialize};

use super::NoticeError;

/// A platform has this long to act before the hotline reminds it (and again after each reminder).
pub const REMIND_AFTER_MS: u64 = 48 * 3600 * 1000;

pub use disrupt_openapi::notices::{NoticeOutcome, NoticeState, PlatformDecision};

/// Removed, rejected or recorded as never answered: no reminder goes out any more.
pub fn is_closed(state: NoticeState) -> bool {
    matches!(state, NoticeState::Removed | NoticeState::Rejected | NoticeState::NoAnswer)
}

/// A notice's state with the time of each step (unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeTimeline {
    /// Current state.
    pub state: NoticeState,
    /// When the notice was produced.
    pub created_at: u64,
    /// When it was sent.
    pub sent_at: Option<u64>,
    /// When the platform acknowledged it.
    pub acknowledged_at: Option<u64>,
    /// When the platform decided.
    pub decided_at: Option<u64>,
    /// When the hotline last reminded the platform.
    pub last_reminded_at: Option<u64>,
}

impl NoticeTimeline {
    /// A fresh draft.
    pub fn new(now: u64) -> Self {
        Self {
            state: NoticeState::Draft,
            created_at: now,
            sent_at: None,
            acknowledged_at: None,
            decided_at: None,
            last_reminded_at: None,
        }
    }

    /// Draft -> sent. Sending again is a no-op, so retries are safe.
    pub fn send(&mut self, now: u64) -> Result<(), NoticeError> {
        match self.state {
            NoticeState::Draft => {
                self.state = NoticeState::Sent;
                self.sent_at = Some(now);
                Ok(())
            }
            NoticeState::Sent => Ok(()),
            from => Err(NoticeError::InvalidTransition { from, to: NoticeState::Sent }),
        }
    }

    /// Sent -> acknowledged. Idempotent.
    pub fn acknowledge(&mut self, now: u64) -> Result<(), NoticeError> {
        match self.state {
            NoticeState::Sent => {
                self.state = NoticeState::Acknowledged;
                self.acknowledged_at = Some(now);
                Ok(())
            }
            NoticeState::Acknowledged => Ok(()),
            from => Err(NoticeError::InvalidTransition { from, to: NoticeState::Acknowledged }),
        }
    }

    /// Sent, acknowledged or recorded as never answered -> removed or rejected. A decision without an
    /// acknowledgement acknowledges too. Reporting the same decision again is a no-op; changing a decision is
    /// refused.
    pub fn decide(&mut self, decision: PlatformDecision, now: u64) -> Result<(), NoticeError> {
        let to = match decision {
            PlatformDecision::Removed => NoticeState::Removed,
            PlatformDecision::Rejected => NoticeState::Rejected,
        };
        match self.state {
            NoticeState::Sent | NoticeState::Acknowledged | NoticeState::NoAnswer => {
                self.acknowledged_at.get_or_insert(now);
                self.state = to;
                self.decided_at = Some(now);
                Ok(())
            }
            s if s == to => Ok(()),
            from => Err(NoticeError::InvalidTransition { from, to }),
        }
    }

    /// An outcome the hotline learnt outside the API, as of `at` (when the host acted, or when the hotline stopped
    /// waiting): removed and rejected close the notice as a platform's decision would (time to removal counts
    /// from sending to `at`); no answer closes it until a late answer comes. `at` must not precede the sending.
    /// Recording the same outcome again is a no-op; a decided notice keeps its decision.
    pub fn record_outcome(&mut self, outcome: NoticeOutcome, at: u64) -> Result<(), NoticeError> {
        let to = match outcome {
            NoticeOutcome::Removed => NoticeState::Removed,
            NoticeOutcome::Rejected => NoticeState::Rejected,
            NoticeOutcome::NoAnswer => NoticeState::NoAnswer,
        };
        if self.state == to {
            return Ok(());
        }
        let sent = match (self.state, self.sent_at) {
            (NoticeState::Sent | NoticeState::Acknowledged | NoticeState::NoAnswer, Some(sent)) => sent,
            (from, _) => return Err(NoticeError::InvalidTransition { from, to }),
        };
        if at < sent {
            return Err(NoticeError::OutcomeBeforeSending);
        }
        self.state = to;
        self.decided_at = Some(at);
        Ok(())
    }

    /// From sending to removal, in ms; `None` unless removed.
    pub fn time_to_removal(&self) -> Option<u64> {
        match (self.state, self.sent_at, self.decided_at) {
            (NoticeState::Removed, Some(sent), Some(decided)) => Some(decided.saturating_sub(sent)),
            _ => None,
        }
    }

    /// From sending to acknowledgement, in ms.
    pub fn time_to_acknowledgement(&self) -> Option<u64> {
        Some(self.acknowledged_at?.saturating_sub(self.sent_at?))
    }

    /// True when the notice is open and 48 hours passed since it was sent or last reminded.
    pub fn reminder_due(&self, now: u64) -> bool {
        if is_closed(self.state) {
            return false;
        }
        match self.last_reminded_at.or(self.sent_at) {
            Some(since) => now.saturating_sub(since) >= REMIND_AFTER_MS,
            None => false,
        }
    }

    /// The state's wire name (`draft`, `sent`, ...), for the audit log.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            NoticeState::Draft => "draft",
            NoticeState::Sent => "sent",
            NoticeState::Acknowledged => "acknowledged",
            NoticeState::Removed => "removed",
            NoticeState::Rejected => "rejected",
            NoticeState::NoAnswer => "no_answer",
        }
    }

    /// Records that a reminder went out.
    pub fn mark_reminded(&mut self, now: u64) {
        self.last_reminded_at = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3600 * 1000;

    #[test]
    fn a_notice_goes_from_draft_to_removed_and_measures_time_to_removal() {
        let mut t = NoticeTimeline::new(0);
        t.send(10).expect("send");
        t.acknowledge(10 + H).expect("ack");
        t.acknowledge(10 + 2 * H).expect("ack again is a no-op");
        assert_eq!(t.acknowledged_at, Some(10 + H));
        t.decide(PlatformDecision::Removed, 10 + 30 * H).expect("decide");
        assert_eq!(t.state, NoticeState::Removed);
        assert_eq!(t.time_to_removal(), Some(30 * H));
        assert_eq!(t.time_to_acknowledgement(), Some(H));
        t.decide(PlatformDecision::Removed, 10 + 31 * H).expect("same decision again");
        assert!(t.decide(PlatformDecision::Rejected, 10 + 31 * H).is_err());
    }

    #[test]
    fn invalid_transitions_are_refused() {
        let mut t = NoticeTimeline::new(0);
        assert!(t.acknowledge(1).is_err());
        assert!(t.decide(PlatformDecision::Removed, 1).is_err());
        t.send(1).expect("send");
        t.decide(PlatformDecision::Rejected, 5).expect("reject without ack");
        assert_eq!(t.acknowledged_at, Some(5));
        assert_eq!(t.time_to_removal(), None);
        assert!(t.send(6).is_err());
    }

    #[test]
    fn an_outcome_learnt_outside_the_api_closes_the_notice_as_of_its_date() {
        let mut t = NoticeTimeline::new(0);
        assert!(t.record_outcome(NoticeOutcome::Removed, 1).is_err(), "a draft has no outcome");
        t.send(10 * H).expect("send");
        assert!(matches!(t.record_outcome(NoticeOutcome::Removed, 9 * H), Err(NoticeError::OutcomeBeforeSending)));
        t.record_outcome(NoticeOutcome::NoAnswer, 200 * H).expect("no answer");
        assert_eq!(t.state, NoticeState::NoAnswer);
        assert!(!t.reminder_due(500 * H), "no more reminders once the hotline stopped waiting");
        assert_eq!(t.time_to_removal(), None);
        t.record_outcome(NoticeOutcome::Removed, 210 * H).expect("a late answer by e-mail");
        assert_eq!(t.time_to_removal(), Some(200 * H));
        t.record_outcome(NoticeOutcome::Removed, 220 * H).expect("the same outcome again is a no-op");
        assert!(t.record_outcome(NoticeOutcome::Rejected, 230 * H).is_err(), "a decision stays");
        assert!(t.record_outcome(NoticeOutcome::NoAnswer, 230 * H).is_err());

        let mut late = NoticeTimeline::new(0);
        late.send(H).expect("send");
        late.record_outcome(NoticeOutcome::NoAnswer, 100 * H).expect("no answer");
        late.decide(PlatformDecision::Rejected, 101 * H).expect("the platform answers late through the API");
        assert_eq!(late.state, NoticeState::Rejected);
    }

    #[test]
    fn a_reminder_is_due_48_hours_after_sending_and_after_each_reminder() {
        let mut t = NoticeTimeline::new(0);
        assert!(!t.reminder_due(100 * H), "drafts are not reminded");
        t.send(H).expect("send");
        assert!(!t.reminder_due(49 * H - 1));
        assert!(t.reminder_due(49 * H));
        t.mark_reminded(49 * H);
        assert!(!t.reminder_due(60 * H));
        assert!(t.reminder_due(97 * H));
        t.acknowledge(98 * H).expect("ack");
        assert!(t.reminder_due(98 * H), "acknowledged but not decided is still open");
        t.decide(PlatformDecision::Removed, 99 * H).expect("decide");
        assert!(!t.reminder_due(500 * H));
    }
}
