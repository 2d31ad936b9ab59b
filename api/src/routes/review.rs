//! Analysts: the review queue, decisions on entries and cases, and a case's reported URLs.

use actix_web::{get, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::review::{
    AnalystCase, CaseContact, CaseRejection, DecisionOutcome, EntryDecisionRequest, RejectCaseRequest,
    RejectEntriesRequest, ReviewQueue, ReviewQueueQuery, ReviewUrlsRequest, ReviewUrlsResponse,
};

use super::responses::{AnalystCaseErrors, BadQuery, BadRequest, ContactErrors, EntryDecisionErrors, KeyErrors};
use crate::auth::AnalystCaller;
use crate::error::ApiError;
use crate::service::Service;

/// The oldest entries of a list waiting for review (pending by default, or quarantined), with what an analyst
/// decides from: quality, near duplicates and their states, other cases with the same or a near hash, platform
/// feedback, match volume and the benign-image heuristic's findings. Never media (disrupt keeps none) and never
/// the hash value.
#[utoipa::path(
    tag = "analysts",
    params(ReviewQueueQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The queue", body = ReviewQueue),
        (status = 403, description = "Not an analyst or admin key, or not scoped to the list", body = ErrorBody),
        (status = 404, description = "No such list", body = ErrorBody),
        KeyErrors,
        BadQuery,
    )
)]
#[get("/v1/review/queue")]
pub async fn review_queue(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    query: web::Query<ReviewQueueQuery>,
) -> Result<web::Json<ReviewQueue>, ApiError> {
    Ok(web::Json(service.review_queue(&caller, query.into_inner()).await?))
}

/// Verify entries (1 to 500): they stay on the list, marked verified. Quarantined or rejected entries come back.
#[utoipa::path(
    tag = "analysts",
    request_body = EntryDecisionRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The entries' new states", body = DecisionOutcome),
        (status = 400, description = "Malformed request or too many entries", body = ErrorBody),
        EntryDecisionErrors,
    )
)]
#[post("/v1/review/entries/verify")]
pub async fn verify_entries(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    body: web::Json<EntryDecisionRequest>,
) -> Result<web::Json<DecisionOutcome>, ApiError> {
    Ok(web::Json(service.verify_entries(&caller, body.into_inner()).await?))
}

/// Reject entries (1 to 500) with a reason: they leave the list (tombstones in the feed).
#[utoipa::path(
    tag = "analysts",
    request_body = RejectEntriesRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The entries' new states", body = DecisionOutcome),
        (status = 400, description = "Malformed request, missing note for `other`, or too many entries", body = ErrorBody),
        EntryDecisionErrors,
    )
)]
#[post("/v1/review/entries/reject")]
pub async fn reject_entries(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    body: web::Json<RejectEntriesRequest>,
) -> Result<web::Json<DecisionOutcome>, ApiError> {
    Ok(web::Json(service.reject_entries(&caller, body.into_inner()).await?))
}

/// Quarantine entries (1 to 500): they leave the feed and the match API until an analyst verifies or rejects
/// them.
#[utoipa::path(
    tag = "analysts",
    request_body = EntryDecisionRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The entries' new states", body = DecisionOutcome),
        (status = 400, description = "Malformed request or too many entries", body = ErrorBody),
        EntryDecisionErrors,
    )
)]
#[post("/v1/review/entries/quarantine")]
pub async fn quarantine_entries(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    body: web::Json<EntryDecisionRequest>,
) -> Result<web::Json<DecisionOutcome>, ApiError> {
    Ok(web::Json(service.quarantine_entries(&caller, body.into_inner()).await?))
}

/// A case as an analyst sees it: category, entries with their review facts, reported URLs and their review.
/// Never the victim's contact.
#[utoipa::path(
    tag = "analysts",
    params(("id" = String, Path, description = "Case id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The case", body = AnalystCase),
        AnalystCaseErrors,
    )
)]
#[get("/v1/review/cases/{id}")]
pub async fn analyst_case(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<AnalystCase>, ApiError> {
    Ok(web::Json(service.analyst_case(&caller, &id).await?))
}

/// The contact the victim left, for an analyst or admin key created with `contact_access` (ordinary analyst keys
/// are refused). Every opening is recorded in the audit log (`contact_opened`) before the contact is answered.
/// A withdrawn case keeps no contact.
#[utoipa::path(
    tag = "analysts",
    params(("id" = String, Path, description = "Case id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The contact", body = CaseContact),
        ContactErrors,
    )
)]
#[get("/v1/review/cases/{id}/contact")]
pub async fn open_contact(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<CaseContact>, ApiError> {
    Ok(web::Json(service.open_contact(&caller, &id).await?))
}

/// Reject every entry of a case. When the hotline requires two analysts (the default), the first call records
/// the request (`awaiting_second_analyst`, with its reason and note, also shown in the case) and a different
/// analyst's call confirms it (`rejected`), applying the first analyst's reason and note.
#[utoipa::path(
    tag = "analysts",
    params(("id" = String, Path, description = "Case id")),
    request_body = RejectCaseRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Requested or done", body = CaseRejection),
        (status = 409, description = "Withdrawn case, or the same analyst tried to confirm", body = ErrorBody),
        AnalystCaseErrors,
        BadRequest,
    )
)]
#[post("/v1/review/cases/{id}/reject")]
pub async fn reject_case(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
    body: web::Json<RejectCaseRequest>,
) -> Result<web::Json<CaseRejection>, ApiError> {
    Ok(web::Json(service.reject_case(&caller, &id, body.into_inner()).await?))
}

/// Confirm or dismiss the URLs a victim reported. Newly confirmed URLs become one draft takedown notice per
/// host, from the hotline's templates; send them with `POST /v1/notices/{id}/send`.
#[utoipa::path(
    tag = "analysts",
    params(("id" = String, Path, description = "Case id")),
    request_body = ReviewUrlsRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The URLs and the notices produced", body = ReviewUrlsResponse),
        (status = 400, description = "Unknown index, or a confirmed URL is not a web address", body = ErrorBody),
        (status = 409, description = "The victim withdrew the case", body = ErrorBody),
        AnalystCaseErrors,
    )
)]
#[post("/v1/review/cases/{id}/urls")]
pub async fn review_urls(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
    body: web::Json<ReviewUrlsRequest>,
) -> Result<web::Json<ReviewUrlsResponse>, ApiError> {
    Ok(web::Json(service.review_urls(&caller, &id, body.into_inner()).await?))
}
