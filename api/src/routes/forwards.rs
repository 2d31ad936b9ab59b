//! Analysts: forwards of cases to the authorities (PHAROS, INHOPE/ICCAM, NCMEC), recorded per case, exported to
//! file.

use actix_web::{HttpResponse, get, http::header, post, web};
use disrupt_openapi::forwards::{Forward, ForwardList, ForwardQuery, ForwardRequest};

use super::responses::{AnalystCaseErrors, AnalystErrors, BadQuery, BadRequest};
use crate::auth::AnalystCaller;
use crate::error::ApiError;
use crate::service::Service;

/// Record that the case, or some of its URLs, was forwarded to an authority: PHAROS for illegal content in
/// France, INHOPE (ICCAM) for child sexual abuse material hosted abroad (`minor` cases only), NCMEC for US
/// platforms. The analyst reports through the authority's own channel, then records its reference here; audited
/// as `forward_recorded` (without the reference or the URLs). A minor's case is flagged
/// (`forward_required`) until one is recorded, and a notice says the content was reported to the competent
/// authorities only when a forward covers its URLs.
#[utoipa::path(
    tag = "analysts",
    params(("id" = String, Path, description = "Case id")),
    request_body = ForwardRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Recorded", body = Forward),
        BadRequest,
        AnalystCaseErrors,
    )
)]
#[post("/v1/review/cases/{id}/forwards")]
pub async fn record_forward(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
    body: web::Json<ForwardRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(service.record_forward(&caller, &id, body.into_inner()).await?))
}

/// The case's forwards, oldest first.
#[utoipa::path(
    tag = "analysts",
    params(("id" = String, Path, description = "Case id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The forwards", body = ForwardList),
        AnalystCaseErrors,
    )
)]
#[get("/v1/review/cases/{id}/forwards")]
pub async fn case_forwards(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<ForwardList>, ApiError> {
    Ok(web::Json(service.case_forwards(&caller, &id).await?))
}

/// Forwards made in a period (`from` inclusive, `to` exclusive, unix ms), in the key's lists, oldest first: at
/// most 5000 an answer, then `has_more` and `next_from`.
#[utoipa::path(
    tag = "analysts",
    params(ForwardQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The forwards", body = ForwardList),
        BadQuery,
        AnalystErrors,
    )
)]
#[get("/v1/forwards")]
pub async fn export_forwards(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    query: web::Query<ForwardQuery>,
) -> Result<web::Json<ForwardList>, ApiError> {
    Ok(web::Json(service.export_forwards(&caller, &query).await?))
}

/// The same forwards as CSV to file (`id,authority,reference,forwarded_at,case_id,list,category,urls,
/// recorded_at,recorded_by,note`; times `YYYY-MM-DD HH:MM` UTC). When more remain, the header `X-Next-From`
/// gives the next `from`.
#[utoipa::path(
    tag = "analysts",
    params(ForwardQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String,
            headers(("X-Next-From" = u64, description = "The next `from`, when more forwards remain"))),
        BadQuery,
        AnalystErrors,
    )
)]
#[get("/v1/forwards/csv")]
pub async fn export_forwards_csv(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    query: web::Query<ForwardQuery>,
) -> Result<HttpResponse, ApiError> {
    let (csv, next_from) = service.export_forwards_csv(&caller, &query).await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"forwards.csv\""));
    if let Some(next) = next_from {
        response.insert_header(("X-Next-From", next.to_string()));
    }
    Ok(response.body(csv))
}
