//! Text the server hands back that others wrote (a victim's reported URLs, a platform's decision reason, key
//! names) reaches a terminal: no escape sequence or other control character in it may reach the terminal raw.

use disrupt_client::Client;
use disrupt_openapi::admin::CreateApiKeyRequest;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::{Category, HashValue, Role};
use disrupt_openapi::notices::{NoticeDecisionRequest, PlatformDecision};
use disrupt_openapi::review::ReviewUrlsRequest;
use serde_json::Value;

use crate::server::{Server, disrupt, spawn};

/// A terminal title change (OSC 0), a clipboard write (OSC 52), a screen wipe and colours (CSI), the same CSI
/// as one C1 character, a C1 OSC, a bell, a backspace, and a right-to-left override with its isolate cousins.
const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}]52;c;ZWNobyBvd25lZA==\u{1b}\\\u{1b}[2J\u{1b}[31m\u{9b}1;1H\
                       \u{9d}8;;http://evil.example\u{9c}\u{8}\u{202e}gpj.exe\u{202c}\u{2066}x\u{2069}\u{200f}\r\
                       fake line";

/// What must never be printed raw: C0 controls but the line feed, DEL, C1 controls, bidi controls.
fn dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn assert_neutral(what: &str, text: &str) {
    let found: Vec<char> = text.chars().filter(|c| dangerous(*c)).collect();
    assert!(found.is_empty(), "{what} prints {found:?} raw:\n{text:?}");
}

async fn as_key(server: &Server, key: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = args.to_vec();
    all.extend(["--server", server.base_url.as_str(), "--api-key", key]);
    disrupt(&all).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_from_urls_reasons_and_key_names_never_reach_the_terminal() {
    let server = spawn().await;
    let analyst = server.key("ana", Role::Analyst, &[]).await;
    let platform = server.key("host", Role::Platform, &["video-host.example"]).await;
    let name = format!("Example{HOSTILE}Tube");
    let request = CreateApiKeyRequest {
        name: name.clone(),
        role: Role::Platform,
        lists: vec!["ncii".into()],
        hosts: vec![],
        contact_access: false,
    };
    server.admin.create_api_key(&request).await.unwrap();

    // An anonymous victim's "URL" (kept as text when it does not parse) and a platform's reason.
    let urls = vec!["https://video-host.example/v/1".to_owned(), format!("see {HOSTILE}")];
    let hashes = vec![HashValue::Md5 { hash: hex::encode([7u8; 16]).parse().unwrap() }];
    let request = CreateCaseRequest { category: Category::AdultNcii, hashes, urls, contact: None, declarations: None };
    let case_id = Client::new(&server.base_url).create_case(&request).await.unwrap().case_id;
    let analyst_client = Client::new(&server.base_url).with_api_key(&analyst);
    let review = ReviewUrlsRequest { confirm: vec![0], dismiss: vec![], lang: None, ground: None, contacts: vec![] };
    let reviewed = analyst_client.review_urls(&case_id, &review).await.unwrap();
    let notice = reviewed.notices[0].id.clone();
    analyst_client.send_notice(&notice).await.unwrap();
    let decision = NoticeDecisionRequest { decision: PlatformDecision::Rejected, reason: Some(HOSTILE.to_owned()) };
    Client::new(&server.base_url).with_api_key(&platform).decide_notice(&notice, &decision).await.unwrap();

    let admin = server.admin_key.clone();
    for (key, args) in [
        (&admin, vec!["admin", "keys", "list"]),
        (&admin, vec!["admin", "keys", "list", "--json"]),
        (&analyst, vec!["review", "case", &case_id]),
        (&analyst, vec!["review", "case", &case_id, "--json"]),
        (&platform, vec!["notices", "show", &notice]),
        (&platform, vec!["notices", "show", &notice, "--json"]),
        (&analyst, vec!["notices", "list"]),
    ] {
        let (code, stdout, stderr) = as_key(&server, key, &args).await;
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_neutral(&format!("{args:?}"), &stdout);
        assert_neutral(&format!("{args:?} (stderr)"), &stderr);
        // Neutralised, not dropped: the visible text is still there for the reader.
        if args.contains(&"keys") {
            assert!(stdout.contains("Example") && stdout.contains("Tube") && stdout.contains("owned"), "{stdout}");
        }
        // JSON stays JSON, and means the same: the characters are escaped, not replaced.
        if args.contains(&"--json") {
            let value: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
            assert!(value.to_string().contains("gpj.exe"), "{value}");
            if args.contains(&"keys") {
                let names: Vec<&str> =
                    value["keys"].as_array().unwrap().iter().filter_map(|k| k["name"].as_str()).collect();
                assert!(names.contains(&name.as_str()), "{names:?}");
            }
        }
    }

    // The server's error messages go to stderr through the same filter.
    let (code, _, stderr) = as_key(&server, &analyst, &["review", "case", HOSTILE]).await;
    assert_eq!(code, 2);
    assert_neutral("an error", &stderr);
}
