//! The first admin key: the `create-admin-key` command of the server binary, and the bootstrap key setting.

use tokio::io::AsyncReadExt;

use disrupt_api::{
    admin_cli, auth::SecretHasher, settings::ServerKey, store::Store, store::model::Role, testing::RedisProcess,
};

use crate::server::call;

const SERVER_KEY_HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const BOOTSTRAP_KEY: &str = "dk_00000000000000ad_c2VjcmV0LXBhcnQtb2YtdGhlLWJvb3RzdHJhcC1rZXk";

#[tokio::test]
async fn the_server_binary_prints_an_admin_key_that_only_its_hash_is_stored_of() {
    let redis = RedisProcess::start();
    let settings = redis.settings();
    let data_dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_disrupt-api"))
        .args(["create-admin-key", "--name", "first admin"])
        .env("DISRUPT_REDIS_URL", redis.url())
        .env("DISRUPT_KEY_PREFIX", &settings.key_prefix)
        .env("DISRUPT_SERVER_KEY", SERVER_KEY_HEX)
        .env("DISRUPT_DATA_DIR", data_dir.path())
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let key = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let presented = disrupt_api::auth::parse_api_key(&key).unwrap_or_else(|| panic!("not a key: {key:?}"));

    let store = Store::connect(&settings).await.unwrap();
    let stored = store.get_api_key(presented.id).await.unwrap().unwrap();
    assert_eq!(stored.role, Role::Admin);
    assert_eq!(stored.name, "first admin");
    let hasher = SecretHasher::new(ServerKey::from_hex(SERVER_KEY_HEX).unwrap());
    assert!(hasher.verify_api_key(presented.secret, &stored.secret_hash));
    let everything: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut redis_conn(&redis).await).await.unwrap();
    for k in everything {
        let dump: Vec<u8> = redis::cmd("DUMP").arg(&k).query_async(&mut redis_conn(&redis).await).await.unwrap();
        assert!(
            !dump.windows(presented.secret.len()).any(|w| w == presented.secret.as_bytes()),
            "secret stored in {k}"
        );
    }
}

#[tokio::test]
async fn the_bootstrap_admin_key_is_created_once_and_then_left_alone() {
    let redis = RedisProcess::start();
    let store = Store::connect(&redis.settings()).await.unwrap();
    let server_key = ServerKey::from_hex(SERVER_KEY_HEX).unwrap();
    let key = BOOTSTRAP_KEY;
    admin_cli::ensure_bootstrap_admin_key(&store, &server_key, key).await.unwrap();
    let first = store.get_api_key("00000000000000ad").await.unwrap().unwrap();
    assert_eq!(first.role, Role::Admin);
    admin_cli::ensure_bootstrap_admin_key(&store, &server_key, key).await.unwrap();
    assert_eq!(store.get_api_key("00000000000000ad").await.unwrap().unwrap(), first, "a restart changes nothing");
    assert!(admin_cli::ensure_bootstrap_admin_key(&store, &server_key, "not-a-key").await.is_err());
}

#[tokio::test]
async fn a_bootstrap_secret_under_128_bits_is_refused() {
    let redis = RedisProcess::start();
    let store = Store::connect(&redis.settings()).await.unwrap();
    let server_key = ServerKey::from_hex(SERVER_KEY_HEX).unwrap();
    // 31 hex characters are 124 bits, 21 base64url characters 126: both short of 128.
    for weak in ["dk_00ad_secret", "dk_00ad_0123456789abcdef0123456789abcde", "dk_00ad_c2VjcmV0LXBhcnQtb2YtZ"] {
        let err = admin_cli::ensure_bootstrap_admin_key(&store, &server_key, weak).await.unwrap_err();
        assert!(err.to_string().contains("128 bits"), "{weak}: {err}");
    }
    assert_eq!(store.get_api_key("00ad").await.unwrap(), None, "nothing was created");
    for strong in ["dk_00ae_0123456789abcdef0123456789abcdef", "dk_00af_c2VjcmV0LXBhcnQtb2YtdG"] {
        admin_cli::ensure_bootstrap_admin_key(&store, &server_key, strong).await.unwrap();
    }
}

#[tokio::test]
async fn a_changed_bootstrap_secret_for_an_existing_key_id_is_refused() {
    let redis = RedisProcess::start();
    let settings = redis.settings();
    let store = Store::connect(&settings).await.unwrap();
    let server_key = ServerKey::from_hex(SERVER_KEY_HEX).unwrap();
    admin_cli::ensure_bootstrap_admin_key(&store, &server_key, BOOTSTRAP_KEY).await.unwrap();
    let changed = "dk_00000000000000ad_0123456789abcdef0123456789abcdef";
    let err = admin_cli::ensure_bootstrap_admin_key(&store, &server_key, changed).await.unwrap_err();
    assert!(err.to_string().contains("different secret"), "{err}");

    // The server binary refuses to start with it, saying why, without a backtrace.
    let data_dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_disrupt-api"))
        .env("DISRUPT_ADDRESS", "127.0.0.1:0")
        .env("DISRUPT_METRICS_ADDRESS", "")
        .env("DISRUPT_REDIS_URL", redis.url())
        .env("DISRUPT_KEY_PREFIX", &settings.key_prefix)
        .env("DISRUPT_SERVER_KEY", SERVER_KEY_HEX)
        .env("DISRUPT_DATA_DIR", data_dir.path())
        .env("DISRUPT_BOOTSTRAP_ADMIN_KEY", changed)
        .env("RUST_BACKTRACE", "1")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("00000000000000ad") && stderr.contains("different secret"), "{stderr}");
    assert!(!stderr.contains("Stack backtrace"), "{stderr}");
}

#[tokio::test]
async fn processes_starting_at_once_with_the_same_bootstrap_key_all_succeed() {
    let redis = RedisProcess::start();
    let server_key = ServerKey::from_hex(SERVER_KEY_HEX).unwrap();
    let settings = redis.settings();
    let mut stores = Vec::new();
    for _ in 0..8 {
        stores.push(Store::connect(&settings).await.unwrap());
    }
    let results = futures_util::future::join_all(
        stores.iter().map(|store| admin_cli::ensure_bootstrap_admin_key(store, &server_key, BOOTSTRAP_KEY)),
    )
    .await;
    for result in results {
        result.unwrap();
    }
    let audit = stores[0].read_audit(1, 100).await.unwrap();
    assert_eq!(audit.len(), 1, "created, and audited, once: {audit:?}");

    // Two real servers on one Redis, started at the same moment, both serve the key.
    let data_dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut servers = Vec::new();
    for dir in &data_dirs {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_disrupt-api"))
            .env("DISRUPT_ADDRESS", format!("127.0.0.1:{port}"))
            .env("DISRUPT_METRICS_ADDRESS", "")
            .env("DISRUPT_REDIS_URL", redis.url())
            .env("DISRUPT_KEY_PREFIX", "race:")
            .env("DISRUPT_SERVER_KEY", SERVER_KEY_HEX)
            .env("DISRUPT_DATA_DIR", dir.path())
            .env("DISRUPT_BOOTSTRAP_ADMIN_KEY", BOOTSTRAP_KEY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        servers.push((child, port));
    }
    for (child, port) in &mut servers {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut stderr = String::new();
                child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
                panic!("a server exited ({status}): {stderr}");
            }
            let auth = format!("Bearer {BOOTSTRAP_KEY}");
            if tokio::net::TcpStream::connect(("127.0.0.1", *port)).await.is_ok()
                && call(*port, "GET", "/v1/admin/keys", &[("Authorization", &auth)], None).await.0 == 200
            {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the server never answered");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

async fn redis_conn(redis: &RedisProcess) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
}
