//! MCP connections with real servers over stdio, offered by the operator's
//! FLIGHTDECK_MCP_CONFIG file and enabled by name: `@modelcontextprotocol/server-everything` from
//! npm connects and lists its tools while a server that never answers and two that fail are
//! isolated, retried and reported ("1 of 4 connected"); a restart is not held up by any of them;
//! a change made on one instance reaches another; and connecting in parallel takes one server's
//! time, not the sum.

use crate::helpers::{Stack, TestApp};
use crate::sync::account;
use flightdeck::mcp::connect::connect_all;
use flightdeck::mcp::operator::Command;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

/// The operator's entry for a node script of this repository.
fn node(script: &str, args: &[&str]) -> Value {
    let mut all = vec![format!("{}/{script}", root())];
    all.extend(args.iter().map(|arg| arg.to_string()));
    json!({ "command": "node", "args": all })
}

/// The operator's `mcpServers` file with these entries, in a folder kept as long as the result.
pub fn operator_file(entries: &[(&str, Value)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.json");
    let servers: serde_json::Map<String, Value> = entries
        .iter()
        .map(|(name, entry)| (name.to_string(), entry.clone()))
        .collect();
    std::fs::write(&path, json!({ "mcpServers": servers }).to_string()).unwrap();
    (dir, path.display().to_string())
}

/// What enables the operator's server `name` in a workspace.
fn offered(name: &str) -> Value {
    json!({ "kind": "operator", "server": name })
}

async fn overview(app: &TestApp, cookie: &str) -> Value {
    Client::new()
        .get(app.url("/api/mcp/servers"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn server<'a>(overview: &'a Value, name: &str) -> &'a Value {
    overview["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|server| server["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {overview}"))
}

/// Polls until `done` holds for the overview, or panics after `limit`.
async fn wait_for(
    app: &TestApp,
    cookie: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let now = overview(app, cookie).await;
        if done(&now) {
            return now;
        }
        assert!(
            started.elapsed() < limit,
            "not reached within {limit:?}: {now:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn server_everything_connects_while_hanging_and_failing_servers_are_isolated() {
    let stack = Stack::embedded();
    let everything = node(
        "node_modules/@modelcontextprotocol/server-everything/dist/index.js",
        &["stdio"],
    );
    let (_dir, file) = operator_file(&[
        ("everything", everything),
        ("hangs", node("tests/fixtures/mcp/hang.mjs", &[])),
        ("missing", json!({ "command": "/nonexistent/mcp-server" })),
        (
            "exits",
            json!({ "command": "node", "args": ["-e", "console.error('no config given'); process.exit(3)"] }),
        ),
    ]);
    // The name-conflict check below uses a loopback URL, which the egress policy refuses unless
    // allowed.
    let env = [
        ("MCP_CONNECT_TIMEOUT_SECS", "2"),
        ("MCP_RETRY_BASE_MS", "300"),
        ("FLIGHTDECK_MCP_CONFIG", file.as_str()),
        ("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.0/8"),
    ];
    let app = stack.spawn(&env);
    let cookie = account(&app, "mcp@example.com").await;
    let http = Client::new();
    let add = |body: Value| {
        let request = http
            .post(app.url("/api/mcp/servers"))
            .header("cookie", &cookie)
            .json(&body);
        async move {
            let answer = request.send().await.unwrap();
            (answer.status(), answer.json::<Value>().await.unwrap())
        }
    };
    let offered_list: Vec<Value> = http
        .get(app.url("/api/mcp/offered"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(offered_list.len(), 4, "{offered_list:?}");
    for name in ["everything", "hangs", "missing", "exits"] {
        let (status, body) = add(json!({ "name": name, "transport": offered(name) })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) =
        add(json!({ "name": "bad", "transport": { "kind": "http", "url": "ftp://x" } })).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("transport.url"))
    );
    let (status, body) = add(json!({ "name": "other", "transport": offered("nope") })).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("transport.server"))
    );
    let (status, _) = add(json!({ "name": "everything", "transport": { "kind": "http", "url": "http://127.0.0.1:1/mcp" } })).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let settled = wait_for(&app, &cookie, Duration::from_secs(40), |now| {
        server(now, "everything")["state"] == "connected"
            && server(now, "hangs")["state"] == "failed"
            && server(now, "missing")["attempts"].as_u64() >= Some(2)
            && server(now, "exits")["state"] == "failed"
    })
    .await;
    let tools: Vec<&str> = server(&settled, "everything")["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert!(
        tools.contains(&"echo"),
        "server-everything's tools: {tools:?}"
    );
    assert!(
        server(&settled, "hangs")["lastError"]
            .as_str()
            .unwrap()
            .contains("no answer within 2000 ms"),
        "{settled:#}"
    );
    assert!(
        server(&settled, "missing")["lastError"]
            .as_str()
            .unwrap()
            .contains("cannot start"),
        "{settled:#}"
    );
    assert!(server(&settled, "missing")["nextRetryAt"]
        .as_i64()
        .is_some());
    assert!(
        server(&settled, "exits")["lastError"]
            .as_str()
            .unwrap()
            .ends_with("(stderr: no config given)"),
        "{settled:#}"
    );
    assert_eq!(settled["health"]["summary"], "1 of 4 connected");
    assert_eq!(settled["health"]["connected"], 1);

    // A restart connects them all again, in the background. With a minute's connect timeout the
    // hanging server is still on its first attempt when the server first answers: the start did
    // not wait for it.
    drop(app);
    let env = [
        ("MCP_CONNECT_TIMEOUT_SECS", "60"),
        ("MCP_RETRY_BASE_MS", "300"),
        ("FLIGHTDECK_MCP_CONFIG", file.as_str()),
    ];
    let app = stack.spawn(&env);
    let first = overview(&app, &cookie).await;
    assert_eq!(first["servers"].as_array().unwrap().len(), 4);
    let hangs = server(&first, "hangs");
    assert_eq!(
        (hangs["state"].as_str(), hangs["attempts"].as_u64()),
        (Some("connecting"), Some(0)),
        "{first:#}"
    );
    let again = wait_for(&app, &cookie, Duration::from_secs(40), |now| {
        server(now, "everything")["state"] == "connected"
    })
    .await;
    assert!(
        again["health"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("1 of 4"),
        "{again}"
    );

    // Removing a server drops its connection.
    let id = server(&again, "everything")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = http
        .delete(app.url(&format!("/api/mcp/servers/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::OK);
    let after = overview(&app, &cookie).await;
    assert_eq!(after["health"]["summary"], "0 of 3 connected");
    let unknown = http
        .delete(app.url("/api/mcp/servers/nope"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn servers_connect_in_parallel_in_one_servers_time() {
    let slow = |_| Command {
        command: "node".into(),
        args: vec![
            format!("{}/tests/fixtures/mcp/slow.mjs", root()),
            "500".into(),
        ],
        env: Default::default(),
    };
    let transports: Vec<Command> = (0..4).map(slow).collect();
    let timeout = Duration::from_secs(10);
    // Warm node's module cache so both runs start alike.
    connect_all(&transports[..1], timeout, true).await;

    let started = Instant::now();
    let parallel = connect_all(&transports, timeout, true).await;
    let parallel_took = started.elapsed();
    let started = Instant::now();
    let sequential = connect_all(&transports, timeout, false).await;
    let sequential_took = started.elapsed();

    for result in parallel.iter().chain(&sequential) {
        let tools = result.as_ref().expect("the slow fixture connects");
        assert_eq!(tools[0].name, "wait");
    }
    assert!(
        sequential_took >= Duration::from_millis(2000),
        "{sequential_took:?}"
    );
    assert!(
        parallel_took * 2 < sequential_took,
        "parallel {parallel_took:?} against sequential {sequential_took:?}"
    );
}

#[tokio::test]
async fn a_server_added_on_one_instance_is_connected_and_removed_on_another() {
    let stack = Stack::scaled().await;
    let (_dir, file) = operator_file(&[("slow", node("tests/fixtures/mcp/slow.mjs", &["50"]))]);
    let env = [
        ("MCP_CONNECT_TIMEOUT_SECS", "10"),
        ("MCP_RETRY_BASE_MS", "100"),
        ("FLIGHTDECK_MCP_CONFIG", file.as_str()),
    ];
    let one = stack.spawn(&env);
    let two = stack.spawn(&env);
    let cookie = account(&one, "mcp-instances@example.com").await;
    let http = Client::new();
    let added = http
        .post(one.url("/api/mcp/servers"))
        .header("cookie", &cookie)
        .json(&json!({ "name": "slow", "transport": offered("slow") }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let id = added.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let seen = wait_for(&two, &cookie, Duration::from_secs(20), |now| {
        server(now, "slow")["state"] == "connected"
    })
    .await;
    assert_eq!(server(&seen, "slow")["tools"][0]["name"], "wait");
    assert_eq!(seen["health"]["summary"], "1 of 1 connected");

    let removed = http
        .delete(one.url(&format!("/api/mcp/servers/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    let after = overview(&two, &cookie).await;
    assert_eq!(after["servers"], json!([]));
    assert_eq!(after["health"]["summary"], "no MCP servers configured");
}
