//! Notices by e-mail, against a real SMTP server the tests start on a free loopback port (`smtp_sink.py`, Debian's
//! python3-aiosmtpd, with a login): the message as received, reminders, outcomes recorded by analysts, and a
//! refused connection retried with backoff, reported on the notice, delivered once the server is there.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use disrupt_api::testing::free_port;
use disrupt_client::Client;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::{Category, Role};
use disrupt_openapi::notices::{
    HostContactRequest, Lang, Notice, NoticeChannel, NoticeEventKind, NoticeOutcome, NoticeOutcomeRequest, NoticeState,
};
use disrupt_openapi::review::{HostContactUpdate, ReviewUrlsRequest};

use crate::helpers::{TestApp, spawn_app_with, unique_pdq};

const SMTP_USER: &str = "disrupt";
const SMTP_PASSWORD: &str = "sink-password-7f3a";

/// `smtp_sink.py` on `port`, writing what it receives into its own directory; killed when dropped.
struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(port: u16) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/smtp_sink.py");
        // Debian's interpreter: python3-aiosmtpd is installed for it (scripts/install-deps).
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .args([SMTP_USER, SMTP_PASSWORD])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("/usr/bin/python3 with python3-aiosmtpd (scripts/install-deps)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        Self { child, dir }
    }

    /// Every message received so far, in order.
    fn messages(&self) -> Vec<serde_json::Value> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to 20 s (the machine may be busy) for `check`.
async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

async fn app_with_smtp(port: u16, extra: &[(&str, &str)]) -> TestApp {
    let port = port.to_string();
    let mut settings = vec![
        ("DISRUPT_HOTLINE__NOTIFIER__NAME", "Point de Contact"),
        ("DISRUPT_HOTLINE__NOTIFIER__EMAIL", "notices@pointdecontact.example"),
        ("DISRUPT_HOTLINE__NOTIFIER__SIGNATORY", "Jeanne Martin"),
        ("DISRUPT_HOTLINE__SMTP__HOST", "127.0.0.1"),
        ("DISRUPT_HOTLINE__SMTP__PORT", port.as_str()),
        ("DISRUPT_HOTLINE__SMTP__TLS", "none"),
        ("DISRUPT_HOTLINE__SMTP__USERNAME", SMTP_USER),
        ("DISRUPT_HOTLINE__SMTP__PASSWORD", SMTP_PASSWORD),
        ("DISRUPT_HOTLINE__SMTP__POLL_MS", "100"),
        ("DISRUPT_HOTLINE__SMTP__TIMEOUT_SECS", "5"),
    ];
    settings.extend_from_slice(extra);
    spawn_app_with(&settings).await
}

/// A deepfake case with these URLs, reviewed: every URL confirmed, with `contacts` set on the way. Returns the
/// analyst and the notices.
async fn reviewed_case(app: &TestApp, urls: &[&str], contacts: Vec<HostContactUpdate>) -> (Client, Vec<Notice>) {
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            category: Category::Deepfake,
            hashes: vec![unique_pdq()],
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            contact: None,
            declarations: None,
        })
        .await
        .unwrap();
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let request =
        ReviewUrlsRequest { confirm: (0..urls.len()).collect(), dismiss: vec![], lang: None, ground: None, contacts };
    let reviewed = analyst.review_urls(&created.case_id, &request).await.unwrap();
    (analyst, reviewed.notices)
}

/// Moves a notice's sending (and last reminder) back 49 hours in Redis, so that a reminder is due.
async fn age_notice(app: &TestApp, id: &str) {
    let key = format!("disrupt:{{n}}:notice:{id}");
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let json: String = redis::cmd("HGET").arg(&key).arg("json").query_async(&mut conn).await.unwrap();
    let mut stored: serde_json::Value = serde_json::from_str(&json).unwrap();
    let back = 49 * 3600 * 1000;
    for field in ["sent_at", "last_reminded_at"] {
        if let Some(at) = stored["timeline"][field].as_u64() {
            stored["timeline"][field] = (at - back).into();
        }
    }
    let _: () = redis::cmd("HSET").arg(&key).arg("json").arg(stored.to_string()).query_async(&mut conn).await.unwrap();
}

fn kinds(n: &Notice) -> Vec<NoticeEventKind> {
    n.history.iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_notice_to_a_host_without_api_is_emailed_reminded_and_its_outcome_recorded() {
    let port = free_port();
    let sink = SmtpSink::start(port);
    let app = app_with_smtp(port, &[("DISRUPT_HOTLINE__REMINDER_CHECK_SECS", "1")]).await;
    let forum = ["https://forum.example/thread/9", "https://www.forum.example/thread/9?page=2#post-4"];
    let (analyst, notices) = reviewed_case(
        &app,
        &[forum[0], forum[1], "https://video-host.example/v/1"],
        vec![HostContactUpdate {
            host: "forum.example".into(),
            abuse_email: Some("abuse@forum.example".into()),
            lang: Some(Lang::En),
            api_integrated: false,
        }],
    )
    .await;
    let by_mail = notices.iter().find(|n| n.host == "forum.example").unwrap();
    let by_api = notices.iter().find(|n| n.host == "video-host.example").unwrap();
    assert_eq!(by_mail.lang, Lang::En, "the directory's language");
    assert_eq!(by_api.lang, Lang::Fr);

    let sent = analyst.send_notice(&by_mail.id).await.unwrap();
    assert_eq!((sent.state, sent.channel), (NoticeState::Sent, Some(NoticeChannel::Email)));
    assert_eq!(sent.email_to.as_deref(), Some("abuse@forum.example"));
    wait_for("the notice's e-mail", || async { sink.messages().len() == 1 }).await;

    // The message as the host receives it.
    let mail = &sink.messages()[0];
    let headers = &mail["headers"];
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["abuse@forum.example"]));
    assert_eq!(mail["mail_from"], "notices@pointdecontact.example");
    assert_eq!(mail["authenticated"], true, "the sender logged in");
    assert_eq!(headers["To"], "abuse@forum.example");
    assert_eq!(headers["From"], "Point de Contact <notices@pointdecontact.example>");
    assert_eq!(headers["Reply-To"], "Point de Contact <notices@pointdecontact.example>");
    assert_eq!(headers["Subject"], sent.subject);
    assert!(sent.subject.contains(&sent.id) && sent.subject.contains("forum.example"), "{}", sent.subject);
    assert_eq!(headers["Message-ID"], format!("<{}.n@pointdecontact.example>", sent.id));
    assert!(headers["Date"].is_string());
    assert_eq!(mail["content_type"], "text/plain");
    let body = mail["body"].as_str().unwrap();
    for url in forum {
        assert!(body.contains(url), "every URL: {url}\n{body}");
    }
    assert!(body.contains("Code pénal, art. 226-8-1"), "the legal ground:\n{body}");
    assert!(body.contains("Digital Services Act") && body.contains("TAKE IT DOWN"), "{body}");
    for notifier in ["Point de Contact", "notices@pointdecontact.example", "Jeanne Martin"] {
        assert!(body.contains(notifier), "the notifier: {notifier}\n{body}");
    }
    assert!(!body.contains("competent authorities"), "no forward to the authorities was recorded");

    wait_for("the delivery on the notice", || async {
        kinds(&analyst.get_notice(&sent.id).await.unwrap()).contains(&NoticeEventKind::EmailDelivered)
    })
    .await;
    let delivered = analyst.get_notice(&sent.id).await.unwrap();
    assert_eq!(kinds(&delivered), [NoticeEventKind::Sent, NoticeEventKind::EmailDelivered]);
    assert_eq!(delivered.history[1].attempt, Some(1));
    assert!(app.store.queued_mail().await.unwrap().is_empty(), "the outbox is empty once delivered");
    // Sending again changes nothing and sends nothing.
    analyst.send_notice(&sent.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 1, "delivered once");

    // The notice through the API stays as it was: no e-mail, the platform reads it.
    let platform = app.key("video host", Role::Platform, &["ncii"], &["video-host.example"]).await;
    let api_sent = analyst.send_notice(&by_api.id).await.unwrap();
    assert_eq!(api_sent.channel, Some(NoticeChannel::Api));
    assert_eq!(platform.get_notice(&by_api.id).await.unwrap().state, NoticeState::Sent);
    assert!(platform.get_notice(&by_mail.id).await.is_err(), "a platform never sees another host's notice");

    // 48 hours without a decision: a reminder goes by e-mail, and one is recorded on the API notice.
    age_notice(&app, &sent.id).await;
    age_notice(&app, &by_api.id).await;
    wait_for("the reminder's e-mail", || async { sink.messages().len() == 2 }).await;
    let reminder = &sink.messages()[1];
    assert_eq!(reminder["headers"]["Subject"], format!("Reminder 1: {}", sent.subject));
    assert_eq!(reminder["headers"]["Message-ID"], format!("<{}.r1@pointdecontact.example>", sent.id));
    assert_eq!(reminder["rcpt_tos"], serde_json::json!(["abuse@forum.example"]));
    let text = reminder["body"].as_str().unwrap();
    assert!(text.starts_with("Reminder 1.") && forum.iter().all(|u| text.contains(u)), "{text}");
    wait_for("the reminders on both notices", || async {
        let mail = analyst.get_notice(&sent.id).await.unwrap();
        let api = analyst.get_notice(&by_api.id).await.unwrap();
        mail.reminders == 1 && kinds(&mail).last() == Some(&NoticeEventKind::EmailDelivered) && api.reminders == 1
    })
    .await;
    let mail = analyst.get_notice(&sent.id).await.unwrap();
    let step = mail.history.iter().find(|e| e.kind == NoticeEventKind::Reminder).unwrap();
    assert_eq!((step.channel, step.reminder), (Some(NoticeChannel::Email), Some(1)));
    let api = analyst.get_notice(&by_api.id).await.unwrap();
    let step = api.history.iter().find(|e| e.kind == NoticeEventKind::Reminder).unwrap();
    assert_eq!((step.channel, step.reminder), (Some(NoticeChannel::Api), Some(1)));
    assert_eq!(platform.get_notice(&by_api.id).await.unwrap().reminders, 1, "the platform reads its reminder");
    assert_eq!(sink.messages().len(), 2, "the API notice's reminder is no e-mail");

    // The host answers by e-mail: the analyst records it, as of the day it came.
    let sent_at = mail.sent_at.unwrap();
    let early = NoticeOutcomeRequest { outcome: NoticeOutcome::Removed, at: sent_at - 1, note: None };
    assert_eq!(analyst.record_notice_outcome(&sent.id, &early).await.unwrap_err().code(), Some("invalid_request"));
    let outcome = NoticeOutcomeRequest {
        outcome: NoticeOutcome::Removed,
        at: sent_at + 3_600_000,
        note: Some("e-mail reply from abuse@forum.example: thread deleted".into()),
    };
    let closed = analyst.record_notice_outcome(&sent.id, &outcome).await.unwrap();
    assert_eq!(closed.state, NoticeState::Removed);
    assert_eq!(closed.time_to_removal_ms, Some(3_600_000));
    assert_eq!(closed.outcome_note, outcome.note);
    assert_eq!(kinds(&closed).last(), Some(&NoticeEventKind::OutcomeRecorded));
    let stranger = app.key("stranger", Role::Platform, &["ncii"], &["video-host.example"]).await;
    assert!(stranger.record_notice_outcome(&sent.id, &outcome).await.is_err(), "platforms decide through the API");
    let no_answer = NoticeOutcomeRequest { outcome: NoticeOutcome::NoAnswer, at: sent_at + 7_200_000, note: None };
    assert_eq!(analyst.record_notice_outcome(&by_api.id, &no_answer).await.unwrap().state, NoticeState::NoAnswer);

    let page = app.admin.read_audit(None, Some(1000)).await.unwrap();
    let audited: Vec<(String, String)> =
        page.records.iter().map(|r| (r.entry.action.to_string(), r.entry.target.clone())).collect();
    assert!(audited.contains(&("host_contact_set".into(), "host:forum.example".into())), "{audited:?}");
    let outcome_audited = page.records.iter().any(|r| {
        r.entry.target == format!("notice:{}", sent.id)
            && r.entry.details.get("event").map(String::as_str) == Some("outcome_recorded")
    });
    assert!(outcome_audited, "the outcome is audited");
    let export = app.admin.export_audit().await.unwrap();
    assert!(!export.contains("abuse@forum.example"), "no contact address in the audit log");

    let report = app.admin.trusted_flagger_report(disrupt_hotline::time::year_of(sent_at)).await.unwrap();
    assert!(report.contains("TOTAL"), "{report}");
}

#[tokio::test]
async fn a_refused_connection_is_retried_with_backoff_reported_and_delivered_once() {
    // Nothing listens on the port yet: every connection is refused.
    let port = free_port();
    let app = app_with_smtp(
        port,
        &[("DISRUPT_HOTLINE__SMTP__RETRY_BASE_MS", "300"), ("DISRUPT_HOTLINE__SMTP__RETRY_MAX_MS", "1200")],
    )
    .await;
    let (analyst, notices) = reviewed_case(&app, &["https://pics.example/a/1"], vec![]).await;
    let host = HostContactRequest { abuse_email: Some("abuse@pics.example".into()), lang: None, api_integrated: false };
    assert!(app.admin.set_host("www.pics.example", &host).await.is_err(), "the directory names hosts as notices do");
    analyst.set_host("pics.example", &host).await.unwrap();
    let id = notices[0].id.clone();
    analyst.send_notice(&id).await.unwrap();

    let failures = |n: &Notice| n.history.iter().filter(|e| e.kind == NoticeEventKind::EmailFailed).count();
    wait_for("four refused attempts", || async { failures(&analyst.get_notice(&id).await.unwrap()) >= 4 }).await;
    let failing = analyst.get_notice(&id).await.unwrap();
    assert_eq!(failing.state, NoticeState::Sent, "still sent, waiting for the host's answer");
    let failed: Vec<_> = failing.history.iter().filter(|e| e.kind == NoticeEventKind::EmailFailed).collect();
    for (k, step) in failed.iter().enumerate() {
        let attempt = k as u32 + 1;
        assert_eq!(step.attempt, Some(attempt));
        let detail = step.detail.as_deref().unwrap();
        assert!(detail.contains(&format!("127.0.0.1:{port}")), "{detail}");
        // Exponential backoff up to the ceiling: 300, 600, 1200, 1200 ms.
        let delay = (300u64 << k).min(1200);
        let waited = step.retry_at.unwrap() - step.at;
        assert!(waited <= delay && waited + 100 >= delay, "attempt {attempt}: retry after {waited} ms, not {delay}");
        if let Some(next) = failed.get(k + 1) {
            assert!(next.at >= step.retry_at.unwrap(), "attempt {} came before its time", attempt + 1);
        }
    }
    assert_eq!(app.store.queued_mail().await.unwrap().len(), 1, "the e-mail waits in the outbox, not lost");

    // The SMTP server comes up: the next attempt delivers, once.
    let sink = SmtpSink::start(port);
    wait_for("the e-mail", || async { !sink.messages().is_empty() }).await;
    wait_for("the delivery on the notice", || async {
        kinds(&analyst.get_notice(&id).await.unwrap()).contains(&NoticeEventKind::EmailDelivered)
    })
    .await;
    let delivered = analyst.get_notice(&id).await.unwrap();
    let last = delivered.history.last().unwrap();
    assert_eq!(last.kind, NoticeEventKind::EmailDelivered);
    assert_eq!(last.attempt, Some(failures(&delivered) as u32 + 1));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sink.messages().len(), 1, "never sent twice");
    assert!(sink.messages()[0]["body"].as_str().unwrap().contains("https://pics.example/a/1"));
    assert!(app.store.queued_mail().await.unwrap().is_empty());
}

#[tokio::test]
async fn without_smtp_a_notice_for_an_email_host_is_refused_not_silently_dropped() {
    let app = spawn_app_with(&[]).await;
    let (analyst, notices) = reviewed_case(
        &app,
        &["https://blog.example/p/2"],
        vec![HostContactUpdate {
            host: "blog.example".into(),
            abuse_email: Some("abuse@blog.example".into()),
            lang: None,
            api_integrated: false,
        }],
    )
    .await;
    let refused = analyst.send_notice(&notices[0].id).await.unwrap_err();
    assert_eq!(refused.code(), Some("conflict"));
    assert_eq!(analyst.get_notice(&notices[0].id).await.unwrap().state, NoticeState::Draft);
    // Marked API-integrated, it goes through the API.
    let api = HostContactRequest { abuse_email: None, lang: None, api_integrated: true };
    analyst.set_host("blog.example", &api).await.unwrap();
    assert_eq!(analyst.send_notice(&notices[0].id).await.unwrap().channel, Some(NoticeChannel::Api));
    let hosts = analyst.list_hosts().await.unwrap();
    assert_eq!(hosts.hosts.len(), 1);
    assert!(analyst.delete_host("blog.example").await.is_err(), "admins remove hosts");
    app.admin.delete_host("blog.example").await.unwrap();
    assert!(app.admin.list_hosts().await.unwrap().hosts.is_empty());
}
