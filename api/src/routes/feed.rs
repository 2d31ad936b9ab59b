//! Platforms: the delta feed and the snapshot.

use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use disrupt_openapi::ErrorBody;
use disrupt_openapi::feed::{FeedPage, FeedQuery, Snapshot, SnapshotQuery};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::service::Service;

/// Records per chunk of the streamed snapshot body.
const SNAPSHOT_CHUNK: usize = 1000;

/// One page of the delta feed: additions, changes and tombstones after `cursor`, oldest first. No record is
/// skipped or repeated while writes happen during paging. A cursor older than the tombstone retention answers
/// 410 `cursor_expired`: resync from the snapshot.
#[utoipa::path(
    tag = "platforms",
    params(FeedQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = FeedPage),
        (status = 400, description = "Malformed cursor or limit", body = ErrorBody),
        (status = 401, description = "Missing or invalid key", body = ErrorBody),
        (status = 403, description = "The key is not scoped to this list", body = ErrorBody),
        (status = 410, description = "Cursor older than the retention: resync from the snapshot", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
#[get("/v1/hashes")]
pub async fn get_hashes(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    query: web::Query<FeedQuery>,
) -> Result<web::Json<FeedPage>, ApiError> {
    Ok(web::Json(service.get_hashes(&caller, query.into_inner()).await?))
}

/// The full current list (active entries only) with the cursor to follow the feed from. Streamed.
#[utoipa::path(
    tag = "platforms",
    params(SnapshotQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The snapshot", body = Snapshot),
        (status = 401, description = "Missing or invalid key", body = ErrorBody),
        (status = 403, description = "The key is not scoped to this list", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
#[get("/v1/hashes/snapshot")]
pub async fn get_snapshot(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    query: web::Query<SnapshotQuery>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = service.get_snapshot(&caller, query.list.as_deref()).await?;
    Ok(HttpResponse::Ok().content_type("application/json").streaming(snapshot_body(snapshot)?))
}

/// Serialises the snapshot chunk by chunk, so a large list is never one contiguous JSON buffer.
fn snapshot_body(snapshot: Snapshot) -> Result<impl futures_util::Stream<Item = Result<Bytes, ApiError>>, ApiError> {
    let head = format!(
        "{{\"next_cursor\":{},\"records\":[",
        serde_json::to_string(&snapshot.next_cursor).map_err(ApiError::internal)?
    );
    let mut records = snapshot.records;
    let mut chunks = Vec::new();
    while !records.is_empty() {
        let rest = records.split_off(records.len().min(SNAPSHOT_CHUNK));
        chunks.push(std::mem::replace(&mut records, rest));
    }
    let first = Bytes::from(head);
    let body = chunks.into_iter().enumerate().map(|(i, chunk)| {
        let mut out = Vec::new();
        for (j, record) in chunk.iter().enumerate() {
            if i > 0 || j > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, record).map_err(ApiError::internal)?;
        }
        Ok(Bytes::from(out))
    });
    Ok(futures_util::stream::iter(
        std::iter::once(Ok(first)).chain(body).chain(std::iter::once(Ok(Bytes::from_static(b"]}")))),
    ))
}
