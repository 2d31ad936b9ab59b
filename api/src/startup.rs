//! Building and running the server: settings -> Redis (external or embedded) -> store -> index sync -> routes.
//! Shared state is built once here, outside `HttpServer::new`, and handed to every worker as `web::Data`.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpResponse, HttpServer, dev::Server, middleware, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use anyhow::Context;
use disrupt_hotline::time::now_ms;
use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    admin_cli,
    mailer::Mailer,
    match_index::{MatchIndex, SharedIndex},
    redis_server::EmbeddedRedis,
    routes,
    service::{Service, mail::Unrecorded},
    settings::{ServerKey, Settings},
    store::Store,
    sync::{IndexSync, MAX_READY_LAG, SyncStatus},
    time_limit,
};

/// How often old feed records are trimmed.
const TRIM_EVERY: Duration = Duration::from_secs(3600);
/// How often every list's audit outbox is drained into the chain (actions drain their own at once; this catches
/// what a failure or a crash left behind).
const DRAIN_AUDIT_EVERY: Duration = Duration::from_secs(1);
/// How often each list's outbox is checked for a publication batch past its wait limit.
const PUBLISH_EVERY: Duration = Duration::from_secs(5);
/// How long to keep trying an external Redis at start.
const CONNECT_PATIENCE: Duration = Duration::from_secs(30);

/// What every handler can reach (registered as `web::Data<AppState>`).
#[derive(Clone, Debug)]
pub struct AppState {
    /// The Redis store.
    pub store: Store,
    /// The match index, kept current by the sync task: `state.index.read().search_pdq(..)`.
    pub index: SharedIndex,
    /// Sync progress, for `/readyz`.
    pub sync: Arc<SyncStatus>,
    /// HMAC key for case secrets and API keys.
    pub server_key: ServerKey,
    /// The settings the server was built with.
    pub settings: Arc<Settings>,
}

/// A bound, ready-to-run server with its background work (embedded Redis, index sync, feed trimming and
/// publication).
#[allow(missing_debug_implementations)] // actix's `Server` has no Debug.
pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<(u16, Server)>,
    state: AppState,
    sync: IndexSync,
    trimmer: JoinHandle<()>,
    auditor: JoinHandle<()>,
    publisher: JoinHandle<()>,
    reminders: JoinHandle<()>,
    mail_sender: Option<JoinHandle<()>>,
    embedded_redis: Option<EmbeddedRedis>,
}

impl Application {
    /// Starts (or connects to) Redis, starts the index sync, binds `settings.address` (port 0 picks a free port)
    /// and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let server_key = settings.server_key().context("loading the server key")?;
        let (url, embedded_redis) = match &settings.redis_url {
            Some(url) => (url.clone(), None),
            None => {
                let embedded = EmbeddedRedis::start(&settings.redis_server, &settings.data_dir)
                    .await
                    .context("starting the embedded redis-server")?;
                (SecretString::from(embedded.url()), Some(embedded))
            }
        };
        let store = connect_with_patience(&settings, url).await?;
        let index = MatchIndex::shared();
        let sync = IndexSync::start(store.clone(), index.clone());
        let trimmer = tokio::spawn(trim_periodically(store.clone()));
        let auditor = tokio::spawn(drain_audit_periodically(store.clone()));
        if let Some(key) = &settings.bootstrap_admin_key {
            admin_cli::ensure_bootstrap_admin_key(&store, &server_key, key.expose_secret())
                .await
                .context("creating the bootstrap admin key")?;
        }
        let registry = prometheus::Registry::new();
        let service = web::Data::new(
            Service::new(store.clone(), index.clone(), server_key.clone(), &settings, &registry)
                .context("building the service")?,
        );
        let publisher = tokio::spawn(publish_periodically(service.clone().into_inner()));
        let reminders = tokio::spawn(remind_periodically(
            service.clone().into_inner(),
            Duration::from_secs(settings.hotline.reminder_check_secs.max(1)),
        ));
        let mailer = Mailer::new(&settings.hotline.smtp, &settings.hotline.notifier).context("hotline.smtp")?;
        let mail_sender = mailer.map(|mailer| {
            let every = Duration::from_millis(settings.hotline.smtp.poll_ms.max(1));
            tokio::spawn(send_mail_periodically(service.clone().into_inner(), mailer, every))
        });
        let state = AppState { store, index, sync: sync.status(), server_key, settings: Arc::new(settings) };

        let listener = TcpListener::bind(&state.settings.address)
            .with_context(|| format!("binding {}", state.settings.address))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let metrics = prometheus_metrics(registry.clone())?;
        let metrics_server = serve_metrics(&state.settings.metrics_address, registry)?;
        let web_dir = state.settings.web_dir.clone();
        let time_limits = state.settings.time_limits;
        // The extractors' own narrow state, so that they need not know the whole `Service`.
        let authenticator = web::Data::new(service.authenticator());
        let limits = web::Data::from(service.limits.clone());
        let server = HttpServer::new(move || {
            let (app, api) = App::new()
                .wrap(middleware::from_fn(time_limit::enforce))
                .wrap(middleware::Compress::default())
                .wrap(metrics.clone())
                .app_data(web::Data::new(time_limits))
                .app_data(data.clone())
                .app_data(service.clone())
                .app_data(authenticator.clone())
                .app_data(limits.clone())
                .route("/readyz", web::get().to(readyz))
                .into_utoipa_app()
                .openapi(routes::ApiDoc::openapi())
                .configure(routes::configure)
                .split_for_parts();
            // The page last: it answers every path no route took.
            app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
                .configure(routes::console::serve_dir(web_dir.clone()))
                .configure(routes::web::serve_dir(web_dir.clone()))
        })
        // Headers must arrive within this (slowloris); the body's limit is the middleware's.
        .client_request_timeout(Duration::from_secs(time_limits.headers_secs.max(1)))
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            metrics: metrics_server,
            state,
            sync,
            trimmer,
            auditor,
            publisher,
            reminders,
            mail_sender,
            embedded_redis,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on, if `metrics_address` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// A handle to stop the server (`handle.stop(true).await`), for tests and embedding.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The shared state (for tests and tools running beside the server).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process is asked to stop (SIGINT/SIGTERM), then stops the background work and the
    /// embedded Redis (which flushes its append-only file).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(_, server)| (server.handle(), tokio::spawn(server)));
        let result = self.server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        self.sync.stop();
        self.trimmer.abort();
        self.auditor.abort();
        self.publisher.abort();
        self.reminders.abort();
        if let Some(sender) = self.mail_sender {
            sender.abort();
        }
        if let Some(redis) = self.embedded_redis {
            redis.shutdown().await;
        }
        result
    }
}

/// Counts requests and their latencies per route into `registry`. Paths are the route patterns, so case ids
/// never become label values. The middleware serves no endpoint of its own: [`serve_metrics`] does, elsewhere.
fn prometheus_metrics(registry: prometheus::Registry) -> anyhow::Result<PrometheusMetrics> {
    PrometheusMetricsBuilder::new("disrupt")
        .registry(registry)
        .build()
        .map_err(|err| anyhow::anyhow!("building the metrics middleware: {err}"))
}

/// `GET /metrics` (Prometheus text format) on its own listener at `address` (port 0 picks a free port), or
/// nothing when `address` is empty: the API's own address never serves it. One worker; it stops with the API,
/// not on signals of its own.
fn serve_metrics(address: &str, registry: prometheus::Registry) -> anyhow::Result<Option<(u16, Server)>> {
    if address.trim().is_empty() {
        return Ok(None);
    }
    let listener = TcpListener::bind(address).with_context(|| format!("binding the metrics address {address}"))?;
    let port = listener.local_addr()?.port();
    let registry = web::Data::new(registry);
    let server =
        HttpServer::new(move || App::new().app_data(registry.clone()).route("/metrics", web::get().to(metrics_text)))
            .workers(1)
            .disable_signals()
            .listen(listener)?
            .run();
    Ok(Some((port, server)))
}

async fn metrics_text(registry: web::Data<prometheus::Registry>) -> HttpResponse {
    match prometheus::TextEncoder::new().encode_to_string(&registry.gather()) {
        Ok(text) => HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(text),
        Err(err) => {
            tracing::warn!(error = %err, "encoding the metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

async fn connect_with_patience(settings: &Settings, url: SecretString) -> anyhow::Result<Store> {
    let redis = settings.redis_settings(url);
    let deadline = tokio::time::Instant::now() + CONNECT_PATIENCE;
    loop {
        match Store::connect(&redis).await {
            Ok(store) => return Ok(store),
            Err(err) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(error = %err, "redis is not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => return Err(err).context("connecting to redis"),
        }
    }
}

async fn trim_periodically(store: Store) {
    loop {
        match store.list_names().await {
            Ok(lists) => {
                for list in lists {
                    match store.trim_feed(&list, now_ms()).await {
                        Ok(0) => {}
                        Ok(removed) => tracing::info!(list, removed, "trimmed old feed records"),
                        Err(err) => tracing::warn!(list, error = %err, "trimming the feed failed"),
                    }
                    purge_withdrawn(&store, &list).await;
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot list lists for trimming"),
        }
        tokio::time::sleep(TRIM_EVERY).await;
    }
}

/// Moves audit records left in the outboxes into the chain. Every process runs this; the outbox protocol makes
/// that safe (`store::audit`).
async fn drain_audit_periodically(store: Store) {
    loop {
        tokio::time::sleep(DRAIN_AUDIT_EVERY).await;
        match store.drain_all_audit().await {
            Ok(0) => {}
            Ok(moved) => tracing::info!(moved, "audit records moved from the outboxes into the chain"),
            Err(err) => tracing::warn!(error = %err, "audit records wait in the outboxes"),
        }
    }
}

/// Purges withdrawn cases whose tombstones the trim removed (`store::purge`; each purge carries its audit
/// record, which the periodic drain chains).
async fn purge_withdrawn(store: &Store, list: &str) {
    match store.purge_withdrawn(list, now_ms()).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(list, purged, "purged withdrawn cases of their hashes and URLs"),
        Err(err) => tracing::warn!(list, error = %err, "purging withdrawn cases failed"),
    }
}

/// Publishes each list's waiting entries once a batch is due (`store::publication`): the case count is checked
/// as cases arrive, the wait limit here. Every process runs this; a batch is taken atomically, so two processes
/// never publish one entry twice.
async fn publish_periodically(service: Arc<Service>) {
    loop {
        match service.store.list_names().await {
            Ok(lists) => {
                for list in lists {
                    service.publish_due(&list).await;
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot list lists for publication"),
        }
        tokio::time::sleep(PUBLISH_EVERY).await;
    }
}

/// Reminds platforms of notices left without a decision for 48 hours.
async fn remind_periodically(service: Arc<Service>, every: Duration) {
    loop {
        match service.remind_overdue_notices(now_ms()).await {
            Ok(0) => {}
            Ok(reminded) => tracing::info!(reminded, "notice reminders recorded"),
            Err(err) => tracing::warn!(error = %err, "checking notices for reminders failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Sends the e-mail outbox's due notices and reminders, and records each attempt on its notice.
async fn send_mail_periodically(service: Arc<Service>, mailer: Mailer, every: Duration) {
    let mut unrecorded = Unrecorded::default();
    loop {
        match service.deliver_due_mail(&mailer, &mut unrecorded).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "notice e-mails delivered"),
            Err(err) => tracing::warn!(error = %err, "the e-mail outbox could not be read"),
        }
        tokio::time::sleep(every).await;
    }
}

impl AppState {
    /// Whether the process is ready (Redis answers, the index is loaded and the feed followers are current), with
    /// what `/readyz` shows: `{"redis": "ok"|"unavailable", "index_loaded": bool, "entries": n, "lag_ms": n}`.
    pub async fn readiness(&self) -> (bool, serde_json::Value) {
        let redis_ok = self.store.ping().await.is_ok();
        let loaded = self.sync.is_loaded();
        let lag_ms = self.sync.lag_ms();
        let entries = self.index.read().len();
        let body = serde_json::json!({
            "redis": if redis_ok { "ok" } else { "unavailable" },
            "index_loaded": loaded,
            "entries": entries,
            "lag_ms": lag_ms,
        });
        (redis_ok && loaded && lag_ms <= MAX_READY_LAG.as_millis() as u64, body)
    }
}

/// Readiness: 200 when [`AppState::readiness`] says ready, 503 otherwise, with its body.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.readiness().await {
        (true, body) => HttpResponse::Ok().json(body),
        (false, body) => HttpResponse::ServiceUnavailable().json(body),
    }
}
