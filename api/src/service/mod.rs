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
//! - [`review`]: analysts' queue and decisions, the benign-image heuristic.
//! - [`notices`]: URL reports, takedown notices, their reminders and outcomes recorded by analysts.
//! - [`forwards`]: forwards of cases to the authorities, recorded by analysts and exported.
//! - [`hosts`]: the hosts directory (where each host's notices go).
//! - [`mail`]: the e-mail sender's rounds over the outbox, and what each attempt leaves on its notice.
//! - [`audit`]: writing, reading, exporting and verifying the audit log.
//! - [`stats`]: public statistics and the trusted-flagger report.

pub mod admin;
pub mod audit;
pub mod cases;
pub mod feed;
pub mod feedback;
pub mod forwards;
pub mod hosts;
pub mod mail;
pub mod matching;
pub mod notices;
pub mod review;
pub mod stats;
pub mod stopncii;
pub mod upload;

use std::sync::Arc;
use std::time::Instant;

use disrupt_hotline::flood::FloodSettings;
use disrupt_hotline::notices::NoticeTemplates;
use parking_lot::Mutex;

use crate::auth::{Authenticator, KeyCache, SecretHasher};
use crate::entry_ref::EntryRefs;
use crate::match_index::SharedIndex;
use crate::rate_limit::RateLimits;
use crate::settings::{CaseLimits, HotlineSettings, ServerKey, Settings};
use crate::store::Store;

/// The API's shared state: built once at startup, shared by every worker as `web::Data<Service>`.
#[derive(Debug)]
pub struct Service {
    /// The store.
    pub store: Store,
    /// Hashes and checks API keys and case secrets.
    pub secrets: Arc<SecretHasher>,
    /// Recently used API keys' stored records (shared with the [`Authenticator`], which fills it).
    pub keys: Arc<KeyCache>,
    /// Opaque entry references shown to platforms.
    pub refs: EntryRefs,
    /// Anonymous-route rate limits, in Redis so that every process draws from one budget (shared with the quota
    /// extractors).
    pub limits: Arc<RateLimits>,
    /// The in-memory match index, kept current by the sync task.
    pub index: SharedIndex,
    /// The hotline's settings.
    pub hotline: HotlineSettings,
    /// Seals victims' contacts at rest.
    pub contacts: crate::contact::ContactSealer,
    /// Signs victims' receipts.
    pub receipts: crate::receipt::ReceiptSigner,
    /// Notice templates, compiled once.
    pub templates: NoticeTemplates,
    /// Flood detection's thresholds.
    pub flood: FloodSettings,
    /// How many video frames one case may carry.
    pub case_limits: CaseLimits,
    /// When waiting entries are published to the feed.
    pub publication: crate::settings::PublicationPolicy,
    /// One permit per media upload being read or hashed: bounds the memory and CPU uploads can take. A permit
    /// moves to the blocking thread that hashes, so it is free again only when that thread is done.
    upload_slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// How long an upload may take ([`crate::settings::TimeLimits::upload_secs`]); its hashing ends by then too.
    upload_time: std::time::Duration,
    /// `disrupt_entries_held_total{reason}`: entries flood detection created quarantined.
    held: prometheus::IntCounterVec,
    /// Set once the notice indexes are known to hold every older notice (`notices::index_older_notices`).
    notices_indexed: std::sync::atomic::AtomicBool,
    /// The last statistics computed, and when.
    stats_cache: Mutex<Option<(Instant, disrupt_openapi::stats::Statistics)>>,
}

impl Service {
    /// The service over `store`, with secrets keyed by `server_key`, configured by `settings`; flood detection
    /// counts what it holds in `metrics`.
    pub fn new(
        store: Store,
        index: SharedIndex,
        server_key: ServerKey,
        settings: &Settings,
        metrics: &prometheus::Registry,
    ) -> Result<Self, crate::error::ApiError> {
        let hotline = settings.hotline.clone();
        let templates = match &hotline.templates_dir {
            Some(dir) => NoticeTemplates::from_dir(dir)?,
            None => NoticeTemplates::builtin()?,
        };
        let limits = Arc::new(RateLimits::new(
            settings.rate_limits,
            settings.flood.client_cases_per_hour,
            store.clone(),
            &server_key,
        ));
        Ok(Self {
            contacts: crate::contact::ContactSealer::new(&server_key)?,
            receipts: crate::receipt::ReceiptSigner::new(&server_key)?,
            hotline,
            templates,
            stats_cache: Mutex::new(None),
            notices_indexed: std::sync::atomic::AtomicBool::new(false),
            store,
            refs: EntryRefs::new(&server_key),
            secrets: Arc::new(SecretHasher::new(server_key)),
            keys: Arc::default(),
            limits,
            flood: settings.flood,
            case_limits: settings.case_limits,
            publication: settings.publication.policy(),
            upload_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(settings.upload_slots())),
            upload_time: crate::time_limit::limit_for(&settings.time_limits, crate::time_limit::UPLOAD_PATHS[0]),
            held: held_counter(metrics)?,
            index,
        })
    }

    /// The narrow state the API-key extractors take: the store's key records, this service's key cache (so a
    /// revocation here is seen there at once) and secret hasher.
    pub fn authenticator(&self) -> Authenticator {
        Authenticator::new(self.store.clone(), self.secrets.clone(), self.keys.clone())
    }
}

fn held_counter(registry: &prometheus::Registry) -> Result<prometheus::IntCounterVec, crate::error::ApiError> {
    let opts = prometheus::Opts::new("entries_held_total", "Entries flood detection created quarantined, by reason")
        .namespace("disrupt");
    let counter = prometheus::IntCounterVec::new(opts, &["reason"]).map_err(crate::error::ApiError::internal)?;
    registry.register(Box::new(counter.clone())).map_err(crate::error::ApiError::internal)?;
    Ok(counter)
}
