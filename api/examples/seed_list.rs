//! Benchmark helper: fills list `ncii` of the Redis at URL with N live random PDQ hashes, fast (pipelined writes
//! of the list's live set, which is what a starting server loads), each with V random views (default 0: a plain
//! PDQ entry), plus P real cases through the store whose PDQ hashes it prints, one per line, for the load
//! generator to query.
//!
//! ```text
//! cargo run --release -p disrupt-api --example seed_list -- redis://127.0.0.1:PORT/ 1000000 100 [VIEWS]
//! ```
//! Used by `scripts/bench/api`. Only for a Redis of its own: it writes under the default key prefix.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use disrupt_api::settings::RedisSettings;
use disrupt_api::store::{Category, HashKind, NewCase, NewEntry, Store};
use disrupt_api::testing::{RandomPdq, fill_live_images};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or_else(|| anyhow::anyhow!("usage: seed_list REDIS_URL [N] [PLANTED] [VIEWS]"))?;
    let n: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let planted: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let views: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(0);
    let settings = RedisSettings::new(url.clone());
    let store = Store::connect(&settings).await?;

    let started = Instant::now();
    let mut random = RandomPdq::default();
    // Ids far above the store's own sequence, so the real cases below never collide with them.
    fill_live_images(&url, &settings.key_prefix, "ncii", 1 << 32, n, views, &mut random).await?;
    for _ in 0..planted {
        let hash = random.next_hex();
        store
            .create_case(NewCase {
                list: "ncii".into(),
                category: Category::AdultNcii,
                entries: vec![NewEntry { kind: HashKind::Pdq, hash: hash.clone(), quality: Some(100), held: None }],
                urls: vec![],
                contact: None,
                declarations: None,
                secret_hash: vec![0; 32],
                surge_limit: None,
            })
            .await?;
        println!("{hash}");
    }
    eprintln!("seeded {n} entries of {views} views and {planted} cases in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
