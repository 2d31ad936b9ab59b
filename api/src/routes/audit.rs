//! Admins: reading, exporting and verifying the audit log.

use actix_web::{HttpResponse, get, web};
use disrupt_openapi::audit::{AuditPage, AuditQuery, AuditVerification};

use super::responses::{AdminErrors, BadQuery};
use crate::auth::AdminCaller;
use crate::error::ApiError;
use crate::service::Service;

/// A page of the audit log, oldest first, with the head recorded beside it.
#[utoipa::path(
    tag = "admin",
    params(AuditQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Records", body = AuditPage),
        AdminErrors,
        BadQuery,
    )
)]
#[get("/v1/admin/audit")]
pub async fn read_audit(
    _admin: AdminCaller,
    service: web::Data<Service>,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    Ok(web::Json(service.read_audit(query.into_inner()).await?))
}

/// The whole audit log as JSON lines (`application/x-ndjson`), one record per line exactly as stored; verify a
/// copy offline with `disrupt-api verify-audit --file`. The export itself is audited.
#[utoipa::path(
    tag = "admin",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "JSON lines", content_type = "application/x-ndjson", body = String),
        AdminErrors,
    )
)]
#[get("/v1/admin/audit/export")]
pub async fn export_audit(
    AdminCaller(admin): AdminCaller,
    service: web::Data<Service>,
) -> Result<HttpResponse, ApiError> {
    let lines = service.export_audit(&admin).await?;
    Ok(HttpResponse::Ok().content_type("application/x-ndjson").body(lines))
}

/// Verifies the whole chain: every record's hash and link to the one before, and that the log ends at the
/// recorded head. `ok: false` names the first record that does not verify.
#[utoipa::path(
    tag = "admin",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The verdict", body = AuditVerification),
        AdminErrors,
    )
)]
#[get("/v1/admin/audit/verify")]
pub async fn verify_audit(
    _admin: AdminCaller,
    service: web::Data<Service>,
) -> Result<web::Json<AuditVerification>, ApiError> {
    Ok(web::Json(service.verify_audit().await?))
}
