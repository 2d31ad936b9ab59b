//! A notice as the store keeps it (one JSON document), what each caller is shown of it, and which platform
//! hosts may read it.

use disrupt_openapi::notices::{Lang, Notice, NoticeChannel, NoticeEvent, NoticeEventKind};
use serde::{Deserialize, Serialize};

use super::legal::{LegalGround, LegalGroundExt};
use super::lifecycle::NoticeTimeline;

/// A notice as stored (JSON in Redis). A new field needs a serde default, so that notices stored before it still
/// read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredNotice {
    /// Its id, also its reference in the text.
    pub id: String,
    /// The host it is for ([`super::host_key`]).
    pub host: String,
    /// The exact URLs on that host.
    pub urls: Vec<String>,
    /// The legal ground it cites.
    pub ground: LegalGround,
    /// The language it was written in.
    pub lang: Lang,
    /// The first line of the text.
    pub subject: String,
    /// The whole text.
    pub body: String,
    /// Its state and the time of each step.
    pub timeline: NoticeTimeline,
    /// What the platform gave as the reason of its decision.
    #[serde(default)]
    pub decision_reason: Option<String>,
    /// Reminders sent so far.
    #[serde(default)]
    pub reminders: u32,
    /// The case whose URLs it is about (shown to the hotline only).
    pub case_id: String,
    /// The list of that case.
    pub list: String,
    /// How it reaches the host, set when it is sent.
    #[serde(default)]
    pub channel: Option<NoticeChannel>,
    /// The abuse address it is e-mailed to (channel e-mail).
    #[serde(default)]
    pub email_to: Option<String>,
    /// An analyst's note on an outcome received outside the API.
    #[serde(default)]
    pub outcome_note: Option<String>,
    /// What happened, oldest first.
    #[serde(default)]
    pub history: Vec<NoticeEvent>,
}

impl StoredNotice {
    /// The wire form; `hotline` callers also see the case id.
    pub fn view(&self, hotline: bool) -> Notice {
        let t = &self.timeline;
        Notice {
            id: self.id.clone(),
            host: self.host.clone(),
            urls: self.urls.clone(),
            ground: self.ground,
            citation: self.ground.citation().to_owned(),
            lang: self.lang,
            subject: self.subject.clone(),
            body: self.body.clone(),
            state: t.state,
            created_at: t.created_at,
            sent_at: t.sent_at,
            acknowledged_at: t.acknowledged_at,
            decided_at: t.decided_at,
            decision_reason: self.decision_reason.clone(),
            reminders: self.reminders,
            last_reminded_at: t.last_reminded_at,
            time_to_removal_ms: t.time_to_removal(),
            case_id: hotline.then(|| self.case_id.clone()),
            channel: self.channel,
            email_to: if hotline { self.email_to.clone() } else { None },
            outcome_note: if hotline { self.outcome_note.clone() } else { None },
            history: if hotline { self.history.clone() } else { Vec::new() },
        }
    }

    /// Appends a step to the history.
    pub fn record(&mut self, at: u64, kind: NoticeEventKind) -> &mut NoticeEvent {
        self.history.push(NoticeEvent {
            at,
            kind,
            channel: None,
            attempt: None,
            reminder: None,
            retry_at: None,
            detail: None,
        });
        let last = self.history.len() - 1;
        &mut self.history[last]
    }
}

/// Whether a platform key serving `hosts` may read a notice for `host` (a host covers its subdomains).
pub fn serves(hosts: &[String], host: &str) -> bool {
    hosts.iter().any(|h| {
        let h = h.trim_end_matches('.').to_ascii_lowercase();
        host == h || host.strip_suffix(h.as_str()).is_some_and(|rest| rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_host_covers_its_subdomains_only() {
        let hosts = vec!["example.com".to_owned()];
        assert!(serves(&hosts, "example.com"));
        assert!(serves(&hosts, "cdn.example.com"));
        assert!(!serves(&hosts, "badexample.com"));
        assert!(!serves(&hosts, "example.com.evil.net"));
        assert!(!serves(&[], "example.com"));
    }
}
