//! The real server with its own redis-server (feature `testing`): what the end-to-end tests and the CLI's tests
//! run against. Apart from `testing` so that the unit tests inside the crate, which use `testing`'s redis-server
//! processes, do not make the modules depend on one another in a circle through the application.

#![allow(clippy::unwrap_used)] // test helpers: a failure to start is a test failure, loudly.

use std::path::Path;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::redis_server::EmbeddedRedis;
use crate::settings::Settings;
use crate::startup::Application;
use crate::store::Store;

/// The real server on a free port of 127.0.0.1 with its own embedded redis-server, in a temp directory. Dropping
/// it stops nothing explicitly: the server task dies with the test's runtime, and the redis-server and the
/// directory go when the handle drops.
#[derive(Debug)]
pub struct TestServer {
    /// The server's base URL, `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Where `/metrics` is served (`DISRUPT_METRICS_ADDRESS`), unless turned off.
    pub metrics_url: Option<String>,
    /// The URL of its own redis-server.
    pub redis_url: String,
    /// An admin API key, made as `disrupt-api create-admin-key` makes one.
    pub admin_key: String,
    /// The store, to reach around the API (trimming the feed, reading the audit log).
    pub store: Store,
    _redis: EmbeddedRedis,
    _data_dir: TempDir,
}

/// The settings [`spawn_server`] starts from, before its `extra` ones.
pub const TEST_SERVER_SETTINGS: [(&str, &str); 6] = [
    // Every test client is the one loopback address, and tests make cases quickly: bursts and surges are tested
    // on their own (the e2e `flood` tests). Repeated hashes stay held as in production.
    ("DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR", "0"),
    ("DISRUPT_FLOOD__CASES_PER_HOUR", "0"),
    // Each case reaches the feed at once, so tests read what they just wrote; publication batches are tested on
    // their own (the e2e `platforms` tests).
    ("DISRUPT_PUBLICATION__MIN_CASES", "1"),
    ("DISRUPT_PUBLICATION__MAX_WAIT_SECS", "0"),
    ("DISRUPT_ADDRESS", "127.0.0.1:0"),
    ("DISRUPT_METRICS_ADDRESS", "127.0.0.1:0"),
];

/// Starts the server with its own redis-server, [`TEST_SERVER_SETTINGS`] and then `extra` `DISRUPT_*` settings
/// (which override them), makes an admin key and waits until the server is ready (as `/readyz` says).
pub async fn spawn_server(extra: &[(&str, &str)]) -> TestServer {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let redis = EmbeddedRedis::start(Path::new("redis-server"), &data_dir.path().join("redis"))
        .await
        .expect("own redis-server");
    let redis_url = redis.url().to_owned();
    let own = [
        ("DISRUPT_REDIS_URL".to_owned(), redis_url.clone()),
        ("DISRUPT_DATA_DIR".to_owned(), data_dir.path().display().to_string()),
        ("DISRUPT_SERVER_KEY".to_owned(), "ab".repeat(32)),
    ];
    let settings = Settings::from_vars(
        own.into_iter()
            .chain(TEST_SERVER_SETTINGS.iter().chain(extra).map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))),
    )
    .expect("settings");
    let app = Application::build(settings).await.expect("build the server");
    let base_url = format!("http://127.0.0.1:{}", app.port());
    let metrics_url = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let admin_key =
        crate::admin_cli::create_admin_key(&state.store, &state.server_key, "tests").await.expect("admin key");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !state.readiness().await.0 {
        assert!(Instant::now() < deadline, "the server never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    TestServer { base_url, metrics_url, redis_url, admin_key, store: state.store, _redis: redis, _data_dir: data_dir }
}
