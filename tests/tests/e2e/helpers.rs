//! `spawn_app()`: the real server on port 0 with its own embedded redis-server in a temp dir
//! ([`disrupt_api::test_server::spawn_server`]), with clients of it.

use std::sync::atomic::{AtomicU64, Ordering};

use disrupt_api::test_server::{TestServer, spawn_server};
use disrupt_client::Client;
use disrupt_openapi::admin::CreateApiKeyRequest;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::{Category, HashValue, Role};

/// The real server (see [`TestServer`]) and clients of it; its fields (`base_url`, `metrics_url`, `redis_url`,
/// `store`) are reachable through it.
pub struct TestApp {
    /// Anonymous client (victims).
    pub client: Client,
    /// Client with an admin key.
    pub admin: Client,
    server: TestServer,
}

impl std::ops::Deref for TestApp {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.server
    }
}

impl TestApp {
    /// A new platform key scoped to `lists`.
    pub async fn platform(&self, name: &str, lists: &[&str]) -> Client {
        self.key(name, Role::Platform, lists, &[]).await
    }

    /// A new key with this role, lists and hosts (platforms serving hosts read their takedown notices).
    pub async fn key(&self, name: &str, role: Role, lists: &[&str], hosts: &[&str]) -> Client {
        self.client.with_api_key(self.raw_key(name, role, lists, hosts).await)
    }

    /// Like [`TestApp::key`], the key itself (`dk_<id>_<secret>`), for tests that send it by other means.
    pub async fn raw_key(&self, name: &str, role: Role, lists: &[&str], hosts: &[&str]) -> String {
        let created = self
            .admin
            .create_api_key(&CreateApiKeyRequest {
                name: name.into(),
                role,
                lists: lists.iter().map(|l| (*l).to_owned()).collect(),
                hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
                contact_access: false,
            })
            .await
            .expect("create key");
        created.key
    }

    /// The raw keys of a new platform (serving `example.com`), analyst and admin, after an anonymous `None`:
    /// `(role, key)`, for tests that call routes with every role.
    pub async fn key_for_every_role(&self) -> Vec<(&'static str, Option<String>)> {
        let mut keys = vec![("anonymous", None)];
        for (name, role) in [("platform", Role::Platform), ("analyst", Role::Analyst), ("admin", Role::Admin)] {
            let lists: &[&str] = if role == Role::Admin { &[] } else { &["ncii"] };
            let hosts: &[&str] = if role == Role::Platform { &["example.com"] } else { &[] };
            keys.push((name, Some(self.raw_key(name, role, lists, hosts).await)));
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
                declarations: None,
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

/// Like [`spawn_app`], with extra `DISRUPT_*` settings (they override the defaults of [`spawn_server`]).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let server = spawn_server(extra).await;
    let client = Client::new(&server.base_url);
    TestApp { admin: client.with_api_key(&server.admin_key), client, server }
}

/// A case request with these hashes and nothing else.
pub fn simple_case_of(hashes: Vec<HashValue>) -> CreateCaseRequest {
    CreateCaseRequest { category: Category::AdultNcii, hashes, urls: vec![], contact: None, declarations: None }
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
