//! The gateway tests' helpers: a server offering server-everything, a workspace with it
//! connected and an agent, an rmcp client that counts what it hears, and request shorthands.

use crate::helpers::{Stack, TestApp};
use crate::mcp::operator_file;
use crate::sync::account;
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

pub async fn register(app: &TestApp, cookie: &str, name: &str) -> String {
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

pub fn args(value: Value) -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new("");
    params.arguments = value.as_object().cloned();
    params
}

pub fn named(name: &str, arguments: Value) -> CallToolRequestParams {
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
