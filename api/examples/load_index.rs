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
    store::{Store, keys},
    sync::load_list,
    testing::RedisProcess,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let redis = RedisProcess::start();
    let settings = redis.settings();
    let store = Store::connect(&settings).await?;
    let keys = keys::Keys::new(&settings.key_prefix)?;
    let live = keys.live("ncii");

    let fill = Instant::now();
    let mut conn = redis::Client::open(redis.url())?.get_multiplexed_async_connection().await?;
    // A cheap deterministic spread of 256-bit values (xorshift), so the hashes differ like real ones.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const BATCH: u64 = 10_000;
    let mut id = 1;
    while id <= n {
        let mut pipe = redis::pipe();
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&live);
        for _ in 0..BATCH.min(n - id + 1) {
            let hash = format!("pdq:{:016x}{:016x}{:016x}{:016x}", next(), next(), next(), next());
            cmd.arg(keys::entry_id(1, id)?).arg(hash);
            id += 1;
        }
        pipe.add_command(cmd).ignore();
        let () = pipe.query_async(&mut conn).await?;
    }
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
