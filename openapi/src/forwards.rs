//! Forwards to the authorities: the hotline's record that it reported a case, or some of its URLs, to PHAROS,
//! INHOPE (ICCAM) or NCMEC, with the authority's reference, when, and which analyst recorded it.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::Category;

/// Whom a case was forwarded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// PHAROS, the French police's platform for illegal content online (internet-signalement.gouv.fr).
    Pharos,
    /// INHOPE's ICCAM, for child sexual abuse material hosted abroad: the hotline of the host's country acts.
    Inhope,
    /// NCMEC's CyberTipline, for content on US platforms.
    Ncmec,
}

string_names!(Authority {
    Pharos => "pharos",
    Inhope => "inhope",
    Ncmec => "ncmec",
});

/// The longest reference accepted, in characters.
pub const MAX_FORWARD_REFERENCE_CHARS: usize = 200;
/// The longest note accepted, in characters.
pub const MAX_FORWARD_NOTE_CHARS: usize = 2000;

/// `POST /v1/review/cases/{id}/forwards`: a forward the analyst made, to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardRequest {
    /// Whom it went to. `inhope` only for a case of the `minor` category (ICCAM takes child sexual abuse material
    /// only).
    pub authority: Authority,
    /// The authority's reference for the report (PHAROS' number, ICCAM's report id, the CyberTipline report
    /// number); 1 to 200 characters, no control character.
    pub reference: String,
    /// The case's URLs that were forwarded, by index (`GET /v1/review/cases/{id}`); none for the case as a whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<usize>,
    /// When it was forwarded, unix ms: not before the day (UTC) the case came in, not in the future. Now when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Anything the hotline wants kept with it; at most 2000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A recorded forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    /// Its id.
    pub id: String,
    /// The case forwarded.
    pub case_id: String,
    /// The case's list.
    pub list: String,
    /// The case's category.
    pub category: Category,
    /// Whom it went to.
    pub authority: Authority,
    /// The authority's reference.
    pub reference: String,
    /// The URLs forwarded; empty when the case went as a whole.
    pub urls: Vec<String>,
    /// When it was forwarded, unix ms.
    pub forwarded_at: u64,
    /// When it was recorded, unix ms.
    pub recorded_at: u64,
    /// The key id of the analyst (or admin) who recorded it, as the audit log names them.
    pub recorded_by: String,
    /// The note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The forwards of one case (`GET /v1/review/cases/{id}/forwards`), or an export (`GET /v1/forwards`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardList {
    /// The forwards, oldest first (by the time they were forwarded).
    pub forwards: Vec<Forward>,
    /// More forwards match than one answer holds: ask again from `next_from`.
    pub has_more: bool,
    /// The `from` of the next answer when `has_more`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_from: Option<u64>,
}

/// `GET /v1/forwards` and `GET /v1/forwards/csv`: forwards made in a period, in the lists the caller may read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForwardQuery {
    /// Forwarded at or after, unix ms (default: the beginning).
    pub from: Option<u64>,
    /// Forwarded before, unix ms (default: no end).
    pub to: Option<u64>,
    /// Only this authority's.
    pub authority: Option<Authority>,
}
