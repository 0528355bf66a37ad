//! Usage analytics over real HTTP, on both stacks: a generated event set whose answers are
//! worked out here by hand (totals, rates, cost, peak hour, per-day series, per-role calls,
//! rankings), read back for named and custom periods, in UTC (the daily rollup) and Tokyo (the
//! hourly one); tool runs and heartbeats counted; reports as CSV and JSON; bad events and
//! periods refused naming the field; and the export schedule writing each report once.

use crate::fleet::{bearer, call, register};
use crate::helpers::{on_both_stacks, Stack, TestApp};
use crate::sync::account;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_stacks!(aggregates_match_known_answers);

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The UTC date of `ms`, `YYYY-MM-DD`.
fn date(ms: i64) -> String {
    let days = ms.div_euclid(DAY);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The generated set: on each of the three UTC days before today, the coder agent makes 4
/// calls (100–400 ms, one failing, 1,000 gpt-4o tokens each) and 6 messages (100 tokens) in one
/// conversation at 02:00 and again at 14:00; the reviewer makes 4 failing calls of 1,000 ms
/// and 500 tokens of an unpriced model at 14:00. Calls go in one batch, messages in another,
/// so each conversation spans two requests and must still count once.
fn generated(today: i64) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let (mut coder_calls, mut coder_messages, mut reviewer) = (Vec::new(), Vec::new(), Vec::new());
    for day in 1..=3 {
        for hour in [2, 14] {
            let at = today - day * DAY + hour * HOUR;
            let conversation = format!("conv-{day}-{hour}");
            for (i, latency) in [100, 200, 300, 400].into_iter().enumerate() {
                coder_calls.push(json!({
                    "kind": "call", "at": at + i as i64 * 60_000, "model": "gpt-4o",
                    "tokens": 1000, "latencyMs": latency, "error": i == 3,
                    "conversationId": conversation,
                }));
            }
            for i in 0..6 {
                coder_messages.push(json!({
                    "kind": "message", "at": at + 300_000 + i * 1000, "model": "gpt-4o",
                    "tokens": 100, "conversationId": conversation,
                }));
            }
        }
        for i in 0..4 {
            reviewer.push(json!({
                "kind": "call", "at": today - day * DAY + 14 * HOUR + i * 1000,
                "model": "house-model", "tokens": 500, "latencyMs": 1000, "error": true,
            }));
        }
    }
    (coder_calls, coder_messages, reviewer)
}

async fn report(app: &TestApp, cookie: &str, query: &str) -> (StatusCode, Value) {
    call(
        app,
        ("cookie", cookie),
        "GET",
        &format!("/api/analytics?{query}"),
        None,
    )
    .await
}

/// A download as the signed-in user: its status, one header and its text.
async fn download(
    app: &TestApp,
    cookie: &str,
    path: &str,
    header: &str,
) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let value = response
        .headers()
        .get(header)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, value, response.text().await.unwrap())
}

/// Replaces the workspace's export settings.
async fn export_settings(app: &TestApp, cookie: &str, format: &str, schedule: &str) {
    let settings =
        json!({ "export": { "defaultFormat": format, "autoExport": true, "schedule": schedule } });
    let response = reqwest::Client::new()
        .put(app.url("/api/settings/workspace"))
        .header("cookie", cookie)
        .json(&settings)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(status, StatusCode::OK, "{}", response.text().await.unwrap());
}

fn close(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|a| (a - expected).abs() < 1e-9)
}

async fn aggregates_match_known_answers(stack: Stack) {
    let app = stack.spawn(&[("MODEL_PRICES", "gpt-4o=10"), ("FLIGHTDECK_DEMO", "0")]);
    let cookie = account(&app, &format!("analytics-{}@example.com", stack.name)).await;
    let started = now_ms();
    let coder = register(&app, &cookie, json!({ "name": "coder-1", "role": "coder" })).await;
    let reviewer = register(
        &app,
        &cookie,
        json!({ "name": "rev-1", "role": "reviewer" }),
    )
    .await;
    let (coder, reviewer) = (bearer(&coder), bearer(&reviewer));
    let as_coder = ("authorization", coder.as_str());
    let as_reviewer = ("authorization", reviewer.as_str());

    let today = started - started.rem_euclid(DAY);
    let (calls, messages, reviews) = generated(today);
    for (agent, events) in [
        (as_coder, &calls),
        (as_coder, &messages),
        (as_reviewer, &reviews),
    ] {
        let body = json!({ "events": events });
        let (status, answer) = call(&app, agent, "POST", "/api/v1/usage", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["accepted"].as_u64(), Some(events.len() as u64));
    }
    // A single event (not a batch) is accepted too, and counts today.
    let one = json!({ "kind": "message", "model": "gpt-4o", "tokens": 0 });
    let (status, _) = call(&app, as_coder, "POST", "/api/v1/usage", Some(one)).await;
    assert_eq!(status, StatusCode::OK);

    // Today: three tool runs, two approved and one rejected; two heartbeats from the coder.
    let mut asked = Vec::new();
    for tool in ["deploy", "send_email", "delete_branch"] {
        let body = json!({ "tool": tool, "arguments": {}, "reason": "test", "risk": "low" });
        let (status, approval) =
            call(&app, as_coder, "POST", "/api/v1/approvals", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        asked.push(approval["id"].as_str().unwrap().to_owned());
    }
    for (id, decision) in asked.iter().zip(["approve", "approve", "reject"]) {
        let path = format!("/api/approvals/{id}/{decision}");
        let (status, body) = call(&app, ("cookie", &cookie), "POST", &path, Some(json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let beat = json!({ "status": "idle", "vitals": { "cpuPercent": 1.0, "memoryMb": 1, "queueDepth": 0, "uptimeSecs": 1 } });
    for _ in 0..2 {
        let (status, _) = call(
            &app,
            as_coder,
            "POST",
            "/api/v1/heartbeat",
            Some(beat.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let finished = now_ms();

    let (status, week) = report(&app, &cookie, "period=week&tz=UTC").await;
    assert_eq!(status, StatusCode::OK, "{week}");
    let t = &week["totals"];
    assert_eq!(week["period"]["bucket"], "day");
    assert_eq!(week["period"]["to"], date(started));
    assert_eq!(week["series"].as_array().unwrap().len(), 7);
    // 24 coder calls (6 failing) and 12 reviewer calls (all failing).
    assert_eq!(t["agentCalls"], 36, "{t}");
    assert_eq!(t["errors"], 18);
    assert!(close(&t["errorRate"], 0.5), "{t}");
    // (6 × (100+200+300+400) + 12 × 1000) / 36 = 500 ms.
    assert!(close(&t["avgResponseMs"], 500.0), "{t}");
    assert_eq!(
        (t["toolRuns"].clone(), t["approved"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(t["rejected"], 1);
    assert!(close(&t["approvalRate"], 2.0 / 3.0), "{t}");
    // Six conversations, each spanning two requests; 36 messages + today's single one.
    assert_eq!(t["conversations"], 6, "{t}");
    assert_eq!(t["messages"], 37);
    assert!(close(&t["messagesPerConversation"], 37.0 / 6.0));
    // 24 000 + 3 600 gpt-4o tokens at $10 per million; 6 000 unpriced.
    assert_eq!(t["tokens"], 33_600);
    assert!(close(&t["costUsd"], 0.276), "{t}");
    assert_eq!(t["unpricedTokens"], 6_000);
    assert!(close(&t["tokensPerConversation"], 5_600.0));
    // 14:00 UTC had 10 coder events and 4 reviewer calls a day, 02:00 only 10.
    assert_eq!(t["peakHour"], 14, "{t}");
    // Both agents registered this hour; only the coder sent heartbeats (unless the hour turned
    // while the test ran, which doubles the hours they could have been up).
    if started / HOUR == finished / HOUR {
        assert!(close(&t["uptime"], 0.5), "{t}");
    }

    let series = week["series"].as_array().unwrap();
    for (i, point) in series.iter().enumerate() {
        let days_back = 6 - i as i64;
        let expected = if (1..=3).contains(&days_back) { 12 } else { 0 };
        assert_eq!(point["calls"], expected, "{point}");
        assert_eq!(point["label"], date(today - days_back * DAY));
        if expected > 0 {
            assert_eq!(point["byRole"]["coder"], 8, "{point}");
            assert_eq!(point["byRole"]["reviewer"], 4);
            assert!(close(&point["errorRate"], 0.5), "{point}");
            assert_eq!(point["messages"], 12);
        }
    }
    assert_eq!(series[6]["toolRuns"], 3);
    assert_eq!(week["roles"], json!(["coder", "reviewer"]));
    assert_eq!(week["top"]["mostUsed"][0]["name"], "coder-1");
    assert_eq!(week["top"]["errorRate"][0]["name"], "rev-1");
    assert!(close(&week["top"]["errorRate"][0]["errorRate"], 1.0));
    assert_eq!(week["top"]["performance"][0]["name"], "coder-1");
    assert!(close(
        &week["top"]["performance"][0]["avgResponseMs"],
        250.0
    ));

    // Tokyo (UTC+9): the same days (02:00 → 11:00, 14:00 → 23:00 local), from the hourly
    // rollup; the peak hour is 23 local.
    let (status, tokyo) = report(&app, &cookie, "period=month&tz=Asia/Tokyo").await;
    assert_eq!(status, StatusCode::OK, "{tokyo}");
    assert_eq!(tokyo["series"].as_array().unwrap().len(), 30);
    assert_eq!(tokyo["totals"]["agentCalls"], 36);
    assert_eq!(tokyo["totals"]["peakHour"], 23, "{}", tokyo["totals"]);
    assert_eq!(tokyo["totals"]["conversations"], 6);

    // A custom period of the first two generated days; one day is by the hour.
    let (from, to) = (date(today - 3 * DAY), date(today - 2 * DAY));
    let (status, custom) = report(
        &app,
        &cookie,
        &format!("period=custom&from={from}&to={to}&tz=UTC"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{custom}");
    assert_eq!(custom["totals"]["agentCalls"], 24);
    assert_eq!(custom["totals"]["toolRuns"], 0);
    let (status, day) = report(
        &app,
        &cookie,
        &format!("period=custom&from={from}&to={from}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(day["period"]["bucket"], "hour");
    let hours = day["series"].as_array().unwrap();
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[2]["calls"], 4);
    assert_eq!(hours[14]["calls"], 8);
    assert_eq!(hours[14]["label"], "14:00");

    // The same as downloads.
    let query = format!("period=custom&from={from}&to={to}&tz=UTC");
    let path = format!("/api/analytics/report.csv?{query}");
    let (status, disposition, csv) = download(&app, &cookie, &path, "content-disposition").await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.contains(&format!("flightdeck-usage-{from}-to-{to}.csv")));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[1].starts_with(&format!("{from},{from}T00:00:00Z,12,6,0.5000,500.0,")),
        "{csv}"
    );
    assert!(lines[3].starts_with("total,"), "{csv}");
    assert!(
        lines[3].contains(",24,12,0.5000,500.0,0,0,0,,4,24,"),
        "{csv}"
    );
    let (status, json_report) = call(
        &app,
        ("cookie", &cookie),
        "GET",
        &format!("/api/analytics/report.json?{query}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_report["totals"], custom["totals"]);
}

#[tokio::test]
async fn bad_events_and_periods_are_refused_naming_the_field() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_DEMO", "0")]);
    let cookie = account(&app, "analytics-bad@example.com").await;
    let token = register(&app, &cookie, json!({ "name": "a-1", "role": "coder" })).await;
    let token = bearer(&token);
    let agent = ("authorization", token.as_str());
    let now = now_ms();
    let cases = [
        (
            json!({ "events": [{ "kind": "call" }, { "kind": "message", "latencyMs": 5 }] }),
            "events[1].latencyMs",
        ),
        (
            json!({ "events": [{ "kind": "call", "at": now + DAY }] }),
            "events[0].at",
        ),
        (
            json!({ "events": [{ "kind": "call", "at": now - 500 * DAY }] }),
            "events[0].at",
        ),
        (json!({ "events": [{ "kind": "shout" }] }), "events[0].kind"),
        (
            json!({ "events": [{ "kind": "call", "tokens": -1 }] }),
            "events[0].tokens",
        ),
        (
            json!({ "events": [{ "kind": "call", "colour": "red" }] }),
            "events[0]",
        ),
        (json!({ "tokens": 5 }), "kind"),
        (json!({ "events": [] }), "events"),
        (
            json!({ "events": vec![json!({ "kind": "call" }); 1001] }),
            "events",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = call(&app, agent, "POST", "/api/v1/usage", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["field"]
                .as_str()
                .is_some_and(|f| f.starts_with(field)),
            "expected {field}: {answer}"
        );
    }
    // Malformed JSON, no token, a bad token.
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/usage"))
        .header("authorization", &token)
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let one = json!({ "kind": "call" });
    let (status, _) = call(
        &app,
        ("x-none", "1"),
        "POST",
        "/api/v1/usage",
        Some(one.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app,
        ("authorization", "Bearer fd_nope"),
        "POST",
        "/api/v1/usage",
        Some(one),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Nothing of the refused batches was stored.
    let (_, week) = report(&app, &cookie, "period=week").await;
    assert_eq!(week["totals"]["agentCalls"], 0, "{week}");

    for (query, field) in [
        ("period=year", "period"),
        ("period=custom&to=2026-11-01", "from"),
        ("period=custom&from=2026-11-02&to=2026-11-01", "to"),
        ("period=custom&from=2024-01-01&to=2026-11-01", "to"),
        ("period=week&tz=Mars/Olympus", "tz"),
    ] {
        let (status, answer) = report(&app, &cookie, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {answer}");
        assert_eq!(answer["field"], field, "{query}: {answer}");
    }
    let (status, _) = call(&app, ("x-none", "1"), "GET", "/api/analytics", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_export_schedule_writes_each_report_once() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_DEMO", "0")]);
    let cookie = account(&app, "analytics-exports@example.com").await;
    let token = register(&app, &cookie, json!({ "name": "a-1", "role": "coder" })).await;
    let token = bearer(&token);
    let now = now_ms();
    let yesterday = now - now.rem_euclid(DAY) - DAY;
    let events: Vec<Value> = (0..5)
        .map(|i| json!({ "kind": "call", "at": yesterday + i * HOUR, "latencyMs": 10 }))
        .collect();
    let (status, _) = call(
        &app,
        ("authorization", &token),
        "POST",
        "/api/v1/usage",
        Some(json!({ "events": events })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let run = |at: i64| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let path = format!("/api/analytics/exports/run?at={at}");
            call(app, ("cookie", cookie), "POST", &path, None).await
        }
    };
    // Off by default: nothing is made.
    let (status, ran) = run(now).await;
    assert_eq!(status, StatusCode::OK, "{ran}");
    assert_eq!(ran["created"], 0);

    export_settings(&app, &cookie, "csv", "daily").await;

    let (_, ran) = run(now).await;
    assert_eq!(ran["created"], 1, "{ran}");
    let (_, again) = run(now).await;
    assert_eq!(again["created"], 0, "made once");

    let (status, list) = call(
        &app,
        ("cookie", &cookie),
        "GET",
        "/api/analytics/exports",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["schedule"], "daily");
    assert_eq!(list[0]["format"], "csv");
    assert_eq!(list[0]["from"], date(yesterday));
    assert_eq!(list[0]["to"], date(yesterday));
    let id = list[0]["id"].as_str().unwrap();
    let path = format!("/api/analytics/exports/{id}");
    let (status, content_type, csv) = download(&app, &cookie, &path, "content-type").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"));
    // A day's report is by the hour: 24 rows, then the total of 5 calls.
    assert_eq!(csv.lines().count(), 1 + 24 + 1, "{csv}");
    assert!(csv.lines().last().unwrap().starts_with("total,"));
    assert!(
        csv.lines().last().unwrap().contains(",5,0,0.0000,10.0,"),
        "{csv}"
    );

    // Weekly, as JSON, the next day: another report.
    export_settings(&app, &cookie, "json", "weekly").await;
    let (_, ran) = run(now + DAY).await;
    assert_eq!(ran["created"], 1, "{ran}");
    let (_, list) = call(
        &app,
        ("cookie", &cookie),
        "GET",
        "/api/analytics/exports",
        None,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["format"], "json", "{list}");
    let (status, _) = call(
        &app,
        ("cookie", &cookie),
        "GET",
        "/api/analytics/exports/nope",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
