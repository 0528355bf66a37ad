//! Fleet data over real HTTP: agents push every kind and operators read it back and receive it
//! live; bad payloads are refused naming the field; the JSON Schema is served; per-token rate
//! limits; cache TTLs (validated at start, applied to reads); the health mesh's parallel round
//! over 100 agents with 10 hanging; and the demo fleet reporting within seconds.

use crate::helpers::{run_expecting_exit, Stack, TestApp, NO_FIRST_ADMIN};
use crate::sync::{account, connect, next};
use futures_util::SinkExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// A request with a cookie or a bearer token.
pub(crate) async fn call(
    app: &TestApp,
    header: (&str, &str),
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let http = Client::new();
    let url = app.url(path);
    let request = match method {
        "POST" => http.post(url),
        _ => http.get(url),
    }
    .header(header.0, header.1);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Registers an agent as the admin behind `cookie`; returns its token.
pub(crate) async fn register(app: &TestApp, cookie: &str, body: Value) -> String {
    let (status, answer) = call(app, ("cookie", cookie), "POST", "/api/agents", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["token"].as_str().unwrap().to_owned()
}

pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn agents_push_every_kind_and_operators_read_it_live() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "fleet@example.com").await;
    let token = register(&app, &cookie, json!({ "name": "pulse-1", "role": "pulse" })).await;
    let agent = bearer(&token);
    let agent = ("authorization", agent.as_str());

    let mut socket = connect(&app, &cookie).await;
    socket
        .send(Message::Text(
            json!({ "type": "subscribe", "payload": { "topic": "fleet" } })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await["type"], "subscribed");

    let pushes = [
        (
            "/api/v1/heartbeat",
            json!({ "status": "working", "vitals": { "cpuPercent": 42.5, "memoryMb": 512, "queueDepth": 3, "uptimeSecs": 60 } }),
        ),
        (
            "/api/v1/projects",
            json!({ "projects": [{ "id": "p1", "name": "Docs", "progress": 40, "health": "at_risk" }] }),
        ),
        (
            "/api/v1/tasks",
            json!({ "tasks": [
            { "id": "t1", "title": "Index", "status": "in_progress", "assignee": "pulse-1" },
            { "id": "t2", "title": "Ship", "status": "blocked" }
        ] }),
        ),
        (
            "/api/v1/metrics",
            json!({ "metrics": [{ "key": "latency", "label": "Latency", "value": 120.0, "unit": "ms" }] }),
        ),
        (
            "/api/v1/metrics",
            json!({ "metrics": [{ "key": "latency", "label": "Latency", "value": 95.5, "unit": "ms" }] }),
        ),
        (
            "/api/v1/alerts",
            json!({ "alerts": [{ "id": "a1", "severity": "critical", "title": "Disk full" }] }),
        ),
        (
            "/api/v1/activity",
            json!({ "text": "pulse-1 reindexed the docs" }),
        ),
    ];
    for (path, body) in pushes {
        let (status, answer) = call(&app, agent, "POST", path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        assert!(answer["accepted"].as_u64().unwrap() >= 1, "{answer}");
    }

    // Live: the first push's item arrived on the socket as it was stored.
    let event = next(&mut socket).await;
    assert_eq!(event["type"], "fleet", "{event}");
    assert_eq!(event["payload"]["kind"], "vitals");
    assert_eq!(event["payload"]["agentName"], "pulse-1");
    assert_eq!(event["payload"]["data"]["vitals"]["cpuPercent"], 42.5);

    let cookie_header = ("cookie", cookie.as_str());
    let (_, tasks) = call(&app, cookie_header, "GET", "/api/fleet/tasks", None).await;
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0]["key"], "t1");
    assert_eq!(tasks[0]["data"]["status"], "in_progress");
    assert_eq!(tasks[1]["data"]["status"], "blocked");

    let (_, metrics) = call(&app, cookie_header, "GET", "/api/fleet/metrics", None).await;
    let latency = &metrics[0]["data"];
    assert_eq!(latency["value"], 95.5);
    assert_eq!(
        latency["delta"], -24.5,
        "the change from the reading before"
    );
    assert_eq!(latency["trend"], json!([120.0, 95.5]));

    let (_, all) = call(&app, cookie_header, "GET", "/api/fleet", None).await;
    let kinds: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "projects", "tasks", "metrics", "alerts", "vitals", "activity",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }

    // Another workspace sees none of it.
    let other = account(&app, "elsewhere@example.com").await;
    let (_, theirs) = call(&app, ("cookie", &other), "GET", "/api/fleet", None).await;
    assert_eq!(theirs, json!([]));
    let (status, _) = call(&app, ("cookie", ""), "GET", "/api/fleet", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_reports_are_refused_naming_the_field() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "strict@example.com").await;
    let token = register(&app, &cookie, json!({ "name": "navi-1", "role": "navi" })).await;
    let agent = bearer(&token);
    let agent = ("authorization", agent.as_str());
    for (path, body, field) in [
        (
            "/api/v1/tasks",
            json!({ "tasks": [{ "id": "t 1", "title": "x", "status": "todo" }] }),
            "tasks[0].id",
        ),
        (
            "/api/v1/tasks",
            json!({ "tasks": [{ "id": "t1", "title": "x", "status": "someday" }] }),
            "tasks[0].status",
        ),
        (
            "/api/v1/heartbeat",
            json!({ "status": "idle", "vitals": { "cpuPercent": 140, "memoryMb": 1 } }),
            "vitals.cpuPercent",
        ),
        ("/api/v1/heartbeat", json!({ "status": "idle" }), "vitals"),
        (
            "/api/v1/projects",
            json!({ "projects": [{ "id": "p", "name": "P", "progress": 101, "health": "on_track" }] }),
            "projects[0].progress",
        ),
        (
            "/api/v1/alerts",
            json!({ "alerts": [{ "id": "a", "severity": "meh", "title": "t" }] }),
            "alerts[0].severity",
        ),
        ("/api/v1/activity", json!({ "text": "" }), "text"),
        ("/api/v1/metrics", json!({ "metrics": [] }), "metrics"),
    ] {
        let (status, answer) = call(&app, agent, "POST", path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {answer}");
        assert_eq!(answer["field"], field, "{path} {body}: {answer}");
    }
    let (status, answer) = call(
        &app,
        ("content-type", "application/json"),
        "POST",
        "/api/v1/tasks",
        Some(json!({ "tasks": [] })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    let (status, answer) = call(&app, ("cookie", &cookie), "GET", "/api/fleet/weather", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        answer["error"].as_str().unwrap().contains("tasks"),
        "{answer}"
    );
    // Nothing was stored by the refused reports.
    let (_, all) = call(&app, ("cookie", &cookie), "GET", "/api/fleet", None).await;
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn the_json_schema_of_every_agent_model_is_served() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let schema: Value = app.get("/api/v1/schema").await.json().await.unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let defs = schema["$defs"].as_object().unwrap();
    for name in [
        "Heartbeat",
        "Vitals",
        "TaskReport",
        "MetricReport",
        "AlertReport",
        "ProjectReport",
        "ActivityReport",
        "NewApproval",
        "Approval",
        "AgentEvent",
    ] {
        assert!(defs.contains_key(name), "{name} missing");
    }
    assert_eq!(
        schema["models"]["POST /api/v1/heartbeat"]["$ref"],
        "#/$defs/Heartbeat"
    );
    // The OpenAPI document now lists the fleet endpoints too.
    let openapi: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(
        openapi["paths"]["/api/v1/tasks"]["post"].is_object(),
        "{}",
        openapi["paths"]
    );
    assert!(openapi["paths"]["/api/v1/approvals"]["post"].is_object());
}

#[tokio::test]
async fn each_token_has_its_own_rate_limit() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("AGENT_RATE_LIMIT_BURST", "3"),
        ("AGENT_RATE_LIMIT_PER_MINUTE", "6"),
    ]);
    let cookie = account(&app, "limits@example.com").await;
    let first = register(&app, &cookie, json!({ "name": "a", "role": "pulse" })).await;
    let second = register(&app, &cookie, json!({ "name": "b", "role": "pulse" })).await;
    let http = Client::new();
    let push = |token: String| {
        let http = http.clone();
        let url = app.url("/api/v1/activity");
        async move {
            http.post(url)
                .header("authorization", bearer(&token))
                .json(&json!({ "text": "hello" }))
                .send()
                .await
                .unwrap()
        }
    };
    for remaining in (0..3).rev() {
        let answer = push(first.clone()).await;
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.headers()["x-ratelimit-limit"], "3");
        assert_eq!(
            answer.headers()["x-ratelimit-remaining"],
            remaining.to_string().as_str()
        );
    }
    let over = push(first.clone()).await;
    assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry), "one request per 10 s: {retry}");
    assert_eq!(over.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(over.headers()["x-ratelimit-limit"], "3");
    let body: Value = over.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("rate limit"),
        "{body}"
    );
    // Another token is not slowed by the first.
    assert_eq!(push(second).await.status(), StatusCode::OK);
    // Operators' own API is not limited by the agents'.
    let (status, _) = call(&app, ("cookie", &cookie), "GET", "/api/fleet", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn bad_cache_ttls_stop_the_server_at_start() {
    for (vars, says) in [
        (
            vec![("CACHE_TTL_DEFAULT", "soon")],
            "CACHE_TTL_DEFAULT=\"soon\" is invalid",
        ),
        (
            vec![("CACHE_TTL_LONG", "0")],
            "CACHE_TTL_LONG=\"0\" is invalid",
        ),
        (
            vec![("CACHE_TTL_SHORT", "600"), ("CACHE_TTL_DEFAULT", "300")],
            "CACHE_TTL_SHORT=\"600\" is invalid: expected at most CACHE_TTL_DEFAULT",
        ),
    ] {
        let (status, log) = run_expecting_exit(&vars);
        assert_eq!(status.code(), Some(2), "{vars:?}: {log}");
        assert!(log.contains(says), "{vars:?}: {log}");
    }
}

#[tokio::test]
async fn fleet_data_expires_on_its_kinds_ttl() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("CACHE_TTL_SHORT", "1"),
        ("CACHE_TTL_DEFAULT", "30"),
        ("CACHE_TTL_LONG", "60"),
    ]);
    let cookie = account(&app, "ttl@example.com").await;
    let token = register(&app, &cookie, json!({ "name": "pulse-1", "role": "pulse" })).await;
    let agent = bearer(&token);
    let beat = json!({ "status": "idle", "vitals": { "cpuPercent": 1, "memoryMb": 1 } });
    call(
        &app,
        ("authorization", &agent),
        "POST",
        "/api/v1/heartbeat",
        Some(beat),
    )
    .await;
    call(
        &app,
        ("authorization", &agent),
        "POST",
        "/api/v1/activity",
        Some(json!({ "text": "still here" })),
    )
    .await;
    let count = |kind: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            let (_, items) = call(
                app,
                ("cookie", &cookie),
                "GET",
                &format!("/api/fleet/{kind}"),
                None,
            )
            .await;
            items.as_array().unwrap().len()
        }
    };
    assert_eq!(count("vitals").await, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        count("vitals").await,
        0,
        "a heartbeat is stale after CACHE_TTL_SHORT"
    );
    assert_eq!(
        count("activity").await,
        1,
        "activity lasts CACHE_TTL_DEFAULT"
    );
}

/// A loopback HTTP server for health checks: `/ok` answers at once, `/degraded` says so,
/// `/down` answers 503, and `/hang` never answers.
async fn health_server() -> String {
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/ok",
            get(|| async { axum::Json(json!({ "status": "ok" })) }),
        )
        .route(
            "/degraded",
            get(|| async { axum::Json(json!({ "status": "degraded" })) }),
        )
        .route(
            "/down",
            get(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down") }),
        )
        .route("/hang", get(std::future::pending::<&'static str>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_health_round_over_100_agents_with_10_hanging_lasts_one_timeout() {
    let checks = health_server().await;
    // A port that was just free: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    // The default timeout is long; the hanging agents set 1 s of their own. The agents are on
    // loopback, which the egress policy refuses unless allowed.
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        ("HEALTH_CHECK_TIMEOUT_MS", "10000"),
        ("HEALTH_CHECK_INTERVAL_SECS", "3600"),
        ("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.0/8"),
    ]);
    let cookie = account(&app, "mesh@example.com").await;
    for i in 0..100 {
        let body = match i {
            0..10 => {
                json!({ "name": format!("hung-{i}"), "role": "pulse", "healthUrl": format!("{checks}/hang"), "healthTimeoutMs": 1000 })
            }
            10 => {
                json!({ "name": "refused", "role": "navi", "healthUrl": format!("http://{closed}/health"), "healthTimeoutMs": 1000 })
            }
            11 => {
                json!({ "name": "degraded", "role": "navi", "healthUrl": format!("{checks}/degraded") })
            }
            12 => json!({ "name": "down", "role": "navi", "healthUrl": format!("{checks}/down") }),
            _ => {
                json!({ "name": format!("ok-{i}"), "role": "herald", "healthUrl": format!("{checks}/ok") })
            }
        };
        register(&app, &cookie, body).await;
    }
    let started = Instant::now();
    let (status, round) = call(
        &app,
        ("cookie", &cookie),
        "POST",
        "/api/agents/health/check",
        None,
    )
    .await;
    let wall = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{round}");
    let took = round["durationMs"].as_u64().unwrap();
    assert!(
        took >= 1000,
        "the hung agents waited for their timeout: {took} ms"
    );
    assert!(took <= 1100, "timeout + 100 ms at most: {took} ms");
    assert!(
        wall < Duration::from_millis(2000),
        "the whole request: {wall:?}"
    );

    let results = round["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    let state_of = |name: &str| {
        let item = results
            .iter()
            .find(|item| item["agentName"] == name)
            .unwrap();
        (
            item["data"]["state"].as_str().unwrap().to_owned(),
            item["data"]["latencyMs"].as_u64().unwrap(),
        )
    };
    for i in 0..10 {
        assert_eq!(
            state_of(&format!("hung-{i}")),
            ("timed_out".to_owned(), 1000)
        );
    }
    assert_eq!(state_of("refused").0, "unreachable");
    assert_eq!(state_of("degraded").0, "degraded");
    assert_eq!(state_of("down").0, "degraded");
    let healthy = results
        .iter()
        .filter(|item| item["data"]["state"] == "healthy")
        .count();
    assert_eq!(healthy, 87);
    let fast = state_of("ok-50").1;
    assert!(
        fast < 1000,
        "a healthy agent's latency is its own, not the round's: {fast} ms"
    );

    // The results are what the Agents page and the Vitals widget read.
    let (_, stored) = call(&app, ("cookie", &cookie), "GET", "/api/fleet/health", None).await;
    assert_eq!(stored.as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn the_demo_fleet_reports_within_seconds() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[
        NO_FIRST_ADMIN[0],
        NO_FIRST_ADMIN[1],
        ("FLIGHTDECK_DEMO", "1"),
    ]);
    let admin = app.first_admin().await;
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut pending = 0;
    while started.elapsed() < Duration::from_secs(30) {
        let items: Value = admin
            .get(app.url("/api/fleet"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen = items
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                (
                    item["kind"].as_str().unwrap().to_owned(),
                    item["agentName"].as_str().unwrap().to_owned(),
                    item["data"]["state"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let approvals: Value = admin
            .get(app.url("/api/approvals?status=pending"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pending = approvals.as_array().map_or(0, Vec::len);
        let has = |kind: &str| seen.iter().any(|(k, _, _)| k == kind);
        let failing = seen.iter().any(|(kind, name, state)| {
            kind == "health" && name == "herald-1" && state == "unreachable"
        });
        let vitals_of = |agent: &str| {
            seen.iter()
                .any(|(kind, name, _)| kind == "vitals" && name == agent)
        };
        if [
            "vitals", "metrics", "tasks", "projects", "alerts", "activity",
        ]
        .into_iter()
        .all(has)
            && failing
            && pending > 0
            && ["pulse-1", "navi-1", "herald-1"].into_iter().all(vitals_of)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let took = started.elapsed();
    assert!(pending > 0, "an approval request from the demo fleet");
    for agent in ["pulse-1", "navi-1", "herald-1"] {
        assert!(
            seen.iter()
                .any(|(kind, name, _)| kind == "vitals" && name == agent),
            "the Vitals widget's data has {agent}: {seen:?}"
        );
    }
    assert!(
        seen.iter().any(|(kind, name, state)| kind == "health"
            && name == "herald-1"
            && state == "unreachable"),
        "herald's failing health check: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(kind, name, state)| kind == "health" && name == "pulse-1" && state == "healthy"),
        "{seen:?}"
    );
    for kind in [
        "vitals", "metrics", "tasks", "projects", "alerts", "activity",
    ] {
        assert!(
            seen.iter().any(|(k, _, _)| k == kind),
            "{kind} missing after {took:?}: {seen:?}"
        );
    }
    assert!(
        took < Duration::from_secs(15),
        "the demo fleet filled the dashboard in {took:?}"
    );
    // Through the same agent API a real agent uses: registered agents with tokens.
    let agents: Value = admin
        .get(app.url("/api/agents"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["herald-1", "navi-1", "pulse-1"]);
}
