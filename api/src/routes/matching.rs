//! Platforms: the match API.

use actix_multipart::Multipart;
use actix_web::{post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::matching::{MatchRequest, MatchResponse, UploadMatchResponse};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::service::Service;
use crate::time_limit::Deadline;

/// Match a batch of up to 1000 hashes of any kind. Per hash: the live entries it matches, with distance, the
/// dihedral variant that matched, the entry's state and list. Bounds: at most 16 list names (repeats searched
/// once), at most 8,000 searches a request (hashes x lists, a video's reliable distinct frames counting one each),
/// and the request time limit (`time_limits.request_secs`, 30 s), which holds for the search itself.
#[utoipa::path(
    tag = "platforms",
    request_body = MatchRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Results, one per query hash", body = MatchResponse),
        (status = 400, description = "Malformed request or hash, or an empty `lists`", body = ErrorBody),
        (status = 401, description = "Missing or invalid key", body = ErrorBody),
        (status = 403, description = "The key is not scoped to a named list", body = ErrorBody),
        (status = 404, description = "A named list does not exist (`not_found`)", body = ErrorBody),
        (status = 408, description = "The search took longer than the request time limit (`request_timeout`)", body = ErrorBody),
        (status = 413, description = "More than 1000 hashes, more than 16 list names, or more than 8,000 searches", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
#[post("/v1/match")]
pub async fn match_hashes(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    deadline: Deadline,
    body: web::Json<MatchRequest>,
) -> Result<web::Json<MatchResponse>, ApiError> {
    Ok(web::Json(service.match_hashes(&caller, body.into_inner(), deadline).await?))
}

/// Match uploaded files (multipart: one or more `file` parts) for a platform without its own hasher. The files
/// are hashed in memory and destroyed, as victims' uploads are; the answer gives the hashes and their matches.
/// The key's lists are searched; the same bound of 8,000 searches applies (an image's PDQ counts its 8 dihedral
/// variants), and the upload time limit (`time_limits.upload_secs`) holds for hashing and search.
#[utoipa::path(
    tag = "platforms",
    request_body(content_type = "multipart/form-data", description = "One or more `file` parts"),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The hashes computed and their matches", body = UploadMatchResponse),
        (status = 400, description = "Malformed body or undecodable media", body = ErrorBody),
        (status = 401, description = "Missing or invalid key", body = ErrorBody),
        (status = 408, description = "Upload, hashing or search took longer than the upload time limit", body = ErrorBody),
        (status = 413, description = "Too many or too large files, or more than 8,000 searches", body = ErrorBody),
        (status = 503, description = "Store unavailable, or every upload slot busy (`server_busy`, with Retry-After)", body = ErrorBody),
    )
)]
#[post("/v1/match/upload")]
pub async fn match_upload(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    deadline: Deadline,
    payload: Multipart,
) -> Result<web::Json<UploadMatchResponse>, ApiError> {
    Ok(web::Json(service.match_upload(&caller, payload, deadline).await?))
}
