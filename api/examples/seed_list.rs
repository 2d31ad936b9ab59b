//! Benchmark helper: fills list `ncii` of the Redis at URL with N live random PDQ hashes, fast (pipelined writes
//! of the list's live set, which is what a starting server loads), plus P real cases through the store whose
//! PDQ hashes it prints, one per line, for the load generator to query.
//!
//! ```text
//! cargo run --release -p disrupt-api --example seed_list -- redis://127.0.0.1:PORT/ 1000000 100
//! ```
//! Used by `scripts/bench/api`. Only for a Redis of its own: it writes under the default key prefix.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use disrupt_api::store::{Category, HashKind, NewCase, NewEntry, RedisSettings, Store, keys};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or_else(|| anyhow::anyhow!("usage: seed_list REDIS_URL [N] [PLANTED]"))?;
    let n: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let planted: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let settings = RedisSettings::new(url.clone());
    let store = Store::connect(&settings).await?;
    let keys = keys::Keys::new(&settings.key_prefix)?;
    let live = keys.live("ncii");

    // A cheap deterministic spread of 256-bit values (xorshift), so the hashes differ like real ones.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let started = Instant::now();
    let mut conn = redis::Client::open(url.as_str())?.get_multiplexed_async_connection().await?;
    const BATCH: u64 = 10_000;
    // Ids far above the store's own sequence, so the real cases below never collide with them.
    let first = 1u64 << 32;
    let mut id = first;
    while id < first + n {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&live);
        for _ in 0..BATCH.min(first + n - id) {
            let hash = format!("pdq:{:016x}{:016x}{:016x}{:016x}", next(), next(), next(), next());
            cmd.arg(keys::entry_id(1, id)?).arg(hash);
            id += 1;
        }
        let () = cmd.query_async(&mut conn).await?;
    }
    for _ in 0..planted {
        let hash = format!("{:016x}{:016x}{:016x}{:016x}", next(), next(), next(), next());
        store
            .create_case(NewCase {
                list: "ncii".into(),
                category: Category::AdultNcii,
                entries: vec![NewEntry { kind: HashKind::Pdq, hash: hash.clone(), quality: Some(100), held: None }],
                urls: vec![],
                contact: None,
                secret_hash: vec![0; 32],
                surge_limit: None,
            })
            .await?;
        println!("{hash}");
    }
    eprintln!("seeded {n} entries and {planted} cases in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
