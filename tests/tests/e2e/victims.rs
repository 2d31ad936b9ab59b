use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::{CaseState, Category, EntryState};

use crate::helpers::{LIFTED_BUDGETS, simple_case, spawn_app, spawn_app_with, unique_md5, unique_pdq};

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
