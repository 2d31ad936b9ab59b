//! Forwards to the authorities: recorded per case or per URL by an analyst (audited), listed with the case and in
//! the export the hotline files (JSON and CSV), a minor's case flagged until one is recorded, and notices saying
//! the content was reported to the competent authorities only once a forward covers their URLs.

use disrupt_client::api::ClientError;
use disrupt_openapi::admin::{CreateApiKeyRequest, CreateListRequest};
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::forwards::{Authority, ForwardQuery, ForwardRequest};
use disrupt_openapi::model::{Category, Role};
use disrupt_openapi::notices::Lang;
use disrupt_openapi::review::ReviewUrlsRequest;

use crate::helpers::{TestApp, simple_case, spawn_app, unique_pdq};

const CLAIM: &str = "reported to the competent authorities";

fn confirm(index: usize) -> ReviewUrlsRequest {
    ReviewUrlsRequest { confirm: vec![index], dismiss: vec![], lang: Some(Lang::En), ground: None, contacts: vec![] }
}

fn forward(authority: Authority, reference: &str, urls: Vec<usize>) -> ForwardRequest {
    ForwardRequest { authority, reference: reference.into(), urls, at: None, note: None }
}

/// An analyst key scoped to `lists`, and its id (as the audit log and the forwards name it).
async fn analyst(app: &TestApp, name: &str, lists: &[&str]) -> (disrupt_client::Client, String) {
    let created = app
        .admin
        .create_api_key(&CreateApiKeyRequest {
            name: name.into(),
            role: Role::Analyst,
            lists: lists.iter().map(|l| (*l).to_owned()).collect(),
            hosts: vec![],
            contact_access: false,
        })
        .await
        .unwrap();
    (app.client.with_api_key(&created.key), created.info.id)
}

fn status(err: ClientError) -> u16 {
    match err {
        ClientError::Api { status, .. } => status,
        other => panic!("not an API error: {other}"),
    }
}

#[tokio::test]
async fn a_minors_case_is_flagged_until_forwarded_and_its_notices_then_say_it_was_reported() {
    let app = spawn_app().await;
    let (ana, ana_id) = analyst(&app, "ana", &["ncii", "minors"]).await;
    let urls = vec!["https://a.example/1".to_owned(), "https://b.example/2".to_owned()];
    let case = app
        .client
        .create_case(&CreateCaseRequest { category: Category::Minor, urls, ..simple_case(unique_pdq()) })
        .await
        .unwrap()
        .case_id;

    let queue = ana.review_queue(Some("minors"), None, Some(100)).await.unwrap();
    assert!(queue.items.iter().any(|i| i.case_id == case && i.forward_required), "flagged in the queue");
    let view = ana.analyst_case(&case).await.unwrap();
    assert!(view.forward_required && view.forwards.is_empty(), "flagged in the case");

    // Written before any forward: no claim.
    let draft_a = ana.review_urls(&case, &confirm(0)).await.unwrap().notices.remove(0);
    assert!(!draft_a.body.contains(CLAIM), "{}", draft_a.body);

    // ICCAM, for the URL hosted abroad.
    let iccam = ana.record_forward(&case, &forward(Authority::Inhope, "ICCAM-4711", vec![1])).await.unwrap();
    assert_eq!(iccam.urls, ["https://b.example/2"]);
    assert_eq!(iccam.recorded_by, ana_id);
    let view = ana.analyst_case(&case).await.unwrap();
    assert!(!view.forward_required && view.forwards == [iccam.clone()]);
    let queue = ana.review_queue(Some("minors"), None, Some(100)).await.unwrap();
    assert!(queue.items.iter().filter(|i| i.case_id == case).all(|i| !i.forward_required), "no longer flagged");

    // b.example's notice is covered by the forward; a.example's draft is not, until the whole case goes to PHAROS.
    let notice_b = ana.review_urls(&case, &confirm(1)).await.unwrap().notices.remove(0);
    assert!(notice_b.body.contains(CLAIM), "{}", notice_b.body);
    assert!(!ana.get_notice(&draft_a.id).await.unwrap().body.contains(CLAIM));
    let pharos = ana.record_forward(&case, &forward(Authority::Pharos, "PH-2026-0042", vec![])).await.unwrap();
    let sent_a = ana.send_notice(&draft_a.id).await.unwrap();
    assert!(sent_a.body.contains(CLAIM), "the notice sent says what is now recorded: {}", sent_a.body);

    // The export lists both, oldest first, as JSON and as CSV.
    let export = ana.export_forwards(&ForwardQuery::default()).await.unwrap();
    assert_eq!(export.forwards, [iccam.clone(), pharos.clone()]);
    assert!(!export.has_more);
    let only = ForwardQuery { authority: Some(Authority::Pharos), ..ForwardQuery::default() };
    assert_eq!(ana.export_forwards(&only).await.unwrap().forwards, std::slice::from_ref(&pharos));
    let after = ForwardQuery { from: Some(pharos.forwarded_at + 1), ..ForwardQuery::default() };
    assert!(ana.export_forwards(&after).await.unwrap().forwards.is_empty());
    let (csv, next) = ana.export_forwards_csv(&ForwardQuery::default()).await.unwrap();
    assert_eq!(next, None);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,authority,reference,forwarded_at,case_id,list,category,urls,recorded_at,recorded_by,note")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(&format!("{},INHOPE (ICCAM),ICCAM-4711,", iccam.id)), "{row}");
    assert!(row.contains(&format!(",{case},minors,minor,https://b.example/2,")) && row.contains(&ana_id), "{row}");
    assert!(lines.next().unwrap().starts_with(&format!("{},PHAROS,PH-2026-0042,", pharos.id)));

    // Audited, by the analyst, without the reference.
    let audit = app.admin.read_audit(None, Some(1000)).await.unwrap();
    let recorded: Vec<_> =
        audit.records.iter().filter(|r| r.entry.action.to_string() == "forward_recorded").map(|r| &r.entry).collect();
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|e| e.actor.key_id.as_deref() == Some(ana_id.as_str())));
    assert_eq!(recorded[0].target, format!("forward:{}", iccam.id));
    assert_eq!(recorded[0].details.get("authority").map(String::as_str), Some("inhope"));
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains("ICCAM-4711") && !text.contains("b.example/2"), "the reference stays out of the log");
}

#[tokio::test]
async fn forwards_are_checked_and_seen_only_by_analysts_of_the_cases_list() {
    let app = spawn_app().await;
    app.admin.create_list(&CreateListRequest { name: "other".into() }).await.unwrap();
    let (ana, _) = analyst(&app, "ana", &["ncii"]).await;
    let (elsewhere, _) = analyst(&app, "eve", &["other"]).await;
    let adult = app.client.create_case(&simple_case(unique_pdq())).await.unwrap().case_id;

    let refused = ana.record_forward(&adult, &forward(Authority::Inhope, "ICCAM-1", vec![])).await.unwrap_err();
    assert_eq!(status(refused), 400, "ICCAM takes child sexual abuse material only");
    let no_url = ana.record_forward(&adult, &forward(Authority::Pharos, "PH-1", vec![0])).await.unwrap_err();
    assert_eq!(status(no_url), 400, "the case has no URL 0");
    let blank = ana.record_forward(&adult, &forward(Authority::Pharos, " ", vec![])).await.unwrap_err();
    assert_eq!(status(blank), 400);
    let future = ForwardRequest {
        at: Some(disrupt_hotline::time::now_ms() + 86_400_000),
        ..forward(Authority::Ncmec, "T-1", vec![])
    };
    assert_eq!(status(ana.record_forward(&adult, &future).await.unwrap_err()), 400);
    let gone = ana.record_forward("nosuchcase", &forward(Authority::Pharos, "PH-1", vec![])).await.unwrap_err();
    assert_eq!(status(gone), 404);

    let recorded = ana.record_forward(&adult, &forward(Authority::Ncmec, "CT-991", vec![])).await.unwrap();
    assert_eq!(
        status(elsewhere.record_forward(&adult, &forward(Authority::Pharos, "PH-2", vec![])).await.unwrap_err()),
        404
    );
    assert_eq!(status(elsewhere.case_forwards(&adult).await.unwrap_err()), 404);
    assert!(elsewhere.export_forwards(&ForwardQuery::default()).await.unwrap().forwards.is_empty());
    assert_eq!(ana.case_forwards(&adult).await.unwrap().forwards, std::slice::from_ref(&recorded));
    assert_eq!(app.admin.export_forwards(&ForwardQuery::default()).await.unwrap().forwards, [recorded]);
    let view = ana.analyst_case(&adult).await.unwrap();
    assert!(!view.forward_required, "only a minor's case waits for a forward");
}
