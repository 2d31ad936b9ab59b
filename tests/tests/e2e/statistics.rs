//! Public statistics and the trusted-flagger report name no host, nor any label from victims' reports, that
//! fewer than `stats_minimum` sent notices stand behind.

use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::Role;
use disrupt_openapi::review::ReviewUrlsRequest;

use crate::helpers::{simple_case, spawn_app, unique_pdq};

const HOST: &str = "lonely-host.example";

#[tokio::test]
async fn one_confirmed_url_never_makes_its_host_appear_in_statistics() {
    let app = spawn_app().await;
    let created = app
        .client
        .create_case(&CreateCaseRequest { urls: vec![format!("https://{HOST}/v/1")], ..simple_case(unique_pdq()) })
        .await
        .unwrap();
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let reviewed = analyst
        .review_urls(
            &created.case_id,
            &ReviewUrlsRequest { confirm: vec![0], dismiss: vec![], lang: None, ground: None, contacts: vec![] },
        )
        .await
        .unwrap();
    let year = disrupt_hotline::time::year_of(reviewed.notices[0].created_at);
    let draft_report = app.admin.trusted_flagger_report(year).await.unwrap();
    assert!(!draft_report.contains(HOST), "a draft named: {draft_report}");
    analyst.send_notice(&reviewed.notices[0].id).await.unwrap();

    let stats = serde_json::to_string(&app.client.statistics().await.unwrap()).unwrap();
    assert!(!stats.contains(HOST), "one sent notice named its host: {stats}");
    let page = reqwest::get(format!("{}/stats", app.base_url)).await.unwrap().text().await.unwrap();
    assert!(!page.contains(HOST), "the statistics page names the host");
    let report = app.admin.trusted_flagger_report(year).await.unwrap();
    assert!(!report.contains(HOST), "the report names the host: {report}");
    assert!(report.contains(disrupt_hotline::stats::OTHER_HOSTS), "the notice is counted, unnamed: {report}");
}
