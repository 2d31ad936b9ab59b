//! The commands that talk to a server, against the real server with its own redis-server.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use disrupt_api::test_server::{TestServer, spawn_server};
use disrupt_client::Client;
use disrupt_openapi::admin::CreateApiKeyRequest;
use disrupt_openapi::model::Role;
use serde_json::Value;

/// The real server (see [`TestServer`]: `base_url`, `admin_key`, `redis_url`, `store`) and an admin client of it.
pub(crate) struct Server {
    pub(crate) admin: Client,
    server: TestServer,
}

impl std::ops::Deref for Server {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.server
    }
}

impl Server {
    /// A new API key with role platform on list `ncii`.
    async fn platform_key(&self) -> String {
        self.key("p", Role::Platform, &[]).await
    }

    /// A new API key on list `ncii` with this role and these hosts.
    pub(crate) async fn key(&self, name: &str, role: Role, hosts: &[&str]) -> String {
        let request = CreateApiKeyRequest {
            name: name.into(),
            role,
            lists: vec!["ncii".into()],
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            contact_access: false,
        };
        self.admin.create_api_key(&request).await.unwrap().key
    }
}

/// Starts the server with its own redis-server and an admin key.
pub(crate) async fn spawn() -> Server {
    let server = spawn_server(&[]).await;
    Server { admin: Client::new(&server.base_url).with_api_key(&server.admin_key), server }
}

fn bridge(name: &str) -> PathBuf {
    crate::testdata().join("pdq/data/reg-test-input/dih").join(name)
}

/// Runs `disrupt match` on `path` with a platform key until it reports a match (exit code 3): the match index
/// follows the store within a moment. Returns the JSON line of the match.
pub(crate) async fn match_until_found(server: &Server, platform: &str, path: &str) -> Value {
    for _ in 0..100 {
        let (code, stdout, stderr) =
            disrupt(&["match", "--server", &server.base_url, "--api-key", platform, path]).await;
        assert!(code == 0 || code == 3, "{stderr}");
        if code == 3 {
            return serde_json::from_str(stdout.trim()).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{path} never matched");
}

/// Runs `disrupt ARGS` (stdin closed, not a terminal): exit code, stdout, stderr.
pub(crate) async fn disrupt(args: &[&str]) -> (i32, String, String) {
    disrupt_with_env(args, &[]).await
}

/// Runs `disrupt ARGS` with these environment variables and none of the caller's `DISRUPT_*` settings or config
/// file (`XDG_CONFIG_HOME` points nowhere unless `env` says otherwise).
pub(crate) async fn disrupt_with_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_disrupt"));
    command
        .args(args)
        .stdin(std::process::Stdio::null())
        .env_remove("DISRUPT_API_KEY")
        .env_remove("DISRUPT_SERVER")
        .env_remove("DISRUPT_CONFIG_FILE")
        .env("XDG_CONFIG_HOME", "/nonexistent/disrupt-cli-tests");
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().await.unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_victim_submits_checks_and_withdraws_and_a_platform_matches_from_the_command_line() {
    let server = spawn().await;
    let cases = tempfile::tempdir().unwrap();
    let cases_dir = cases.path().join("cases");
    let cases_arg = cases_dir.to_str().unwrap();
    let photo = bridge("bridge-1-original.jpg");
    let photo_arg = photo.to_str().unwrap();

    // Without --yes and without a terminal to ask on, nothing is sent.
    let (code, _, stderr) =
        disrupt(&["submit", "--server", &server.base_url, "--cases-dir", cases_arg, photo_arg]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(!cases_dir.exists(), "no case file for a refused submission");

    let (code, stdout, stderr) =
        disrupt(&["submit", "--yes", "--server", &server.base_url, "--cases-dir", cases_arg, photo_arg]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("PDQ f8f8f0ce"), "the hashes are shown before sending: {stderr}");
    let created: Value = serde_json::from_str(stdout.trim()).unwrap();
    let case_id = created["case_id"].as_str().unwrap().to_owned();
    assert_eq!(created["hashes"], 3, "PDQ, MD5, SHA-256");
    let case_file = PathBuf::from(created["case_file"].as_str().unwrap());
    assert_eq!(std::fs::metadata(&case_file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&cases_dir).unwrap().permissions().mode() & 0o777, 0o700);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&case_file).unwrap()).unwrap();
    assert_eq!(saved["case_id"], case_id.as_str());
    assert!(saved["case_secret"].as_str().is_some_and(|s| s.len() >= 40));

    let platform = server.platform_key().await;
    let line = match_until_found(&server, &platform, photo_arg).await;
    assert_eq!(line["matches"].as_array().unwrap().len(), 3, "PDQ, MD5 and SHA-256 each match: {line}");
    // A mirrored copy: its own hashes differ, but its candidate set holds its eight rotations and flips.
    let other = bridge("bridge-5-flipx.jpg");
    let (code, stdout, stderr) =
        disrupt(&["match", "--server", &server.base_url, "--api-key", &platform, other.to_str().unwrap()]).await;
    assert_eq!(code, 3, "a mirrored copy matches through its candidates: {stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    let matches = line["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "the image only, not its digests: {line}");
    assert_eq!(matches[0]["variant"], "flipx", "{line}");
    let (code, _, stderr) = disrupt(&["match", "--server", &server.base_url, photo_arg]).await;
    assert_eq!(code, 2, "no key: {stderr}");

    let (code, stdout, stderr) =
        disrupt(&["status", "--server", &server.base_url, "--cases-dir", cases_arg, &case_id]).await;
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["state"], "active");
    assert_eq!(status["hashes"].as_array().unwrap().len(), 3);

    let (code, _, stderr) =
        disrupt(&["withdraw", "--server", &server.base_url, "--cases-dir", cases_arg, &case_id]).await;
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = disrupt(&["status", "--server", &server.base_url, "--cases-dir", cases_arg, &case_id]).await;
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["state"], "withdrawn");
    let (code, _, stderr) =
        disrupt(&["status", "--server", &server.base_url, "--cases-dir", cases_arg, "nosuchcase"]).await;
    assert_eq!(code, 2, "{stderr}");
}

fn local_copy(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("list.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_keeps_a_local_copy_current_and_resumes_from_its_cursor() {
    let server = spawn().await;
    let platform = server.platform_key().await;
    let victim = Client::new(&server.base_url);
    let case = |n: u8| disrupt_openapi::cases::CreateCaseRequest {
        category: disrupt_openapi::model::Category::AdultNcii,
        hashes: vec![disrupt_openapi::model::HashValue::Md5 { hash: hex::encode([n; 16]).parse().unwrap() }],
        urls: vec![],
        contact: None,
        declarations: None,
    };
    let first = victim.create_case(&case(1)).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("copy");
    let dir_arg = dir.to_str().unwrap().to_owned();
    let args =
        ["sync", "--server", server.base_url.as_str(), "--api-key", platform.as_str(), "--dir", dir_arg.as_str()];

    let (code, stdout, stderr) = disrupt(&args).await;
    assert_eq!(code, 0, "{stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!((summary["entries"].as_u64(), summary["snapshot"].as_bool()), (Some(1), Some(true)));

    victim.create_case(&case(2)).await.unwrap();
    victim.withdraw_case(&first.case_id, &first.case_secret).await.unwrap();
    let (code, stdout, stderr) = disrupt(&args).await;
    assert_eq!(code, 0, "{stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["snapshot"], false, "resumed from the saved cursor: {summary}");
    assert_eq!(summary["removed"], 1, "{summary}");
    let copy = local_copy(&dir);
    assert_eq!(copy.len(), 1);
    assert_eq!(copy[0]["value"]["hash"], hex::encode([2u8; 16]));

    // The server trims records older than its retention (here: a clock past it): the saved cursor is answered
    // 410 cursor_expired, and sync reloads the snapshot by itself.
    victim.create_case(&case(3)).await.unwrap();
    let later = disrupt_hotline::time::now_ms() + server.store.feed_retention().as_millis() as u64 + 1000;
    assert!(server.store.trim_feed("ncii", later).await.unwrap() > 0);
    let (code, stdout, stderr) = disrupt(&args).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("older than the server's retention"), "{stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!((summary["entries"].as_u64(), summary["snapshot"].as_bool()), (Some(2), Some(true)));

    // A cursor the server did not issue is refused (invalid_cursor), not trusted.
    std::fs::write(dir.join("cursor"), "bm90LWEtY3Vyc29y").unwrap();
    let (code, _, stderr) = disrupt(&args).await;
    assert_eq!(code, 2, "a malformed cursor is an error: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_draws_its_progress_on_a_terminal_stderr_and_keeps_stdout_to_json_lines() {
    let server = spawn().await;
    let platform = server.platform_key().await;
    let folder = bridge("");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out.jsonl");
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    // `script` runs the command on a pseudo-terminal; stdout goes to a file, so only stderr is the terminal.
    let command = [env!("CARGO_BIN_EXE_disrupt"), "match", "--server", &server.base_url, folder.to_str().unwrap()]
        .map(quote)
        .join(" ");
    let terminal = tokio::process::Command::new("script")
        .args(["-q", "-e", "-c", &format!("{command} > {}", quote(out.to_str().unwrap())), "/dev/null"])
        .env("DISRUPT_API_KEY", &platform)
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("script (util-linux)");
    let screen = String::from_utf8_lossy(&terminal.stdout);
    assert_eq!(terminal.status.code(), Some(0), "{screen}");
    assert!(screen.contains("8/8 files checked"), "the bar is drawn on the terminal: {screen:?}");
    let lines: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 8, "one clean JSON line per file on stdout");
    assert!(lines.iter().all(|l| l["matches"].as_array().is_some_and(Vec::is_empty)));

    // Not on a terminal: no bar at all.
    let (code, stdout, stderr) =
        disrupt(&["match", "--server", &server.base_url, "--api-key", &platform, folder.to_str().unwrap()]).await;
    assert_eq!((code, stdout.lines().count(), stderr.as_str()), (0, 8, ""), "{stdout}");
}

/// `disrupt match` hashes a video inside bars a second time inside them: a letterboxed copy of a submitted video
/// matches it, through that second frame list only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_letterboxed_copy_of_a_submitted_video_matches_from_the_command_line() {
    let server = spawn().await;
    let work = tempfile::tempdir().unwrap();
    let (listed, copy) = (work.path().join("clip.mp4"), work.path().join("copy.mp4"));
    disrupt_hasher::testdata::reencode_sample_video("pattern-hd-no-bar", "scale=480:270", &listed);
    disrupt_hasher::testdata::reencode_sample_video("pattern-hd-no-bar", "scale=480:270,pad=480:480:0:105", &copy);
    let cases_dir = work.path().join("cases");
    let (code, _, stderr) = disrupt(&[
        "submit",
        "--yes",
        "--server",
        &server.base_url,
        "--cases-dir",
        cases_dir.to_str().unwrap(),
        listed.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    let platform = server.platform_key().await;
    let line = match_until_found(&server, &platform, copy.to_str().unwrap()).await;
    let hashes = line["hashes"].as_array().unwrap();
    let kinds: Vec<&str> = hashes.iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["video", "video", "md5", "sha256"], "its frames, its frames inside the bars, its digests");
    let sent_frames = hashes[0]["frames"].as_array().unwrap();
    assert!(sent_frames.iter().all(|f| f.get("views").is_none()), "a match query sends no frame squares: {line}");
    let matches = line["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{line}");
    assert_eq!(matches[0]["kind"], "video", "{line}");
    // `disrupt hash --json` prints a listed video's frame squares, as `disrupt submit` sends them.
    let (code, stdout, stderr) = disrupt(&["hash", "--json", listed.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stderr}");
    let printed: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let frames = printed["frames"].as_array().unwrap();
    let squared = frames.iter().filter(|f| f["views"].as_array().is_some_and(|v| v.len() == 2)).count();
    assert!(squared >= 3, "{squared} of {} frames with their two centred squares: {printed}", frames.len());
}

#[tokio::test]
async fn receipt_verify_accepts_the_servers_receipt_and_refuses_an_altered_one_or_another_key() {
    let server = spawn().await;
    let victim = Client::new(&server.base_url);
    let request = disrupt_openapi::cases::CreateCaseRequest {
        category: disrupt_openapi::model::Category::AdultNcii,
        hashes: vec![disrupt_openapi::model::HashValue::Md5 { hash: hex::encode([9; 16]).parse().unwrap() }],
        urls: vec!["https://example.org/v/1".into()],
        contact: None,
        declarations: None,
    };
    let created = victim.create_case(&request).await.unwrap();
    let receipt = victim.get_receipt(&created.case_id, &created.case_secret).await.unwrap();
    let key = victim.receipt_key().await.unwrap().public_key;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("receipt.json");
    std::fs::write(&file, serde_json::to_string_pretty(&receipt).unwrap()).unwrap();
    let path = file.to_str().unwrap();

    let (code, stdout, stderr) = disrupt(&["receipt", "verify", "--public-key", &key, path]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(&created.case_id) && stdout.contains("1 hashes"), "{stdout}");

    let mut altered = receipt.clone();
    altered.document.urls.clear();
    std::fs::write(&file, serde_json::to_string_pretty(&altered).unwrap()).unwrap();
    let (code, stdout, _) = disrupt(&["receipt", "verify", path]).await;
    assert_eq!(code, 1, "an altered receipt is refused: {stdout}");

    std::fs::write(&file, serde_json::to_string_pretty(&receipt).unwrap()).unwrap();
    let (code, stdout, _) = disrupt(&["receipt", "verify", "--public-key", &"ab".repeat(32), path]).await;
    assert_eq!(code, 1, "another key is refused: {stdout}");
}
