//! Finding 6, unbounded growth: every quota answers its 413 or 429 naming the variable that sets
//! it and nothing past it is stored; a member's huge path edits leave the server's memory
//! bounded (the figures are printed); a revoked token's stream and long-poll end at once;
//! `/metrics` needs its token and labels made-up methods `OTHER`; a slow request is cut.

use crate::fleet::{bearer, call, register};
use crate::helpers::{on_both_stacks, Stack, TestApp};
use crate::sync::{account, connect, next, update, Socket};
use futures_util::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

on_both_stacks!(
    fleet_items_per_kind_are_capped,
    agents_and_mcp_servers_per_workspace_are_capped,
    a_revoked_tokens_stream_and_long_poll_end_at_once,
);

/// Asserts a refusal: its status, and an error message naming `var`.
fn refused(status: StatusCode, body: &Value, expected: StatusCode, var: &str) {
    assert_eq!(status, expected, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(message.contains(var), "the refusal names {var}: {message}");
}

/// A field of `/proc/<pid>/status`, in KiB.
fn proc_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The frame that answers `mutation` (its echo or its refusal), retrying past the rate limit.
async fn answer(socket: &mut Socket, path: &str, value: &Value, mutation: &str) -> Value {
    loop {
        update(socket, path, value.clone(), "tab", mutation).await;
        loop {
            let frame = next(socket).await;
            let id = frame["payload"]["mutationId"].as_str();
            if frame["payload"]["code"] == "rate_limited" {
                tokio::time::sleep(Duration::from_millis(200)).await;
                break;
            }
            if id == Some(mutation) {
                return frame;
            }
        }
    }
}

#[tokio::test]
async fn huge_path_edits_stop_at_the_state_limit_and_memory_stays_bounded() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    let cookie = account(&app, "grower@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    let (rss_before, peak_before) = (proc_kib(app.pid(), "VmRSS:"), proc_kib(app.pid(), "VmHWM:"));
    let blob = "x".repeat(900 * 1024);
    let (mut accepted, mut refusals) = (0, 0);
    for i in 0..200 {
        let value = json!({ "search": blob, "values": {} });
        let frame = answer(
            &mut socket,
            &format!("filters.f{i}"),
            &value,
            &format!("m{i}"),
        )
        .await;
        if frame["type"] == "state:sync" {
            accepted += 1;
        } else {
            assert_eq!(
                frame["payload"]["code"], "too_large",
                "{}",
                frame["payload"]
            );
            let message = frame["payload"]["message"].as_str().unwrap();
            assert!(message.contains("DASHBOARD_STATE_MAX_BYTES"), "{message}");
            refusals += 1;
        }
        assert!(
            accepted <= 1,
            "edit {i} was applied: the state is {accepted} × 900 KB"
        );
    }
    let (rss_after, peak_after) = (proc_kib(app.pid(), "VmRSS:"), proc_kib(app.pid(), "VmHWM:"));
    println!(
        "200 path edits of 900 KB by one member: {accepted} applied, {refusals} refused; server VmRSS {} MiB before, {} MiB after; peak (VmHWM) {} MiB before, {} MiB after",
        rss_before / 1024,
        rss_after / 1024,
        peak_before / 1024,
        peak_after / 1024
    );
    assert!(
        rss_after < rss_before + 100 * 1024,
        "VmRSS grew past 100 MiB"
    );
    assert!(
        peak_after < peak_before + 150 * 1024,
        "the peak grew past 150 MiB"
    );

    // The HTTP fallback is held to the same limit; the stored state kept one blob only.
    let http = Client::new();
    let response = http
        .post(app.url("/api/sync/update"))
        .header("cookie", &cookie)
        .json(&json!({ "path": "filters.http", "value": { "search": blob, "values": {} }, "baseVersion": 0, "clientId": "h", "mutationId": "h1" }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    refused(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "DASHBOARD_STATE_MAX_BYTES",
    );
    let stored = http
        .get(app.url("/api/dashboard/state"))
        .header("cookie", &cookie);
    let stored: Value = stored.send().await.unwrap().json().await.unwrap();
    assert_eq!(stored["state"]["filters"].as_object().unwrap().len(), 1);
}

#[tokio::test]
async fn a_client_catching_up_gets_the_state_rather_than_a_log_bigger_than_it() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    let cookie = account(&app, "rewriter@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    // Ten 900 KB rewrites of one path: each state is under the limit, their log is not.
    let blob = json!({ "search": "x".repeat(900 * 1024), "values": {} });
    for i in 0..10 {
        let frame = answer(&mut socket, "filters.big", &blob, &format!("r{i}")).await;
        assert_eq!(frame["type"], "state:sync", "{}", frame["payload"]);
    }
    let poll = Client::new()
        .get(app.url("/api/sync/poll?since=1"))
        .header("cookie", &cookie);
    let text = poll.send().await.unwrap().text().await.unwrap();
    assert!(
        text.len() < 2 * 1024 * 1024,
        "{} bytes for one poll",
        text.len()
    );
    let frames: Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&str> = frames["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["state:full"]);
}

#[tokio::test]
async fn widgets_per_dashboard_are_capped_on_edits_and_saves() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_MAX_WIDGETS", "8"),
    ]);
    let cookie = account(&app, "widgets@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    let widget = json!({ "kind": "alerts", "config": {}, "position": { "x": 0, "y": 30 }, "size": { "w": 2, "h": 2 } });
    // The defaults have 7: the 8th fits, the 9th does not.
    let eighth = answer(&mut socket, "widgets.w8", &widget, "a").await;
    assert_eq!(eighth["type"], "state:sync", "{eighth}");
    let ninth = answer(&mut socket, "widgets.w9", &widget, "b").await;
    assert_eq!(ninth["payload"]["code"], "too_many_widgets", "{ninth}");
    assert!(ninth["payload"]["message"]
        .as_str()
        .unwrap()
        .contains("FLIGHTDECK_MAX_WIDGETS"));

    let http = Client::new();
    let get = || {
        http.get(app.url("/api/dashboard/state"))
            .header("cookie", &cookie)
    };
    let mut current: Value = get().send().await.unwrap().json().await.unwrap();
    assert_eq!(current["state"]["widgets"].as_object().unwrap().len(), 8);
    current["state"]["widgets"]["w9"] = widget.clone();
    let response = http
        .post(app.url("/api/dashboard/state"))
        .header("cookie", &cookie)
        .json(&json!({ "version": current["version"], "state": current["state"] }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    refused(
        status,
        &response.json().await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "FLIGHTDECK_MAX_WIDGETS",
    );
    let after: Value = get().send().await.unwrap().json().await.unwrap();
    assert_eq!(after["state"]["widgets"].as_object().unwrap().len(), 8);
}

async fn fleet_items_per_kind_are_capped(stack: Stack) {
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_MAX_FLEET_ITEMS", "100"),
        ("AGENT_RATE_LIMIT_PER_MINUTE", "1000000"),
        ("AGENT_RATE_LIMIT_BURST", "100000"),
    ]);
    let cookie = account(&app, "fleet-cap@example.com").await;
    let token = register(&app, &cookie, json!({ "name": "pusher", "role": "pulse" })).await;
    let auth = bearer(&token);
    let push = |from: usize, to: usize| {
        let tasks: Vec<Value> = (from..to)
            .map(|i| json!({ "id": format!("t{i}"), "title": "x", "status": "todo" }))
            .collect();
        call(
            &app,
            ("authorization", &auth),
            "POST",
            "/api/v1/tasks",
            Some(json!({ "tasks": tasks })),
        )
    };
    let stored = || call(&app, ("cookie", &cookie), "GET", "/api/fleet/tasks", None);
    assert_eq!(push(0, 60).await.0, StatusCode::OK);
    let (status, body) = push(60, 120).await;
    refused(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "FLIGHTDECK_MAX_FLEET_ITEMS",
    );
    assert_eq!(
        stored().await.1.as_array().unwrap().len(),
        60,
        "none of it stored"
    );
    assert_eq!(
        push(0, 60).await.0,
        StatusCode::OK,
        "updates of stored keys pass"
    );
    assert_eq!(push(60, 100).await.0, StatusCode::OK);
    let (status, body) = push(100, 101).await;
    refused(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "FLIGHTDECK_MAX_FLEET_ITEMS",
    );
    assert_eq!(stored().await.1.as_array().unwrap().len(), 100);
    // The activity feed makes room by dropping its oldest lines.
    for i in 0..150 {
        let line = json!({ "text": format!("line {i}") });
        let (status, body) = call(
            &app,
            ("authorization", &auth),
            "POST",
            "/api/v1/activity",
            Some(line),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, feed) = call(
        &app,
        ("cookie", &cookie),
        "GET",
        "/api/fleet/activity",
        None,
    )
    .await;
    assert_eq!(
        feed.as_array().unwrap().len(),
        100,
        "{stack}",
        stack = stack.name
    );
    let lines: Vec<&str> = feed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["data"]["text"].as_str())
        .collect();
    assert!(
        lines.contains(&"line 149") && !lines.contains(&"line 0"),
        "{lines:?}"
    );
}

async fn agents_and_mcp_servers_per_workspace_are_capped(stack: Stack) {
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_MAX_AGENTS", "2"),
        ("FLIGHTDECK_MAX_MCP_SERVERS", "1"),
    ]);
    let cookie = account(&app, "caps@example.com").await;
    let admin = ("cookie", cookie.as_str());
    for name in ["a1", "a2"] {
        register(&app, &cookie, json!({ "name": name, "role": "pulse" })).await;
    }
    let (status, body) = call(
        &app,
        admin,
        "POST",
        "/api/agents",
        Some(json!({ "name": "a3", "role": "pulse" })),
    )
    .await;
    refused(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "FLIGHTDECK_MAX_AGENTS",
    );
    let (status, body) = call(
        &app,
        admin,
        "POST",
        "/api/agents",
        Some(json!({ "name": "a1", "role": "pulse" })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a taken name is still told as such: {body}"
    );
    assert_eq!(
        call(&app, admin, "GET", "/api/agents", None)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let server = |name: &str| json!({ "name": name, "transport": { "kind": "http", "url": "http://mcp.invalid/mcp" } });
    let (status, body) = call(&app, admin, "POST", "/api/mcp/servers", Some(server("m1"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(&app, admin, "POST", "/api/mcp/servers", Some(server("m2"))).await;
    refused(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "FLIGHTDECK_MAX_MCP_SERVERS",
    );
    let (_, listed) = call(&app, admin, "GET", "/api/mcp/servers", None).await;
    assert_eq!(listed["servers"].as_array().unwrap().len(), 1, "{listed}");
}

/// Opens the sync socket, or the HTTP answer that refused it.
async fn try_connect(app: &TestApp, cookie: &str) -> Result<Socket, (u16, String)> {
    let url = app.url("/api/sync").replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            Err((
                response.status().as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
            ))
        }
        Err(other) => panic!("connect: {other}"),
    }
}

#[tokio::test]
async fn websockets_per_user_are_capped_and_a_closed_one_frees_its_place() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_MAX_SOCKETS_PER_USER", "2"),
    ]);
    let cookie = account(&app, "tabs-cap@example.com").await;
    let (first, _second) = (connect(&app, &cookie).await, connect(&app, &cookie).await);
    let Err((status, body)) = try_connect(&app, &cookie).await else {
        panic!("a third socket was let in");
    };
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("FLIGHTDECK_MAX_SOCKETS_PER_USER"), "{body}");
    let other = account(&app, "other-user@example.com").await;
    assert!(
        try_connect(&app, &other).await.is_ok(),
        "other users are apart"
    );
    drop(first);
    // The server frees the place once it sees the socket gone.
    for attempt in 0.. {
        match try_connect(&app, &cookie).await {
            Ok(_) => break,
            Err((429, _)) if attempt < 100 => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(other) => panic!("the closed socket's place was not freed: {other:?}"),
        }
    }
}

/// An agent of a fresh account, with one pending approval: the admin's cookie, the agent's id,
/// its token and the approval's id.
async fn agent_with_approval(app: &TestApp, email: &str) -> (String, String, String, String) {
    let cookie = account(app, email).await;
    let (_, registered) = call(
        app,
        ("cookie", &cookie),
        "POST",
        "/api/agents",
        Some(json!({ "name": "waiter", "role": "pulse" })),
    )
    .await;
    let token = registered["token"].as_str().unwrap().to_owned();
    let ask = json!({ "tool": "deploy", "arguments": {}, "reason": "r", "risk": "low" });
    let (_, approval) = call(
        app,
        ("authorization", &bearer(&token)),
        "POST",
        "/api/v1/approvals",
        Some(ask),
    )
    .await;
    let (agent, approval) = (
        registered["id"].as_str().unwrap(),
        approval["id"].as_str().unwrap(),
    );
    (cookie, agent.to_owned(), token, approval.to_owned())
}

fn events(app: &TestApp, token: &str) -> reqwest::RequestBuilder {
    Client::new()
        .get(app.url("/api/v1/events"))
        .bearer_auth(token)
}

fn wait(app: &TestApp, token: &str, approval: &str, seconds: u64) -> reqwest::RequestBuilder {
    let path = format!("/api/v1/approvals/{approval}/wait?timeout={seconds}");
    Client::new().get(app.url(&path)).bearer_auth(token)
}

#[tokio::test]
async fn long_polls_and_streams_per_token_are_capped() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_MAX_STREAMS_PER_TOKEN", "2"),
    ]);
    let (_, _, token, approval) = agent_with_approval(&app, "streams-cap@example.com").await;
    let (one, two) = (
        events(&app, &token).send().await.unwrap(),
        events(&app, &token).send().await.unwrap(),
    );
    assert_eq!(
        (one.status(), two.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    for third in [events(&app, &token), wait(&app, &token, &approval, 60)] {
        let response = third.send().await.unwrap();
        // Checked before the body is read: a stream let in would never end.
        let status = response.status();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let body = response.json().await.unwrap();
        refused(status, &body, status, "FLIGHTDECK_MAX_STREAMS_PER_TOKEN");
    }
}

async fn a_revoked_tokens_stream_and_long_poll_end_at_once(stack: Stack) {
    let app = stack.spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    let (cookie, agent, token, approval) = agent_with_approval(&app, "revoker@example.com").await;
    let stream = events(&app, &token).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let polling = tokio::spawn(wait(&app, &token, &approval, 120).send());
    // The long-poll is waiting (its own timeout is two minutes) before the token is revoked.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let revoked = Client::new()
        .delete(app.url(&format!("/api/agents/{agent}/token")))
        .header("cookie", &cookie);
    assert_eq!(revoked.send().await.unwrap().status(), StatusCode::OK);

    let answer = tokio::time::timeout(Duration::from_secs(10), polling)
        .await
        .expect("the long-poll answers within 10 s of the revocation, not at its timeout")
        .unwrap()
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let mut text = String::new();
    let mut body = stream.bytes_stream();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the event stream ends within 10 s of the revocation: {text:?}"
    );
    assert!(text.contains("event: revoked"), "{text}");
}

#[tokio::test]
async fn password_hashing_has_a_bounded_number_of_permits() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("FLIGHTDECK_PASSWORD_HASHING_PERMITS", "1"),
        ("FLIGHTDECK_PASSWORD_HASHING_WAIT_MS", "0"),
    ]);
    // Eight sign-ins at once (within the per-address burst), one permit: the others are busy.
    let attempts = (0..8).map(|i| {
        let body =
            json!({ "email": format!("nobody{i}@example.com"), "password": "wrong password" });
        Client::new()
            .post(app.url("/api/auth/login"))
            .json(&body)
            .send()
    });
    let answers = futures_util::future::join_all(attempts).await;
    let mut busy = 0;
    for answer in answers {
        let answer = answer.unwrap();
        let status = answer.status();
        let body: Value = answer.json().await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => {
                refused(
                    status,
                    &body,
                    StatusCode::TOO_MANY_REQUESTS,
                    "FLIGHTDECK_PASSWORD_HASHING_PERMITS",
                );
                busy += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(
        busy > 0,
        "with one permit, eight sign-ins at once cannot all be hashed"
    );
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let body = json!({ "email": email, "password": password });
    Client::new()
        .post(app.url("/api/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_account_backs_off_after_failed_sign_ins_right_password_or_not() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_SIGNIN_BACKOFF_AFTER", "3"),
        ("FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS", "60"),
    ]);
    account(&app, "target@example.com").await;
    account(&app, "bystander@example.com").await;
    for _ in 0..3 {
        assert_eq!(
            login(&app, "target@example.com", "guess").await.status(),
            401
        );
    }
    let locked = login(&app, "Target@Example.com", "correct horse battery").await;
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");
    refused(
        locked.status(),
        &locked.json().await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "FLIGHTDECK_SIGNIN_BACKOFF_AFTER",
    );
    let other = login(&app, "bystander@example.com", "correct horse battery").await;
    assert_eq!(other.status(), 200, "other accounts sign in");
}

#[tokio::test]
async fn a_success_forgets_the_failures() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("FLIGHTDECK_SIGNUP", "open"),
        ("FLIGHTDECK_SIGNIN_BACKOFF_AFTER", "3"),
        ("FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS", "60"),
    ]);
    let (email, right) = ("forgiven@example.com", "correct horse battery");
    account(&app, email).await;
    let status = |response: reqwest::Response| response.status().as_u16();
    // Two failures and a success, then three failures: the success wiped the first two, so
    // only the third of the new run makes the account wait.
    let mut seen = Vec::new();
    for password in ["guess", "guess", right, "guess", "guess", "guess", right] {
        seen.push(status(login(&app, email, password).await));
    }
    assert_eq!(seen, [401, 401, 200, 401, 401, 401, 429]);
}

#[tokio::test]
async fn metrics_need_the_token_when_set_and_methods_are_labelled_from_a_known_set() {
    let stack = Stack::embedded();
    let token = "scrape-token-for-the-test-0123";
    let app = stack.spawn(&[("FLIGHTDECK_METRICS_TOKEN", token)]);
    let http = Client::new();
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    http.request(brew, app.url("/healthz"))
        .send()
        .await
        .unwrap();
    for header in [None, Some("Bearer wrong-token-0123456789"), Some(token)] {
        let mut request = http.get(app.url("/metrics"));
        if let Some(value) = header {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        refused(
            status,
            &response.json().await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "FLIGHTDECK_METRICS_TOKEN",
        );
    }
    let scrape = http
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.unwrap();
    assert!(!text.contains("BREW"), "{text}");
    assert!(text.contains(r#"method="OTHER""#), "{text}");
}

#[tokio::test]
async fn a_request_past_the_timeout_is_cut_but_a_long_poll_is_not() {
    // A health URL that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang = format!("http://{}/hang", listener.local_addr().unwrap());
    let never = axum::Router::new().route(
        "/hang",
        axum::routing::get(std::future::pending::<&'static str>),
    );
    tokio::spawn(async move { axum::serve(listener, never).await.unwrap() });
    // The account first, on the default timeout (hashing its password takes seconds in a debug
    // build); then the same stores behind a one-second timeout.
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    let (cookie, _, token, approval) = agent_with_approval(&app, "slow@example.com").await;
    drop(app);
    let app = stack.spawn(&[
        ("FLIGHTDECK_REQUEST_TIMEOUT_SECS", "1"),
        ("HEALTH_CHECK_INTERVAL_SECS", "3600"),
        // For the egress policy: this test's own listener is on loopback.
        ("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.1/32"),
    ]);
    let hung =
        json!({ "name": "hung", "role": "pulse", "healthUrl": hang, "healthTimeoutMs": 20000 });
    register(&app, &cookie, hung).await;
    let (status, body) = call(
        &app,
        ("cookie", &cookie),
        "POST",
        "/api/agents/health/check",
        None,
    )
    .await;
    refused(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "FLIGHTDECK_REQUEST_TIMEOUT_SECS",
    );
    let pending = wait(&app, &token, &approval, 2).send().await.unwrap();
    assert_eq!(
        pending.status(),
        StatusCode::OK,
        "the long-poll outlives the timeout"
    );
    assert_eq!(pending.json::<Value>().await.unwrap()["status"], "pending");
}
