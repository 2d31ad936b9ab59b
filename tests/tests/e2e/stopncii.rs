use std::path::PathBuf;

use disrupt_openapi::model::HashValue;
use disrupt_openapi::stopncii::{HashStatus, SignalType};

use crate::helpers::{hex_of, spawn_app, unique_md5, unique_pdq};

#[tokio::test]
async fn fetch_hashes_gives_active_hashes_and_withdrawn_ones_as_withdrawn_but_not_in_a_full_fetch() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let kept = unique_pdq();
    let gone = unique_pdq();
    let md5 = unique_md5();
    app.case(vec![kept.clone(), md5.clone()]).await;
    let (case_id, secret) = app.case(vec![gone.clone()]).await;
    let full = platform.fetch_hashes(None, None, None).await.unwrap();
    assert!(!full.has_more_records);
    let checkpoint = full.next_set_timestamp;
    let values: Vec<_> = full.hash_records.iter().map(|r| r.hash_value.clone()).collect();
    assert!(values.contains(&hex_of(&kept)) && values.contains(&hex_of(&gone)));
    let md5_record = full.hash_records.iter().find(|r| r.hash_value == hex_of(&md5)).unwrap();
    assert_eq!(md5_record.signal_type, SignalType::VideoMD5);
    assert!(!md5_record.case_numbers.contains_key(&case_id));

    app.client.withdraw_case(&case_id, &secret).await.unwrap();
    let delta = platform.fetch_hashes(Some(checkpoint), Some(800), None).await.unwrap();
    let withdrawn =
        delta.hash_records.iter().find(|r| r.hash_value == hex_of(&gone)).expect("the withdrawal is in the delta");
    assert_eq!(withdrawn.hash_status, HashStatus::Withdrawn);
    assert!(delta.next_set_timestamp >= checkpoint, "checkpoints never go backwards");

    let full = platform.fetch_hashes(None, None, None).await.unwrap();
    assert!(full.hash_records.iter().all(|r| r.hash_value != hex_of(&gone)));
    assert!(full.hash_records.iter().all(|r| r.hash_status == HashStatus::Active));
}

#[tokio::test]
async fn fetch_hashes_pages_with_next_page_token() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let start = platform.fetch_hashes(None, None, None).await.unwrap().next_set_timestamp;
    let mut created = Vec::new();
    for _ in 0..5 {
        let h = unique_pdq();
        app.case(vec![h.clone()]).await;
        created.push(hex_of(&h));
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = platform.fetch_hashes(Some(start), Some(2), token.as_deref()).await.unwrap();
        seen.extend(page.hash_records.iter().map(|r| r.hash_value.clone()));
        if !page.has_more_records {
            break;
        }
        token = page.next_page_token;
    }
    for h in &created {
        assert!(seen.contains(h), "{h} fetched");
    }
}

/// A full fetch lists hashes by value: neither the entry id (sequential within a case) nor one case's shared
/// timestamp may put a case's hashes side by side.
#[tokio::test]
async fn a_full_fetch_orders_hashes_by_value_not_by_case() {
    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let pdq = |first: char| HashValue::Pdq {
        hash: first.to_string().repeat(64).parse().unwrap(),
        quality: None,
        views: Vec::new(),
    };
    app.case(vec![pdq('f'), pdq('8'), pdq('c')]).await;
    app.case(vec![pdq('1'), pdq('e'), pdq('4')]).await;
    let full = platform.fetch_hashes(None, None, None).await.unwrap();
    let values: Vec<_> = full.hash_records.iter().map(|r| r.hash_value.clone()).collect();
    let mut sorted = values.clone();
    sorted.sort();
    assert_eq!(values.len(), 6);
    assert_eq!(values, sorted);
}

/// A venv with threatexchange 1.2.17 from PyPI, made on first use.
fn threatexchange_python() -> PathBuf {
    crate::helpers::python_venv(
        "threatexchange",
        "threatexchange==1.2.17",
        "import threatexchange.exchanges.clients.stopncii.api",
    )
    .join("bin/python")
}

#[tokio::test]
async fn the_threatexchange_client_fetches_every_active_hash_and_submits_feedback() {
    let app = spawn_app().await;
    let key = app.raw_key("threatexchange", disrupt_openapi::model::Role::Platform, &["ncii"], &[]).await;
    let active_pdq = unique_pdq();
    let active_md5 = unique_md5();
    let withdrawn_pdq = unique_pdq();
    let (case_id, secret) = app.case(vec![active_pdq.clone(), active_md5.clone()]).await;
    let (gone_id, gone_secret) = app.case(vec![withdrawn_pdq.clone()]).await;
    app.client.withdraw_case(&gone_id, &gone_secret).await.unwrap();
    // The feedback goes through the match index, which follows the store with a small lag.
    crate::helpers::eventually(|| async {
        let platform = app.client.with_api_key(&key);
        let request = disrupt_openapi::matching::MatchRequest {
            hashes: vec![active_pdq.clone()],
            lists: None,
            images: Vec::new(),
        };
        let r = platform.match_hashes(&request).await.unwrap();
        !r.results[0].matches.is_empty()
    })
    .await;

    let python = tokio::task::spawn_blocking(threatexchange_python).await.unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/threatexchange_check.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .arg(&app.base_url)
        .arg(&key)
        .arg(hex_of(&active_pdq))
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "threatexchange script failed: {}", String::from_utf8_lossy(&output.stderr));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let records = result["records"].as_array().unwrap();
    let has = |t: &str, v: &str| records.iter().any(|r| r[0] == t && r[1] == v && r[2] == "Active");
    assert!(has("ImagePDQ", &hex_of(&active_pdq)));
    assert!(has("VideoMD5", &hex_of(&active_md5)));
    assert!(records.iter().all(|r| r[1] != hex_of(&withdrawn_pdq).as_str()), "a withdrawn hash is not in a full fetch");
    let exchange_pdq = result["exchange"]["pdq"].as_array().unwrap();
    assert!(exchange_pdq.iter().any(|v| v == hex_of(&active_pdq).as_str()));

    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!(status.hashes[0].blocked, 1, "the feedback reached the case");
}

/// A platform that knows only StopNCII's API fetches an image's views as plain PDQ records, and may report what it
/// did with any of them: feedback by a view's hash value counts for its image, as feedback on its reference does.
#[tokio::test]
async fn feedback_by_a_views_hash_counts_for_its_image() {
    use disrupt_openapi::model::PdqView;
    use disrupt_openapi::stopncii::{CspFeedbackValue, HashFeedback, SubmitFeedbackRequest};

    let app = spawn_app().await;
    let platform = app.platform("p", &["ncii"]).await;
    let bytes = |value: &HashValue| -> [u8; 32] {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_of(value), &mut out).unwrap();
        out
    };
    let (left, right) = (bytes(&unique_pdq()), bytes(&unique_pdq()));
    let HashValue::Pdq { hash, quality, .. } = unique_pdq() else { unreachable!() };
    let views = vec![PdqView::new(&left, 90, [0, 0, 5_500, 5_500]), PdqView::new(&right, 90, [4_500, 0, 5_500, 5_500])];
    let (case_id, secret) = app.case(vec![HashValue::Pdq { hash, quality, views }]).await;
    let fetched = platform.fetch_hashes(None, None, None).await.unwrap();
    assert!(fetched.hash_records.iter().any(|r| r.hash_value == hex::encode(right)), "the view is fetched as a record");

    let feedback = SubmitFeedbackRequest {
        count: 1,
        hash_feedbacks: vec![HashFeedback {
            hash_value: hex::encode(right),
            feedback_value: CspFeedbackValue::Blocked,
            tags: Vec::new(),
        }],
    };
    // The feedback goes through the match index, which follows the store with a small lag; a feedback that finds
    // nothing records nothing, so asking again is safe.
    crate::helpers::eventually(|| async { platform.submit_stopncii_feedback(&feedback).await.unwrap().count == 1 })
        .await;
    let status = app.client.get_case(&case_id, &secret).await.unwrap();
    assert_eq!(status.hashes[0].blocked, 1, "the feedback on the view reached the image");
}
