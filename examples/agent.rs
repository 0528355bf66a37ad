//! A reference agent: asks Flightdeck before running a risky tool and waits for the decision by
//! long-polling (answered the moment an operator decides, re-asked at each timeout; no polling
//! loop of its own). Exits 0 when the run is allowed, 2 when it is not.
//!
//! ```sh
//! FLIGHTDECK_URL=http://127.0.0.1:8080 FLIGHTDECK_AGENT_TOKEN=fd_… \
//!   cargo run --example agent -- deploy '{"service":"api","version":"2.1"}' "ship the fix" high
//! ```

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
    let risk = args.next().unwrap_or_else(|| "medium".into());
    let deadline_seconds: Option<i64> = args.next().and_then(|s| s.parse().ok());

    let http = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let mut body = json!({ "tool": tool, "arguments": arguments, "reason": reason, "risk": risk });
    if let Some(seconds) = deadline_seconds {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_millis() as i64;
        body["deadline"] = json!(now + seconds * 1000);
    }
    let answer = http
        .post(format!("{base}/api/v1/approvals"))
        .header("authorization", &auth)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("cannot reach Flightdeck: {e}"))?;
    let status = answer.status();
    let approval: Value = answer.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("asking failed ({status}): {}", approval["error"]));
    }
    let id = approval["id"]
        .as_str()
        .ok_or("no id in the answer")?
        .to_owned();
    println!("asked: {id} ({tool}), waiting for a decision…");
    loop {
        // Each wait answers at the decision, or with `pending` after 55 s: then wait again.
        let answer = http
            .get(format!("{base}/api/v1/approvals/{id}/wait?timeout=55"))
            .header("authorization", &auth)
            .send()
            .await;
        let approval: Value = match answer {
            Ok(answer) => answer.json().await.map_err(|e| e.to_string())?,
            Err(err) => {
                // Disconnected: the decision is kept on the server; ask again shortly.
                eprintln!("wait interrupted ({err}); asking again");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                continue;
            }
        };
        match approval["status"].as_str() {
            Some("pending") => continue,
            Some(status) => {
                let allowed = approval["allowed"].as_bool().unwrap_or(false);
                println!(
                    "{status} by {}{}: {}",
                    approval["decidedBy"].as_str().unwrap_or("?"),
                    approval["comment"]
                        .as_str()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default(),
                    if allowed {
                        "running the tool"
                    } else {
                        "not running it"
                    }
                );
                return Ok(allowed);
            }
            None => return Err(format!("unexpected answer: {approval}")),
        }
    }
}
