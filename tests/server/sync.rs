//! The sync WebSocket with real clients: tabs and devices of one user converge, edits to
//! different paths all survive, the sender sees its own echo, bad frames get error frames on a
//! connection that stays up, strangers and other sites are refused, and two server processes on
//! one Redis deliver each other's updates.

use crate::helpers::{Stack, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Signs up and returns the session cookie (`flightdeck_session=…`).
async fn account(app: &TestApp, email: &str) -> String {
    let response = reqwest::Client::new()
        .post(app.url("/api/auth/signup"))
        .json(&json!({ "email": email, "password": "correct horse battery", "workspace": "Sync" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn connect(app: &TestApp, cookie: &str) -> Socket {
    let url = app.url("/api/sync").replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", app.base.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let first = next(&mut socket).await;
    assert_eq!(first["type"], "state:full", "{first}");
    socket
}

async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("open")
            .expect("a frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

async fn update(socket: &mut Socket, path: &str, value: Value, client: &str, mutation: &str) {
    let frame = json!({ "type": "state:update", "payload": { "path": path, "value": value, "baseVersion": 0, "clientId": client, "mutationId": mutation } });
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn tabs_and_devices_of_one_user_converge_and_see_their_own_echo() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "tabs@example.com").await;
    let (mut tab1, mut tab2, mut device) = (
        connect(&app, &cookie).await,
        connect(&app, &cookie).await,
        connect(&app, &cookie).await,
    );

    update(
        &mut tab1,
        "preferences.density",
        json!("compact"),
        "tab1",
        "m1",
    )
    .await;
    update(&mut tab2, "widgets.w1", Value::Null, "tab2", "m1").await;
    // Every connection gets both, in the server's order, with consecutive versions.
    for socket in [&mut tab1, &mut tab2, &mut device] {
        let (a, b) = (next(socket).await, next(socket).await);
        assert_eq!(
            (a["type"].as_str(), b["type"].as_str()),
            (Some("state:sync"), Some("state:sync"))
        );
        assert_eq!(
            b["payload"]["version"].as_u64(),
            a["payload"]["version"].as_u64().map(|v| v + 1)
        );
        let senders: Vec<_> = [&a, &b]
            .iter()
            .map(|f| {
                (
                    f["payload"]["clientId"].as_str().unwrap().to_string(),
                    f["payload"]["mutationId"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(
            senders.contains(&("tab1".into(), "m1".into()))
                && senders.contains(&("tab2".into(), "m1".into()))
        );
    }
    // Both edits survive in the stored state, and a new connection starts from it.
    let mut late = connect_full(&app, &cookie).await;
    let full = next(&mut late).await;
    assert_eq!(full["payload"]["version"], 2);
    assert_eq!(
        full["payload"]["state"]["preferences"]["density"],
        "compact"
    );
    assert!(full["payload"]["state"]["widgets"].get("w1").is_none());
    // The REST API sees the same.
    let state = rest_state(&app, "tabs@example.com").await;
    assert_eq!(state["version"], 2);
}

#[tokio::test]
async fn other_users_get_nothing_of_it() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let (alice, bob) = (
        account(&app, "a@example.com").await,
        account(&app, "b@example.com").await,
    );
    let (mut alice, mut bob) = (connect(&app, &alice).await, connect(&app, &bob).await);
    update(
        &mut alice,
        "preferences.density",
        json!("compact"),
        "a",
        "1",
    )
    .await;
    assert_eq!(next(&mut alice).await["type"], "state:sync");
    assert!(
        tokio::time::timeout(Duration::from_millis(500), bob.next())
            .await
            .is_err(),
        "bob got alice's edit"
    );
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_connection_stays_up() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("DASHBOARD_STATE_MAX_BYTES", "4096")]);
    let cookie = account(&app, "bad@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    let cases = [
        (json!("{not json").as_str().unwrap().to_string(), "malformed"),
        (json!({ "type": "state:explode", "payload": {} }).to_string(), "malformed"),
        (json!({ "type": "state:update", "payload": { "path": "theme.x", "value": 1, "baseVersion": 0, "clientId": "c", "mutationId": "1" } }).to_string(), "invalid_path"),
        (json!({ "type": "state:update", "payload": { "path": "preferences.density", "value": "tiny", "baseVersion": 0, "clientId": "c", "mutationId": "2" } }).to_string(), "rejected"),
        (json!({ "type": "state:update", "payload": { "path": "widgets.w9", "value": null, "baseVersion": 0, "clientId": "c", "mutationId": "3" } }).to_string(), "rejected"),
        (json!({ "type": "state:update", "payload": { "path": "widgets.w1.config", "value": { "note": "x".repeat(5000) }, "baseVersion": 0, "clientId": "c", "mutationId": "4" } }).to_string(), "too_large"),
    ];
    for (frame, code) in cases {
        socket
            .send(Message::Text(frame.clone().into()))
            .await
            .unwrap();
        let reply = next(&mut socket).await;
        assert_eq!(
            (reply["type"].as_str(), reply["payload"]["code"].as_str()),
            (Some("error"), Some(code)),
            "{frame:.80}: {reply}"
        );
    }
    // Still up, and nothing was applied: the next good edit is version 1.
    update(
        &mut socket,
        "preferences.density",
        json!("compact"),
        "c",
        "5",
    )
    .await;
    let sync = next(&mut socket).await;
    assert_eq!(
        (sync["type"].as_str(), sync["payload"]["version"].as_u64()),
        (Some("state:sync"), Some(1)),
        "{sync}"
    );
}

#[tokio::test]
async fn strangers_and_other_sites_cannot_open_the_socket() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let url = app.url("/api/sync").replace("http://", "ws://");
    let err = tokio_tungstenite::connect_async(url.clone())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    let cookie = account(&app, "site@example.com").await;
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(request).await.unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
}

#[tokio::test]
async fn two_server_processes_on_one_redis_deliver_each_others_updates() {
    let stack = Stack::scaled().await;
    let (one, two) = (stack.spawn(&[]), stack.spawn(&[]));
    let cookie = account(&one, "fleet@example.com").await;
    // The session lives in Redis: the same cookie works on both instances.
    let (mut on_one, mut on_two) = (connect(&one, &cookie).await, connect(&two, &cookie).await);
    update(
        &mut on_one,
        "preferences.density",
        json!("compact"),
        "one",
        "1",
    )
    .await;
    update(
        &mut on_two,
        "filters.audit",
        json!({ "search": "deploy", "values": {} }),
        "two",
        "1",
    )
    .await;
    for socket in [&mut on_one, &mut on_two] {
        let versions: Vec<u64> = [next(socket).await, next(socket).await]
            .iter()
            .map(|f| f["payload"]["version"].as_u64().unwrap())
            .collect();
        assert_eq!(versions, [1, 2], "one counter for both instances");
    }
    let state = rest_state(&two, "fleet@example.com").await;
    assert_eq!(state["state"]["preferences"]["density"], "compact");
    assert_eq!(state["state"]["filters"]["audit"]["search"], "deploy");
}

#[tokio::test]
async fn a_flooding_connection_is_rate_limited_and_stays_up() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "flood@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    for _ in 0..150 {
        socket
            .send(Message::Text("{not json".into()))
            .await
            .unwrap();
    }
    let mut codes = Vec::new();
    for _ in 0..150 {
        codes.push(
            next(&mut socket).await["payload"]["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert!(
        codes.iter().filter(|c| *c == "rate_limited").count() >= 40,
        "{codes:?}"
    );
    assert!(
        codes.iter().filter(|c| *c == "malformed").count() >= 100,
        "{codes:?}"
    );
}

async fn no_acknowledged_update_is_lost_when_the_server_is_killed(stack: Stack) {
    let app = stack.spawn(&[]);
    let cookie = account(&app, "killed@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    for (i, density) in ["compact", "comfortable", "compact"].iter().enumerate() {
        update(
            &mut socket,
            "preferences.density",
            json!(density),
            "c",
            &i.to_string(),
        )
        .await;
        // The echo is the acknowledgement.
        assert_eq!(
            next(&mut socket).await["payload"]["mutationId"],
            i.to_string()
        );
    }
    update(
        &mut socket,
        "filters.audit",
        json!({ "search": "last", "values": {} }),
        "c",
        "last",
    )
    .await;
    assert_eq!(next(&mut socket).await["payload"]["version"], 4);
    drop(socket);
    drop(app); // SIGKILL: no graceful shutdown.

    let app = stack.spawn(&[]);
    let mut socket = connect_full(&app, &cookie).await;
    let full = next(&mut socket).await;
    assert_eq!(full["payload"]["version"], 4, "{full}");
    assert_eq!(
        full["payload"]["state"]["preferences"]["density"],
        "compact"
    );
    assert_eq!(
        full["payload"]["state"]["filters"]["audit"]["search"],
        "last"
    );
}

/// Connects without consuming the first frame.
async fn connect_full(app: &TestApp, cookie: &str) -> Socket {
    let url = app.url("/api/sync").replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

#[tokio::test]
async fn no_acknowledged_update_is_lost_when_the_embedded_server_is_killed() {
    no_acknowledged_update_is_lost_when_the_server_is_killed(Stack::embedded()).await;
}

#[tokio::test]
async fn no_acknowledged_update_is_lost_when_a_redis_backed_server_is_killed() {
    no_acknowledged_update_is_lost_when_the_server_is_killed(Stack::scaled().await).await;
}

#[tokio::test]
async fn a_client_that_was_away_catches_up_and_replays_its_offline_edits() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "away@example.com").await;
    let mut staying = connect(&app, &cookie).await;
    let leaving = connect(&app, &cookie).await;
    drop(leaving);
    // While it is away, the other tab edits twice.
    update(
        &mut staying,
        "preferences.density",
        json!("compact"),
        "staying",
        "1",
    )
    .await;
    update(&mut staying, "widgets.w2", Value::Null, "staying", "2").await;
    assert_eq!(next(&mut staying).await["payload"]["version"], 1);
    assert_eq!(next(&mut staying).await["payload"]["version"], 2);

    // Back: it starts from the whole state, missed edits included…
    let mut back = connect_full(&app, &cookie).await;
    let full = next(&mut back).await;
    assert_eq!(
        (full["type"].as_str(), full["payload"]["version"].as_u64()),
        (Some("state:full"), Some(2))
    );
    assert_eq!(
        full["payload"]["state"]["preferences"]["density"],
        "compact"
    );
    assert!(full["payload"]["state"]["widgets"].get("w2").is_none());
    // …then replays the edit it made offline, which both tabs get as version 3.
    update(
        &mut back,
        "filters.agents",
        json!({ "search": "offline edit", "values": {} }),
        "back",
        "queued-1",
    )
    .await;
    for socket in [&mut back, &mut staying] {
        let sync = next(socket).await;
        assert_eq!(
            (
                sync["payload"]["version"].as_u64(),
                sync["payload"]["mutationId"].as_str()
            ),
            (Some(3), Some("queued-1"))
        );
    }
}

/// The dashboard state as the REST API gives it to the user.
async fn rest_state(app: &TestApp, email: &str) -> Value {
    let client = app.sign_in(email, "correct horse battery").await;
    let response = client
        .get(app.url("/api/dashboard/state"))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}
