//! The analysts' console (`/console/`, files in `web/console/`) in headless Chromium against the real server and
//! its own redis-server: an analyst signs in with a key, works through the review queue with the keyboard (bulk
//! verify, reject, quarantine), confirms and dismisses a case's URLs, sends the notice produced and records its
//! outcome; an admin verifies the audit log; statistics; wrong keys refused; sign-out and a revoked key forget the
//! key. Then, each in a browser of its own: an analyst records a forward of a minor's case to the authorities (its
//! flag goes) and exports the forwards as CSV; an analyst sets and corrects host contacts in the hosts directory
//! and from a case while confirming its URLs; two analysts reject a case as a whole, one asking, the other
//! confirming. Every effect is checked through the API, and every change in the audit log.
//!
//! The browser runs behind a proxy, the recording relay (`browser::Relay`), for every host, so a request to any
//! origin but the server's would be seen there.

use anyhow::{Context, Result, ensure};
use disrupt_openapi::audit::AuditAction;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::forwards::{Authority, ForwardQuery};
use disrupt_openapi::model::{Category, EntryState, HashValue, Role};
use disrupt_openapi::notices::{Lang, NoticeChannel, NoticeState};
use disrupt_openapi::review::{CaseRejection, UrlReview};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{Browser, Relay, screenshot, wait_for_js};
use crate::helpers::{LIFTED_BUDGETS, TestApp, spawn_app_with, unique_md5, unique_pdq};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_works_through_queue_case_notice_audit_and_statistics_in_the_console() -> Result<()> {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let relay = Relay::to(&app.base_url).await?;
    let browser = Browser::start_with(1400, 1000, Some(relay.port)).await?;
    let client = &browser.client;
    let analyst_key = app.raw_key("Ana", Role::Analyst, &["ncii"], &[]).await;
    let analyst = app.client.with_api_key(&analyst_key);
    let platform_key = app.raw_key("video host", Role::Platform, &["ncii"], &["video-host.example"]).await;

    // Four cases: A with a photo's PDQ and MD5 and three addresses, B and C with one hash each, D sending A's MD5
    // again (the queue shows it as the same hash in another case).
    let shared_md5 = unique_md5();
    let a = case(
        &app,
        vec![unique_pdq(), shared_md5.clone()],
        &["https://www.video-host.example/v/1", "https://video-host.example/v/2", "https://forum.example/t/3"],
    )
    .await?;
    let b = case(&app, vec![unique_pdq()], &[]).await?;
    let c = case(&app, vec![unique_pdq()], &[]).await?;
    let d = case(&app, vec![shared_md5], &[]).await?;

    client.goto(&relay.url("/console/")).await?;
    wait_for_js(client, "return document.body.dataset.ready === 'true'").await?;
    let unlabelled = client
        .execute(
            "return [...document.querySelectorAll('input, select')].filter(i => i.labels.length === 0 && !i.getAttribute('aria-label')).map(i => i.id)",
            vec![],
        )
        .await?;
    ensure!(unlabelled == json!([]), "every field has a label: {unlabelled}");

    // Wrong keys are refused, and nothing of the console shows.
    sign_in(client, "dk_0123456789abcdef_notTheSecretOfAnyKeyAtAll00").await?;
    wait_for_js(client, "return document.getElementById('key-error').textContent.includes('refused')").await?;
    sign_in(client, &platform_key).await?;
    wait_for_js(client, "return document.getElementById('key-error').textContent.includes('platform')").await?;
    ensure!(is_hidden(client, "nav").await? && is_hidden(client, "view-queue").await?, "nothing shown to a wrong key");

    // The analyst signs in: the queue, oldest first, with the signals; no audit log for an analyst.
    sign_in(client, &analyst_key).await?;
    wait_for_js(client, "return document.body.dataset.view === 'queue' && document.querySelectorAll('#queue-entries tbody tr').length === 5").await?;
    ensure!(
        client.execute("return document.querySelector('#nav [data-view=audit]').parentElement.hidden", vec![]).await?
            == json!(true),
        "an analyst is not offered the audit log"
    );
    let ids = shown_entries(client, "queue").await?;
    let case_a = analyst.analyst_case(&a).await?;
    assert_eq!(ids.iter().filter(|(_, c)| *c == a).count(), 2, "{ids:?}");
    let d_row = client
        .execute(
            &format!(
                "return document.querySelector('#queue-entries tr[data-entry=\"{}\"]').textContent",
                entry_of(&ids, &d)?
            ),
            vec![],
        )
        .await?;
    ensure!(d_row.as_str().unwrap_or("").contains("1 / 0"), "D shows one other case with the same hash: {d_row}");
    let no_media =
        "return document.querySelectorAll('img, video, audio, iframe, object, embed, picture, canvas').length === 0";
    ensure!(client.execute(no_media, vec![]).await? == json!(true), "no media element in the console");

    // Keyboard: j moves, x selects, v verifies; A's two entries first.
    press(client, "jxjx").await?;
    screenshot(client, "console-queue").await?;
    press(client, "v").await?;
    wait_for_status(client, "Verified 2 entries").await?;
    wait_for_js(client, "return document.querySelectorAll('#queue-entries tbody tr').length === 3").await?;
    // B rejected with a reason chosen in the panel r opens.
    ensure!(shown_entries(client, "queue").await?[0].1 == b, "B is now the oldest");
    press(client, "jxr").await?;
    wait_for_js(client, "return document.activeElement.id === 'queue-reason'").await?;
    client.find(Locator::Id("queue-reason")).await?.select_by_value("not_intimate").await?;
    client.find(Locator::Css("#queue-entries button[data-action='reject-confirm']")).await?.click().await?;
    wait_for_status(client, "Rejected 1 entry").await?;
    // C quarantined.
    press(client, "jxq").await?;
    wait_for_status(client, "Quarantined 1 entry").await?;
    wait_for_js(client, "return document.querySelectorAll('#queue-entries tbody tr').length === 1").await?;

    for (case, state) in [(&a, EntryState::Verified), (&b, EntryState::Rejected), (&c, EntryState::Quarantined)] {
        let states: Vec<_> = analyst.analyst_case(case).await?.entries.iter().map(|e| e.state).collect();
        ensure!(states.iter().all(|s| *s == state), "case {case}: {states:?}, expected {state:?}");
    }
    assert_eq!(analyst.analyst_case(&d).await?.entries[0].state, EntryState::Pending, "D untouched");
    // The quarantine queue shows C.
    client.find(Locator::Id("queue-state")).await?.select_by_value("quarantined").await?;
    wait_for_js(
        client,
        &format!("return !!document.querySelector('#queue-entries tr[data-entry=\"{}\"]')", entry_of(&ids, &c)?),
    )
    .await?;

    // Case A, opened with `/`: confirm the two video-host addresses, dismiss the forum's.
    press(client, "\u{E00C}/").await?; // Escape leaves the select, then `/`
    client.active_element().await?.send_keys(&format!("{a}\n")).await?;
    wait_for_js(client, "return document.querySelectorAll('#case-urls tbody tr').length === 3").await?;
    ensure!(
        client.execute("return document.querySelectorAll('#view-case a[href*=\"example\"]').length", vec![]).await?
            == json!(0),
        "reported addresses are never links"
    );
    for id in ["url-0-confirm", "url-1-confirm", "url-2-dismiss"] {
        client.find(Locator::Id(id)).await?.click().await?;
    }
    client.find(Locator::Id("urls-submit")).await?.click().await?;
    wait_for_status(client, "1 notice produced").await?;
    let reviewed = analyst.analyst_case(&a).await?;
    let reviews: Vec<_> = reviewed.urls.iter().map(|u| u.review).collect();
    assert_eq!(reviews, [UrlReview::Confirmed, UrlReview::Confirmed, UrlReview::Dismissed]);
    assert_eq!(reviewed.notices.len(), 1, "one notice for video-host.example");
    let notice = &reviewed.notices[0];
    assert_eq!((notice.host.as_str(), notice.urls.len(), notice.state), ("video-host.example", 2, NoticeState::Draft));
    ensure!(case_a.notices.is_empty(), "no notice before the review");

    // The notice produced, from the case: sent, then its outcome recorded (a reply received by e-mail).
    client
        .find(Locator::Css(&format!("#case-notices button[aria-label^='Notice {}']", notice.id)))
        .await?
        .click()
        .await?;
    wait_for_js(client, "return document.getElementById('case-notice-detail')?.dataset.state === 'draft'").await?;
    client.find(Locator::Css("#case-notice-detail button[data-action='send']")).await?.click().await?;
    wait_for_status(client, "sent through the API").await?;
    wait_for_js(client, "return document.getElementById('case-notice-detail')?.dataset.state === 'sent'").await?;
    let sent = analyst.get_notice(&notice.id).await?;
    assert_eq!((sent.state, sent.channel), (NoticeState::Sent, Some(NoticeChannel::Api)));
    screenshot(client, "console-case").await?;
    client.find(Locator::Id("case-outcome")).await?.select_by_value("removed").await?;
    client.find(Locator::Id("case-outcome-note")).await?.send_keys("reply by e-mail from the host").await?;
    client.find(Locator::Css("#case-notice-detail button[data-action='outcome']")).await?.click().await?;
    wait_for_status(client, "recorded: removed").await?;
    let decided = analyst.get_notice(&notice.id).await?;
    assert_eq!(decided.state, NoticeState::Removed);
    assert_eq!(decided.outcome_note.as_deref(), Some("reply by e-mail from the host"));
    ensure!(decided.time_to_removal_ms.is_some(), "time to removal counted");

    // The notices view: j and Enter open it, with its history.
    press(client, "3").await?;
    wait_for_js(client, "return document.querySelectorAll('#notices-list tbody tr').length === 1").await?;
    press(client, "j\u{E007}").await?; // j, then Enter
    wait_for_js(client, "return document.getElementById('notice-detail').dataset.state === 'removed'").await?;
    let history = client.find(Locator::Css("#notice-detail ol.history")).await?.text().await?;
    ensure!(history.contains("sent") && history.contains("outcome recorded"), "history: {history}");
    screenshot(client, "console-notices").await?;

    // Statistics.
    press(client, "5").await?;
    wait_for_js(client, "return document.querySelectorAll('#stats-body section.figure').length >= 10").await?;
    let cases = client.find(Locator::Css("#stats-body")).await?.text().await?;
    ensure!(cases.contains("Cases by month") && cases.contains("Removal rate"), "statistics shown: {cases}");
    screenshot(client, "console-stats").await?;

    // Sign-out forgets the key: nothing of it in the page, the storage or cookies, and no request after it.
    // Counted on the server's origin: Chromium's own services may call out meanwhile.
    let origin = relay.url("");
    let to_server =
        |requests: Vec<crate::browser::Request>| requests.iter().filter(|r| r.path.starts_with(&origin)).count();
    let before = to_server(relay.requests()?);
    client.find(Locator::Id("sign-out")).await?.click().await?;
    wait_for_js(client, "return document.body.dataset.view === 'sign-in'").await?;
    let traces = client
        .execute(
            "return [document.documentElement.outerHTML.includes(arguments[0]), sessionStorage.length, localStorage.length,
                     document.cookie, document.getElementById('key').value, document.querySelectorAll('tbody tr').length]",
            vec![json!(analyst_key)],
        )
        .await?;
    assert_eq!(traces, json!([false, 0, 0, "", "", 0]), "the key and the data are gone");
    press(client, "1g3").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(to_server(relay.requests()?), before, "signed out, the shortcuts make no request");

    // An admin: the audit log, and its verification.
    sign_in(client, &app.admin_key).await?;
    wait_for_js(client, "return document.body.dataset.view === 'queue'").await?;
    press(client, "4").await?;
    wait_for_js(client, "return document.querySelectorAll('#audit-records tbody tr').length > 0").await?;
    client.find(Locator::Id("audit-verify")).await?.click().await?;
    wait_for_js(client, "return document.getElementById('audit-verdict').dataset.ok === 'true'").await?;
    let actions = client
        .execute("return [...document.querySelectorAll('#audit-records tbody tr')].map(r => r.dataset.action)", vec![])
        .await?;
    for action in
        [AuditAction::EntryVerified, AuditAction::EntryRejected, AuditAction::UrlReviewed, AuditAction::NoticeUpdated]
    {
        ensure!(actions.as_array().is_some_and(|a| a.contains(&json!(action.as_str()))), "{action:?} in {actions}");
    }
    screenshot(client, "console-audit").await?;
    let verified = app.admin.verify_audit().await?;
    ensure!(verified.ok, "the chain verifies through the API too");
    let head = verified.head.context("head")?.seq;
    let shown = client.find(Locator::Id("audit-verdict")).await?.text().await?;
    ensure!(shown.contains(&format!("{head} records")), "{shown} (head {head})");
    client.find(Locator::Id("sign-out")).await?.click().await?;

    // A key revoked while signed in: the next call signs out.
    sign_in(client, &analyst_key).await?;
    wait_for_js(client, "return document.body.dataset.view === 'queue'").await?;
    let id = analyst_key.split('_').nth(1).context("key id")?;
    app.admin.revoke_api_key(id).await?;
    press(client, "g").await?;
    wait_for_js(client, "return document.body.dataset.view === 'sign-in'").await?;
    let said = client.find(Locator::Id("status")).await?.text().await?;
    ensure!(said.contains("refused the key"), "{said}");

    // Every request went to the server's origin, the key only in the Authorization header.
    let requests = relay.requests()?;
    ensure!(requests.len() > 20, "the relay saw the console's requests ({})", requests.len());
    assert_eq!(third_party(&requests, &origin), Vec::<String>::new());
    for r in &requests {
        let path = r.path.strip_prefix(&origin).unwrap_or(&r.path);
        ensure!(!path.contains("dk_"), "a key in a URL: {path}");
        if r.head.contains(&analyst_key) || r.head.contains(&app.admin_key) {
            ensure!(path.starts_with("/v1/"), "a key sent with {path}");
        }
    }
    // The check itself sees a request to another origin (made here by the driver, as a script cannot).
    let _ = client.goto("http://third-party.example/font.woff2").await;
    ensure!(!third_party(&relay.requests()?, &origin).is_empty(), "the relay sees other origins");
    browser.close().await
}

/// The first entry of `case` among the entries shown.
fn entry_of(ids: &[(u64, String)], case: &str) -> Result<u64> {
    ids.iter().find(|(_, c)| c == case).map(|(id, _)| *id).context("an entry of the case is shown")
}

/// Chromium's own services (updates, autofill, accounts, its default search engine's start page), which the
/// browser calls on its own whatever page it shows: not requests of the console.
const BROWSER_SERVICES: &[&str] = &["google.com", "googleapis.com", "duckduckgo.com"];

/// Request targets that are not on `origin` (the browser sends absolute URLs to its proxy, and `CONNECT host:443`
/// for https), but for the browser's own services.
fn third_party(requests: &[crate::browser::Request], origin: &str) -> Vec<String> {
    let host = |target: &str| -> String {
        let rest = target.split("://").nth(1).unwrap_or(target);
        rest.split(['/', ':']).next().unwrap_or("").to_owned()
    };
    requests
        .iter()
        .filter(|r| !r.path.starts_with(origin))
        .filter(|r| {
            let host = host(&r.path);
            !BROWSER_SERVICES.iter().any(|s| host == *s || host.ends_with(&format!(".{s}")))
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

async fn case(app: &TestApp, hashes: Vec<HashValue>, urls: &[&str]) -> Result<String> {
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            category: Category::AdultNcii,
            hashes,
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            contact: None,
            declarations: None,
        })
        .await?;
    Ok(created.case_id)
}

async fn sign_in(client: &Client, key: &str) -> Result<()> {
    wait_for_js(client, "return !document.getElementById('view-sign-in').hidden").await?;
    let field = client.find(Locator::Id("key")).await?;
    field.clear().await?;
    field.send_keys(&format!("{key}\n")).await?;
    Ok(())
}

/// Presses each character as a key, on whatever has the focus.
async fn press(client: &Client, keys: &str) -> Result<()> {
    for key in keys.chars() {
        let actions =
            KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        client.perform_actions(actions).await?;
        wait_for_js(client, "return document.body.dataset.busy === '0'").await?;
    }
    Ok(())
}

async fn wait_for_status(client: &Client, text: &str) -> Result<()> {
    let script = format!("return document.getElementById('status').textContent.includes({})", json!(text));
    wait_for_js(client, &script).await.with_context(|| format!("waiting for the status line to say {text:?}"))
}

async fn is_hidden(client: &Client, id: &str) -> Result<bool> {
    Ok(client.execute(&format!("return document.getElementById('{id}').hidden"), vec![]).await? == json!(true))
}

/// The entries a table shows, in order: (entry id, case id).
async fn shown_entries(client: &Client, view: &str) -> Result<Vec<(u64, String)>> {
    let rows = client
        .execute(
            &format!(
                "return [...document.querySelectorAll('#{view}-entries tbody tr')].map(r => [Number(r.dataset.entry), r.querySelector('button.link')?.title])"
            ),
            vec![],
        )
        .await?;
    let rows: Vec<(u64, Option<String>)> = serde_json::from_value(rows)?;
    Ok(rows.into_iter().map(|(id, case)| (id, case.unwrap_or_default())).collect())
}

/// The key id of a raw key (`dk_<id>_<secret>`), as the audit log, forwards and rejections name it.
fn key_id(key: &str) -> Result<String> {
    key.split('_').nth(1).map(str::to_owned).context("key id")
}

/// A browser on the console, signed in with `key`, on the queue.
async fn signed_in(app: &TestApp, key: &str) -> Result<Browser> {
    let browser = Browser::start_with(1400, 1100, None).await?;
    let client = &browser.client;
    client.goto(&format!("{}/console/", app.base_url)).await?;
    wait_for_js(client, "return document.body.dataset.ready === 'true'").await?;
    sign_in(client, key).await?;
    wait_for_js(client, "return document.body.dataset.view === 'queue'").await?;
    Ok(browser)
}

/// Opens a case with `/`, its id and Enter (after Escape leaves any field), and waits until it shows.
async fn open_case(client: &Client, case: &str, urls: usize) -> Result<()> {
    press(client, "\u{E00C}/").await?;
    client.active_element().await?.send_keys(&format!("{case}\n")).await?;
    wait_for_js(
        client,
        &format!(
            "return document.getElementById('case-facts').textContent.includes({}) && document.querySelectorAll('#case-urls tbody tr').length === {urls}",
            json!(case)
        ),
    )
    .await
}

/// Whether the audit log holds a record of `action` by the key `key_id`.
async fn audited(app: &TestApp, action: AuditAction, key_id: &str) -> Result<bool> {
    let audit = app.admin.read_audit(None, Some(1000)).await?;
    Ok(audit.records.iter().any(|r| r.entry.action == action && r.entry.actor.key_id.as_deref() == Some(key_id)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_records_a_forward_of_a_minors_case_and_exports_the_forwards_in_the_console() -> Result<()> {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let key = app.raw_key("Ana", Role::Analyst, &["ncii", "minors"], &[]).await;
    let (ana, ana_id) = (app.client.with_api_key(&key), key_id(&key)?);
    let urls = ["https://pics.example/m/1", "https://cdn.pics.example/m/2"];
    let minor = app
        .client
        .create_case(&CreateCaseRequest {
            category: Category::Minor,
            hashes: vec![unique_pdq()],
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            contact: None,
            declarations: None,
        })
        .await?
        .case_id;
    let browser = signed_in(&app, &key).await?;
    let client = &browser.client;

    // Flagged until a forward is recorded.
    open_case(client, &minor, 2).await?;
    ensure!(!is_hidden(client, "case-forward").await?, "a minor's case without a forward is flagged");
    ensure!(
        client.execute("return document.getElementById('forward-authority').options.length", vec![]).await? == json!(3),
        "PHAROS, INHOPE/ICCAM and NCMEC are offered"
    );
    // `f` reaches the form from the keyboard (once Escape has left the case id's field).
    press(client, "\u{E00C}f").await?;
    ensure!(
        client.execute("return document.activeElement.id", vec![]).await? == json!("forward-authority"),
        "f focuses the forward form"
    );
    client.find(Locator::Id("forward-authority")).await?.select_by_value("inhope").await?;
    let reference = "ICCAM-4711 <b>bold</b>";
    client.find(Locator::Id("forward-reference")).await?.send_keys(reference).await?;
    client.find(Locator::Id("forward-note")).await?.send_keys("hosted abroad").await?;
    client.find(Locator::Id("forward-url-1")).await?.click().await?;
    client.find(Locator::Id("forward-submit")).await?.click().await?;
    wait_for_status(client, "Forward to INHOPE (ICCAM) recorded").await?;
    wait_for_js(client, "return document.querySelectorAll('#case-forwards tbody tr').length === 1").await?;
    ensure!(is_hidden(client, "case-forward").await?, "the flag is gone once a forward is recorded");
    let shown = client.find(Locator::Id("case-forwards")).await?.text().await?;
    ensure!(shown.contains(reference) && shown.contains(urls[1]), "the reference shown as text: {shown}");
    ensure!(
        client.execute("return document.querySelectorAll('#case-forwards b').length", vec![]).await? == json!(0),
        "text entered is never HTML"
    );
    let recorded = ana.analyst_case(&minor).await?;
    ensure!(!recorded.forward_required, "no longer waiting for a forward");
    assert_eq!(recorded.forwards.len(), 1);
    let forward = &recorded.forwards[0];
    assert_eq!((forward.authority, forward.reference.as_str()), (Authority::Inhope, reference));
    assert_eq!((forward.urls.as_slice(), forward.recorded_by.as_str()), (&[urls[1].to_owned()][..], ana_id.as_str()));
    assert_eq!(forward.note.as_deref(), Some("hosted abroad"));
    ensure!(audited(&app, AuditAction::ForwardRecorded, &ana_id).await?, "the forward is audited");
    screenshot(client, "console-forward").await?;

    // The export: the forwards of the period, and the CSV file built from the API's answer.
    press(client, "7").await?;
    wait_for_js(client, "return document.querySelectorAll('#forwards-list tbody tr').length === 1").await?;
    client.find(Locator::Id("forwards-csv")).await?.click().await?;
    wait_for_js(client, "return !!document.getElementById('forwards-csv-link')").await?;
    let link = client
        .execute(
            "const a = document.getElementById('forwards-csv-link'); return [a.protocol, a.download, Number(a.dataset.bytes), Number(a.dataset.rows)]",
            vec![],
        )
        .await?;
    let (csv, _) = ana.export_forwards_csv(&ForwardQuery::default()).await?;
    assert_eq!(link, json!(["blob:", "forwards.csv", csv.len(), 1]), "the file is the API's CSV");
    // Downloaded, it is the API's CSV byte for byte.
    client.find(Locator::Id("forwards-csv-link")).await?.click().await?;
    assert_eq!(browser.downloaded("forwards.csv").await?, csv.as_bytes(), "the downloaded file is the API's CSV");
    browser.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_sets_and_corrects_host_contacts_in_the_directory_and_from_a_case_in_the_console() -> Result<()> {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let key = app.raw_key("Ana", Role::Analyst, &["ncii"], &[]).await;
    let (ana, ana_id) = (app.client.with_api_key(&key), key_id(&key)?);
    let case = case(&app, vec![unique_pdq()], &["https://pics.example/a/1", "https://cdn.pics.example/a/2"]).await?;
    let browser = signed_in(&app, &key).await?;
    let client = &browser.client;

    // The directory: a contact set, then corrected.
    press(client, "6").await?;
    wait_for_js(
        client,
        "return document.body.dataset.view === 'hosts' && !!document.querySelector('#hosts-list .empty')",
    )
    .await?;
    client.find(Locator::Id("host-name")).await?.send_keys("pics.example").await?;
    client.find(Locator::Id("host-email")).await?.send_keys("abuse@pics.example").await?;
    client.find(Locator::Id("host-lang")).await?.select_by_value("en").await?;
    client.find(Locator::Id("host-save")).await?.click().await?;
    wait_for_status(client, "Contact of pics.example saved").await?;
    let set = ana.get_host("pics.example").await?;
    assert_eq!(
        (set.abuse_email.as_deref(), set.lang, set.api_integrated),
        (Some("abuse@pics.example"), Some(Lang::En), false)
    );
    let row = "#hosts-list tr[data-host='pics.example']";
    client.find(Locator::Css(&format!("{row} button[data-action='edit']"))).await?.click().await?;
    ensure!(
        client.execute("return document.activeElement.id", vec![]).await? == json!("host-email"),
        "Edit brings the focus to the address"
    );
    let email = client.find(Locator::Id("host-email")).await?;
    email.clear().await?;
    email.send_keys("report@pics.example").await?;
    client.find(Locator::Id("host-save")).await?.click().await?;
    wait_for_js(
        client,
        &format!("return document.querySelector(\"{row}\")?.textContent.includes('report@pics.example')"),
    )
    .await?;
    assert_eq!(ana.get_host("pics.example").await?.abuse_email.as_deref(), Some("report@pics.example"));
    ensure!(audited(&app, AuditAction::HostContactSet, &ana_id).await?, "the change is audited");
    screenshot(client, "console-hosts").await?;

    // From the case, when confirming its URLs: cdn.pics.example falls back on pics.example's entry until it gets
    // its own, set on the way.
    open_case(client, &case, 2).await?;
    wait_for_js(client, "return document.querySelectorAll('#case-hosts tbody tr').length === 2").await?;
    let cdn = "#case-hosts tr[data-host='cdn.pics.example']";
    let now = client.find(Locator::Css(cdn)).await?.text().await?;
    ensure!(now.contains("report@pics.example") && now.contains("pics.example's entry"), "{now}");
    client.find(Locator::Css(&format!("{cdn} input[type=email]"))).await?.send_keys("abuse@cdn.pics.example").await?;
    client.find(Locator::Css(&format!("{cdn} select"))).await?.select_by_value("de").await?;
    for id in ["url-0-confirm", "url-1-confirm"] {
        client.find(Locator::Id(id)).await?.click().await?;
    }
    client.find(Locator::Id("urls-submit")).await?.click().await?;
    wait_for_status(client, "2 notices produced").await?;
    let cdn_contact = ana.get_host("cdn.pics.example").await?;
    assert_eq!(
        (cdn_contact.abuse_email.as_deref(), cdn_contact.lang),
        (Some("abuse@cdn.pics.example"), Some(Lang::De))
    );
    let reviewed = ana.analyst_case(&case).await?;
    let hosts: Vec<_> = reviewed.urls.iter().map(|u| u.host.as_deref()).collect();
    assert_eq!(hosts, [Some("pics.example"), Some("cdn.pics.example")], "each URL's host, as notices name it");
    let notices = reviewed.notices;
    let mut langs: Vec<_> = notices.iter().map(|n| (n.host.as_str(), n.lang)).collect();
    langs.sort_by_key(|(host, _)| *host);
    assert_eq!(langs, [("cdn.pics.example", Lang::De), ("pics.example", Lang::En)], "each host's language");
    let own = client.find(Locator::Css(cdn)).await?.text().await?;
    ensure!(own.contains("abuse@cdn.pics.example") && !own.contains("'s entry"), "its own entry now: {own}");
    browser.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_analysts_reject_a_whole_case_one_asking_the_other_confirming_in_the_console() -> Result<()> {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let ana_key = app.raw_key("Ana", Role::Analyst, &["ncii"], &[]).await;
    let bob_key = app.raw_key("Bob", Role::Analyst, &["ncii"], &[]).await;
    let (ana_id, bob_id) = (key_id(&ana_key)?, key_id(&bob_key)?);
    let ana = app.client.with_api_key(&ana_key);
    let case = case(&app, vec![unique_pdq(), unique_md5()], &[]).await?;
    let browser = signed_in(&app, &ana_key).await?;
    let client = &browser.client;

    // Ana asks: the case waits for a second analyst, and she cannot be that one.
    open_case(client, &case, 0).await?;
    client.find(Locator::Id("case-reject-reason")).await?.select_by_value("duplicate").await?;
    client.find(Locator::Id("case-reject-note")).await?.send_keys("seen in case 12").await?;
    client.find(Locator::Id("case-reject")).await?.click().await?;
    wait_for_status(client, "a second analyst").await?;
    wait_for_js(client, "return document.getElementById('case-rejection').dataset.step === 'awaiting_second_analyst'")
        .await?;
    let waiting = client.find(Locator::Id("case-rejection")).await?.text().await?;
    ensure!(waiting.contains(&ana_id) && waiting.contains("another analyst"), "{waiting}");
    ensure!(waiting.contains("reason: duplicate; note: seen in case 12"), "the reason and note shown: {waiting}");
    ensure!(
        client.execute("return document.getElementById('case-reject-confirm').disabled", vec![]).await? == json!(true),
        "the analyst who asked cannot confirm"
    );
    let pending = ana.analyst_case(&case).await?;
    ensure!(
        matches!(&pending.pending_rejection,
            Some(CaseRejection::AwaitingSecondAnalyst { requested_by, .. }) if *requested_by == ana_id),
        "{:?}",
        pending.pending_rejection
    );
    ensure!(pending.entries.iter().all(|e| e.state == EntryState::Pending), "nothing rejected yet");
    ensure!(audited(&app, AuditAction::CaseRejectionRequested, &ana_id).await?, "the request is audited");

    // Bob confirms.
    client.find(Locator::Id("sign-out")).await?.click().await?;
    sign_in(client, &bob_key).await?;
    wait_for_js(client, "return document.body.dataset.view === 'queue'").await?;
    open_case(client, &case, 0).await?;
    wait_for_js(client, "return document.getElementById('case-rejection').dataset.step === 'awaiting_second_analyst'")
        .await?;
    client.find(Locator::Id("case-reject-confirm")).await?.click().await?;
    wait_for_status(client, "Case rejected").await?;
    wait_for_js(client, "return document.getElementById('case-rejection').dataset.step === 'rejected'").await?;
    let confirmed = client.find(Locator::Id("case-rejection")).await?.text().await?;
    ensure!(confirmed.contains(&ana_id) && confirmed.contains(&bob_id), "both analysts named: {confirmed}");
    let rejected = ana.analyst_case(&case).await?;
    ensure!(rejected.pending_rejection.is_none(), "no longer pending");
    ensure!(rejected.entries.iter().all(|e| e.state == EntryState::Rejected), "every entry rejected");
    ensure!(audited(&app, AuditAction::CaseRejected, &bob_id).await?, "the confirmation is audited");
    screenshot(client, "console-case-rejection").await?;
    browser.close().await
}
