//! StopNCII.org-compatible routes (field names and enum spellings are StopNCII's). Authenticate with the API
//! key in `x-functions-key` / `Ocp-Apim-Subscription-Key`, as Meta's threatexchange client does.

use actix_web::{get, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::stopncii::{FetchHashesQuery, FetchHashesResponse, SubmitFeedbackRequest, SubmitFeedbackResponse};

use super::responses::{BadRequest, KeyErrors};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::service::Service;

/// StopNCII `FetchHashes`: pages of hash records after a checkpoint. Without a checkpoint, every active hash, in
/// pages of the live list each ordered by hash value. Pages stop at `pageSize` records or at the server's byte
/// budget (`page_bytes`), whichever comes first. A `startTimestamp` more than five minutes ahead of the server's clock, or a token past
/// the feed's end, answers 400 `cursor_beyond_end`.
#[utoipa::path(
    tag = "stopncii",
    params(FetchHashesQuery),
    security(("stopncii_function_key" = []), ("stopncii_subscription_key" = [])),
    responses(
        (status = 200, description = "A page of records", body = FetchHashesResponse),
        (status = 400, description = "Malformed query or token, or a startTimestamp or token beyond the feed's end (`cursor_beyond_end`)", body = ErrorBody),
        (status = 403, description = "The key is not scoped to the ncii list", body = ErrorBody),
        KeyErrors,
    )
)]
#[get("/v1/FetchHashes")]
pub async fn fetch_hashes(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    query: web::Query<FetchHashesQuery>,
) -> Result<web::Json<FetchHashesResponse>, ApiError> {
    Ok(web::Json(service.fetch_hashes(&caller, query.into_inner()).await?))
}

/// StopNCII `SubmitFeedback`: feedback by hash value.
#[utoipa::path(
    tag = "stopncii",
    request_body = SubmitFeedbackRequest,
    security(("stopncii_function_key" = []), ("stopncii_subscription_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = SubmitFeedbackResponse),
        KeyErrors,
        BadRequest,
    )
)]
#[post("/v1/SubmitFeedback")]
pub async fn submit_stopncii_feedback(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    body: web::Json<SubmitFeedbackRequest>,
) -> Result<web::Json<SubmitFeedbackResponse>, ApiError> {
    Ok(web::Json(service.submit_stopncii_feedback(&caller, body.into_inner()).await?))
}
