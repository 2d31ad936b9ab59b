//! The embedded Redis: without a configured `redis_url` the server runs its own `redis-server` child on a private
//! unix socket in the data directory (or a free 127.0.0.1 port when the socket path is too long), with the
//! append-only file on, restarts it when it dies, and stops it on shutdown. Production with an external Redis and a
//! fresh machine with nothing configured thus run the same store code.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};

use tokio::{process::Command, sync::watch, task::JoinHandle};

/// Unix socket paths longer than this do not fit `sockaddr_un` on every platform.
const MAX_SOCKET_PATH: usize = 100;
/// How long a starting redis-server may take to answer PING (loading a large AOF takes a while).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the embedded Redis could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedRedisError {
    /// The data directory could not be made.
    #[error("cannot create {path}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The binary could not be run.
    #[error("cannot run {binary}")]
    Spawn {
        /// The configured binary.
        binary: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// redis-server started but never answered PING.
    #[error("redis-server did not answer within {0:?}")]
    NotAnswering(Duration),
}

/// Where the embedded redis-server listens.
#[derive(Clone, Debug)]
enum Endpoint {
    Socket(PathBuf),
    Port(u16),
}

impl Endpoint {
    fn url(&self) -> String {
        match self {
            Endpoint::Socket(path) => format!("redis+unix://{}", path.display()),
            Endpoint::Port(port) => format!("redis://127.0.0.1:{port}/"),
        }
    }
}

/// How to run redis-server.
#[derive(Clone, Debug)]
struct Launch {
    binary: PathBuf,
    dir: PathBuf,
    endpoint: Endpoint,
}

impl Launch {
    fn command(&self) -> Command {
        // A server killed outright (SIGKILL, the OOM killer) cannot stop its redis-server, which would live on,
        // orphaned, beside the next one started on the same files. util-linux's setpriv asks the kernel to send
        // it SIGTERM when its parent dies (PR_SET_PDEATHSIG, tied to the spawning thread: a runtime thread that
        // lives as long as the server); redis-server treats SIGTERM as SHUTDOWN and flushes its AOF.
        let mut cmd = match which_setpriv() {
            Some(setpriv) => {
                let mut cmd = Command::new(setpriv);
                cmd.args(["--pdeathsig", "TERM", "--"]).arg(&self.binary);
                cmd
            }
            None => Command::new(&self.binary),
        };
        cmd.arg("--dir")
            .arg(&self.dir)
            .args(["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""])
            .args(["--daemonize", "no", "--protected-mode", "yes", "--bind", "127.0.0.1"]);
        match &self.endpoint {
            Endpoint::Socket(path) => {
                cmd.args(["--port", "0", "--unixsocketperm", "700", "--unixsocket"]).arg(path);
            }
            Endpoint::Port(port) => {
                cmd.arg("--port").arg(port.to_string());
            }
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit()).kill_on_drop(true);
        cmd
    }

    fn spawn(&self) -> Result<tokio::process::Child, EmbeddedRedisError> {
        self.command().spawn().map_err(|source| EmbeddedRedisError::Spawn { binary: self.binary.clone(), source })
    }
}

/// A supervised redis-server child. Stop it with [`EmbeddedRedis::shutdown`]; dropping it kills the child.
#[derive(Debug)]
pub struct EmbeddedRedis {
    url: String,
    stop: watch::Sender<bool>,
    supervisor: Option<JoinHandle<()>>,
    launch: Arc<Launch>,
}

impl EmbeddedRedis {
    /// Starts `binary` with its files in `<data_dir>/redis` and waits until it answers PING.
    pub async fn start(binary: &Path, data_dir: &Path) -> Result<Self, EmbeddedRedisError> {
        let dir = data_dir.join("redis");
        std::fs::create_dir_all(&dir).map_err(|source| EmbeddedRedisError::Io { path: dir.clone(), source })?;
        let dir = std::fs::canonicalize(&dir).map_err(|source| EmbeddedRedisError::Io { path: dir.clone(), source })?;
        let socket = dir.join("redis.sock");
        let endpoint = if socket.as_os_str().len() <= MAX_SOCKET_PATH {
            Endpoint::Socket(socket)
        } else {
            Endpoint::Port(free_port().map_err(|source| EmbeddedRedisError::Io { path: dir.clone(), source })?)
        };
        let launch = Arc::new(Launch { binary: binary.to_owned(), dir, endpoint });
        let url = launch.endpoint.url();
        let child = launch.spawn()?;
        wait_until_answering(&url, START_TIMEOUT).await?;
        tracing::info!(url = %url, "embedded redis-server is up");
        let (stop, stopped) = watch::channel(false);
        let supervisor = tokio::spawn(supervise(launch.clone(), url.clone(), child, stopped));
        Ok(Self { url, stop, supervisor: Some(supervisor), launch })
    }

    /// The URL to give the store.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The directory with the AOF files.
    pub fn dir(&self) -> &Path {
        &self.launch.dir
    }

    /// Asks redis-server to shut down (which flushes the AOF), waits for it, and kills it if it takes too long.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Ok(client) = redis::Client::open(self.url.as_str())
            && let Ok(mut conn) = client.get_multiplexed_async_connection().await
        {
            // SHUTDOWN closes the connection instead of answering; the error is expected.
            let _: Result<(), _> = redis::cmd("SHUTDOWN").query_async(&mut conn).await;
        }
        if let Some(supervisor) = self.supervisor.take() {
            let abort = supervisor.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), supervisor).await.is_err() {
                tracing::warn!("embedded redis-server did not stop in time; killing it");
                abort.abort();
            }
        }
        tracing::info!("embedded redis-server stopped");
    }
}

impl Drop for EmbeddedRedis {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(supervisor) = self.supervisor.take() {
            // Dropping the task drops the child, and kill_on_drop kills it.
            supervisor.abort();
        }
    }
}

/// Waits for the child; restarts it (with backoff) when it dies unless asked to stop.
async fn supervise(
    launch: Arc<Launch>,
    url: String,
    mut child: tokio::process::Child,
    mut stopped: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        tokio::select! {
            status = child.wait() => {
                if *stopped.borrow() {
                    return;
                }
                tracing::error!(?status, "embedded redis-server exited; restarting it");
            }
            _ = stopped.changed() => {
                // Give SHUTDOWN time to flush, then make sure the child is gone.
                if tokio::time::timeout(Duration::from_secs(8), child.wait()).await.is_err() {
                    let _ = child.kill().await;
                }
                return;
            }
        }
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
            if *stopped.borrow() {
                return;
            }
            match launch.spawn() {
                Ok(new_child) => {
                    child = new_child;
                    match wait_until_answering(&url, START_TIMEOUT).await {
                        Ok(()) => {
                            tracing::info!("embedded redis-server restarted");
                            backoff = Duration::from_millis(100);
                        }
                        Err(err) => {
                            tracing::error!(error = %err, "restarted redis-server does not answer")
                        }
                    }
                    break;
                }
                Err(err) => tracing::error!(error = %err, "cannot restart redis-server"),
            }
        }
    }
}

/// Polls PING until it answers PONG (a loading Redis answers LOADING errors first).
pub async fn wait_until_answering(url: &str, timeout: Duration) -> Result<(), EmbeddedRedisError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if ping(url).await {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(EmbeddedRedisError::NotAnswering(timeout));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return false;
    };
    matches!(
        redis::cmd("PING").query_async::<String>(&mut conn).await,
        Ok(pong) if pong == "PONG"
    )
}

/// `setpriv` (util-linux, on every Debian system) when it is there.
fn which_setpriv() -> Option<PathBuf> {
    ["/usr/bin/setpriv", "/bin/setpriv"].iter().map(PathBuf::from).find(|p| p.is_file())
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
