//! Takedown notices: the hotline sends them; the platform serving the host reads, acknowledges and answers.

use actix_web::{get, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::notices::{Notice, NoticeDecisionRequest, NoticeList, NoticeOutcomeRequest, NoticeQuery};

use super::responses::{AnalystErrors, BadRequest, KeyErrors, NoticeNotFound, PlatformErrors};
use crate::auth::{AnalystCaller, Authenticated, PlatformCaller};
use crate::error::ApiError;
use crate::service::Service;

/// Notices the key may read, a page at a time (`limit` 1 to 500, default 100; follow `next_cursor` while
/// `has_more`): a platform, those sent for the hosts it serves (never the case id); analysts, their lists';
/// admins, all. Newest first. A notice leaves with its case: when a withdrawn case is purged after the feed
/// retention, and a draft when analysts reject its case.
#[utoipa::path(
    tag = "notices",
    params(NoticeQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The notices", body = NoticeList),
        (status = 400, description = "Malformed query, limit out of range, or a cursor this server did not issue (`invalid_cursor`)", body = ErrorBody),
        KeyErrors,
    )
)]
#[get("/v1/notices")]
pub async fn list_notices(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    query: web::Query<NoticeQuery>,
) -> Result<web::Json<NoticeList>, ApiError> {
    Ok(web::Json(service.list_notices(&caller, query.into_inner()).await?))
}

/// One notice.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "Notice id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The notice", body = Notice),
        KeyErrors,
        NoticeNotFound,
    )
)]
#[get("/v1/notices/{id}")]
pub async fn get_notice(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(service.get_notice(&caller, &id).await?))
}

/// Send a draft notice (analysts): by e-mail to a host the hosts directory gives an abuse address (and no API),
/// through a durable outbox retried until the SMTP server takes it; otherwise the platform serving the host reads
/// it through the API from now on. disrupt counts the time to removal and reminds the host every 48 hours until it
/// decides.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "Notice id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Sent", body = Notice),
        (status = 404, description = "No such notice", body = ErrorBody),
        (status = 409, description = "Already past the draft state, its case was withdrawn or rejected, or the host takes e-mail and no SMTP server is configured", body = ErrorBody),
        AnalystErrors,
    )
)]
#[post("/v1/notices/{id}/send")]
pub async fn send_notice(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(service.send_notice(&caller, &id).await?))
}

/// Acknowledge a notice (the platform serving its host). Repeating it changes nothing.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "Notice id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Acknowledged", body = Notice),
        (status = 409, description = "Already decided", body = ErrorBody),
        PlatformErrors,
        NoticeNotFound,
    )
)]
#[post("/v1/notices/{id}/acknowledge")]
pub async fn acknowledge_notice(
    PlatformCaller(caller): PlatformCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(service.acknowledge_notice(&caller, &id).await?))
}

/// Report the decision on a notice (the platform serving its host): removed or rejected, with a reason. This
/// closes it; repeating the same decision changes nothing, changing it is refused.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "Notice id")),
    request_body = NoticeDecisionRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = Notice),
        (status = 409, description = "Not sent, or already decided otherwise", body = ErrorBody),
        PlatformErrors,
        BadRequest,
        NoticeNotFound,
    )
)]
#[post("/v1/notices/{id}/decision")]
pub async fn decide_notice(
    PlatformCaller(caller): PlatformCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
    body: web::Json<NoticeDecisionRequest>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(service.decide_notice(&caller, &id, body.into_inner()).await?))
}

/// Record an outcome received outside the API (analysts): an e-mail reply, the host's web form, or no answer at
/// all, as of the date it happened, with a note. Audited and counted in the statistics like a platform's decision;
/// no reminder follows.
#[utoipa::path(
    tag = "notices",
    params(("id" = String, Path, description = "Notice id")),
    request_body = NoticeOutcomeRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = Notice),
        (status = 400, description = "Malformed body, a date before the sending or in the future, a note too long", body = ErrorBody),
        (status = 404, description = "No such notice", body = ErrorBody),
        (status = 409, description = "Not sent, or already decided otherwise", body = ErrorBody),
        AnalystErrors,
    )
)]
#[post("/v1/notices/{id}/outcome")]
pub async fn record_notice_outcome(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
    body: web::Json<NoticeOutcomeRequest>,
) -> Result<web::Json<Notice>, ApiError> {
    Ok(web::Json(service.record_notice_outcome(&caller, &id, body.into_inner()).await?))
}
