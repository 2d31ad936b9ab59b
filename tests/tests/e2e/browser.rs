//! What the browser tests share: headless Chromium (Debian's `chromium` + `chromedriver`, driven with
//! fantoccini), a recording TCP relay between the browser and the server, screenshots and waiting helpers.
//!
//! `DISRUPT_SCREENSHOTS=<dir>` saves the tests' PNGs there (`web/screenshots/` in the repository).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Polls a script returning a boolean; a guard against hangs, not a timing assertion.
pub(crate) async fn wait_for_js(client: &Client, script: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.execute(script, vec![]).await? != Value::Bool(true) {
        if Instant::now() > deadline {
            let text = client.find(Locator::Css("main")).await?.text().await.unwrap_or_default();
            bail!("timed out waiting for `{script}`; the page shows:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

pub(crate) async fn screenshot(client: &Client, name: &str) -> Result<()> {
    let Some(dir) = std::env::var_os("DISRUPT_SCREENSHOTS") else { return Ok(()) };
    let png = client.screenshot().await?;
    std::fs::create_dir_all(&dir)?;
    std::fs::write(Path::new(&dir).join(format!("{name}.png")), png)?;
    Ok(())
}

pub(crate) fn tempdir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("disrupt-web-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// One HTTP request as the browser sent it.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

/// The bytes the browser sent on one connection.
type Recording = Arc<Mutex<Vec<u8>>>;

/// A TCP relay between the browser and the server that records every byte the browser sends, per connection.
pub(crate) struct Relay {
    pub(crate) port: u16,
    sent: Arc<Mutex<Vec<Recording>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// A relay to the server at `base_url` (`http://127.0.0.1:<port>`).
    pub(crate) async fn to(base_url: &str) -> Result<Self> {
        Self::start(base_url.rsplit(':').next().context("port")?.parse()?).await
    }

    pub(crate) async fn start(upstream: u16) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let sent: Arc<Mutex<Vec<Recording>>> = Arc::default();
        let connections = sent.clone();
        let task = tokio::spawn(async move {
            while let Ok((browser, _)) = listener.accept().await {
                let record = Arc::new(Mutex::new(Vec::new()));
                connections.lock().expect("relay lock").push(record.clone());
                tokio::spawn(relay_connection(browser, upstream, record));
            }
        });
        Ok(Self { port, sent, task })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request the browser sent, parsed from the recorded bytes (HTTP/1.1 with Content-Length bodies).
    pub(crate) fn requests(&self) -> Result<Vec<Request>> {
        let mut requests = Vec::new();
        for connection in self.sent.lock().expect("relay lock").iter() {
            let bytes = connection.lock().expect("relay lock").clone();
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let end = find(rest, b"\r\n\r\n").context("incomplete request head")?;
                let head = String::from_utf8_lossy(&rest[..end]).to_string();
                let mut lines = head.lines();
                let mut first = lines.next().unwrap_or("").split(' ');
                let method = first.next().unwrap_or("").to_owned();
                let path = first.next().unwrap_or("").to_owned();
                let mut length = 0;
                for line in lines {
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse()?;
                    }
                    ensure!(!lower.starts_with("transfer-encoding:"), "unexpected streamed body: {head}");
                }
                let body_end = (end + 4 + length).min(rest.len());
                requests.push(Request { method, path, head, body: rest[end + 4..body_end].to_vec() });
                rest = &rest[body_end..];
            }
        }
        Ok(requests)
    }

    /// No request carried media: every body is a small JSON document, and no slice of any photo appears
    /// anywhere in what the browser sent.
    pub(crate) fn assert_no_media_sent(&self, photos: &[PathBuf]) -> Result<()> {
        let requests = self.requests()?;
        ensure!(!requests.is_empty(), "the relay saw no request");
        for request in &requests {
            ensure!(request.path.starts_with('/'), "request to another origin: {request:?}");
            if request.body.is_empty() {
                continue;
            }
            ensure!(
                request.body.len() < 64 * 1024,
                "{} {}: body of {} bytes",
                request.method,
                request.path,
                request.body.len()
            );
            serde_json::from_slice::<Value>(&request.body)
                .with_context(|| format!("{} {}: body is not JSON", request.method, request.path))?;
        }
        self.assert_files_not_sent(photos)
    }

    /// No slice of any of `files` appears anywhere in what the browser sent.
    pub(crate) fn assert_files_not_sent(&self, photos: &[PathBuf]) -> Result<()> {
        let all: Vec<u8> =
            self.sent.lock().expect("relay lock").iter().flat_map(|c| c.lock().expect("relay lock").clone()).collect();
        for photo in photos {
            let bytes = std::fs::read(photo)?;
            // Windows taken across the file, past the JPEG header that similar files share.
            for start in (bytes.len() / 8..bytes.len().saturating_sub(64)).step_by((bytes.len() / 16).max(1)) {
                let window = &bytes[start..start + 64];
                ensure!(find(&all, window).is_none(), "bytes of {} were sent to the server", photo.display());
            }
        }
        Ok(())
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay_connection(mut browser: TcpStream, upstream: u16, record: Recording) {
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else { return };
    let (mut from_browser, mut to_browser) = browser.split();
    let (mut from_server, mut to_server) = server.split();
    let upload = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from_browser.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    record.lock().expect("relay lock").extend_from_slice(&buf[..n]);
                    if to_server.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to_server.shutdown().await;
    };
    let download = async {
        let _ = tokio::io::copy(&mut from_server, &mut to_browser).await;
        let _ = to_browser.shutdown().await;
    };
    tokio::join!(upload, download);
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A viewport the browser emulates: its size in CSS pixels and the device pixels per CSS pixel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Viewport {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pixel_ratio: u32,
    /// A phone: touch events and the page's `<meta name="viewport">` honoured, no scroll bar taking width.
    pub(crate) phone: bool,
}

impl Viewport {
    /// WCAG 2.1 reflow (1.4.10): 320 CSS pixels wide, here as the narrowest phones show a page.
    pub(crate) const NARROW: Self = Self { width: 320, height: 640, pixel_ratio: 1, phone: true };

    /// A 1280 x 800 desktop window at 200 % zoom (WCAG 1.4.4): zoom makes each CSS pixel two device pixels, so
    /// the page lays out in 640 x 400 CSS pixels with a device pixel ratio of 2, which is what this emulates;
    /// a desktop, so the scroll bar takes its width. Headless Chromium has no zoom control of its own, and
    /// `--force-device-scale-factor=2` is a high-density screen, not zoom: a 1280-pixel window still lays out
    /// in 1280 CSS pixels with it (measured: `innerWidth` 1280, `devicePixelRatio` 2).
    pub(crate) const ZOOM_200: Self = Self { width: 640, height: 400, pixel_ratio: 2, phone: false };
}

/// Headless Chromium from Debian through its chromedriver, with a fresh profile.
pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: tokio::process::Child,
    profile: PathBuf,
}

impl Browser {
    /// A 900 x 1200 window, connecting directly.
    pub(crate) async fn start() -> Result<Self> {
        Self::start_with(900, 1200, None).await
    }

    /// A `width` x `height` window; with `proxy`, every request the browser makes, to any host, loopback
    /// included, goes through that port (a [`Relay`]), so that one to another origin is seen there.
    pub(crate) async fn start_with(width: u32, height: u32, proxy: Option<u16>) -> Result<Self> {
        Self::launch(width, height, proxy, None).await
    }

    /// A page seen through `viewport`, emulated by chromedriver (`goog:chromeOptions.mobileEmulation`): the
    /// window itself cannot be made narrower than 500 pixels in headless Chromium.
    pub(crate) async fn start_emulating(viewport: Viewport) -> Result<Self> {
        Self::launch(900, 1200, None, Some(viewport)).await
    }

    async fn launch(width: u32, height: u32, proxy: Option<u16>, viewport: Option<Viewport>) -> Result<Self> {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            ensure!(
                Path::new(bin).exists(),
                "{bin} missing: apt-get install chromium chromium-driver (scripts/install-deps)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // Its own process group, which Chromium's processes join, so that dropping the browser ends them all.
        let driver = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        let profile = tempdir()?;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--window-size={width},{height}"),
            "--lang=en-US".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if let Some(port) = proxy {
            // `<-loopback>` takes back Chromium's implicit bypass of loopback addresses.
            args.push(format!("--proxy-server=http://127.0.0.1:{port}"));
            args.push("--proxy-bypass-list=<-loopback>".into());
        }
        let mut caps = serde_json::Map::new();
        // Files the page offers for download (the victim's receipt) land in the profile, where a test reads them.
        let prefs = json!({
            "download.default_directory": profile.join("downloads"),
            "download.prompt_for_download": false,
        });
        let mut options = json!({ "binary": CHROMIUM, "args": args, "prefs": prefs });
        if let Some(v) = viewport {
            let metrics = json!({
                "width": v.width,
                "height": v.height,
                "pixelRatio": v.pixel_ratio,
                "mobile": v.phone,
                "touch": v.phone,
            });
            options["mobileEmulation"] = json!({ "deviceMetrics": metrics });
        }
        caps.insert("goog:chromeOptions".into(), options);
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => bail!("chromedriver did not start: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Ok(Self { client, driver, profile })
    }

    /// The file named `name` that the page offered for download, once the browser has written all of it.
    pub(crate) async fn downloaded(&self, name: &str) -> Result<Vec<u8>> {
        let dir = self.profile.join("downloads");
        let path = dir.join(name);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let in_progress = std::fs::read_dir(&dir)
                .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".crdownload")))
                .unwrap_or(false);
            if let (false, Ok(bytes)) = (in_progress, std::fs::read(&path)) {
                return Ok(bytes);
            }
            ensure!(Instant::now() < deadline, "{name} was not downloaded");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session politely; dropping the browser then ends its processes.
    pub(crate) async fn close(self) -> Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }
}

/// A test that fails returns early, without [`Browser::close`]: chromedriver is killed with the browser (its
/// `kill_on_drop`), but Chromium's processes, its children, would outlive it and keep a core busy for the rest of
/// the run. So the whole process group goes, and the profile with it.
impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(group) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Ids of the live (not zombie) processes of process group `group`, from `/proc`.
#[cfg(test)]
fn live_processes_of_group(group: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command's closing parenthesis: state, ppid, pgrp.
        let mut fields = stat[stat.rfind(')')? + 2..].split(' ');
        let (state, _ppid, pgrp) = (fields.next()?, fields.next()?, fields.next()?);
        (pgrp.parse() == Ok(group) && state != "Z").then_some(pid)
    })
    .collect()
}

/// A browser dropped without [`Browser::close`], as a failing test leaves it, leaves no Chromium running.
#[tokio::test]
async fn a_browser_dropped_without_closing_leaves_no_process_behind() {
    let browser = Browser::start().await.unwrap();
    browser.client.goto("about:blank").await.unwrap();
    let group = browser.driver.id().unwrap();
    let before = live_processes_of_group(group);
    assert!(before.len() > 2, "chromedriver and Chromium's processes share its group: {before:?}");
    drop(browser);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !live_processes_of_group(group).is_empty() {
        assert!(Instant::now() < deadline, "still running: {:?}", live_processes_of_group(group));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
