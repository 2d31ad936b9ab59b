//! With nothing configured, the server runs its own supervised redis-server in the data directory.

use std::time::{Duration, Instant};

use disrupt_api::{
    Application,
    redis_server::{EmbeddedRedis, wait_until_answering},
    settings::{RedisSettings, Settings},
    store::Store,
    testing::random_prefix,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{case, pdq};

/// GET `path` on 127.0.0.1:`port`; returns (status, body).
async fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn settings(data_dir: &std::path::Path, prefix: &str) -> Settings {
    Settings {
        address: "127.0.0.1:0".into(),
        metrics_address: "127.0.0.1:0".into(),
        data_dir: data_dir.to_owned(),
        key_prefix: prefix.to_owned(),
        ..Settings::default()
    }
}

#[actix_web::test]
async fn a_fresh_machine_runs_with_its_own_redis_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let prefix = random_prefix();

    let app = Application::build(settings(&data_dir, &prefix)).await.unwrap();
    let (port, handle, state) = (app.port(), app.handle(), app.state().clone());
    let server = actix_web::rt::spawn(app.run_until_stopped());
    let start = Instant::now();
    loop {
        let (status, body) = get(port, "/readyz").await;
        if status == 200 {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["redis"], "ok");
            assert_eq!(json["index_loaded"], true);
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(start.elapsed() < Duration::from_secs(20), "never ready: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(get(port, "/healthz").await.0, 200);
    assert!(data_dir.join("server.key").exists());
    assert!(data_dir.join("redis").join("redis.sock").exists());

    let created = state.store.create_case(case("ncii", 1, 2)).await.unwrap();
    let query = {
        let mut q = [0u8; 32];
        hex::decode_to_slice(pdq(1), &mut q).unwrap();
        q
    };
    let start = Instant::now();
    while state.index.read().search_pdq("ncii", &[query], 0).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(1), "the index follows the store");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(state);
    handle.stop(true).await;
    server.await.unwrap().unwrap();

    // Same data directory again: the case is still there (the AOF), the index loads it.
    let app = Application::build(settings(&data_dir, &prefix)).await.unwrap();
    let (handle, state) = (app.handle(), app.state().clone());
    let server = actix_web::rt::spawn(app.run_until_stopped());
    assert!(state.store.get_case(&created.case_id).await.unwrap().is_some());
    let start = Instant::now();
    while state.index.read().list_len("ncii") != 2 {
        assert!(start.elapsed() < Duration::from_secs(10), "reload");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(state);
    handle.stop(true).await;
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_supervisor_restarts_a_dead_redis_server() {
    let dir = tempfile::tempdir().unwrap();
    let redis = EmbeddedRedis::start("redis-server".as_ref(), dir.path()).await.unwrap();
    let store = Store::connect(&RedisSettings { key_prefix: random_prefix(), ..RedisSettings::new(redis.url()) })
        .await
        .unwrap();
    let created = store.create_case(case("ncii", 1, 1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await; // past the everysec fsync window

    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: Result<(), _> = redis::cmd("SHUTDOWN").arg("NOSAVE").query_async(&mut conn).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    wait_until_answering(redis.url(), Duration::from_secs(20)).await.unwrap();
    let start = Instant::now();
    loop {
        match store.get_case(&created.case_id).await {
            Ok(found) => {
                assert!(found.is_some(), "the restarted server has the data");
                break;
            }
            Err(err) => assert!(start.elapsed() < Duration::from_secs(10), "{err:?}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    redis.shutdown().await;
    assert!(
        wait_until_answering(
            &format!("redis+unix://{}/redis.sock", dir.path().join("redis").display()),
            Duration::from_millis(300)
        )
        .await
        .is_err()
    );
}
