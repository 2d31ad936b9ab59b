//! The hosts directory: where each host's notices go (an abuse address for e-mail, or a platform key reading them
//! through the API), and in which language.

use actix_web::{HttpResponse, delete, get, put, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::notices::{HostContact, HostContactList, HostContactRequest};

use super::responses::{AdminErrors, AnalystErrors};
use crate::auth::{AdminCaller, AnalystCaller};
use crate::error::ApiError;
use crate::service::Service;

/// Every host of the directory, by name (analysts and admins).
#[utoipa::path(
    tag = "analysts",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The directory", body = HostContactList),
        AnalystErrors,
    )
)]
#[get("/v1/hosts")]
pub async fn list_hosts(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
) -> Result<web::Json<HostContactList>, ApiError> {
    Ok(web::Json(service.list_hosts(&caller).await?))
}

/// One host's entry (its own, not a parent domain's).
#[utoipa::path(
    tag = "analysts",
    params(("host" = String, Path, description = "The host, lower case, punycode, without `www.`")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Its contact", body = HostContact),
        (status = 400, description = "Not a host name as notices name hosts", body = ErrorBody),
        (status = 404, description = "Not in the directory", body = ErrorBody),
        AnalystErrors,
    )
)]
#[get("/v1/hosts/{host}")]
pub async fn get_host(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    host: web::Path<String>,
) -> Result<web::Json<HostContact>, ApiError> {
    Ok(web::Json(service.get_host(&caller, &host).await?))
}

/// Set or correct a host's contact (analysts and admins; audited). A host with an abuse address that is not
/// API-integrated gets its notices by e-mail; its subdomains too, unless they have their own entry.
#[utoipa::path(
    tag = "analysts",
    params(("host" = String, Path, description = "The host, lower case, punycode, without `www.`")),
    request_body = HostContactRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Set", body = HostContact),
        (status = 400, description = "Not a host name, or not a usable e-mail address", body = ErrorBody),
        AnalystErrors,
    )
)]
#[put("/v1/hosts/{host}")]
pub async fn set_host(
    AnalystCaller(caller): AnalystCaller,
    service: web::Data<Service>,
    host: web::Path<String>,
    body: web::Json<HostContactRequest>,
) -> Result<web::Json<HostContact>, ApiError> {
    Ok(web::Json(service.set_host(&caller, &host, body.into_inner()).await?))
}

/// Remove a host from the directory (admins; audited): its next notices go through the API.
#[utoipa::path(
    tag = "admin",
    params(("host" = String, Path, description = "The host")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Not a host name as notices name hosts", body = ErrorBody),
        (status = 404, description = "Not in the directory", body = ErrorBody),
        AdminErrors,
    )
)]
#[delete("/v1/hosts/{host}")]
pub async fn delete_host(
    AdminCaller(caller): AdminCaller,
    service: web::Data<Service>,
    host: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service.delete_host(&caller, &host).await?;
    Ok(HttpResponse::NoContent().finish())
}
