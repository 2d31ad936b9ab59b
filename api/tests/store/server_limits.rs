//! The real binary under hostile clients and a hard crash: slow requests end with 408, and a server killed in
//! the middle of uploads leaves nothing of the media in Redis, on disk or in its log.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use disrupt_api::testing::every_stored_value;

use crate::server::{call, spawn_server};

/// Reads what the server sends until it closes the connection, at most `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> String {
    let mut bytes = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut bytes))
        .await
        .expect("the server kept the connection open")
        .expect("read");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn a_slow_body_or_slow_headers_end_with_408_and_a_closed_connection() {
    let data_dir = tempfile::tempdir().unwrap();
    let (mut server, port) = spawn_server(
        data_dir.path(),
        &[("DISRUPT_TIME_LIMITS__REQUEST_SECS", "1"), ("DISRUPT_TIME_LIMITS__HEADERS_SECS", "1")],
    )
    .await;

    // A body announced as 1000 bytes of which one arrives: the deadline ends it.
    let mut slow_body = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = "POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    slow_body.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut slow_body, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");

    // Headers that never end: actix-web's header timeout.
    let mut slow_headers = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow_headers.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let answer = read_until_closed(&mut slow_headers, Duration::from_secs(10)).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");

    // Everyone else is served as before.
    assert_eq!(call(port, "GET", "/healthz", &[], None).await.0, 200);
    server.kill().await.unwrap();
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Slices of the media to look for: 32 bytes every 1 KiB past the first (JPEG headers are shared by many files).
fn fingerprints(media: &[u8]) -> Vec<&[u8]> {
    (1024..media.len().saturating_sub(32)).step_by(1024).map(|at| &media[at..at + 32]).collect()
}

fn holds_any(haystack: &[u8], needles: &[&[u8]]) -> bool {
    needles.iter().any(|n| haystack.windows(n.len()).any(|w| w == *n))
}

#[tokio::test]
async fn a_server_killed_during_uploads_leaves_nothing_of_the_media_anywhere() {
    let media = disrupt_hasher::testdata::read("pdq/data/reg-test-input/dih/bridge-1-original.jpg");
    let needles = fingerprints(&media);
    assert!(needles.len() > 10);
    let data_dir = tempfile::tempdir().unwrap();
    let tmp_dir = tempfile::tempdir().unwrap();
    let tmp = tmp_dir.path().to_str().unwrap();
    let (mut server, port) =
        spawn_server(data_dir.path(), &[("TMPDIR", tmp), ("DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR", "100")]).await;

    let boundary = "disrupt-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nadult_ncii\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&media);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /v1/cases/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    // Three uploads in flight: half a file, a whole file not yet answered, and one more whole file.
    let mut connections = Vec::new();
    for sent in [body.len() / 2, body.len(), body.len()] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body[..sent]).await.unwrap();
        connections.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.start_kill().unwrap();
    let _ = server.wait().await;

    // The embedded redis-server does not outlive its parent: it stops by itself, flushing its append-only file.
    let url = format!("redis+unix://{}", data_dir.path().join("redis/redis.sock").display());
    let mut gone = false;
    for _ in 0..100 {
        if disrupt_api::redis_server::wait_until_answering(&url, Duration::from_millis(10)).await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the embedded redis-server outlived the killed server");
    let mut log = Vec::new();
    let read_log = async {
        server.stderr.take().unwrap().read_to_end(&mut log).await.unwrap();
        server.stdout.take().unwrap().read_to_end(&mut log).await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(30), read_log).await.expect("the log pipes closed");
    assert!(!holds_any(&log, &needles), "the log holds part of the media");

    // What a restarted server would find: every value Redis loads back from its files.
    let redis =
        disrupt_api::redis_server::EmbeddedRedis::start(Path::new("redis-server"), data_dir.path()).await.unwrap();
    let stored = every_stored_value(redis.url()).await;
    assert!(stored.len() > 3, "the store was read");
    assert!(!stored.iter().any(|v| holds_any(v, &needles)), "Redis holds part of the media");
    redis.shutdown().await;

    let files = files_under(data_dir.path());
    assert!(files.iter().any(|f| f.to_string_lossy().contains("appendonly")), "Redis's files are there: {files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(!holds_any(&bytes, &needles), "{} holds part of the media", file.display());
    }
    assert!(files_under(tmp_dir.path()).is_empty(), "the server left temporary files");
    drop(connections);
}
