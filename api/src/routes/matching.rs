//! Platforms: the match API.

use actix_multipart::Multipart;
use actix_web::HttpMessage;
use actix_web::dev::Decompress;
use actix_web::error::JsonPayloadError;
use actix_web::http::header;
use actix_web::mime;
use actix_web::{HttpRequest, post, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::matching::{MatchRequest, MatchResponse, UploadMatchResponse};
use futures_util::StreamExt;

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
/// and the request time limit (`time_limits.request_secs`, 30 s), which holds for the search itself. The body may
/// be compressed (`Content-Encoding: gzip`, `br` or `zstd`: a photo's candidate set shrinks about threefold); its
/// 32 MiB limit counts it inflated.
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
    let body = read_match_request(&req, payload).await?;
    Ok(web::Json(service.match_hashes(&caller, body, deadline).await?))
}

/// The body of `POST /v1/match`, read here rather than by the `Json` extractor: candidate sets need a larger
/// body than the other routes, and parsing up to 32 MiB of JSON is CPU work that would stall every other request
/// waiting on the same async worker, so it runs on the blocking pool. The body is inflated as it arrives
/// (`Content-Encoding: gzip`, `br` or `zstd`: actix's decoder, which inflates large chunks off the worker) and cut
/// at the limit counted after inflation, so a small compressed bomb ends at 32 MiB. The content type is required,
/// as the extractor requires it on every other JSON route, and every failure maps as theirs do.
async fn read_match_request(req: &HttpRequest, payload: web::Payload) -> Result<MatchRequest, ApiError> {
    let fail = |err: JsonPayloadError| super::registry::json_error(&err, MAX_MATCH_JSON_BYTES);
    let json =
        req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !json {
        return Err(fail(JsonPayloadError::ContentType));
    }
    let length = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if let Some(length) = length.filter(|&length| length > MAX_MATCH_JSON_BYTES) {
        return Err(fail(JsonPayloadError::OverflowKnownLength { length, limit: MAX_MATCH_JSON_BYTES }));
    }
    let mut body = web::BytesMut::new();
    let mut stream = Decompress::from_headers(payload.into_inner(), req.headers());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| fail(JsonPayloadError::Payload(e)))?;
        if body.len() + chunk.len() > MAX_MATCH_JSON_BYTES {
            return Err(fail(JsonPayloadError::Overflow { limit: MAX_MATCH_JSON_BYTES }));
        }
        body.extend_from_slice(&chunk);
    }
    web::block(move || serde_json::from_slice::<MatchRequest>(&body))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| fail(JsonPayloadError::Deserialize(e)))
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
