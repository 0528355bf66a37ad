//! The MCP gateway at `/mcp` with clients nobody here wrote (`rmcp`'s client; the MCP
//! Inspector's CLI in `gateway_inspector`) and `@modelcontextprotocol/server-everything`
//! upstream: listing, an allowed echo, a denied tool, an asked call that waits for an operator
//! who edits its arguments, a rejection's comment, a long-running tool's progress and outcome,
//! Claude Code's permission prompt, the policy's revisions and dry run, "always allow", and what
//! a stranger, a viewer and another workspace get.

use crate::helpers::{Stack, TestApp};
use crate::live::subscribe;
use crate::mcp::operator_file;
use crate::sync::{account, connect, next};
use reqwest::{Client, StatusCode};
use rmcp::model::{CallToolRequestParams, CallToolResult, ProgressNotificationParam};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An MCP client that counts the progress notifications and tool-list changes it hears.
#[derive(Clone, Default)]
pub struct Counting {
    pub progress: Arc<AtomicUsize>,
    pub list_changed: Arc<AtomicUsize>,
}

impl ClientHandler for Counting {
    async fn on_progress(
        &self,
        _params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.fetch_add(1, Ordering::SeqCst);
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed.fetch_add(1, Ordering::SeqCst);
    }
}

pub type McpSession = RunningService<RoleClient, Counting>;

/// An rmcp client on the gateway with an agent's token.
pub async fn mcp_client(app: &TestApp, token: &str) -> Result<McpSession, String> {
    let config = StreamableHttpClientTransportConfig::with_uri(app.url("/mcp"))
        .auth_header(token.to_owned());
    let transport = StreamableHttpClientTransport::from_config(config);
    Counting::default()
        .serve(transport)
        .await
        .map_err(|err| err.to_string())
}

/// A server whose operator offers server-everything, loopback allowed for HTTP checks.
pub fn spawn_with_everything(
    stack: &Stack,
    extra: &[(&str, &str)],
) -> (TestApp, tempfile::TempDir) {
    let everything = json!({
        "command": "node",
        "args": [
            format!("{}/node_modules/@modelcontextprotocol/server-everything/dist/index.js", env!("CARGO_MANIFEST_DIR")),
            "stdio"
        ],
    });
    let (dir, file) = operator_file(&[("everything", everything)]);
    let mut env = vec![
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_MCP_CONFIG", file.as_str()),
        ("AGENT_RATE_LIMIT_BURST", "1000"),
    ];
    env.extend_from_slice(extra);
    (stack.spawn(&env), dir)
}

/// A workspace of `email` with server-everything enabled and connected, and an agent: the
/// admin's cookie and the agent's token.
pub async fn workspace(app: &TestApp, email: &str, agent: &str) -> (String, String) {
    let cookie = account(app, email).await;
    let http = Client::new();
    let response = http
        .post(app.url("/api/mcp/servers"))
        .header("cookie", &cookie)
        .json(&json!({ "name": "everything", "transport": { "kind": "operator", "server": "everything" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = register(app, &cookie, agent).await;
    let started = Instant::now();
    loop {
        let overview: Value = http
            .get(app.url("/api/mcp/servers"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if overview["health"]["connected"] == 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(40), "{overview:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (cookie, token)
}

async fn register(app: &TestApp, cookie: &str, name: &str) -> String {
    let response = Client::new()
        .post(app.url("/api/agents"))
        .header("cookie", cookie)
        .json(&json!({ "name": name, "role": "coder" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// `method path` with a cookie and an optional JSON body: the status and the body.
pub async fn call(
    app: &TestApp,
    cookie: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Client::new()
        .request(method, app.url(path))
        .header("cookie", cookie);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Saves `rules` (default `ask`) over the policy in force: the new revision.
pub async fn set_policy(app: &TestApp, cookie: &str, rules: Value) -> Value {
    let (_, current) = call(app, cookie, reqwest::Method::GET, "/api/policies", None).await;
    let (status, saved) = call(
        app,
        cookie,
        reqwest::Method::PUT,
        "/api/policies",
        Some(json!({ "baseRevision": current["revision"], "policy": { "rules": rules } })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    saved
}

/// The one pending approval, once it is there.
pub async fn pending(app: &TestApp, cookie: &str) -> Value {
    let started = Instant::now();
    loop {
        let (_, list) = call(
            app,
            cookie,
            reqwest::Method::GET,
            "/api/approvals?status=pending",
            None,
        )
        .await;
        if let Some(first) = list.as_array().and_then(|list| list.first()) {
            return first.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no pending approval"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn args(value: Value) -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new("");
    params.arguments = value.as_object().cloned();
    params
}

fn named(name: &str, arguments: Value) -> CallToolRequestParams {
    let mut params = args(arguments);
    params.name = name.to_owned().into();
    params
}

pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("")
}

async fn an_mcp_client_lists_is_allowed_denied_and_asked_and_the_operator_edits_and_rejects(
    stack: Stack,
) {
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "gate@example.com", "coder-1").await;
    let client = mcp_client(&app, &token).await.unwrap();
    let info = client.peer_info().unwrap();
    assert_eq!(
        info.server_info.as_ref().map(|s| s.name.as_str()),
        Some("flightdeck")
    );

    // The Agents page's list: this agent, connected with the client's name.
    let (_, clients) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        "/api/mcp/clients",
        None,
    )
    .await;
    assert_eq!(clients[0]["agentName"], "coder-1", "{clients}");
    assert!(!clients[0]["clientName"].as_str().unwrap().is_empty());

    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    for expected in [
        "approval_prompt",
        "request_approval",
        "everything__echo",
        "everything__trigger-long-running-operation",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let echo = tools.iter().find(|t| t.name == "everything__echo").unwrap();
    assert!(echo.input_schema["properties"]["message"].is_object());
    assert_eq!(
        echo.annotations.as_ref().and_then(|a| a.read_only_hint),
        Some(true)
    );

    set_policy(
        &app,
        &cookie,
        json!([
            { "server": "everything", "tool": "echo", "argument": { "pointer": "/message", "glob": "ask*" }, "effect": "ask" },
            { "server": "everything", "tool": "echo", "effect": "allow" },
            { "server": "everything", "tool": "get-env", "effect": "deny" },
        ]),
    )
    .await;

    // Allowed: forwarded at once.
    let result = client
        .call_tool(named("everything__echo", json!({ "message": "hi" })))
        .await
        .unwrap();
    assert_eq!(text_of(&result), "Echo: hi");

    // Denied: an MCP error naming the rule, and nothing ran.
    let denied = client
        .call_tool(named("everything__get-env", json!({})))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        denied.contains("denied by the workspace's policy"),
        "{denied}"
    );
    assert!(denied.contains("deny everything/get-env"), "{denied}");

    // Unknown tools are an MCP error too.
    let unknown = client
        .call_tool(named("nobody__echo", json!({})))
        .await
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("no tool nobody__echo"), "{unknown}");

    // Asked: the call waits while the operator edits its arguments and approves.
    let waiting = {
        let peer = client.peer().clone();
        tokio::spawn(async move {
            peer.call_tool(named("everything__echo", json!({ "message": "ask me" })))
                .await
        })
    };
    let asked = pending(&app, &cookie).await;
    assert_eq!(asked["gate"]["server"], "everything");
    assert_eq!(asked["gate"]["tool"], "echo");
    assert_eq!(asked["gate"]["revision"], 1);
    assert!(
        asked["gate"]["rule"]
            .as_str()
            .unwrap()
            .starts_with("rule 1: ask everything/echo if /message ~ ask*"),
        "{asked}"
    );
    assert_eq!(asked["arguments"], json!({ "message": "ask me" }));
    assert_eq!(asked["argumentsSha256"].as_str().unwrap().len(), 64);
    assert!(!waiting.is_finished(), "the call waits for the decision");
    let id = asked["id"].as_str().unwrap();
    // An edit that does not fit the tool's input schema is refused, naming the field.
    let (status, body) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/approve"),
        Some(json!({ "arguments": { "message": 5 } })),
    )
    .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("arguments")),
        "{body}"
    );
    let (status, approved) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/approve"),
        Some(
            json!({ "arguments": { "message": "edited by the operator" }, "comment": "fixed it" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let result = waiting.await.unwrap().unwrap();
    assert_eq!(text_of(&result), "Echo: edited by the operator");
    assert_ne!(approved["argumentsSha256"], asked["argumentsSha256"]);
    assert_eq!(
        approved["gate"]["originalArguments"],
        json!({ "message": "ask me" })
    );
    let (_, after) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        &format!("/api/approvals/{id}"),
        None,
    )
    .await;
    assert_eq!(after["run"]["status"], "succeeded", "{after}");
    assert_eq!(after["run"]["result"], "Echo: edited by the operator");
    // The audit entry of the decision holds the new hash and the diff.
    let (_, audit) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        "/api/audit-logs?action=approval.approve",
        None,
    )
    .await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["metadata"]["edited"], true, "{audit}");
    assert_eq!(
        entry["metadata"]["diff"],
        json!([{ "op": "replace", "path": "/message", "value": "edited by the operator" }])
    );
    assert_eq!(
        entry["metadata"]["argumentsSha256"],
        approved["argumentsSha256"]
    );

    // Rejected: a tool error carrying the operator's comment.
    let waiting = {
        let peer = client.peer().clone();
        tokio::spawn(async move {
            peer.call_tool(named("everything__echo", json!({ "message": "ask again" })))
                .await
        })
    };
    let asked = pending(&app, &cookie).await;
    let id = asked["id"].as_str().unwrap();
    let (status, _) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/reject"),
        Some(json!({ "comment": "not today" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let result = waiting.await.unwrap().unwrap();
    assert_eq!(result.is_error, Some(true));
    assert!(
        text_of(&result).contains("not today"),
        "{}",
        text_of(&result)
    );

    // Every gated call is in the audit log and the dry run's list; a rule set that denies echo
    // would have changed the allowed and asked ones.
    let (_, audit) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        "/api/audit-logs?action=mcp.call",
        None,
    )
    .await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 4, "{audit}");
    let (status, dry) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        "/api/policies/dry-run",
        Some(json!({ "rules": [{ "server": "everything", "effect": "deny" }] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["calls"].as_array().unwrap().len(), 4, "{dry}");
    assert_eq!(dry["changed"], 3, "{dry}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn gated_calls_embedded() {
    an_mcp_client_lists_is_allowed_denied_and_asked_and_the_operator_edits_and_rejects(
        Stack::embedded(),
    )
    .await;
}

#[tokio::test]
async fn gated_calls_on_postgres_and_redis() {
    an_mcp_client_lists_is_allowed_denied_and_asked_and_the_operator_edits_and_rejects(
        Stack::scaled().await,
    )
    .await;
}

#[tokio::test]
async fn a_long_running_tool_streams_its_progress_and_always_allow_skips_the_next_ask() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "runs@example.com", "runner").await;
    let client = mcp_client(&app, &token).await.unwrap();
    let mut socket = connect(&app, &cookie).await;
    subscribe(&mut socket, "tool_run_status").await;

    let waiting = {
        let peer = client.peer().clone();
        tokio::spawn(async move {
            peer.call_tool(named(
                "everything__trigger-long-running-operation",
                json!({ "duration": 2, "steps": 4 }),
            ))
            .await
        })
    };
    let asked = pending(&app, &cookie).await;
    assert!(asked["gate"]["rule"]
        .as_str()
        .unwrap()
        .starts_with("default ask"));
    let id = asked["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/approve"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let result = waiting.await.unwrap().unwrap();
    assert!(
        text_of(&result).contains("Long running operation completed"),
        "{}",
        text_of(&result)
    );
    // The client heard the upstream's progress, relayed (its handler may still be counting the
    // last one as the result arrives).
    let heard = Instant::now();
    while client.service().progress.load(Ordering::SeqCst) < 4 {
        assert!(
            heard.elapsed() < Duration::from_secs(5),
            "{} progress notifications",
            client.service().progress.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The Approvals page's topic saw the run go from running, through its progress, to succeeded.
    let mut statuses = Vec::new();
    let mut percents = Vec::new();
    let started = Instant::now();
    while !statuses.contains(&"succeeded".to_owned()) {
        assert!(started.elapsed() < Duration::from_secs(10), "{statuses:?}");
        let frame = next(&mut socket).await;
        let data = &frame["payload"];
        if data["event"] == "run" && data["approval"]["id"] == id.as_str() {
            statuses.push(
                data["approval"]["run"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            if let Some(p) = data["approval"]["run"]["progress"].as_u64() {
                percents.push(p);
            }
        }
    }
    assert_eq!(statuses.first().map(String::as_str), Some("running"));
    assert!(
        percents.contains(&50) && percents.contains(&100),
        "{percents:?}"
    );

    // "Always allow this tool for this agent": a new revision, first rule, audited; the next
    // call passes without asking.
    let (status, saved) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/always-allow"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["revision"], 1);
    assert_eq!(
        saved["policy"]["rules"][0],
        json!({ "agent": "runner", "server": "everything", "tool": "trigger-long-running-operation", "effect": "allow", "note": format!("always allowed from approval {id}") })
    );
    let result = client
        .call_tool(named(
            "everything__trigger-long-running-operation",
            json!({ "duration": 0, "steps": 1 }),
        ))
        .await
        .unwrap();
    assert!(text_of(&result).contains("completed"));
    let (_, audit) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        "/api/audit-logs?action=policy.update",
        None,
    )
    .await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["before_state"]["rules"], json!([]), "{audit}");
    assert_eq!(entry["after_state"]["rules"][0]["agent"], "runner");
    // A stale edit is a 409, not an overwrite.
    let (status, body) = call(
        &app,
        &cookie,
        reqwest::Method::PUT,
        "/api/policies",
        Some(json!({ "baseRevision": 0, "policy": { "rules": [] } })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn claude_codes_permission_prompt_gets_allow_with_the_edit_and_deny_with_the_comment() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "claude@example.com", "claude-code").await;
    let client = mcp_client(&app, &token).await.unwrap();
    set_policy(
        &app,
        &cookie,
        json!([
            { "server": "flightdeck", "tool": "Read", "effect": "allow" },
            { "server": "flightdeck", "tool": "WebFetch", "effect": "deny" },
        ]),
    )
    .await;
    let prompt = |tool: &str, input: Value| {
        let peer = client.peer().clone();
        let request = named(
            "approval_prompt",
            json!({ "tool_name": tool, "input": input, "tool_use_id": "toolu_01" }),
        );
        tokio::spawn(async move { peer.call_tool(request).await })
    };
    let answer = |result: CallToolResult| -> Value {
        assert_eq!(result.content.len(), 1);
        serde_json::from_str(&text_of(&result)).unwrap()
    };
    // The fixtures of Claude Code's documented shapes.
    let fixtures: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/mcp/permission-prompt.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let allowed = answer(
        prompt("Read", json!({ "file_path": "/tmp/a" }))
            .await
            .unwrap()
            .unwrap(),
    );
    assert_eq!(allowed, fixtures["allow"]["answer"]);
    let denied = answer(
        prompt("WebFetch", json!({ "url": "http://x" }))
            .await
            .unwrap()
            .unwrap(),
    );
    assert_eq!(denied["behavior"], "deny");
    assert!(
        denied["message"]
            .as_str()
            .unwrap()
            .contains("deny flightdeck/WebFetch"),
        "{denied}"
    );

    // Asked: the operator edits the command; it comes back as updatedInput.
    let waiting = prompt("Bash", fixtures["ask"]["request"]["input"].clone());
    let asked = pending(&app, &cookie).await;
    assert_eq!(asked["tool"], "Bash");
    assert_eq!(asked["gate"]["server"], "flightdeck");
    assert!(asked["reason"].as_str().unwrap().contains("toolu_01"));
    let id = asked["id"].as_str().unwrap();
    let (status, _) = call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/approve"),
        Some(json!({ "arguments": { "command": "ls -la /tmp" } })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let edited = answer(waiting.await.unwrap().unwrap());
    assert_eq!(edited, fixtures["ask"]["answerAfterEdit"]);

    let waiting = prompt("Bash", json!({ "command": "rm -rf /" }));
    let id = pending(&app, &cookie).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/reject"),
        Some(json!({ "comment": "never in /" })),
    )
    .await;
    let rejected = answer(waiting.await.unwrap().unwrap());
    assert_eq!(rejected["behavior"], "deny");
    assert!(
        rejected["message"]
            .as_str()
            .unwrap()
            .ends_with(": never in /"),
        "{rejected}"
    );

    // request_approval: the plain tool for any agent.
    let waiting = {
        let peer = client.peer().clone();
        tokio::spawn(async move {
            peer.call_tool(named(
                "request_approval",
                json!({ "tool": "deploy", "arguments": { "env": "prod" }, "reason": "release 1.2", "risk": "high" }),
            ))
            .await
        })
    };
    let asked = pending(&app, &cookie).await;
    assert_eq!(
        (asked["risk"].as_str(), asked["reason"].as_str()),
        (Some("high"), Some("release 1.2"))
    );
    let id = asked["id"].as_str().unwrap();
    call(
        &app,
        &cookie,
        reqwest::Method::POST,
        &format!("/api/approvals/{id}/approve"),
        None,
    )
    .await;
    let result = waiting.await.unwrap().unwrap();
    let structured = result.structured_content.unwrap();
    assert_eq!(structured["approved"], true);
    assert_eq!(structured["arguments"], json!({ "env": "prod" }));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn strangers_viewers_and_other_workspaces_get_nothing_of_the_gateway() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "owner@example.com", "mine").await;
    // No token, a bad token: 401 asking for a bearer token, before any MCP.
    for auth in [None, Some("Bearer nope")] {
        let mut request = Client::new()
            .post(app.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"flightdeck\""
        );
    }
    assert!(mcp_client(&app, "nope").await.is_err());

    // Another workspace's agent sees its own (empty) gateway: none of this workspace's tools.
    let other_cookie = account(&app, "other@example.com").await;
    let other_token = register(&app, &other_cookie, "theirs").await;
    let other = mcp_client(&app, &other_token).await.unwrap();
    let names: Vec<String> = other
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect();
    assert_eq!(names, ["approval_prompt", "request_approval"]);
    assert!(other
        .call_tool(named("everything__echo", json!({ "message": "x" })))
        .await
        .is_err());
    // Nor its clients, policy or approvals.
    let (_, clients) = call(
        &app,
        &other_cookie,
        reqwest::Method::GET,
        "/api/mcp/clients",
        None,
    )
    .await;
    assert_eq!(clients.as_array().unwrap().len(), 1, "{clients}");
    let mine = mcp_client(&app, &token).await.unwrap();
    let waiting = {
        let peer = mine.peer().clone();
        tokio::spawn(async move {
            peer.call_tool(named("everything__echo", json!({ "message": "x" })))
                .await
        })
    };
    let id = pending(&app, &cookie).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, path) in [
        (
            reqwest::Method::POST,
            format!("/api/approvals/{id}/approve"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/approvals/{id}/always-allow"),
        ),
    ] {
        let (status, _) = call(&app, &other_cookie, method, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // A viewer reads the policy and runs a dry run, but neither saves it nor decides.
    let viewer = account(&app, "viewer@example.com").await;
    app.add_member(&cookie, &viewer, "viewer@example.com", "viewer")
        .await;
    let (status, policy) = call(&app, &viewer, reqwest::Method::GET, "/api/policies", None).await;
    assert_eq!((status, &policy["revision"]), (StatusCode::OK, &json!(0)));
    let (status, _) = call(
        &app,
        &viewer,
        reqwest::Method::POST,
        "/api/policies/dry-run",
        Some(json!({ "rules": [] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (
            reqwest::Method::PUT,
            "/api/policies".to_owned(),
            Some(json!({ "baseRevision": 0, "policy": { "rules": [] } })),
        ),
        (
            reqwest::Method::POST,
            format!("/api/approvals/{id}/always-allow"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/approvals/{id}/approve"),
            Some(json!({ "arguments": { "message": "mine" } })),
        ),
    ] {
        let (status, body) = call(&app, &viewer, method, &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    // A stranger gets 401 from every policy endpoint.
    for (method, path) in [
        (reqwest::Method::GET, "/api/policies"),
        (reqwest::Method::POST, "/api/policies/dry-run"),
        (reqwest::Method::GET, "/api/mcp/clients"),
    ] {
        let status = Client::new()
            .request(method, app.url(path))
            .json(&json!({ "rules": [] }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    // The waiting call ends when its client goes away: its approval is cancelled.
    waiting.abort();
    mine.cancel().await.unwrap();
    let started = Instant::now();
    loop {
        let (_, now) = call(
            &app,
            &cookie,
            reqwest::Method::GET,
            &format!("/api/approvals/{id}"),
            None,
        )
        .await;
        if now["status"] == "cancelled" {
            assert_eq!(now["comment"], "the MCP client cancelled the call");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{now}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    other.cancel().await.unwrap();
}

#[tokio::test]
async fn one_agents_session_is_not_anothers() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "two@example.com", "first").await;
    let second = register(&app, &cookie, "second").await;
    // The first agent opens a session; the second agent's token with that session's id is
    // refused.
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "curl", "version": "8" } }
    });
    let http = Client::new();
    let post = |token: &str, session: Option<&str>, body: &Value| {
        let mut request = http
            .post(app.url("/mcp"))
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .json(body);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send()
    };
    let response = post(&token, None, &initialize).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let _ = response.text().await;
    let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    assert!(post(&token, Some(&session), &initialized)
        .await
        .unwrap()
        .status()
        .is_success());
    let list = json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {} });
    let theirs = post(&second, Some(&session), &list)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(theirs.contains("belongs to another agent"), "{theirs}");
    let mine = post(&token, Some(&session), &list)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains("everything__echo"), "{mine}");
}

#[tokio::test]
async fn a_waiting_call_holds_a_place_of_its_token_and_ends_when_the_token_is_revoked() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[("FLIGHTDECK_MAX_STREAMS_PER_TOKEN", "2")]);
    let (cookie, token) = workspace(&app, "revoke@example.com", "doomed").await;
    let client = mcp_client(&app, &token).await.unwrap();
    let ask = |message: &str| {
        let peer = client.peer().clone();
        let request = named("everything__echo", json!({ "message": message }));
        tokio::spawn(async move { peer.call_tool(request).await })
    };
    // The session is one place, the waiting call the other: a second waiting call is refused.
    let waiting = ask("first");
    let id = pending(&app, &cookie).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = ask("second").await.unwrap().unwrap_err().to_string();
    assert!(
        refused.contains("FLIGHTDECK_MAX_STREAMS_PER_TOKEN"),
        "{refused}"
    );
    let (_, agents) = call(&app, &cookie, reqwest::Method::GET, "/api/agents", None).await;
    let agent_id = agents[0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &cookie,
        reqwest::Method::DELETE,
        &format!("/api/agents/{agent_id}/token"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ended = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the waiting call ends at the revocation")
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(ended.contains("revoked"), "{ended}");
    let (_, approval) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        &format!("/api/approvals/{id}"),
        None,
    )
    .await;
    assert_eq!(
        (&approval["status"], &approval["comment"]),
        (&json!("cancelled"), &json!("the agent's token was revoked"))
    );
}
