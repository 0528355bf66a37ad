//! A property-based fuzzer against the agent API's OpenAPI document: schemathesis (from the
//! tests' Python environment) reads `/api/v1/openapi.json` of a real server on loopback and, for
//! a bounded time, sends what the document allows and what it does not, checking every answer
//! against it (status, content type, schema, headers) and that invalid input is refused and
//! valid input taken. The rate limits are raised for the run, and this test plays the operator:
//! it decides what the fuzzer asks for, so long-polls answer, runs can be reported and the event
//! stream has events. Settings and why: tests/server/openapi_fuzz.toml.

use crate::fleet::register;
use crate::helpers::{direct, on_both_stacks, venv, Stack, TestApp};
use crate::sync::account;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::Duration;

on_both_stacks!(the_openapi_document_holds_under_a_fuzzer);

const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/server/openapi_fuzz.toml"
);
/// The fuzzer's time budget on each stack, in seconds.
const BUDGET_SECS: u64 = 75;

/// Decides every pending approval of the workspace behind `cookie`, a quarter rejected and the
/// rest approved, a few times a second, until aborted.
async fn operate(app: &TestApp, cookie: &str) {
    let http = Client::new();
    let pending = app.url("/api/approvals?status=pending&limit=1000");
    loop {
        let listed = http.get(&pending).header("cookie", cookie).send().await;
        let approvals: Vec<Value> = match listed {
            Ok(answer) => answer.json().await.unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let ids: Vec<&str> = approvals.iter().filter_map(|a| a["id"].as_str()).collect();
        let (rejected, approved): (Vec<&str>, Vec<&str>) = ids
            .into_iter()
            .partition(|id| id.starts_with(['0', '1', '2', '3']));
        for (decision, ids) in [("reject", rejected), ("approve", approved)] {
            if !ids.is_empty() {
                let body = json!({ "ids": ids, "decision": decision, "comment": "the_openapi_document_holds_under_a_fuzzer operator" });
                let url = app.url("/api/approvals/bulk");
                let _ = http
                    .post(url)
                    .header("cookie", cookie)
                    .json(&body)
                    .send()
                    .await;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs the fuzzer against a server on `stack`; panics with its report unless it found nothing.
async fn the_openapi_document_holds_under_a_fuzzer(stack: Stack) {
    let app = stack.spawn(&[
        ("AGENT_RATE_LIMIT_PER_MINUTE", "1000000"),
        ("AGENT_RATE_LIMIT_BURST", "100000"),
        // Valid reports with new keys would otherwise fill the fleet cache (413) within seconds.
        ("FLIGHTDECK_MAX_FLEET_ITEMS", "1000000"),
    ]);
    let cookie = account(
        &app,
        "the_openapi_document_holds_under_a_fuzzer@example.com",
    )
    .await;
    let token = register(&app, &cookie, json!({ "name": "fuzzer", "role": "pulse" })).await;
    let work = tempfile::tempdir().unwrap();
    let mut schemathesis = direct(venv().join("bin/schemathesis"));
    schemathesis
        .current_dir(work.path())
        .env("FLIGHTDECK_FUZZ_TOKEN", &token)
        .args(["--config-file", CONFIG, "--no-color", "run"])
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--max-time", &BUDGET_SECS.to_string()]);
    let run = async {
        tokio::time::timeout(
            Duration::from_secs(BUDGET_SECS + 120),
            schemathesis.output(),
        )
        .await
    };
    let output = tokio::select! {
        output = run => output,
        () = operate(&app, &cookie) => unreachable!("the operator stops only when aborted"),
    };
    let output = output
        .unwrap_or_else(|_| panic!("schemathesis ended within {BUDGET_SECS} s and 2 minutes"))
        .unwrap_or_else(|err| {
            panic!("schemathesis runs (scripts/bootstrap.sh --test installs it): {err}")
        });
    let report = String::from_utf8_lossy(&output.stdout);
    let summary = report.find("SUMMARY").map_or(&*report, |at| &report[at..]);
    println!("schemathesis on {}:\n{summary}", stack.name);
    assert!(
        output.status.success(),
        "schemathesis found problems on {}:\n{report}\n{}\nserver log:\n{}",
        stack.name,
        String::from_utf8_lossy(&output.stderr),
        app.log()
    );
    // Every operation was reached: `Selected: 13/13` and `Tested: 13`.
    let count = |label: &str| {
        let at = report.find(label).map(|at| at + label.len());
        let rest = at.map_or("", |at| report[at..].trim_start());
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or("")
            .to_owned()
    };
    assert!(!count("Tested:").is_empty(), "{report}");
    assert_eq!(count("Tested:"), count("Selected:"), "{report}");
}
