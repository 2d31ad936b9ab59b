//! The victims' web page in a real headless Chromium (Debian's `chromium` + `chromedriver`, driven with
//! fantoccini): orientation, hashing the reference photos in the browser with the WebAssembly hasher, and the
//! guarantee that no image byte leaves the browser.
//!
//! Every byte the browser sends goes through a recording TCP relay between it and the server (`browser::Relay`),
//! so the check sees every request (page, worker, WebAssembly, API), whoever made it.
//!
//! Needs `scripts/build-web` to have produced `web/pkg/` (`scripts/test` runs it first).
//! `DISRUPT_SCREENSHOTS=<dir>` saves PNGs of the main steps there (`web/screenshots/` in the repository).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use disrupt_client::api::UploadFile;
use disrupt_hasher::{decode, digest::FileDigests, pdq};
use disrupt_openapi::admin::CreateApiKeyRequest;
use disrupt_openapi::audit::AuditAction;
use disrupt_openapi::cases::{Declarant, Declarations};
use disrupt_openapi::model::{Category, HashKind, Role};
use disrupt_openapi::notices::{NoticeDecisionRequest, PlatformDecision};
use disrupt_openapi::review::ReviewUrlsRequest;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{Browser, Relay, Viewport, find, screenshot, tempdir, wait_for_js};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_hashes_the_reference_photos_in_the_browser_like_the_native_hasher() -> Result<()> {
    let server = StaticPage::start()?;
    let relay = Relay::start(server.port).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let photos = reference_photos()?;

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    client.execute("document.getElementById('lang').value = 'en'; document.getElementById('lang').dispatchEvent(new Event('change'));", vec![]).await?;
    wait_for_js(client, "return document.getElementById('orientation-title').textContent === 'What happened?'").await?;
    screenshot(client, "orientation").await?;

    // An answer that is not about intimate images leads elsewhere, not to the hashing flow.
    client.find(Locator::Css("button[data-answer='scam']")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-destination').hidden").await?;
    client.find(Locator::Css("#step-destination button[data-goto='orientation']")).await?.click().await?;

    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden").await?;
    select_files(client, &photos).await?;
    let shown = wait_for_hashes(client, photos.len()).await?;
    screenshot(client, "hashes").await?;

    for photo in &photos {
        let name = photo.file_name().and_then(|n| n.to_str()).context("file name")?;
        let row = shown.iter().find(|r| r["name"] == name).with_context(|| format!("{name} not listed"))?;
        let native = native_hashes(photo)?;
        assert_eq!(row["status"], "done", "{name}: {row}");
        for key in ["pdq", "quality", "md5", "sha256", "size"] {
            assert_eq!(row[key], native[key], "{name}: {key} in the browser differs from the native hasher");
        }
    }

    // Removing a file takes it out of the list before anything is sent.
    let first = shown[0]["name"].as_str().context("name")?.to_owned();
    let remove = format!("li.file[data-name='{first}'] button.remove");
    client.find(Locator::Css(&remove)).await?.click().await?;
    wait_for_js(client, &format!("return !document.querySelector(\"li.file[data-name='{first}']\")")).await?;

    relay.assert_no_media_sent(&photos)?;
    browser.close().await
}

/// The whole victim journey against the real server (and its own redis-server): submit from the page, the case
/// exists with the hashes computed in the browser, status and withdrawal from the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victim_submits_checks_and_withdraws_a_case_from_the_page() -> Result<()> {
    let app = crate::helpers::spawn_app().await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let photos = reference_photos()?;

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    select_files(client, &photos).await?;
    wait_for_hashes(client, photos.len()).await?;
    client.find(Locator::Id("submit")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-case').hidden").await?;
    screenshot(client, "case").await?;
    let id = client.find(Locator::Id("case-id")).await?.text().await?;
    let secret = client.find(Locator::Id("case-secret")).await?.text().await?;
    ensure!(!id.is_empty() && !secret.is_empty(), "case id and secret shown");

    // The case exists on the server, with the hashes computed in the browser.
    let http = reqwest::Client::new();
    let base = app.base_url.clone();
    let case: Value = http
        .get(format!("{base}/v1/cases/{id}"))
        .header("X-Case-Secret", &secret)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let stored = case["hashes"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(stored, photos.len() * 3, "one PDQ, one MD5 and one SHA-256 per photo: {case}");

    // Golden test, WebAssembly against native: the server hashing the same files (POST /v1/cases/upload) keeps
    // bit-identical PDQ values, views (hashes, qualities, regions) included.
    let files = photos
        .iter()
        .map(|p| Ok(UploadFile { name: "photo.jpg".into(), bytes: std::fs::read(p)? }))
        .collect::<Result<Vec<_>>>()?;
    let uploaded = app.client.upload_case(Category::AdultNcii, files).await?;
    let native: Vec<Value> = uploaded
        .hashes
        .iter()
        .filter(|v| v.kind() == HashKind::Pdq)
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    let in_browser: Vec<Value> = case["hashes"]
        .as_array()
        .context("hashes")?
        .iter()
        .map(|h| h["value"].clone())
        .filter(|v| v["kind"] == "pdq")
        .collect();
    let views: usize = native.iter().filter_map(|v| v["views"].as_array()).map(Vec::len).sum();
    assert!(views >= 8 * photos.len(), "the photos' inner squares are listed: {native:?}");
    assert_eq!(in_browser, native, "the page and the server list the photos alike");

    // Status from the page.
    client.find(Locator::Id("check-status")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('manage-result').dataset.result === 'status'").await?;

    // Withdrawal from the page.
    client.find(Locator::Id("withdraw")).await?.click().await?;
    client.find(Locator::Id("withdraw-yes")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('manage-result').dataset.result === 'withdrawn'").await?;
    let after = http.get(format!("{base}/v1/cases/{id}")).header("X-Case-Secret", &secret).send().await?;
    let withdrawn = after.status() == 404 || after.json::<Value>().await?["state"] == "withdrawn";
    assert!(withdrawn, "the case is withdrawn on the server");

    relay.assert_no_media_sent(&photos)?;
    let posts = relay.requests()?.into_iter().filter(|r| r.method == "POST").collect::<Vec<_>>();
    assert_eq!(posts.len(), 1, "one submission");
    assert_eq!(posts[0].path, "/v1/cases");
    browser.close().await
}

/// The case's details from the page, against the real server: where the images are online (a malformed address
/// refused in the page, before anything is sent), what happened (each category; under 18, the child-protection
/// referrals first and the case on the minors' list), the declarations the notices rely on, and a contact
/// (opened only by a key with `contact_access`, audited, refused to an ordinary analyst, erased on withdrawal);
/// then each address's fate in the page's status view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victim_reports_addresses_category_declarations_and_contact_from_the_page() -> Result<()> {
    let app = crate::helpers::spawn_app_with(&crate::helpers::LIFTED_BUDGETS).await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let photos = reference_photos()?;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let child_protection = app.key("child protection", Role::Analyst, &["minors"], &[]).await;
    let platform = app.key("video host", Role::Platform, &["ncii"], &["video-host.example"]).await;
    let caseworker = app
        .admin
        .create_api_key(&CreateApiKeyRequest {
            name: "caseworker".into(),
            role: Role::Analyst,
            lists: vec!["ncii".into()],
            hosts: vec![],
            contact_access: true,
        })
        .await?;
    let caseworker_client = app.client.with_api_key(&caseworker.key);

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    let unlabelled = client
        .execute(
            "return [...document.querySelectorAll('input, textarea, select')].filter(i => i.labels.length === 0).map(i => i.id)",
            vec![],
        )
        .await?;
    ensure!(unlabelled == json!([]), "every field has a label: {unlabelled}");

    // Everything at once, as a lawyer would fill it in: a deepfake, two addresses, the declarations, an e-mail.
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden").await?;
    ensure!(is_checked(client, "category-adult_ncii").await?, "the answer chose the category");
    ensure!(hidden(client, "minor-help").await?, "no child-protection box for an adult");
    client.find(Locator::Id("age-yes")).await?.click().await?;
    ensure!(!hidden(client, "minor-help").await?, "under 18: the referrals show");
    client.find(Locator::Id("age-no")).await?.click().await?;
    client.find(Locator::Id("category-deepfake")).await?.click().await?;
    select_files(client, &photos[0..1]).await?;
    wait_for_hashes(client, 1).await?;
    let urls = client.find(Locator::Id("urls")).await?;
    urls.send_keys("https://www.video-host.example/v/1\nftp://files.example/x").await?;
    client.find(Locator::Id("submit")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('urls').getAttribute('aria-invalid') === 'true'").await?;
    let said = client.find(Locator::Id("urls-error")).await?.text().await?;
    ensure!(said.contains("ftp://files.example/x"), "the page names the address to correct: {said}");
    ensure!(relay.requests()?.iter().all(|r| r.method != "POST"), "nothing was sent with a malformed address");
    urls.clear().await?;
    urls.send_keys("https://www.video-host.example/v/1\nhttps://forum.example/t/2").await?;
    client.find(Locator::Id("declarant-lawyer")).await?.click().await?;
    for id in ["declare-depicts", "declare-intimate", "declare-no-consent"] {
        client.find(Locator::Id(id)).await?.click().await?;
    }
    client.find(Locator::Id("contact-email")).await?.click().await?;
    let contact = client.find(Locator::Id("contact-value")).await?;
    contact.send_keys("not an address").await?;
    client.find(Locator::Id("submit")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('contact-error').textContent !== ''").await?;
    contact.clear().await?;
    contact.send_keys("victim@example.org").await?;
    let cleared = "return document.getElementById('contact-error').textContent === ''";
    ensure!(client.execute(cleared, vec![]).await? == json!(true), "a corrected field is no longer marked wrong");
    screenshot(client, "details").await?;
    let (id, secret) = submit_from_page(client).await?;

    let case = analyst.analyst_case(&id).await?;
    assert_eq!((case.category, case.list.as_str()), (Category::Deepfake, "ncii"));
    let declared =
        Declarations { declarant: Declarant::Lawyer, depicts_person: true, intimate: true, no_consent: true };
    assert_eq!(case.declarations, Some(declared));
    assert_eq!(case.urls.len(), 2);
    assert!(case.has_contact);

    // The contact: refused to an ordinary analyst, opened by the key allowed to, and the opening audited.
    assert_eq!(analyst.open_contact(&id).await.unwrap_err().code(), Some("forbidden"));
    assert_eq!(caseworker_client.open_contact(&id).await?.contact, "victim@example.org");
    let audit = app.admin.read_audit(None, None).await?.records;
    let opened = audit.iter().filter(|r| r.entry.action == AuditAction::ContactOpened).collect::<Vec<_>>();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].entry.target, format!("case:{id}"));
    assert_eq!(opened[0].entry.actor.key_id.as_deref(), Some(caseworker.info.id.as_str()));

    // One address confirmed, noticed in good faith and removed; the other dismissed: the page shows both.
    let review = ReviewUrlsRequest { confirm: vec![0], dismiss: vec![1], lang: None, ground: None, contacts: vec![] };
    let notice = analyst.review_urls(&id, &review).await?.notices.remove(0);
    assert!(notice.body.contains("good faith") || notice.body.contains("bonne foi"), "{}", notice.body);
    analyst.send_notice(&notice.id).await?;
    let removed = NoticeDecisionRequest { decision: PlatformDecision::Removed, reason: None };
    platform.decide_notice(&notice.id, &removed).await?;
    client.find(Locator::Id("check-status")).await?.click().await?;
    wait_for_js(client, "return document.querySelectorAll('#status-urls li').length === 2").await?;
    let shown = client
        .execute(
            "return [...document.querySelectorAll('#status-urls li')].map(li => [li.dataset.status, li.textContent])",
            vec![],
        )
        .await?;
    assert_eq!(shown[0][0], "removed", "{shown}");
    assert_eq!(shown[1][0], "dismissed", "{shown}");
    let first = shown[0][1].as_str().unwrap_or_default();
    ensure!(
        first.contains("video-host.example") && !first.contains("video host"),
        "the host, no platform name: {first}"
    );
    client.execute("document.getElementById('manage-result').scrollIntoView()", vec![]).await?;
    screenshot(client, "status").await?;

    // The signed receipt, offered for download: the file the page saves verifies with the published key, read and
    // checked as `disrupt receipt verify FILE --public-key KEY` does, and attests what the server's receipt does.
    client.find(Locator::Id("download-receipt")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('manage-result').dataset.result === 'receipt'").await?;
    let asked = relay.requests()?.iter().any(|r| r.method == "GET" && r.path == format!("/v1/cases/{id}/receipt"));
    ensure!(asked, "the page fetched the receipt");
    let file = browser.downloaded(&format!("disrupt-receipt-{id}.json")).await?;
    let receipt: disrupt_openapi::cases::Receipt = serde_json::from_slice(&file)?;
    let key = app.client.receipt_key().await?.public_key;
    assert_eq!(disrupt_hotline::receipt::verify(&receipt, Some(&key)), Ok(()));
    assert_eq!((receipt.document.hashes, receipt.document.urls.len()), (3, 2));
    // Each fetch is issued (and signed) anew; what it attests is the same.
    let mut server = app.client.get_receipt(&id, &secret).await?.document;
    server.issued_at = receipt.document.issued_at;
    assert_eq!(receipt.document, server);

    // Withdrawn from the page: the contact is gone.
    client.find(Locator::Id("withdraw")).await?.click().await?;
    client.find(Locator::Id("withdraw-yes")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('manage-result').dataset.result === 'withdrawn'").await?;
    assert_eq!(caseworker_client.open_contact(&id).await.unwrap_err().code(), Some("not_found"));
    assert_eq!(app.store.get_case(&id).await?.context("case")?.case.contact, None);

    // Each other category, with nothing else given: no declarations, no contact, no address.
    for (n, category) in [(1, Category::AdultNcii), (2, Category::SextortionThreat), (3, Category::Other)] {
        client.find(Locator::Css("#step-manage button[data-goto='orientation']")).await?.click().await?;
        client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
        client.find(Locator::Id(&format!("category-{category}"))).await?.click().await?;
        select_files(client, &photos[n..=n]).await?;
        wait_for_hashes(client, 1).await?;
        let (id, _) = submit_from_page(client).await?;
        let case = analyst.analyst_case(&id).await?;
        assert_eq!((case.category, case.declarations, case.has_contact), (category, None, false));
        assert!(case.urls.is_empty());
    }

    // Under 18, from the first question: the referrals come first, before the files; the case goes to minors.
    client.find(Locator::Css("#step-manage button[data-goto='orientation']")).await?.click().await?;
    client.find(Locator::Css("button[data-answer='minor']")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-destination').hidden").await?;
    client.find(Locator::Id("destination-hash-button")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden").await?;
    ensure!(is_checked(client, "age-yes").await? && !hidden(client, "minor-help").await?, "minor: referrals shown");
    let links = client
        .execute("return [...document.querySelectorAll('#minor-help a')].map(a => a.getAttribute('href'))", vec![])
        .await?;
    assert_eq!(links, json!(["tel:3018", "https://www.3018.fr", "tel:119", "https://takeitdown.ncmec.org"]));
    let first = client
        .execute(
            "return !!(document.getElementById('minor-help').compareDocumentPosition(document.getElementById('files')) & Node.DOCUMENT_POSITION_FOLLOWING)",
            vec![],
        )
        .await?;
    ensure!(first == json!(true), "the referrals come before the file picker");
    screenshot(client, "minor").await?;
    select_files(client, &photos[4..5]).await?;
    wait_for_hashes(client, 1).await?;
    let (id, _) = submit_from_page(client).await?;
    let case = child_protection.analyst_case(&id).await?;
    assert_eq!((case.category, case.list.as_str()), (Category::Minor, "minors"));
    assert_eq!(analyst.analyst_case(&id).await.unwrap_err().code(), Some("not_found"), "not on the adults' list");

    relay.assert_no_media_sent(&photos[..5])?;
    let posts = relay.requests()?.into_iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 5, "one submission per case, none refused by the page");
    browser.close().await
}

/// Files the browser cannot read (an iPhone's HEIC photo outside Safari, an AVI video Chromium does not play):
/// the page says so per file and sends nothing until the person chooses, for each, to have the server hash it
/// (`POST /v1/media/hash`, that file alone and without its name); the server's hashes are shown and join the case
/// with the photo hashed in the browser, in one submission; the photo's bytes never leave the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_the_browser_cannot_read_are_hashed_by_the_server_only_by_choice_and_join_the_case() -> Result<()> {
    let app = crate::helpers::spawn_app().await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let photos = reference_photos()?;
    let dir = tempdir()?;
    let (heic, avi) = (dir.join("IMG_0042.heic"), dir.join("clip.avi"));
    let made = std::process::Command::new("heif-enc")
        .args(["-q", "80", "-o"])
        .arg(&heic)
        .arg(&photos[1])
        .stdout(Stdio::null())
        .status()
        .context("heif-enc (Debian package libheif-examples) makes the HEIC photo")?;
    ensure!(made.success(), "heif-enc failed");
    make_avi(&photos[2], &avi)?;

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    select_files(client, &[photos[0].clone(), heic.clone(), avi.clone()]).await?;
    let rows = wait_for_hashes(client, 3).await?;
    let status = |name: &str| rows.iter().find(|r| r["name"] == name).map(|r| r["status"].clone());
    assert_eq!(status("aaa-orig.jpg"), Some(json!("done")), "{rows:?}");
    assert_eq!(status("IMG_0042.heic"), Some(json!("failed")), "{rows:?}");
    assert_eq!(status("clip.avi"), Some(json!("failed")), "{rows:?}");
    let offers = client
        .execute("return [...document.querySelectorAll('li.file button.server-hash')].map(b => b.closest('li').dataset.name)", vec![])
        .await?;
    assert_eq!(offers, json!(["IMG_0042.heic", "clip.avi"]), "an offer for each file the browser cannot read");
    ensure!(relay.requests()?.iter().all(|r| r.method != "POST"), "nothing is sent before the person chooses");
    client.execute("document.getElementById('file-list').scrollIntoView()", vec![]).await?;
    screenshot(client, "upload-fallback").await?;

    // The person chooses, file by file.
    for name in ["IMG_0042.heic", "clip.avi"] {
        let button = format!("li.file[data-name='{name}'] button.server-hash");
        client.find(Locator::Css(&button)).await?.click().await?;
        wait_for_js(
            client,
            &format!("return document.querySelector(\"li.file[data-name='{name}']\").dataset.status === 'done'"),
        )
        .await?;
    }
    let shown = wait_for_hashes(client, 3).await?;
    let heic_row = shown.iter().find(|r| r["name"] == "IMG_0042.heic").context("heic row")?;
    let heic_bytes = std::fs::read(&heic)?;
    let avi_bytes = std::fs::read(&avi)?;
    let on_server = app
        .client
        .hash_media(vec![
            UploadFile { name: "a.heic".into(), bytes: heic_bytes.clone() },
            UploadFile { name: "b.avi".into(), bytes: avi_bytes.clone() },
        ])
        .await?;
    let heic_pdq = on_server.files[0].hashes.iter().find(|v| v.kind() == HashKind::Pdq).context("heic pdq")?;
    assert_eq!(heic_row["pdq"], serde_json::to_value(heic_pdq)?["hash"], "the page shows the server's PDQ");
    let frames = client
        .execute("return document.querySelector(\"li.file[data-name='clip.avi'] code.frames\")?.textContent", vec![])
        .await?;
    ensure!(frames.as_str().and_then(|f| f.parse::<u32>().ok()).is_some_and(|n| n > 0), "frames shown: {frames}");
    client.execute("document.getElementById('file-list').scrollIntoView()", vec![]).await?;
    screenshot(client, "upload-fallback-done").await?;

    // One case: the photo hashed in the browser and the two files hashed by the server.
    let (id, secret) = submit_from_page(client).await?;
    let case = app.client.get_case(&id, &secret).await?;
    let values: Vec<Value> = case.hashes.iter().map(|h| serde_json::to_value(&h.value)).collect::<Result<_, _>>()?;
    assert_eq!(values.len(), 9, "three hashes per file: {values:?}");
    for file in &on_server.files {
        for value in &file.hashes {
            ensure!(values.contains(&serde_json::to_value(value)?), "the case lacks the server's {value:?}");
        }
    }
    let native = native_hashes(&photos[0])?;
    ensure!(values.iter().any(|v| v["hash"] == native["pdq"]), "the case has the photo's PDQ from the browser");

    // What was sent: each chosen file alone, without its name, to /v1/media/hash; the photo never.
    let posts = relay.requests()?.into_iter().filter(|r| r.method == "POST").collect::<Vec<_>>();
    let paths: Vec<&str> = posts.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/v1/media/hash", "/v1/media/hash", "/v1/cases"]);
    for (post, bytes, other) in [(&posts[0], &heic_bytes, &avi_bytes), (&posts[1], &avi_bytes, &heic_bytes)] {
        ensure!(find(&post.body, bytes).is_some(), "the chosen file was sent whole");
        ensure!(find(&post.body, &other[other.len() / 2..other.len() / 2 + 64]).is_none(), "one file per request");
        let text = String::from_utf8_lossy(&post.body);
        ensure!(!text.contains("IMG_0042") && !text.contains("clip.avi"), "no file name sent");
    }
    relay.assert_files_not_sent(&photos[..1])?;
    std::fs::remove_dir_all(&dir)?;
    browser.close().await
}

/// A video the browser can play (WebM) is hashed in the page, frame by frame in WebAssembly, with its frames'
/// centred squares; a platform's upload of a cropped H.264 re-encode of the same clip (10 % off each side, none of
/// its frames within PDQ's distance of the listed ones) then matches the case's frame list through those squares.
/// The video never leaves the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_hashed_in_the_page_is_found_in_a_platforms_cropped_reencode() -> Result<()> {
    let app = crate::helpers::spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let dir = tempdir()?;
    let (webm, copy) = (dir.join("clip.webm"), dir.join("copy.mp4"));
    // The sample's picture (its bars cut off), as the victim has it; the copy, that picture cropped.
    let picture = "crop=416:720:32:0";
    disrupt_hasher::testdata::reencode_sample_video("chair-19-sd-bar", picture, &webm);
    let cropped = format!("{picture},crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2");
    disrupt_hasher::testdata::reencode_sample_video("chair-19-sd-bar", &cropped, &copy);

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    select_files(client, std::slice::from_ref(&webm)).await?;
    let rows = wait_for_hashes(client, 1).await?;
    assert_eq!(rows[0]["status"], "done", "the browser hashes the WebM: {rows:?}");
    let (id, secret) = submit_from_page(client).await?;

    let case = app.client.get_case(&id, &secret).await?;
    let frames = case
        .hashes
        .iter()
        .find_map(|h| match &h.value {
            disrupt_openapi::model::HashValue::Video { frames } => Some(frames.clone()),
            _ => None,
        })
        .context("the case holds the video's frame list")?;
    let squared = frames.iter().filter(|f| !f.views.is_empty()).count();
    ensure!(squared >= 4, "the page sent its distinct frames' squares: {squared} of {}", frames.len());
    ensure!(frames.iter().all(|f| f.views.iter().all(|v| v.validate().is_ok())), "valid squares");

    let bytes = std::fs::read(&copy)?;
    let upload = || vec![UploadFile { name: "copy.mp4".into(), bytes: bytes.clone() }];
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        let answer = platform.match_upload(upload()).await?;
        if answer.results.iter().any(|r| !r.matches.is_empty()) || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let matches = &answer.results[0].matches;
    assert_eq!(matches.len(), 1, "the cropped copy matches the page's frame list: {answer:?}");
    assert_eq!(matches[0].variant.as_deref(), Some("window-orig"), "through the frames' squares: {matches:?}");

    relay.assert_files_not_sent(std::slice::from_ref(&webm))?;
    std::fs::remove_dir_all(&dir)?;
    browser.close().await
}

/// The privacy notice (GDPR Art. 13): reached from the first step and from the hashing step, it says what a
/// fingerprint reveals, what is kept and for how long (the server's `feed_retention_days`), who receives what and
/// the person's rights, and names the controller, its DPO and the supervisory authority from the hotline's
/// settings, served by `GET /v1/privacy`; Back returns to the step the person left, files still listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_notice_names_the_hotlines_controller_and_retention_from_its_settings() -> Result<()> {
    let app = crate::helpers::spawn_app_with(&[
        ("DISRUPT_FEED_RETENTION_DAYS", "45"),
        ("DISRUPT_HOTLINE__CONTROLLER__NAME", "Association Exemple"),
        ("DISRUPT_HOTLINE__CONTROLLER__ADDRESS", "12 rue de l'Exemple, 75011 Paris"),
        ("DISRUPT_HOTLINE__CONTROLLER__EMAIL", "droits@exemple.org"),
        ("DISRUPT_HOTLINE__CONTROLLER__DPO", "dpo@exemple.org"),
        ("DISRUPT_HOTLINE__CONTROLLER__AUTHORITY", "CNIL"),
        ("DISRUPT_HOTLINE__CONTROLLER__AUTHORITY_URL", "https://www.cnil.fr/fr/plaintes"),
    ])
    .await;
    let served: Value = reqwest::get(format!("{}/v1/privacy", app.base_url)).await?.error_for_status()?.json().await?;
    assert_eq!(served["controller"]["name"], "Association Exemple");
    assert_eq!(served["retention"]["withdrawn_case_days"], 45);
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let photos = reference_photos()?;

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    client.find(Locator::Css("footer button[data-privacy]")).await?.click().await?;
    wait_for_js(
        client,
        "return !document.getElementById('step-privacy').hidden && !!document.getElementById('privacy-controller')",
    )
    .await?;
    let text = client.find(Locator::Id("step-privacy")).await?.text().await?;
    for said in [
        "Association Exemple",
        "12 rue de l'Exemple, 75011 Paris",
        "droits@exemple.org",
        "dpo@exemple.org",
        "CNIL",
        "kept 45 days",
        "blurry grey picture",
        "United States",
        "rights of access and erasure",
        "supervisory authority",
    ] {
        ensure!(text.contains(said), "the notice does not say {said:?}:\n{text}");
    }
    let link =
        client.execute("return document.querySelector('#privacy-controller a').getAttribute('href')", vec![]).await?;
    assert_eq!(link, json!("https://www.cnil.fr/fr/plaintes"));
    screenshot(client, "privacy").await?;
    client.find(Locator::Id("privacy-back")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-orientation').hidden").await?;

    // From the hashing step, with a file hashed: Back returns there, the file still listed; in French.
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    select_files(client, &photos[0..1]).await?;
    wait_for_hashes(client, 1).await?;
    client.execute("document.getElementById('lang').value = 'fr'; document.getElementById('lang').dispatchEvent(new Event('change'));", vec![]).await?;
    client.find(Locator::Css("#step-hash button[data-privacy]")).await?.click().await?;
    wait_for_js(
        client,
        "return !document.getElementById('step-privacy').hidden && !!document.getElementById('privacy-controller')",
    )
    .await?;
    let text = client.find(Locator::Id("step-privacy")).await?.text().await?;
    ensure!(text.contains("Vos données et vos droits") && text.contains("45 jours"), "in French: {text}");
    client.find(Locator::Id("privacy-back")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden && document.querySelectorAll('#file-list li.file').length === 1").await?;

    relay.assert_no_media_sent(&photos[0..1])?;
    browser.close().await
}

/// axe-core (npm, `web/test/node_modules`, installed by `scripts/install-deps`; injected through WebDriver, never
/// loaded by the page) finds no WCAG 2.1 A or AA violation on any step of the page, in English and in Arabic (right
/// to left: `dir="rtl"`, the quick exit at the top left, the layout mirrored): orientation, a destination, the
/// hashing step with the child-protection referrals, files hashed and one the browser cannot read, the case's
/// details filled in, a field refused, the case number and secret, its status, and the privacy notice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_of_the_page_passes_axe_in_english_and_in_arabic_right_to_left() -> Result<()> {
    let app = crate::helpers::spawn_app_with(&crate::helpers::LIFTED_BUDGETS).await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let files = JourneyFiles::make()?;

    for lang in ["en", "ar"] {
        let (id, secret) = walk_every_step(client, &relay.url("/"), lang, &files, async |step| {
            assert_accessible(client, lang, step).await?;
            match (lang, step) {
                ("ar", "orientation") => {
                    let dir = client
                        .execute("return [document.documentElement.dir, document.documentElement.lang]", vec![])
                        .await?;
                    assert_eq!(dir, json!(["rtl", "ar"]));
                    let left = client
                        .execute(
                            "return document.getElementById('quick-exit').getBoundingClientRect().left < window.innerWidth / 2",
                            vec![],
                        )
                        .await?;
                    ensure!(left == json!(true), "right to left: the quick exit is at the top left");
                    let title = client.find(Locator::Id("orientation-title")).await?.text().await?;
                    assert_eq!(title, "ماذا حدث؟", "the question in Arabic from orientation.json");
                    screenshot(client, "orientation-ar").await
                }
                ("ar", "hashing step, files and a refused address") => {
                    // A value on one line (a size "1600×1004", a time "0.25 s") reads left to right in a
                    // right-to-left page: its first character is drawn left of its last.
                    let reversed = client
                        .execute(
                            "return [...document.querySelectorAll('#file-list code')]
                               .filter((c) => c.textContent.length > 1 && new Set([...c.getClientRects()].map((r) => Math.round(r.top))).size === 1)
                               .filter((c) => {
                                 const text = c.firstChild, range = document.createRange();
                                 range.setStart(text, 0); range.setEnd(text, 1);
                                 const first = range.getBoundingClientRect().left;
                                 range.setStart(text, text.length - 1); range.setEnd(text, text.length);
                                 return first > range.getBoundingClientRect().left;
                               })
                               .map((c) => `${c.className}: ${c.textContent}`)",
                            vec![],
                        )
                        .await?;
                    ensure!(reversed == json!([]), "values drawn right to left: {reversed}");
                    client.execute("document.getElementById('file-list').scrollIntoView()", vec![]).await?;
                    screenshot(client, "hashes-ar").await
                }
                ("ar", "status") => {
                    let said = client.find(Locator::Id("status-urls")).await?.text().await?;
                    ensure!(said.contains("https://forum.example/t/2") && said.contains("قيد المراجعة"), "{said}");
                    screenshot(client, "status-ar").await
                }
                _ => Ok(()),
            }
        })
        .await?;
        ensure!(app.client.get_case(&id, &secret).await.is_ok(), "the case exists");
    }
    files.remove()?;
    browser.close().await
}

/// Reflow (WCAG 2.1 1.4.10): in a viewport of 320 CSS pixels, in English and in Arabic, every step of the journey
/// is walked by clicking its controls (see [`walk_every_step`]) and on each the page does not scroll sideways, no
/// visible box leaves the viewport, no text is cut off by its box, and axe-core finds no WCAG 2.1 A/AA violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_of_the_page_reflows_at_320_css_pixels_in_english_and_in_arabic() -> Result<()> {
    walk_every_step_in(Viewport::NARROW, "narrow", &["orientation", "hashes", "details", "case", "status", "ar"]).await
}

/// 200 % zoom (WCAG 2.1 1.4.4): a 1280 x 800 window zoomed to 200 % (640 x 400 CSS pixels, two device pixels each;
/// see [`Viewport::ZOOM_200`]), the same walk and checks as at 320 CSS pixels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_of_the_page_works_at_200_percent_zoom_in_english_and_in_arabic() -> Result<()> {
    walk_every_step_in(Viewport::ZOOM_200, "zoom-200", &["details", "ar"]).await
}

/// The walk of [`walk_every_step`] in English and in Arabic through `viewport`, each step checked by
/// [`assert_reflows`] and axe-core; the screenshots named in `shots` saved as `{prefix}-{name}`.
async fn walk_every_step_in(viewport: Viewport, prefix: &str, shots: &[&str]) -> Result<()> {
    let app = crate::helpers::spawn_app_with(&crate::helpers::LIFTED_BUDGETS).await;
    let browser = Browser::start_emulating(viewport).await?;
    let client = &browser.client;
    let files = JourneyFiles::make()?;
    let page = format!("{}/", app.base_url);

    for lang in ["en", "ar"] {
        let (id, secret) = walk_every_step(client, &page, lang, &files, async |step| {
            assert_reflows(client, viewport, lang, step).await?;
            assert_accessible(client, lang, step).await?;
            // The parts of the README's screenshots: the step's top, or the part of it named.
            let parts: &[(&str, Option<&str>)] = match (lang, step) {
                ("en", "orientation") => &[("orientation", None)],
                ("en", "hashing step, files and a refused address") => {
                    &[("hashes", Some("file-list")), ("details", Some("where"))]
                }
                ("en", "case number and secret") => &[("case", None)],
                ("en", "status") => &[("status", Some("manage-result"))],
                ("ar", "hashing step, files and a refused address") => &[("ar", Some("file-list"))],
                _ => &[],
            };
            for (name, part) in parts {
                if let Some(id) = part {
                    // What is scrolled into view (a link to it, a focused field) starts below the quick exit,
                    // which stays at the top of the viewport and would otherwise cover it.
                    let below = client
                        .execute(
                            &format!(
                                "const part = document.getElementById('{id}'); part.scrollIntoView();
                                 return part.getBoundingClientRect().top >= document.getElementById('quick-exit').getBoundingClientRect().bottom"
                            ),
                            vec![],
                        )
                        .await?;
                    ensure!(below == json!(true), "{lang}, {step}: #{id} scrolled into view is under the quick exit");
                }
                if shots.contains(name) {
                    screenshot(client, &format!("{prefix}-{name}")).await?;
                }
            }
            Ok(())
        })
        .await?;
        ensure!(app.client.get_case(&id, &secret).await.is_ok(), "the case exists");
    }
    files.remove()?;
    browser.close().await
}

/// With the keyboard alone (Tab, Enter, Space; the file picker is the one control WebDriver fills, as the
/// system's dialog would), a person goes from the first question to the case secret: every control on the way
/// is reached in order, shows a visible focus ring, and the focus lands on each new step's heading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_alone_leads_from_the_first_question_to_the_case_secret() -> Result<()> {
    let app = crate::helpers::spawn_app().await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let photos = reference_photos()?;

    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    tab_to(client, "document.activeElement.dataset.answer === 'ncii'").await?;
    press(client, Key::Enter).await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden").await?;
    let focused = client.execute("return document.activeElement.id", vec![]).await?;
    assert_eq!(focused, json!("hash-title"), "the focus lands on the step's heading");
    tab_to(client, "document.activeElement.id === 'category-deepfake' || document.activeElement.name === 'category'")
        .await?;
    // Arrow keys move between radio buttons of a group.
    press(client, Key::Down).await?;
    press(client, Key::Down).await?;
    ensure!(is_checked(client, "category-deepfake").await?, "the arrows chose the third category");
    tab_to(client, "document.activeElement.id === 'files'").await?;
    select_files(client, &photos[0..1]).await?;
    wait_for_hashes(client, 1).await?;
    tab_to(client, "document.activeElement.id === 'declare-depicts'").await?;
    press(client, Key::Space).await?;
    ensure!(is_checked(client, "declare-depicts").await?, "Space ticks a box");
    tab_to(client, "document.activeElement.id === 'submit'").await?;
    let ring = client
        .execute("const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2", vec![])
        .await?;
    ensure!(ring == json!(true), "the focused button shows a focus ring");
    press(client, Key::Enter).await?;
    wait_for_js(client, "return !document.getElementById('step-case').hidden").await?;
    let focused = client.execute("return document.activeElement.id", vec![]).await?;
    assert_eq!(focused, json!("case-title"));
    tab_to(client, "document.activeElement.id === 'copy-case'").await?;
    let secret = client.find(Locator::Id("case-secret")).await?.text().await?;
    let id = client.find(Locator::Id("case-id")).await?.text().await?;
    let case = app.client.get_case(&id, &secret).await?;
    assert_eq!(case.category, Category::Deepfake);
    assert_eq!(case.hashes.len(), 3);
    browser.close().await
}

/// Quick exit: the button and the Escape key, from anywhere in the journey, leave for the hotline's neutral site
/// (orientation.json's `quick_exit`) and take the page out of the history, so that Back does not return to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_exit_leaves_for_the_neutral_site_and_back_does_not_return() -> Result<()> {
    // A copy of the page whose neutral site is a page of the same server: the test has no internet.
    let dir = tempdir()?;
    copy_page(Path::new(disrupt_api::routes::web::DEFAULT_WEB_DIR), &dir)?;
    let mut orientation: Value = serde_json::from_slice(&std::fs::read(dir.join("orientation.json"))?)?;
    orientation["quick_exit"] = json!("/neutral.html");
    std::fs::write(dir.join("orientation.json"), serde_json::to_vec(&orientation)?)?;
    std::fs::write(dir.join("neutral.html"), "<!doctype html><title>Weather</title><p>Sunny.</p>")?;
    let server = StaticPage::start_dir(dir.clone())?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    let page = format!("http://127.0.0.1:{}/", server.port);
    let neutral = format!("http://127.0.0.1:{}/neutral.html", server.port);
    let before = client.current_url().await?;

    // The Escape key, with files being chosen.
    client.goto(&page).await?;
    wait_ready(client).await?;
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden").await?;
    let escape = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: Key::Escape.into() })
        .then(KeyAction::Up { value: Key::Escape.into() });
    client.perform_actions(escape).await?;
    wait_for_url(client, &neutral).await?;
    client.back().await?;
    let back = client.current_url().await?;
    ensure!(back == before, "Back went to {back}, not to what came before the page ({before})");

    // The button, the first thing the keyboard reaches after the skip link.
    client.goto(&page).await?;
    wait_ready(client).await?;
    let second = client.execute("return document.querySelectorAll('a, button, select, input')[1].id", vec![]).await?;
    ensure!(second == json!("quick-exit"), "the quick exit comes second in the tab order, not {second}");
    client.find(Locator::Id("quick-exit")).await?.click().await?;
    wait_for_url(client, &neutral).await?;
    client.back().await?;
    ensure!(client.current_url().await?.as_str() != page, "Back returned to the page");

    browser.close().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Time to hash a 12-megapixel photo in headless Chromium: a measurement, not a test (it asserts no duration).
/// Run with `cargo test -p disrupt-tests --test e2e -- --ignored --nocapture twelve_megapixel`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: run explicitly"]
async fn twelve_megapixel_photo_hashing_time_in_chromium() -> Result<()> {
    let dir = tempdir()?;
    let photo = dir.join("photo-12mp.jpg");
    let source = reference_dir()?.join("pdq/data/bridge-mods/aaa-orig.jpg");
    let status = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&source)
        .args(["-vf", "scale=4000:3000", "-q:v", "3"])
        .arg(&photo)
        .status()
        .context("ffmpeg (Debian package ffmpeg) makes the 12 MP photo")?;
    ensure!(status.success(), "ffmpeg failed");

    let server = StaticPage::start()?;
    let relay = Relay::start(server.port).await?;
    let browser = Browser::start().await?;
    let client = &browser.client;
    client.goto(&relay.url("/")).await?;
    wait_ready(client).await?;
    client.find(Locator::Css("button[data-answer='ncii']")).await?.click().await?;
    let runs = 3;
    for _ in 0..runs {
        select_files(client, std::slice::from_ref(&photo)).await?;
    }
    let shown = wait_for_hashes(client, runs).await?;
    let native = native_hashes(&photo)?;
    for row in &shown {
        assert_eq!(row["pdq"], native["pdq"]);
        println!(
            "12 MP ({}) hashed in Chromium (decode + PDQ with its views + MD5 + SHA-256, WebAssembly in a worker): {:.0} ms",
            row["size"].as_str().unwrap_or("?"),
            row["ms"].as_f64().unwrap_or(f64::NAN)
        );
    }
    std::fs::remove_dir_all(&dir)?;
    browser.close().await
}

// ---------------------------------------------------------------- the page's side

/// The files of [`walk_every_step`]: a reference photo the browser hashes, and an AVI video it cannot read.
struct JourneyFiles {
    dir: PathBuf,
    photo: PathBuf,
    unreadable: PathBuf,
}

impl JourneyFiles {
    fn make() -> Result<Self> {
        let dir = tempdir()?;
        let photos = reference_photos()?;
        let unreadable = dir.join("clip.avi");
        make_avi(&photos[2], &unreadable)?;
        Ok(Self { dir, photo: photos[0].clone(), unreadable })
    }

    fn remove(self) -> Result<()> {
        Ok(std::fs::remove_dir_all(&self.dir)?)
    }
}

/// Every step of the page in `lang`, reached by clicking its controls as a person would, with `check` called on
/// each as it is shown: "orientation"; "destination" (the answer for a person under 18); "hashing step, under 18"
/// (the child-protection referrals); "hashing step, files and a refused address" (a photo hashed, a video the
/// browser cannot read, an address refused, the declarations and a contact filled in); "case number and secret";
/// "status"; "privacy notice". Answers the case's number and secret.
async fn walk_every_step(
    client: &Client,
    page: &str,
    lang: &str,
    files: &JourneyFiles,
    mut check: impl AsyncFnMut(&'static str) -> Result<()>,
) -> Result<(String, String)> {
    client.goto(page).await?;
    wait_ready(client).await?;
    set_language(client, lang).await?;
    check("orientation").await?;
    client.find(Locator::Css("button[data-answer='minor']")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-destination').hidden").await?;
    check("destination").await?;
    client.find(Locator::Id("destination-hash-button")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-hash').hidden").await?;
    check("hashing step, under 18").await?;
    client.find(Locator::Id("age-no")).await?.click().await?;
    select_files(client, &[files.photo.clone(), files.unreadable.clone()]).await?;
    wait_for_hashes(client, 2).await?;
    client.find(Locator::Id("urls")).await?.send_keys("ftp://files.example/x").await?;
    client.find(Locator::Id("contact-email")).await?.click().await?;
    client.find(Locator::Id("contact-value")).await?.send_keys("victim@example.org").await?;
    client.find(Locator::Id("declare-depicts")).await?.click().await?;
    client.find(Locator::Id("submit")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('urls').getAttribute('aria-invalid') === 'true'").await?;
    check("hashing step, files and a refused address").await?;
    let urls = client.find(Locator::Id("urls")).await?;
    urls.clear().await?;
    urls.send_keys("https://forum.example/t/2").await?;
    let (id, secret) = submit_from_page(client).await?;
    check("case number and secret").await?;
    client.find(Locator::Id("check-status")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('manage-result').dataset.result === 'status'").await?;
    check("status").await?;
    client.find(Locator::Css("footer button[data-privacy]")).await?.click().await?;
    wait_for_js(client, "return !!document.getElementById('privacy-controller')").await?;
    check("privacy notice").await?;
    Ok((id, secret))
}

/// The page as it is fits `viewport` (WCAG 2.1 1.4.10, reflow): the viewport really is that wide (so that the
/// checks cannot pass in a wider window), the page does not scroll sideways, no visible box reaches past the
/// viewport's left or right edge, and no box cuts off its content (overflow hidden or clipped with more inside).
/// The skip link waits off screen until focused and `.visually-hidden` text is for screen readers: both are left
/// out; a box inside a scroll box is left to it (the scroll box itself is checked).
async fn assert_reflows(client: &Client, viewport: Viewport, lang: &str, step: &str) -> Result<()> {
    let found = client
        .execute(
            r#"const root = document.documentElement;
            const found = [];
            if (root.scrollWidth > root.clientWidth) {
              found.push(`the page scrolls sideways: ${root.scrollWidth} CSS pixels in ${root.clientWidth}`);
            }
            const name = (e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : "")
              + (typeof e.className === "string" && e.className.trim() ? `.${e.className.trim().split(/\s+/).join(".")}` : "");
            const path = (e) => { const p = []; for (; e && e !== document.body; e = e.parentElement) p.unshift(name(e)); return p.join(" > "); };
            const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
            const inScrollBox = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true; return false; };
            // Form fields scroll their own text by design.
            const fields = new Set(["INPUT", "TEXTAREA", "SELECT"]);
            for (const e of document.body.querySelectorAll("*")) {
              if (e.closest(".visually-hidden") || (e.closest(".skip") && !e.closest(".skip:focus"))) continue;
              if (!e.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
              const box = e.getBoundingClientRect();
              if (box.width === 0 && box.height === 0) continue;
              if (!inScrollBox(e) && (box.left < -0.5 || box.right > root.clientWidth + 0.5)) {
                found.push(`${path(e)} spans ${Math.round(box.left)} to ${Math.round(box.right)}, past the viewport (0 to ${root.clientWidth})`);
              }
              if (fields.has(e.tagName)) continue;
              const style = getComputedStyle(e);
              if (["hidden", "clip"].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1) {
                found.push(`${path(e)} cuts its content off sideways (${e.scrollWidth} in ${e.clientWidth})`);
              }
              if (["hidden", "clip"].includes(style.overflowY) && e.scrollHeight > e.clientHeight + 1) {
                found.push(`${path(e)} cuts its content off at the bottom (${e.scrollHeight} in ${e.clientHeight})`);
              }
            }
            return found;"#,
            vec![],
        )
        .await?;
    ensure!(found == json!([]), "{lang}, {step}, at {} CSS pixels: {found:#}", viewport.width);
    let measured = client
        .execute(
            "const root = document.documentElement;
             return [window.innerWidth, root.clientWidth, window.devicePixelRatio];",
            vec![],
        )
        .await?;
    let (inner, client_width, ratio) = (measured[0].as_u64(), measured[1].as_u64(), measured[2].as_f64());
    ensure!(
        inner == Some(viewport.width.into()) && ratio == Some(viewport.pixel_ratio.into()),
        "{lang}, {step}: innerWidth, clientWidth and devicePixelRatio are {measured}, not those of {viewport:?}"
    );
    // A phone's scroll bar takes no width; a desktop's takes some when the page is taller than the window.
    let scroll_bar = u64::from(viewport.width).saturating_sub(client_width.unwrap_or(0));
    ensure!(
        if viewport.phone { scroll_bar == 0 } else { scroll_bar < 24 },
        "{lang}, {step}: the page is {client_width:?} CSS pixels wide in a {} pixel viewport",
        viewport.width
    );
    Ok(())
}

/// Sends the case from the hashing step and reads the case number and secret the page shows.
async fn submit_from_page(client: &Client) -> Result<(String, String)> {
    client.find(Locator::Id("submit")).await?.click().await?;
    wait_for_js(client, "return !document.getElementById('step-case').hidden").await?;
    let id = client.find(Locator::Id("case-id")).await?.text().await?;
    let secret = client.find(Locator::Id("case-secret")).await?.text().await?;
    ensure!(!id.is_empty() && !secret.is_empty(), "case id and secret shown");
    Ok((id, secret))
}

async fn is_checked(client: &Client, id: &str) -> Result<bool> {
    let script = format!("return document.getElementById('{id}').checked");
    Ok(client.execute(&script, vec![]).await? == json!(true))
}

async fn hidden(client: &Client, id: &str) -> Result<bool> {
    let script = format!("return document.getElementById('{id}').hidden");
    Ok(client.execute(&script, vec![]).await? == json!(true))
}

async fn wait_ready(client: &Client) -> Result<()> {
    wait_for_js(client, "return document.body.dataset.ready === 'true'").await
}

async fn select_files(client: &Client, files: &[PathBuf]) -> Result<()> {
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    client.find(Locator::Id("files")).await?.send_keys(&paths.join("\n")).await?;
    Ok(())
}

/// Waits until `count` files are listed and none is still being hashed, then reads what the page shows.
async fn wait_for_hashes(client: &Client, count: usize) -> Result<Vec<Value>> {
    let script = "return [...document.querySelectorAll('#file-list li.file')].map(li => ({
        name: li.dataset.name, status: li.dataset.status, ms: Number(li.dataset.ms),
        pdq: li.querySelector('code.pdq')?.textContent, quality: Number(li.querySelector('code.quality')?.textContent),
        md5: li.querySelector('code.md5')?.textContent, sha256: li.querySelector('code.sha256')?.textContent,
        size: li.querySelector('code.size')?.textContent }))";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let rows = client.execute(script, vec![]).await?;
        let rows = rows.as_array().cloned().unwrap_or_default();
        let settled = rows.iter().all(|r| r["status"] == "done" || r["status"] == "failed");
        if rows.len() >= count && settled {
            return Ok(rows);
        }
        if Instant::now() > deadline {
            bail!("the page did not finish hashing: {rows:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls until the browser shows `url`; a guard against hangs, not a timing assertion.
async fn wait_for_url(client: &Client, url: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = client.current_url().await?;
        if now.as_str() == url {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the browser stayed at {now}, never reached {url}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page's language, as the switch sets it.
async fn set_language(client: &Client, lang: &str) -> Result<()> {
    let script = format!(
        "document.getElementById('lang').value = '{lang}'; document.getElementById('lang').dispatchEvent(new Event('change'));"
    );
    client.execute(&script, vec![]).await?;
    wait_for_js(client, &format!("return document.documentElement.lang === '{lang}'")).await
}

/// axe-core's one file, from `web/test/node_modules` (`scripts/install-deps` runs `npm ci` there).
fn axe_source() -> Result<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/test/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .with_context(|| format!("{}: run scripts/install-deps (npm ci in web/test)", path.display()))
}

/// Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is and fails with every violation found.
async fn assert_accessible(client: &Client, lang: &str, step: &str) -> Result<()> {
    // Injected through WebDriver, which the page's CSP does not govern; the page itself never loads it.
    let loaded = client.execute("return typeof window.axe === 'object'", vec![]).await?;
    if loaded != json!(true) {
        client.execute(&format!("{}\nreturn true;", axe_source()?), vec![]).await?;
    }
    let violations = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then((r) => done(r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))))
               .catch((e) => done([{ id: 'axe-error', help: String(e), nodes: [] }]));",
            vec![],
        )
        .await?;
    ensure!(violations == json!([]), "{lang}, {step}: WCAG 2.1 A/AA violations: {violations:#}");
    Ok(())
}

/// Presses one key.
async fn press(client: &Client, key: Key) -> Result<()> {
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    client.perform_actions(actions).await?;
    client.release_actions().await?;
    Ok(())
}

/// Presses Tab until `condition` (JavaScript, on `document.activeElement`) holds; fails after 80 presses.
async fn tab_to(client: &Client, condition: &str) -> Result<()> {
    for _ in 0..80 {
        if client.execute(&format!("return !!({condition})"), vec![]).await? == json!(true) {
            return Ok(());
        }
        press(client, Key::Tab).await?;
    }
    let at = client.execute("return document.activeElement.outerHTML.slice(0, 200)", vec![]).await?;
    bail!("Tab never reached `{condition}`; the focus is on {at}")
}

/// An AVI (MPEG-4 Part 2) Chromium does not play, made from a photo by the `ffmpeg` command.
fn make_avi(photo: &Path, avi: &Path) -> Result<()> {
    let made = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-loop", "1", "-i"])
        .arg(photo)
        .args(["-t", "3", "-r", "5", "-vf", "scale=320:240", "-c:v", "mpeg4"])
        .arg(avi)
        .status()
        .context("ffmpeg (Debian package ffmpeg) makes the AVI video")?;
    ensure!(made.success(), "ffmpeg failed");
    Ok(())
}

// ---------------------------------------------------------------- the native side

/// What `disrupt hash` computes for an image (EXIF orientation applied), in the page's display format.
fn native_hashes(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path)?;
    let rgb = decode::decode_rgb(&bytes, &decode::DecodeOptions::default())?;
    let (w, h) = (rgb.width as usize, rgb.height as usize);
    let pdq = pdq::hash_rgb(&rgb.pixels, w, h, w * 3);
    let digests = FileDigests::of(&bytes);
    Ok(json!({
        "pdq": pdq.hash.to_string(),
        "quality": pdq.quality,
        "md5": digests.md5,
        "sha256": digests.sha256,
        "size": format!("{}×{}", rgb.width, rgb.height),
    }))
}

fn reference_dir() -> Result<PathBuf> {
    Ok(disrupt_hasher::testdata::reference_dir().canonicalize()?)
}

fn reference_photos() -> Result<Vec<PathBuf>> {
    let dir = reference_dir()?.join("pdq/data/bridge-mods");
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    photos.retain(|p| p.extension().is_some_and(|e| e == "jpg"));
    photos.sort();
    ensure!(photos.len() >= 12, "expected the 12 bridge-mods photos in {}", dir.display());
    Ok(photos)
}

/// Copies the served files of the page (not the WebAssembly crate's sources nor the screenshots) into `to`.
fn copy_page(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            if ["wasm", "screenshots", "node_modules", "test"].iter().any(|n| name == *n) {
                continue;
            }
            std::fs::create_dir_all(&target)?;
            copy_page(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- servers and browser

/// The page's static files served by `routes::web::configure` alone, for the parts of the journey that make no
/// API call.
struct StaticPage {
    port: u16,
    handle: actix_web::dev::ServerHandle,
}

impl StaticPage {
    fn start() -> Result<Self> {
        Self::start_dir(PathBuf::from(disrupt_api::routes::web::DEFAULT_WEB_DIR))
    }

    /// Serves the page from `dir` (a copy with its own settings), as a deployment's `web_dir`.
    fn start_dir(dir: PathBuf) -> Result<Self> {
        let pkg = dir.join("pkg/disrupt_wasm_bg.wasm");
        ensure!(pkg.is_file(), "{} is missing: run scripts/build-web first", pkg.display());
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new().configure(disrupt_api::routes::web::serve_dir(dir.clone()))
        })
        .workers(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self { port, handle })
    }
}

impl Drop for StaticPage {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
