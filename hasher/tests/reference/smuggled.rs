//! Files that point outside themselves (a DASH manifest behind QuickTime-looking bytes, HLS playlists, ffconcat
//! lists, `file:`, `subfile`, `concat` and `data:` references): hashing them reads their own bytes and nothing
//! else, and fails with a typed error well within the time cap.

use std::fs::OpenOptions;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use disrupt_hasher::fuzzing::smuggled_references;
use disrupt_hasher::media::{MediaOptions, hash_media};

/// What a smuggled reference could reach: a loopback TCP listener, and named pipes at every path the files name
/// under a `file:` URL. Opening a pipe for reading blocks until a writer comes, and a non-blocking open for writing
/// succeeds only while someone holds it open for reading: that tells us FFmpeg went there.
struct Canary {
    listener: TcpListener,
    pipes: Vec<PathBuf>,
    dir: tempfile::TempDir,
}

impl Canary {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pipes: Vec<PathBuf> =
            ["x.mp4", "a.mp4", "b.mp4", "segment.ts"].iter().map(|n| dir.path().join(n)).collect();
        for pipe in &pipes {
            let status = Command::new("mkfifo").arg(pipe).status().unwrap();
            assert!(status.success(), "mkfifo {}", pipe.display());
        }
        Self { listener, pipes, dir }
    }

    fn http_url(&self) -> String {
        format!("http://{}", self.listener.local_addr().unwrap())
    }

    fn file_url(&self) -> String {
        format!("file:{}", self.dir.path().display())
    }

    /// What was reached since the last call, if anything.
    fn reached(&self) -> Option<String> {
        if let Ok((_, peer)) = self.listener.accept() {
            return Some(format!("a TCP connection from {peer}"));
        }
        self.pipes.iter().find_map(|pipe| {
            // O_NONBLOCK: fails with ENXIO when nobody has the pipe open for reading.
            let opened = OpenOptions::new().write(true).custom_flags(0o4000).open(pipe);
            opened.is_ok().then(|| format!("a read of {}", pipe.display()))
        })
    }
}

/// Hashes `bytes` on a thread (with the fuzzer's tightened limits, as the server's are only larger) and fails as
/// soon as the canary is reached or the hashing outlives twice its own wall-time cap.
fn hash_watched(name: &str, bytes: Vec<u8>, canary: &Canary) -> disrupt_hasher::Error {
    let mut opts = MediaOptions::default();
    opts.video.max_wall_time = Duration::from_secs(5);
    let start = Instant::now();
    let hashing = std::thread::spawn(move || hash_media(&bytes, &opts));
    while !hashing.is_finished() {
        if let Some(reached) = canary.reached() {
            panic!("{name}: hashing made {reached}");
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{name}: hashing still runs after {:?}", start.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    let result = hashing.join().unwrap();
    if let Some(reached) = canary.reached() {
        panic!("{name}: hashing made {reached}");
    }
    result.err().unwrap_or_else(|| panic!("{name}: hashed as media"))
}

#[test]
fn smuggled_references_open_nothing_and_are_refused() {
    let canary = Canary::new();
    for url in [canary.http_url(), canary.file_url()] {
        for (name, bytes) in smuggled_references(&url) {
            let name = format!("{name} ({url})");
            let error = hash_watched(&name, bytes, &canary);
            assert!(["unsupported_format", "corrupt_media"].contains(&error.code()), "{name}: {error:?}");
        }
    }
}
