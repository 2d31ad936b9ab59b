//! Takedown notices: one per host for the URLs an analyst confirmed, with what EU DSA Article 16 and the US
//! TAKE IT DOWN Act require; the hosting platform reads, acknowledges and answers them through the API.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The longest reason a platform may give with its decision, in characters.
pub const MAX_DECISION_REASON_CHARS: usize = 1000;

/// Why the content is illegal (French law, the hotline's jurisdiction by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalGround {
    /// Sexual images of a person made public without their consent: Code pénal art. 226-2-1.
    IntimateImageWithoutConsent,
    /// Sexual content generated or altered to depict a person, published without consent: art. 226-8-1.
    SexualDeepfake,
    /// Sexual images of a minor: art. 227-23.
    MinorSexualImage,
    /// Intimate images used to extort the person (art. 312-10) and made public (art. 226-2-1).
    Sextortion,
}

/// A notice's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// French.
    Fr,
    /// English.
    En,
    /// Spanish.
    Es,
    /// German.
    De,
    /// Italian.
    It,
    /// Arabic.
    Ar,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Produced, not yet sent; only the hotline sees it.
    Draft,
    /// Sent: readable by the hosting platform.
    Sent,
    /// The platform said it received it.
    Acknowledged,
    /// The platform removed the content or disabled access to it.
    Removed,
    /// The platform decided not to remove it.
    Rejected,
    /// The host never answered (an analyst recorded it); a late answer may still close it otherwise.
    NoAnswer,
}

/// What the platform decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlatformDecision {
    /// Content removed or access disabled.
    Removed,
    /// Not removed.
    Rejected,
}

/// How a sent notice reaches its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeChannel {
    /// The platform whose API key serves the host reads it through `GET /v1/notices`.
    Api,
    /// By e-mail to the host's abuse address in the hosts directory.
    Email,
}

/// What happened to a notice, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeEventKind {
    /// Sent by an analyst (by e-mail: queued for the sender).
    Sent,
    /// A reminder after 48 hours without a decision (by e-mail: queued for the sender).
    Reminder,
    /// The SMTP server accepted an e-mail (the notice or a reminder).
    EmailDelivered,
    /// An e-mail attempt failed; it is tried again at `retry_at`.
    EmailFailed,
    /// The platform acknowledged it through the API.
    Acknowledged,
    /// The platform decided through the API.
    Decided,
    /// An analyst recorded an outcome received outside the API.
    OutcomeRecorded,
}

/// One step of a notice's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeEvent {
    /// When, unix ms.
    pub at: u64,
    /// What.
    pub kind: NoticeEventKind,
    /// The channel it went through (sending, reminders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<NoticeChannel>,
    /// Which e-mail attempt (1 for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The reminder's number (1 for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder: Option<u32>,
    /// When a failed e-mail is tried again, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<u64>,
    /// What went wrong, or the outcome recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One takedown notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Notice id (its reference in the text).
    pub id: String,
    /// The host serving the content.
    pub host: String,
    /// The exact URLs.
    pub urls: Vec<String>,
    /// The legal ground.
    pub ground: LegalGround,
    /// The statute cited.
    pub citation: String,
    /// Language of the text.
    pub lang: Lang,
    /// Subject line.
    pub subject: String,
    /// Full text, from the hotline's template.
    pub body: String,
    /// Where it stands.
    pub state: NoticeState,
    /// Produced, unix ms.
    pub created_at: u64,
    /// Sent, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<u64>,
    /// Acknowledged by the platform, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<u64>,
    /// The platform's decision time, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<u64>,
    /// The platform's reason for its decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// Reminders sent because the platform had not decided within 48 hours.
    pub reminders: u32,
    /// Last reminder, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reminded_at: Option<u64>,
    /// From sending to removal, ms (when removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_removal_ms: Option<u64>,
    /// The case the URLs came from; shown to the hotline only, never to platforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// How it reaches the host, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<NoticeChannel>,
    /// The abuse address it is e-mailed to (channel `email`); shown to the hotline only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_to: Option<String>,
    /// An analyst's note on an outcome received outside the API; shown to the hotline only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_note: Option<String>,
    /// What happened, oldest first (sending, reminders, e-mail attempts, outcomes); shown to the hotline only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<NoticeEvent>,
}

/// `GET /v1/notices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// Only notices in this state.
    #[serde(default)]
    pub state: Option<NoticeState>,
    /// Where to continue: `next_cursor` of the previous page. Absent: from the newest notice.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Notices per page, 1 to 500 (default 100).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A page of the notices the caller may see (a platform, those sent to its hosts; an analyst, its lists'; an
/// admin, all), newest first. A page reads at most 2,000 notices, so with a `state` filter it may be short, even
/// empty, while `has_more` is true: follow `next_cursor` until `has_more` is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeList {
    /// Newest first.
    pub notices: Vec<Notice>,
    /// Cursor of the next page, when there may be one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// True when more notices may follow: ask again with `next_cursor`.
    #[serde(default)]
    pub has_more: bool,
}

/// `POST /v1/notices/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeDecisionRequest {
    /// Removed or not.
    pub decision: PlatformDecision,
    /// Why (recommended when rejecting); at most 1000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The longest note an analyst may give with an outcome, in characters.
pub const MAX_OUTCOME_NOTE_CHARS: usize = 2000;

/// An outcome the hotline learnt outside the API (an e-mail reply, the host's web form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeOutcome {
    /// The host removed the content or disabled access to it.
    Removed,
    /// The host refused.
    Rejected,
    /// The host never answered.
    NoAnswer,
}

/// `POST /v1/notices/{id}/outcome` (analysts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeOutcomeRequest {
    /// What the host did.
    pub outcome: NoticeOutcome,
    /// When it did it (or when the hotline stopped waiting), unix ms: not before the notice was sent, not in the
    /// future.
    pub at: u64,
    /// Where the answer came from and what it said; at most 2000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The longest abuse address accepted, in characters (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// One host in the hotline's hosts directory: where its notices go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostContact {
    /// The host (lower case, punycode, without `www.`), as notices name it; it covers its subdomains.
    pub host: String,
    /// Its abuse address; notices go there by e-mail unless the host is API-integrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abuse_email: Option<String>,
    /// The language its notices are written in unless the analyst picks one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// A platform key serves it: notices are read through the API, not e-mailed.
    #[serde(default)]
    pub api_integrated: bool,
    /// Last change, unix ms.
    #[serde(default)]
    pub updated_at: u64,
}

/// `PUT /v1/hosts/{host}`, and a contact set while confirming URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostContactRequest {
    /// Its abuse address (at most 254 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abuse_email: Option<String>,
    /// The language of its notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// A platform key serves it (notices are read through the API).
    #[serde(default)]
    pub api_integrated: bool,
}

/// `GET /v1/hosts`: every host of the directory, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostContactList {
    /// By host name.
    pub hosts: Vec<HostContact>,
}
