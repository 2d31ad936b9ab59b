//! Platforms: the delta feed and the snapshot.

use actix_web::{HttpResponse, get, web};
use disrupt_openapi::ErrorBody;
use disrupt_openapi::feed::{FeedPage, FeedQuery, Snapshot, SnapshotQuery};

use super::responses::ListErrors;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::service::Service;

/// One page of the delta feed: additions, changes and tombstones after `cursor`, oldest first. The feed holds each
/// entry once, in its latest state (a change replaces the entry's earlier record), so replaying it from any cursor
/// ends with every entry's current state; no record is repeated while writes happen during paging. A page stops at
/// `limit` records or before the record that would take it past the server's byte budget (`page_bytes`, default
/// 4 MiB), whichever comes first, and always carries at least one record. New entries
/// arrive in publication batches that mix several cases, shuffled, with one time. A cursor older than the
/// tombstone retention answers 410 `cursor_expired`, one past the feed's end 400 `cursor_beyond_end`: resync
/// from the snapshot.
#[utoipa::path(
    tag = "platforms",
    params(FeedQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = FeedPage),
        (status = 400, description = "Malformed cursor or limit (`invalid_cursor`, `invalid_request`), or a cursor beyond the feed's end (`cursor_beyond_end`)", body = ErrorBody),
        (status = 410, description = "Cursor older than the retention: resync from the snapshot", body = ErrorBody),
        ListErrors,
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

/// The full current list (active entries only, as the feed has published them, ordered by hash value) with the
/// cursor to follow the feed from. Streamed from Redis a page at a time (at most 1,000 entries and about the byte
/// budget `page_bytes`), so the server holds one page, never the list; a failure mid-way cuts the body short
/// (invalid JSON): retry.
#[utoipa::path(
    tag = "platforms",
    params(SnapshotQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The snapshot", body = Snapshot),
        (status = 400, description = "Malformed list name or unknown query field", body = ErrorBody),
        ListErrors,
    )
)]
#[get("/v1/hashes/snapshot")]
pub async fn get_snapshot(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    query: web::Query<SnapshotQuery>,
) -> Result<HttpResponse, ApiError> {
    let body = service.into_inner().snapshot(caller, query.into_inner().list).await?;
    Ok(HttpResponse::Ok().content_type("application/json").streaming(body))
}
