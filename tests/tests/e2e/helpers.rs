//! `spawn_app()`: the real server on port 0 with its own embedded redis-server in a temp dir.

use std::sync::atomic::{AtomicU64, Ordering};

use disrupt_api::Application;
use disrupt_client::Client;
use disrupt_openapi::admin::CreateApiKeyRequest;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::{Category, HashValue, Role};

/// A running server and clients of it. Dropping it stops nothing explicitly: the server task dies with the test
/// runtime and the embedded redis-server is killed when its handle drops.
pub struct TestApp {
    /// Anonymous client (victims).
    pub client: Client,
    /// Client with an admin key.
    pub admin: Client,
    /// The server's base URL.
    pub base_url: String,
    /// Where `/metrics` is served (`DISRUPT_METRICS_ADDRESS`), unless turned off.
    pub metrics_url: Option<String>,
    /// The Redis URL of this server's own redis-server.
    pub redis_url: String,
    /// The store, to reach around the API (trimming the feed, scanning Redis).
    pub store: disrupt_api::store::Store,
    _redis: disrupt_api::redis_server::EmbeddedRedis,
    _data_dir: tempfile::TempDir,
}

impl TestApp {
    /// A new platform key scoped to `lists`.
    pub async fn platform(&self, name: &str, lists: &[&str]) -> Client {
        self.key(name, Role::Platform, lists, &[]).await
    }

    /// A new key with this role, lists and hosts (platforms serving hosts read their takedown notices).
    pub async fn key(&self, name: &str, role: Role, lists: &[&str], hosts: &[&str]) -> Client {
        let created = self
            .admin
            .create_api_key(&CreateApiKeyRequest {
                name: name.into(),
                role,
                lists: lists.iter().map(|l| (*l).to_owned()).collect(),
                hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            })
            .await
            .expect("create key");
        self.client.with_api_key(created.key)
    }

    /// The raw keys of a new platform (serving `example.com`), analyst and admin, after an anonymous `None`:
    /// `(role, key)`, for tests that call routes with every role.
    pub async fn key_for_every_role(&self) -> Vec<(&'static str, Option<String>)> {
        let mut keys = vec![("anonymous", None)];
        for (name, role) in [("platform", Role::Platform), ("analyst", Role::Analyst), ("admin", Role::Admin)] {
            let lists = if role == Role::Admin { vec![] } else { vec!["ncii".to_owned()] };
            let hosts = if role == Role::Platform { vec!["example.com".to_owned()] } else { vec![] };
            let created = self
                .admin
                .create_api_key(&CreateApiKeyRequest { name: name.into(), role, lists, hosts })
                .await
                .expect("create key");
            keys.push((name, Some(created.key)));
        }
        keys
    }

    /// Creates a case with these hashes; returns (case id, secret).
    pub async fn case(&self, hashes: Vec<HashValue>) -> (String, String) {
        let created = self
            .client
            .create_case(&CreateCaseRequest {
                category: Category::AdultNcii,
                hashes,
                urls: vec![],
                contact: Some("victim@example.org".into()),
            })
            .await
            .expect("create case");
        (created.case_id, created.case_secret)
    }
}

/// Settings that lift the anonymous routes' budgets, for tests that make many requests from the one loopback
/// client (so they test the routes, not the rate limits).
pub const LIFTED_BUDGETS: [(&str, &str); 3] = [
    ("DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR", "1000000"),
    ("DISRUPT_RATE_LIMITS__HASHES_PER_HOUR", "1000000000"),
    ("DISRUPT_RATE_LIMITS__LOOKUPS_PER_MINUTE", "1000000"),
];

/// Starts a server with its own redis-server and an admin key.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Like [`spawn_app`], with extra `DISRUPT_*` settings (they override the defaults set here).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let redis = disrupt_api::redis_server::EmbeddedRedis::start(
        std::path::Path::new("redis-server"),
        &data_dir.path().join("redis"),
    )
    .await
    .expect("own redis-server");
    let redis_url = redis.url().to_owned();
    let settings = disrupt_api::settings::Settings::from_vars(
        [
            ("DISRUPT_REDIS_URL".to_owned(), redis_url.clone()),
            ("DISRUPT_ADDRESS".to_owned(), "127.0.0.1:0".to_owned()),
            ("DISRUPT_METRICS_ADDRESS".to_owned(), "127.0.0.1:0".to_owned()),
            ("DISRUPT_DATA_DIR".to_owned(), data_dir.path().display().to_string()),
            ("DISRUPT_SERVER_KEY".to_owned(), "ab".repeat(32)),
            // Every test client is the one loopback address, and tests make cases quickly: bursts and surges
            // are tested on their own (`flood`). Repeated hashes stay held as in production.
            ("DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR".to_owned(), "0".to_owned()),
            ("DISRUPT_FLOOD__CASES_PER_HOUR".to_owned(), "0".to_owned()),
            // Each case reaches the feed at once, so tests read what they just wrote; publication batches are
            // tested on their own (`platforms`).
            ("DISRUPT_PUBLICATION__MIN_CASES".to_owned(), "1".to_owned()),
            ("DISRUPT_PUBLICATION__MAX_WAIT_SECS".to_owned(), "0".to_owned()),
        ]
        .into_iter()
        .chain(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))),
    )
    .expect("settings");
    let app = Application::build(settings).await.expect("build app");
    let port = app.port();
    let metrics_url = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let base_url = format!("http://127.0.0.1:{port}");
    let client = Client::new(&base_url);
    let admin_key =
        disrupt_api::admin_cli::create_admin_key(&state.store, &state.server_key, "tests").await.expect("admin key");
    wait_until_ready(&client).await;
    TestApp {
        admin: client.with_api_key(admin_key),
        client,
        base_url,
        metrics_url,
        redis_url,
        store: state.store,
        _redis: redis,
        _data_dir: data_dir,
    }
}

async fn wait_until_ready(client: &Client) {
    let url = format!("{}/readyz", client.base_url());
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(&url).await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server never became ready");
}

/// A case request with these hashes and nothing else.
pub fn simple_case_of(hashes: Vec<HashValue>) -> CreateCaseRequest {
    CreateCaseRequest { category: Category::AdultNcii, hashes, urls: vec![], contact: None }
}

/// A case request with one hash.
pub fn simple_case(hash: HashValue) -> CreateCaseRequest {
    simple_case_of(vec![hash])
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A PDQ hash unique in this test run (far from every other one: a counter spread over the bytes).
pub fn unique_pdq() -> HashValue {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = ring::digest::digest(&ring::digest::SHA256, &n.to_be_bytes());
    HashValue::Pdq { hash: hex::encode(seed.as_ref()).parse().unwrap(), quality: Some(100), views: Vec::new() }
}

/// An MD5 unique in this test run.
pub fn unique_md5() -> HashValue {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = ring::digest::digest(&ring::digest::SHA256, &n.to_be_bytes());
    HashValue::Md5 { hash: hex::encode(&seed.as_ref()[..16]).parse().unwrap() }
}

/// The hex of a PDQ value.
pub fn hex_of(value: &HashValue) -> String {
    match value {
        HashValue::Pdq { hash, .. } => hash.to_string(),
        HashValue::Md5 { hash } => hash.to_string(),
        HashValue::Sha256 { hash } => hash.to_string(),
        HashValue::Video { .. } => panic!("no hex for a video"),
    }
}

/// Polls `check` until it is true (the match index follows the store with a small lag).
pub async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("condition never became true");
}

/// A Python venv under `~/.cache/disrupt-<name>/venv` with `package` from PyPI, made on first use (`check` is a
/// Python statement that succeeds once it is installed). Returns the venv's directory.
pub fn python_venv(name: &str, package: &str, check: &str) -> std::path::PathBuf {
    use std::process::Command;
    let home = std::env::var_os("HOME").expect("HOME");
    let venv = std::path::Path::new(&home).join(format!(".cache/disrupt-{name}/venv"));
    let installed = Command::new(venv.join("bin/python")).args(["-c", check]).status().is_ok_and(|s| s.success());
    if !installed {
        let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().expect("python3 -m venv");
        assert!(made.success(), "could not create the venv");
        let pip = Command::new(venv.join("bin/pip")).args(["install", "-q", package]).status().expect("pip");
        assert!(pip.success(), "pip install {package} failed");
    }
    venv
}
