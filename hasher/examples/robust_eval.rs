//! Recall and false positives of disrupt's robust matching on a set built by `scripts/bench/robust`.
//!
//! `cargo run --release -p disrupt-hasher --no-default-features --example robust_eval -- MANIFEST.json
//! [--threads N] [--limit-queries N] [--search seeded|pairs] [--pair-bits N] [--compare-seeding]
//! [--occluded-support N] [--occluded-found N] [--seed-every N] [--misses]`
//!
//! With `--misses`, every query that did not match its own original is named on stderr.
//!
//! Lists every original (its views), then asks every query (transformed copies, and the distractors, which the
//! manifest lists among the queries with the transform `distractor`) against the
//! whole list, exactly as a platform's match would: a query matching its own original counts for recall, any
//! other listed image it matches is a false-positive image pair. Prints a per-transform table on stderr and one
//! JSON object as the last line of stdout.

#[path = "common/parallel.rs"]
mod parallel;
use parallel::parallel;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use disrupt_hasher::decode::{DecodeOptions, decode_rgb};
use disrupt_hasher::index::{BlockIndex, PdqIndex};
use disrupt_hasher::pdq::{MATCH_DISTANCE, PdqHash};
use disrupt_hasher::robust::{self, CandidateKind, Candidates, Found, QueryOptions, Thresholds, View};
use serde_json::{Value, json};

/// Views per image are numbered within 8 bits of the entry id.
const VIEW_BITS: u32 = 8;

struct Listed {
    id: String,
    views: Vec<View>,
}

struct Outcome {
    path: String,
    transform: String,
    original: Option<usize>,
    matched: Vec<(usize, String)>,
    plain_matched: Vec<usize>,
    candidates: usize,
    /// Listed images decided for this query (seeded, or with any close pair).
    seeded: usize,
    seconds: f64,
    hashing: f64,
    /// For `--compare-seeding`: whether each rule of [`SEED_RULES`] reaches the original.
    reached: Vec<bool>,
}

/// Seeding rules compared by `--compare-seeding`: a window reaches a view within `paired` when they share...
const SEED_RULES: &[&str] = &["pair3", "pair1", "block16", "block24", "block32"];

/// Whether window hash `w` and view hash `v` (already within the radius) satisfy seeding rule `rule`.
fn rule_holds(rule: &str, w: &PdqHash, v: &PdqHash) -> bool {
    let (a, b) = (w.as_bytes(), v.as_bytes());
    let diff = |r: std::ops::Range<usize>| -> u32 { r.map(|i| (a[i] ^ b[i]).count_ones()).sum() };
    match rule {
        "pair3" | "pair1" => {
            let bound = if rule == "pair3" { 3 } else { 1 };
            (0..8).any(|p| {
                let (lo, hi) = (4 * p, 4 * p + 4);
                (diff(lo..lo + 2) == 0 || diff(lo + 2..hi) == 0) && diff(lo..hi) <= bound
            })
        }
        "block16" => (0..16).any(|k| diff(2 * k..2 * k + 2) == 0),
        "block24" => (0..10).map(|k| 3 * k).chain([29]).any(|s| diff(s..s + 3) == 0),
        "block32" => (0..8).any(|k| diff(4 * k..4 * k + 4) == 0),
        _ => false,
    }
}

/// Which rules of [`SEED_RULES`] reach `views` (a listed image) from `candidates`: its own hash from a whole or
/// framed picture (searched exactly), or an inner square from a window by the rule.
fn reached_by(views: &[View], candidates: &Candidates, t: &Thresholds) -> Vec<bool> {
    let whole = views.iter().find(|v| v.region.is_whole()).map(|v| v.hash);
    let exact = candidates
        .list
        .iter()
        .filter(|c| c.kind != CandidateKind::Window)
        .any(|c| c.hashes.iter().any(|(_, h)| whole.is_some_and(|w| h.distance(&w) <= t.whole)));
    let inner: Vec<&View> = views.iter().filter(|v| !v.region.is_whole()).collect();
    SEED_RULES
        .iter()
        .map(|rule| {
            exact
                || candidates.list.iter().filter(|c| c.kind == CandidateKind::Window).any(|c| {
                    c.hashes.iter().any(|(_, h)| {
                        inner.iter().any(|v| h.distance(&v.hash) <= t.paired && rule_holds(rule, h, &v.hash))
                    })
                })
        })
        .collect()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let manifest_path = args.first().context("usage: robust_eval MANIFEST.json [--threads N] [--limit-queries N]")?;
    fn flag_in<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
    }

    let threads: usize = flag_in(&args, "--threads").unwrap_or(2);
    let limit: usize = flag_in(&args, "--limit-queries").unwrap_or(usize::MAX);
    // Every Nth original's queries only, and only these transforms (for quick trials).
    let every: usize = flag_in(&args, "--every").unwrap_or(1);
    let only: Option<String> = args.iter().position(|a| a == "--transforms").and_then(|i| args.get(i + 1)).cloned();
    // Judge the queries as a candidate set sent to the match API: no planes, so no verification, and no turned
    // windows (`QueryOptions::to_send`).
    let unverified = args.iter().any(|a| a == "--unverified");
    // Also report, per transform, the recall if windows seeded listed images by each rule of SEED_RULES.
    let compare_seeding = args.iter().any(|a| a == "--compare-seeding");
    let print_misses = args.iter().any(|a| a == "--misses");
    let mut opts = if unverified { QueryOptions::to_send() } else { QueryOptions::default() };
    opts.scan.min_side = flag_in(&args, "--min-side").unwrap_or(opts.scan.min_side);
    opts.scan.max_side = flag_in(&args, "--max-side").unwrap_or(opts.scan.max_side);
    opts.scan.scale_ratio = flag_in(&args, "--scale-ratio").unwrap_or(opts.scan.scale_ratio);
    opts.scan.position_step = flag_in(&args, "--position-step").unwrap_or(opts.scan.position_step);
    opts.scan_inner = flag_in::<u8>(&args, "--scan-inner").map(|v| v == 1).unwrap_or(opts.scan_inner);
    // `--turns -5,5` (degrees; `--turns none` for none), and the scan over each turned plane.
    if let Some(turns) = args.iter().position(|a| a == "--turns").and_then(|i| args.get(i + 1)) {
        let turns: Vec<f32> = turns.split(',').filter_map(|t| t.parse().ok()).collect();
        opts.turns = Box::leak(turns.into_boxed_slice());
    }
    opts.turn_scan.min_side = flag_in(&args, "--turn-min-side").unwrap_or(opts.turn_scan.min_side);
    opts.turn_scan.max_side = flag_in(&args, "--turn-max-side").unwrap_or(opts.turn_scan.max_side);
    opts.turn_scan.scale_ratio = flag_in(&args, "--turn-scale-ratio").unwrap_or(opts.turn_scan.scale_ratio);
    opts.turn_scan.position_step = flag_in(&args, "--turn-position-step").unwrap_or(opts.turn_scan.position_step);
    let mut thresholds = Thresholds::default();
    thresholds.paired = flag_in(&args, "--paired").unwrap_or(thresholds.paired);
    thresholds.single = flag_in(&args, "--single").unwrap_or(thresholds.single);
    thresholds.half = flag_in(&args, "--half").unwrap_or(thresholds.half);
    thresholds.unverified_support = flag_in(&args, "--unverified-support").unwrap_or(thresholds.unverified_support);
    thresholds.occluded_support = flag_in(&args, "--occluded-support").unwrap_or(thresholds.occluded_support);
    thresholds.occluded_found = flag_in(&args, "--occluded-found").unwrap_or(thresholds.occluded_found);
    // `--search seeded` (default: as a list searches) or `--search pairs` (every hash's close pairs).
    let seeded = args.iter().position(|a| a == "--search").and_then(|i| args.get(i + 1)).is_none_or(|v| v != "pairs");
    // Windows seed through the block index (as a list does), or with `--pair-bits N` through the chunk tables'
    // probing rule (what lists did before).
    let pair_bits: Option<u32> = flag_in(&args, "--pair-bits");
    let seed_every: usize = flag_in(&args, "--seed-every").unwrap_or(robust::SEED_EVERY);
    let how = How { seeded, pair_bits, seed_every };
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest_path)?)?;
    let decode = DecodeOptions::default();

    let originals = manifest["originals"].as_array().context("originals")?;
    let started = Instant::now();
    let listed: Vec<Listed> = parallel(originals.len(), threads, |i| {
        let o = &originals[i];
        let bytes = std::fs::read(o["path"].as_str().unwrap_or_default()).expect("original readable");
        let rgb = decode_rgb(&bytes, &decode).expect("original decodes");
        let views = robust::views_rgb(&rgb.pixels, rgb.width as usize, rgb.height as usize, rgb.stride());
        Listed { id: o["id"].as_str().unwrap_or_default().to_owned(), views }
    });
    let victim_seconds = started.elapsed().as_secs_f64() * threads as f64 / listed.len().max(1) as f64;
    let by_id: BTreeMap<&str, usize> = listed.iter().enumerate().map(|(i, l)| (l.id.as_str(), i)).collect();
    let index: PdqIndex = listed
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            l.views.iter().enumerate().map(move |(v, view)| (((i as u64) << VIEW_BITS) | v as u64, view.hash))
        })
        .collect();
    // The inner squares, as a list keeps them for windows to seek.
    let blocks: BlockIndex = listed
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            l.views
                .iter()
                .enumerate()
                .filter(|(_, view)| !view.region.is_whole())
                .map(move |(v, view)| (((i as u64) << VIEW_BITS) | v as u64, view.hash))
        })
        .collect();
    let views_total: usize = listed.iter().map(|l| l.views.len()).sum();

    let queries: Vec<&Value> = manifest["queries"]
        .as_array()
        .context("queries")?
        .iter()
        .filter(|q| only.as_deref().is_none_or(|o| o.split(',').any(|t| Some(t) == q["transform"].as_str())))
        .filter(|q| {
            let n: usize = q["original"].as_str().and_then(|id| id.get(1..)).and_then(|n| n.parse().ok()).unwrap_or(0);
            n.is_multiple_of(every)
        })
        .take(limit)
        .collect();
    let done = AtomicUsize::new(0);
    let outcomes: Vec<Outcome> = parallel(queries.len(), threads, |i| {
        let q = queries[i];
        let transform = q["transform"].as_str().unwrap_or("distractor").to_owned();
        let original = q["original"].as_str().and_then(|id| by_id.get(id).copied());
        let bytes = std::fs::read(q["path"].as_str().unwrap_or_default()).expect("query readable");
        let rgb = decode_rgb(&bytes, &decode).expect("query decodes");
        let t0 = Instant::now();
        let mut candidates =
            robust::candidates_rgb(&rgb.pixels, rgb.width as usize, rgb.height as usize, rgb.stride(), &opts);
        if unverified {
            candidates.forget_pixels();
        }
        let hashing = t0.elapsed().as_secs_f64();
        let (matched, plain_matched, seeded) = search(&index, &blocks, &listed, &candidates, &thresholds, &how);
        let seconds = t0.elapsed().as_secs_f64();
        let reached = match original {
            Some(o) if compare_seeding && matched.iter().any(|m| m.0 == o) => {
                reached_by(&listed[o].views, &candidates, &thresholds)
            }
            _ => vec![false; SEED_RULES.len()],
        };
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(200) {
            eprintln!("{n}/{} queries", queries.len());
        }
        Outcome {
            path: q["path"].as_str().unwrap_or_default().to_owned(),
            transform,
            original,
            matched,
            plain_matched,
            candidates: candidates.list.len(),
            seeded,
            seconds,
            hashing,
            reached,
        }
    });
    if compare_seeding {
        let mut per: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
        for o in outcomes.iter().filter(|o| o.original.is_some()) {
            let e = per.entry(o.transform.as_str()).or_insert((0, vec![0; SEED_RULES.len()]));
            e.0 += 1;
            for (k, &r) in o.reached.iter().enumerate() {
                e.1[k] += usize::from(r);
            }
        }
        eprintln!("seeding rules (recall if seeded by each): {SEED_RULES:?}");
        for (t, (n, counts)) in &per {
            let row: Vec<String> = counts.iter().map(|&c| format!("{:6.1}", 100.0 * c as f64 / *n as f64)).collect();
            eprintln!("{t:<18} {n:>5} {}", row.join(" "));
        }
    }

    let mut per: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let (mut fp, mut plain_fp, mut pairs) = (0usize, 0usize, 0usize);
    let mut fp_examples = Vec::new();
    for o in
        outcomes.iter().filter(|o| print_misses && o.original.is_some_and(|own| !o.matched.iter().any(|m| m.0 == own)))
    {
        eprintln!("missed {} {} (listed {})", o.transform, o.path, listed[o.original.unwrap_or_default()].id);
    }
    for o in &outcomes {
        let entry = per.entry(o.transform.clone()).or_default();
        if let Some(own) = o.original {
            entry.0 += 1;
            entry.1 += usize::from(o.matched.iter().any(|m| m.0 == own));
            entry.2 += usize::from(o.plain_matched.contains(&own));
            pairs += listed.len() - 1;
        } else {
            pairs += listed.len();
        }
        for (m, why) in o.matched.iter().filter(|m| Some(m.0) != o.original) {
            fp += 1;
            if fp_examples.len() < 20 {
                fp_examples.push(json!({"query": o.path, "listed": listed[*m].id, "why": why}));
            }
        }
        plain_fp += o.plain_matched.iter().filter(|&&m| Some(m) != o.original).count();
    }
    eprintln!("{:<18} {:>6} {:>9} {:>9}", "transform", "count", "plain", "disrupt");
    let mut recall = serde_json::Map::new();
    let mut plain_recall = serde_json::Map::new();
    let mut matched = serde_json::Map::new();
    let mut count = serde_json::Map::new();
    for (t, (n, ours, plain)) in &per {
        if *n == 0 {
            continue;
        }
        let (r, p) = (*ours as f64 / *n as f64, *plain as f64 / *n as f64);
        eprintln!("{t:<18} {n:>6} {:>8.1}% {:>8.1}%", 100.0 * p, 100.0 * r);
        recall.insert(t.clone(), json!(r));
        plain_recall.insert(t.clone(), json!(p));
        matched.insert(t.clone(), json!(ours));
        count.insert(t.clone(), json!(n));
    }
    let query_seconds: f64 = outcomes.iter().map(|o| o.seconds).sum::<f64>() / outcomes.len().max(1) as f64;
    let hashing_seconds: f64 = outcomes.iter().map(|o| o.hashing).sum::<f64>() / outcomes.len().max(1) as f64;
    let candidates_mean = outcomes.iter().map(|o| o.candidates).sum::<usize>() as f64 / outcomes.len().max(1) as f64;
    let seeded_mean = outcomes.iter().map(|o| o.seeded).sum::<usize>() as f64 / outcomes.len().max(1) as f64;
    let upper = upper_bound_95(fp, pairs);
    eprintln!(
        "false-positive pairs: {fp} of {pairs} (95 % upper bound {upper:.2e}); plain PDQ {plain_fp}; views/image {:.1}; \
         candidates/query {candidates_mean:.0}; images decided/query {seeded_mean:.2}; victim {:.0} ms/image, query {:.0} ms/image (of which hashing {:.0}; one core)",
        views_total as f64 / listed.len().max(1) as f64,
        1000.0 * victim_seconds,
        1000.0 * query_seconds,
        1000.0 * hashing_seconds
    );
    println!(
        "{}",
        json!({
            "recall": recall, "matched": matched, "count": count, "plain_recall": plain_recall,
            "false_positive_pairs": fp, "plain_false_positive_pairs": plain_fp, "non_matching_pairs": pairs,
            "false_positive_rate_upper_95": upper, "false_positive_examples": fp_examples,
            "listed_images": listed.len(), "views_per_image": views_total as f64 / listed.len().max(1) as f64,
            "candidates_per_query": candidates_mean, "images_decided_per_query": seeded_mean,
            "search": if how.seeded { "seeded" } else { "pairs" }, "seed_index": match how.pair_bits { Some(_) => "chunks", None => "blocks" }, "pair_bits": how.pair_bits,
            "victim_ms_per_image": 1000.0 * victim_seconds, "query_ms_per_image": 1000.0 * query_seconds, "query_hashing_ms_per_image": 1000.0 * hashing_seconds,
            "thresholds": {"whole": thresholds.whole, "paired": thresholds.paired, "single": thresholds.single},
        })
    );
    Ok(())
}

/// The listed images a query matches with disrupt's rules, and with plain PDQ (the query's eight variants
/// against each image's own hash at distance 31).
fn search(
    index: &PdqIndex,
    blocks: &BlockIndex,
    listed: &[Listed],
    candidates: &Candidates,
    t: &Thresholds,
    how: &How,
) -> (Vec<(usize, String)>, Vec<usize>, usize) {
    let image_of = |id: u64| id >> VIEW_BITS;
    // One candidate hash against the index: windows with the probing search, the rest exactly.
    let find = |kind: CandidateKind, hash: &PdqHash| match kind {
        CandidateKind::Window => index.search_probing(hash, t.paired, how.pair_bits.unwrap_or(3)),
        CandidateKind::Half => index.search(hash, t.half),
        _ => index.search(hash, t.whole),
    };
    let hits: BTreeMap<u64, Vec<robust::Hit>> = match how.seeded {
        // As a list searches: seeds from the index, then every view of each seeded image against every candidate.
        true => robust::seed_images_every(candidates, how.seed_every, |kind, hashes| {
            let found: Vec<u64> = match kind {
                CandidateKind::Window => match how.pair_bits {
                    Some(bits) => index.reach_probing(hashes, t.paired, bits),
                    None => blocks.reach(hashes, t.paired),
                },
                CandidateKind::Half => blocks.reach(hashes, t.half),
                _ => hashes.iter().flat_map(|h| find(kind, h)).map(|m| m.id).collect(),
            };
            Ok::<_, std::convert::Infallible>(found.into_iter().map(image_of).collect())
        })
        .unwrap_or_else(|never| match never {})
        .into_iter()
        .map(|image| (image, robust::image_hits(&listed[image as usize].views, candidates, t)))
        .collect(),
        // Every hash's close pairs collected from the index.
        false => robust::collect_hits(candidates, |kind, hash| {
            Ok::<_, std::convert::Infallible>(
                find(kind, hash)
                    .into_iter()
                    .map(|m| Found {
                        image: image_of(m.id),
                        view: (m.id & ((1 << VIEW_BITS) - 1)) as usize,
                        distance: m.distance,
                    })
                    .collect(),
            )
        })
        .unwrap_or_else(|never| match never {}),
    };
    let seeded = hits.len();
    // Plain PDQ: the query's own eight variants (candidate 0) against listed images' own hashes (view 0).
    let plain = hits
        .iter()
        .filter(|(_, pairs)| pairs.iter().any(|p| p.candidate == 0 && p.view == 0 && p.distance <= MATCH_DISTANCE))
        .map(|(image, _)| *image as usize)
        .collect();
    let matched = hits
        .into_iter()
        .map(|(image, pairs)| (image as usize, pairs))
        .filter_map(|(image, image_hits)| {
            let verdict = robust::decide(&listed[image].views, candidates, &image_hits, t)?;
            let c = &candidates.list[verdict.hit.candidate];
            let why = format!(
                "view {} ({:?}) ~ {:?} candidate at {:?} variant {} distance {} support {}",
                verdict.hit.view,
                listed[image].views[verdict.hit.view].region,
                c.kind,
                c.rect,
                verdict.hit.variant.name(),
                verdict.hit.distance,
                verdict.support
            );
            Some((image, why))
        })
        .collect();
    (matched, plain, seeded)
}

/// How the index is searched.
struct How {
    /// Seed images, then compare each seeded image's views with every candidate (as a list does); else collect
    /// every hash's close pairs from the index.
    seeded: bool,
    /// Windows seed through the chunk tables' probing search with this pair bound, instead of the block index.
    pair_bits: Option<u32>,
    /// Windows seed through one hash in this many (`--seed-every`; `robust::SEED_EVERY` by default).
    seed_every: usize,
}

/// One-sided 95 % upper bound of a binomial rate (Clopper-Pearson), by bisection.
fn upper_bound_95(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    // P(X <= k | p) is decreasing in p; find p where it equals 0.05.
    let cdf = |p: f64| -> f64 {
        let (mut term, mut sum) = ((1.0 - p).powf(n as f64), 0.0);
        for i in 0..=k {
            sum += term;
            term *= (n - i) as f64 / (i + 1) as f64 * p / (1.0 - p);
        }
        sum
    };
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if cdf(mid) > 0.05 { lo = mid } else { hi = mid }
    }
    hi
}
