//! The hotline's commands (`review`, `notices`, `admin`, `stats`) and the config file, against the real server.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use disrupt_client::Client;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::{Category, EntryState, HashValue, Role};
use disrupt_openapi::notices::NoticeState;
use serde_json::Value;

use crate::server::{Server, disrupt, disrupt_with_env, spawn};

/// Runs `disrupt ARGS --server URL --api-key KEY`: the server flags after the subcommand, as people type them.
async fn as_key(server: &Server, key: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = args.to_vec();
    all.extend(["--server", server.base_url.as_str(), "--api-key", key]);
    disrupt(&all).await
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn md5(n: u8) -> HashValue {
    HashValue::Md5 { hash: hex::encode([n; 16]).parse().unwrap() }
}

fn pdq(n: u8) -> HashValue {
    HashValue::Pdq { hash: hex::encode([n; 32]).parse().unwrap(), quality: Some(100), views: Vec::new() }
}

async fn create_case(server: &Server, category: Category, hashes: Vec<HashValue>, urls: &[&str]) -> String {
    let request = CreateCaseRequest {
        category,
        hashes,
        urls: urls.iter().map(|u| (*u).to_owned()).collect(),
        contact: None,
        declarations: None,
    };
    Client::new(&server.base_url).create_case(&request).await.unwrap().case_id
}

/// Entry id -> state, as the API tells an analyst.
async fn entry_states(server: &Server, analyst: &str, case_id: &str) -> HashMap<u64, EntryState> {
    let case = Client::new(&server.base_url).with_api_key(analyst).analyst_case(case_id).await.unwrap();
    case.entries.iter().map(|e| (e.entry_id, e.state)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_lists_the_queue_verifies_one_entry_rejects_another_and_quarantines_a_third() {
    let server = spawn().await;
    let analyst = server.key("ana", Role::Analyst, &[]).await;
    let case_id = create_case(&server, Category::AdultNcii, vec![md5(1), md5(2), pdq(3)], &[]).await;

    let (code, stdout, stderr) = as_key(&server, &analyst, &["review", "queue", "--json"]).await;
    assert_eq!(code, 0, "{stderr}");
    let queue = json(&stdout);
    assert_eq!((queue["list"].as_str(), queue["total"].as_u64()), (Some("ncii"), Some(3)), "{queue}");
    let items = queue["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["case_id"] == case_id.as_str() && i["state"] == "pending"), "{queue}");
    let ids: Vec<u64> = items.iter().map(|i| i["entry_id"].as_u64().unwrap()).collect();
    let [verify, reject, hold] = ids[..] else { panic!("{queue}") };

    let (code, stdout, stderr) = as_key(&server, &analyst, &["review", "queue"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("list ncii: 3 pending entries"), "{stdout}");
    for id in &ids {
        assert!(stdout.contains(&format!("\n{id} ")), "entry {id} is a row of the table:\n{stdout}");
    }
    assert!(stdout.contains(&case_id) && stdout.contains("adult_ncii"), "{stdout}");

    let (code, stdout, stderr) = as_key(&server, &analyst, &["review", "verify", &verify.to_string()]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), format!("entry {verify}: verified"));
    let (code, stdout, stderr) = as_key(
        &server,
        &analyst,
        &["review", "reject", "--reason", "duplicate", "--note", "same as an older case", &reject.to_string()],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), format!("entry {reject}: rejected"));

    // The server's refusal comes back with its stable code; clap refuses what the API would not understand.
    let (code, _, stderr) =
        as_key(&server, &analyst, &["review", "reject", "--reason", "other", &hold.to_string()]).await;
    assert_eq!(code, 2, "`other` needs a note: {stderr}");
    assert!(stderr.contains("invalid_request"), "{stderr}");
    let (code, _, stderr) =
        as_key(&server, &analyst, &["review", "reject", "--reason", "ugly", &hold.to_string()]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("possible values") && stderr.contains("popular_benign_image"), "{stderr}");

    let (code, stdout, stderr) =
        as_key(&server, &analyst, &["review", "quarantine", "--json", &hold.to_string()]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["entries"][0]["state"], "quarantined", "{stdout}");

    let states = entry_states(&server, &analyst, &case_id).await;
    assert_eq!(states[&verify], EntryState::Verified);
    assert_eq!(states[&reject], EntryState::Rejected);
    assert_eq!(states[&hold], EntryState::Quarantined);

    let (code, stdout, stderr) =
        as_key(&server, &analyst, &["review", "queue", "--state", "quarantined", "--json"]).await;
    assert_eq!(code, 0, "{stderr}");
    let queue = json(&stdout);
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["entry_id"], hold);
    let (code, stdout, _) = as_key(&server, &analyst, &["review", "queue"]).await;
    assert_eq!((code, stdout.trim()), (0, "list ncii: 0 pending entries, the oldest 0 below"));

    let (code, stdout, stderr) = as_key(&server, &analyst, &["review", "case", &case_id]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("category: adult_ncii") && stdout.contains("contact left: no"), "{stdout}");
    for (id, state) in [(verify, "verified"), (reject, "rejected"), (hold, "quarantined")] {
        let row = stdout.lines().find(|l| l.starts_with(&format!("{id} "))).unwrap_or_else(|| panic!("{stdout}"));
        assert!(row.contains(state), "{row}");
    }

    // Platforms may not review, and without a key the command says where a key goes.
    let platform = server.key("p", Role::Platform, &[]).await;
    let (code, _, stderr) = as_key(&server, &platform, &["review", "queue"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("forbidden"), "{stderr}");
    let (code, _, stderr) = disrupt(&["review", "queue", "--server", &server.base_url]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("needs an API key") && stderr.contains("config file"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_analysts_reject_a_case_with_their_keys_in_config_files_which_flags_and_environment_override() {
    let server = spawn().await;
    let (first, second) = (server.key("ana", Role::Analyst, &[]).await, server.key("bob", Role::Analyst, &[]).await);
    let case_id = create_case(&server, Category::AdultNcii, vec![md5(1), md5(2)], &[]).await;
    let home = tempfile::tempdir().unwrap();
    let xdg = home.path().join("xdg");
    std::fs::create_dir_all(xdg.join("disrupt")).unwrap();
    let default_file = xdg.join("disrupt/config.toml");
    std::fs::write(
        &default_file,
        format!("# the hotline's server\nserver = \"{}\"  # comment\n\napi_key = '{first}'\n", server.base_url),
    )
    .unwrap();
    std::fs::set_permissions(&default_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let xdg_env = [("XDG_CONFIG_HOME", xdg.to_str().unwrap())];

    // The first analyst's key and the server come from the default config file.
    let (code, stdout, stderr) =
        disrupt_with_env(&["review", "reject-case", &case_id, "--reason", "abuse"], &xdg_env).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("awaiting a second, different analyst"), "{stdout}");
    assert!(!stderr.contains("warning"), "a 0600 file is fine: {stderr}");
    let (code, stdout, stderr) = disrupt_with_env(&["review", "case", &case_id, "--json"], &xdg_env).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["pending_rejection"]["step"], "awaiting_second_analyst");

    // The second analyst names another file; it is readable by others, so they are warned.
    let other_file = home.path().join("bob.toml");
    std::fs::write(&other_file, format!("server = \"{}\"\napi_key = \"{second}\"\n", server.base_url)).unwrap();
    std::fs::set_permissions(&other_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let other = other_file.to_str().unwrap();
    let (code, stdout, stderr) =
        disrupt(&["review", "reject-case", &case_id, "--reason", "abuse", "--config", other]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("rejected by") && stdout.contains("2 entries left the list"), "{stdout}");
    assert!(stderr.contains("warning") && stderr.contains("chmod 600"), "{stderr}");
    let states = entry_states(&server, &first, &case_id).await;
    assert!(states.values().all(|s| *s == EntryState::Rejected), "{states:?}");

    // DISRUPT_CONFIG_FILE names a file too; a flag or the environment wins over the file.
    let (code, _, stderr) = disrupt_with_env(&["review", "queue"], &[("DISRUPT_CONFIG_FILE", other)]).await;
    assert_eq!(code, 0, "{stderr}");
    let bogus = "dk_00000000000000000000000000000000_bogus";
    let (code, _, stderr) = disrupt_with_env(&["review", "queue", "--api-key", bogus], &xdg_env).await;
    assert_eq!(code, 2, "the flag's key is used, and refused");
    assert!(stderr.contains("unauthorized"), "{stderr}");
    let (code, _, stderr) = disrupt_with_env(&["review", "queue"], &[xdg_env[0], ("DISRUPT_API_KEY", bogus)]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("unauthorized"), "{stderr}");
    let (code, _, stderr) =
        disrupt_with_env(&["review", "queue"], &[xdg_env[0], ("DISRUPT_SERVER", "http://127.0.0.1:9")]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("127.0.0.1:9"), "the environment's server is used: {stderr}");

    // A file it cannot read exactly is an error naming the line, never a silent fallback to the defaults.
    for (text, expected) in [
        ("server = http://x\n", "line 1"),
        ("server = \"http://x\"\napikey = \"k\"\n", "line 2"),
        ("[disrupt]\nserver = \"http://x\"\n", "line 1"),
        ("server = \"a\"\nserver = \"b\"\n", "line 2"),
    ] {
        std::fs::write(&other_file, text).unwrap();
        let (code, _, stderr) = disrupt(&["review", "queue", "--config", other]).await;
        assert_eq!(code, 2, "{text}");
        assert!(stderr.contains(expected) && stderr.contains(other), "{text}: {stderr}");
    }
    let missing = home.path().join("missing.toml");
    let (code, _, stderr) = disrupt(&["stats", "--config", missing.to_str().unwrap()]).await;
    assert_eq!(code, 2, "a named config file must exist");
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_acknowledges_and_decides_a_notice_an_analyst_produced_and_sent() {
    let server = spawn().await;
    let analyst = server.key("ana", Role::Analyst, &[]).await;
    let host = server.key("video host", Role::Platform, &["video-host.example"]).await;
    let urls = ["https://www.video-host.example/v/123", "https://forum.example/t/9", "not a url"];
    let case_id = create_case(&server, Category::AdultNcii, vec![md5(1)], &urls).await;

    let (code, stdout, stderr) = as_key(&server, &analyst, &["review", "case", &case_id]).await;
    assert_eq!(code, 0, "{stderr}");
    for (i, url) in urls.iter().enumerate() {
        let row = stdout.lines().find(|l| l.ends_with(url)).unwrap_or_else(|| panic!("{url}:\n{stdout}"));
        assert!(row.starts_with(&format!("{i} ")) && row.contains("pending"), "{row}");
    }
    let (code, stdout, stderr) = as_key(
        &server,
        &analyst,
        &["review", "urls", &case_id, "--confirm", "0,1", "--dismiss", "2", "--lang", "en", "--json"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let reviewed = json(&stdout);
    let reviews: Vec<&Value> = reviewed["urls"].as_array().unwrap().iter().map(|u| &u["review"]).collect();
    assert_eq!(reviews, ["confirmed", "confirmed", "dismissed"], "{reviewed}");
    let notices = reviewed["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 2, "one notice per host: {reviewed}");
    let notice = notices.iter().find(|n| n["host"] == "video-host.example").unwrap();
    assert_eq!((notice["lang"].as_str(), notice["state"].as_str()), (Some("en"), Some("draft")));
    let id = notice["id"].as_str().unwrap().to_owned();

    // A draft is the hotline's alone.
    let (code, stdout, _) = as_key(&server, &analyst, &["notices", "list", "--state", "draft"]).await;
    assert_eq!(code, 0);
    assert!(stdout.lines().any(|l| l.starts_with(&id) && l.contains("draft") && l.contains(&case_id)), "{stdout}");
    let (code, stdout, _) = as_key(&server, &host, &["notices", "list", "--json"]).await;
    assert_eq!((code, json(&stdout)["notices"].as_array().unwrap().len()), (0, 0), "{stdout}");
    let (code, stdout, stderr) = as_key(&server, &analyst, &["notices", "send", &id]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("notice {id}: sent\n")), "{stdout}");

    // The platform serving the host reads, acknowledges and answers it.
    let (code, stdout, _) = as_key(&server, &host, &["notices", "list"]).await;
    assert_eq!(code, 0);
    assert!(stdout.lines().any(|l| l.starts_with(&id) && l.contains("sent") && l.contains("video-host.example")));
    assert!(!stdout.contains(&case_id), "platforms never see the case id: {stdout}");
    let (code, stdout, stderr) = as_key(&server, &host, &["notices", "show", &id]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("url: https://www.video-host.example/v/123") && stdout.contains("\nSubject: "));
    assert!(!stdout.contains("forum.example"), "only this host's URLs: {stdout}");
    let (code, _, stderr) = as_key(&server, &analyst, &["notices", "ack", &id]).await;
    assert_eq!(code, 2, "analysts do not acknowledge");
    assert!(stderr.contains("forbidden"), "{stderr}");
    let (code, stdout, stderr) = as_key(&server, &host, &["notices", "ack", &id]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("notice {id}: acknowledged\n")), "{stdout}");
    let (code, stdout, stderr) =
        as_key(&server, &host, &["notices", "decide", &id, "--decision", "removed", "--reason", "video deleted"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("notice {id}: removed\n")), "{stdout}");
    assert!(stdout.contains("reason: video deleted") && stdout.contains("time to removal: "), "{stdout}");

    let seen = Client::new(&server.base_url).with_api_key(&analyst).get_notice(&id).await.unwrap();
    assert_eq!(seen.state, NoticeState::Removed);
    assert_eq!(seen.decision_reason.as_deref(), Some("video deleted"));
    assert!(seen.acknowledged_at.is_some() && seen.time_to_removal_ms.is_some());
    let (code, _, stderr) = as_key(&server, &host, &["notices", "decide", &id, "--decision", "rejected"]).await;
    assert_eq!(code, 2, "a decision is not changed");
    assert!(stderr.contains("conflict"), "{stderr}");
    let (code, stdout, _) = as_key(&server, &host, &["notices", "list", "--state", "removed", "--json"]).await;
    assert_eq!((code, json(&stdout)["notices"][0]["id"].as_str()), (0, Some(id.as_str())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_keeps_the_hosts_directory_and_records_an_outcome_received_by_email() {
    let server = spawn().await;
    let analyst = server.key("ana", Role::Analyst, &[]).await;

    let (code, stdout, stderr) =
        as_key(&server, &analyst, &["hosts", "set", "forum.example", "--email", "abuse@forum.example", "--lang", "en"])
            .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("forum.example") && stdout.contains("email") && stdout.contains("abuse@forum.example"));
    let (code, _, stderr) = as_key(&server, &analyst, &["hosts", "set", "Forum.Example:8080"]).await;
    assert_eq!(code, 2, "not a host as notices name hosts");
    assert!(stderr.contains("invalid_request"), "{stderr}");
    let (code, stdout, _) = as_key(&server, &analyst, &["hosts", "list", "--json"]).await;
    assert_eq!(code, 0);
    let hosts = json(&stdout);
    assert_eq!(hosts["hosts"][0]["abuse_email"], "abuse@forum.example", "{hosts}");
    assert_eq!(hosts["hosts"][0]["lang"], "en", "{hosts}");
    let (code, _, stderr) = as_key(&server, &analyst, &["hosts", "delete", "forum.example"]).await;
    assert_eq!(code, 2, "admins remove hosts");
    assert!(stderr.contains("forbidden"), "{stderr}");

    // A notice through the API (the platform's key serves the host), answered by e-mail instead.
    let host = server.key("vh", Role::Platform, &["video-host.example"]).await;
    let case_id = create_case(&server, Category::AdultNcii, vec![md5(9)], &["https://video-host.example/v/1"]).await;
    let (code, stdout, stderr) =
        as_key(&server, &analyst, &["review", "urls", &case_id, "--confirm", "0", "--json"]).await;
    assert_eq!(code, 0, "{stderr}");
    let id = json(&stdout)["notices"][0]["id"].as_str().unwrap().to_owned();
    let (code, _, stderr) = as_key(&server, &analyst, &["notices", "send", &id]).await;
    assert_eq!(code, 0, "{stderr}");
    let today = disrupt_hotline::time::date_of(disrupt_hotline::time::now_ms());
    let (code, _, stderr) =
        as_key(&server, &analyst, &["notices", "outcome", &id, "--outcome", "removed", "--date", "2020-01-01"]).await;
    assert_eq!(code, 2, "not before the sending");
    assert!(stderr.contains("invalid_request"), "{stderr}");
    let (code, _, stderr) = as_key(&server, &host, &["notices", "outcome", &id, "--outcome", "removed"]).await;
    assert_eq!(code, 2, "platforms decide through the API");
    assert!(stderr.contains("forbidden"), "{stderr}");
    let (code, stdout, stderr) = as_key(
        &server,
        &analyst,
        &["notices", "outcome", &id, "--outcome", "no_answer", "--note", "no reply to two e-mails"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("notice {id}: no_answer\n")), "{stdout}");
    assert!(stdout.contains("outcome note: no reply to two e-mails"), "{stdout}");
    assert!(stdout.contains("outcome_recorded") && stdout.contains(&today), "{stdout}");
    let (code, stdout, _) = as_key(&server, &host, &["notices", "list", "--state", "no_answer", "--json"]).await;
    assert_eq!((code, json(&stdout)["notices"][0]["id"].as_str()), (0, Some(id.as_str())), "{stdout}");
    assert!(!stdout.contains("no reply to two e-mails"), "the note is the hotline's: {stdout}");
}

/// `redis-cli` against the test server's own redis-server.
fn redis_cli(server: &Server, args: &[&str]) -> String {
    let url = server.redis_url.as_str();
    let mut command = std::process::Command::new("redis-cli");
    match url.strip_prefix("redis+unix://") {
        Some(socket) => command.args(["-s", socket]),
        None => command.args(["-u", url]),
    };
    let out = command.arg("--raw").args(args).output().expect("redis-cli (installed with redis-server)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_lists_and_revokes_a_key_and_audit_verify_names_a_forged_record() {
    let server = spawn().await;
    let admin = server.admin_key.clone();

    let (code, stdout, stderr) = as_key(
        &server,
        &admin,
        &[
            "admin",
            "keys",
            "create",
            "--name",
            "ExampleTube",
            "--role",
            "platform",
            "--list",
            "ncii",
            "--host",
            "example.com",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let key = stdout.trim().to_owned();
    assert!(key.starts_with("dk_") && !key.contains(char::is_whitespace), "only the key on stdout: {stdout}");
    assert!(stderr.contains("only time the key is shown") && stderr.contains("hosts example.com"), "{stderr}");
    let platform = Client::new(&server.base_url).with_api_key(&key);
    platform.get_hashes(Some("ncii"), None, None).await.unwrap();

    let (code, stdout, _) = as_key(&server, &admin, &["admin", "keys", "list", "--json"]).await;
    assert_eq!(code, 0);
    let keys = json(&stdout);
    let info = keys["keys"].as_array().unwrap().iter().find(|k| k["name"] == "ExampleTube").unwrap().clone();
    assert_eq!((info["role"].as_str(), info["hosts"][0].as_str()), (Some("platform"), Some("example.com")));
    assert!(!stdout.contains(&key), "never the secret");
    let key_id = info["id"].as_str().unwrap().to_owned();
    let (code, stdout, _) = as_key(&server, &admin, &["admin", "keys", "list"]).await;
    assert_eq!(code, 0);
    let row = stdout.lines().find(|l| l.starts_with(&key_id)).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("ExampleTube") && row.contains("platform") && row.trim_end().ends_with('-'), "{row}");

    let (code, stdout, stderr) = as_key(&server, &admin, &["admin", "keys", "revoke", &key_id]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("key {key_id} (ExampleTube) revoked at ")), "{stdout}");
    let refused = platform.get_hashes(Some("ncii"), None, None).await.unwrap_err();
    assert_eq!(refused.code(), Some("unauthorized"), "a revoked key stops working");

    let (code, stdout, stderr) = as_key(&server, &admin, &["admin", "lists", "create", "hotline-2"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().any(|l| l == "hotline-2"), "{stdout}");
    let (code, stdout, _) = as_key(&server, &admin, &["admin", "lists", "list", "--json"]).await;
    assert_eq!(code, 0);
    let lists = json(&stdout);
    assert!(lists["lists"].as_array().unwrap().iter().any(|l| l == "hotline-2"), "{lists}");
    let (code, _, stderr) = as_key(&server, &admin, &["admin", "lists", "create", "Not A Name"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid_list_name"), "{stderr}");
    let analyst = server.key("ana", Role::Analyst, &[]).await;
    let (code, _, stderr) = as_key(&server, &analyst, &["admin", "keys", "list"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("forbidden"), "{stderr}");

    // The audit log: a page, the whole export, and the verdict on its chain.
    let (code, stdout, stderr) = as_key(&server, &admin, &["admin", "audit", "--limit", "2"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().nth(1).is_some_and(|l| l.starts_with("1 ") && l.contains("key_created")), "{stdout}");
    assert!(stdout.contains("more: disrupt admin audit --from 3"), "{stdout}");
    let (code, stdout, _) = as_key(&server, &admin, &["admin", "audit", "--json", "--limit", "1000"]).await;
    assert_eq!(code, 0);
    let page = json(&stdout);
    let records = page["records"].as_array().unwrap();
    assert_eq!(page["head"]["seq"].as_u64(), Some(records.len() as u64));
    let actions: Vec<&str> = records.iter().map(|r| r["entry"]["action"].as_str().unwrap()).collect();
    for action in ["key_created", "key_revoked", "list_created"] {
        assert!(actions.contains(&action), "{action} is audited: {actions:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("audit.jsonl");
    let (code, stdout, stderr) =
        as_key(&server, &admin, &["admin", "audit", "export", "-o", export.to_str().unwrap()]).await;
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let lines: Vec<Value> = std::fs::read_to_string(&export).unwrap().lines().map(json).collect();
    assert!(lines.len() >= records.len(), "{} lines", lines.len());
    assert!(lines.iter().enumerate().all(|(i, l)| l["entry"]["seq"] == i as u64 + 1));
    assert!(stderr.contains(&format!("{} audit records written", lines.len())), "{stderr}");

    // An auditor verifies the export offline, without the server or a key; an edited copy names its first bad record.
    let (code, stdout, stderr) = disrupt(&["audit", "verify", export.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let last = lines.last().unwrap();
    assert_eq!(
        stdout.trim(),
        format!("audit log verified: {} records, head {}", lines.len(), last["hash"].as_str().unwrap())
    );
    let exported = std::fs::read_to_string(&export).unwrap();
    let revoked = exported.lines().position(|l| l.contains("key_revoked")).unwrap();
    let tampered = dir.path().join("tampered.jsonl");
    let edited: Vec<String> = exported
        .lines()
        .enumerate()
        .map(|(i, l)| if i == revoked { l.replace("key_revoked", "key_created") } else { l.to_owned() })
        .collect();
    std::fs::write(&tampered, edited.join("\n") + "\n").unwrap();
    let (code, stdout, stderr) = disrupt(&["audit", "verify", tampered.to_str().unwrap()]).await;
    assert_eq!(code, 1, "a broken chain is exit code 1: {stdout}{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("audit log BROKEN at record {}: entry content does not match its hash", revoked + 1)
    );
    let (code, stdout, _) = disrupt(&["audit", "verify", "--json", tampered.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    let verdict = json(&stdout);
    assert_eq!((verdict["ok"].as_bool(), verdict["broken_at"].as_u64()), (Some(false), Some(revoked as u64 + 1)));
    let missing = dir.path().join("missing.jsonl");
    let (code, _, stderr) = disrupt(&["audit", "verify", missing.to_str().unwrap()]).await;
    assert_eq!(code, 2, "an unreadable file is an error, not a verdict: {stderr}");
    assert!(stderr.contains("missing.jsonl"), "{stderr}");

    let (code, stdout, stderr) = as_key(&server, &admin, &["admin", "audit", "verify"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("audit log verified: "), "{stdout}");

    // Someone with access to Redis turns the revocation into something else: verify names that record.
    let log_key = server.store.audit_log().log_key().to_owned();
    let stored = redis_cli(&server, &["LRANGE", &log_key, "0", "-1"]);
    let stored: Vec<&str> = stored.lines().filter(|l| !l.is_empty()).collect();
    let index = stored.iter().position(|l| l.contains("key_revoked")).unwrap();
    let forged = stored[index].replace("key_revoked", "key_created");
    redis_cli(&server, &["LSET", &log_key, &index.to_string(), &forged]);
    let (code, stdout, stderr) = as_key(&server, &admin, &["admin", "audit", "verify"]).await;
    assert_eq!(code, 1, "a broken chain is exit code 1: {stdout}{stderr}");
    assert!(stdout.starts_with(&format!("audit log BROKEN at record {}: ", index + 1)), "{stdout}");
    let (code, stdout, _) = as_key(&server, &admin, &["admin", "audit", "verify", "--json"]).await;
    assert_eq!(code, 1);
    let verdict = json(&stdout);
    assert_eq!((verdict["ok"].as_bool(), verdict["broken_at"].as_u64()), (Some(false), Some(index as u64 + 1)));

    let year = disrupt_hotline::time::year_of(disrupt_hotline::time::now_ms()).to_string();
    let (code, stdout, stderr) = as_key(&server, &admin, &["admin", "report", "--year", &year]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("hosting_provider,content_type,removed,rejected,no_decision,total"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_show_small_counts_as_null_in_json_and_as_below_the_minimum_in_text() {
    let server = spawn().await;
    for n in 0..6 {
        create_case(&server, Category::AdultNcii, vec![pdq(2 * n + 1), md5(2 * n + 1)], &[]).await;
    }
    for n in 0..2 {
        create_case(&server, Category::Deepfake, vec![pdq(100 + n)], &[]).await;
    }

    let (code, stdout, stderr) = disrupt(&["stats", "--json", "--server", &server.base_url]).await;
    assert_eq!(code, 0, "{stderr}");
    let stats = json(&stdout);
    assert_eq!(stats["minimum"], 5);
    let by_category = stats["cases_by_category"]["items"].as_array().unwrap();
    let deepfake = by_category.iter().find(|i| i["key"] == "deepfake").unwrap();
    assert_eq!(deepfake["count"], Value::Null, "2 deepfake cases are too few to show: {stats}");
    let hashes = &stats["hashes_by_kind_and_state"];
    let pdq_row = hashes["rows"].as_array().unwrap().iter().position(|r| r == "pdq").unwrap();
    assert_eq!(hashes["cells"][pdq_row][0], 8, "8 pending PDQ hashes: {hashes}");

    let (code, stdout, stderr) = disrupt(&["stats", "--server", &server.base_url]).await;
    assert_eq!(code, 0, "{stderr}");
    let line = |key: &str| -> Vec<String> {
        let line = stdout.lines().find(|l| l.trim_start().starts_with(key)).unwrap_or_else(|| panic!("{stdout}"));
        line.split_whitespace().map(str::to_owned).collect()
    };
    for item in by_category {
        let key = item["key"].as_str().unwrap();
        let shown = item["count"].as_u64().map_or_else(|| "<5".to_owned(), |n| n.to_string());
        assert_eq!(line(key), [key, shown.as_str()], "{stdout}");
    }
    assert_eq!(line("pdq")[1], "8", "{stdout}");
    assert!(stdout.contains("Counts under 5 are not published"), "{stdout}");
}
