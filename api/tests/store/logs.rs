//! The server's log after a whole victim, platform and analyst flow, at debug level: it never holds a hash
//! value, a case secret, a contact or an API key secret, so a log shipped to a third party links nobody to
//! their images.

use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::server::{call, field, spawn_server};

// Its secret holds `_` near its end, as a random base64url secret may: the check must look for the whole secret,
// not for the text after its last `_` ("0", which any log holds).
const ADMIN_KEY: &str = "dk_00000000000000ad_c2VjcmV0LXBhcnQtb2YtdGhlLWJvb3RzdHJhcC1rZXk_0";
const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const MD5: &str = "0123456789abcdef0123456789abcdef";
const CONTACT: &str = "victim.contact.0612345678@example.org";

/// The secret of `dk_<id>_<secret>`: the id is hex, so the secret is all after the second `_`, its own `_` included.
fn secret_of(key: &str) -> &str {
    key.splitn(3, '_').nth(2).expect("dk_<id>_<secret>")
}

#[tokio::test]
async fn the_debug_log_of_a_whole_flow_holds_no_hash_secret_or_contact() {
    let data_dir = tempfile::tempdir().unwrap();
    let (mut server, port) =
        spawn_server(data_dir.path(), &[("DISRUPT_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY), ("DISRUPT_LOG", "debug")]).await;
    let admin = format!("Bearer {ADMIN_KEY}");

    // A victim submits, checks, and later withdraws.
    let case_body = format!(
        r#"{{"category":"adult_ncii","hashes":[{{"kind":"pdq","hash":"{PDQ}","quality":100}},{{"kind":"md5","hash":"{MD5}"}}],"urls":["https://example.org/v/1"],"contact":"{CONTACT}"}}"#
    );
    let (status, created) = call(port, "POST", "/v1/cases", &[], Some(&case_body)).await;
    assert_eq!(status, 201, "{created}");
    let (case_id, secret) = (field(&created, "case_id"), field(&created, "case_secret"));
    assert_eq!(call(port, "GET", &format!("/v1/cases/{case_id}"), &[("X-Case-Secret", &secret)], None).await.0, 200);

    // A platform and an analyst work with it.
    let mut keys = Vec::new();
    for (name, role) in [("p", "platform"), ("a", "analyst")] {
        let body = format!(r#"{{"name":"{name}","role":"{role}","lists":["ncii"]}}"#);
        let (status, made) = call(port, "POST", "/v1/admin/keys", &[("Authorization", &admin)], Some(&body)).await;
        assert_eq!(status, 201, "{made}");
        keys.push(field(&made, "key"));
    }
    let platform = format!("Bearer {}", keys[0]);
    let analyst = format!("Bearer {}", keys[1]);
    let query = format!(r#"{{"hashes":[{{"kind":"pdq","hash":"{PDQ}"}},{{"kind":"md5","hash":"{MD5}"}}]}}"#);
    assert_eq!(call(port, "POST", "/v1/match", &[("Authorization", &platform)], Some(&query)).await.0, 200);
    assert_eq!(call(port, "GET", "/v1/hashes", &[("Authorization", &platform)], None).await.0, 200);
    let (status, queue) = call(port, "GET", "/v1/review/queue", &[("Authorization", &analyst)], None).await;
    assert_eq!(status, 200, "{queue}");
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    let id = queue["items"][0]["entry_id"].as_u64().unwrap();
    let verify = format!(r#"{{"entry_ids":[{id}]}}"#);
    assert_eq!(
        call(port, "POST", "/v1/review/entries/verify", &[("Authorization", &analyst)], Some(&verify)).await.0,
        200
    );
    let urls = r#"{"confirm":[0]}"#;
    assert_eq!(
        call(port, "POST", &format!("/v1/review/cases/{case_id}/urls"), &[("Authorization", &analyst)], Some(urls))
            .await
            .0,
        200
    );
    // Errors are logged too: a wrong secret and a malformed hash.
    assert_eq!(call(port, "GET", &format!("/v1/cases/{case_id}"), &[("X-Case-Secret", "wrong")], None).await.0, 401);
    let bad = format!(r#"{{"category":"adult_ncii","hashes":[{{"kind":"pdq","hash":"{}"}}]}}"#, &PDQ[..63]);
    assert_eq!(call(port, "POST", "/v1/cases", &[], Some(&bad)).await.0, 400);
    assert_eq!(call(port, "DELETE", &format!("/v1/cases/{case_id}"), &[("X-Case-Secret", &secret)], None).await.0, 200);

    // A graceful stop, so the server stops its embedded redis-server too (which holds the same stderr open).
    let pid = server.id().unwrap();
    assert!(std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap().success());
    let mut log = String::new();
    let mut stderr = server.stderr.take().unwrap();
    tokio::time::timeout(Duration::from_secs(30), stderr.read_to_string(&mut log)).await.unwrap().unwrap();
    let _ = server.wait().await;
    assert!(log.contains("DEBUG") || log.contains("INFO"), "the log was captured: {log}");
    for (what, secret_text) in [
        ("a PDQ hash", PDQ),
        ("an MD5", MD5),
        ("a truncated hash", &PDQ[..63]),
        ("the contact", CONTACT),
        ("the case secret", secret.as_str()),
        ("the admin key's secret", secret_of(ADMIN_KEY)),
        ("a platform key's secret", secret_of(&keys[0])),
    ] {
        assert!(!log.contains(secret_text), "the log holds {what}");
    }
}
