use disrupt_openapi::admin::CreateApiKeyRequest;
use disrupt_openapi::audit::AuditAction;
use disrupt_openapi::cases::{CreateCaseRequest, Declarant, Declarations, UrlStatus};
use disrupt_openapi::model::{CaseState, Category, EntryState, Role};
use disrupt_openapi::notices::{NoticeDecisionRequest, PlatformDecision};
use disrupt_openapi::review::ReviewUrlsRequest;

use disrupt_hotline::receipt;

use crate::helpers::{LIFTED_BUDGETS, simple_case, simple_case_of, spawn_app, spawn_app_with, unique_md5, unique_pdq};

#[tokio::test]
async fn a_victim_creates_checks_and_withdraws_a_case() {
    let app = spawn_app().await;
    let hashes = vec![unique_pdq(), unique_md5()];
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            category: Category::SextortionThreat,
            hashes: hashes.clone(),
            urls: vec!["https://example.org/x".into()],
            contact: None,
            declarations: None,
        })
        .await
        .unwrap();
    assert_eq!(created.hashes, hashes);
    assert!(created.case_secret.len() >= 43, "256-bit secret");

    let status = app.client.get_case(&created.case_id, &created.case_secret).await.unwrap();
    assert_eq!(status.state, CaseState::Active);
    assert_eq!(status.category, Category::SextortionThreat);
    assert_eq!(status.hashes.len(), 2);
    assert!(status.hashes.iter().all(|h| h.state == EntryState::Pending));

    let withdrawn = app.client.withdraw_case(&created.case_id, &created.case_secret).await.unwrap();
    assert!(!withdrawn.already_withdrawn);
    let again = app.client.withdraw_case(&created.case_id, &created.case_secret).await.unwrap();
    assert!(again.already_withdrawn, "withdrawal is idempotent");

    let status = app.client.get_case(&created.case_id, &created.case_secret).await.unwrap();
    assert_eq!(status.state, CaseState::Withdrawn);
    assert!(status.withdrawn_at.is_some());
    assert!(status.hashes.iter().all(|h| h.state == EntryState::Withdrawn));
}

#[tokio::test]
async fn the_contact_is_sealed_at_rest_and_erased_on_withdrawal() {
    let app = spawn_app().await;
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            contact: Some("call-me-at-0612345678@example.org".into()),
            ..simple_case(unique_pdq())
        })
        .await
        .unwrap();
    let keyspace = crate::upload::redis_keyspace(&app.redis_url).await;
    let text = String::from_utf8_lossy(&keyspace);
    assert!(!text.contains("0612345678"), "the contact is never stored in clear");
    assert!(text.contains("v1:"), "it is stored sealed");
    app.client.withdraw_case(&created.case_id, &created.case_secret).await.unwrap();
    let case = app.store.get_case(&created.case_id).await.unwrap().unwrap();
    assert_eq!(case.case.contact, None, "erased on withdrawal");
    let after = crate::upload::redis_keyspace(&app.redis_url).await;
    assert!(!String::from_utf8_lossy(&after).contains("v1:"), "no sealed contact left either");
}

#[tokio::test]
async fn wrong_secrets_are_refused_and_repeated_failures_lock_the_case() {
    let app = spawn_app().await;
    let (case_id, secret) = app.case(vec![unique_pdq()]).await;
    let err = app.client.get_case(&case_id, "wrong").await.unwrap_err();
    assert_eq!(err.code(), Some("unauthorized"));
    let err = app.client.withdraw_case(&case_id, "wrong").await.unwrap_err();
    assert_eq!(err.code(), Some("unauthorized"));
    let mut locked = false;
    for _ in 0..20 {
        if let Err(e) = app.client.get_case(&case_id, "wrong").await
            && e.code() == Some("rate_limited")
        {
            locked = true;
            break;
        }
    }
    assert!(locked, "the case locks after repeated wrong secrets");
    // Locked even for the right secret until the window passes: brute force gains nothing.
    let err = app.client.get_case(&case_id, &secret).await.unwrap_err();
    assert_eq!(err.code(), Some("rate_limited"));
}

#[tokio::test]
async fn malformed_hashes_and_unknown_fields_are_refused_with_stable_codes() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/cases", app.base_url);
    let short_pdq = serde_json::json!({"category": "adult_ncii", "hashes": [{"kind": "pdq", "hash": "abc"}]});
    let unknown = serde_json::json!({"category": "adult_ncii", "hashes": [], "extra": 1});
    let empty = serde_json::json!({"category": "adult_ncii", "hashes": []});
    for (body, code) in [(short_pdq, "invalid_hash"), (unknown, "invalid_request"), (empty, "invalid_request")] {
        let response = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: disrupt_openapi::ErrorBody = response.json().await.unwrap();
        assert_eq!(error.code, code, "{body}");
    }
    let unknown_case = app.client.get_case("nosuchcase", "x").await.unwrap_err();
    assert_eq!(unknown_case.code(), Some("not_found"));
}

/// A video frame list of `n` distinct frames, as the JSON the victims' device sends.
fn video_of(n: usize, seed: u64) -> serde_json::Value {
    let frames: Vec<serde_json::Value> = (0..n as u64)
        .map(|i| {
            let pdq = format!("{:064x}", u128::from(seed * 1_000_003 + i) * 0x9e37_79b9_7f4a_7c15 + 1);
            serde_json::json!({"frame": i * 30, "timestamp": i as f64, "pdq": pdq, "quality": 90})
        })
        .collect();
    serde_json::json!({"kind": "video", "frames": frames})
}

#[tokio::test]
async fn video_frame_lists_beyond_the_caps_are_refused_with_413_too_many_frames() {
    let http = reqwest::Client::new();
    let post = |app_url: String, hashes: Vec<serde_json::Value>| {
        let http = http.clone();
        async move {
            let body = serde_json::json!({"category": "adult_ncii", "hashes": hashes});
            let response = http.post(format!("{app_url}/v1/cases")).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    // The default cap: 7,200 frames (1 fps over two hours) pass, one more does not.
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    assert_eq!(post(app.base_url.clone(), vec![video_of(7200, 1)]).await.0, 201);
    let (status, body) = post(app.base_url.clone(), vec![video_of(7201, 2)]).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("too_many_frames")), "{body}");

    // Configured caps, per video and per case.
    let limits = [("DISRUPT_CASE_LIMITS__FRAMES_PER_VIDEO", "5"), ("DISRUPT_CASE_LIMITS__FRAMES_PER_CASE", "8")];
    let app = spawn_app_with(&[&LIFTED_BUDGETS[..], &limits[..]].concat()).await;
    assert_eq!(post(app.base_url.clone(), vec![video_of(5, 3), video_of(3, 4)]).await.0, 201);
    for hashes in [vec![video_of(6, 5)], vec![video_of(5, 6), video_of(4, 7)]] {
        let (status, body) = post(app.base_url.clone(), hashes).await;
        assert_eq!((status, body["code"].as_str()), (413, Some("too_many_frames")), "{body}");
    }
}

/// All three declarations, made by the person themself.
fn all_declared() -> Declarations {
    Declarations { declarant: Declarant::DepictedPerson, depicts_person: true, intimate: true, no_consent: true }
}

#[tokio::test]
async fn a_minors_case_goes_on_the_minors_list_seen_only_by_keys_scoped_to_it() {
    let app = spawn_app().await;
    let minor = app
        .client
        .create_case(&CreateCaseRequest { category: Category::Minor, ..simple_case(unique_pdq()) })
        .await
        .unwrap();
    let adult = app.client.create_case(&simple_case(unique_pdq())).await.unwrap();
    let child_protection = app.key("child protection", Role::Analyst, &["minors"], &[]).await;
    let ordinary = app.key("ana", Role::Analyst, &["ncii"], &[]).await;

    assert_eq!(child_protection.analyst_case(&minor.case_id).await.unwrap().list, "minors");
    assert_eq!(ordinary.analyst_case(&minor.case_id).await.unwrap_err().code(), Some("not_found"));
    assert_eq!(ordinary.analyst_case(&adult.case_id).await.unwrap().list, "ncii");
    assert_eq!(child_protection.analyst_case(&adult.case_id).await.unwrap_err().code(), Some("not_found"));
    let status = app.client.get_case(&minor.case_id, &minor.case_secret).await.unwrap();
    assert_eq!(status.category, Category::Minor);
    let lists = app.admin.list_lists().await.unwrap().lists;
    assert!(lists.contains(&"minors".to_owned()) && lists.contains(&"ncii".to_owned()), "{lists:?}");
}

#[tokio::test]
async fn a_contact_opens_only_with_contact_access_each_opening_audited_never_after_withdrawal() {
    let app = spawn_app().await;
    let phone = "+33 6 12 34 56 78";
    let created = app
        .client
        .create_case(&CreateCaseRequest { contact: Some(phone.into()), ..simple_case(unique_pdq()) })
        .await
        .unwrap();
    let ordinary = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    assert_eq!(ordinary.open_contact(&created.case_id).await.unwrap_err().code(), Some("forbidden"));
    assert_eq!(app.admin.open_contact(&created.case_id).await.unwrap_err().code(), Some("forbidden"));
    let request = |role, lists: &[&str]| CreateApiKeyRequest {
        name: "caseworker".into(),
        role,
        lists: lists.iter().map(|l| (*l).to_owned()).collect(),
        hosts: vec![],
        contact_access: true,
    };
    let refused = app.admin.create_api_key(&request(Role::Platform, &["ncii"])).await.unwrap_err();
    assert_eq!(refused.code(), Some("invalid_request"), "platforms never open contacts");
    let made = app.admin.create_api_key(&request(Role::Analyst, &["ncii"])).await.unwrap();
    assert!(made.info.contact_access);
    let caseworker = app.client.with_api_key(&made.key);
    let other_list = app.admin.create_api_key(&request(Role::Analyst, &["minors"])).await.unwrap();
    let elsewhere = app.client.with_api_key(&other_list.key);
    assert_eq!(elsewhere.open_contact(&created.case_id).await.unwrap_err().code(), Some("not_found"));

    let opened = caseworker.open_contact(&created.case_id).await.unwrap();
    assert_eq!(opened.contact, phone);
    let status = app.client.get_case(&created.case_id, &created.case_secret).await.unwrap();
    assert!(status.has_contact);

    // Audited, once per opening, without the contact; never in lists, case views or exports.
    let audit = app.admin.read_audit(None, None).await.unwrap().records;
    let openings: Vec<_> = audit.iter().filter(|r| r.entry.action == AuditAction::ContactOpened).collect();
    assert_eq!(openings.len(), 1, "{audit:?}");
    assert_eq!(openings[0].entry.target, format!("case:{}", created.case_id));
    assert_eq!(openings[0].entry.actor.key_id.as_deref(), Some(made.info.id.as_str()));
    let views = [
        serde_json::to_string(&caseworker.analyst_case(&created.case_id).await.unwrap()).unwrap(),
        serde_json::to_string(&caseworker.review_queue(None, None, None).await.unwrap()).unwrap(),
        serde_json::to_string(&audit).unwrap(),
        app.admin.export_audit().await.unwrap(),
    ];
    for view in views {
        assert!(!view.contains("12 34 56"), "the contact appears only where it is opened: {view}");
    }

    app.client.withdraw_case(&created.case_id, &created.case_secret).await.unwrap();
    assert_eq!(caseworker.open_contact(&created.case_id).await.unwrap_err().code(), Some("not_found"));
    let status = app.client.get_case(&created.case_id, &created.case_secret).await.unwrap();
    assert!(!status.has_contact, "erased on withdrawal");
}

#[tokio::test]
async fn the_victims_status_shows_what_became_of_each_url_and_notices_state_good_faith_only_when_declared() {
    let app = spawn_app().await;
    let urls = ["https://www.video-host.example/v/1", "https://forum.example/t/2", "https://other.example/x"];
    let declared = app
        .client
        .create_case(&CreateCaseRequest {
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
            declarations: Some(Declarations { declarant: Declarant::Lawyer, ..all_declared() }),
            ..simple_case(unique_pdq())
        })
        .await
        .unwrap();
    let status = app.client.get_case(&declared.case_id, &declared.case_secret).await.unwrap();
    assert_eq!(status.declarations.map(|d| d.declarant), Some(Declarant::Lawyer));
    assert_eq!(status.urls.iter().map(|u| u.status).collect::<Vec<_>>(), [UrlStatus::UnderReview; 3]);
    assert_eq!(status.urls[0].host.as_deref(), Some("video-host.example"));

    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let platform = app.key("video host", Role::Platform, &["ncii"], &["video-host.example"]).await;
    let review = |confirm, dismiss| ReviewUrlsRequest { confirm, dismiss, lang: None, ground: None, contacts: vec![] };
    let reviewed = analyst.review_urls(&declared.case_id, &review(vec![0, 1], vec![2])).await.unwrap();
    for notice in &reviewed.notices {
        assert!(notice.body.contains("good faith") || notice.body.contains("bonne foi"), "{}", notice.body);
    }
    let status = app.client.get_case(&declared.case_id, &declared.case_secret).await.unwrap();
    let states: Vec<_> = status.urls.iter().map(|u| u.status).collect();
    assert_eq!(states, [UrlStatus::Confirmed, UrlStatus::Confirmed, UrlStatus::Dismissed]);
    assert!(status.urls.iter().all(|u| u.reviewed_at.is_some()));

    let notice = reviewed.notices.iter().find(|n| n.host == "video-host.example").unwrap();
    analyst.send_notice(&notice.id).await.unwrap();
    let status = app.client.get_case(&declared.case_id, &declared.case_secret).await.unwrap();
    assert_eq!(status.urls[0].status, UrlStatus::NoticeSent);
    assert!(status.urls[0].notice_sent_at.is_some());
    assert_eq!(status.urls[1].status, UrlStatus::Confirmed, "the other host's notice is still a draft");
    let removed = NoticeDecisionRequest { decision: PlatformDecision::Removed, reason: None };
    platform.decide_notice(&notice.id, &removed).await.unwrap();
    let status = app.client.get_case(&declared.case_id, &declared.case_secret).await.unwrap();
    assert_eq!(status.urls[0].status, UrlStatus::Removed);
    assert!(status.urls[0].decided_at.is_some());
    let text = serde_json::to_string(&status).unwrap();
    assert!(!text.contains("video host"), "no platform named beyond the host: {text}");

    // Without all three declarations, no notice claims good faith.
    for declarations in [None, Some(Declarations { no_consent: false, ..all_declared() })] {
        let undeclared = app
            .client
            .create_case(&CreateCaseRequest {
                urls: vec!["https://forum.example/t/3".into()],
                declarations,
                ..simple_case(unique_pdq())
            })
            .await
            .unwrap();
        let reviewed = analyst.review_urls(&undeclared.case_id, &review(vec![0], vec![])).await.unwrap();
        let body = &reviewed.notices[0].body;
        assert!(!body.contains("good faith") && !body.contains("bonne foi"), "{declarations:?}:\n{body}");
    }
}

#[tokio::test]
async fn a_signed_receipt_describes_the_case_without_media_and_verifies_only_unaltered() {
    let app = spawn_app().await;
    let hashes = vec![unique_pdq(), unique_md5(), unique_md5()];
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            urls: vec!["https://example.org/v/1".into()],
            contact: Some("victim@example.org".into()),
            ..simple_case_of(hashes.clone())
        })
        .await
        .unwrap();
    let receipt = app.client.get_receipt(&created.case_id, &created.case_secret).await.unwrap();
    let key = app.client.receipt_key().await.unwrap();
    assert_eq!((key.algorithm.as_str(), &key.public_key), ("ed25519", &receipt.public_key));
    let d = &receipt.document;
    assert_eq!((d.case_id.as_str(), d.hashes, d.urls.len()), (created.case_id.as_str(), 3, 1));
    assert_eq!(d.kinds, [("md5".to_string(), 2), ("pdq".to_string(), 1)].into());
    let text = serde_json::to_string(&receipt).unwrap();
    for secret in [crate::helpers::hex_of(&hashes[0]), crate::helpers::hex_of(&hashes[1]), "victim@".into()] {
        assert!(!text.contains(&secret), "no hash value or contact in a receipt: {text}");
    }
    assert_eq!(receipt::verify(&receipt, Some(&key.public_key)), Ok(()));
    let mut altered = receipt.clone();
    altered.document.hashes = 30;
    assert_eq!(receipt::verify(&altered, Some(&key.public_key)), Err(receipt::ReceiptError::BadSignature));
    let wrong = app.client.get_receipt(&created.case_id, "not-the-secret").await.unwrap_err();
    assert_eq!(wrong.code(), Some("unauthorized"));
}
