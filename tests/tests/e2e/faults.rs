//! Faults of the store under the API: Redis paused, killed (and restarted by the supervisor) under load, and full.
//! The API answers 503 `store_unavailable` while Redis is away, recovers by itself, and loses no submission or
//! withdrawal it acknowledged.

use std::time::{Duration, Instant};

use disrupt_client::ClientError;

use crate::helpers::{LIFTED_BUDGETS, TestApp, spawn_app_with, unique_pdq};

async fn redis(app: &TestApp) -> redis::aio::MultiplexedConnection {
    redis::Client::open(app.redis_url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap()
}

async fn redis_pid(app: &TestApp) -> u32 {
    let info: String = redis::cmd("INFO").arg("server").query_async(&mut redis(app).await).await.unwrap();
    info.lines().find_map(|l| l.strip_prefix("process_id:")).unwrap().trim().parse().unwrap()
}

fn signal(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success(), "kill -{sig} {pid}");
}

fn code(result: &Result<impl std::fmt::Debug, ClientError>) -> Option<String> {
    result.as_ref().err().map(|e| e.code().unwrap_or("no code").to_owned())
}

async fn wait_ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = reqwest::get(format!("{}/readyz", app.base_url)).await.is_ok_and(|r| r.status().is_success());
        if ready {
            return;
        }
        assert!(Instant::now() < deadline, "the server never became ready again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_gives_503_store_unavailable_and_the_api_recovers_when_it_resumes() {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let pid = redis_pid(&app).await;
    signal(pid, "STOP");
    let during = app.client.create_case(&crate::helpers::simple_case(unique_pdq())).await;
    let ready = reqwest::get(format!("{}/readyz", app.base_url)).await.unwrap().status().as_u16();
    signal(pid, "CONT");
    assert_eq!(code(&during).as_deref(), Some("store_unavailable"), "{during:?}");
    assert_eq!(ready, 503);
    wait_ready(&app).await;
    let (case_id, secret) = app.case(vec![unique_pdq()]).await;
    app.client.get_case(&case_id, &secret).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_redis_under_load_loses_no_acknowledged_submission_or_withdrawal() {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let pid = redis_pid(&app).await;
    let client = app.client.clone();
    let load = tokio::spawn(async move {
        let (mut created, mut withdrawn, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        // Withdrawals that got no answer may or may not have happened; acknowledged ones must have.
        let mut unanswered = Vec::new();
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            let result = client.create_case(&crate::helpers::simple_case(unique_pdq())).await;
            match result {
                Ok(case) => {
                    if created.len() % 3 == 0 {
                        match client.withdraw_case(&case.case_id, &case.case_secret).await {
                            Ok(_) => withdrawn.push(case.case_id.clone()),
                            Err(e) => {
                                errors.push(e.code().unwrap_or("no code").to_owned());
                                unanswered.push(case.case_id.clone());
                            }
                        }
                    }
                    created.push((case.case_id, case.case_secret, Instant::now()));
                }
                Err(e) => {
                    errors.push(e.code().unwrap_or("no code").to_owned());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        (created, withdrawn, errors, unanswered)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    signal(pid, "KILL");
    let killed_at = Instant::now();
    let (created, withdrawn, errors, unanswered) = load.await.unwrap();
    wait_ready(&app).await;
    assert_ne!(redis_pid(&app).await, pid, "the supervisor restarted redis-server");
    // The load ran across the kill. Whether a request failed depends on the moment: the supervisor restarts
    // redis-server within the client's reconnect retries, so the outage may cost no request an error at all.
    assert!(created.iter().any(|c| c.2 < killed_at) && created.iter().any(|c| c.2 > killed_at), "load across the kill");
    assert!(
        errors.iter().all(|c| c == "store_unavailable"),
        "only 503 store_unavailable while redis was away: {errors:?}"
    );
    assert!(created.len() > 10, "{} cases", created.len());
    for (case_id, secret, _) in &created {
        let status = app.client.get_case(case_id, secret).await.unwrap();
        let state = serde_json::to_value(status.state).unwrap();
        if withdrawn.contains(case_id) {
            assert_eq!(state, "withdrawn", "an acknowledged withdrawal of {case_id} was lost");
        } else if !unanswered.contains(case_id) {
            assert_eq!(state, "active", "{case_id} was never withdrawn");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_redis_refuses_writes_with_503_and_corrupts_nothing() {
    let app = spawn_app_with(&LIFTED_BUDGETS).await;
    let mut conn = redis(&app).await;
    let used: String = redis::cmd("INFO").arg("memory").query_async(&mut conn).await.unwrap();
    let used: u64 = used.lines().find_map(|l| l.strip_prefix("used_memory:")).unwrap().trim().parse().unwrap();
    let _: () =
        redis::cmd("CONFIG").arg("SET").arg("maxmemory-policy").arg("noeviction").query_async(&mut conn).await.unwrap();
    let _: () =
        redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(used + 64 * 1024).query_async(&mut conn).await.unwrap();
    let mut acknowledged = Vec::new();
    let mut refused = None;
    for _ in 0..2000 {
        let hashes = (0..20).map(|_| unique_pdq()).collect();
        match app.client.create_case(&crate::helpers::simple_case_of(hashes)).await {
            Ok(case) => acknowledged.push((case.case_id, case.case_secret)),
            Err(e) => {
                refused = Some(e.code().unwrap_or("no code").to_owned());
                break;
            }
        }
    }
    assert_eq!(refused.as_deref(), Some("store_unavailable"), "after {} cases", acknowledged.len());
    let _: () = redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg(0).query_async(&mut conn).await.unwrap();
    for (case_id, secret) in &acknowledged {
        let status = app.client.get_case(case_id, secret).await.unwrap();
        assert_eq!(status.hashes.len(), 20, "every acknowledged case is whole");
    }
    app.case(vec![unique_pdq()]).await;
}
