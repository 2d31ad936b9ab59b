//! A notice as the store keeps it (one JSON document), what each caller is shown of it, and which platform
//! hosts may read it.

use disrupt_openapi::notices::{Lang, Notice};
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
        }
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
