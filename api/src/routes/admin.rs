//! Admins: API keys and lists; and every key's own description (`GET /v1/me`).

use actix_web::{HttpResponse, delete, get, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::admin::{
    ApiKeyInfo, ApiKeyList, CreateApiKeyRequest, CreateListRequest, CreatedApiKey, CurrentKey, ListNames,
};

use super::responses::{AdminErrors, KeyErrors};
use crate::auth::{AdminCaller, Authenticated};
use crate::error::ApiError;
use crate::service::Service;

/// Create an API key. The full key is in this answer only; the server keeps a keyed hash of it.
#[utoipa::path(
    tag = "admin",
    request_body = CreateApiKeyRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created", body = CreatedApiKey),
        (status = 400, description = "Malformed request or unknown list", body = ErrorBody),
        AdminErrors,
    )
)]
#[post("/v1/admin/keys")]
pub async fn create_api_key(
    AdminCaller(admin): AdminCaller,
    service: web::Data<Service>,
    body: web::Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = service.create_api_key(&admin, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Every API key (never the secrets).
#[utoipa::path(
    tag = "admin",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The keys", body = ApiKeyList),
        AdminErrors,
    )
)]
#[get("/v1/admin/keys")]
pub async fn list_api_keys(
    _admin: AdminCaller,
    service: web::Data<Service>,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    Ok(web::Json(service.list_api_keys().await?))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "Key id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Revoked", body = ApiKeyInfo),
        (status = 404, description = "No such key", body = ErrorBody),
        AdminErrors,
    )
)]
#[delete("/v1/admin/keys/{id}")]
pub async fn revoke_api_key(
    AdminCaller(admin): AdminCaller,
    service: web::Data<Service>,
    id: web::Path<String>,
) -> Result<web::Json<ApiKeyInfo>, ApiError> {
    Ok(web::Json(service.revoke_api_key(&admin, &id).await?))
}

/// Create a list.
#[utoipa::path(
    tag = "admin",
    request_body = CreateListRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created; every list", body = ListNames),
        (status = 400, description = "Malformed name", body = ErrorBody),
        (status = 409, description = "The list exists", body = ErrorBody),
        AdminErrors,
    )
)]
#[post("/v1/admin/lists")]
pub async fn create_list(
    AdminCaller(admin): AdminCaller,
    service: web::Data<Service>,
    body: web::Json<CreateListRequest>,
) -> Result<HttpResponse, ApiError> {
    let lists = service.create_list(&admin, &body.name).await?;
    Ok(HttpResponse::Created().json(lists))
}

/// Every list.
#[utoipa::path(
    tag = "admin",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The lists", body = ListNames),
        AdminErrors,
    )
)]
#[get("/v1/admin/lists")]
pub async fn list_lists(_admin: AdminCaller, service: web::Data<Service>) -> Result<web::Json<ListNames>, ApiError> {
    Ok(web::Json(service.list_lists().await?))
}

/// The key making the request: its id, name, role, lists (every list for an admin), hosts and whether it may
/// open victims' contacts. Never the secret. The analysts' console asks it at sign-in.
#[utoipa::path(
    tag = "everyone",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The key", body = CurrentKey),
        KeyErrors,
    )
)]
#[get("/v1/me")]
pub async fn current_key(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
) -> Result<web::Json<CurrentKey>, ApiError> {
    Ok(web::Json(service.current_key(&caller).await?))
}
