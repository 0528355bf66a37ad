//! The typed Python and TypeScript clients (clients/) against the real server: their committed
//! models are what scripts/clients.sh generates from this server's /api/v1/schema (no drift), and
//! pytest and node's test runner drive each client while this test plays the operator.

use crate::fleet::{call, register};
use crate::helpers::{direct, venv, Stack, TestApp};
use crate::sync::account;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use tokio::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The generated files, relative to the repository (and to the generator's out-dir).
const GENERATED: [&str; 2] = [
    "clients/python/src/flightdeck_client/models.py",
    "clients/typescript/src/types.ts",
];

/// Runs a command to its end; panics with its output unless it succeeded.
async fn run(mut command: Command, what: &str) -> Output {
    let output = tokio::time::timeout(Duration::from_secs(180), command.output())
        .await
        .unwrap_or_else(|_| panic!("{what} finished within 3 minutes"))
        .unwrap_or_else(|err| panic!("{what} runs: {err}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        printed(&output)
    );
    output
}

fn printed(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn the_committed_clients_are_generated_from_the_servers_schema() {
    let app = Stack::embedded().spawn(&[]);
    let schema = app.get("/api/v1/schema").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("schema.json");
    std::fs::write(&input, schema).unwrap();
    let out = dir.path().join("out");
    let mut generate = direct("bash");
    generate
        .current_dir(ROOT)
        .arg("scripts/clients.sh")
        .arg("generate")
        .arg(&input)
        .arg(&out);
    run(generate, "scripts/clients.sh generate").await;

    let mut drifted = Vec::new();
    for file in GENERATED {
        let (committed, fresh) = (Path::new(ROOT).join(file), out.join(file));
        if std::fs::read(&committed).ok() != Some(std::fs::read(&fresh).unwrap()) {
            let mut diff = direct("diff");
            diff.arg("-u").arg(&committed).arg(&fresh);
            let shown = diff.output().await.unwrap();
            drifted.push(format!(
                "{file}:\n{}",
                String::from_utf8_lossy(&shown.stdout)
            ));
        }
    }
    assert!(
        drifted.is_empty(),
        "the committed clients differ from what this server's schema generates; run \
         `curl -s http://127.0.0.1:8080/api/v1/schema > schema.json && scripts/clients.sh generate schema.json` \
         and commit the result:\n{}",
        drifted.join("\n")
    );
}

/// Decides every pending approval whose arguments say `decide: approve|reject`, with their
/// `comment`, as the operator would on the Approvals page, once each (kept in `decided`).
async fn decide_pending(app: &TestApp, cookie: &str, decided: &mut HashSet<String>) {
    let (status, pending) = call(
        app,
        ("cookie", cookie),
        "GET",
        "/api/approvals?status=pending",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pending}");
    for approval in pending.as_array().into_iter().flatten() {
        let id = approval["id"].as_str().unwrap_or_default().to_owned();
        let verdict = approval["arguments"]["decide"].as_str().unwrap_or_default();
        if !matches!(verdict, "approve" | "reject") || decided.contains(&id) {
            continue;
        }
        let comment = json!({ "comment": approval["arguments"]["comment"] });
        let path = format!("/api/approvals/{id}/{verdict}");
        let (status, answer) = call(app, ("cookie", cookie), "POST", &path, Some(comment)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        decided.insert(id);
    }
}

/// Runs a client's tests as the agent `agent` while deciding its approvals; returns what they
/// printed and how many approvals were decided.
async fn drive(app: &TestApp, mut tests: Command, agent: &str) -> (String, usize) {
    let cookie = account(app, &format!("operator-of-{agent}@example.com")).await;
    let token = register(app, &cookie, json!({ "name": agent, "role": "pulse" })).await;
    tests
        .env("FLIGHTDECK_URL", &app.base)
        .env("FLIGHTDECK_TOKEN", &token)
        .env("FLIGHTDECK_AGENT", agent)
        .env(
            "FLIGHTDECK_OPERATOR",
            format!("operator-of-{agent}@example.com"),
        );
    let running = tests
        .spawn()
        .expect("the client's test runner starts (pytest: scripts/bootstrap.sh --test)");
    let finished = tokio::time::timeout(Duration::from_secs(180), running.wait_with_output());
    tokio::pin!(finished);
    let mut decided = HashSet::new();
    let output = loop {
        tokio::select! {
            output = &mut finished => break output.expect("within 3 minutes").unwrap(),
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                decide_pending(app, &cookie, &mut decided).await;
            }
        }
    };
    let shown = printed(&output);
    assert!(output.status.success(), "{agent}'s tests failed:\n{shown}");

    // What the client reported reached the operators' fleet view.
    let (_, fleet) = call(app, ("cookie", &cookie), "GET", "/api/fleet", None).await;
    let mine: Vec<&Value> = fleet
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["agentName"] == agent)
        .collect();
    let find = |kind: &str, key: &str| {
        mine.iter()
            .find(|item| item["kind"] == kind && (key.is_empty() || item["key"] == key))
            .map(|item| item["data"].clone())
            .unwrap_or_else(|| panic!("no {kind} {key} from {agent} in {fleet}"))
    };
    assert_eq!(find("vitals", "")["vitals"]["cpuPercent"], 12.5);
    assert_eq!(find("vitals", "")["vitals"]["queueDepth"], 3);
    assert_eq!(
        find("tasks", &format!("{agent}-task-2"))["status"],
        "in_progress"
    );
    assert_eq!(
        find("projects", &format!("{agent}-project"))["progress"],
        70
    );
    assert_eq!(find("metrics", &format!("{agent}-latency"))["value"], 42.0);
    assert_eq!(
        find("alerts", &format!("{agent}-alert"))["severity"],
        "warning"
    );
    assert_eq!(find("activity", "")["text"], format!("{agent} reporting"));
    (shown, decided.len())
}

#[tokio::test]
async fn the_python_client_asks_waits_for_the_operator_and_reports() {
    let app = Stack::embedded().spawn(&[]);
    let mut pytest = direct(venv().join("bin/pytest"));
    pytest
        .current_dir(Path::new(ROOT).join("clients/python"))
        .args(["-v", "-p", "no:cacheprovider", "tests"])
        .env("PYTHONPATH", "src")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let (shown, decided) = drive(&app, pytest, "python-agent").await;
    assert!(shown.contains("6 passed"), "{shown}");
    // Approved, rejected, approved over the event stream; the undecided one withdrawn.
    assert_eq!(decided, 3, "{shown}");
}

#[tokio::test]
async fn the_typescript_client_asks_waits_for_the_operator_and_reports() {
    let app = Stack::embedded().spawn(&[]);
    let bin = Path::new(ROOT).join("node_modules/.bin");
    let mut check = direct(bin.join("tsc"));
    check
        .current_dir(ROOT)
        .args(["-p", "clients/typescript", "--noEmit"]);
    run(check, "tsc --noEmit").await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("client.test.mjs");
    let mut build = direct(bin.join("esbuild"));
    build
        .current_dir(ROOT)
        .arg("clients/typescript/test/client.test.ts")
        .args([
            "--bundle",
            "--platform=node",
            "--format=esm",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", bundle.display()));
    run(build, "esbuild of the client's tests").await;

    let mut node = direct("node");
    node.arg("--test").arg(&bundle);
    let (shown, decided) = drive(&app, node, "typescript-agent").await;
    assert!(
        shown.contains("# pass 6") && shown.contains("# fail 0"),
        "{shown}"
    );
    assert_eq!(decided, 3, "{shown}");
}
