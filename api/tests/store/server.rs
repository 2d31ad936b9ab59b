//! The real `disrupt-api` binary as a child process, and plain HTTP/1.1 over TCP to it (no client library in
//! between, so tests control every byte and every pause).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Child;

/// Starts the binary on a free port with its data in `data_dir` and these extra settings; returns once it is
/// ready. Its stdout and stderr are piped (read them, or the server blocks once the pipe is full).
pub async fn spawn_server(data_dir: &Path, env: &[(&str, &str)]) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_disrupt-api"));
    command.env("DISRUPT_ADDRESS", format!("127.0.0.1:{port}")).env("DISRUPT_DATA_DIR", data_dir);
    command.env("DISRUPT_METRICS_ADDRESS", "127.0.0.1:0");
    for (name, value) in env {
        command.env(name, value);
    }
    let server = command.stderr(Stdio::piped()).stdout(Stdio::piped()).kill_on_drop(true).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err()
        || call(port, "GET", "/readyz", &[], None).await.0 != 200
    {
        assert!(Instant::now() < deadline, "the server never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (server, port)
}

/// The server key the binaries under test share (admin keys and case secrets are HMACs under it).
pub const SERVER_KEY_HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// [`spawn_server`] on `redis` under the key prefix `prefix` (one prefix for every server that must share a
/// store: `RedisProcess::settings` draws a new one each call) with [`SERVER_KEY_HEX`] and these extra settings.
pub async fn spawn_server_on(
    redis: &disrupt_api::testing::RedisProcess,
    prefix: &str,
    data_dir: &Path,
    extra: &[(&str, &str)],
) -> (Child, u16) {
    let url = redis.url();
    let mut env = vec![
        ("DISRUPT_REDIS_URL", url.as_str()),
        ("DISRUPT_KEY_PREFIX", prefix),
        ("DISRUPT_SERVER_KEY", SERVER_KEY_HEX),
    ];
    env.extend_from_slice(extra);
    spawn_server(data_dir, &env).await
}

/// One HTTP/1.1 request over a fresh connection: (status, body).
pub async fn call(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    // Bodies may be chunked: keep the JSON between the first `{` and the last `}`.
    let body = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => body[a..=b].to_owned(),
        _ => body,
    };
    (status, body)
}

pub fn field(json: &str, name: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    value[name].as_str().unwrap_or_else(|| panic!("{name} in {json}")).to_owned()
}
