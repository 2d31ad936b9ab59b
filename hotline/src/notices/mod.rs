//! URL reports and takedown notices (pure: no Redis, no HTTP).
//!
//! - [`urls`]: parse reported URLs, normalise hosts (lower case, punycode), group them per host.
//! - [`legal`]: the legal ground a notice cites (Code pénal 226-2-1, 226-8-1 for deepfakes, ...).
//! - [`template`]: render a notice per host from the hotline's editable French and English templates, holding
//!   what DSA Article 16 and the TAKE IT DOWN Act require.
//! - [`lifecycle`]: draft, sent, acknowledged, removed, rejected; time to removal; the 48-hour reminder.
//! - [`stored`]: a notice as the store keeps it, its wire view, and which platform hosts may read it.
//! - [`delivery`]: how a notice reaches its host (API or e-mail, from the hosts directory), abuse addresses and
//!   host names the directory accepts, the e-mail retry schedule, reminder texts.

pub mod delivery;
pub mod legal;
pub mod lifecycle;
pub mod stored;
pub mod template;
pub mod urls;

pub use legal::{LegalGround, LegalGroundExt, ground_for};
pub use lifecycle::{NoticeOutcome, NoticeState, NoticeTimeline, PlatformDecision, REMIND_AFTER_MS, is_closed};
pub use stored::{StoredNotice, serves};
pub use template::{Lang, NoticeContent, NoticeTemplates, Notifier, RenderedNotice};
pub use urls::{group_by_host, host_key, parse_reported_url};

/// Errors of URL reports and notices.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// Not an http(s) URL with a host.
    #[error("not a web URL: {url}")]
    InvalidUrl {
        /// The offending input (cut to 200 characters).
        url: String,
    },
    /// A template does not compile or render.
    #[error("notice template {lang:?}: {message}")]
    Template {
        /// Which template.
        lang: Lang,
        /// What minijinja or the file system said.
        message: String,
    },
    /// An edited template dropped an element the law requires.
    #[error("notice template {lang:?} lost a required element: {missing}")]
    IncompleteNotice {
        /// Which template.
        lang: Lang,
        /// The missing text.
        missing: String,
    },
    /// An outcome dated before the notice was sent.
    #[error("an outcome cannot precede the notice's sending")]
    OutcomeBeforeSending,
    /// Not an e-mail address a notice can be sent to.
    #[error("not a usable e-mail address")]
    InvalidEmail,
    /// Not a host name as notices name hosts.
    #[error("not a host name: {host}")]
    InvalidHost {
        /// The offending input (cut to 200 characters).
        host: String,
    },
    /// The notice cannot go from one state to the other.
    #[error("a notice cannot go from {from:?} to {to:?}")]
    InvalidTransition {
        /// Current state.
        from: NoticeState,
        /// Requested state.
        to: NoticeState,
    },
}
