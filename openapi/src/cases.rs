//! Victims' cases: submission, status and withdrawal.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{CaseState, Category, EntryState, HashValue};
use crate::notices::NoticeState;
use crate::review::UrlReview;

/// The most URLs one case may list.
pub const MAX_URLS_PER_CASE: usize = 100;
/// The longest URL or contact string accepted, in bytes.
pub const MAX_TEXT_LEN: usize = 2048;

/// `POST /v1/cases`: hashes computed on the victim's device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseRequest {
    /// What the images show.
    pub category: Category,
    /// The hashes, 1 to 1000. Video frame lists together carry at most 36,000 frames by default (the server's
    /// `case_limits.frames_per_case`), each at most 7,200 (or the server's lower `case_limits.frames_per_video`);
    /// more is refused with 413 `too_many_frames`.
    pub hashes: Vec<HashValue>,
    /// Where the content is already online, if known.
    #[serde(default)]
    pub urls: Vec<String>,
    /// How to reach the victim for follow-up (an e-mail address or a phone number), if they want to be reached.
    /// Stored encrypted, shown to no one but analysts whose key has `contact_access` (each opening audited),
    /// never in lists or exports; erased on withdrawal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// What the person, or whoever acts for them, declares. A takedown notice states good faith only when the
    /// case carries all three declarations (`depicts_person`, `intimate`, `no_consent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declarations: Option<Declarations>,
}

/// Who makes a case's declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Declarant {
    /// The person the images show.
    DepictedPerson,
    /// A parent or legal guardian, acting for the person with their consent.
    Parent,
    /// A lawyer, acting for the person with their consent.
    Lawyer,
    /// A support worker (a victims' association, a social worker), acting for the person with their consent.
    SupportWorker,
}

string_names!(Declarant {
    DepictedPerson => "depicted_person",
    Parent => "parent",
    Lawyer => "lawyer",
    SupportWorker => "support_worker",
});

/// The declarations takedown notices rely on, recorded with the case as the victim's page made them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Declarations {
    /// Who declares: the person shown, or someone acting for them with their consent (and in which capacity).
    pub declarant: Declarant,
    /// The images show the person (the declarant, or the person they act for).
    pub depicts_person: bool,
    /// The images are intimate (nudity or sexual content).
    pub intimate: bool,
    /// The person did not consent to their spread.
    pub no_consent: bool,
}

impl Declarations {
    /// All three declarations are made: only then may a notice state good faith on the person's behalf.
    pub fn support_good_faith(&self) -> bool {
        self.depicts_person && self.intimate && self.no_consent
    }
}

/// What became of a URL the victim reported, as the victim sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UrlStatus {
    /// An analyst has not looked at it yet.
    UnderReview,
    /// An analyst confirmed it; a takedown notice is being prepared.
    Confirmed,
    /// An analyst found nothing to act on there.
    Dismissed,
    /// A takedown notice went to the host; no decision yet.
    NoticeSent,
    /// The host removed the content or disabled access to it.
    Removed,
    /// The host decided not to remove it.
    NotRemoved,
}

string_names!(UrlStatus {
    UnderReview => "under_review",
    Confirmed => "confirmed",
    Dismissed => "dismissed",
    NoticeSent => "notice_sent",
    Removed => "removed",
    NotRemoved => "not_removed",
});

impl UrlStatus {
    /// The status from an analyst's review and the state of the notice that carries the URL, if any.
    pub fn of(review: UrlReview, notice: Option<NoticeState>) -> Self {
        match (review, notice) {
            (UrlReview::Pending, _) => UrlStatus::UnderReview,
            (UrlReview::Dismissed, _) => UrlStatus::Dismissed,
            (UrlReview::Confirmed, None | Some(NoticeState::Draft)) => UrlStatus::Confirmed,
            (UrlReview::Confirmed, Some(NoticeState::Sent | NoticeState::Acknowledged | NoticeState::NoAnswer)) => {
                UrlStatus::NoticeSent
            }
            (UrlReview::Confirmed, Some(NoticeState::Removed)) => UrlStatus::Removed,
            (UrlReview::Confirmed, Some(NoticeState::Rejected)) => UrlStatus::NotRemoved,
        }
    }
}

/// A URL the victim reported, with what happened to it. Names no platform beyond the URL's own host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseUrl {
    /// The URL as the victim gave it.
    pub url: String,
    /// The host it is on, as notices name it; absent when the URL is not a web address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Where it stands.
    pub status: UrlStatus,
    /// When an analyst confirmed or dismissed it, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<u64>,
    /// When the takedown notice went to the host, unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_sent_at: Option<u64>,
    /// When the host decided (removed or not), unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<u64>,
}

/// One hash kept for a case, as the victim sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseHash {
    /// The hash as stored.
    pub value: HashValue,
    /// Its review state.
    pub state: EntryState,
    /// How many platforms said they blocked the content.
    pub blocked: u64,
    /// How many platforms reviewed a match and found it not violating.
    pub not_violating: u64,
    /// How many platforms reported a match awaiting review.
    pub pending_review: u64,
}

/// Answer to a case creation: the id and the secret, shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedCase {
    /// The case id.
    pub case_id: String,
    /// The case secret. Shown only now; needed to see or withdraw the case. Keep it safe.
    pub case_secret: String,
    /// Exactly what was kept: the hashes, nothing else of the media.
    pub hashes: Vec<HashValue>,
}

/// `GET /v1/cases/{id}`: the case's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStatus {
    /// The case id.
    pub case_id: String,
    /// Active or withdrawn.
    pub state: CaseState,
    /// What the images show.
    pub category: Category,
    /// Creation time, unix milliseconds.
    pub created_at: u64,
    /// Withdrawal time, unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<u64>,
    /// Each hash with its state and what platforms did.
    pub hashes: Vec<CaseHash>,
    /// How many platforms have the hashes and, after a withdrawal, how many of them have fetched the deletion.
    pub delivery: CaseDelivery,
    /// Each URL the victim reported, in the order given, with what happened to it.
    #[serde(default)]
    pub urls: Vec<CaseUrl>,
    /// Whether a contact is kept for the case (never the contact itself; erased on withdrawal).
    #[serde(default)]
    pub has_contact: bool,
    /// The declarations recorded with the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declarations: Option<Declarations>,
}

/// The format every receipt document names.
pub const RECEIPT_FORMAT: &str = "disrupt-receipt-v1";

/// What a receipt attests, media-free: no image, no hash value, no contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptDocument {
    /// Always `disrupt-receipt-v1`.
    pub format: String,
    /// The case id.
    pub case_id: String,
    /// When the case was submitted, unix milliseconds.
    pub submitted_at: u64,
    /// When this receipt was issued, unix milliseconds.
    pub issued_at: u64,
    /// How many hashes the case holds.
    pub hashes: u64,
    /// How many of each kind (`pdq`, `video`, `md5`, `sha256`).
    pub kinds: BTreeMap<String, u64>,
    /// The URLs the victim reported, as given.
    pub urls: Vec<String>,
}

impl ReceiptDocument {
    /// The bytes the signature covers: the document as compact JSON, fields in the order above (a parsed
    /// document gives the same bytes again, so a receipt file verifies however it was pretty-printed).
    pub fn signed_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// `GET /v1/cases/{id}/receipt`: a document the victim can keep or attach to a complaint, signed by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// What is attested.
    pub document: ReceiptDocument,
    /// `ed25519`.
    pub algorithm: String,
    /// The Ed25519 signature of [`ReceiptDocument::signed_bytes`], lower-case hex.
    pub signature: String,
    /// The public key that verifies it, lower-case hex; compare with `GET /v1/receipts/key`.
    pub public_key: String,
}

/// `GET /v1/receipts/key`: the server's public key for receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptKey {
    /// `ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, lower-case hex.
    pub public_key: String,
}

/// Erasure receipt: counts of platforms, never their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDelivery {
    /// Platforms that fetched the case's hashes (through the feed or a snapshot taken while they were listed).
    pub received: u64,
    /// Of those, platforms that have fetched the deletion since the withdrawal ("deletion delivered to N of M").
    pub deletion_delivered: u64,
}

/// `DELETE /v1/cases/{id}`: the outcome of a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawnCase {
    /// The case id.
    pub case_id: String,
    /// Always `withdrawn`.
    pub state: CaseState,
    /// Whether the case had been withdrawn before this request.
    pub already_withdrawn: bool,
}

/// The multipart form of `POST /v1/cases/upload`. It documents the body; the server reads it as a stream, file by
/// file, and keeps no file.
#[derive(Debug, ToSchema)]
pub struct CaseUploadForm {
    /// What the images show (one of the `Category` names, as text).
    pub category: Category,
    /// The images or videos, 1 to 20 `file` parts, each at most 64 MiB and 128 MiB together. Images: JPEG, PNG,
    /// WebP, GIF, BMP, TIFF, HEIC/HEIF, AVIF; videos: MP4/MOV/3GP, Matroska/WebM, AVI, FLV, MPEG-TS/PS, ASF/WMV.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 20)]
    pub file: Vec<Vec<u8>>,
}

/// The multipart form of `POST /v1/media/hash`: the files a victim's browser could not decode. The server reads
/// them as a stream, hashes them in memory and keeps nothing.
#[derive(Debug, ToSchema)]
pub struct MediaHashForm {
    /// The images or videos, 1 to 20 `file` parts, with the limits and formats of [`CaseUploadForm::file`].
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 20)]
    pub file: Vec<Vec<u8>>,
}

/// Answer to `POST /v1/media/hash`: what a case would keep of each file, in the order the files were sent. Nothing
/// is stored: the page puts these hashes in its `POST /v1/cases` with the ones it computed itself, so the files
/// the browser could not read join the same case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HashedMedia {
    /// One entry per `file` part.
    pub files: Vec<HashedFile>,
}

/// The hashes of one uploaded file: PDQ with its views and quality for an image, per-frame PDQ for a video, and
/// the file's MD5 and SHA-256, exactly as `POST /v1/cases` takes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HashedFile {
    /// The file's hashes.
    pub hashes: Vec<HashValue>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_url_reads_as_its_review_then_its_notice() {
        use NoticeState as N;
        assert_eq!(UrlStatus::of(UrlReview::Pending, None), UrlStatus::UnderReview);
        assert_eq!(UrlStatus::of(UrlReview::Dismissed, None), UrlStatus::Dismissed);
        assert_eq!(UrlStatus::of(UrlReview::Confirmed, None), UrlStatus::Confirmed);
        assert_eq!(UrlStatus::of(UrlReview::Confirmed, Some(N::Draft)), UrlStatus::Confirmed);
        for sent in [N::Sent, N::Acknowledged, N::NoAnswer] {
            assert_eq!(UrlStatus::of(UrlReview::Confirmed, Some(sent)), UrlStatus::NoticeSent);
        }
        assert_eq!(UrlStatus::of(UrlReview::Confirmed, Some(N::Removed)), UrlStatus::Removed);
        assert_eq!(UrlStatus::of(UrlReview::Confirmed, Some(N::Rejected)), UrlStatus::NotRemoved);
    }

    #[test]
    fn good_faith_needs_all_three_declarations_and_the_field_is_optional() {
        let all = Declarations { declarant: Declarant::Parent, depicts_person: true, intimate: true, no_consent: true };
        assert!(all.support_good_faith());
        for partial in [
            Declarations { depicts_person: false, ..all },
            Declarations { intimate: false, ..all },
            Declarations { no_consent: false, ..all },
        ] {
            assert!(!partial.support_good_faith(), "{partial:?}");
        }
        let old: CreateCaseRequest = serde_json::from_str(
            r#"{"category":"adult_ncii","hashes":[{"kind":"md5","hash":"00000000000000000000000000000000"}]}"#,
        )
        .unwrap();
        assert_eq!(old.declarations, None);
        let json = r#"{"declarant":"support_worker","depicts_person":true,"intimate":true,"no_consent":false,"x":1}"#;
        assert!(serde_json::from_str::<Declarations>(json).is_err(), "unknown fields refused");
    }
}
