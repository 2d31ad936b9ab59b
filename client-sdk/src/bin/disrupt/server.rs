//! The commands that talk to a disrupt server: victims' `submit`, `status`, `withdraw`, platforms' `match` and
//! `sync`; and [`ServerArgs`], how every command finds the server and its API key.
//! Files are hashed here, on this device; only hashes are sent.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use disrupt_client::Client;
use disrupt_client::local;
use disrupt_hasher::media::{MediaHashes, MediaOptions};
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::matching::MatchRequest;
use disrupt_openapi::model::{Category, EntryState, HashValue};
use serde_json::json;

use crate::render::{errln, outln};

/// Where the server is and who is asking. Each comes from its flag, else its environment variable, else the
/// config file, else the default. The flags are global: they may follow any subcommand.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// The disrupt server [default: `server` in the config file, else http://127.0.0.1:8080].
    #[arg(long, env = "DISRUPT_SERVER", global = true, value_name = "URL")]
    server: Option<String>,
    /// An API key (platforms, analysts, admins; victims' commands never send one). Prefer the environment
    /// variable or the config file: other users of this machine can see a key given on the command line.
    #[arg(long, env = "DISRUPT_API_KEY", hide_env_values = true, global = true, value_name = "KEY")]
    api_key: Option<String>,
    /// A config file setting `server = "..."` and `api_key = "..."` (TOML; keep it `chmod 600`)
    /// [default: $XDG_CONFIG_HOME/disrupt/config.toml or ~/.config/disrupt/config.toml, if it exists].
    #[arg(long, env = "DISRUPT_CONFIG_FILE", global = true, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The server used when neither a flag, the environment nor the config file names one.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

impl ServerArgs {
    /// The server and key after flags, environment, config file and default.
    pub fn resolve(&self) -> anyhow::Result<Connection> {
        let file = crate::config::load(self.config.as_deref())?;
        Ok(Connection {
            server: self.server.clone().or(file.server).unwrap_or_else(|| DEFAULT_SERVER.to_owned()),
            api_key: self.api_key.clone().or(file.api_key),
        })
    }
}

/// A resolved server and key.
pub struct Connection {
    /// The server's base URL.
    pub server: String,
    api_key: Option<String>,
}

impl Connection {
    /// A client of the server, with the key when there is one.
    pub fn client(&self) -> Client {
        let client = self.anonymous_client();
        match &self.api_key {
            Some(key) => client.with_api_key(key),
            None => client,
        }
    }

    /// A client that sends no key: victims' commands, so that a key in the config file of a hotline's or a
    /// platform's machine never travels with a victim's case.
    pub fn anonymous_client(&self) -> Client {
        Client::new(&self.server)
    }

    /// A client with the key, or an error saying that `what` needs one and where to put it.
    pub fn keyed_client(&self, what: &str) -> anyhow::Result<Client> {
        anyhow::ensure!(
            self.api_key.is_some(),
            "{what} needs an API key (--api-key, DISRUPT_API_KEY or `api_key` in the config file)"
        );
        Ok(self.client())
    }
}

/// Where case files are kept.
#[derive(clap::Args)]
pub struct CasesDir {
    /// Folder of the case files (id and secret), readable only by you.
    #[arg(long, env = "DISRUPT_CASES_DIR", default_value_os_t = default_cases_dir())]
    cases_dir: PathBuf,
}

fn default_cases_dir() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")));
    data.unwrap_or_else(|| PathBuf::from(".")).join("disrupt/cases")
}

/// Arguments of `disrupt submit`.
#[derive(clap::Args)]
pub struct SubmitArgs {
    /// Images and videos (folders are walked). They are hashed here; only the hashes are sent.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// What the images show: adult_ncii, minor, sextortion_threat, deepfake, other.
    #[arg(long, default_value = "adult_ncii")]
    category: String,
    /// Where the content is already online (repeat for several).
    #[arg(long = "url")]
    urls: Vec<String>,
    /// How the hotline may reach you; erased when you withdraw.
    #[arg(long)]
    contact: Option<String>,
    /// Send without asking.
    #[arg(long, short = 'y')]
    yes: bool,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    cases: CasesDir,
}

/// Arguments of `disrupt status` and `disrupt withdraw`.
#[derive(clap::Args)]
pub struct CaseArgs {
    /// The case id `disrupt submit` printed.
    case_id: String,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    cases: CasesDir,
}

/// Arguments of `disrupt match`.
#[derive(clap::Args)]
pub struct MatchArgs {
    /// Files or folders to check against the list. They are hashed here; only the hashes are sent.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

/// Hashes every file for a case (an image with its views); a file that cannot be hashed stops the command
/// (nothing half-submitted).
fn hash_all(paths: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, Vec<HashValue>)>> {
    let opts = MediaOptions { views: true, ..MediaOptions::default() };
    let mut out = Vec::new();
    for file in local::collect_files(paths) {
        let path = file.map_err(|(path, e)| anyhow::anyhow!("{}: {e} ({})", path.display(), e.code()))?;
        let hashes =
            local::hash_file(&path, &opts).map_err(|e| anyhow::anyhow!("{}: {e} ({})", path.display(), e.code()))?;
        let values = local::hash_values(&hashes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        out.push((path, values));
    }
    anyhow::ensure!(!out.is_empty(), "no file to hash");
    Ok(out)
}

fn describe(value: &HashValue) -> String {
    match value {
        HashValue::Pdq { hash, quality, views } => {
            format!(
                "PDQ {hash} (quality {}) and {} views (squares inside the image)",
                quality.unwrap_or(0),
                views.len()
            )
        }
        HashValue::Video { frames } => format!("video: {} frame hashes", frames.len()),
        HashValue::Md5 { hash } => format!("MD5 {hash}"),
        HashValue::Sha256 { hash } => format!("SHA-256 {hash}"),
    }
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    crate::render::write_err(&format!("{question} [y/N] "));
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// `disrupt submit`.
pub fn submit(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let category: Category = serde_json::from_value(json!(args.category))
        .map_err(|_| anyhow::anyhow!("unknown category {:?}", args.category))?;
    let connection = args.server.resolve()?;
    let files = hash_all(&args.paths)?;
    errln!("Only these hashes will be sent to {}; your files stay on this device:", connection.server);
    for (path, values) in &files {
        errln!("  {}", path.display());
        for value in values {
            errln!("    {}", describe(value));
        }
    }
    if !args.yes {
        anyhow::ensure!(std::io::stdin().is_terminal(), "nothing was sent: not a terminal, pass --yes to send");
        if !confirm("Send them?")? {
            errln!("Nothing was sent.");
            return Ok(ExitCode::from(1));
        }
    }
    let request = CreateCaseRequest {
        category,
        hashes: files.into_iter().flat_map(|(_, values)| values).collect(),
        urls: args.urls,
        contact: args.contact,
        declarations: None,
    };
    let created = runtime()?.block_on(connection.anonymous_client().create_case(&request))?;
    let file = save_case(&args.cases.cases_dir, &connection.server, &created.case_id, &created.case_secret)?;
    outln!("{}", json!({"case_id": created.case_id, "hashes": created.hashes.len(), "case_file": file}));
    errln!(
        "Case {} created. Its secret is in {} (readable only by you): keep it to check the case or withdraw it.",
        created.case_id,
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the case file with mode 0600 in a folder with mode 0700, never readable by others even briefly.
fn save_case(dir: &Path, server: &str, case_id: &str, secret: &str) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).with_context(|| dir.display().to_string())?;
    anyhow::ensure!(
        case_id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "the server answered a case id that is not a plain name: {case_id:?}"
    );
    let path = dir.join(format!("{case_id}.json"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| path.display().to_string())?;
    let body = json!({"server": server, "case_id": case_id, "case_secret": secret});
    writeln!(file, "{body}")?;
    Ok(path)
}

fn load_secret(dir: &Path, case_id: &str) -> anyhow::Result<String> {
    anyhow::ensure!(case_id.bytes().all(|b| b.is_ascii_alphanumeric()), "malformed case id {case_id:?}");
    let path = dir.join(format!("{case_id}.json"));
    let text = std::fs::read_to_string(&path).with_context(|| format!("no case file {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| path.display().to_string())?;
    value["case_secret"].as_str().map(str::to_owned).context("the case file has no secret")
}

/// `disrupt status`.
pub fn status(args: CaseArgs) -> anyhow::Result<ExitCode> {
    let secret = load_secret(&args.cases.cases_dir, &args.case_id)?;
    let status = runtime()?.block_on(args.server.resolve()?.anonymous_client().get_case(&args.case_id, &secret))?;
    outln!("{}", serde_json::to_string_pretty(&status)?);
    Ok(ExitCode::SUCCESS)
}

/// `disrupt withdraw`.
pub fn withdraw(args: CaseArgs) -> anyhow::Result<ExitCode> {
    let secret = load_secret(&args.cases.cases_dir, &args.case_id)?;
    let withdrawn =
        runtime()?.block_on(args.server.resolve()?.anonymous_client().withdraw_case(&args.case_id, &secret))?;
    outln!("{}", serde_json::to_string(&withdrawn)?);
    errln!("Case {} is withdrawn: its hashes leave the list and every platform that syncs.", args.case_id);
    Ok(ExitCode::SUCCESS)
}

/// `disrupt match`: one JSON line per file with the entries each of its hashes matched, printed as soon as the
/// file is checked. Exit code 0 when nothing matched, 3 when something did (for scripts). On a terminal, a
/// progress bar on stderr counts the files.
pub fn match_files(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.keyed_client("the match API")?;
    let files = local::collect_files(&args.paths);
    anyhow::ensure!(!files.is_empty(), "no file to hash");
    // An image goes as its candidate set (whole, framed pictures, windows): cropped, framed and mirrored copies
    // of listed images match too (not turned ones: see `QueryOptions::to_send`). A video inside bars goes with a
    // second frame list, hashed inside them.
    #[cfg_attr(not(feature = "video"), allow(unused_mut))]
    let mut opts = MediaOptions { query: disrupt_hasher::robust::QueryOptions::to_send(), ..MediaOptions::query() };
    // A video's frame windows (what finds a cropped re-encode) are too many to send: `POST /v1/match/upload` has
    // them, this route gets the frame lists.
    #[cfg(feature = "video")]
    {
        opts.video.frame_windows = false;
    }
    let rt = runtime()?;
    let progress = crate::render::progress_bar(files.len(), 2, "{bar:40} {pos}/{len} files checked, {eta} left");
    let mut any = false;
    for file in files {
        let path = file.map_err(|(path, e)| anyhow::anyhow!("{}: {e} ({})", path.display(), e.code()))?;
        let hashes =
            local::hash_file(&path, &opts).map_err(|e| anyhow::anyhow!("{}: {e} ({})", path.display(), e.code()))?;
        let values = local::hash_values(&hashes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let images: Vec<_> = match &hashes {
            MediaHashes::Image { image, .. } => image.candidates.iter().map(|c| local::image_candidates(c)).collect(),
            #[cfg(feature = "video")]
            MediaHashes::Video { .. } => Vec::new(),
        };
        // The image's own PDQ is the first of its candidates: only the digests (and videos) go as hashes.
        let queries: Vec<HashValue> = if images.is_empty() {
            values.clone()
        } else {
            values.iter().filter(|v| !matches!(v, HashValue::Pdq { .. })).cloned().collect()
        };
        let response = rt.block_on(client.match_hashes(&MatchRequest { hashes: queries, lists: None, images }))?;
        let matches: Vec<_> = response.results.iter().flat_map(|r| r.matches.iter()).collect();
        any |= !matches.is_empty();
        let line = json!({"path": path.display().to_string(), "hashes": values, "matches": matches});
        progress.suspend(|| crate::render::write_line(format_args!("{line}")))?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(if any { ExitCode::from(3) } else { ExitCode::SUCCESS })
}

/// Arguments of `disrupt sync`.
#[derive(clap::Args)]
pub struct SyncArgs {
    /// Folder of the local copy: `list.jsonl` (one feed record per live entry) and `cursor`.
    #[arg(long, default_value = "disrupt-list")]
    dir: PathBuf,
    /// The list to copy.
    #[arg(long, default_value = "ncii")]
    list: String,
    #[command(flatten)]
    server: ServerArgs,
}

/// `disrupt sync`: brings the local copy up to date from the delta feed, from the saved cursor (a snapshot the
/// first time, and again when the server answers that the cursor is older than its retention). Records are
/// applied in order, tombstones remove. At the end the copy, then the cursor, are each replaced atomically: an
/// interrupted sync resumes from the last saved cursor, and a crash between the two replays records onto a newer
/// copy, which is harmless since every record is an entry's whole state.
pub fn sync(args: SyncArgs) -> anyhow::Result<ExitCode> {
    use std::collections::BTreeMap;
    let client = args.server.resolve()?.keyed_client("the feed")?;
    std::fs::create_dir_all(&args.dir).with_context(|| args.dir.display().to_string())?;
    let list_path = args.dir.join("list.jsonl");
    let cursor_path = args.dir.join("cursor");
    let mut entries: BTreeMap<String, disrupt_openapi::feed::FeedRecord> = BTreeMap::new();
    let mut cursor = std::fs::read_to_string(&cursor_path).ok().map(|c| c.trim().to_owned());
    if cursor.is_some() {
        for line in std::fs::read_to_string(&list_path).unwrap_or_default().lines().filter(|l| !l.is_empty()) {
            let record: disrupt_openapi::feed::FeedRecord =
                serde_json::from_str(line).with_context(|| format!("corrupt line in {}", list_path.display()))?;
            entries.insert(record.entry.clone(), record);
        }
    }
    let rt = runtime()?;
    let (mut applied, mut removed, mut resynced) = (0usize, 0usize, false);
    loop {
        let Some(from) = cursor.clone() else {
            let snapshot = rt.block_on(client.get_snapshot(Some(&args.list)))?;
            entries = snapshot.records.into_iter().map(|r| (r.entry.clone(), r)).collect();
            cursor = Some(snapshot.next_cursor);
            resynced = true;
            continue;
        };
        let page = match rt.block_on(client.get_hashes(Some(&args.list), Some(&from), Some(1000))) {
            Err(err) if err.code() == Some("cursor_expired") => {
                errln!("disrupt: the saved cursor is older than the server's retention; reloading the snapshot");
                cursor = None;
                continue;
            }
            other => other?,
        };
        for record in page.records {
            applied += 1;
            if matches!(record.state, EntryState::Pending | EntryState::Verified) {
                entries.insert(record.entry.clone(), record);
            } else if entries.remove(&record.entry).is_some() {
                removed += 1;
            }
        }
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    let mut body = String::new();
    for record in entries.values() {
        body.push_str(&serde_json::to_string(record)?);
        body.push('\n');
    }
    replace_file(&list_path, body.as_bytes())?;
    replace_file(&cursor_path, cursor.unwrap_or_default().as_bytes())?;
    outln!(
        "{}",
        json!({"entries": entries.len(), "records_applied": applied, "removed": removed, "snapshot": resynced})
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `path` through a temporary file and a rename, so a reader never sees half of it.
fn replace_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| tmp.display().to_string())?;
    std::fs::rename(&tmp, path).with_context(|| path.display().to_string())?;
    Ok(())
}
