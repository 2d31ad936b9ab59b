//! Test helpers (feature `testing`): throwaway redis-server processes and Redis Clusters on free ports in temp
//! directories, killed when dropped, and data to fill them with. They never touch 127.0.0.1:6379. The real
//! server for other crates' tests is in `test_server`: it builds the whole application, which this module's users
//! inside the crate (the store's and the rate limiter's unit tests) must not depend on.

#![allow(clippy::unwrap_used)] // test helpers: a failure to start is a test failure, loudly.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use tempfile::TempDir;

use crate::settings::RedisSettings;
use crate::store::CLUSTER_SCHEME;
use disrupt_openapi::model::PdqView;

/// The port a test Redis must never use (a foreign Redis lives there).
const FOREIGN_PORT: u16 = 6379;

/// A free TCP port on 127.0.0.1 (never 6379).
pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind a free port").port();
        if port != FOREIGN_PORT {
            return port;
        }
    }
}

/// A random key prefix, so tests sharing a Redis do not see each other's keys.
pub fn random_prefix() -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 6];
    SystemRandom::new().fill(&mut bytes).expect("random");
    format!("t{}:", hex::encode(bytes))
}

/// How a test Redis persists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// No AOF, no RDB: fastest.
    None,
    /// AOF with `appendfsync always`: every acknowledged write survives kill -9.
    AofAlways,
    /// AOF with `appendfsync everysec`, as the embedded server runs.
    AofEverySec,
}

/// One redis-server on a free port with its files in a temp directory.
#[derive(Debug)]
pub struct RedisProcess {
    dir: TempDir,
    port: u16,
    persistence: Persistence,
    /// The master's port when this one is its replica.
    replica_of: Option<u16>,
    child: Option<Child>,
}

impl RedisProcess {
    /// Starts one without persistence.
    pub fn start() -> Self {
        Self::start_with(Persistence::None)
    }

    /// Starts one with the given persistence and waits until it answers.
    pub fn start_with(persistence: Persistence) -> Self {
        let mut redis = Self {
            dir: tempfile::Builder::new().prefix("disrupt-redis").tempdir().expect("temp dir"),
            port: free_port(),
            persistence,
            replica_of: None,
            child: None,
        };
        redis.spawn();
        redis
    }

    /// Starts a replica of `master` (no persistence) and waits until it has synchronised.
    pub fn start_replica_of(master: &RedisProcess) -> Self {
        let mut redis = Self {
            dir: tempfile::Builder::new().prefix("disrupt-replica").tempdir().expect("temp dir"),
            port: free_port(),
            persistence: Persistence::None,
            replica_of: Some(master.port),
            child: None,
        };
        redis.spawn();
        let deadline = Instant::now() + Duration::from_secs(20);
        wait_for_info(&redis.url(), &["INFO", "replication"], deadline, "the replica did not synchronise", |info| {
            info.contains("master_link_status:up")
        });
        redis
    }

    /// Stops it (`SIGSTOP`): it holds its connections but answers nothing, as a hung or cut-off node does.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused one run again (`SIGCONT`).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill").arg(signal).arg(pid.to_string()).status().expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path());
        match self.persistence {
            Persistence::None => cmd.args(["--appendonly", "no"]),
            Persistence::AofAlways => cmd.args(["--appendonly", "yes", "--appendfsync", "always"]),
            Persistence::AofEverySec => cmd.args(["--appendonly", "yes", "--appendfsync", "everysec"]),
        };
        if let Some(master) = self.replica_of {
            cmd.arg("--replicaof").arg("127.0.0.1").arg(master.to_string());
        }
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("redis-server must be installed");
        self.child = Some(child);
        wait_for_ping(&self.url(), Duration::from_secs(20));
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory with its files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Store settings for this Redis with a fresh random key prefix.
    pub fn settings(&self) -> RedisSettings {
        RedisSettings { key_prefix: random_prefix(), ..RedisSettings::new(self.url()) }
    }

    /// Kills it with SIGKILL (no shutdown, no final fsync) and waits for it to die.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (so it reloads its AOF).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Redis Cluster on free ports in a temp directory.
#[derive(Debug)]
pub struct RedisCluster {
    _dir: TempDir,
    ports: Vec<u16>,
    children: Vec<Child>,
}

impl RedisCluster {
    /// Starts `masters` nodes (at least 3), joins them with `redis-cli --cluster create` and waits for
    /// `cluster_state:ok` on every node.
    pub fn start(masters: usize) -> Self {
        Self::start_with_replicas(masters, 0)
    }

    /// Like [`RedisCluster::start`] with `replicas` replicas per master, which take over within about two
    /// seconds of their master's death (node timeout 1 s), and waits until every master has them connected.
    pub fn start_with_replicas(masters: usize, replicas: usize) -> Self {
        let dir = tempfile::Builder::new().prefix("disrupt-cluster").tempdir().expect("temp dir");
        let mut cluster = Self { ports: Vec::new(), children: Vec::new(), _dir: dir };
        for _ in 0..masters * (1 + replicas) {
            let port = free_port();
            let node_dir: PathBuf = cluster._dir.path().join(port.to_string());
            std::fs::create_dir_all(&node_dir).expect("node dir");
            let child = Command::new("redis-server")
                .arg("--port")
                .arg(port.to_string())
                .args(["--bind", "127.0.0.1", "--cluster-enabled", "yes"])
                .args(["--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no"])
                .args(["--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0"])
                .arg("--dir")
                .arg(&node_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server must be installed");
            cluster.children.push(child);
            cluster.ports.push(port);
            wait_for_ping(&format!("redis://127.0.0.1:{port}/"), Duration::from_secs(20));
        }
        let nodes: Vec<String> = cluster.ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let status = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&nodes)
            .arg("--cluster-replicas")
            .arg(replicas.to_string())
            .arg("--cluster-yes")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli must be installed");
        assert!(status.success(), "redis-cli --cluster create failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in &cluster.ports {
            let url = format!("redis://127.0.0.1:{port}/");
            wait_for_info(&url, &["CLUSTER", "INFO"], deadline, "cluster did not become ok", |info| {
                info.contains("cluster_state:ok")
            });
        }
        if replicas > 0 {
            let connected = format!("connected_slaves:{replicas}");
            for port in &cluster.ports {
                let url = format!("redis://127.0.0.1:{port}/");
                wait_for_info(&url, &["INFO", "replication"], deadline, "replicas did not synchronise", |info| {
                    (info.contains("role:master") && info.contains(&connected))
                        || info.contains("master_link_status:up")
                });
            }
        }
        cluster
    }

    /// Kills (`SIGKILL`) the master serving `key`'s slot and returns its port.
    pub fn kill_master_of(&mut self, key: &str) -> u16 {
        let url = format!("redis://127.0.0.1:{}/", self.ports[0]);
        let mut conn = redis::Client::open(url.as_str()).and_then(|c| c.get_connection()).expect("a node");
        let slot: u16 = redis::cmd("CLUSTER").arg("KEYSLOT").arg(key).query(&mut conn).expect("keyslot");
        let ranges: Vec<redis::Value> = redis::cmd("CLUSTER").arg("SLOTS").query(&mut conn).expect("slots");
        let port = ranges
            .iter()
            .find_map(|range| {
                let redis::Value::Array(items) = range else { return None };
                let (Some(redis::Value::Int(start)), Some(redis::Value::Int(end)), Some(redis::Value::Array(master))) =
                    (items.first(), items.get(1), items.get(2))
                else {
                    return None;
                };
                let port = match master.get(1) {
                    Some(redis::Value::Int(p)) => *p,
                    _ => return None,
                };
                (*start..=*end).contains(&i64::from(slot)).then_some(port as u16)
            })
            .expect("a master serves the slot");
        let index = self.ports.iter().position(|p| *p == port).expect("one of ours");
        let _ = self.children[index].kill();
        let _ = self.children[index].wait();
        port
    }

    /// `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...`.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self.ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        format!("{CLUSTER_SCHEME}{}", nodes.join(","))
    }

    /// The node ports.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// Store settings for this cluster with a fresh random key prefix.
    pub fn settings(&self) -> RedisSettings {
        RedisSettings { key_prefix: random_prefix(), ..RedisSettings::new(self.url()) }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Asks the node at `url` for `command` (an `INFO` section) until `ready` holds for its answer; panics with
/// `failure` past `deadline`.
fn wait_for_info(url: &str, command: &[&str], deadline: Instant, failure: &str, ready: impl Fn(&str) -> bool) {
    loop {
        let info: Option<String> = redis::Client::open(url)
            .and_then(|c| c.get_connection())
            .and_then(|mut c| redis::cmd(command[0]).arg(&command[1..]).query(&mut c))
            .ok();
        if info.is_some_and(|i| ready(&i)) {
            return;
        }
        assert!(Instant::now() < deadline, "{failure}");
        sleep(Duration::from_millis(50));
    }
}

fn wait_for_ping(url: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let pong: Option<String> = redis::Client::open(url)
            .and_then(|c| c.get_connection())
            .and_then(|mut c| redis::cmd("PING").query(&mut c))
            .ok();
        if pong.as_deref() == Some("PONG") {
            return;
        }
        assert!(Instant::now() < deadline, "redis at {url} did not answer PING");
        sleep(Duration::from_millis(20));
    }
}

/// Every key of the Redis at `url` and every byte string stored under it, one item each, read by type (never
/// `DUMP`, whose compression could hide a slice of what a test looks for). Tests search it for data that must not
/// be there: media bytes, withdrawn hashes.
pub async fn every_stored_value(url: &str) -> Vec<Vec<u8>> {
    fn flatten(value: redis::Value, out: &mut Vec<Vec<u8>>) {
        match value {
            redis::Value::BulkString(bytes) => out.push(bytes),
            redis::Value::SimpleString(text) => out.push(text.into_bytes()),
            redis::Value::Array(items) | redis::Value::Set(items) => items.into_iter().for_each(|v| flatten(v, out)),
            redis::Value::Map(pairs) => pairs.into_iter().for_each(|(k, v)| {
                flatten(k, out);
                flatten(v, out);
            }),
            _ => {}
        }
    }
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query_async(&mut conn).await.unwrap();
    let mut out = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE").arg(&key).query_async(&mut conn).await.unwrap();
        let read = match kind.as_str() {
            "string" => redis::cmd("GET").arg(&key).clone(),
            "hash" => redis::cmd("HGETALL").arg(&key).clone(),
            "list" => redis::cmd("LRANGE").arg(&key).arg(0).arg(-1).clone(),
            "set" => redis::cmd("SMEMBERS").arg(&key).clone(),
            "zset" => redis::cmd("ZRANGE").arg(&key).arg(0).arg(-1).clone(),
            "stream" => redis::cmd("XRANGE").arg(&key).arg("-").arg("+").clone(),
            other => panic!("unexpected redis type {other}"),
        };
        flatten(read.query_async(&mut conn).await.unwrap(), &mut out);
        out.push(key);
    }
    out
}

/// A cheap deterministic spread of 256-bit PDQ values (xorshift64), so a benchmark's hashes differ like real ones.
#[derive(Debug)]
pub struct RandomPdq(u64);

impl Default for RandomPdq {
    fn default() -> Self {
        Self(0x2545_f491_4f6c_dd1d)
    }
}

impl RandomPdq {
    /// The next value, as 64 hex digits.
    pub fn next_hex(&mut self) -> String {
        let mut word = || {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        };
        format!("{:016x}{:016x}{:016x}{:016x}", word(), word(), word(), word())
    }
}

/// Writes `n` live PDQ entries of list `list` (entry ids `first..first + n` of list number 1) straight into its
/// live set, which is what a starting server loads, 10,000 a command: a large list for a benchmark in seconds,
/// with no case behind its entries.
pub async fn fill_live_list(
    redis_url: &str,
    key_prefix: &str,
    list: &str,
    first: u64,
    n: u64,
    random: &mut RandomPdq,
) -> anyhow::Result<()> {
    fill_live_images(redis_url, key_prefix, list, first, n, 0, random).await
}

/// [`fill_live_list`] with `views` random views per image (`crate::views`), as an image hashed by a current
/// client brings: squares of 0.55 of the image at random places, the last four turned by -5, -3, 3 and 5
/// degrees, at random quality.
pub async fn fill_live_images(
    redis_url: &str,
    key_prefix: &str,
    list: &str,
    first: u64,
    n: u64,
    views: usize,
    random: &mut RandomPdq,
) -> anyhow::Result<()> {
    const BATCH: u64 = 10_000;
    // An image's text grows by 55 bytes a view: fewer images a command keep each under about 4 MB.
    let batch = (BATCH / (1 + views as u64 / 8)).max(100);
    let live = crate::store::keys::Keys::new(key_prefix)?.live(list);
    let mut conn = redis::Client::open(redis_url)?.get_multiplexed_async_connection().await?;
    let end = first + n;
    let mut id = first;
    while id < end {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&live);
        for _ in 0..batch.min(end - id) {
            let own = random.next_hex();
            let views: Vec<PdqView> = (0..views).map(|v| random_view(random, v + 4 >= views)).collect();
            cmd.arg(crate::store::keys::entry_id(1, id)?).arg(format!("pdq:{}", crate::views::encode(&own, &views)));
            id += 1;
        }
        let () = cmd.query_async(&mut conn).await?;
    }
    Ok(())
}

fn random_view(random: &mut RandomPdq, turned: bool) -> PdqView {
    let mut hash = [0u8; 32];
    // 64 hex digits always decode to 32 bytes.
    let _ = hex::decode_to_slice(random.next_hex(), &mut hash);
    let (x, y) = (u16::from(hash[0]) * 17, u16::from(hash[1]) * 17);
    let view = PdqView::new(&hash, 50 + hash[2] % 51, [x, y, 5_500, 5_500]);
    match turned {
        true => view.turned([-5, -3, 3, 5][usize::from(hash[3] % 4)]),
        false => view,
    }
}
