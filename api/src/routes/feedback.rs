//! Platforms: feedback on entries.

use actix_web::{post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::feedback::{FeedbackRecorded, FeedbackRequest};

use super::responses::{BadRequest, KeyErrors};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::service::Service;

/// Per entry, what the platform did (`blocked`, `not_violating`, `pending_review`), with tags.
#[utoipa::path(
    tag = "platforms",
    request_body = FeedbackRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = FeedbackRecorded),
        (status = 404, description = "Unknown entry (or not on a list of this key)", body = ErrorBody),
        KeyErrors,
        BadRequest,
    )
)]
#[post("/v1/feedback")]
pub async fn submit_feedback(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    body: web::Json<FeedbackRequest>,
) -> Result<web::Json<FeedbackRecorded>, ApiError> {
    Ok(web::Json(service.submit_feedback(&caller, body.into_inner()).await?))
}
