//! Finding 8: MCP and health URLs may hold secrets (`user:token@`, `?key=`), and went into the
//! audit log and to every member. Now the audit log keeps them redacted and only admins see them.

use crate::helpers::Stack;
use serde_json::{json, Value};

#[tokio::test]
async fn secrets_in_urls_are_redacted_in_the_audit_log_and_shown_only_to_admins() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let (viewer, _) = app.sign_up("viewer@example.com", "Own").await;
    app.add_member(&admin, &viewer, "viewer@example.com", "viewer")
        .await;
    let health = "https://ops:hunter2@agent.example.test/health?token=s3cret";
    let mcp = "https://ops:hunter2@mcp.example.test/mcp?key=s3cret";
    let agent = admin
        .post(app.url("/api/agents"))
        .json(&json!({ "name": "a", "role": "pulse", "healthUrl": health }))
        .send()
        .await
        .unwrap();
    assert_eq!(agent.status(), 201);
    let server = admin
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "m", "transport": { "kind": "http", "url": mcp } }))
        .send()
        .await
        .unwrap();
    assert_eq!(server.status(), 201);

    let read = |client: &reqwest::Client, path: &'static str| {
        let request = client.get(app.url(path));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    for (who, client) in [("viewer", &viewer), ("admin", &admin)] {
        let agents = read(client, "/api/agents").await;
        let servers = read(client, "/api/mcp/servers").await;
        let audit = read(client, "/api/audit?limit=100").await;
        assert!(
            !audit.contains("hunter2") && !audit.contains("s3cret"),
            "{who}: {audit}"
        );
        if who == "viewer" {
            for text in [&agents, &servers] {
                assert!(
                    !text.contains("hunter2") && !text.contains("s3cret"),
                    "{text}"
                );
            }
            assert!(
                agents.contains("https://***@agent.example.test/health?token=***"),
                "{agents}"
            );
        } else {
            assert!(
                agents.contains(health),
                "admins see what they typed: {agents}"
            );
            assert!(servers.contains(mcp), "{servers}");
        }
    }
    let audit: Vec<Value> =
        serde_json::from_str(&read(&admin, "/api/audit?limit=100").await).unwrap();
    let added = audit
        .iter()
        .find(|entry| entry["action"] == "mcp.add")
        .unwrap();
    assert_eq!(
        added["after_state"]["transport"]["url"],
        "https://***@mcp.example.test/mcp?key=***"
    );
}

/// Every member follows the workspace's `agent_state` topic, viewers too: an MCP server's
/// status events carry its URL with the secrets hidden, as the viewer's list does.
#[tokio::test]
async fn live_mcp_events_keep_url_secrets_hidden() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let viewer = crate::sync::account(&app, "watcher@example.com").await;
    app.add_member(&admin, viewer.as_str(), "watcher@example.com", "viewer")
        .await;
    let mut socket = crate::sync::connect(&app, &viewer).await;
    crate::live::subscribe(&mut socket, "agent_state").await;

    let mcp = "https://ops:hunter2@mcp.example.test/mcp?key=s3cret";
    let server = admin
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "m", "transport": { "kind": "http", "url": mcp } }))
        .send()
        .await
        .unwrap();
    assert_eq!(server.status(), 201);
    // Its status changes (connecting, then failed: the name does not resolve) are published.
    let event = loop {
        let frame = crate::sync::next(&mut socket).await;
        if frame.to_string().contains("mcp.example.test") {
            break frame;
        }
    };
    let text = event.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("s3cret"),
        "{text}"
    );
    assert!(
        text.contains("https://***@mcp.example.test/mcp?key=***"),
        "{text}"
    );
}
