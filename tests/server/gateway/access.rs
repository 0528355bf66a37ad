//! What a stranger, a viewer, another workspace and another agent get from the gateway, and
//! the token's limits and revocation.

use super::support::*;
use crate::helpers::Stack;
use crate::sync::account;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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
