//! What the API does, one method per route, on top of the store. Handlers extract, call one of these, and map
//! the result; everything testable without HTTP lives here.
//!
//! # Layout
//! - [`cases`]: victims' cases (create, upload, status, withdraw).
//! - [`feed`]: the delta feed and the snapshot.
//! - [`feedback`]: platforms' feedback.
//! - [`matching`]: the match API over the in-memory index.
//! - [`stopncii`]: the StopNCII-compatible FetchHashes / SubmitFeedback.
//! - [`admin`]: API keys and lists.
//! - [`upload`]: reading multipart media into zeroed-on-drop memory and hashing it.

pub mod admin;
pub mod cases;
pub mod feed;
pub mod feedback;
pub mod matching;
pub mod stopncii;
pub mod upload;

use crate::auth::{KeyCache, SecretHasher};
use crate::entry_ref::EntryRefs;
use crate::match_index::SharedIndex;
use crate::rate_limit::{RateLimitSettings, RateLimits};
use crate::settings::ServerKey;
use crate::store::Store;

/// The API's shared state: built once at startup, shared by every worker as `web::Data<Service>`.
#[derive(Debug)]
pub struct Service {
    /// The store.
    pub store: Store,
    /// Hashes and checks API keys and case secrets.
    pub secrets: SecretHasher,
    /// Recently used API keys' stored records.
    pub keys: KeyCache,
    /// Opaque entry references shown to platforms.
    pub refs: EntryRefs,
    /// Anonymous-route rate limits.
    pub limits: RateLimits,
    /// The in-memory match index, kept current by the sync task.
    pub index: SharedIndex,
}

impl Service {
    /// The service over `store`, with secrets keyed by `server_key`.
    pub fn new(
        store: Store,
        index: SharedIndex,
        server_key: ServerKey,
        limits: RateLimitSettings,
    ) -> Result<Self, crate::error::ApiError> {
        Ok(Self {
            store,
            refs: EntryRefs::new(&server_key),
            secrets: SecretHasher::new(server_key),
            keys: KeyCache::default(),
            limits: RateLimits::new(limits)?,
            index,
        })
    }
}

/// Now, unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
