//! The facts of the victims' privacy notice (GDPR Art. 13), served by `GET /v1/privacy`: who the controller is
//! and how long withdrawn cases are kept, both from the hotline's settings. The notice's wording is the page's
//! (`web/i18n/*.json`), so a hotline edits its texts in one place and its facts in another.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /v1/privacy`: the controller and the retention the page's privacy notice states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyNotice {
    /// Who decides what happens to the data, and whom to ask or complain to.
    pub controller: Controller,
    /// How long data is kept.
    pub retention: Retention,
}

/// The data controller (the hotline), its data protection officer and its supervisory authority: the hotline's
/// settings `hotline.controller.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    /// The controller's legal name.
    pub name: String,
    /// Its postal address.
    pub address: String,
    /// Where to write to exercise one's rights.
    pub email: String,
    /// How to reach its data protection officer (an e-mail address, or a name and an address).
    pub dpo: String,
    /// The supervisory authority one may complain to (e.g. the CNIL in France).
    pub authority: String,
    /// The authority's web site (https:).
    pub authority_url: String,
}

/// How long data is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days a withdrawn case's hashes, URLs and notices stay (as withdrawal records platforms still need) before
    /// they are erased, leaving only the case's state and dates (`feed_retention_days`).
    pub withdrawn_case_days: u64,
}
