//! Platforms: the match API.

use actix_multipart::Multipart;
use actix_web::dev::JsonBody;
use actix_web::{HttpRequest, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::matching::{MatchRequest, MatchResponse, UploadMatchResponse};

use super::responses::{KeyErrors, KeyUploadErrors};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::service::Service;
use crate::time_limit::Deadline;

/// Largest body of `POST /v1/match`: a photo's candidate set is a few megabytes of JSON.
pub const MAX_MATCH_JSON_BYTES: usize = 32 * 1024 * 1024;

/// Match a batch of up to 1000 hashes of any kind and up to 20 query images' candidate sets (`images`, computed
/// with `disrupt hash --candidates`). Per hash, then per image: the live entries it matches, with distance, the
/// dihedral variant that matched, the entry's state and list, and for an image one match per listed image with
/// the view and the query region that matched. Bounds: at most 16 list names (repeats searched
/// once), at most 8,000 searches a request (hashes x lists, a video's reliable distinct frames counting one each),
/// and the request time limit (`time_limits.request_secs`, 30 s), which holds for the search itself.
#[utoipa::path(
    tag = "platforms",
    request_body = MatchRequest,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Results, one per query hash", body = MatchResponse),
        (status = 400, description = "Malformed request or hash, or an empty `lists`", body = ErrorBody),
        (status = 403, description = "The key is not scoped to a named list", body = ErrorBody),
        (status = 404, description = "A named list does not exist (`not_found`)", body = ErrorBody),
        (status = 408, description = "The search took longer than the request time limit (`request_timeout`)", body = ErrorBody),
        (status = 413, description = "More than 1000 hashes or 20 images, more than 16 list names, more than 8,000 searches, or a body over 32 MiB", body = ErrorBody),
        KeyErrors,
    )
)]
#[post("/v1/match")]
pub async fn match_hashes(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    deadline: Deadline,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<MatchResponse>, ApiError> {
    // Read here rather than by the `Json` extractor: candidate sets need a larger body than the other routes.
    // Content type required, as the extractor requires it on every other JSON route.
    let body = JsonBody::<MatchRequest>::new(&req, &mut payload.into_inner(), None, true)
        .limit(MAX_MATCH_JSON_BYTES)
        .await
        .map_err(|err| super::registry::json_error(&err, MAX_MATCH_JSON_BYTES))?;
    Ok(web::Json(service.match_hashes(&caller, body, deadline).await?))
}

/// Match uploaded files (multipart: one or more `file` parts) for a platform without its own hasher. The files
/// are hashed in memory and destroyed, as victims' uploads are; the answer gives the hashes and their matches.
/// The key's lists are searched; the same bound of 8,000 searches applies (an image's PDQ counts its 8 dihedral
/// variants), and the upload time limit (`time_limits.upload_secs`) holds for hashing and search.
#[utoipa::path(
    tag = "platforms",
    request_body(
        content = disrupt_openapi::matching::MatchUploadForm,
        content_type = "multipart/form-data",
        description = "One or more `file` parts"
    ),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The hashes computed and their matches", body = UploadMatchResponse),
        (status = 408, description = "Upload, hashing or search took longer than the upload time limit", body = ErrorBody),
        (status = 413, description = "Too many or too large files, or more than 8,000 searches", body = ErrorBody),
        KeyUploadErrors,
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
