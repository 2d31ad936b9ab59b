//! Benchmark helper: fills list `ncii` of the Redis at URL with N cases of one maximal video each (F frames,
//! default 7,200: 1 fps over two hours, the per-video cap), written through the store as case creation writes
//! them, then publishes them to the feed. Frames are random, reliable PDQ hashes, so every frame is indexed.
//! With V > 0 every frame also carries V squares (`views`, random hashes; the first two where the hasher puts a
//! 16:9 frame's centred squares, of 80 % and 52 % of its height; at most 4, the API's limit per frame), as if
//! every frame were distinct: the frame squares index's worst case.
//!
//! ```text
//! cargo run --release -p disrupt-api --example fill_videos -- redis://127.0.0.1:PORT/ 1000 7200 [V]
//! ```
//! Used by `scripts/bench/feed-memory`. Only for a Redis of its own: it writes under the default key prefix.

use std::time::{Duration, Instant};

use disrupt_api::settings::{PublicationPolicy, RedisSettings};
use disrupt_api::store::{Category, HashKind, NewCase, NewEntry, Store};
use disrupt_hotline::time::now_ms;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or_else(|| anyhow::anyhow!("usage: fill_videos REDIS_URL [N] [FRAMES]"))?;
    let n: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let frames: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(7200);
    let views: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(0);
    anyhow::ensure!(views <= 4, "a frame carries at most 4 views");
    // Centred squares of a 16:9 frame (80 % and 52 % of its height), then two more inside them.
    let regions =
        [[2750, 1000, 4500, 8000], [3537, 2400, 2925, 5200], [3000, 1500, 4000, 7000], [3300, 2000, 3400, 6000]];
    let mut settings = RedisSettings::new(url);
    settings.response_timeout = Duration::from_secs(60);
    let store = Store::connect(&settings).await?;

    // xorshift64*: cheap, reproducible, and far-apart frames like real ones.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        let mut json = String::with_capacity(frames as usize * 110);
        json.push('[');
        for i in 0..frames {
            if i > 0 {
                json.push(',');
            }
            let (a, b, c, d) = (next(), next(), next(), next());
            let mut squares = String::new();
            for (k, [x, y, w, h]) in regions.iter().take(views).enumerate() {
                let (a, b, c, d) = (next(), next(), next(), next());
                squares.push_str(&format!(
                    r#"{}{{"hash":"{a:016x}{b:016x}{c:016x}{d:016x}","quality":90,"region":{{"x":{x},"y":{y},"width":{w},"height":{h}}}}}"#,
                    if k > 0 { "," } else { "" }
                ));
            }
            let views_json = if views > 0 { format!(r#","views":[{squares}]"#) } else { String::new() };
            json.push_str(&format!(
                r#"{{"frame":{i},"timestamp":{i}.0,"pdq":"{a:016x}{b:016x}{c:016x}{d:016x}","quality":100{views_json}}}"#
            ));
        }
        json.push(']');
        bytes += json.len();
        store
            .create_case(NewCase {
                list: "ncii".into(),
                category: Category::AdultNcii,
                entries: vec![NewEntry { kind: HashKind::Video, hash: json, quality: None, held: None }],
                urls: vec![],
                contact: None,
                declarations: None,
                secret_hash: vec![0; 32],
                surge_limit: None,
            })
            .await?;
    }
    let now = PublicationPolicy { min_cases: 1, max_wait: Duration::ZERO };
    while store.publish("ncii", now, now_ms()).await? > 0 {}
    eprintln!(
        "filled {n} videos of {frames} frames, {views} squares each ({:.1} MiB of frame lists) in {:.1} s",
        bytes as f64 / (1 << 20) as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
