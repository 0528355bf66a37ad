//! The storage contract, run against both stacks: the embedded default (SQLite) and
//! PostgreSQL + Redis. Accounts and sessions, user and workspace isolation, the dashboard-state
//! API (revisions, 409/400/413, TTL, migration on read), settings, roles, the audit log, and a
//! restart that keeps everything.

use crate::helpers::{new_client, on_both_stacks, Stack, TestApp, NO_FIRST_ADMIN};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

on_both_stacks!(
    accounts_sign_up_in_and_out_with_a_lax_http_only_cookie,
    wrong_credentials_get_401_without_saying_which_part,
    the_demo_admin_is_created_once_and_printed_once,
    states_and_audit_entries_never_cross_users_or_workspaces,
    saves_are_compare_and_set_on_the_revision,
    concurrent_saves_on_one_revision_let_exactly_one_through,
    malformed_and_oversize_bodies_are_refused_and_change_nothing,
    states_expire_after_the_ttl_unless_written_again,
    older_stored_states_are_migrated_when_read_and_broken_ones_kept,
    settings_are_validated_per_user_and_shared_ones_need_a_role,
    every_change_lands_in_the_audit_log,
    a_restart_keeps_accounts_sessions_states_and_settings,
);

async fn post(client: &Client, app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put(client: &Client, app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = client.put(app.url(path)).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(client: &Client, app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A current-schema state with one widget, marked by `note`.
fn state_with(note: &str) -> Value {
    json!({
        "version": 4, "revision": 0,
        "widgets": { "w1": { "kind": "metrics", "config": { "note": note }, "position": { "x": 0, "y": 0 }, "size": { "w": 4, "h": 2 } } },
        "preferences": { "density": "compact" },
        "filters": {},
        "updatedAt": 1000,
        "sectionTimes": { "widgets": 1000, "preferences": 1000, "filters": 1000 }
    })
}

async fn save(client: &Client, app: &TestApp, base: u64, note: &str) -> (StatusCode, Value) {
    post(
        client,
        app,
        "/api/dashboard/state",
        json!({ "version": base, "state": state_with(note) }),
    )
    .await
}

async fn audit(client: &Client, app: &TestApp) -> Vec<Value> {
    let (status, entries) = get(client, app, "/api/audit?limit=500").await;
    assert_eq!(status, StatusCode::OK);
    entries.as_array().unwrap().clone()
}

async fn accounts_sign_up_in_and_out_with_a_lax_http_only_cookie(stack: Stack) {
    let app = stack.spawn(&[]);
    let stores = match stack.name {
        "embedded" => r#"records="sqlite" dashboard_states="sql" sessions="sqlite" hub="memory""#,
        _ => r#"records="postgres" dashboard_states="redis" sessions="redis" hub="redis""#,
    };
    assert!(app.log().contains(stores), "{}", app.log());
    let client = new_client();
    let response = client
        .post(app.url("/api/auth/signup"))
        .json(&json!({ "email": " Ada@Example.com ", "password": "correct horse battery", "workspace": "Analytical" }))
        .send()
        .await
        .unwrap();
    // Accepted alike whether the email was free: sign-up does not sign in.
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert!(response.headers().get("set-cookie").is_none());
    let response = client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": "ada@example.com", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("flightdeck_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["workspace"]["name"], "Analytical");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["workspaces"].as_array().unwrap().len(), 1);

    let (status, again) = get(&client, &app, "/api/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, me);

    // A taken email is answered alike, and nothing changes: the old password still works.
    let (status, body) = post(
        &new_client(),
        &app,
        "/api/auth/signup",
        json!({ "email": "ada@example.com", "password": "another password", "workspace": "X" }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, body) = post(
        &new_client(),
        &app,
        "/api/auth/signup",
        json!({ "email": "bob@example.com", "password": "short", "workspace": "X" }),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password"))
    );

    let (status, _) = post(&client, &app, "/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get(&client, &app, "/api/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let client = app
        .sign_in("ADA@example.com", "correct horse battery")
        .await;
    let (status, me_again) = get(&client, &app, "/api/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me_again["user"]["id"], me["user"]["id"]);
}

#[tokio::test]
async fn a_stale_save_of_a_large_state_gets_the_servers_copy() {
    // Past axum's 2 MiB default (the route's own body limit is raised) and past 1 MiB in the
    // 409's body: still a 409 with the server's whole copy, not a 500.
    let stack = Stack::embedded();
    let app = stack.spawn(&[("DASHBOARD_STATE_MAX_BYTES", "4194304")]);
    let (client, _) = app.sign_up("large@example.com", "Large").await;
    let note = "x".repeat(2_500_000);
    let (status, body) = save(&client, &app, 0, &note).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = save(&client, &app, 0, "stale").await;
    assert_eq!(status, StatusCode::CONFLICT, "{}", body["error"]);
    assert_eq!(body["serverVersion"], 1);
    let kept = body["state"]["widgets"]["w1"]["config"]["note"].as_str();
    assert_eq!(kept.map(str::len), Some(note.len()));
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_asked() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_SECURE_COOKIES", "1")]);
    app.sign_up("tls@example.com", "TLS").await;
    let response = new_client()
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": "tls@example.com", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    // The __Host- prefix: browsers keep it only when Secure, host-only and for every path.
    assert!(
        cookie.starts_with("__Host-flightdeck_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain="), "{cookie}");
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age="),
        "HSTS over HTTPS"
    );
}

async fn wrong_credentials_get_401_without_saying_which_part(stack: Stack) {
    let app = stack.spawn(&[]);
    app.sign_up("grace@example.com", "Navy").await;
    let (wrong_password, body_a) = post(
        &new_client(),
        &app,
        "/api/auth/login",
        json!({ "email": "grace@example.com", "password": "not her password" }),
    )
    .await;
    let (unknown_email, body_b) = post(
        &new_client(),
        &app,
        "/api/auth/login",
        json!({ "email": "nobody@example.com", "password": "correct horse battery" }),
    )
    .await;
    let (bad_email, body_c) = post(
        &new_client(),
        &app,
        "/api/auth/login",
        json!({ "email": "not an email", "password": "x" }),
    )
    .await;
    for status in [wrong_password, unknown_email, bad_email] {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(body_a, body_b);
    assert_eq!(body_b, body_c);
    assert_eq!(body_a["error"], "wrong email or password");
    let (status, body) = post(
        &new_client(),
        &app,
        "/api/auth/login",
        json!({ "email": "grace@example.com" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

async fn the_demo_admin_is_created_once_and_printed_once(stack: Stack) {
    let demo = [
        NO_FIRST_ADMIN[0],
        NO_FIRST_ADMIN[1],
        ("FLIGHTDECK_DEMO", "1"),
    ];
    let app = stack.spawn(&demo);
    let password = app.demo_password().expect("credentials in the log");
    assert!(app.log().contains("admin@flightdeck.local"));
    let client = app.first_admin().await;
    let (_, me) = get(&client, &app, "/api/auth/me").await;
    assert_eq!(me["workspace"]["name"], "Demo fleet");
    assert_eq!(me["role"], "admin");
    drop(app);
    let again = stack.spawn(&demo);
    assert_eq!(
        again.demo_password(),
        None,
        "printed again: {}",
        again.log()
    );
    again.sign_in("admin@flightdeck.local", &password).await;
}

async fn states_and_audit_entries_never_cross_users_or_workspaces(stack: Stack) {
    let app = stack.spawn(&[]);
    let (alice, alice_me) = app.sign_up("alice@example.com", "Alpha").await;
    let (bob, bob_me) = app.sign_up("bob@example.com", "Beta").await;
    let alpha = alice_me["workspace"]["id"].as_str().unwrap().to_string();
    let beta = bob_me["workspace"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        save(&alice, &app, 0, "alice-secret").await.0,
        StatusCode::OK
    );

    // Bob sees nothing of Alice's: no state, no workspace, no audit entries.
    let (status, body) = get(&bob, &app, "/api/dashboard/state").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("alice"), "{body}");
    let (status, body) = post(
        &bob,
        &app,
        "/api/auth/workspace",
        json!({ "workspaceId": alpha }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("Alpha"));
    let (status, body) = post(
        &bob,
        &app,
        "/api/auth/workspace",
        json!({ "workspaceId": "no-such-id" }),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no such workspace"))
    );
    let bobs = audit(&bob, &app).await;
    assert!(!bobs.is_empty());
    assert!(
        bobs.iter().all(|e| e["workspace_id"] == beta.as_str()),
        "{bobs:?}"
    );
    // A body naming another workspace changes nothing: the session decides.
    let (status, _) = post(
        &bob,
        &app,
        "/api/dashboard/state",
        json!({ "version": 0, "state": state_with("bob"), "workspaceId": alpha }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Bob joins Alpha as a viewer: his dashboard there is his own, not Alice's.
    app.add_member(&alice, &bob, "bob@example.com", "viewer")
        .await;
    let (status, me) = post(
        &bob,
        &app,
        "/api/auth/workspace",
        json!({ "workspaceId": alpha }),
    )
    .await;
    assert_eq!(
        (status, me["role"].as_str()),
        (StatusCode::OK, Some("viewer"))
    );
    assert_eq!(
        get(&bob, &app, "/api/dashboard/state").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(save(&bob, &app, 0, "bob-in-alpha").await.0, StatusCode::OK);
    let (_, alices) = get(&alice, &app, "/api/dashboard/state").await;
    assert_eq!(
        alices["state"]["widgets"]["w1"]["config"]["note"],
        "alice-secret"
    );
    // A viewer cannot manage members.
    let (status, _) = post(
        &bob,
        &app,
        "/api/workspace/invites",
        json!({ "email": "mallory@example.com", "role": "admin" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Back in Beta, Bob's state there is untouched by the one in Alpha.
    post(
        &bob,
        &app,
        "/api/auth/workspace",
        json!({ "workspaceId": beta }),
    )
    .await;
    assert_eq!(
        get(&bob, &app, "/api/dashboard/state").await.0,
        StatusCode::NOT_FOUND
    );
    // Signed out, nothing at all.
    for path in [
        "/api/dashboard/state",
        "/api/settings",
        "/api/audit",
        "/api/auth/me",
        "/api/workspace/members",
    ] {
        assert_eq!(
            get(&new_client(), &app, path).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
}

async fn saves_are_compare_and_set_on_the_revision(stack: Stack) {
    let app = stack.spawn(&[]);
    let (client, _) = app.sign_up("rev@example.com", "Revisions").await;
    assert_eq!(
        get(&client, &app, "/api/dashboard/state").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = save(&client, &app, 0, "first").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "success": true, "serverVersion": 1 }));
    let (status, body) = get(&client, &app, "/api/dashboard/state").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["version"], 1);
    assert_eq!(body["state"]["revision"], 1);
    assert_eq!(body["state"]["widgets"]["w1"]["config"]["note"], "first");
    assert!(body["lastModified"].as_i64().unwrap() > 1_600_000_000_000);

    assert_eq!(save(&client, &app, 1, "second").await.1["serverVersion"], 2);
    let (status, body) = save(&client, &app, 1, "stale").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["serverVersion"], 2);
    assert_eq!(body["state"]["widgets"]["w1"]["config"]["note"], "second");
    assert!(body["error"].as_str().unwrap().contains("revision 1"));
    // A client ahead of the server (it lost its copy) is accepted past both.
    assert_eq!(save(&client, &app, 7, "ahead").await.1["serverVersion"], 8);

    let (status, body) = client
        .delete(app.url("/api/dashboard/state"))
        .send()
        .await
        .map(|r| r.status())
        .map(|s| (s, ()))
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body:?}");
    assert_eq!(
        get(&client, &app, "/api/dashboard/state").await.0,
        StatusCode::NOT_FOUND
    );
}

async fn concurrent_saves_on_one_revision_let_exactly_one_through(stack: Stack) {
    let app = stack.spawn(&[]);
    let (client, _) = app.sign_up("race@example.com", "Race").await;
    save(&client, &app, 0, "base").await;
    let attempts = (0..10).map(|i| {
        let client = client.clone();
        let url = app.url("/api/dashboard/state");
        async move {
            client
                .post(url)
                .json(&json!({ "version": 1, "state": state_with(&format!("writer {i}")) }))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        get(&client, &app, "/api/dashboard/state").await.1["version"],
        2
    );
}

async fn futures_join_all<
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

async fn malformed_and_oversize_bodies_are_refused_and_change_nothing(stack: Stack) {
    let app = stack.spawn(&[("DASHBOARD_STATE_MAX_BYTES", "4096")]);
    let (client, _) = app.sign_up("bad@example.com", "Bad input").await;
    save(&client, &app, 0, "kept").await;
    let raw = |body: &'static str| {
        let client = client.clone();
        let url = app.url("/api/dashboard/state");
        async move {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = raw("{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("the body is not valid JSON"),
        "{body}"
    );
    let (status, body) = raw(r#"{"state": {}}"#).await;
    assert_eq!(
        (
            status,
            body["error"].as_str().map(|e| e.contains("version"))
        ),
        (StatusCode::BAD_REQUEST, Some(true)),
        "{body}"
    );
    let (status, body) = raw(r#"{"version": "one", "state": {}}"#).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("version")),
        "{body}"
    );
    let mut broken = state_with("x");
    broken["widgets"]["w1"]["size"] = json!({ "w": 4 });
    let (status, body) = post(
        &client,
        &app,
        "/api/dashboard/state",
        json!({ "version": 1, "state": broken }),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("state.widgets.w1.size")),
        "{body}"
    );
    let mut off_grid = state_with("x");
    off_grid["widgets"]["w1"]["position"]["x"] = json!(11);
    let (status, body) = post(
        &client,
        &app,
        "/api/dashboard/state",
        json!({ "version": 1, "state": off_grid }),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("state.widgets.w1")),
        "{body}"
    );

    let big = state_with(&"x".repeat(8192));
    let (status, body) = post(
        &client,
        &app,
        "/api/dashboard/state",
        json!({ "version": 1, "state": big }),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["error"].as_str().unwrap().contains("larger"));

    let (_, body) = get(&client, &app, "/api/dashboard/state").await;
    assert_eq!(
        (
            body["version"].as_u64(),
            body["state"]["widgets"]["w1"]["config"]["note"].as_str()
        ),
        (Some(1), Some("kept"))
    );
    let (status, body) = get(&client, &app, "/api/no-such-thing").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no such API endpoint"))
    );
}

async fn states_expire_after_the_ttl_unless_written_again(stack: Stack) {
    let app = stack.spawn(&[("DASHBOARD_STATE_TTL", "2")]);
    let (client, _) = app.sign_up("ttl@example.com", "TTL").await;
    save(&client, &app, 0, "one").await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    save(&client, &app, 1, "two").await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    // 2.6 s after the first write, 1.3 s after the second: the second refreshed the TTL.
    let (status, body) = get(&client, &app, "/api/dashboard/state").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"]["widgets"]["w1"]["config"]["note"], "two");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        get(&client, &app, "/api/dashboard/state").await.0,
        StatusCode::NOT_FOUND
    );
    // An expired state is no obstacle to a fresh save.
    assert_eq!(save(&client, &app, 0, "three").await.0, StatusCode::OK);
}

/// Writes a raw stored document for the user, as an older build would have left it.
async fn store_raw(stack: &Stack, app: &TestApp, user: &str, workspace: &str, json: &str) {
    match stack.var("REDIS_URL") {
        Some(url) => {
            let client = redis::Client::open(url).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let key = format!(
                "{}:state:{workspace}:{user}",
                stack.var("FLIGHTDECK_REDIS_PREFIX").unwrap()
            );
            redis::cmd("HSET")
                .arg(&key)
                .arg("revision")
                .arg(3)
                .arg("json")
                .arg(json)
                .arg("updatedAt")
                .arg(5)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        None => {
            use sqlx::Connection;
            let path = app.data_dir.join("flightdeck.db");
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query("INSERT INTO dashboard_states (user_id, workspace_id, revision, state, updated_at, expires_at) VALUES ($1, $2, 3, $3, 5, 9999999999999)")
                .bind(user).bind(workspace).bind(json).execute(&mut conn).await.unwrap();
        }
    }
}

async fn older_stored_states_are_migrated_when_read_and_broken_ones_kept(stack: Stack) {
    let app = stack.spawn(&[]);
    let (client, me) = app.sign_up("old@example.com", "Old").await;
    let (user, workspace) = (
        me["user"]["id"].as_str().unwrap(),
        me["workspace"]["id"].as_str().unwrap(),
    );
    let v1 = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dashboard/v1-operator.json"
    ))
    .unwrap();
    store_raw(&stack, &app, user, workspace, &v1).await;
    let (status, body) = get(&client, &app, "/api/dashboard/state").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/dashboard/v4-operator.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut state = body["state"].clone();
    assert_eq!(state["revision"], 3);
    state["revision"] = json!(0);
    assert_eq!(state, expected);
    assert!(
        app.logs_soon("stored dashboard state migrated: v1 → v2"),
        "{}",
        app.log()
    );

    // An old client posting a v2 document has it migrated before it is stored.
    let v2: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/dashboard/v2-operator.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let (status, _) = post(
        &client,
        &app,
        "/api/dashboard/state",
        json!({ "version": 3, "state": v2 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&client, &app, "/api/dashboard/state").await.1["state"]["version"],
        4
    );

    // A stored document that cannot be migrated: defaults are served, the original is kept.
    let (other, me) = app.sign_up("broken@example.com", "Broken").await;
    let (user, workspace) = (
        me["user"]["id"].as_str().unwrap(),
        me["workspace"]["id"].as_str().unwrap(),
    );
    let broken = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dashboard/v1-broken.json"
    ))
    .unwrap();
    store_raw(&stack, &app, user, workspace, &broken).await;
    let (status, body) = get(&other, &app, "/api/dashboard/state").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["state"]["widgets"].as_object().unwrap().len(),
        7,
        "the default layout"
    );
    let kept: Vec<String> = match stack.var("REDIS_URL") {
        Some(url) => {
            let mut conn = redis::Client::open(url)
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap();
            let key = format!(
                "{}:state-backup:{workspace}:{user}",
                stack.var("FLIGHTDECK_REDIS_PREFIX").unwrap()
            );
            redis::cmd("LRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap()
        }
        None => {
            use sqlx::Connection;
            let path = app.data_dir.join("flightdeck.db");
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query_scalar("SELECT state FROM dashboard_state_backups WHERE user_id = $1")
                .bind(user)
                .fetch_all(&mut conn)
                .await
                .unwrap()
        }
    };
    assert_eq!(kept, vec![broken]);
}

async fn settings_are_validated_per_user_and_shared_ones_need_a_role(stack: Stack) {
    let app = stack.spawn(&[]);
    let (admin, _) = app.sign_up("boss@example.com", "Settings").await;
    let (viewer, _) = app.sign_up("watcher@example.com", "Elsewhere").await;
    let (status, all) = get(&admin, &app, "/api/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["user"]["system"]["autoRefreshSeconds"], 30);
    assert_eq!(
        all["user"]["ui"],
        json!({ "theme": "auto", "language": "en", "timezone": "UTC" })
    );
    assert_eq!(
        all["workspace"]["export"],
        json!({ "defaultFormat": "csv", "autoExport": false, "schedule": "weekly" })
    );
    assert_eq!(all["canChangeWorkspace"], true);

    let mut mine = all["user"].clone();
    mine["ui"]["theme"] = json!("dark");
    mine["ui"]["timezone"] = json!("Europe/Berlin");
    mine["system"]["notifications"]["systemAlert"] = json!(false);
    assert_eq!(
        put(&admin, &app, "/api/settings/user", mine.clone())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(get(&admin, &app, "/api/settings").await.1["user"], mine);
    // Per user: the other account still has the defaults.
    assert_eq!(
        get(&viewer, &app, "/api/settings").await.1["user"]["ui"]["theme"],
        "auto"
    );

    let mut bad = mine.clone();
    bad["system"]["autoRefreshSeconds"] = json!(1);
    let (status, body) = put(&admin, &app, "/api/settings/user", bad).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("system.autoRefreshSeconds"))
    );
    let (status, body) = put(
        &admin,
        &app,
        "/api/settings/user",
        json!({ "ui": { "language": "klingon" } }),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ui.language")),
        "{body}"
    );
    assert_eq!(
        get(&admin, &app, "/api/settings").await.1["user"],
        mine,
        "refused changes changed nothing"
    );

    // Shared settings: a viewer of the workspace sees them and cannot change them.
    app.add_member(&admin, &viewer, "watcher@example.com", "viewer")
        .await;
    let workspace = get(&admin, &app, "/api/auth/me").await.1["workspace"]["id"].clone();
    post(
        &viewer,
        &app,
        "/api/auth/workspace",
        json!({ "workspaceId": workspace }),
    )
    .await;
    let (_, seen) = get(&viewer, &app, "/api/settings").await;
    assert_eq!(seen["canChangeWorkspace"], false);
    let shared = json!({ "export": { "defaultFormat": "json", "autoExport": true, "schedule": "daily" }, "approvals": { "onExpiry": "allow" }, "advanced": { "betaFeatures": true } });
    let (status, body) = put(&viewer, &app, "/api/settings/workspace", shared.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        get(&viewer, &app, "/api/settings").await.1["workspace"]["export"]["defaultFormat"],
        "csv"
    );
    assert_eq!(
        put(&admin, &app, "/api/settings/workspace", shared.clone())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        get(&viewer, &app, "/api/settings").await.1["workspace"],
        shared
    );
}

async fn every_change_lands_in_the_audit_log(stack: Stack) {
    let app = stack.spawn(&[]);
    let (client, me) = app.sign_up("audited@example.com", "Audited").await;
    let (member, _) = app.sign_up("member@example.com", "Other").await;
    post(&client, &app, "/api/auth/logout", json!({})).await;
    let client = app
        .sign_in("audited@example.com", "correct horse battery")
        .await;
    let _ = post(
        &new_client(),
        &app,
        "/api/auth/login",
        json!({ "email": "audited@example.com", "password": "wrong password" }),
    )
    .await;
    save(&client, &app, 0, "audited").await;
    client
        .delete(app.url("/api/dashboard/state"))
        .send()
        .await
        .unwrap();
    let mut settings = get(&client, &app, "/api/settings").await.1["user"].clone();
    settings["ui"]["language"] = json!("fr");
    put(&client, &app, "/api/settings/user", settings).await;
    app.add_member(&client, &member, "member@example.com", "viewer")
        .await;
    app.set_role(&client, "member@example.com", "operator")
        .await;

    let entries = audit(&client, &app).await;
    let actions: Vec<&str> = entries
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "auth.signup",
            "workspace.member_set",
            "auth.login",
            "auth.logout",
            "auth.login",
            "dashboard.save",
            "dashboard.delete",
            "settings.update",
            "workspace.invite",
            "workspace.invite_accept",
            "workspace.member_set"
        ],
    );
    let user = me["user"]["id"].as_str().unwrap();
    // Everything but the invitee's own acceptance was done by the admin.
    for entry in entries
        .iter()
        .filter(|e| e["action"] != "workspace.invite_accept")
    {
        for field in [
            "id",
            "timestamp",
            "user_id",
            "action",
            "resource_type",
            "resource_id",
            "before_state",
            "after_state",
            "metadata",
        ] {
            assert!(entry.get(field).is_some(), "{field} missing in {entry}");
        }
        assert_eq!(entry["user_id"], user);
    }
    let settings_change = &entries[3];
    assert_eq!(settings_change["before_state"]["ui"]["language"], "en");
    assert_eq!(settings_change["after_state"]["ui"]["language"], "fr");
    let membership = &entries[0];
    assert_eq!(membership["before_state"]["role"], "viewer");
    assert_eq!(membership["after_state"]["role"], "operator");
}

async fn a_restart_keeps_accounts_sessions_states_and_settings(stack: Stack) {
    let app = stack.spawn(&[]);
    let (client, _) = app.sign_up("durable@example.com", "Durable").await;
    save(&client, &app, 0, "survives").await;
    let mut settings = get(&client, &app, "/api/settings").await.1["user"].clone();
    settings["ui"]["theme"] = json!("light");
    put(&client, &app, "/api/settings/user", settings.clone()).await;
    let cookie_jar_client = client.clone();
    drop(app);

    let app = stack.spawn(&[]);
    // The session cookie of the old process still works on the new one (same port not needed:
    // the client keeps cookies per host, and both listen on 127.0.0.1).
    let (status, me) = get(&cookie_jar_client, &app, "/api/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let fresh = app
        .sign_in("durable@example.com", "correct horse battery")
        .await;
    let (_, state) = get(&fresh, &app, "/api/dashboard/state").await;
    assert_eq!(
        state["state"]["widgets"]["w1"]["config"]["note"],
        "survives"
    );
    assert_eq!(get(&fresh, &app, "/api/settings").await.1["user"], settings);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let stack = Stack::embedded();
    // Every attempt let in waits for its turn to hash (debug builds hash slowly) and none is
    // held back by the account's own backoff: only the per-address limit answers 429 here.
    let app = stack.spawn(&[
        ("FLIGHTDECK_PASSWORD_HASHING_WAIT_MS", "60000"),
        ("FLIGHTDECK_SIGNIN_BACKOFF_AFTER", "1000"),
    ]);
    // All at once, so that the bucket cannot refill between them (a check takes argon2's time).
    let url = app.url("/api/auth/login");
    // Each for another account (one attempt per account is checked at a time).
    let attempts = (0..14).map(|i| {
        let url = url.clone();
        async move {
            post_anonymous(
                &url,
                json!({ "email": format!("x{i}@example.com"), "password": "guessing" }),
            )
            .await
        }
    });
    let statuses = futures_join_all(attempts).await;
    let limited: Vec<_> = statuses
        .iter()
        .filter(|(status, ..)| *status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    let refused = statuses
        .iter()
        .filter(|(status, ..)| *status == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        (refused, limited.len()),
        (10, 4),
        "{statuses:?}\n{}",
        app.log()
    );
    let (_, body, retry_after) = limited[0];
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("too many attempts"),
        "{body}"
    );
    assert!(
        retry_after
            .as_deref()
            .is_some_and(|secs| secs.parse::<u64>().unwrap() >= 1),
        "{retry_after:?}"
    );
    // Other endpoints are not limited.
    for _ in 0..20 {
        assert_eq!(
            get(&new_client(), &app, "/api/auth/me").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
}

async fn post_anonymous(url: &str, body: Value) -> (StatusCode, Value, Option<String>) {
    let response = new_client().post(url).json(&body).send().await.unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, response.json().await.unwrap_or(Value::Null), retry)
}
