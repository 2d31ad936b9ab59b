//! The typed client never carries a case secret or an API key to where a redirect points.

use std::sync::{Arc, Mutex};

use disrupt_client::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A one-line HTTP/1.1 server: answers every request with `status`, `extra` headers and `body`, and keeps the
/// head of each request it read.
async fn listener(status: &'static str, extra: String, body: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heads = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            heads.lock().unwrap().push(String::from_utf8_lossy(&head).to_lowercase());
            let answer = format!(
                "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: \
                 close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (port, seen)
}

#[tokio::test]
async fn a_redirect_never_carries_the_case_secret_or_the_api_key_to_another_listener() {
    let (elsewhere, seen_elsewhere) = listener("200 OK", String::new(), "{}").await;
    for status in ["301 Moved Permanently", "302 Found", "307 Temporary Redirect", "308 Permanent Redirect"] {
        let location = format!("Location: http://127.0.0.1:{elsewhere}/v1/cases/c1\r\n");
        let (server, seen_server) = listener(status, location, "").await;
        let client = Client::new(format!("http://127.0.0.1:{server}")).with_api_key("dk_00ad_not-a-real-key");

        let status_err = client.get_case("c1", "the-victims-secret").await.err();
        let withdraw_err = client.withdraw_case("c1", "the-victims-secret").await.err();
        let keys_err = client.list_api_keys().await.err();

        for head in seen_elsewhere.lock().unwrap().iter() {
            assert!(!head.contains("x-case-secret") && !head.contains("the-victims-secret"), "{status}: {head}");
            assert!(!head.contains("authorization") && !head.contains("dk_00ad"), "{status}: {head}");
        }
        for err in [status_err, withdraw_err, keys_err] {
            let err = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("redirect"), "{status}: the caller learns why: {err}");
        }
        let asked = seen_server.lock().unwrap().clone();
        assert_eq!(asked.len(), 3, "{asked:?}");
        assert!(asked[0].contains("x-case-secret: the-victims-secret"), "the server itself gets it: {asked:?}");
    }
    let followed = seen_elsewhere.lock().unwrap().clone();
    assert!(followed.is_empty(), "no redirect is followed: {followed:?}");
}
