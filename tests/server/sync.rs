//! The sync WebSocket with real clients: tabs and devices of one user converge, edits to
//! different paths all survive, the sender sees its own echo, bad frames get error frames on a
//! connection that stays up, strangers and other sites are refused, and two server processes on
//! one Redis deliver each other's updates.

use crate::helpers::{on_both_stacks, Stack, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

on_both_stacks!(
    no_acknowledged_update_is_lost_when_the_server_is_killed,
    a_whole_state_save_reaches_open_tabs_and_restarts_the_log,
);

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Signs up and returns the session cookie (`flightdeck_session=…`).
pub async fn account(app: &TestApp, email: &str) -> String {
    let http = reqwest::Client::new();
    let response = http
        .post(app.url("/api/auth/signup"))
        .json(&json!({ "email": email, "password": "correct horse battery", "workspace": "Sync" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let response = http
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": email, "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

pub async fn connect(app: &TestApp, cookie: &str) -> Socket {
    let mut socket = open(app, cookie, "/api/sync").await;
    let first = next(&mut socket).await;
    assert_eq!(first["type"], "state:full", "{first}");
    socket
}

/// Opens `path` (`/api/sync` and its query) as the signed-in user, from the app's own origin.
pub async fn open(app: &TestApp, cookie: &str, path: &str) -> Socket {
    let url = app.url(path).replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", app.base.parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    socket
}

pub async fn next(socket: &mut Socket) -> Value {
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

pub async fn update(socket: &mut Socket, path: &str, value: Value, client: &str, mutation: &str) {
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
async fn the_seeds_own_frame_without_ids_syncs_to_another_socket() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "seed@example.com").await;
    let (mut sender, mut other) = (connect(&app, &cookie).await, connect(&app, &cookie).await);
    // The seed's frame as it sends it: no `baseVersion`, `clientId` or `mutationId`.
    let widget = json!({ "kind": "metrics", "config": { "title": "bar" }, "position": { "x": 0, "y": 0 }, "size": { "w": 2, "h": 2 } });
    let frame =
        json!({ "type": "state:update", "payload": { "path": "widgets.w1", "value": widget } });
    sender
        .send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
    for socket in [&mut sender, &mut other] {
        let sync = next(socket).await;
        assert_eq!(
            sync,
            json!({ "type": "state:sync", "payload": { "version": 1, "path": "widgets.w1", "value": widget } }),
            "the echo names no tab and no edit"
        );
    }
    let state = rest_state(&app, "seed@example.com").await;
    assert_eq!(state["state"]["widgets"]["w1"]["config"]["title"], "bar");
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
    for path in ["/api/sync", "/api/sync?live=true"] {
        let err = tokio_tungstenite::connect_async(app.url(path).replace("http://", "ws://"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("401"), "{path}: {err}");
    }
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
    connect_since(app, cookie, None).await
}

/// Connects as a client that had version `since`, without consuming the first frame.
pub async fn connect_since(app: &TestApp, cookie: &str, since: Option<u64>) -> Socket {
    let query = since.map(|v| format!("?since={v}")).unwrap_or_default();
    let url = app
        .url(&format!("/api/sync{query}"))
        .replace("http://", "ws://");
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
async fn a_client_that_was_away_gets_what_it_missed_and_replays_its_offline_edits() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "away@example.com").await;
    let mut staying = connect(&app, &cookie).await;
    let leaving = connect(&app, &cookie).await;
    // It leaves at version 0; while it is away, the other tab edits twice.
    drop(leaving);
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

    // Back from version 0: exactly the two edits it missed, then "resumed at 2".
    let mut back = connect_since(&app, &cookie, Some(0)).await;
    let (first, second, resumed) = (
        next(&mut back).await,
        next(&mut back).await,
        next(&mut back).await,
    );
    assert_eq!(
        (first["type"].as_str(), first["payload"]["path"].as_str()),
        (Some("state:sync"), Some("preferences.density")),
        "{first}"
    );
    assert_eq!(first["payload"]["version"], 1);
    assert_eq!(
        (
            second["payload"]["path"].as_str(),
            second["payload"]["version"].as_u64()
        ),
        (Some("widgets.w2"), Some(2))
    );
    assert!(second["payload"]["value"].is_null());
    assert_eq!(
        resumed,
        json!({ "type": "state:resumed", "payload": { "version": 2 } })
    );

    // Then it replays the edit it made offline, which both tabs get as version 3.
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

    // Already up to date: only "resumed". From a version the server never had: the whole state.
    let mut current = connect_since(&app, &cookie, Some(3)).await;
    assert_eq!(next(&mut current).await["type"], "state:resumed");
    let mut confused = connect_since(&app, &cookie, Some(99)).await;
    let full = next(&mut confused).await;
    assert_eq!(
        (full["type"].as_str(), full["payload"]["version"].as_u64()),
        (Some("state:full"), Some(3))
    );
}

async fn a_whole_state_save_reaches_open_tabs_and_restarts_the_log(stack: Stack) {
    let app = stack.spawn(&[]);
    let cookie = account(&app, "rest@example.com").await;
    let mut tab = connect(&app, &cookie).await;
    update(&mut tab, "preferences.density", json!("compact"), "t", "1").await;
    assert_eq!(next(&mut tab).await["payload"]["version"], 1);

    // Another device saves its whole state over REST: the open tab gets it at once.
    let full = rest_state(&app, "rest@example.com").await;
    let mut state = full["state"].clone();
    state["preferences"]["density"] = json!("comfortable");
    let client = app
        .sign_in("rest@example.com", "correct horse battery")
        .await;
    let saved = client
        .post(app.url("/api/dashboard/state"))
        .json(&json!({ "version": 1, "state": state }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let pushed = next(&mut tab).await;
    assert_eq!(
        (
            pushed["type"].as_str(),
            pushed["payload"]["version"].as_u64()
        ),
        (Some("state:full"), Some(2)),
        "{pushed}"
    );
    assert_eq!(
        pushed["payload"]["state"]["preferences"]["density"],
        "comfortable"
    );
    // A client that left at version 1 cannot be given deltas across a whole-state save.
    let mut back = connect_since(&app, &cookie, Some(1)).await;
    assert_eq!(next(&mut back).await["type"], "state:full");
    // One that left at 2 can.
    update(&mut tab, "widgets.w1", Value::Null, "t", "2").await;
    assert_eq!(next(&mut tab).await["payload"]["version"], 3);
    let mut back = connect_since(&app, &cookie, Some(2)).await;
    assert_eq!(next(&mut back).await["payload"]["version"], 3);
    assert_eq!(next(&mut back).await["type"], "state:resumed");

    // Deleting the state sends the defaults at version 0.
    let deleted = client
        .delete(app.url("/api/dashboard/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let reset = next(&mut tab).await;
    assert_eq!(
        (reset["type"].as_str(), reset["payload"]["version"].as_u64()),
        (Some("state:full"), Some(0))
    );
}

#[tokio::test]
async fn without_a_websocket_edits_go_over_http_and_polls_return_what_was_missed() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "poll@example.com").await;
    let mut tab = connect(&app, &cookie).await;
    let http = reqwest::Client::new();
    let post = |body: Value| {
        http.post(app.url("/api/sync/update"))
            .header("cookie", &cookie)
            .json(&body)
            .send()
    };
    let edit = json!({ "path": "preferences.density", "value": "compact", "baseVersion": 0, "clientId": "poller", "mutationId": "p1" });
    let answer = post(edit).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({ "version": 1 })
    );
    // The socket tab sees the polling tab's edit live.
    let seen = next(&mut tab).await;
    assert_eq!(
        (
            seen["payload"]["clientId"].as_str(),
            seen["payload"]["version"].as_u64()
        ),
        (Some("poller"), Some(1))
    );
    // The socket tab's edit reaches the poller's next poll, with the poller's own echo.
    update(&mut tab, "widgets.w3", Value::Null, "socket", "s1").await;
    assert_eq!(next(&mut tab).await["payload"]["version"], 2);
    let poll = |since: &str| {
        http.get(app.url(&format!("/api/sync/poll{since}")))
            .header("cookie", &cookie)
            .send()
    };
    let polled: Value = poll("?since=0").await.unwrap().json().await.unwrap();
    let frames = polled["frames"].as_array().unwrap();
    let kinds: Vec<(&str, Option<u64>)> = frames
        .iter()
        .map(|f| {
            (
                f["type"].as_str().unwrap(),
                f["payload"]["version"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("state:sync", Some(1)),
            ("state:sync", Some(2)),
            ("state:resumed", Some(2))
        ]
    );
    let fresh: Value = poll("").await.unwrap().json().await.unwrap();
    assert_eq!(fresh["frames"][0]["type"], "state:full");
    assert_eq!(fresh["frames"][0]["payload"]["version"], 2);

    // Bad edits name the field; nothing is applied.
    let bad_path = post(json!({ "path": "nope.x", "value": 1, "baseVersion": 0, "clientId": "p", "mutationId": "b1" }))
        .await
        .unwrap();
    assert_eq!(bad_path.status(), 400);
    assert_eq!(bad_path.json::<Value>().await.unwrap()["field"], "path");
    let bad_value = post(json!({ "path": "preferences.density", "value": 7, "baseVersion": 0, "clientId": "p", "mutationId": "b2" }))
        .await
        .unwrap();
    assert_eq!(bad_value.status(), 400);
    assert_eq!(bad_value.json::<Value>().await.unwrap()["field"], "value");
    let malformed = http
        .post(app.url("/api/sync/update"))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body("{\"path\":")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let after: Value = poll("?since=2").await.unwrap().json().await.unwrap();
    assert_eq!(
        after["frames"],
        json!([{ "type": "state:resumed", "payload": { "version": 2 } }])
    );
    // Signed out: 401 on both.
    let stranger = reqwest::Client::new();
    assert_eq!(
        stranger
            .get(app.url("/api/sync/poll"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
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
