//! Takedown notices a page at a time, each caller reading only its own index; notices of closed cases.

use std::collections::HashSet;

use disrupt_client::Client;
use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::Role;
use disrupt_openapi::notices::{Notice, NoticeState};
use disrupt_openapi::review::{RejectCaseRequest, RejectReason, ReviewUrlsRequest};

use crate::helpers::{TestApp, simple_case, unique_pdq};

/// A case reporting one URL on each of `hosts`; an analyst confirms them all: one draft notice per host.
async fn drafts_for(app: &TestApp, analyst: &Client, hosts: &[String]) -> (String, String, Vec<Notice>) {
    let created = app
        .client
        .create_case(&CreateCaseRequest {
            urls: hosts.iter().map(|h| format!("https://{h}/v/1")).collect(),
            ..simple_case(unique_pdq())
        })
        .await
        .unwrap();
    let all: Vec<usize> = (0..hosts.len()).collect();
    let reviewed = analyst
        .review_urls(
            &created.case_id,
            &ReviewUrlsRequest { confirm: all, dismiss: vec![], lang: None, ground: None, contacts: vec![] },
        )
        .await
        .unwrap();
    (created.case_id, created.case_secret, reviewed.notices)
}

/// Every page of `client`'s notices, `limit` at a time; checks that no page is larger.
async fn every_page(client: &Client, state: Option<NoticeState>, limit: usize) -> (Vec<Notice>, usize) {
    let (mut all, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let page = client.list_notices_page(state, cursor.as_deref(), Some(limit)).await.unwrap();
        assert!(page.notices.len() <= limit);
        pages += 1;
        all.extend(page.notices);
        if !page.has_more {
            assert!(page.next_cursor.is_none());
            return (all, pages);
        }
        cursor = page.next_cursor;
        assert!(pages < 100, "the pages never end");
    }
}

#[tokio::test]
async fn notices_come_a_page_at_a_time_and_each_caller_reads_only_its_own() {
    let app = crate::helpers::spawn_app().await;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let platform = app.key("host", Role::Platform, &["ncii"], &["example.com"]).await;
    let mut hosts: Vec<String> = (0..7).map(|i| format!("h{i}.example.com")).collect();
    hosts.push("example.com".into());
    hosts.extend(["example.net".to_owned(), "badexample.com".to_owned()]);
    let (_, _, drafts) = drafts_for(&app, &analyst, &hosts).await;
    assert_eq!(drafts.len(), 10);
    for n in &drafts {
        if n.host != "badexample.com" {
            analyst.send_notice(&n.id).await.unwrap();
        }
    }

    let (seen, pages) = every_page(&platform, None, 3).await;
    let expected: HashSet<&str> = drafts
        .iter()
        .filter(|n| n.host.ends_with("example.com") && n.host != "badexample.com")
        .map(|n| n.id.as_str())
        .collect();
    let seen_ids: Vec<&str> = seen.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(seen_ids.len(), 8, "{seen_ids:?}");
    assert_eq!(seen_ids.iter().copied().collect::<HashSet<_>>(), expected, "each notice once, none of another host");
    assert!(pages >= 3);
    assert!(seen.iter().all(|n| n.case_id.is_none()), "never the case id to a platform");
    assert!(seen.windows(2).all(|w| (w[0].created_at, &w[0].id) >= (w[1].created_at, &w[1].id)), "newest first");

    platform.acknowledge_notice(seen_ids[0]).await.unwrap();
    let (acknowledged, _) = every_page(&platform, Some(NoticeState::Acknowledged), 2).await;
    assert_eq!(acknowledged.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), [seen_ids[0]]);

    let (hotline, _) = every_page(&analyst, None, 4).await;
    assert_eq!(hotline.len(), 10, "analysts see their lists' notices, drafts included");
    let outsider = app.key("other", Role::Platform, &["ncii"], &["elsewhere.example"]).await;
    assert!(every_page(&outsider, None, 4).await.0.is_empty());
    let followed = app.admin.list_notices_up_to(None, None, Some(3)).await.unwrap();
    assert_eq!((followed.notices.len(), followed.has_more), (10, false), "the SDK follows every page");
    let first = app.admin.list_notices_up_to(None, Some(4), Some(3)).await.unwrap();
    assert_eq!((first.notices.len(), first.has_more), (4, true));
    assert_eq!(first.notices[..], hotline[..4], "the same order for every caller of the hotline");

    for (cursor, limit, code) in
        [(None, 0, "invalid_request"), (None, 501, "invalid_request"), (Some("x"), 1, "invalid_cursor")]
    {
        let refused = platform.list_notices_page(None, cursor, Some(limit)).await.unwrap_err();
        assert_eq!(refused.code(), Some(code), "{cursor:?} {limit}");
    }
}

#[tokio::test]
async fn no_notice_goes_out_for_a_withdrawn_or_rejected_case() {
    let app = crate::helpers::spawn_app().await;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let second = app.key("bob", Role::Analyst, &["ncii"], &[]).await;

    let (case_id, secret, drafts) = drafts_for(&app, &analyst, &["withdrawn.example".to_owned()]).await;
    app.client.withdraw_case(&case_id, &secret).await.unwrap();
    assert_eq!(analyst.send_notice(&drafts[0].id).await.unwrap_err().code(), Some("conflict"));

    let hosts = ["sent.example".to_owned(), "draft.example".to_owned()];
    let (case_id, _, drafts) = drafts_for(&app, &analyst, &hosts).await;
    let sent = drafts.iter().find(|n| n.host == "sent.example").unwrap();
    let draft = drafts.iter().find(|n| n.host == "draft.example").unwrap();
    analyst.send_notice(&sent.id).await.unwrap();
    let reject = RejectCaseRequest { reason: RejectReason::Abuse, note: None };
    analyst.reject_case(&case_id, &reject).await.unwrap();
    second.reject_case(&case_id, &reject).await.unwrap();
    assert_eq!(analyst.get_notice(&draft.id).await.unwrap_err().code(), Some("not_found"), "the draft is gone");
    assert_eq!(analyst.get_notice(&sent.id).await.unwrap().state, NoticeState::Sent, "what was sent stays on record");
    let listed: Vec<String> = analyst.list_notices(None).await.unwrap().notices.into_iter().map(|n| n.id).collect();
    assert!(!listed.contains(&draft.id) && listed.contains(&sent.id));
}
