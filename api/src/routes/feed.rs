//! Platforms: the delta feed and the snapshot.

use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use disrupt_openapi::ErrorBody;
use disrupt_openapi::feed::{FeedPage, FeedQuery, Snapshot, SnapshotQuery};

use crate::auth::{Authenticated, Caller};
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
        (status = 401, description = "Missing or invalid key", body = ErrorBody),
        (status = 403, description = "The key is not scoped to this list", body = ErrorBody),
        (status = 404, description = "No such list", body = ErrorBody),
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
        (status = 401, description = "Missing or invalid key", body = ErrorBody),
        (status = 403, description = "The key is not scoped to this list", body = ErrorBody),
        (status = 404, description = "No such list", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
#[get("/v1/hashes/snapshot")]
pub async fn get_snapshot(
    Authenticated(caller): Authenticated,
    service: web::Data<Service>,
    query: web::Query<SnapshotQuery>,
) -> Result<HttpResponse, ApiError> {
    let (list, cursor) = service.begin_snapshot(&caller, query.list.as_deref()).await?;
    let head =
        format!("{{\"next_cursor\":{},\"records\":[", serde_json::to_string(&cursor).map_err(ApiError::internal)?);
    let body = snapshot_body(service, Served { caller, list, cursor }, head);
    Ok(HttpResponse::Ok().content_type("application/json").streaming(body))
}

/// Whose snapshot of which list, up to which cursor.
struct Served {
    caller: Caller,
    list: String,
    cursor: String,
}

/// Where the streamed snapshot body is.
enum Step {
    Head(String),
    Page { scan: u64, first: bool },
    Delivered,
}

/// The body: the head, then one chunk per page of the live set (HSCAN may repeat an entry: a set of the ids
/// already sent, 8 bytes each, drops repeats), then the closing brackets. The stream is asked for more only once
/// the connection has taken the last chunk into its write buffer, so the delivery is recorded then
/// ([`Service::finish_snapshot`]); a download that breaks off drops the stream before. Should the recording
/// fail, the body ends without its final chunk, and the platform retries as after any cut.
fn snapshot_body(
    service: web::Data<Service>,
    snapshot: Served,
    head: String,
) -> impl futures_util::Stream<Item = Result<Bytes, ApiError>> {
    let seen = std::collections::HashSet::<u64>::new();
    let snapshot = std::sync::Arc::new(snapshot);
    futures_util::stream::try_unfold((Step::Head(head), seen), move |(step, mut seen)| {
        let service = service.clone();
        let snapshot = snapshot.clone();
        async move {
            match step {
                Step::Head(head) => Ok(Some((Bytes::from(head), (Step::Page { scan: 0, first: true }, seen)))),
                Step::Page { scan, mut first } => {
                    let (next, records) = service.snapshot_records(&snapshot.list, scan).await?;
                    let mut out = Vec::new();
                    // Entry references are 16 hex digits; the set keeps them as numbers.
                    for record in
                        records.iter().filter(|r| u64::from_str_radix(&r.entry, 16).map_or(true, |id| seen.insert(id)))
                    {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        serde_json::to_writer(&mut out, record).map_err(ApiError::internal)?;
                    }
                    if next == 0 {
                        out.extend_from_slice(b"]}");
                        Ok(Some((Bytes::from(out), (Step::Delivered, seen))))
                    } else {
                        Ok(Some((Bytes::from(out), (Step::Page { scan: next, first }, seen))))
                    }
                }
                Step::Delivered => {
                    service.finish_snapshot(&snapshot.caller, &snapshot.list, &snapshot.cursor).await?;
                    Ok(None)
                }
            }
        }
    })
}
