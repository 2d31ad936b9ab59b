//! Every route of the OpenAPI document, called with every role: the answers follow one table, and no route answers
//! a server error to a malformed request.

use crate::helpers::spawn_app;

/// Who may call each route that needs a key. A route of the document missing here fails the test.
const ALLOWED: &[(&str, &str, &[&str])] = &[
    ("get", "/v1/hashes", &["platform", "analyst", "admin"]),
    ("get", "/v1/hashes/snapshot", &["platform", "analyst", "admin"]),
    ("post", "/v1/match", &["platform", "analyst", "admin"]),
    ("post", "/v1/match/upload", &["platform", "analyst", "admin"]),
    ("post", "/v1/feedback", &["platform", "analyst", "admin"]),
    ("get", "/v1/FetchHashes", &["platform", "analyst", "admin"]),
    ("post", "/v1/SubmitFeedback", &["platform", "analyst", "admin"]),
    ("get", "/v1/notices", &["platform", "analyst", "admin"]),
    ("get", "/v1/notices/{id}", &["platform", "analyst", "admin"]),
    ("post", "/v1/notices/{id}/send", &["analyst", "admin"]),
    ("post", "/v1/notices/{id}/acknowledge", &["platform"]),
    ("post", "/v1/notices/{id}/decision", &["platform"]),
    ("post", "/v1/notices/{id}/outcome", &["analyst", "admin"]),
    ("get", "/v1/hosts", &["analyst", "admin"]),
    ("get", "/v1/hosts/{host}", &["analyst", "admin"]),
    ("put", "/v1/hosts/{host}", &["analyst", "admin"]),
    ("delete", "/v1/hosts/{host}", &["admin"]),
    ("get", "/v1/review/queue", &["analyst", "admin"]),
    ("post", "/v1/review/entries/verify", &["analyst", "admin"]),
    ("post", "/v1/review/entries/reject", &["analyst", "admin"]),
    ("post", "/v1/review/entries/quarantine", &["analyst", "admin"]),
    ("get", "/v1/review/cases/{id}", &["analyst", "admin"]),
    ("post", "/v1/review/cases/{id}/reject", &["analyst", "admin"]),
    ("post", "/v1/review/cases/{id}/urls", &["analyst", "admin"]),
    ("post", "/v1/review/cases/{id}/forwards", &["analyst", "admin"]),
    ("get", "/v1/review/cases/{id}/forwards", &["analyst", "admin"]),
    ("get", "/v1/forwards", &["analyst", "admin"]),
    ("get", "/v1/forwards/csv", &["analyst", "admin"]),
    // Only keys created with `contact_access`, which none of these has.
    ("get", "/v1/review/cases/{id}/contact", &[]),
    ("post", "/v1/admin/keys", &["admin"]),
    ("get", "/v1/admin/keys", &["admin"]),
    ("delete", "/v1/admin/keys/{id}", &["admin"]),
    ("post", "/v1/admin/lists", &["admin"]),
    ("get", "/v1/admin/lists", &["admin"]),
    ("get", "/v1/admin/audit", &["admin"]),
    ("get", "/v1/admin/audit/export", &["admin"]),
    ("get", "/v1/admin/audit/verify", &["admin"]),
    ("get", "/v1/admin/reports/trusted-flagger", &["admin"]),
    ("get", "/v1/me", &["platform", "analyst", "admin"]),
];

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let app = spawn_app().await;
    let keys = app.key_for_every_role().await;
    let http = reqwest::Client::new();
    let doc: serde_json::Value =
        http.get(format!("{}/openapi.json", app.base_url)).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op.get("security").and_then(|s| s.as_array()).is_some_and(|s| !s.is_empty());
            let allowed = ALLOWED.iter().find(|(m, p, _)| m == method && p == path).map(|(_, _, roles)| *roles);
            assert_eq!(secured, allowed.is_some(), "{method} {path}: the table and the document disagree");
            seen.insert((method.clone(), path.clone()));
            let url = format!("{}{}", app.base_url, path.replace("{id}", "x").replace("{host}", "example.com"));
            for (role, key) in &keys {
                let mut request = http.request(method.to_uppercase().parse().unwrap(), &url);
                if let Some(key) = key {
                    request = request.bearer_auth(key);
                }
                if op.get("requestBody").is_some() {
                    request = request.json(&serde_json::json!({}));
                }
                let status = request.send().await.unwrap().status().as_u16();
                assert!(status < 500, "{role} {method} {path}: {status}");
                match allowed {
                    None => assert_ne!(status, 403, "{role} {method} {path}: open route refused"),
                    Some(_) if key.is_none() => assert_eq!(status, 401, "anonymous {method} {path}"),
                    Some(roles) if roles.contains(role) => {
                        assert!(status != 401 && status != 403, "{role} {method} {path}: refused ({status})")
                    }
                    Some(_) => assert_eq!(status, 403, "{role} {method} {path}"),
                }
                checked += 1;
            }
        }
    }
    for (method, path, _) in ALLOWED {
        assert!(seen.contains(&((*method).to_owned(), (*path).to_owned())), "{method} {path} is not in the document");
    }
    assert_eq!(checked, 4 * seen.len());
}
