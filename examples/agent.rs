//! A reference agent: asks Flightdeck before running a risky tool and waits for the decision by
//! long-polling (answered the moment an operator decides, re-asked at each timeout; no polling
//! loop of its own). Exits 0 when the run is allowed, 2 when it is not.
//!
//! ```sh
//! FLIGHTDECK_URL=http://127.0.0.1:8080 FLIGHTDECK_AGENT_TOKEN=fd_… \
//!   cargo run --example agent -- deploy '{"service":"api","version":"2.1"}' "ship the fix" high
//! ```

use flightdeck::agents::client::AgentClient;
use flightdeck::approvals::{NewApproval, Risk};
use serde_json::{json, Value};
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(err) => {
            eprintln!("agent: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<bool, String> {
    let base = std::env::var("FLIGHTDECK_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let token = std::env::var("FLIGHTDECK_AGENT_TOKEN").map_err(|_| {
        "set FLIGHTDECK_AGENT_TOKEN to the token shown when the agent was registered"
    })?;
    let mut args = std::env::args().skip(1);
    let tool = args.next().unwrap_or_else(|| "deploy".into());
    let arguments: Value = match args.next() {
        Some(text) => serde_json::from_str(&text).map_err(|e| format!("arguments: {e}"))?,
        None => json!({}),
    };
    let reason = args.next().unwrap_or_default();
    let risk: Risk = serde_json::from_value(json!(args.next().unwrap_or_else(|| "medium".into())))
        .map_err(|_| "risk must be low, medium or high")?;
    let deadline = match args.next().map(|s| s.parse::<i64>()) {
        None => None,
        Some(Ok(seconds)) => Some(flightdeck::records::now_ms() + seconds * 1000),
        Some(Err(_)) => return Err("the deadline is a whole number of seconds".into()),
    };

    let agent = AgentClient::new(&base, &token);
    let new = NewApproval {
        tool: tool.clone(),
        arguments,
        reason,
        risk,
        deadline,
    };
    let approval = agent
        .ask(&new)
        .await
        .map_err(|e| format!("asking failed: {e}"))?;
    println!("asked: {} ({tool}), waiting for a decision…", approval.id);
    let approval = agent
        .decision(&approval.id)
        .await
        .map_err(|e| e.to_string())?;
    let allowed = approval.allowed.unwrap_or(false);
    println!(
        "{} by {}{}: {}",
        approval.status.as_str(),
        approval.decided_by.as_deref().unwrap_or("?"),
        approval
            .comment
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default(),
        if allowed {
            "running the tool"
        } else {
            "not running it"
        }
    );
    Ok(allowed)
}
