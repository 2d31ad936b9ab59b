use disrupt_openapi::admin::{CreateApiKeyRequest, CreateListRequest};
use disrupt_openapi::model::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_platform_key_cannot_read_a_list_it_is_not_scoped_to_or_call_admin_routes() {
    let app = spawn_app().await;
    app.admin.create_list(&CreateListRequest { name: "csam".into() }).await.unwrap();
    let lists = app.admin.list_lists().await.unwrap();
    assert!(lists.lists.contains(&"csam".to_owned()));
    let platform = app.platform("p", &["ncii"]).await;
    let err = platform.get_hashes(Some("csam"), None, None).await.unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    let err = platform.get_snapshot(Some("csam")).await.unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    let err = platform.list_api_keys().await.unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    let err = platform
        .create_api_key(&CreateApiKeyRequest {
            name: "escalate".into(),
            role: Role::Admin,
            lists: vec![],
            hosts: vec![],
            contact_access: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    assert!(platform.get_hashes(Some("ncii"), None, None).await.is_ok());
    let anonymous = app.client.get_hashes(None, None, None).await.unwrap_err();
    assert_eq!(anonymous.code(), Some("unauthorized"));
}

#[tokio::test]
async fn a_revoked_key_stops_working_and_keys_are_listed_without_secrets() {
    let app = spawn_app().await;
    let created = app
        .admin
        .create_api_key(&CreateApiKeyRequest {
            name: "soon revoked".into(),
            role: Role::Platform,
            lists: vec!["ncii".into()],
            hosts: vec![],
            contact_access: false,
        })
        .await
        .unwrap();
    let platform = app.client.with_api_key(&created.key);
    assert!(platform.get_hashes(None, None, None).await.is_ok());
    let listed = app.admin.list_api_keys().await.unwrap();
    let listed_json = serde_json::to_string(&listed).unwrap();
    // `dk_<id>_<secret>`: the id is hex, the base64url secret may itself hold `_`.
    let secret = created.key.splitn(3, '_').nth(2).unwrap();
    assert!(!listed_json.contains(secret));
    let revoked = app.admin.revoke_api_key(&created.info.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let err = platform.get_hashes(None, None, None).await.unwrap_err();
    assert_eq!(err.code(), Some("unauthorized"));
}

#[tokio::test]
async fn the_openapi_document_and_the_docs_are_served() {
    let app = spawn_app().await;
    let spec: serde_json::Value =
        reqwest::get(format!("{}/openapi.json", app.base_url)).await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/v1/match"]["post"].is_object());
    let docs = reqwest::get(format!("{}/docs/", app.base_url)).await.unwrap();
    assert!(docs.status().is_success());
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_by_route_pattern_and_never_name_a_case() {
    let app = crate::helpers::spawn_app().await;
    let (case_id, secret) = app.case(vec![crate::helpers::unique_pdq()]).await;
    app.client.get_case(&case_id, &secret).await.unwrap();
    let public = reqwest::get(format!("{}/metrics", app.base_url)).await.unwrap();
    assert_eq!(public.status(), 404, "the API's address serves no metrics");
    let metrics = reqwest::get(format!("{}/metrics", app.metrics_url.as_deref().unwrap())).await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("disrupt_http_requests_total"), "{text}");
    assert!(text.contains("/v1/cases/{id}"), "{text}");
    assert!(!text.contains(&case_id), "a case id became a metrics label");
}

#[tokio::test]
async fn an_empty_metrics_address_serves_no_metrics_anywhere() {
    let app = crate::helpers::spawn_app_with(&[("DISRUPT_METRICS_ADDRESS", "")]).await;
    assert_eq!(app.metrics_url, None);
    let public = reqwest::get(format!("{}/metrics", app.base_url)).await.unwrap();
    assert_eq!(public.status(), 404);
}
