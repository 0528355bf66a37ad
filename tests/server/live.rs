//! The sync socket's live topics and endings, with real clients: events reach the subscribers
//! of their workspace and nobody else, viewers cannot post, `metrics_update` ticks every second
//! while subscribed, and a socket closes when its session ends or its member's role changes.

use crate::helpers::{Stack, TestApp};
use crate::sync::{account, connect, next, open, update, Socket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

async fn send(socket: &mut Socket, frame: Value) {
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
}

pub async fn subscribe(socket: &mut Socket, topic: &str) {
    send(
        socket,
        json!({ "type": "subscribe", "payload": { "topic": topic } }),
    )
    .await;
    assert_eq!(
        next(socket).await,
        json!({ "type": "subscribed", "payload": { "topic": topic } })
    );
}

async fn post(socket: &mut Socket, topic: &str, data: Value) {
    send(
        socket,
        json!({ "type": "publish", "payload": { "topic": topic, "data": data } }),
    )
    .await;
}

/// Asserts that no text frame arrives for a while.
async fn silent(socket: &mut Socket, for_ms: u64) {
    let deadline = tokio::time::sleep(Duration::from_millis(for_ms));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => return,
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => panic!("expected nothing, got {text}"),
                Some(Ok(_)) => continue,
                other => panic!("socket ended: {other:?}"),
            },
        }
    }
}

/// The close frame's code, after any text frames (returned).
async fn closed(socket: &mut Socket) -> (Vec<Value>, Option<CloseCode>) {
    let mut texts = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("closed within 10 s");
        match message {
            Some(Ok(Message::Text(text))) => texts.push(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(frame))) => return (texts, frame.map(|f| f.code)),
            Some(Ok(_)) => continue,
            _ => return (texts, None),
        }
    }
}

async fn call(app: &TestApp, cookie: &str, method: &str, path: &str, body: Value) -> Value {
    let client = reqwest::Client::new();
    let request = match method {
        "PUT" => client.put(app.url(path)),
        "POST" => client.post(app.url(path)),
        _ => client.get(app.url(path)),
    };
    let response = request
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{method} {path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// Signs up `email`, and makes them a member of the admin's workspace with `role`, in session.
async fn member(app: &TestApp, admin: &str, email: &str, role: &str) -> String {
    let cookie = account(app, email).await;
    app.add_member(admin, &cookie, email, role).await;
    cookie
}

#[tokio::test]
async fn a_live_only_connection_carries_its_topics_and_no_state_frames() {
    // What a viewer and another workspace get from one, too.
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "tab@example.com").await;
    let viewer_cookie = member(&app, &cookie, "glance@example.com", "viewer").await;
    let stranger_cookie = account(&app, "other@example.com").await;
    let mut state = connect(&app, &cookie).await;
    let mut live = open(&app, &cookie, "/api/sync?live=true").await;
    let mut viewer = open(&app, &viewer_cookie, "/api/sync?live=true").await;
    let mut stranger = open(&app, &stranger_cookie, "/api/sync?live=true").await;
    // No `state:full`: the first frame each gets is the answer to its first.
    for socket in [&mut live, &mut viewer, &mut stranger] {
        subscribe(socket, "activity").await;
    }
    // A viewer's live socket follows the workspace's topics and may not post to them.
    post(&mut viewer, "activity", json!({ "note": "can I?" })).await;
    assert_eq!(next(&mut viewer).await["payload"]["code"], "forbidden");

    // An edit reaches the state connection, not the live one.
    update(
        &mut state,
        "preferences.density",
        json!("compact"),
        "tab",
        "m1",
    )
    .await;
    assert_eq!(next(&mut state).await["type"], "state:sync");
    post(&mut state, "activity", json!({ "note": "deploying v2" })).await;
    for socket in [&mut live, &mut viewer] {
        let event = next(socket).await;
        assert_eq!(
            event["type"], "activity",
            "the edit's state:sync came first: {event}"
        );
        assert_eq!(event["payload"]["data"]["note"], "deploying v2");
    }
    // Another workspace's live socket gets nothing of it.
    silent(&mut stranger, 300).await;

    // State frames sent on it are refused by name, the edit's id given back, nothing applied.
    update(
        &mut live,
        "preferences.density",
        json!("comfortable"),
        "tab",
        "m2",
    )
    .await;
    let refused = next(&mut live).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"]["mutationId"], "m2", "{refused}");
    assert!(refused["payload"]["message"]
        .as_str()
        .unwrap()
        .contains("live topics only"));
    send(&mut live, json!({ "type": "state:full", "payload": {} })).await;
    assert_eq!(next(&mut live).await["type"], "error");
    silent(&mut state, 300).await;
    let mut again = open(&app, &cookie, "/api/sync").await;
    let full = next(&mut again).await;
    assert_eq!(full["type"], "state:full");
    assert_eq!(
        full["payload"]["state"]["preferences"]["density"],
        "compact"
    );
}

#[tokio::test]
async fn topic_events_reach_their_workspace_only_and_viewers_cannot_post() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin_cookie = account(&app, "lead@example.com").await;
    let viewer_cookie = member(&app, &admin_cookie, "watcher@example.com", "viewer").await;
    let stranger_cookie = account(&app, "elsewhere@example.com").await;
    let mut admin = connect(&app, &admin_cookie).await;
    let mut viewer = connect(&app, &viewer_cookie).await;
    let mut stranger = connect(&app, &stranger_cookie).await;
    for socket in [&mut admin, &mut viewer, &mut stranger] {
        subscribe(socket, "activity").await;
    }

    post(&mut viewer, "activity", json!({ "note": "can I?" })).await;
    let refused = next(&mut viewer).await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["payload"]["code"], "forbidden", "{refused}");
    assert!(refused["payload"]["message"]
        .as_str()
        .unwrap()
        .contains("viewer"));

    post(&mut admin, "activity", json!({ "note": "deploying v2" })).await;
    for socket in [&mut admin, &mut viewer] {
        let event = next(socket).await;
        assert_eq!(event["type"], "activity", "{event}");
        assert_eq!(event["payload"]["data"]["note"], "deploying v2");
        assert_eq!(event["payload"]["by"]["email"], "lead@example.com");
        assert!(event["payload"]["at"].as_i64().unwrap() > 0);
    }
    silent(&mut stranger, 500).await;

    // Only the server writes the other topics; unknown topics are refused by name.
    post(
        &mut admin,
        "tool_run_status",
        json!({ "id": "x", "status": "approved" }),
    )
    .await;
    assert_eq!(next(&mut admin).await["payload"]["code"], "forbidden");
    send(
        &mut admin,
        json!({ "type": "subscribe", "payload": { "topic": "secrets" } }),
    )
    .await;
    let unknown = next(&mut admin).await;
    assert_eq!(unknown["payload"]["code"], "malformed");
    assert!(
        unknown["payload"]["message"]
            .as_str()
            .unwrap()
            .contains("secrets"),
        "{unknown}"
    );

    // Unsubscribed: no more events.
    send(
        &mut viewer,
        json!({ "type": "unsubscribe", "payload": { "topic": "activity" } }),
    )
    .await;
    assert_eq!(next(&mut viewer).await["type"], "unsubscribed");
    post(&mut admin, "activity", json!({ "note": "second" })).await;
    assert_eq!(next(&mut admin).await["payload"]["data"]["note"], "second");
    silent(&mut viewer, 500).await;

    // The viewer becomes an operator: their socket is told to open again, and then may post.
    app.set_role(&admin_cookie, "watcher@example.com", "operator")
        .await;
    let (texts, code) = closed(&mut viewer).await;
    assert_eq!(texts.last().unwrap()["payload"]["code"], "role_changed");
    assert_eq!(code, Some(CloseCode::from(4000)));
    let mut operator = connect(&app, &viewer_cookie).await;
    post(&mut operator, "activity", json!({ "note": "now I can" })).await;
    assert_eq!(
        next(&mut admin).await["payload"]["by"]["email"],
        "watcher@example.com"
    );
}

#[tokio::test]
async fn metrics_update_arrives_every_second_while_subscribed() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "metrics@example.com").await;
    let mut socket = connect(&app, &cookie).await;
    let _second = connect(&app, &cookie).await;
    subscribe(&mut socket, "metrics_update").await;
    let started = Instant::now();
    let mut at = Vec::new();
    for _ in 0..3 {
        let event = next(&mut socket).await;
        assert_eq!(event["type"], "metrics_update", "{event}");
        let metrics = event["payload"]["metrics"].as_array().unwrap();
        let connections = metrics
            .iter()
            .find(|m| m["name"] == "sync.connections")
            .unwrap();
        assert_eq!(connections["value"], 2, "{event}");
        at.push(event["payload"]["at"].as_i64().unwrap());
    }
    // Three ticks, a second apart (the first comes at once).
    let spacing: Vec<i64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        spacing.iter().all(|ms| (700..=1600).contains(ms)),
        "{spacing:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    // An edit shows up in the next tick's count.
    update(
        &mut socket,
        "preferences.density",
        json!("compact"),
        "m",
        "1",
    )
    .await;
    let edits = loop {
        let frame = next(&mut socket).await;
        if frame["type"] == "metrics_update" {
            let metrics = frame["payload"]["metrics"].as_array().unwrap().clone();
            let edits =
                metrics.iter().find(|m| m["name"] == "sync.edits").unwrap()["value"].clone();
            if edits != 0 {
                break edits;
            }
        }
    };
    assert_eq!(edits, 1);
    send(
        &mut socket,
        json!({ "type": "unsubscribe", "payload": { "topic": "metrics_update" } }),
    )
    .await;
    // At most one tick was already on its way.
    loop {
        let frame = next(&mut socket).await;
        if frame["type"] == "unsubscribed" {
            break;
        }
    }
    silent(&mut socket, 2500).await;
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets_and_no_other() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let first = account(&app, "twice@example.com").await;
    let response = reqwest::Client::new()
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": "twice@example.com", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    let second = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut on_first = connect(&app, &first).await;
    let mut on_second = connect(&app, &second).await;

    call(&app, &first, "POST", "/api/auth/logout", json!(null)).await;
    let (texts, code) = closed(&mut on_first).await;
    assert_eq!(
        texts.last().unwrap()["payload"]["code"],
        "signed_out",
        "{texts:?}"
    );
    assert_eq!(code, Some(CloseCode::from(4401)));
    // The other session's socket still works.
    update(
        &mut on_second,
        "preferences.density",
        json!("compact"),
        "s",
        "1",
    )
    .await;
    assert_eq!(next(&mut on_second).await["payload"]["mutationId"], "1");

    // Moving the session to another workspace reopens its socket in the new one.
    // (Accepting an invitation moves the session to the workspace that invited it.)
    let other = account(&app, "host@example.com").await;
    app.add_member(&other, &second, "twice@example.com", "operator")
        .await;
    let (texts, code) = closed(&mut on_second).await;
    assert_eq!(
        texts.last().unwrap()["payload"]["code"],
        "workspace_changed"
    );
    assert_eq!(code, Some(CloseCode::from(4000)));
}

#[tokio::test]
async fn topic_events_cross_instances_over_redis() {
    let stack = Stack::scaled().await;
    let (one, two) = (stack.spawn(&[]), stack.spawn(&[]));
    let cookie = account(&one, "mesh@example.com").await;
    let (mut on_one, mut on_two) = (connect(&one, &cookie).await, connect(&two, &cookie).await);
    subscribe(&mut on_two, "activity").await;
    post(&mut on_one, "activity", json!({ "note": "from one" })).await;
    assert_eq!(
        next(&mut on_two).await["payload"]["data"]["note"],
        "from one"
    );
    // metrics_update is each instance's own: exactly one tick stream per subscriber.
    subscribe(&mut on_two, "metrics_update").await;
    let (a, b) = (next(&mut on_two).await, next(&mut on_two).await);
    let gap = b["payload"]["at"].as_i64().unwrap() - a["payload"]["at"].as_i64().unwrap();
    assert!(gap >= 700, "one ticker, not two: {gap} ms apart");
}
