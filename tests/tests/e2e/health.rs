//! The server as `scripts/setup` runs it: no configuration, its own embedded redis-server in the data directory.

use std::time::{Duration, Instant};

use disrupt_api::{Application, settings::Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 GET over a fresh connection; returns the status code and the body.
async fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

#[tokio::test]
async fn server_with_no_configuration_starts_its_own_redis_and_becomes_ready() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings::from_vars([
        ("DISRUPT_ADDRESS".to_string(), "127.0.0.1:0".to_string()),
        // The default metrics address, 127.0.0.1:9090, may be taken on a machine that runs tests side by side.
        ("DISRUPT_METRICS_ADDRESS".to_string(), "127.0.0.1:0".to_string()),
        ("DISRUPT_DATA_DIR".to_string(), data_dir.path().display().to_string()),
    ])
    .expect("settings");
    let app = Application::build(settings).await.expect("build");
    let port = app.port();
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    let (status, body) = get(port, "/healthz").await;
    assert_eq!(status, 200, "{body}");

    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut status, mut body) = get(port, "/readyz").await;
    while status != 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        (status, body) = get(port, "/readyz").await;
    }
    assert_eq!(status, 200, "never ready: {body}");
    assert!(body.contains("\"index_loaded\":true"), "{body}");

    handle.stop(true).await;
    server.await.expect("join").expect("server");
    assert!(data_dir.path().join("redis").exists(), "the embedded redis keeps its files in the data directory");
}
