//! A snapshot counts as received only once its whole body has gone out: a platform whose download breaks off
//! mid-way keeps the position it had, so no erasure receipt counts it for hashes or deletions it never read.

use std::time::{Duration, Instant};

use disrupt_api::store::Store;
use disrupt_api::testing::RedisProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{publish, video_case};
use crate::server::{call, field, spawn_server_on};

const ADMIN_KEY: &str = "dk_00000000000000ad_c2VjcmV0LXBhcnQtb2YtdGhlLWJvb3RzdHJhcC1rZXk";
/// Maximal videos on the list: a snapshot of about 17 MB, well past what the sockets can hold between the
/// server and a reader that stopped (the server's send buffer grows to 4 MiB at most here; the reader's receive
/// buffer is set small).
const VIDEOS: u64 = 24;
const FRAMES: u64 = 7_200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_cut_off_mid_way_moves_no_position_and_a_whole_one_does() {
    let redis = RedisProcess::start();
    let settings = redis.settings();
    let store = Store::connect(&settings).await.unwrap();
    for seed in 0..VIDEOS {
        store.create_case(video_case("ncii", seed, FRAMES)).await.unwrap();
    }
    publish(&store, "ncii").await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("DISRUPT_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)];
    let (_server, port) = spawn_server_on(&redis, &settings.key_prefix, dir.path(), &env).await;
    let admin = format!("Bearer {ADMIN_KEY}");
    let body = r#"{"name":"p","role":"platform","lists":["ncii"]}"#;
    let (status, made) = call(port, "POST", "/v1/admin/keys", &[("Authorization", &admin)], Some(body)).await;
    assert_eq!(status, 201, "{made}");
    let platform = format!("Bearer {}", field(&made, "key"));
    let key_id = serde_json::from_str::<serde_json::Value>(&made).unwrap()["info"]["id"].as_str().unwrap().to_owned();
    let client = redis::Client::open(redis.url().as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let positions = format!("{}{{l:ncii}}:pos", settings.key_prefix);
    let mut position = async || -> Option<String> {
        redis::cmd("HGET").arg(&positions).arg(&key_id).query_async(&mut conn).await.unwrap()
    };

    // The platform reads the first megabyte and hangs up.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
    let request = format!(
        "GET /v1/hashes/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {platform}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut start = vec![0; 1 << 20];
    stream.read_exact(&mut start).await.unwrap();
    assert!(start.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&start[..64]));
    drop(stream);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(position().await, None, "a snapshot cut off mid-way moves no position");

    // A whole snapshot does.
    let (status, whole) = call(port, "GET", "/v1/hashes/snapshot", &[("Authorization", &platform)], None).await;
    assert_eq!(status, 200);
    assert!(whole.len() > 16 << 20, "the snapshot is {} bytes", whole.len());
    let deadline = Instant::now() + Duration::from_secs(5);
    while position().await.is_none() {
        assert!(Instant::now() < deadline, "the whole snapshot moved no position");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
