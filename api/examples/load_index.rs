//! Benchmark: how fast a fresh process loads a list into its match index.
//!
//! Starts its own redis-server (feature `testing` helpers, free port, temp dir), fills list `ncii` with N live PDQ
//! hashes through pipelined writes of the list's live set (what the loader reads), then times
//! `disrupt_api::sync::load_list` into an empty index.
//!
//! ```text
//! cargo run --release -p disrupt-api --no-default-features --example load_index -- 1000000
//! ```
//! Target: 10M entries in <= 60 s.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use disrupt_api::{
    match_index::MatchIndex,
    store::Store,
    sync::load_list,
    testing::{RandomPdq, RedisProcess, fill_live_list},
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let redis = RedisProcess::start();
    let settings = redis.settings();
    let store = Store::connect(&settings).await?;

    let fill = Instant::now();
    fill_live_list(&redis.url(), &settings.key_prefix, "ncii", 1, n, &mut RandomPdq::default()).await?;
    println!("filled {n} entries in {:.2} s", fill.elapsed().as_secs_f64());

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
    Ok(())
}
