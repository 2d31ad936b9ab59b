//! One typed configuration, layered: defaults, then an optional file (TOML or YAML, path in `DISRUPT_CONFIG`),
//! then `DISRUPT_*` environment variables (`DISRUPT_REDIS_URL`, `DISRUPT_DATA_DIR`, ...). This is the only place
//! that reads the environment. Secrets are [`SecretString`]s, so `Debug` never prints them.

use std::{
    collections::HashMap,
    fs,
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};

use disrupt_hotline::flood::FloodSettings;
use disrupt_hotline::notices::Notifier;
use disrupt_hotline::review::BenignThresholds;
use disrupt_openapi::privacy::Controller;
use ring::{
    hmac,
    rand::{SecureRandom, SystemRandom},
};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::Deserialize;

mod store;

pub use store::{
    DEFAULT_PAGE_BYTES, MIN_PAGE_BYTES, PublicationPolicy, RedisSettings, ReplicaWait, ReplicationSettings,
};

/// Environment variables with this prefix override the file; `__` separates nested keys.
pub const ENV_PREFIX: &str = "DISRUPT";
/// Names the optional configuration file.
pub const CONFIG_FILE_VAR: &str = "DISRUPT_CONFIG";
/// The server key's file in the data directory, made on first start when no key is configured.
pub const SERVER_KEY_FILE: &str = "server.key";
/// Where `scripts/build-web` puts the victims' page in this source tree: served unless `web_dir` names another.
pub const DEFAULT_WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web");
/// Bytes of a generated server key.
const SERVER_KEY_BYTES: usize = 32;

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file or an environment variable has a bad value.
    #[error("invalid configuration")]
    Config(#[from] config::ConfigError),
    /// A file in the data directory could not be read or written.
    #[error("cannot use {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The configured or stored server key is not hex of at least 32 bytes.
    #[error("the server key must be at least {SERVER_KEY_BYTES} bytes of hex")]
    InvalidServerKey,
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
    /// A value is out of its range; the message names the setting.
    #[error("{0}")]
    OutOfRange(String),
}

/// The server's settings. Field names are the keys in the file and, upper-cased after `DISRUPT_`, in the
/// environment.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the HTTP server listens. `DISRUPT_ADDRESS`, default `127.0.0.1:8080`.
    pub address: String,
    /// Where `/metrics` (Prometheus) is served, apart from the API: request counts and latencies per route show
    /// when victims submit and withdraw, so only the monitoring network should reach them.
    /// `DISRUPT_METRICS_ADDRESS`, default `127.0.0.1:9090`; empty serves no metrics.
    pub metrics_address: String,
    /// An external Redis (`redis://`, `rediss://`, `redis+unix://`, `redis+cluster://h:p,h:p`). Without it the
    /// server runs its own redis-server in the data directory. `DISRUPT_REDIS_URL`.
    pub redis_url: Option<SecretString>,
    /// Server state: the embedded Redis's files, the generated server key. `DISRUPT_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// Put before every Redis key. `DISRUPT_KEY_PREFIX`, default `disrupt:`.
    pub key_prefix: String,
    /// Days feed records (tombstones included) are kept. `DISRUPT_FEED_RETENTION_DAYS`, default 90.
    pub feed_retention_days: u64,
    /// HMAC key (hex, >= 32 bytes) for case secrets and API keys. `DISRUPT_SERVER_KEY`. Without it a random key
    /// is made on first start and kept in `<data_dir>/server.key` (mode 0600).
    pub server_key: Option<SecretString>,
    /// A first admin API key to create at start unless it exists (`dk_<hex id>_<secret>`, the secret at least 128
    /// bits: `admin_cli::secret_bits`). `DISRUPT_BOOTSTRAP_ADMIN_KEY`.
    pub bootstrap_admin_key: Option<SecretString>,
    /// The redis-server binary for the embedded Redis. `DISRUPT_REDIS_SERVER`, default `redis-server` (on PATH).
    pub redis_server: PathBuf,
    /// Log filter (tracing `EnvFilter` syntax). `DISRUPT_LOG`, default `info`.
    pub log: String,
    /// Log as JSON lines rather than text. `DISRUPT_LOG_JSON`, default false.
    pub log_json: bool,
    /// Budgets of the anonymous routes, per client, shared by every process on one Redis.
    /// `DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR`
    /// (30), `DISRUPT_RATE_LIMITS__LOOKUPS_PER_MINUTE` (30), `DISRUPT_RATE_LIMITS__SECRET_FAILURES_PER_HOUR` (10),
    /// `DISRUPT_RATE_LIMITS__BEHIND_PROXY` (false; true behind a reverse proxy that sets `X-Forwarded-For`).
    pub rate_limits: RateLimitSettings,
    /// Flood detection: when new entries are held for an analyst instead of published (`disrupt_hotline::flood`).
    /// `DISRUPT_FLOOD__SAME_HASH_CASES` (3), `DISRUPT_FLOOD__CLIENT_CASES_PER_HOUR` (10),
    /// `DISRUPT_FLOOD__CASES_PER_HOUR` (2000, service-wide); 0 turns one off.
    pub flood: FloodSettings,
    /// Publication batches (`store::publication`): new and changed live entries reach the feed together with
    /// other cases' once `DISRUPT_PUBLICATION__MIN_CASES` (5) cases wait, or once the oldest has waited
    /// `DISRUPT_PUBLICATION__MAX_WAIT_SECS` (600). Matching sees them at once. `MIN_CASES=1` publishes every
    /// case on its own at once: the feed then shows which hashes came together.
    pub publication: PublicationSettings,
    /// How long a request may take, body included: `DISRUPT_TIME_LIMITS__REQUEST_SECS` (30),
    /// `DISRUPT_TIME_LIMITS__UPLOAD_SECS` (300, media uploads), `DISRUPT_TIME_LIMITS__HEADERS_SECS` (10).
    pub time_limits: TimeLimits,
    /// Media uploads (`/v1/cases/upload`, `/v1/media/hash`, `/v1/match/upload`) buffered and hashed at once; more
    /// get 503 `server_busy`. Each may hold 128 MiB while it is read. `DISRUPT_CONCURRENT_UPLOADS`, default 0:
    /// twice the number of cores.
    pub concurrent_uploads: usize,
    /// The victims' web page (the `web/` folder with `pkg/` built by `scripts/build-web`), served at `/`.
    /// `DISRUPT_WEB_DIR`, default the source tree's `web/`.
    pub web_dir: PathBuf,
    /// The hotline's side: who signs notices, the review rules, statistics. `DISRUPT_HOTLINE__...`.
    pub hotline: HotlineSettings,
    /// On Redis with replicas: how many must hold a case creation, withdrawal or decision before the API
    /// acknowledges it. `DISRUPT_REPLICATION__WAIT_FOR` (0: off; a number; or `auto`, 1 when the node has a
    /// replica), `DISRUPT_REPLICATION__TIMEOUT_MS` (1000; then 503 `store_unavailable`).
    pub replication: ReplicationSettings,
    /// How much one case may carry: `DISRUPT_CASE_LIMITS__FRAMES_PER_VIDEO` (7200, at most 7200),
    /// `DISRUPT_CASE_LIMITS__FRAMES_PER_CASE` (36000).
    pub case_limits: CaseLimits,
    /// The most bytes of list records one page or batch carries: `GET /v1/hashes` pages, FetchHashes pages, the
    /// chunks of a streamed snapshot, and the batches that load and sync the match index (Redis reads no more than
    /// that either). A page stops before the record that would take it past the budget but always carries one, so
    /// cursors advance; a maximal video (7,200 frames) is about 900 KB. `DISRUPT_PAGE_BYTES`, default 4194304
    /// (4 MiB), at least 1024.
    pub page_bytes: usize,
}

/// Budgets of the anonymous routes (settings `rate_limits.*`, e.g. `DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Case submissions (JSON or upload) per client per hour; files hashed without a case (`POST /v1/media/hash`)
    /// have as many again, in a budget of their own.
    pub submissions_per_hour: u32,
    /// Hashes in those submissions per client per hour (one case carries up to 1,000).
    pub hashes_per_hour: u32,
    /// Case lookups and withdrawals per client per minute.
    pub lookups_per_minute: u32,
    /// Wrong secrets accepted for one case per hour before it is locked for the rest of the hour.
    pub secret_failures_per_hour: u32,
    /// The server sits behind a reverse proxy that sets `Forwarded`/`X-Forwarded-For`: take the client from
    /// there (otherwise every client would share the proxy's budget). Leave off when clients connect directly,
    /// or they could pick their own budget.
    pub behind_proxy: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            submissions_per_hour: 30,
            hashes_per_hour: 3_000,
            lookups_per_minute: 30,
            secret_failures_per_hour: 10,
            behind_proxy: false,
        }
    }
}

/// Caps on what one case stores (section `case_limits`). A video's frame list is stored with its entry and
/// copied into every feed record of it, and every platform pulls it: these keep one record near a megabyte and
/// one case near a few.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct CaseLimits {
    /// Frames of one video; 1 fps over two hours by default. Never above
    /// [`disrupt_openapi::model::MAX_FRAMES_PER_VIDEO`].
    pub frames_per_video: usize,
    /// Frames of all the videos of one case together.
    pub frames_per_case: usize,
}

impl Default for CaseLimits {
    fn default() -> Self {
        Self {
            frames_per_video: disrupt_openapi::model::MAX_FRAMES_PER_VIDEO,
            frames_per_case: disrupt_openapi::model::DEFAULT_FRAMES_PER_CASE,
        }
    }
}

impl CaseLimits {
    /// Checks the caps are usable: at least one frame, and no video larger than the contract allows.
    pub fn validate(&self) -> Result<(), String> {
        let ceiling = disrupt_openapi::model::MAX_FRAMES_PER_VIDEO;
        if !(1..=ceiling).contains(&self.frames_per_video) {
            return Err(format!("case_limits.frames_per_video is 1 to {ceiling}"));
        }
        if self.frames_per_case < self.frames_per_video {
            return Err("case_limits.frames_per_case is at least case_limits.frames_per_video".into());
        }
        Ok(())
    }
}

/// When waiting entries are published to the feed (section `publication`).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PublicationSettings {
    /// Distinct cases whose entries wait before a batch is published.
    pub min_cases: usize,
    /// Seconds the oldest waiting entry may wait before a batch is published anyway.
    pub max_wait_secs: u64,
}

impl Default for PublicationSettings {
    fn default() -> Self {
        let policy = PublicationPolicy::default();
        Self { min_cases: policy.min_cases, max_wait_secs: policy.max_wait.as_secs() }
    }
}

impl PublicationSettings {
    /// The store's policy.
    pub fn policy(&self) -> PublicationPolicy {
        PublicationPolicy { min_cases: self.min_cases.max(1), max_wait: Duration::from_secs(self.max_wait_secs) }
    }
}

/// How long a client may take (section `time_limits`). A client that sends its headers or its body too slowly
/// (slowloris) gets `408 request_timeout` and its connection closed, instead of holding a worker and memory.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TimeLimits {
    /// Seconds for a whole request (reading the body, the work, the answer), except media uploads.
    pub request_secs: u64,
    /// Seconds for a media upload (`/v1/cases/upload`, `/v1/media/hash`, `/v1/match/upload`): a large video on a
    /// slow line.
    pub upload_secs: u64,
    /// Seconds to receive a request's headers.
    pub headers_secs: u64,
}

impl Default for TimeLimits {
    fn default() -> Self {
        Self { request_secs: 30, upload_secs: 300, headers_secs: 10 }
    }
}

/// The hotline's settings (section `hotline` of the file, or `DISRUPT_HOTLINE__*`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct HotlineSettings {
    /// Who sends takedown notices (the hotline, never the victim): `hotline.notifier.name`, `.email`,
    /// `.signatory`, optional `.postal_address`, `.website`, `.trusted_flagger`. Set these before sending notices.
    pub notifier: Notifier,
    /// A directory with the hotline's own notice templates (`fr.txt`, `en.txt`); missing files fall back to the
    /// built-in ones. `DISRUPT_HOTLINE__TEMPLATES_DIR`.
    pub templates_dir: Option<PathBuf>,
    /// Rejecting a whole case needs a second, different analyst. Default true.
    pub two_analysts_for_case_rejection: bool,
    /// No published statistic is below this count. Default 5.
    pub stats_minimum: u64,
    /// When the popular-benign-image heuristic quarantines an unverified entry.
    pub benign: BenignThresholds,
    /// Seconds between two checks for notices overdue for a reminder. Default 300.
    pub reminder_check_secs: u64,
    /// E-mail delivery of notices to hosts that are not API-integrated (`hotline.smtp.*`,
    /// `DISRUPT_HOTLINE__SMTP__*`). Without a `host`, notices go through the API only.
    pub smtp: SmtpSettings,
    /// The data controller the victims' privacy notice names (`GET /v1/privacy`): `hotline.controller.name`,
    /// `.address`, `.email`, `.dpo`, `.authority`, `.authority_url` (`DISRUPT_HOTLINE__CONTROLLER__NAME`, ...), all
    /// six together. Set them before opening the page to the public.
    pub controller: Controller,
}

/// How the connection to the SMTP server is secured (`hotline.smtp.tls`).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (port 587). The default.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption: only for an SMTP server on this machine (a loopback address or `localhost`).
    None,
}

/// The SMTP server notices are e-mailed through (section `hotline.smtp`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    /// The server's name (its certificate must match it). Unset: no e-mail delivery.
    /// `DISRUPT_HOTLINE__SMTP__HOST`.
    pub host: Option<String>,
    /// Its port; default 587 (465 with `tls = "tls"`, 25 with `none`).
    pub port: Option<u16>,
    /// `starttls` (default), `tls`, or `none` (a loopback server only).
    pub tls: SmtpTls,
    /// The login, if the server asks for one.
    pub username: Option<String>,
    /// Its password: `DISRUPT_HOTLINE__SMTP__PASSWORD`, or the settings file. Never logged.
    pub password: Option<SecretString>,
    /// The `From:` address; default `hotline.notifier.email`.
    pub from: Option<String>,
    /// The name this server gives in `EHLO`; default `localhost`.
    pub hello_name: Option<String>,
    /// Seconds one SMTP exchange may take. Default 30.
    pub timeout_secs: u64,
    /// Milliseconds before the first retry of a failed e-mail; each next retry waits twice as long. Default
    /// 60,000 (one minute).
    pub retry_base_ms: u64,
    /// The longest wait between two attempts, ms. Default 3,600,000 (one hour). Attempts never stop.
    pub retry_max_ms: u64,
    /// Milliseconds between two looks at the outbox. Default 1,000.
    pub poll_ms: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            tls: SmtpTls::Starttls,
            username: None,
            password: None,
            from: None,
            hello_name: None,
            timeout_secs: 30,
            retry_base_ms: 60_000,
            retry_max_ms: 3_600_000,
            poll_ms: 1_000,
        }
    }
}

impl SmtpSettings {
    /// Whether e-mail delivery is on.
    pub fn enabled(&self) -> bool {
        self.host.is_some()
    }

    /// The port, from the setting or the security's usual one.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }

    /// Refuses an unencrypted connection to another machine, a password without a login, and zero delays.
    fn validate(&self) -> Result<(), String> {
        let Some(host) = &self.host else { return Ok(()) };
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if self.tls == SmtpTls::None && !loopback {
            return Err(format!("hotline.smtp.tls = \"none\" is only for an SMTP server on this machine, not {host}"));
        }
        if self.password.is_some() && self.username.is_none() {
            return Err("hotline.smtp.password needs hotline.smtp.username".into());
        }
        if self.retry_base_ms == 0 || self.poll_ms == 0 || self.timeout_secs == 0 {
            return Err("hotline.smtp.retry_base_ms, poll_ms and timeout_secs are at least 1".into());
        }
        Ok(())
    }
}

impl Default for HotlineSettings {
    fn default() -> Self {
        Self {
            notifier: Notifier {
                name: "disrupt hotline (set hotline.notifier.name)".into(),
                email: "hotline@example.org".into(),
                signatory: "The hotline's legal officer (set hotline.notifier.signatory)".into(),
                postal_address: None,
                website: None,
                trusted_flagger: None,
            },
            templates_dir: None,
            two_analysts_for_case_rejection: true,
            stats_minimum: disrupt_hotline::stats::DEFAULT_MIN_CELL,
            benign: BenignThresholds::default(),
            reminder_check_secs: 300,
            smtp: SmtpSettings::default(),
            controller: Controller {
                name: "The hotline (set hotline.controller.name)".into(),
                address: "(set hotline.controller.address)".into(),
                email: "hotline@example.org (set hotline.controller.email)".into(),
                dpo: "(set hotline.controller.dpo)".into(),
                authority: "(set hotline.controller.authority)".into(),
                authority_url: String::new(),
            },
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:8080".into(),
            metrics_address: "127.0.0.1:9090".into(),
            redis_url: None,
            data_dir: PathBuf::from("./data"),
            key_prefix: "disrupt:".into(),
            feed_retention_days: 90,
            server_key: None,
            bootstrap_admin_key: None,
            redis_server: PathBuf::from("redis-server"),
            log: "info".into(),
            log_json: false,
            rate_limits: RateLimitSettings::default(),
            flood: FloodSettings::default(),
            publication: PublicationSettings::default(),
            time_limits: TimeLimits::default(),
            concurrent_uploads: 0,
            hotline: HotlineSettings::default(),
            replication: ReplicationSettings::default(),
            web_dir: PathBuf::from(DEFAULT_WEB_DIR),
            case_limits: CaseLimits::default(),
            page_bytes: DEFAULT_PAGE_BYTES,
        }
    }
}

impl Settings {
    /// Loads defaults, the file named by `DISRUPT_CONFIG` (if set) and the `DISRUPT_*` environment.
    pub fn load() -> Result<Self, SettingsError> {
        Self::from_vars(std::env::vars().filter(|(k, _)| k.starts_with(ENV_PREFIX)))
    }

    /// Like [`Settings::load`] with the given variables instead of the process environment (for tests).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, SettingsError> {
        let vars: HashMap<String, String> = vars.into_iter().collect();
        let mut builder = config::Config::builder();
        if let Some(path) = vars.get(CONFIG_FILE_VAR) {
            builder = builder.add_source(config::File::from(Path::new(path)).required(true));
        }
        let env = vars.into_iter().filter(|(k, _)| k != CONFIG_FILE_VAR).collect::<HashMap<_, _>>();
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .source(Some(env.into_iter().collect())),
        );
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.case_limits.validate().map_err(SettingsError::OutOfRange)?;
        settings.hotline.smtp.validate().map_err(SettingsError::OutOfRange)?;
        if settings.page_bytes < MIN_PAGE_BYTES {
            return Err(SettingsError::OutOfRange(format!("page_bytes is at least {}", MIN_PAGE_BYTES)));
        }
        Ok(settings)
    }

    /// [`Settings::concurrent_uploads`], with 0 resolved to twice the number of cores.
    pub fn upload_slots(&self) -> usize {
        match self.concurrent_uploads {
            0 => 2 * std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }

    /// [`Settings::feed_retention_days`] as a duration.
    pub fn feed_retention(&self) -> Duration {
        Duration::from_secs(self.feed_retention_days.saturating_mul(24 * 3600))
    }

    /// Store settings for the Redis at `url` (the configured one or the embedded one).
    pub fn redis_settings(&self, url: SecretString) -> RedisSettings {
        RedisSettings {
            url,
            key_prefix: self.key_prefix.clone(),
            feed_retention: self.feed_retention(),
            response_timeout: Duration::from_secs(5),
            replication: self.replication,
            page_bytes: self.page_bytes,
        }
    }

    /// The server's HMAC key: the configured one, else the one in the data directory, else a new random one
    /// written there (mode 0600) for the next start.
    pub fn server_key(&self) -> Result<ServerKey, SettingsError> {
        if let Some(hex_key) = &self.server_key {
            return ServerKey::from_hex(hex_key.expose_secret());
        }
        let path = self.data_dir.join(SERVER_KEY_FILE);
        let io = |source| SettingsError::Io { path: path.clone(), source };
        match fs::read_to_string(&path) {
            Ok(text) => return ServerKey::from_hex(text.trim()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(io(err)),
        }
        fs::create_dir_all(&self.data_dir)
            .map_err(|source| SettingsError::Io { path: self.data_dir.clone(), source })?;
        let mut bytes = [0u8; SERVER_KEY_BYTES];
        SystemRandom::new().fill(&mut bytes).map_err(|_| SettingsError::Rng)?;
        let mut file = create_private(&path).map_err(io)?;
        file.write_all(hex::encode(bytes).as_bytes()).and_then(|()| file.sync_all()).map_err(io)?;
        tracing::info!(path = %path.display(), "generated a new server key");
        Ok(ServerKey::from_bytes(bytes.to_vec()))
    }
}

/// Creates a file only the owner may read (fails if it exists, so a racing second start keeps the first key).
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The server's HMAC key. `Debug` prints nothing of it.
#[derive(Clone)]
pub struct ServerKey(SecretSlice<u8>);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey([REDACTED])")
    }
}

impl ServerKey {
    /// A key from raw bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(SecretSlice::from(bytes))
    }

    /// A key from hex text of at least 32 bytes.
    pub fn from_hex(text: &str) -> Result<Self, SettingsError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SettingsError::InvalidServerKey)?;
        if bytes.len() < SERVER_KEY_BYTES {
            return Err(SettingsError::InvalidServerKey);
        }
        Ok(Self::from_bytes(bytes))
    }

    /// HMAC-SHA256 of `message` under this key (what the store keeps instead of case secrets and API key secrets).
    pub fn hmac(&self, message: &[u8]) -> Vec<u8> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.expose_secret());
        hmac::sign(&key, message).as_ref().to_vec()
    }

    /// A 32-byte key for one purpose, derived with HKDF-SHA256 (so the server key itself never encrypts).
    pub fn subkey(&self, purpose: &[u8]) -> [u8; 32] {
        struct Len32;
        impl ring::hkdf::KeyType for Len32 {
            fn len(&self) -> usize {
                32
            }
        }
        let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"disrupt server key").extract(self.0.expose_secret());
        let mut out = [0u8; 32];
        // Expanding to 32 bytes with SHA-256 cannot exceed HKDF's limit (255 blocks), so neither call fails.
        if let Ok(okm) = prk.expand(&[purpose], Len32) {
            let _ = okm.fill(&mut out);
        }
        out
    }

    /// Checks `tag` against the HMAC of `message` in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.expose_secret());
        hmac::verify(&key, message, tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let s = Settings::from_vars(vars(&[])).expect("settings");
        assert_eq!(s.address, "127.0.0.1:8080");
        assert_eq!(s.metrics_address, "127.0.0.1:9090", "metrics stay on loopback unless told otherwise");
        let off = Settings::from_vars(vars(&[("DISRUPT_METRICS_ADDRESS", "")])).expect("settings");
        assert_eq!(off.metrics_address, "", "an empty address turns metrics off");
        assert!(s.redis_url.is_none());
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.feed_retention(), Duration::from_secs(90 * 86_400));
    }

    #[test]
    fn smtp_settings_come_from_the_file_and_the_password_from_the_environment_never_printed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("disrupt.toml");
        fs::write(&file, "[hotline.smtp]\nhost = \"smtp.example.org\"\nusername = \"notices\"\ntls = \"tls\"\n")
            .expect("write");
        let s = Settings::from_vars(vars(&[
            ("DISRUPT_CONFIG", file.to_str().expect("utf8")),
            ("DISRUPT_HOTLINE__SMTP__PASSWORD", "s3cret-pw"),
        ]))
        .expect("settings");
        let smtp = &s.hotline.smtp;
        assert!(smtp.enabled());
        assert_eq!((smtp.tls, smtp.port()), (SmtpTls::Tls, 465));
        assert_eq!(smtp.password.as_ref().map(|p| p.expose_secret().to_owned()), Some("s3cret-pw".into()));
        assert!(!format!("{s:?}").contains("s3cret-pw"), "Debug never prints the password");
        assert!(!Settings::default().hotline.smtp.enabled(), "no e-mail unless configured");
    }

    #[test]
    fn plain_smtp_is_refused_beyond_this_machine() {
        let plain = |host: &str| {
            Settings::from_vars(vars(&[("DISRUPT_HOTLINE__SMTP__HOST", host), ("DISRUPT_HOTLINE__SMTP__TLS", "none")]))
        };
        assert!(plain("127.0.0.1").is_ok());
        assert!(plain("localhost").is_ok());
        assert!(matches!(plain("smtp.example.org"), Err(SettingsError::OutOfRange(_))));
        let no_login = Settings::from_vars(vars(&[
            ("DISRUPT_HOTLINE__SMTP__HOST", "smtp.example.org"),
            ("DISRUPT_HOTLINE__SMTP__PASSWORD", "pw"),
        ]));
        assert!(no_login.is_err(), "a password without a login");
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("disrupt.toml");
        fs::write(&file, "address = \"0.0.0.0:9000\"\nkey_prefix = \"file:\"\nfeed_retention_days = 7\n")
            .expect("write");
        let s = Settings::from_vars(vars(&[
            ("DISRUPT_CONFIG", file.to_str().expect("utf8")),
            ("DISRUPT_KEY_PREFIX", "env:"),
            ("DISRUPT_REDIS_URL", "redis://:hunter2@localhost:7000"),
        ]))
        .expect("settings");
        assert_eq!(s.address, "0.0.0.0:9000");
        assert_eq!(s.key_prefix, "env:");
        assert_eq!(s.feed_retention_days, 7);
        assert_eq!(
            s.redis_url.as_ref().map(|u| u.expose_secret().to_owned()),
            Some("redis://:hunter2@localhost:7000".to_owned())
        );
        assert!(!format!("{s:?}").contains("hunter2"), "secrets must not print");
    }

    #[test]
    fn yaml_files_work_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("disrupt.yaml");
        fs::write(&file, "address: 127.0.0.1:1234\nlog_json: true\n").expect("write");
        let s = Settings::from_vars(vars(&[("DISRUPT_CONFIG", file.to_str().expect("utf8"))])).expect("settings");
        assert_eq!(s.address, "127.0.0.1:1234");
        assert!(s.log_json);
    }

    #[test]
    fn nested_rate_limits_come_from_double_underscore_variables() {
        let s = Settings::from_vars(vars(&[
            ("DISRUPT_RATE_LIMITS__SUBMISSIONS_PER_HOUR", "5"),
            ("DISRUPT_RATE_LIMITS__BEHIND_PROXY", "true"),
        ]))
        .expect("settings");
        assert_eq!(s.rate_limits.submissions_per_hour, 5);
        assert!(s.rate_limits.behind_proxy);
        assert_eq!(s.rate_limits.lookups_per_minute, 30, "the others keep their defaults");
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        assert!(Settings::from_vars(vars(&[("DISRUPT_CONFIG", "/nonexistent/disrupt.toml")])).is_err());
    }

    #[test]
    fn the_server_key_is_generated_once_and_kept_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Settings { data_dir: dir.path().join("data"), ..Settings::default() };
        let first = s.server_key().expect("key");
        let second = s.server_key().expect("key again");
        assert_eq!(first.hmac(b"x"), second.hmac(b"x"));
        assert!(first.verify(b"x", &first.hmac(b"x")));
        assert_eq!(format!("{first:?}"), "ServerKey([REDACTED])");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(s.data_dir.join(SERVER_KEY_FILE)).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_server_key_must_be_long_hex() {
        let s = Settings { server_key: Some(SecretString::from("abcd")), ..Settings::default() };
        assert!(matches!(s.server_key(), Err(SettingsError::InvalidServerKey)));
        let s = Settings { server_key: Some(SecretString::from("ab".repeat(32))), ..Settings::default() };
        assert!(s.server_key().is_ok());
    }
}
