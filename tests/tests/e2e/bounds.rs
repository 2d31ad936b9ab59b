//! Work per request: the match API's bounds on lists, searches and time.

use std::time::{Duration, Instant};

use disrupt_client::{Client, ClientError};
use disrupt_openapi::admin::CreateListRequest;
use disrupt_openapi::matching::{MAX_LISTS_PER_MATCH, MAX_MATCH_SEARCHES, MatchRequest};
use disrupt_openapi::model::{HashValue, VideoFrame};

use crate::helpers::{LIFTED_BUDGETS, eventually, simple_case, spawn_app, spawn_app_with, unique_pdq};

fn code_of<T: std::fmt::Debug>(result: Result<T, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Api { status, code, .. }) => (status, code),
        other => panic!("expected an error body, got {other:?}"),
    }
}

fn names(list: &str, copies: usize) -> Option<Vec<String>> {
    Some(vec![list.to_owned(); copies])
}

#[tokio::test]
async fn a_match_naming_lists_over_and_over_is_refused_before_any_search() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let hashes: Vec<HashValue> = (0..1000).map(|_| unique_pdq()).collect();
    let over =
        MatchRequest { hashes: hashes.clone(), lists: names("ncii", MAX_LISTS_PER_MATCH + 1), images: Vec::new() };
    assert_eq!(code_of(platform.match_hashes(&over).await), (413, "payload_too_large".into()));
    // The body of the report: 1,000 hashes and 300,000 copies of one list name (3.7 MB) took 17.6 s of a worker.
    let flood = MatchRequest { hashes, lists: names("ncii", 300_000), images: Vec::new() };
    assert_eq!(code_of(platform.match_hashes(&flood).await), (413, "payload_too_large".into()));
}

#[tokio::test]
async fn a_list_named_twice_is_searched_once() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let pdq = unique_pdq();
    app.case(vec![pdq.clone()]).await;
    let once = MatchRequest { hashes: vec![pdq.clone()], lists: None, images: Vec::new() };
    eventually(|| async { !platform.match_hashes(&once).await.unwrap().results[0].matches.is_empty() }).await;
    let twice = MatchRequest { hashes: vec![pdq], lists: names("ncii", 2), images: Vec::new() };
    let answer = platform.match_hashes(&twice).await.unwrap();
    assert_eq!(answer.results[0].matches.len(), 1, "one entry, one match: {answer:?}");
}

#[tokio::test]
async fn unknown_lists_are_not_found_and_lists_outside_the_scope_forbidden() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let ask = |client: &Client, lists: Option<Vec<String>>| {
        let client = client.clone();
        async move { client.match_hashes(&MatchRequest { hashes: vec![unique_pdq()], lists, images: Vec::new() }).await }
    };
    assert_eq!(code_of(ask(&app.admin, names("nosuch", 1)).await), (404, "not_found".into()));
    assert_eq!(code_of(ask(&app.admin, Some(vec!["ncii".into(), "nosuch".into()])).await), (404, "not_found".into()));
    // A platform learns nothing about lists outside its scope, existing or not.
    assert_eq!(code_of(ask(&platform, names("nosuch", 1)).await), (403, "forbidden".into()));
    assert_eq!(code_of(ask(&platform, Some(vec![])).await), (400, "invalid_request".into()));
    assert!(ask(&app.admin, names("ncii", 1)).await.is_ok());
}

#[tokio::test]
async fn hashes_times_lists_beyond_the_search_budget_are_refused() {
    let app = spawn_app().await;
    let per_list = 1000;
    let fitting = MAX_MATCH_SEARCHES / per_list;
    let mut lists = vec!["ncii".to_owned()];
    for i in 1..=fitting {
        let name = format!("extra{i}");
        app.admin.create_list(&CreateListRequest { name: name.clone() }).await.unwrap();
        lists.push(name);
    }
    let hashes: Vec<HashValue> = (0..per_list).map(|_| unique_pdq()).collect();
    let within = MatchRequest { hashes: hashes.clone(), lists: Some(lists[..fitting].to_vec()), images: Vec::new() };
    assert_eq!(app.admin.match_hashes(&within).await.unwrap().results.len(), per_list);
    let beyond = MatchRequest { hashes: hashes.clone(), lists: Some(lists.clone()), images: Vec::new() };
    assert_eq!(code_of(app.admin.match_hashes(&beyond).await), (413, "payload_too_large".into()));
    // An admin naming no list searches every list: the same budget holds.
    let every = MatchRequest { hashes, lists: None, images: Vec::new() };
    assert_eq!(code_of(app.admin.match_hashes(&every).await), (413, "payload_too_large".into()));
}

/// Distinct, reliable frames (random PDQ hashes are far apart).
fn random_frames(state: &mut u64, count: usize) -> Vec<VideoFrame> {
    let mut next = || {
        // xorshift64*: reproducible, and no two frames of one test alike.
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    (0..count)
        .map(|i| {
            let bytes: Vec<u8> = (0..4).flat_map(|_| next().to_be_bytes()).collect();
            VideoFrame {
                frame: i as u64,
                timestamp: i as f64,
                pdq: hex::encode(bytes).parse().unwrap(),
                quality: 100,
                views: Vec::new(),
            }
        })
        .collect()
}

#[tokio::test]
async fn a_search_longer_than_the_time_limit_ends_at_the_deadline() {
    let limit_secs = 3;
    let limit = limit_secs.to_string();
    let mut settings = LIFTED_BUDGETS.to_vec();
    settings.push(("DISRUPT_TIME_LIMITS__REQUEST_SECS", &limit));
    let app = spawn_app_with(&settings).await;
    let platform = app.platform("p", &["ncii"]).await;
    // Stored videos x query frames: 12 x 7,000 x 7,000 frame comparisons (within the per-video frame cap), far
    // more than 3 s of CPU.
    let mut state = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..12 {
        app.client
            .create_case(&simple_case(HashValue::Video { frames: random_frames(&mut state, 7_000) }))
            .await
            .unwrap();
    }
    let ready = format!("{}/readyz", app.base_url);
    eventually(|| async {
        let body: serde_json::Value = reqwest::get(&ready).await.unwrap().json().await.unwrap();
        body["entries"] == 12
    })
    .await;
    let query = MatchRequest {
        hashes: vec![HashValue::Video { frames: random_frames(&mut state, 7_000) }],
        lists: None,
        images: Vec::new(),
    };
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(20), platform.match_hashes(&query))
        .await
        .expect("the answer came when the work was done, not at the deadline");
    assert_eq!(code_of(answer), (408, "request_timeout".into()));
    assert!(started.elapsed() < Duration::from_secs(limit_secs + 10), "answered after {:?}", started.elapsed());
    // The server is free for the next request.
    let small = MatchRequest { hashes: vec![unique_pdq()], lists: None, images: Vec::new() };
    tokio::time::timeout(Duration::from_secs(10), platform.match_hashes(&small)).await.unwrap().unwrap();
}

/// Pages are bounded by bytes as well as by count. Here a page carries 80 KiB: two videos of 300 frames, of the
/// eight here, while the count allows 1,000 records. Each feed page stops at the budget, the cursor resumes right
/// after the last record served, and walking the pages serves every record once; the streamed snapshot holds
/// every video once.
#[tokio::test]
async fn feed_pages_over_large_videos_are_cut_by_bytes_and_resume_without_gaps_or_repeats() {
    let app = spawn_app_with(&[("DISRUPT_PAGE_BYTES", "81920")]).await;
    let platform = app.platform("p", &["ncii"]).await;
    let mut state = 0x2545_f491_4f6c_dd1d;
    let mut videos = Vec::new();
    for _ in 0..8 {
        let video = HashValue::Video { frames: random_frames(&mut state, 300) };
        app.client.create_case(&simple_case(video.clone())).await.unwrap();
        videos.push(video);
    }
    let (mut cursor, mut served, mut pages) = (None::<String>, Vec::new(), 0);
    loop {
        let page = platform.get_hashes(None, cursor.as_deref(), Some(1000)).await.unwrap();
        if page.records.is_empty() {
            assert!(!page.has_more);
            break;
        }
        pages += 1;
        let bytes = serde_json::to_vec(&page.records).unwrap().len();
        assert!(page.records.len() == 1 || bytes <= 81920, "page {pages}: {bytes} bytes of JSON");
        assert!(page.has_more || served.len() + page.records.len() == videos.len(), "page {pages} says more follow");
        served.extend(page.records.into_iter().map(|r| (r.entry, r.value)));
        cursor = Some(page.next_cursor);
    }
    assert!(pages >= 4, "eight videos in pages of two: {pages} pages");
    let refs: std::collections::HashSet<&String> = served.iter().map(|(entry, _)| entry).collect();
    assert_eq!(refs.len(), served.len(), "no record served twice");
    assert_eq!(served.len(), videos.len(), "every record served");
    assert!(videos.iter().all(|v| served.iter().any(|(_, value)| value == v)));

    let snapshot = platform.get_snapshot(None).await.unwrap();
    assert_eq!(snapshot.records.len(), videos.len());
    assert!(videos.iter().all(|v| snapshot.records.iter().any(|r| &r.value == v)));
}

/// FetchHashes pages are bounded by bytes too (here 1 KiB: two or three image records), also a full fetch, which
/// comes in snapshot pages; walking either serves every hash.
#[tokio::test]
async fn fetch_hashes_pages_are_cut_by_bytes_and_a_full_fetch_comes_in_pages() {
    let app = spawn_app_with(&[("DISRUPT_PAGE_BYTES", "1024")]).await;
    let platform = app.platform("p", &["ncii"]).await;
    let mut hashes = Vec::new();
    for _ in 0..12 {
        let pdq = unique_pdq();
        app.case(vec![pdq.clone()]).await;
        hashes.push(crate::helpers::hex_of(&pdq));
    }
    let walk = |start: Option<i64>| {
        let platform = platform.clone();
        async move {
            let (mut token, mut seen, mut pages) = (None::<String>, Vec::new(), 0);
            let checkpoint = loop {
                let page = platform.fetch_hashes(start, Some(800), token.as_deref()).await.unwrap();
                pages += 1;
                // About three records fit 1 KiB; a scan step may bring one more hash bucket's records (HSCAN).
                assert!(page.hash_records.len() <= 8, "a 1 KiB page holds a few records: {}", page.hash_records.len());
                seen.extend(page.hash_records.into_iter().map(|r| r.hash_value));
                if !page.has_more_records {
                    break page.next_set_timestamp;
                }
                token = page.next_page_token;
            };
            (seen, pages, checkpoint)
        }
    };
    let (full, pages, checkpoint) = walk(None).await;
    assert!(pages >= 3, "a full fetch of twelve records in pages: {pages}");
    let unique: std::collections::HashSet<&String> = full.iter().collect();
    assert_eq!(unique.len(), hashes.len());
    assert!(hashes.iter().all(|h| unique.contains(h)));

    let (delta, pages, _) = walk(Some(checkpoint - 3600)).await;
    assert!(pages >= 3, "a delta of twelve records in pages: {pages}");
    assert_eq!(delta.len(), hashes.len(), "each once");
    assert!(hashes.iter().all(|h| delta.contains(h)));
}
