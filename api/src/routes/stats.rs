//! Public statistics (JSON and a small HTML page) and the admins' trusted-flagger report.

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::stats::{ReportQuery, Statistics, StatsPageQuery};

use super::responses::{AdminErrors, StoreErrors};
use crate::auth::AdminCaller;
use crate::error::ApiError;
use crate::service::Service;

/// The hotline's figures: cases, hashes by kind and state, categories, matches, removals, time to removal and
/// per-platform responsiveness, by month. No count is below the configured minimum (`null` instead), and
/// enough cells are suppressed that none can be recovered from the totals. Recomputed at most once a minute.
#[utoipa::path(
    tag = "everyone",
    responses(
        (status = 200, description = "The statistics", body = Statistics),
        StoreErrors,
    )
)]
#[get("/v1/stats")]
pub async fn statistics(service: web::Data<Service>) -> Result<web::Json<Statistics>, ApiError> {
    Ok(web::Json(service.statistics().await?))
}

/// The same figures as CSV, one published figure a line (`figure,label,measure,value`; a suppressed count reads
/// `<5`, a median or rate not published is empty), for spreadsheets and filing.
#[utoipa::path(
    tag = "everyone",
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        StoreErrors,
    )
)]
#[get("/v1/stats/csv")]
pub async fn statistics_csv(service: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    let csv = service.statistics_csv().await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"statistics.csv\""))
        .body(csv))
}

/// The same figures as a page people can read, in French or English (`?lang=`, else `Accept-Language`): charts
/// drawn on the server (inline SVG) with the numbers in tables, links to the CSV and JSON. No script, no
/// third-party request; only its own inline stylesheet, allowed by its hash.
#[utoipa::path(
    tag = "everyone",
    params(StatsPageQuery),
    responses(
        (status = 200, description = "HTML page", content_type = "text/html", body = String),
        (status = 400, description = "Unknown language", body = ErrorBody),
        StoreErrors,
    )
)]
#[get("/stats")]
pub async fn statistics_page(
    service: web::Data<Service>,
    query: web::Query<StatsPageQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let accept_language = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let html = service.statistics_page(query.lang, accept_language).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, crate::stats_page::CONTENT_SECURITY_POLICY.as_str()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::VARY, "Accept-Language"))
        .body(html))
}

/// The yearly trusted-flagger report (EU DSA Article 22(3)) as CSV: notices sent in the year by hosting
/// provider, type of illegal content and action taken, with the same small-count suppression (`<5`).
#[utoipa::path(
    tag = "admin",
    params(ReportQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        (status = 400, description = "Malformed year", body = ErrorBody),
        AdminErrors,
    )
)]
#[get("/v1/admin/reports/trusted-flagger")]
pub async fn trusted_flagger_report(
    _admin: AdminCaller,
    service: web::Data<Service>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let csv = service.trusted_flagger_report(query.year).await?;
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(csv))
}
