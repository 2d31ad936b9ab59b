//! Benchmark: how fast a fresh process loads a list into its match index.
//!
//! Starts its own redis-server (feature `testing` helpers, free port, temp dir), fills list `ncii` with N live PDQ
//! hashes, each with V random views (default 0), through pipelined writes of the list's live set (what the loader
//! reads), then times `disrupt_api::sync::load_list` into an empty index and reports this process's memory: its
//! peak (VmHWM, which includes the load's transient buffers) and its resident set once loaded (VmRSS), which is
//! what a server process holding that list costs for its match index, less its runtime.
//!
//! ```text
//! cargo run --release -p disrupt-api --no-default-features --example load_index -- 1000000 [VIEWS]
//! ```
//! Targets: 10M entries in <= 60 s; 1M images with their views (34 on average in `scripts/bench/robust`) in at
//! most 4 GiB per process.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

// The benchmark examples' memory reading, shared with disrupt-hasher's.
#[path = "../../hasher/examples/common/proc_status.rs"]
mod proc_status;
use proc_status::status_mib;

use disrupt_api::{
    match_index::MatchIndex,
    store::Store,
    sync::load_list,
    testing::{RandomPdq, RedisProcess, fill_live_images},
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let views: usize = std::env::args().nth(2).map(|a| a.parse()).transpose()?.unwrap_or(0);
    let redis = RedisProcess::start();
    let settings = redis.settings();
    let store = Store::connect(&settings).await?;

    let fill = Instant::now();
    fill_live_images(&redis.url(), &settings.key_prefix, "ncii", 1, n, views, &mut RandomPdq::default()).await?;
    println!("filled {n} entries of {views} views in {:.2} s", fill.elapsed().as_secs_f64());
    let before = status_mib("VmRSS");

    let index = MatchIndex::shared();
    let load = Instant::now();
    load_list(&store, &index, "ncii").await?;
    let seconds = load.elapsed().as_secs_f64();
    let loaded = index.read().len();
    assert_eq!(loaded as u64, n);
    println!(
        "loaded {loaded} entries in {seconds:.2} s ({:.0} entries/s; 10M would take ~{:.1} s)",
        loaded as f64 / seconds,
        seconds * 10_000_000.0 / loaded as f64
    );
    let resident = status_mib("VmRSS");
    println!(
        "memory: {resident:.0} MiB resident once loaded ({before:.0} MiB before loading), peak {:.0} MiB; {:.1} B per view",
        status_mib("VmHWM"),
        (resident - before) * 1_048_576.0 / (n as f64 * (views as f64 + 1.0)),
    );
    Ok(())
}
