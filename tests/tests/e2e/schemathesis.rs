//! API fuzzing with schemathesis (PyPI) against the running server's own `/openapi.json`: every operation, with a
//! key of each role and anonymously, bounded in time. No answer may be a server error, and every answer must
//! conform to the document (status codes, content types, body schemas).
//!
//! The long run: `DISRUPT_SCHEMATHESIS_SECONDS=600 cargo test -p disrupt-tests --test e2e schemathesis`.

use std::process::Command;

use crate::helpers::{LIFTED_BUDGETS, python_venv, spawn_app_with};

/// Pinned, so a new release cannot turn the test red on its own.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    // Generated requests come fast from one client: lift the anonymous routes' budgets so they are tested, not
    // just rate-limited.
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let seconds: u64 = std::env::var("DISRUPT_SCHEMATHESIS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let venv =
        tokio::task::spawn_blocking(|| python_venv("schemathesis", SCHEMATHESIS, "import schemathesis")).await.unwrap();
    let keys = app.key_for_every_role().await;
    let mut failed = Vec::new();
    for (role, key) in keys {
        let mut st = Command::new(venv.join("bin/st"));
        st.arg("run")
            .arg(format!("{}/openapi.json", app.base_url))
            .args(["--url", &app.base_url])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            // One worker: with two, CPython 3.11's `ast.parse` races in Hypothesis's lambda descriptions
            // ("AST constructor recursion depth mismatch"), a runtime error of the tool, not a finding.
            .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "25", "--workers", "1"])
            .args(["--max-time", &seconds.to_string(), "--seed", "20261129", "--no-color"])
            // The machine is shared with the rest of the suite: slowness is not what this test is about.
            .args(["--request-timeout", "30", "--request-retries", "2", "--suppress-health-check", "all"]);
        // The admin must not revoke the keys the other runs use, nor its own.
        st.args(["--exclude-path", "/v1/admin/keys/{id}"]);
        if let Some(key) = &key {
            st.args(["-H", &format!("Authorization: Bearer {key}")]);
        }
        let output = tokio::task::spawn_blocking(move || st.output()).await.unwrap().expect("run schemathesis");
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            // The failures and errors sections, then the summary (warnings are advice, not findings).
            let report: Vec<&str> = stdout
                .lines()
                .skip_while(|l| !(l.contains("= FAILURES =") || l.contains("= ERRORS =")))
                .filter(|l| !l.trim().is_empty())
                .collect();
            let stderr = String::from_utf8_lossy(&output.stderr);
            failed.push(format!("as {role}:\n{}\n{stderr}", report.join("\n")));
        }
    }
    assert!(failed.is_empty(), "schemathesis failed\n{}", failed.join("\n\n"));
}

/// Pinned like schemathesis.
const OPENAPI_PYTHON_CLIENT: &str = "openapi-python-client==0.29.1";

/// A client generated from the committed document with `openapi-python-client` has a function for every
/// operation, the multipart uploads included (the generator leaves out an operation whose body has no schema).
#[tokio::test]
async fn a_generated_python_client_has_every_operation_including_the_uploads() {
    let venv = tokio::task::spawn_blocking(|| {
        python_venv("openapi-python-client", OPENAPI_PYTHON_CLIENT, "import openapi_python_client")
    })
    .await
    .unwrap();
    let document = format!("{}/../openapi/openapi.json", env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let generated = Command::new(venv.join("bin/openapi-python-client"))
        .args(["generate", "--meta", "none", "--path", &document, "--output-path"])
        .arg(out.path().join("client"))
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let mut modules = std::collections::BTreeSet::new();
    for group in std::fs::read_dir(out.path().join("client/api")).unwrap() {
        let group = group.unwrap().path();
        if group.is_dir() {
            for file in std::fs::read_dir(group).unwrap() {
                let name = file.unwrap().file_name().to_string_lossy().into_owned();
                modules.insert(name.trim_end_matches(".py").to_owned());
            }
        }
    }
    let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&document).unwrap()).unwrap();
    let mut missing = Vec::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            if !modules.contains(id) {
                missing.push(format!("{method} {path} ({id})"));
            }
        }
    }
    assert!(missing.is_empty(), "left out of the generated client: {missing:?}");
}
