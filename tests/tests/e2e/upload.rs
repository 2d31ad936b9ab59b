use std::path::Path;
use std::time::SystemTime;

use disrupt_client::api::UploadFile;
use disrupt_openapi::model::{Category, EntryState, HashValue};

use crate::helpers::{LIFTED_BUDGETS, TestApp, eventually, spawn_app, spawn_app_with};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Files under `dir` changed since `since` that contain `needle`.
fn files_containing(dir: &Path, since: SystemTime, needle: &[u8], found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            files_containing(&path, since, needle, found);
        } else if meta.is_file()
            && meta.len() < 512 * 1024 * 1024
            && meta.modified().is_ok_and(|m| m >= since)
            && let Ok(bytes) = std::fs::read(&path)
            && contains(&bytes, needle)
        {
            found.push(path.display().to_string());
        }
    }
}

/// Every key and value in the test's redis-server, concatenated.
pub(crate) async fn redis_keyspace(url: &str) -> Vec<u8> {
    disrupt_api::testing::every_stored_value(url).await.concat()
}

#[tokio::test]
async fn an_upload_leaves_no_file_in_the_temp_dir_and_no_media_bytes_in_redis() {
    let app = spawn_app().await;
    let since = SystemTime::now() - std::time::Duration::from_secs(1);
    // A real JPEG with a distinctive random run appended (decoders ignore trailing bytes).
    let mut media = bridge("bridge-1-original.jpg");
    let mut marker = [0u8; 48];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut marker).unwrap();
    media.extend_from_slice(&marker);
    let digests = disrupt_hasher::digest::FileDigests::of(&media);

    let created = app
        .client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "photo.jpg".into(), bytes: media.clone() }])
        .await
        .unwrap();
    assert!(created.hashes.contains(&HashValue::Md5 { hash: digests.md5.parse().unwrap() }));
    assert!(created.hashes.contains(&HashValue::Sha256 { hash: digests.sha256.parse().unwrap() }));

    let keyspace = redis_keyspace(&app.redis_url).await;
    assert!(!keyspace.is_empty());
    assert!(!contains(&keyspace, &marker), "media bytes reached Redis");
    assert!(!contains(&keyspace, hex::encode(marker).as_bytes()));
    let mut found = Vec::new();
    files_containing(&std::env::temp_dir(), since, &marker, &mut found);
    assert!(found.is_empty(), "media bytes in temp files: {found:?}");

    let status = app.client.get_case(&created.case_id, &created.case_secret).await.unwrap();
    assert_eq!(status.hashes.len(), created.hashes.len());
}

/// Opens a connection that announces a large upload and sends only its first part's headers: once it reaches its
/// handler, it holds an upload slot for as long as the connection stays open.
async fn slow_upload(port: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut slow = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await.unwrap();
    let head = "POST /v1/cases/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n\
                Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
    slow.write_all(head.as_bytes()).await.unwrap();
    slow
}

#[tokio::test]
async fn when_every_upload_slot_is_taken_the_next_upload_gets_503_server_busy_and_then_a_slot_frees() {
    use tokio::io::AsyncReadExt;
    // Uploads succeed until the slow request reaches its handler: lift the submission budgets.
    let app = spawn_app_with(&[LIFTED_BUDGETS.as_slice(), &[("DISRUPT_CONCURRENT_UPLOADS", "1")]].concat()).await;
    let photo = || vec![UploadFile { name: "photo.jpg".into(), bytes: bridge("bridge-1-original.jpg") }];
    let port = app.base_url.rsplit(':').next().unwrap();
    let mut slow = slow_upload(port).await;
    let mut busy = None;
    for _ in 0..250 {
        match app.client.upload_case(Category::AdultNcii, photo()).await {
            Err(err) => {
                busy = Some(err);
                break;
            }
            // The slow request has not reached its handler yet, or it lost the slot to this upload and was
            // answered (503): then open another.
            Ok(_) => {
                let mut answer = [0u8; 16];
                let read = tokio::time::timeout(std::time::Duration::from_millis(20), slow.read(&mut answer)).await;
                if read.is_ok() {
                    slow = slow_upload(port).await;
                }
            }
        }
    }
    assert_eq!(busy.expect("an upload was refused").code(), Some("server_busy"));
    // The slow client goes away: its slot frees and uploads work again.
    drop(slow);
    let mut created = None;
    for _ in 0..100 {
        if let Ok(c) = app.client.upload_case(Category::AdultNcii, photo()).await {
            created = Some(c);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(created.is_some(), "the slot was never freed");
}

#[tokio::test]
async fn uploads_without_category_or_file_are_refused() {
    let app = spawn_app().await;
    let err = app.client.upload_case(Category::Other, vec![]).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_request"));
}

/// One of Meta's dihedral test photos from the shared reference data.
fn bridge(name: &str) -> Vec<u8> {
    disrupt_hasher::testdata::read(&format!("pdq/data/reg-test-input/dih/{name}"))
}

/// A photograph unrelated to the bridge, from the shared reference data.
fn unrelated_photo() -> image::RgbImage {
    let bytes = disrupt_hasher::testdata::read("pdq/data/misc-images/c.png");
    image::load_from_memory(&bytes).unwrap().to_rgb8()
}

/// Whether `value`, sent as a plain hash to `POST /v1/match` (as a platform hashing a copy plainly would), matches.
async fn plain_pdq_matches(platform: &disrupt_client::Client, value: &HashValue) -> bool {
    let request =
        disrupt_openapi::matching::MatchRequest { hashes: vec![value.clone()], lists: None, images: Vec::new() };
    !platform.match_hashes(&request).await.unwrap().results[0].matches.is_empty()
}

/// PDQ of bridge-1-original.jpg by Meta's reference (pdq_fullres_pil_rgb.csv).
const BRIDGE_PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

#[tokio::test]
async fn an_uploaded_photo_is_kept_as_its_pdq_and_digests() {
    let app = spawn_app().await;
    let photo = bridge("bridge-1-original.jpg");
    let created = app
        .client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "a.jpg".into(), bytes: photo }])
        .await
        .unwrap();
    let HashValue::Pdq { hash, quality, .. } = &created.hashes[0] else { panic!("first hash is not PDQ: {created:?}") };
    let distance = hex::decode(hash.as_str())
        .unwrap()
        .iter()
        .zip(hex::decode(BRIDGE_PDQ).unwrap())
        .map(|(a, b)| (a ^ b).count_ones())
        .sum::<u32>();
    assert!(distance <= 4, "PDQ {hash} is {distance} bits from the reference");
    assert_eq!(*quality, Some(100));
    assert_eq!(created.hashes.len(), 3, "PDQ, MD5, SHA-256: {created:?}");
}

/// A server whose list holds the bridge photo's PDQ (as the victim's device hashed it), and a platform of it.
async fn bridge_listed() -> (TestApp, disrupt_client::Client) {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let value = HashValue::Pdq { hash: BRIDGE_PDQ.parse().unwrap(), quality: Some(100), views: Vec::new() };
    app.case(vec![value]).await;
    (app, platform)
}

#[tokio::test]
async fn a_platform_upload_finds_a_rotated_copy_and_names_the_variant() {
    // The victim hashed the original photo on their own device.
    let (_app, platform) = bridge_listed().await;
    // The platform has a copy turned by 90 degrees and no hasher of its own.
    let rotated = bridge("bridge-2-rotate-90.jpg");
    let upload = || UploadFile { name: "copy.jpg".into(), bytes: rotated.clone() };
    eventually(|| async { !platform.match_upload(vec![upload()]).await.unwrap().results[0].matches.is_empty() }).await;
    let answer = platform.match_upload(vec![upload()]).await.unwrap();
    assert_eq!(answer.hashes.len(), 3);
    assert_eq!(answer.results.len(), 3);
    let found = &answer.results[0].matches[0];
    assert!(found.distance <= 31);
    let variant = found.variant.as_deref().unwrap();
    assert!(variant == "rot90" || variant == "rot270", "matched through {variant}");
    assert!(answer.results[1].matches.is_empty() && answer.results[2].matches.is_empty(), "other bytes, other digests");
    // Without the dihedral variants, the rotated copy's own PDQ is far from the original.
    assert!(!plain_pdq_matches(&platform, &answer.hashes[0]).await);
}

/// PNG bytes of `image`.
fn png(image: &image::RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_platform_upload_finds_a_letterboxed_and_a_screenshotted_copy_that_plain_pdq_misses() {
    let (_app, platform) = bridge_listed().await;
    let original = image::load_from_memory(&bridge("bridge-1-original.jpg")).unwrap().to_rgb8();
    let (w, h) = original.dimensions();
    // Black bars of a tenth of the height above and below.
    let mut letterbox = image::RgbImage::new(w, h * 12 / 10);
    image::imageops::replace(&mut letterbox, &original, 0, i64::from(h / 10));
    // A phone screenshot: light chrome, a header bar, the photo shrunk into the feed.
    let mut screen = image::RgbImage::from_pixel(1080, 1920, image::Rgb([236, 236, 240]));
    image::imageops::replace(&mut screen, &image::RgbImage::from_pixel(1080, 160, image::Rgb([30, 60, 120])), 0, 0);
    let shrunk = image::imageops::resize(&original, 960, 960 * h / w, image::imageops::FilterType::Triangle);
    image::imageops::replace(&mut screen, &shrunk, 60, 500);
    for (name, copy) in [("letterbox", png(&letterbox)), ("screenshot", png(&screen))] {
        let upload = || vec![UploadFile { name: format!("{name}.png"), bytes: copy.clone() }];
        eventually(|| async { !platform.match_upload(upload()).await.unwrap().results[0].matches.is_empty() }).await;
        let answer = platform.match_upload(upload()).await.unwrap();
        let found = &answer.results[0].matches[0];
        assert!(found.distance <= 31, "{name}: {found:?}");
        assert!(found.variant.as_deref().is_some_and(|v| v.starts_with("framed-")), "{name}: {found:?}");
        // The copy's own PDQ, as a platform hashing it plainly would send it, matches nothing.
        let plain = plain_pdq_matches(&platform, &answer.hashes[0]).await;
        assert!(!plain, "{name}: plain PDQ already matches, the test proves nothing");
    }
    // An unrelated photo with a frame of its own matches nothing.
    let unrelated = unrelated_photo();
    let mut framed =
        image::RgbImage::from_pixel(unrelated.width() + 200, unrelated.height() + 200, image::Rgb([255; 3]));
    image::imageops::replace(&mut framed, &unrelated, 100, 100);
    let answer =
        platform.match_upload(vec![UploadFile { name: "other.png".into(), bytes: png(&framed) }]).await.unwrap();
    assert!(answer.results.iter().all(|r| r.matches.is_empty()), "{answer:?}");
}

#[tokio::test]
async fn media_that_is_not_an_image_or_video_is_refused_with_the_hashers_reason() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let junk = UploadFile { name: "x.jpg".into(), bytes: b"this is not a picture at all, just text".repeat(10) };
    let err = platform.match_upload(vec![junk.clone()]).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_media"));
    assert_eq!(err.reason(), Some("unsupported_format"));
    let mut truncated = bridge("bridge-1-original.jpg");
    truncated.truncate(truncated.len() / 3);
    let err = app
        .client
        .upload_case(Category::Other, vec![UploadFile { name: "t.jpg".into(), bytes: truncated }])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_media"));
    assert_eq!(err.reason(), Some("corrupt_media"), "{err}");
    let anonymous = app.client.match_upload(vec![junk]).await.unwrap_err();
    assert_eq!(anonymous.code(), Some("unauthorized"));
}

/// Uploads `bytes` with `upload` and fails as soon as `listener` sees a connection (the server fetching a URL
/// named inside the file: blind SSRF). Otherwise the answer must be 400 `invalid_media`.
async fn assert_refused_without_connection<F>(name: &str, listener: &tokio::net::TcpListener, upload: F)
where
    F: std::future::Future<Output = Result<(), disrupt_client::api::ClientError>>,
{
    let err = tokio::select! {
        answer = upload => answer.expect_err(name),
        accepted = listener.accept() => panic!("{name}: the server connected to {:?}", accepted.map(|a| a.1)),
    };
    match &err {
        disrupt_client::api::ClientError::Api { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (400, "invalid_media"), "{name}: {err}");
        }
        other => panic!("{name}: {other}"),
    }
}

/// A DASH manifest behind bytes that look like a QuickTime atom (`<!--wide-->`), HLS playlists, concat lists
/// and nested `subfile:`/`concat:`/`data:` references, all pointing at a loopback listener: neither upload route
/// opens anything but the uploaded bytes, and each file is refused as media.
#[tokio::test]
async fn uploaded_manifests_and_playlists_make_the_server_open_no_url() {
    // Each refusal costs an anonymous submission: lift the budgets. A server that fetched would wait on the
    // listener: keep its upload time short so such a failure is quick.
    let app =
        spawn_app_with(&[LIFTED_BUDGETS.as_slice(), &[("DISRUPT_TIME_LIMITS__UPLOAD_SECS", "20")]].concat()).await;
    let platform = app.platform("p", &["ncii"]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let files = disrupt_hasher::fuzzing::smuggled_references(&url);
    assert!(files.len() >= 20, "{} files", files.len());
    for (name, bytes) in files {
        let file = || vec![UploadFile { name: "video.mp4".into(), bytes: bytes.clone() }];
        let victim = async { app.client.upload_case(Category::AdultNcii, file()).await.map(drop) };
        assert_refused_without_connection(&format!("{name} to /v1/cases/upload"), &listener, victim).await;
        let matched = async { platform.match_upload(file()).await.map(drop) };
        assert_refused_without_connection(&format!("{name} to /v1/match/upload"), &listener, matched).await;
    }
    // The listener works: it would have seen a connection.
    let _probe = tokio::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    assert!(listener.accept().await.is_ok());
}

/// `image` cut to the rectangle that keeps `left`, `top`, `right`, `bottom` fractions off its sides.
fn crop(image: &image::RgbImage, left: f32, top: f32, right: f32, bottom: f32) -> image::RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (x, y) = ((left * w) as u32, (top * h) as u32);
    let (cw, ch) = (((1.0 - left - right) * w) as u32, ((1.0 - top - bottom) * h) as u32);
    image::imageops::crop_imm(image, x, y, cw, ch).to_image()
}

/// `image` turned by `degrees` about its centre (bilinear) and cut to the largest centred rectangle with no pixel
/// from outside it, as a photo app's straighten tool returns it.
fn turned(image: &image::RgbImage, degrees: f32) -> image::RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (s, c) = (sin.abs(), cos.abs());
    let (iw, ih) = ((w * c - h * s) / (c * c - s * s), (h * c - w * s) / (c * c - s * s));
    image::RgbImage::from_fn(iw as u32, ih as u32, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - iw / 2.0, y as f32 + 0.5 - ih / 2.0);
        let sx = (cos * dx - sin * dy + w / 2.0 - 0.5).clamp(0.0, w - 1.001);
        let sy = (sin * dx + cos * dy + h / 2.0 - 0.5).clamp(0.0, h - 1.001);
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let at = |x: u32, y: u32, k: usize| f32::from(image.get_pixel(x, y)[k]);
        image::Rgb(std::array::from_fn(|k| {
            let top = at(x0, y0, k) * (1.0 - fx) + at(x0 + 1, y0, k) * fx;
            let bottom = at(x0, y0 + 1, k) * (1.0 - fx) + at(x0 + 1, y0 + 1, k) * fx;
            (top * (1.0 - fy) + bottom * fy).round() as u8
        }))
    })
}

/// A victim's upload keeps the photo's views with its hash; a platform's upload of a cropped or turned copy then
/// matches it through them (plain PDQ does not), once per listed image, naming the view (a turned square for the
/// turned copy, with the turn in its `query_region`); an unrelated photo matches nothing; and the withdrawal
/// takes every view out of the list with the photo.
#[tokio::test]
async fn a_cropped_copy_matches_the_views_of_an_uploaded_photo_and_they_leave_with_it() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let photo = bridge("bridge-1-original.jpg");
    let created = app
        .client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "a.jpg".into(), bytes: photo.clone() }])
        .await
        .unwrap();
    let HashValue::Pdq { views, .. } = &created.hashes[0] else { panic!("first hash is not PDQ: {created:?}") };
    assert!(views.len() >= 4, "an ordinary photo keeps several views: {views:?}");
    for view in views {
        assert!(view.validate().is_ok(), "{view:?}");
    }
    let original = image::load_from_memory(&photo).unwrap().to_rgb8();
    assert!(views.iter().any(|v| v.region.turn != 0), "the upload keeps turned squares: {views:?}");
    let copies = [
        ("crop10", crop(&original, 0.10, 0.10, 0.10, 0.10)),
        ("offcentre", crop(&original, 0.05, 0.15, 0.25, 0.05)),
        ("turned5", turned(&original, 5.0)),
    ];
    for (name, copy) in copies {
        let upload = || vec![UploadFile { name: format!("{name}.png"), bytes: png(&copy) }];
        eventually(|| async { !platform.match_upload(upload()).await.unwrap().results[0].matches.is_empty() }).await;
        let answer = platform.match_upload(upload()).await.unwrap();
        let matches = &answer.results[0].matches;
        assert_eq!(matches.len(), 1, "{name}: one match per listed image: {matches:?}");
        let found = &matches[0];
        assert!(found.variant.as_deref().is_some_and(|v| v.starts_with("window-")), "{name}: {found:?}");
        assert!(found.view.is_some_and(|v| v >= 1), "{name}: {found:?}");
        let region = found.query_region.unwrap_or_else(|| panic!("{name}: {found:?}"));
        assert_eq!(
            region.turn != 0,
            name == "turned5",
            "{name}: a turned square matched the turned copy only: {found:?}"
        );
        let plain = plain_pdq_matches(&platform, &answer.hashes[0]).await;
        assert!(!plain, "{name}: plain PDQ already matches, the test proves nothing");
    }
    // A crop of an unrelated photo matches nothing.
    let unrelated = crop(&unrelated_photo(), 0.1, 0.1, 0.1, 0.1);
    let answer =
        platform.match_upload(vec![UploadFile { name: "other.png".into(), bytes: png(&unrelated) }]).await.unwrap();
    assert!(answer.results.iter().all(|r| r.matches.is_empty()), "{answer:?}");

    // In the feed every view is a plain PDQ record of its own; the withdrawal turns them all into tombstones.
    let pdq_records = |page: &disrupt_openapi::feed::FeedPage, state: EntryState| {
        page.records
            .iter()
            .filter(|r| r.state == state && matches!(&r.value, HashValue::Pdq { views, .. } if views.is_empty()))
            .count()
    };
    let live = 1 + views.len();
    eventually(|| async {
        pdq_records(&platform.get_hashes(None, None, None).await.unwrap(), EntryState::Pending) == live
    })
    .await;
    let page = platform.get_hashes(None, None, None).await.unwrap();
    let mut refs: Vec<&str> = page.records.iter().map(|r| r.entry.as_str()).collect();
    refs.sort_unstable();
    refs.dedup();
    assert_eq!(refs.len(), page.records.len(), "every view has a reference of its own");
    // A snapshot page is ordered by hash value, views included: they do not sit next to their image.
    let snapshot = platform.get_snapshot(None).await.unwrap();
    let values: Vec<String> = snapshot.records.iter().map(|r| crate::helpers::hex_of(&r.value)).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    assert_eq!(values.len(), live + 2, "the image, its views, its MD5 and SHA-256: {snapshot:?}");
    app.client.withdraw_case(&created.case_id, &created.case_secret).await.unwrap();
    let after = platform.get_hashes(None, Some(&page.next_cursor), None).await.unwrap();
    assert_eq!(pdq_records(&after, EntryState::Withdrawn), live, "{after:?}");
    let answer = platform
        .match_upload(vec![UploadFile { name: "crop.png".into(), bytes: png(&crop(&original, 0.1, 0.1, 0.1, 0.1)) }])
        .await
        .unwrap();
    assert!(answer.results[0].matches.is_empty(), "a withdrawn photo's views no longer match: {answer:?}");
}

/// A platform that hashes on its own machine sends a query image's candidate set to `POST /v1/match`: a cropped
/// copy of a listed photo matches through its views (judged without the pixels, so by more agreeing squares), an
/// unrelated photo's set does not.
#[tokio::test]
async fn a_candidate_set_sent_to_the_match_api_finds_a_cropped_copy() {
    use disrupt_hasher::robust::{QueryOptions, candidates_rgb};
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let photo = bridge("bridge-1-original.jpg");
    app.client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "a.jpg".into(), bytes: photo.clone() }])
        .await
        .unwrap();
    let set = |image: &image::RgbImage| {
        let (w, h) = image.dimensions();
        let candidates =
            candidates_rgb(image.as_raw(), w as usize, h as usize, 3 * w as usize, &QueryOptions::to_send());
        disrupt_client::local::image_candidates(&candidates)
    };
    let request = |image: &image::RgbImage| disrupt_openapi::matching::MatchRequest {
        hashes: vec![HashValue::Md5 { hash: "00".repeat(16).parse().unwrap() }],
        lists: None,
        images: vec![set(image)],
    };
    let original = image::load_from_memory(&photo).unwrap().to_rgb8();
    let cropped = crop(&original, 0.10, 0.10, 0.10, 0.10);
    eventually(|| async { !platform.match_hashes(&request(&cropped)).await.unwrap().results[1].matches.is_empty() })
        .await;
    let answer = platform.match_hashes(&request(&cropped)).await.unwrap();
    assert_eq!(answer.results.len(), 2, "one result per hash, then per image: {answer:?}");
    assert_eq!(answer.results[1].index, 1);
    let matches = &answer.results[1].matches;
    assert_eq!(matches.len(), 1, "{matches:?}");
    assert!(matches[0].variant.as_deref().is_some_and(|v| v.starts_with("window-")), "{matches:?}");
    assert!(matches[0].view.is_some_and(|v| v >= 1), "{matches:?}");
    let unrelated = crop(&unrelated_photo(), 0.1, 0.1, 0.1, 0.1);
    let answer = platform.match_hashes(&request(&unrelated)).await.unwrap();
    assert!(answer.results.iter().all(|r| r.matches.is_empty()), "{answer:?}");
    // A malformed set is refused with a stable code.
    let mut bad = request(&cropped);
    bad.images[0].candidates[0].hashes.truncate(2);
    let err = platform.match_hashes(&bad).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_request"), "{err:?}");
}

/// `POST /v1/match` reads its body itself (up to 32 MiB, more than the other routes) and parses it off the async
/// workers: a gzip-compressed candidate set matches as the plain one does, and the body's failures keep their
/// codes: a gzip bomb that inflates past the limit (`payload_too_large`), no JSON content type and malformed JSON
/// (`invalid_request`), a malformed hash (`invalid_hash`).
#[tokio::test]
async fn the_match_body_may_be_gzipped_and_its_failures_keep_their_codes() {
    use std::io::Write;

    use disrupt_hasher::robust::{QueryOptions, candidates_rgb};
    let app = spawn_app().await;
    let key = app.raw_key("p", disrupt_openapi::model::Role::Platform, &["ncii"], &[]).await;
    let photo = bridge("bridge-1-original.jpg");
    app.client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "a.jpg".into(), bytes: photo.clone() }])
        .await
        .unwrap();
    let cropped = crop(&image::load_from_memory(&photo).unwrap().to_rgb8(), 0.10, 0.10, 0.10, 0.10);
    let (w, h) = cropped.dimensions();
    let candidates = candidates_rgb(cropped.as_raw(), w as usize, h as usize, 3 * w as usize, &QueryOptions::to_send());
    let request = disrupt_openapi::matching::MatchRequest {
        hashes: Vec::new(),
        lists: None,
        images: vec![disrupt_client::local::image_candidates(&candidates)],
    };
    let gzip = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>, content_type: &'static str, encoding: Option<&'static str>| {
        let mut request = http
            .post(format!("{}/v1/match", app.base_url))
            .bearer_auth(&key)
            .header("Content-Type", content_type)
            .body(body);
        if let Some(encoding) = encoding {
            request = request.header("Content-Encoding", encoding);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let json = serde_json::to_vec(&request).unwrap();
    let compressed = gzip(&json);
    assert!(compressed.len() * 2 < json.len(), "{} of {} bytes", compressed.len(), json.len());
    eventually(|| async {
        let (status, body) = post(compressed.clone(), "application/json", Some("gzip")).await;
        status == 200 && !body["results"][0]["matches"].as_array().unwrap().is_empty()
    })
    .await;
    let (status, plain) = post(json.clone(), "application/json", None).await;
    assert_eq!(status, 200, "{plain}");
    let (_, gzipped) = post(compressed, "application/json", Some("gzip")).await;
    assert_eq!(gzipped, plain);

    // 40 MiB of spaces inflate past the 32 MiB limit from about 40 KB.
    let bomb = gzip(&vec![b' '; 40 << 20]);
    assert!(bomb.len() < 1 << 20);
    let (status, body) = post(bomb, "application/json", Some("gzip")).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("payload_too_large")), "{body}");
    let (status, body) = post(json, "text/plain", None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")), "{body}");
    let (status, body) = post(b"{\"hashes\": [".to_vec(), "application/json", None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_request")), "{body}");
    let malformed = br#"{"hashes": [{"kind": "pdq", "hash": "abc"}]}"#.to_vec();
    let (status, body) = post(malformed, "application/json", None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_hash")), "{body}");
}

/// An 8-second re-encode of a reference sample video through this ffmpeg filter, as bytes.
fn sample_video_with(name: &str, filter: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.mp4");
    disrupt_hasher::testdata::reencode_sample_video(name, filter, &out);
    std::fs::read(&out).unwrap()
}

/// A listed video re-uploaded inside bars (16:9 letterboxed into a square, as apps post it) matches through its
/// frames hashed inside the bars, the second video value of the upload, and not through its own frames.
#[tokio::test]
async fn a_platform_upload_finds_a_letterboxed_copy_of_a_listed_video() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let listed = sample_video_with("pattern-hd-no-bar", "scale=480:270");
    let created = app
        .client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "clip.mp4".into(), bytes: listed }])
        .await
        .unwrap();
    assert_eq!(created.hashes.len(), 3, "one frame list, MD5, SHA-256 (the listed side is never trimmed)");
    let copy = sample_video_with("pattern-hd-no-bar", "scale=480:270,pad=480:480:0:105");
    let upload = || vec![UploadFile { name: "copy.mp4".into(), bytes: copy.clone() }];
    eventually(|| async {
        platform.match_upload(upload()).await.unwrap().results.iter().any(|r| !r.matches.is_empty())
    })
    .await;
    let answer = platform.match_upload(upload()).await.unwrap();
    assert!(
        matches!(
            &answer.hashes[..],
            [HashValue::Video { .. }, HashValue::Video { .. }, HashValue::Md5 { .. }, HashValue::Sha256 { .. }]
        ),
        "its own frames, then its frames inside the bars, then its digests: {:?}",
        answer.hashes.iter().map(|h| h.kind()).collect::<Vec<_>>()
    );
    assert!(answer.results[0].matches.is_empty(), "plain vPDQ already matches, the test proves nothing");
    assert_eq!(answer.results[1].matches.len(), 1, "{answer:?}");
    // An unrelated video inside the same bars matches nothing.
    let other = sample_video_with("doorknob-hd-no-bar", "scale=480:270,pad=480:480:0:105");
    let answer = platform.match_upload(vec![UploadFile { name: "other.mp4".into(), bytes: other }]).await.unwrap();
    assert!(answer.results.iter().all(|r| r.matches.is_empty()), "{answer:?}");
}

/// A listed video re-uploaded with a crop (10 % off each side) keeps none of its frames' hashes, and matches
/// through its frames' centred squares, which the victim's upload kept: the platform's upload answers it with
/// `window-orig` and where the listed picture lies in its frames. An unrelated video cropped alike matches
/// nothing, and once the case is withdrawn the cropped copy no longer matches.
#[tokio::test]
async fn a_platform_upload_finds_a_cropped_reencode_of_a_listed_video() {
    let picture = "crop=416:720:32:0";
    let listed = sample_video_with("chair-19-sd-bar", picture);
    let copy = sample_video_with("chair-19-sd-bar", &format!("{picture},crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2"));
    let other = sample_video_with("pattern-hd-no-bar", "crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2");
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let created = app
        .client
        .upload_case(Category::AdultNcii, vec![UploadFile { name: "clip.mp4".into(), bytes: listed }])
        .await
        .unwrap();
    let Some(HashValue::Video { frames }) = created.hashes.first() else {
        panic!("a frame list first: {:?}", created.hashes);
    };
    let squared = frames.iter().filter(|f| !f.views.is_empty()).count();
    assert!(squared >= 4, "the reliable, distinct frames keep their squares: {squared} of {}", frames.len());
    assert!(frames.iter().all(|f| f.views.len() <= 2 && f.views.iter().all(|v| v.validate().is_ok())));

    let upload = || vec![UploadFile { name: "copy.mp4".into(), bytes: copy.clone() }];
    eventually(|| async {
        platform.match_upload(upload()).await.unwrap().results.iter().any(|r| !r.matches.is_empty())
    })
    .await;
    let answer = platform.match_upload(upload()).await.unwrap();
    let Some(HashValue::Video { frames: query }) = answer.hashes.first() else {
        panic!("the copy's frame list first: {:?}", answer.hashes);
    };
    assert!(query.iter().all(|f| f.views.is_empty()), "a query keeps no squares");
    let matches = &answer.results[0].matches;
    assert_eq!(matches.len(), 1, "{answer:?}");
    assert_eq!(matches[0].variant.as_deref(), Some("window-orig"), "{matches:?}");
    let region = matches[0].query_region.expect("where the listed picture lies");
    assert!(region.width >= 9_000 && region.height >= 9_000, "the copy is all listed picture: {region:?}");
    // Its own frames are 80 bits and more from the listed ones: plain vPDQ does not match them.
    let stored: Vec<&str> = frames.iter().map(|f| f.pdq.as_str()).collect();
    let plain = query.iter().filter(|q| stored.iter().any(|s| hamming_hex(s, q.pdq.as_str()) <= 31)).count();
    assert!(plain * 5 < query.len() * 4, "{plain} of {} frames match plainly: the test proves nothing", query.len());

    let answer = platform.match_upload(vec![UploadFile { name: "other.mp4".into(), bytes: other }]).await.unwrap();
    assert!(answer.results.iter().all(|r| r.matches.is_empty()), "{answer:?}");

    app.client.withdraw_case(&created.case_id, &created.case_secret).await.unwrap();
    eventually(|| async {
        platform.match_upload(upload()).await.unwrap().results.iter().all(|r| r.matches.is_empty())
    })
    .await;
}

/// Bits apart of two PDQ hashes in hex.
fn hamming_hex(a: &str, b: &str) -> u32 {
    let (a, b) = (hex::decode(a).unwrap(), hex::decode(b).unwrap());
    a.iter().zip(&b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// A client that waited longer than the server keeps an idle connection open (its keep-alive, 5 s by default)
/// still gets its next upload through, even when its runtime did not run meanwhile (the CLI's runs only inside a
/// request): it must not write the upload into the pooled connection the server has closed.
#[tokio::test]
async fn an_upload_after_the_servers_keep_alive_goes_through() {
    let video = sample_video_with("pattern-hd-no-bar", "crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2");
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    platform.match_upload(vec![UploadFile { name: "first.mp4".into(), bytes: video.clone() }]).await.unwrap();
    // Busy, as the CLI is while it hashes the next file: its runtime does not run, nothing reads the connection.
    std::thread::sleep(std::time::Duration::from_secs(7));
    let answer = platform.match_upload(vec![UploadFile { name: "again.mp4".into(), bytes: video }]).await;
    assert!(answer.is_ok(), "{answer:?}");
}
