//! The official MCP Inspector's CLI (`@modelcontextprotocol/inspector`, run with `node` from
//! node_modules, no network) against the gateway on loopback: it lists the tools, is allowed,
//! is denied, and waits on an asked call until the operator approves it.

use crate::gateway::{call, pending, set_policy, spawn_with_everything, workspace};
use crate::helpers::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// The Inspector's CLI package, which `@modelcontextprotocol/inspector` 1.0.3 installs and
/// whose `build/cli.js` is the very launcher `inspector --cli` runs (`--cli` starts the CLI as a
/// child `node`). Two packaging slips of 1.0.3 decide the paths: the `inspector/cli` copy imports
/// `commander` without declaring it and gets Tailwind's commander 4 at the top of node_modules,
/// and the CLI finds its own package.json at `../package.json` of the working directory.
const INSPECTOR_CLI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/node_modules/@modelcontextprotocol/inspector-cli/build"
);

/// What one run of the CLI gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The JSON it printed, after checking it exited 0.
    fn json(&self) -> Value {
        assert_eq!(self.code, Some(0), "stderr: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.stdout))
    }
}

/// Runs `inspector --cli <mcp> --transport http --header "Authorization: Bearer …" <rest>`.
async fn inspector(mcp: &str, token: &str, rest: &[&str]) -> Run {
    let mut command = Command::new("node");
    command
        .current_dir(INSPECTOR_CLI)
        .arg("cli.js")
        // The URL right after --cli, before the variadic --header.
        .args(["--cli", mcp, "--transport", "http"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Nothing between the CLI and the loopback server.
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        command.env_remove(proxy);
    }
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("the inspector finished")
        .expect("node runs the inspector (npm ci installs it)");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The text blocks of a printed `CallToolResult`.
fn text_of(result: &Value) -> String {
    result["content"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter(|block| block["type"] == "text")
                .filter_map(|block| block["text"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_mcp_inspector_cli_lists_is_allowed_denied_and_waits_for_an_approval() {
    let stack = Stack::embedded();
    let (app, _dir) = spawn_with_everything(&stack, &[]);
    let (cookie, token) = workspace(&app, "inspector@example.com", "inspector").await;
    set_policy(
        &app,
        &cookie,
        json!([
            { "server": "everything", "tool": "echo", "effect": "allow" },
            { "server": "everything", "tool": "get-env", "effect": "deny" },
        ]),
    )
    .await;
    let mcp = app.url("/mcp");

    // tools/list: the upstream's tools as server__tool, and Flightdeck's own.
    let listed = inspector(&mcp, &token, &["--method", "tools/list"])
        .await
        .json();
    let tools = listed["tools"].as_array().expect("a tools array");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    for expected in ["everything__echo", "everything__get-sum", "approval_prompt"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let echo = tools.iter().find(|t| t["name"] == "everything__echo");
    assert_eq!(
        echo.map(|t| &t["inputSchema"]["required"]),
        Some(&json!(["message"]))
    );

    // Allowed: the upstream's answer.
    let echoed = inspector(
        &mcp,
        &token,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "everything__echo",
            "--tool-arg",
            "message=hi",
        ],
    )
    .await
    .json();
    assert_eq!(text_of(&echoed), "Echo: hi", "{echoed}");
    assert_ne!(echoed["isError"], true);

    // Denied: the CLI fails with the gateway's MCP error, naming the rule.
    let denied = inspector(
        &mcp,
        &token,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "everything__get-env",
        ],
    )
    .await;
    assert_eq!(denied.code, Some(1), "stdout: {}", denied.stdout);
    assert!(denied.stdout.trim().is_empty(), "{}", denied.stdout);
    assert!(
        denied.stderr.contains(
            "everything__get-env denied by the workspace's policy (rule 2: deny everything/get-env"
        ),
        "{}",
        denied.stderr
    );

    // Asked (the default): the CLI waits until the operator approves, then prints the result.
    let waiting = {
        let (mcp, token) = (mcp.clone(), token.clone());
        tokio::spawn(async move {
            inspector(
                &mcp,
                &token,
                &[
                    "--method",
                    "tools/call",
                    "--tool-name",
                    "everything__get-sum",
                    "--tool-arg",
                    "a=2",
                    "b=3",
                ],
            )
            .await
        })
    };
    let asked = pending(&app, &cookie).await;
    assert_eq!(
        (&asked["gate"]["server"], &asked["gate"]["tool"]),
        (&json!("everything"), &json!("get-sum")),
        "{asked}"
    );
    assert!(
        asked["gate"]["rule"]
            .as_str()
            .is_some_and(|rule| rule.starts_with("default ask")),
        "{asked}"
    );
    // The CLI turned the arguments into the schema's numbers.
    assert_eq!(asked["arguments"], json!({ "a": 2, "b": 3 }));
    // Still waiting, and connected as the Inspector.
    assert!(!waiting.is_finished(), "the call waits for the decision");
    let (_, clients) = call(&app, &cookie, Method::GET, "/api/mcp/clients", None).await;
    assert!(
        clients
            .as_array()
            .is_some_and(|list| list.iter().any(|c| c["clientName"] == "inspector-cli")),
        "{clients}"
    );
    let id = asked["id"].as_str().expect("an approval id");
    let (status, approved) = call(
        &app,
        &cookie,
        Method::POST,
        &format!("/api/approvals/{id}/approve"),
        Some(json!({ "comment": "fine" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let summed = waiting.await.expect("the inspector task").json();
    assert_eq!(text_of(&summed), "The sum of 2 and 3 is 5.", "{summed}");
    let (_, after) = call(
        &app,
        &cookie,
        Method::GET,
        &format!("/api/approvals/{id}"),
        None,
    )
    .await;
    assert_eq!(after["run"]["status"], "succeeded", "{after}");
}
