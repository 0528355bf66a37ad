//! Gated calls: listed, allowed, denied, asked and edited, rejected; a long-running tool's
//! progress and outcome; always-allow and the policy's revisions.

use super::support::*;
use crate::helpers::{on_both_stacks, Stack};
use crate::live::subscribe;
use crate::sync::{connect, next};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

on_both_stacks!(an_mcp_client_lists_is_allowed_denied_and_asked_and_the_operator_edits_and_rejects);

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
async fn connected_clients_are_told_when_the_upstream_tools_change() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "changes@example.com", "watcher").await;
    let client = mcp_client(&app, &token).await.unwrap();
    let before = client.service().list_changed.load(Ordering::SeqCst);
    let names = |tools: Vec<rmcp::model::Tool>| -> Vec<String> {
        tools
            .into_iter()
            .map(|tool| tool.name.to_string())
            .collect()
    };
    assert!(names(client.list_all_tools().await.unwrap()).contains(&"everything__echo".to_owned()));
    // Removing the server is a change of the workspace's tools: the client hears of it.
    let (_, overview) = call(
        &app,
        &cookie,
        reqwest::Method::GET,
        "/api/mcp/servers",
        None,
    )
    .await;
    let id = overview["servers"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &cookie,
        reqwest::Method::DELETE,
        &format!("/api/mcp/servers/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let started = Instant::now();
    while client.service().list_changed.load(Ordering::SeqCst) == before {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no notifications/tools/list_changed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        names(client.list_all_tools().await.unwrap()),
        ["approval_prompt", "request_approval"]
    );
    client.cancel().await.unwrap();
}
