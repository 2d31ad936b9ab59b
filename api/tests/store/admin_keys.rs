//! The first admin key: the `create-admin-key` command of the server binary, and the bootstrap key setting.

use disrupt_api::{
    admin_cli, auth::SecretHasher, settings::ServerKey, store::Store, store::model::Role, testing::RedisProcess,
};

const SERVER_KEY_HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

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
    let key = "dk_00000000000000ad_c2VjcmV0LXBhcnQtb2YtdGhlLWJvb3RzdHJhcC1rZXk";
    admin_cli::ensure_bootstrap_admin_key(&store, &server_key, key).await.unwrap();
    let first = store.get_api_key("00000000000000ad").await.unwrap().unwrap();
    assert_eq!(first.role, Role::Admin);
    admin_cli::ensure_bootstrap_admin_key(&store, &server_key, key).await.unwrap();
    assert_eq!(store.get_api_key("00000000000000ad").await.unwrap().unwrap(), first, "a restart changes nothing");
    assert!(admin_cli::ensure_bootstrap_admin_key(&store, &server_key, "not-a-key").await.is_err());
}

async fn redis_conn(redis: &RedisProcess) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
}
