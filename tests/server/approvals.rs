//! Agents and approvals over real HTTP: every transition and its repeat, 409s, the cancel
//! notification on the agent's event stream, event-driven waits (woken by a decision on another
//! instance too), deadline expiry by the server's timer, durability across kill -9, token checks,
//! viewers who cannot decide, bulk decisions, and the audit log's hash chain.

use crate::helpers::{on_both_stacks, Stack, TestApp};
use crate::sync::account;
use futures_util::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

on_both_stacks!(
    deadlines_expire_by_the_servers_timer,
    approvals_survive_kill_9,
    an_approved_run_is_reported_until_it_ends,
);

/// An operator's or agent's view of one server.
struct Caller<'a> {
    app: &'a TestApp,
    http: Client,
    header: (&'static str, String),
}

impl<'a> Caller<'a> {
    fn person(app: &'a TestApp, cookie: &str) -> Self {
        Self {
            app,
            http: Client::new(),
            header: ("cookie", cookie.to_owned()),
        }
    }

    fn agent(app: &'a TestApp, token: &str) -> Self {
        Self {
            app,
            http: Client::new(),
            header: ("authorization", format!("Bearer {token}")),
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = self.app.url(path);
        let request = match method {
            "POST" => self.http.post(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.get(url),
        }
        .header(self.header.0, &self.header.1);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Registers an agent as the admin; returns its token.
async fn register(admin: &Caller<'_>, name: &str) -> String {
    let (status, body) = admin
        .send(
            "POST",
            "/api/agents",
            Some(json!({ "name": name, "role": "pulse" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["token"].as_str().unwrap().starts_with("fd_"));
    body["token"].as_str().unwrap().to_owned()
}

async fn ask(agent: &Caller<'_>, tool: &str, deadline: Option<i64>) -> Value {
    let mut body = json!({ "tool": tool, "arguments": { "path": "/srv/app", "force": true }, "reason": "deploy", "risk": "high" });
    if let Some(at) = deadline {
        body["deadline"] = json!(at);
    }
    let (status, approval) = agent.send("POST", "/api/v1/approvals", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{approval}");
    assert_eq!(approval["status"], "pending");
    approval
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn every_transition_its_repeat_and_its_conflicts() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "ops@example.com").await);
    let agent = Caller::agent(&app, &register(&admin, "deployer").await);
    let [a, b, c, d] = [
        ask(&agent, "deploy", None).await,
        ask(&agent, "drop_table", None).await,
        ask(&agent, "send_mail", None).await,
        ask(&agent, "restart", None).await,
    ];
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    // Pending first, oldest first.
    let (_, pending) = admin
        .send("GET", "/api/approvals?status=pending", None)
        .await;
    let ids: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id(&a), id(&b), id(&c), id(&d)]);
    assert_eq!(pending[0]["agentName"], "deployer");
    assert_eq!(pending[0]["arguments"]["force"], true);

    let approve = |which: &Value, comment: &str| {
        let path = format!("/api/approvals/{}/approve", which["id"].as_str().unwrap());
        let comment = comment.to_owned();
        let admin = &admin;
        async move {
            admin
                .send("POST", &path, Some(json!({ "comment": comment })))
                .await
        }
    };
    let (status, approved) = approve(&a, "ship it").await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["allowed"].as_bool(),
            approved["decidedBy"].as_str(),
            approved["comment"].as_str()
        ),
        (
            Some("approved"),
            Some(true),
            Some("ops@example.com"),
            Some("ship it")
        )
    );
    // The same decision again: the current state, unchanged.
    let (status, again) = approve(&a, "twice").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["decidedAt"], approved["decidedAt"]);
    assert_eq!(again["comment"], "ship it");
    // A conflicting one: 409 with the current state.
    let (status, conflict) = admin
        .send("POST", &format!("/api/approvals/{}/reject", id(&a)), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["approval"]["status"], "approved");
    assert!(conflict["error"]
        .as_str()
        .unwrap()
        .contains("already approved"));

    let (status, rejected) = admin
        .send("POST", &format!("/api/approvals/{}/reject", id(&b)), None)
        .await;
    assert_eq!(
        (
            status,
            rejected["status"].as_str(),
            rejected["allowed"].as_bool()
        ),
        (StatusCode::OK, Some("rejected"), Some(false))
    );

    // Cancelled by an operator, with the reason; by the agent itself.
    let (status, cancelled) = admin
        .send(
            "DELETE",
            &format!("/api/approvals/{}?reason=superseded", id(&c)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["success"], true);
    assert!(cancelled["cancelledAt"].as_i64().unwrap() > 0);
    assert_eq!(cancelled["approval"]["comment"], "superseded");
    let (status, withdrawn) = agent
        .send("DELETE", &format!("/api/v1/approvals/{}", id(&d)), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(withdrawn["approval"]["decidedBy"], "agent:deployer");
    // Terminal states never change, whoever asks.
    let (status, _) = agent
        .send("DELETE", &format!("/api/v1/approvals/{}", id(&a)), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = admin
        .send("POST", &format!("/api/approvals/{}/approve", id(&c)), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = admin
        .send("POST", "/api/approvals/nope/approve", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, pending) = admin
        .send("GET", "/api/approvals?status=pending", None)
        .await;
    assert_eq!(pending, json!([]));
    // Every step is in the audit log, the agent's with its id.
    let (_, audit) = admin.send("GET", "/api/audit?limit=50", None).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "agent.register",
        "approval.request",
        "approval.approve",
        "approval.reject",
        "approval.cancel",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let by_agent = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["agent_id"].is_string())
        .count();
    assert_eq!(by_agent, 5, "four requests and one withdrawal");
    let (_, chain) = admin.send("GET", "/api/audit/verify", None).await;
    assert_eq!(chain["intact"], true, "{chain}");
}

#[tokio::test]
async fn a_waiting_agent_is_woken_by_the_decision_and_a_timeout_answers_pending() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "waker@example.com").await);
    let agent = Caller::agent(&app, &register(&admin, "waiter").await);
    let approval = ask(&agent, "deploy", None).await;
    let id = approval["id"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let (status, still) = agent
        .send(
            "GET",
            &format!("/api/v1/approvals/{id}/wait?timeout=1"),
            None,
        )
        .await;
    assert_eq!(
        (status, still["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    assert!(started.elapsed() >= Duration::from_millis(950));

    let path = format!("/api/v1/approvals/{id}/wait?timeout=30");
    let waiting = agent.send("GET", &path, None);
    let deciding = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let decided_at = Instant::now();
        let (status, _) = admin
            .send("POST", &format!("/api/approvals/{id}/approve"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        decided_at
    };
    let ((status, woken), decided_at) = tokio::join!(waiting, deciding);
    let woke_after = decided_at.elapsed();
    assert_eq!(
        (status, woken["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    assert!(
        woke_after < Duration::from_secs(2),
        "woken {woke_after:?} after the decision"
    );
    // Waiting on a decided one answers at once.
    let started = Instant::now();
    let (_, again) = agent.send("GET", &path, None).await;
    assert_eq!(again["status"], "approved");
    assert!(started.elapsed() < Duration::from_secs(2));
    let (status, bad) = agent
        .send(
            "GET",
            &format!("/api/v1/approvals/{id}/wait?timeout=500"),
            None,
        )
        .await;
    assert_eq!(
        (status, bad["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("timeout"))
    );
}

#[tokio::test]
async fn a_cancelled_request_reaches_the_agents_event_stream() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "canceller@example.com").await);
    let token = register(&admin, "streamer").await;
    let agent = Caller::agent(&app, &token);
    let approval = ask(&agent, "rotate_keys", None).await;
    let id = approval["id"].as_str().unwrap().to_owned();
    let response = Client::new()
        .get(app.url("/api/v1/events"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut stream = response.bytes_stream();
    // The stream is open before the cancel is sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = admin
        .send(
            "DELETE",
            &format!("/api/approvals/{id}?reason=plan%20changed"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut text = String::new();
    while !text.contains("\n\n") || !text.contains("data:") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: approval:cancelled"), "{text}");
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let event: Value = serde_json::from_str(data).unwrap();
    assert_eq!(
        (
            event["type"].as_str(),
            event["approvalId"].as_str(),
            event["reason"].as_str()
        ),
        (
            Some("approval:cancelled"),
            Some(id.as_str()),
            Some("plan changed")
        )
    );
}

async fn deadlines_expire_by_the_servers_timer(stack: Stack) {
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "deadline@example.com").await);
    let agent = Caller::agent(&app, &register(&admin, "hurried").await);
    let approval = ask(&agent, "deploy", Some(now_ms() + 1_500)).await;
    let id = approval["id"].as_str().unwrap();
    // Nobody reads it until well after the deadline: the timer expired it, not a read.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (_, audit) = admin.send("GET", "/api/audit?limit=5", None).await;
    let expiry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "approval.expire")
        .expect("expiry audited");
    assert!(
        expiry["user_id"].is_null() && expiry["agent_id"].is_null(),
        "{expiry}"
    );
    assert_eq!(expiry["after_state"]["status"], "expired");
    let (_, expired) = agent
        .send("GET", &format!("/api/v1/approvals/{id}"), None)
        .await;
    assert_eq!(
        (
            expired["status"].as_str(),
            expired["allowed"].as_bool(),
            expired["decidedBy"].as_str()
        ),
        (Some("expired"), Some(false), Some("system"))
    );
    // A workspace that lets silence mean yes.
    let (_, settings) = admin.send("GET", "/api/settings", None).await;
    let mut workspace = settings["workspace"].clone();
    workspace["approvals"]["onExpiry"] = json!("allow");
    let put = admin
        .http
        .put(app.url("/api/settings/workspace"))
        .header(admin.header.0, &admin.header.1)
        .json(&workspace)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let approval = ask(&agent, "deploy", Some(now_ms() + 1_000)).await;
    let (_, woken) = agent
        .send(
            "GET",
            &format!(
                "/api/v1/approvals/{}/wait?timeout=10",
                approval["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        (woken["status"].as_str(), woken["allowed"].as_bool()),
        (Some("expired"), Some(true))
    );
}

async fn approvals_survive_kill_9(stack: Stack) {
    let app = stack.spawn(&[]);
    let cookie = account(&app, "durable@example.com").await;
    let (pending_id, decided_id, deadline_id, token) = {
        let admin = Caller::person(&app, &cookie);
        let token = register(&admin, "survivor").await;
        let agent = Caller::agent(&app, &token);
        let pending = ask(&agent, "deploy", None).await;
        let decided = ask(&agent, "migrate", None).await;
        let deadline = ask(&agent, "notify", Some(now_ms() + 4_000)).await;
        let (status, _) = admin
            .send(
                "POST",
                &format!("/api/approvals/{}/reject", decided["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
        (id(&pending), id(&decided), id(&deadline), token)
    };
    drop(app); // SIGKILL

    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &cookie);
    let agent = Caller::agent(&app, &token);
    let (_, pending) = agent
        .send("GET", &format!("/api/v1/approvals/{pending_id}"), None)
        .await;
    assert_eq!(pending["status"], "pending");
    let (_, decided) = agent
        .send(
            "GET",
            &format!("/api/v1/approvals/{decided_id}/wait?timeout=5"),
            None,
        )
        .await;
    assert_eq!(decided["status"], "rejected");
    // The restarted server's timer still expires the one with a deadline.
    let (_, expired) = agent
        .send(
            "GET",
            &format!("/api/v1/approvals/{deadline_id}/wait?timeout=15"),
            None,
        )
        .await;
    assert_eq!(expired["status"], "expired");
    // And a waiter of the pending one is woken by a decision made now.
    let path = format!("/api/v1/approvals/{pending_id}/wait?timeout=30");
    let waiting = agent.send("GET", &path, None);
    let deciding = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        admin
            .send(
                "POST",
                &format!("/api/approvals/{pending_id}/approve"),
                None,
            )
            .await
    };
    let ((_, woken), (status, _)) = tokio::join!(waiting, deciding);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(woken["status"], "approved");
}

#[tokio::test]
async fn an_agent_waiting_on_one_instance_is_woken_by_a_decision_on_another() {
    let stack = Stack::scaled().await;
    let (one, two) = (stack.spawn(&[]), stack.spawn(&[]));
    let cookie = account(&one, "mesh-ops@example.com").await;
    let admin_on_two = Caller::person(&two, &cookie);
    let token = register(&admin_on_two, "roamer").await;
    let agent_on_one = Caller::agent(&one, &token);
    let approval = ask(&agent_on_one, "deploy", None).await;
    let id = approval["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/approvals/{id}/wait?timeout=30");
    let waiting = agent_on_one.send("GET", &path, None);
    let deciding = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let at = Instant::now();
        let (status, _) = admin_on_two
            .send("POST", &format!("/api/approvals/{id}/approve"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        at
    };
    let ((_, woken), decided_at) = tokio::join!(waiting, deciding);
    assert_eq!(woken["status"], "approved");
    assert!(decided_at.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn tokens_roles_and_bad_input_are_refused_clearly() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin_cookie = account(&app, "boss@example.com").await;
    let admin = Caller::person(&app, &admin_cookie);
    let token = register(&admin, "first").await;
    let other_token = register(&admin, "second").await;
    let agent = Caller::agent(&app, &token);
    let approval = ask(&agent, "deploy", None).await;
    let id = approval["id"].as_str().unwrap();

    // No token, a wrong one, another agent's approval, another workspace's.
    let (status, body) = Caller::person(&app, "")
        .send("POST", "/api/v1/approvals", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
    let (status, _) = Caller::agent(&app, "fd_wrong")
        .send("GET", &format!("/api/v1/approvals/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = Caller::agent(&app, &other_token)
        .send("GET", &format!("/api/v1/approvals/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let elsewhere = Caller::person(&app, &account(&app, "rival@example.com").await);
    let rival = Caller::agent(&app, &register(&elsewhere, "rival").await);
    let (status, _) = rival
        .send("GET", &format!("/api/v1/approvals/{id}"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another workspace's looks like none at all"
    );
    let (status, _) = elsewhere
        .send("POST", &format!("/api/approvals/{id}/approve"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad requests name the field; a taken name is a conflict.
    let (status, body) = agent
        .send(
            "POST",
            "/api/v1/approvals",
            Some(json!({ "tool": "x", "risk": "extreme" })),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("risk"))
    );
    let (status, body) = agent
        .send(
            "POST",
            "/api/v1/approvals",
            Some(json!({ "tool": "x", "risk": "low", "deadline": 1 })),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("deadline"))
    );
    let (status, _) = admin
        .send(
            "POST",
            "/api/agents",
            Some(json!({ "name": "first", "role": "pulse" })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A viewer may look, not decide or register.
    let viewer_cookie = account(&app, "looker@example.com").await;
    app.add_member(
        &admin_cookie,
        &viewer_cookie,
        "looker@example.com",
        "viewer",
    )
    .await;
    let workspace = admin.send("GET", "/api/auth/me", None).await.1["workspace"]["id"].clone();
    let viewer = Caller::person(&app, &viewer_cookie);
    let (status, _) = viewer
        .send(
            "POST",
            "/api/auth/workspace",
            Some(json!({ "workspaceId": workspace })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) = viewer.send("GET", "/api/approvals", None).await;
    assert_eq!(
        (status, list.as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (status, body) = viewer
        .send("POST", &format!("/api/approvals/{id}/approve"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = viewer
        .send("DELETE", &format!("/api/approvals/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = viewer
        .send(
            "POST",
            "/api/agents",
            Some(json!({ "name": "v", "role": "x" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Revoked: 401 saying so; the audit log has it.
    let (_, agents) = admin.send("GET", "/api/agents", None).await;
    let first = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "first")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, revoked) = admin
        .send("DELETE", &format!("/api/agents/{first}/token"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(revoked["revokedAt"].as_i64().is_some());
    let (status, body) = agent
        .send("GET", &format!("/api/v1/approvals/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"].as_str().unwrap().contains("revoked"));
    let (_, audit) = admin.send("GET", "/api/audit?limit=20", None).await;
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "agent.token_revoke"));
}

/// The operators' approval routes are Dioxus server functions (`approvals::server_fns`); a failing
/// one answers the API's own status and body, `{error, field?}` and a 409's server copy, never
/// dioxus's `{code, message, data}` wrapper.
#[tokio::test]
async fn a_failing_server_function_answers_the_apis_status_and_body() {
    let app = Stack::embedded().spawn(&[]);
    let admin_cookie = account(&app, "lead@example.com").await;
    let admin = Caller::person(&app, &admin_cookie);
    let agent = Caller::agent(&app, &register(&admin, "builder").await);
    let asked = ask(&agent, "deploy", None).await;
    let id = asked["id"].as_str().unwrap();
    let approve = format!("/api/approvals/{id}/approve");
    let members = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    };

    // A stranger: 401.
    let stranger = Caller::person(&app, "flightdeck.sid=forged");
    let (status, body) = stranger.send("POST", &approve, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(members(&body), ["error"], "{body}");

    // A viewer of the workspace: 403.
    let viewer_cookie = account(&app, "watcher@example.com").await;
    app.add_member(
        &admin_cookie,
        &viewer_cookie,
        "watcher@example.com",
        "viewer",
    )
    .await;
    let workspace = admin.send("GET", "/api/auth/me", None).await.1["workspace"]["id"].clone();
    let viewer = Caller::person(&app, &viewer_cookie);
    let body = json!({ "workspaceId": workspace });
    assert_eq!(
        viewer
            .send("POST", "/api/auth/workspace", Some(body))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = viewer.send("POST", &approve, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "a viewer cannot decide approvals");
    assert_eq!(members(&body), ["error"]);

    // Bad input: 400 naming the field, for a value and for a type.
    let long = json!({ "comment": "x".repeat(2_001) });
    let (status, body) = admin.send("POST", &approve, Some(long)).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("comment"))
    );
    assert_eq!(members(&body), ["error", "field"]);
    let (status, body) = admin
        .send("POST", &approve, Some(json!({ "comment": 7 })))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("comment"))
    );
    let (status, body) = admin.send("GET", "/api/approvals?limit=0", None).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let (status, body) = admin
        .send(
            "POST",
            "/api/approvals/bulk",
            Some(json!({ "ids": [], "decision": "approve" })),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ids"))
    );

    // A body that does not say it is JSON: 415; an unknown id: 404.
    let response = reqwest::Client::new()
        .post(app.url(&approve))
        .header("cookie", &admin_cookie)
        .header("content-type", "text/plain")
        .body(r#"{"comment":"hi"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = admin
        .send("POST", "/api/approvals/nope/approve", None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no such approval"))
    );

    // Decided, then decided otherwise: 409 with the approval as it is.
    let (status, approved) = admin.send("POST", &approve, None).await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    let (status, body) = admin
        .send("POST", &format!("/api/approvals/{id}/reject"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(members(&body), ["approval", "error"]);
    assert_eq!(body["error"], "this approval is already approved");
    assert_eq!(body["approval"]["id"], *id);
    assert_eq!(body["approval"]["status"], "approved");
}

#[tokio::test]
async fn a_bulk_decision_reports_each_id() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "bulk@example.com").await);
    let agent = Caller::agent(&app, &register(&admin, "many").await);
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            ask(&agent, &format!("tool_{i}"), None).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    admin
        .send("POST", &format!("/api/approvals/{}/reject", ids[3]), None)
        .await;
    let mut asked = ids.clone();
    asked.push("unknown".into());
    let (status, body) = admin
        .send(
            "POST",
            "/api/approvals/bulk",
            Some(json!({ "ids": asked, "decision": "approve", "comment": "batch" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["succeeded"].as_u64(), body["failed"].as_u64()),
        (Some(19), Some(2))
    );
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 21);
    assert_eq!(
        results[3],
        json!({ "id": ids[3], "ok": false, "status": "rejected", "error": "already rejected" })
    );
    assert_eq!(results[20]["error"], "no such approval");
    assert!(results
        .iter()
        .enumerate()
        .all(|(i, r)| i == 3 || i == 20 || r["status"] == "approved"));
    let (status, body) = admin
        .send(
            "POST",
            "/api/approvals/bulk",
            Some(json!({ "ids": [], "decision": "approve" })),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ids"))
    );
}

#[tokio::test]
async fn the_audit_chain_detects_a_changed_or_removed_entry() {
    use sqlx::Connection;
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "chain@example.com").await);
    let agent = Caller::agent(&app, &register(&admin, "chained").await);
    for tool in ["a", "b", "c"] {
        ask(&agent, tool, None).await;
    }
    let (_, report) = admin.send("GET", "/api/audit/verify", None).await;
    let (_, entries) = admin.send("GET", "/api/audit?limit=10", None).await;
    // Sign-up, its workspace, the registration and three requests.
    let count = entries.as_array().unwrap().len() as u64;
    assert!(count >= 5, "{entries}");
    assert_eq!(
        (report["intact"].as_bool(), report["entries"].as_u64()),
        (Some(true), Some(count)),
        "{report}"
    );
    let newest = entries[0]["id"].as_str().unwrap().to_owned();
    let middle = entries[2]["id"].as_str().unwrap().to_owned();

    // Someone with the database file changes an entry behind the server's back…
    let url = format!("sqlite://{}", app.data_dir.join("flightdeck.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for trigger in ["audit_log_no_update", "audit_log_no_delete"] {
        sqlx::query(&format!("DROP TRIGGER {trigger}"))
            .execute(&mut db)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE audit_log SET metadata = '{\"reason\":\"nothing to see\"}' WHERE id = $1")
        .bind(&middle)
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = admin.send("GET", "/api/audit/verify", None).await;
    assert_eq!(
        (report["intact"].as_bool(), report["brokenAt"].as_str()),
        (Some(false), Some(middle.as_str())),
        "{report}"
    );
    assert!(report["problem"].as_str().unwrap().contains("changed"));

    // …or removes one: the entry after it no longer follows.
    let app_entries: Vec<String> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(&middle)
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = admin.send("GET", "/api/audit/verify", None).await;
    assert_eq!(report["intact"], false);
    assert_eq!(
        report["brokenAt"].as_str(),
        Some(app_entries[1].as_str()),
        "{report}"
    );
    assert!(report["problem"].as_str().unwrap().contains("removed"));
    assert_ne!(newest, middle);
}

#[tokio::test]
async fn the_agent_api_is_described_by_an_openapi_document() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/approvals",
        "/api/v1/approvals/{id}",
        "/api/v1/approvals/{id}/wait",
        "/api/v1/events",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} described");
    }
    // The models' schemas are their JSON Schema: documented variants as `const`s.
    let risks: Vec<&Value> = doc["components"]["schemas"]["Risk"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| &variant["const"])
        .collect();
    assert_eq!(risks, [&json!("low"), &json!("medium"), &json!("high")]);
    let stream = &doc["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"];
    assert!(stream["text/event-stream"].is_object(), "{stream}");
    assert!(doc["components"]["securitySchemes"]["agent_token"].is_object());
}

/// The reference agent (`examples/agent.rs`), built beside this test binary by `cargo test`.
fn reference_agent() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    profile_dir.join("examples").join("agent")
}

#[tokio::test]
async fn the_reference_agent_asks_waits_and_obeys_the_decision() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = Caller::person(&app, &account(&app, "reference@example.com").await);
    let token = register(&admin, "reference").await;
    for (verdict, word, code) in [
        ("approve", "approved", Some(0)),
        ("reject", "rejected", Some(2)),
    ] {
        let child = tokio::process::Command::new(reference_agent())
            .env("FLIGHTDECK_URL", &app.base)
            .env("FLIGHTDECK_AGENT_TOKEN", &token)
            .args(["deploy", r#"{"service":"api"}"#, "ship the fix", "high"])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the reference agent is built by cargo test (examples/agent.rs)");
        // Its request shows up as pending; the operator decides it.
        let id = loop {
            let (_, pending) = admin
                .send("GET", "/api/approvals?status=pending", None)
                .await;
            if let Some(first) = pending.as_array().and_then(|list| list.first()) {
                break first["id"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let (status, _) = admin
            .send("POST", &format!("/api/approvals/{id}/{verdict}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let output = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
            .await
            .expect("the agent answers within 10 s of the decision")
            .unwrap();
        let printed = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), code, "{printed}");
        assert!(
            printed.contains(&format!("{word} by reference@example.com")),
            "{printed}"
        );
    }
}

/// A REST agent reports its approved run: running with progress, then succeeded with a result,
/// each seen by the operators; then nothing more, and never for a pending approval, another
/// agent's, or past the limits (on both stacks).
async fn an_approved_run_is_reported_until_it_ends(stack: Stack) {
    let app = stack.spawn(&[]);
    let cookie = account(&app, "runs@example.com").await;
    let admin = Caller::person(&app, &cookie);
    let agent = Caller::agent(&app, &register(&admin, "runner").await);
    let other = Caller::agent(&app, &register(&admin, "other").await);
    let asked = ask(&agent, "deploy", None).await;
    let id = asked["id"].as_str().unwrap();
    let run = format!("/api/v1/approvals/{id}/run");
    let (status, body) = agent
        .send("POST", &run, Some(json!({ "status": "running" })))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "pending: {body}");
    let (status, _) = admin
        .send("POST", &format!("/api/approvals/{id}/approve"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = agent
        .send(
            "POST",
            &run,
            Some(json!({ "status": "running", "progress": 101 })),
        )
        .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("progress"))
    );
    let (status, body) = other
        .send("POST", &run, Some(json!({ "status": "running" })))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = agent
        .send(
            "POST",
            &run,
            Some(json!({ "status": "running", "progress": 40, "message": "copying" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["run"]["status"], "running");
    assert_eq!(body["run"]["progress"], 40);
    let (status, body) = agent
        .send(
            "POST",
            &run,
            Some(json!({ "status": "succeeded", "progress": 100, "result": "3 replicas up" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The message of the running report stays; the outcome is what operators now read.
    let (_, seen) = admin
        .send("GET", &format!("/api/approvals/{id}"), None)
        .await;
    assert_eq!(
        (
            &seen["run"]["status"],
            &seen["run"]["message"],
            &seen["run"]["result"]
        ),
        (
            &json!("succeeded"),
            &json!("copying"),
            &json!("3 replicas up")
        )
    );
    let (status, body) = agent
        .send("POST", &run, Some(json!({ "status": "running" })))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("finished already"));
    let (_, audit) = admin
        .send("GET", "/api/audit-logs?action=tool_run.finish", None)
        .await;
    assert_eq!(
        audit["entries"][0]["after_state"]["status"], "succeeded",
        "{audit}"
    );
}
