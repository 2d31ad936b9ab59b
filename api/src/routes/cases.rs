//! Victims: anonymous case routes.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::cases::{CaseStatus, CreateCaseRequest, CreatedCase, WithdrawnCase};

use super::responses::{CaseSecretErrors, StoreErrors, SubmissionLimits, UploadErrors};
use crate::auth::CASE_SECRET_HEADER;
use crate::error::ApiError;
use crate::rate_limit::{LookupQuota, SubmissionQuota};
use crate::service::Service;

fn case_secret(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers().get(CASE_SECRET_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned).ok_or(ApiError::Unauthorized)
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

/// A case's state, each hash's state and what platforms did (counts only). Needs the case secret in
/// `X-Case-Secret`.
#[utoipa::path(
    tag = "victims",
    params(
        ("id" = String, Path, description = "Case id"),
        ("X-Case-Secret" = String, Header, description = "The case secret"),
    ),
    responses(
        (status = 200, description = "The case", body = CaseStatus),
        CaseSecretErrors,
    )
)]
#[get("/v1/cases/{id}")]
pub async fn get_case(
    _quota: LookupQuota,
    service: web::Data<Service>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<web::Json<CaseStatus>, ApiError> {
    Ok(web::Json(service.get_case(&id, &case_secret(&req)?).await?))
}

/// Withdraw a case: its hashes leave the list, the match index and the feed (as tombstones) at once, and the
/// contact is erased. Idempotent. Needs the case secret in `X-Case-Secret`.
#[utoipa::path(
    tag = "victims",
    params(
        ("id" = String, Path, description = "Case id"),
        ("X-Case-Secret" = String, Header, description = "The case secret"),
    ),
    responses(
        (status = 200, description = "Withdrawn", body = WithdrawnCase),
        CaseSecretErrors,
    )
)]
#[delete("/v1/cases/{id}")]
pub async fn withdraw_case(
    _quota: LookupQuota,
    service: web::Data<Service>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<web::Json<WithdrawnCase>, ApiError> {
    Ok(web::Json(service.withdraw_case(&id, &case_secret(&req)?).await?))
}
