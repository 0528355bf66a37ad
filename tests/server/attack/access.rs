//! Who gets what from the endpoints the hardening added or changed: a stranger (no session) gets
//! 401, a viewer 403, and another workspace's admin 404 for this workspace's things (or their
//! own, empty of ours), and none of them changes anything.

use crate::helpers::{new_client, Stack};
use flightdeck::agents::Registered;
use flightdeck::mcp::McpServer;
use flightdeck::members::{Invite, Member};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A caller, and what each request gets.
async fn call(
    who: &reqwest::Client,
    url: String,
    method: Method,
    body: Option<&Value>,
) -> (StatusCode, String) {
    let mut request = who.request(method, url);
    if let Some(body) = body {
        request = request.json(body);
    }
    let answer = request.send().await.unwrap();
    (answer.status(), answer.text().await.unwrap())
}

async fn create<T: DeserializeOwned>(who: &reqwest::Client, url: String, body: Value) -> T {
    let answer = who.post(url).json(&body).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    answer.json().await.unwrap()
}

#[tokio::test]
async fn strangers_viewers_and_other_workspaces_get_nothing_from_the_new_endpoints() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let (viewer, _) = app.sign_up("viewer@example.com", "Own").await;
    app.add_member(&admin, &viewer, "viewer@example.com", "viewer")
        .await;
    // An admin of another workspace.
    let (other, _) = app.sign_up("other@example.com", "Elsewhere").await;
    let stranger = new_client();

    // This workspace's things: a member, an invitation, an agent and an MCP server.
    let members: Vec<Member> = app.read(&admin, "/api/workspace/members").await;
    let member = &members
        .iter()
        .find(|m| m.email == "viewer@example.com")
        .unwrap()
        .user_id;
    let invite: Invite = create(
        &admin,
        app.url("/api/workspace/invites"),
        json!({ "email": "invitee@example.com", "role": "viewer" }),
    )
    .await;
    let agent: Registered = create(
        &admin,
        app.url("/api/agents"),
        json!({ "name": "a", "role": "pulse" }),
    )
    .await;
    let server: McpServer = create(&admin, app.url("/api/mcp/servers"), json!({ "name": "m", "transport": { "kind": "http", "url": "https://mcp.example.test/mcp" } })).await;

    let promote = json!({ "role": "admin" });
    let new_invite = json!({ "email": "someone@example.com", "role": "admin" });
    let new_server = json!({ "name": "x", "transport": { "kind": "http", "url": "https://x.example.test/mcp" } });
    // (method, path, body, what another workspace's admin gets: None where the call acts on
    // their own workspace instead, checked below)
    let cases: Vec<(Method, String, Option<&Value>, Option<StatusCode>)> = vec![
        (
            Method::PATCH,
            format!("/api/workspace/members/{member}"),
            Some(&promote),
            Some(StatusCode::NOT_FOUND),
        ),
        (
            Method::DELETE,
            format!("/api/workspace/members/{member}"),
            None,
            Some(StatusCode::NOT_FOUND),
        ),
        (Method::GET, "/api/workspace/invites".into(), None, None),
        (
            Method::POST,
            "/api/workspace/invites".into(),
            Some(&new_invite),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/workspace/invites/{}", invite.id),
            None,
            Some(StatusCode::NOT_FOUND),
        ),
        (Method::GET, "/api/mcp/offered".into(), None, None),
        (
            Method::POST,
            "/api/mcp/servers".into(),
            Some(&new_server),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/mcp/servers/{}", server.id),
            None,
            Some(StatusCode::NOT_FOUND),
        ),
        (Method::POST, "/api/agents/health/check".into(), None, None),
        (
            Method::DELETE,
            format!("/api/agents/{}/token", agent.id),
            None,
            Some(StatusCode::NOT_FOUND),
        ),
    ];
    for (method, path, body, elsewhere) in &cases {
        let url = || app.url(path);
        let (status, text) = call(&stranger, url(), method.clone(), *body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "stranger: {method} {path}: {text}"
        );
        let (status, text) = call(&viewer, url(), method.clone(), *body).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "viewer: {method} {path}: {text}"
        );
        if let Some(expected) = elsewhere {
            let (status, text) = call(&other, url(), method.clone(), *body).await;
            assert_eq!(
                status, *expected,
                "other workspace: {method} {path}: {text}"
            );
        }
    }
    // Every member may list the members: each sees their own workspace's.
    let (status, _) = call(
        &stranger,
        app.url("/api/workspace/members"),
        Method::GET,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let seen: Vec<Member> = app.read(&viewer, "/api/workspace/members").await;
    assert_eq!(seen.len(), members.len());
    for list in [
        "/api/workspace/members",
        "/api/workspace/invites",
        "/api/mcp/servers",
    ] {
        let (status, text) = call(&other, app.url(list), Method::GET, None).await;
        assert_eq!(status, StatusCode::OK);
        for ours in [
            "viewer@example.com",
            "invitee@example.com",
            "mcp.example.test",
        ] {
            assert!(
                !text.contains(ours),
                "another workspace sees {ours}: {text}"
            );
        }
    }

    // Nothing changed: the member keeps their role, the invitation, the server and the agent's
    // token are still there.
    let after: Vec<Member> = app.read(&admin, "/api/workspace/members").await;
    assert_eq!(after, members);
    let invites: Vec<Invite> = app.read(&admin, "/api/workspace/invites").await;
    assert_eq!(
        invites.iter().map(|i| &i.id).collect::<Vec<_>>(),
        [&invite.id]
    );
    let servers: Value = app.read(&admin, "/api/mcp/servers").await;
    assert_eq!(servers["servers"].as_array().unwrap().len(), 1, "{servers}");
    let heartbeat = new_client()
        .post(app.url("/api/v1/heartbeat"))
        .bearer_auth(&agent.token)
        .json(&json!({ "status": "idle", "vitals": { "cpuPercent": 1.0, "memoryMb": 1, "queueDepth": 0, "uptimeSecs": 1 } }))
        .send()
        .await
        .unwrap();
    assert!(heartbeat.status().is_success(), "{}", heartbeat.status());
}
