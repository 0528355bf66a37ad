//! Claude Code's permission prompt and `request_approval`.

use super::support::*;
use crate::helpers::Stack;
use reqwest::StatusCode;
use rmcp::model::CallToolResult;
use serde_json::{json, Value};

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
