//! What the benchmarks share: the server on a loopback port with their settings (in the
//! benchmark's process here, in its own in [`process`]), an operator signed in to a fresh
//! workspace, an agent's token, and answers whose status is checked (a benchmark that timed 429s
//! would be broken).

// Each benchmark uses what it needs of this.
#![allow(dead_code)]

pub mod process;

use anyhow::{ensure, Context};
use flightdeck::config::Config;
use flightdeck::server::router;
use flightdeck::state::AppState;
use serde_json::{json, Value};
use std::net::SocketAddr;

pub const OK: reqwest::StatusCode = reqwest::StatusCode::OK;
pub const CREATED: reqwest::StatusCode = reqwest::StatusCode::CREATED;

/// The server with `vars` (and no other environment) on a loopback port: its state and base URL.
pub async fn serve(vars: &[(&str, String)]) -> anyhow::Result<(AppState, String)> {
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })?;
    let state = AppState::connect(config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((state, format!("http://127.0.0.1:{}", addr.port())))
}

/// Sends `request` and returns its JSON body, refusing any status but `expected`.
pub async fn answer(
    request: reqwest::RequestBuilder,
    expected: reqwest::StatusCode,
) -> anyhow::Result<Value> {
    let response = request.send().await?;
    let (status, url) = (response.status(), response.url().path().to_owned());
    let body = response.text().await?;
    ensure!(status == expected, "{url}: {status} {body}");
    Ok(serde_json::from_str(&body)?)
}

/// An operator of a new workspace "Bench", signed in (the server needs `FLIGHTDECK_SIGNUP=open`).
pub async fn operator(base: &str) -> anyhow::Result<reqwest::Client> {
    let operator = reqwest::Client::builder().cookie_store(true).build()?;
    let account = json!({ "email": "bench@example.com", "password": "correct horse battery" });
    let mut signup = account.clone();
    signup["workspace"] = json!("Bench");
    let signup = operator
        .post(format!("{base}/api/auth/signup"))
        .json(&signup);
    answer(signup, reqwest::StatusCode::ACCEPTED).await?;
    answer(
        operator
            .post(format!("{base}/api/auth/login"))
            .json(&account),
        OK,
    )
    .await?;
    Ok(operator)
}

/// Registers an agent as `operator`: its token.
pub async fn agent_token(
    operator: &reqwest::Client,
    base: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<String> {
    let request = operator
        .post(format!("{base}/api/agents"))
        .json(&json!({ "name": name, "role": role }));
    let agent = answer(request, CREATED).await?;
    Ok(agent["token"]
        .as_str()
        .context("no agent token")?
        .to_owned())
}

/// Approves `ids` in one bulk decision as `operator`, refusing an answer where any failed.
pub async fn bulk_approve(
    operator: &reqwest::Client,
    base: &str,
    ids: &[String],
) -> anyhow::Result<Value> {
    let request = operator
        .post(format!("{base}/api/approvals/bulk"))
        .json(&json!({ "ids": ids, "decision": "approve" }));
    let bulk = answer(request, OK).await?;
    ensure!(
        bulk["succeeded"] == ids.len() && bulk["failed"] == 0,
        "bulk approval of {}: {} succeeded, {} failed",
        ids.len(),
        bulk["succeeded"],
        bulk["failed"]
    );
    Ok(bulk)
}
