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
