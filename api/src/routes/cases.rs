//! Victims: anonymous case routes.

use std::future::{Ready, ready};

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, delete, get, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::cases::{
    CaseStatus, CreateCaseRequest, CreatedCase, HashedMedia, Receipt, ReceiptKey, WithdrawnCase,
};
use disrupt_openapi::privacy::PrivacyNotice;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{RefOr, Required, schema::Schema};

use super::responses::{CaseSecretErrors, StoreErrors, SubmissionLimits, UploadErrors};
use crate::auth::CASE_SECRET_HEADER;
use crate::error::ApiError;
use crate::rate_limit::{LookupQuota, MediaQuota, SubmissionQuota};
use crate::service::Service;

/// The case a victim's request is about (path `id`) and the secret that opens it (header `X-Case-Secret`): the
/// parameters of every route on one case, extracted and documented once.
#[derive(Debug)]
pub struct CaseAccess {
    /// Case id.
    pub id: String,
    /// The case secret; a request without it is 401 `unauthorized`.
    pub secret: String,
}

impl FromRequest for CaseAccess {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let id = match web::Path::<String>::from_request(req, payload).into_inner() {
            Ok(id) => id.into_inner(),
            Err(err) => return ready(Err(err)),
        };
        let secret = req.headers().get(CASE_SECRET_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        ready(secret.map(|secret| CaseAccess { id, secret }).ok_or_else(|| ApiError::Unauthorized.into()))
    }
}

impl utoipa::IntoParams for CaseAccess {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let text = || -> RefOr<Schema> { <String as utoipa::PartialSchema>::schema() };
        vec![
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .description(Some("Case id"))
                .required(Required::True)
                .schema(Some(text()))
                .build(),
            ParameterBuilder::new()
                .name(CASE_SECRET_HEADER)
                .parameter_in(ParameterIn::Header)
                .description(Some("The case secret"))
                .required(Required::True)
                .schema(Some(text()))
                .build(),
        ]
    }
}

/// Submit a case: hashes computed on the victim's device. The answer holds the case secret, shown only once.
#[utoipa::path(
    tag = "victims",
    request_body = CreateCaseRequest,
    responses(
        (status = 201, description = "Case created", body = CreatedCase),
        (status = 400, description = "Malformed request or hash", body = ErrorBody),
        (status = 413, description = "Too many hashes or URLs", body = ErrorBody),
        StoreErrors,
        SubmissionLimits,
    )
)]
#[post("/v1/cases")]
pub async fn create_case(
    quota: SubmissionQuota,
    service: web::Data<Service>,
    body: web::Json<CreateCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service.create_case(body.into_inner(), &quota).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Submit a case by uploading images or videos (multipart: a `category` field and `file` fields). The files
/// are hashed in memory and destroyed; the answer shows exactly which hashes were kept.
#[utoipa::path(
    tag = "victims",
    request_body(
        content = disrupt_openapi::cases::CaseUploadForm,
        content_type = "multipart/form-data",
        description = "`category` (text) and one or more `file` parts"
    ),
    responses(
        (status = 201, description = "Case created", body = CreatedCase),
        (status = 413, description = "Too many or too large files", body = ErrorBody),
        UploadErrors,
        SubmissionLimits,
    )
)]
#[post("/v1/cases/upload")]
pub async fn upload_case(
    quota: SubmissionQuota,
    service: web::Data<Service>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let created = service.upload_case(payload, &quota).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Hash images or videos without creating a case (multipart: one or more `file` parts): for the files a victim's
/// browser cannot decode (HEIC outside Safari, some videos), sent one by one when the victim chooses to. The files
/// are hashed in memory and destroyed; nothing is stored; the answer holds each file's hashes, which the page
/// then sends with its case (`POST /v1/cases`).
#[utoipa::path(
    tag = "victims",
    request_body(
        content = disrupt_openapi::cases::MediaHashForm,
        content_type = "multipart/form-data",
        description = "One or more `file` parts"
    ),
    responses(
        (status = 200, description = "Each file's hashes, in the order sent", body = HashedMedia),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 413, description = "Too many or too large files", body = ErrorBody),
        UploadErrors,
        SubmissionLimits,
    )
)]
#[post("/v1/media/hash")]
pub async fn hash_media(
    _quota: MediaQuota,
    service: web::Data<Service>,
    payload: Multipart,
) -> Result<web::Json<HashedMedia>, ApiError> {
    Ok(web::Json(service.hash_media(payload).await?))
}

/// A case's state, each hash's state and what platforms did (counts only). Needs the case secret in
/// `X-Case-Secret`.
#[utoipa::path(
    tag = "victims",
    params(CaseAccess),
    responses(
        (status = 200, description = "The case", body = CaseStatus),
        CaseSecretErrors,
    )
)]
#[get("/v1/cases/{id}")]
pub async fn get_case(
    _quota: LookupQuota,
    service: web::Data<Service>,
    case: CaseAccess,
) -> Result<web::Json<CaseStatus>, ApiError> {
    Ok(web::Json(service.get_case(&case.id, &case.secret).await?))
}

/// A signed receipt of the case, media-free (its id, submission date, number and kinds of hashes, the URLs
/// reported), which the victim can keep or attach to a complaint. Signed with Ed25519; the key is published at
/// `GET /v1/receipts/key` and `disrupt receipt verify FILE` checks it. Needs the case secret in `X-Case-Secret`.
#[utoipa::path(
    tag = "victims",
    params(CaseAccess),
    responses(
        (status = 200, description = "The signed receipt", body = Receipt),
        CaseSecretErrors,
    )
)]
#[get("/v1/cases/{id}/receipt")]
pub async fn get_receipt(
    _quota: LookupQuota,
    service: web::Data<Service>,
    case: CaseAccess,
) -> Result<web::Json<Receipt>, ApiError> {
    Ok(web::Json(service.case_receipt(&case.id, &case.secret).await?))
}

/// What the victims' page's privacy notice states from the hotline's settings: the data controller (name,
/// address, e-mail, data protection officer, supervisory authority) and how long a withdrawn case's data stays.
#[utoipa::path(tag = "victims", responses((status = 200, description = "The notice's facts", body = PrivacyNotice)))]
#[get("/v1/privacy")]
pub async fn get_privacy_notice(service: web::Data<Service>) -> web::Json<PrivacyNotice> {
    web::Json(service.privacy_notice())
}

/// The public key that verifies receipts (Ed25519, hex).
#[utoipa::path(tag = "victims", responses((status = 200, description = "The key", body = ReceiptKey)))]
#[get("/v1/receipts/key")]
pub async fn receipt_key(service: web::Data<Service>) -> web::Json<ReceiptKey> {
    web::Json(service.receipts.public_key())
}

/// Withdraw a case: its hashes leave the list, the match index and the feed (as tombstones) at once, and the
/// contact is erased. Idempotent. Needs the case secret in `X-Case-Secret`.
#[utoipa::path(
    tag = "victims",
    params(CaseAccess),
    responses(
        (status = 200, description = "Withdrawn", body = WithdrawnCase),
        CaseSecretErrors,
    )
)]
#[delete("/v1/cases/{id}")]
pub async fn withdraw_case(
    _quota: LookupQuota,
    service: web::Data<Service>,
    case: CaseAccess,
) -> Result<web::Json<WithdrawnCase>, ApiError> {
    Ok(web::Json(service.withdraw_case(&case.id, &case.secret).await?))
}
