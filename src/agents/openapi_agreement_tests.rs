//! The OpenAPI document against the server's own checks: for each constraint, a body at its
//! bound and one past it are judged alike by the document's schema and by the server.

use super::*;
use crate::analytics::api::read_events;
use crate::approvals::{NewApproval, RunReport};
use crate::fleet::{
    ActivityReport, AlertReport, Heartbeat, Invalid, MetricReport, ProjectReport, TaskReport,
};
use crate::http::parse;

/// Whether the server's own checks accept `body` at `endpoint`, as its handler reads it.
fn server_accepts(endpoint: &str, body: &Value, now: i64) -> bool {
    let bytes = body.to_string().into_bytes();
    fn fleet<T: serde::de::DeserializeOwned>(
        bytes: &[u8],
        validate: fn(&T) -> Result<(), Invalid>,
    ) -> bool {
        parse::<T>(bytes).is_ok_and(|report| validate(&report).is_ok())
    }
    match endpoint {
        "/api/v1/heartbeat" => fleet::<Heartbeat>(&bytes, Heartbeat::validate),
        "/api/v1/projects" => fleet::<ProjectReport>(&bytes, ProjectReport::validate),
        "/api/v1/tasks" => fleet::<TaskReport>(&bytes, TaskReport::validate),
        "/api/v1/metrics" => fleet::<MetricReport>(&bytes, MetricReport::validate),
        "/api/v1/alerts" => fleet::<AlertReport>(&bytes, AlertReport::validate),
        "/api/v1/activity" => fleet::<ActivityReport>(&bytes, ActivityReport::validate),
        "/api/v1/usage" => read_events(&bytes, now).is_ok(),
        "/api/v1/approvals" => {
            parse::<NewApproval>(&bytes).is_ok_and(|new| new.validate(now).is_ok())
        }
        "/api/v1/approvals/{id}/run" => {
            parse::<RunReport>(&bytes).is_ok_and(|report| report.validate().is_ok())
        }
        other => panic!("no server check for {other}"),
    }
}

/// Whether the document's schema of the body of `POST endpoint` allows `body`.
fn schema_allows(doc: &Value, endpoint: &str, body: &Value) -> bool {
    let schema =
        &doc["paths"][endpoint]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let root = json!({
        "$ref": schema["$ref"],
        "components": { "schemas": doc["components"]["schemas"] },
    });
    let validator = jsonschema::draft202012::new(&root).expect("a valid schema");
    validator.is_valid(body)
}

fn text(length: usize) -> String {
    "x".repeat(length)
}

/// Characters outside ASCII: counted as characters, not bytes.
fn wide(length: usize) -> String {
    "é".repeat(length)
}

/// `(endpoint, body, whether both accept it)`: each constraint at its bound and past it.
fn cases(now: i64) -> Vec<(&'static str, Value, bool)> {
    let beat = |vitals: Value| json!({ "status": "idle", "vitals": vitals });
    let vitals = |key: &str, value: Value| {
        let mut vitals = json!({ "cpuPercent": 1.5, "memoryMb": 10 });
        vitals[key] = value;
        beat(vitals)
    };
    let project = |key: &str, value: Value| {
        let mut project =
            json!({ "id": "p-1", "name": "Docs", "progress": 40, "health": "on_track" });
        project[key] = value;
        json!({ "projects": [project] })
    };
    let task = |key: &str, value: Value| {
        let mut task = json!({ "id": "t.1", "title": "Index", "status": "todo" });
        task[key] = value;
        json!({ "tasks": [task] })
    };
    let metric = |key: &str, value: Value| {
        let mut metric = json!({ "key": "latency:p95", "label": "p95", "value": 12.5 });
        metric[key] = value;
        json!({ "metrics": [metric] })
    };
    let alert = |key: &str, value: Value| {
        let mut alert = json!({ "id": "a_1", "severity": "warning", "title": "Slow" });
        alert[key] = value;
        json!({ "alerts": [alert] })
    };
    let usage = |key: &str, value: Value| {
        let mut event = json!({ "kind": "call", "tokens": 10 });
        event[key] = value;
        event
    };
    let message = |key: &str, value: Value| {
        let mut event = json!({ "kind": "message" });
        event[key] = value;
        event
    };
    let ask = |key: &str, value: Value| {
        let mut ask = json!({ "tool": "shell.exec", "arguments": { "cmd": "ls" }, "reason": "look", "risk": "low" });
        ask[key] = value;
        ask
    };
    let run = |key: &str, value: Value| {
        let mut run = json!({ "status": "running" });
        run[key] = value;
        run
    };
    let many = |count: usize, one: Value| Value::Array(vec![one; count]);
    let (hb, pr, ta, me, al, ac, us, ap, ru) = (
        "/api/v1/heartbeat",
        "/api/v1/projects",
        "/api/v1/tasks",
        "/api/v1/metrics",
        "/api/v1/alerts",
        "/api/v1/activity",
        "/api/v1/usage",
        "/api/v1/approvals",
        "/api/v1/approvals/{id}/run",
    );
    let one_project = project("id", json!("p")).get("projects").unwrap()[0].clone();
    let one_task = task("id", json!("t")).get("tasks").unwrap()[0].clone();
    vec![
        (hb, vitals("cpuPercent", json!(100)), true),
        (hb, vitals("cpuPercent", json!(100.5)), false),
        (hb, vitals("cpuPercent", json!(-0.1)), false),
        (hb, vitals("memoryMb", json!(16_777_216)), true),
        (hb, vitals("memoryMb", json!(16_777_216.5)), false),
        (hb, vitals("queueDepth", json!(u32::MAX)), true),
        (
            hb,
            vitals("queueDepth", json!(u64::from(u32::MAX) + 1)),
            false,
        ),
        (hb, vitals("uptimeSecs", json!(3_155_760_000_u64)), true),
        (hb, vitals("uptimeSecs", json!(3_155_760_001_u64)), false),
        (hb, vitals("uptimeSecs", json!(u64::MAX)), false),
        (hb, vitals("uptimeSecs", json!(-1)), false),
        // JSON Schema's integers include 4267.0, as Python writes a float.
        (hb, vitals("uptimeSecs", json!(4267.0)), true),
        (hb, vitals("queueDepth", json!(2.5)), false),
        (hb, vitals("extra", json!(1)), false),
        (hb, json!({ "status": "idle" }), false),
        (
            hb,
            json!({ "status": "asleep", "vitals": { "cpuPercent": 1, "memoryMb": 1 } }),
            false,
        ),
        (
            hb,
            json!({ "status": "error", "vitals": { "cpuPercent": 1, "memoryMb": 1 }, "message": text(200) }),
            true,
        ),
        (
            hb,
            json!({ "status": "error", "vitals": { "cpuPercent": 1, "memoryMb": 1 }, "message": text(201) }),
            false,
        ),
        (
            hb,
            json!({ "status": "error", "vitals": { "cpuPercent": 1, "memoryMb": 1 }, "message": null }),
            true,
        ),
        (pr, project("id", json!("a.b:c-d_E9")), true),
        (pr, project("id", json!(text(64))), true),
        (pr, project("id", json!(text(65))), false),
        (pr, project("id", json!("a b")), false),
        (pr, project("id", json!("é")), false),
        (pr, project("id", json!("")), false),
        (pr, project("id", json!("p\n")), false),
        (pr, project("name", json!(wide(120))), true),
        (pr, project("name", json!(wide(121))), false),
        (pr, project("name", json!(" \t\u{85}\u{a0}\u{3000}")), false),
        // Not white space to Rust, though some regex dialects would say so.
        (pr, project("name", json!("\u{1c}")), true),
        (pr, project("name", json!("\u{feff}")), true),
        (pr, project("progress", json!(100)), true),
        (pr, project("progress", json!(101)), false),
        (pr, project("progress", json!(1.5)), false),
        (pr, project("progress", json!(40.0)), true),
        (pr, project("health", json!("late")), false),
        (pr, project("summary", json!(text(500))), true),
        (pr, project("summary", json!(text(501))), false),
        (pr, json!({ "projects": [] }), false),
        (
            pr,
            json!({ "projects": many(100, one_project.clone()) }),
            true,
        ),
        (pr, json!({ "projects": many(101, one_project) }), false),
        (ta, task("title", json!(text(200))), true),
        (ta, task("title", json!(text(201))), false),
        (ta, task("title", json!("   ")), false),
        (ta, task("status", json!("in_progress")), true),
        (ta, task("status", json!("doing")), false),
        (ta, task("assignee", json!(wide(64))), true),
        (ta, task("assignee", json!(wide(65))), false),
        (ta, task("project", json!("p-1")), true),
        (ta, task("project", json!("p 1")), false),
        (ta, json!({ "tasks": many(500, one_task.clone()) }), true),
        (ta, json!({ "tasks": many(501, one_task) }), false),
        (me, metric("label", json!(text(80))), true),
        (me, metric("label", json!(text(81))), false),
        (me, metric("label", json!("")), false),
        (me, metric("unit", json!(text(16))), true),
        (me, metric("unit", json!(text(17))), false),
        (me, metric("value", json!(-1e300)), true),
        (me, metric("value", json!("12")), false),
        (me, metric("key", json!("k/1")), false),
        (al, alert("detail", json!(text(1000))), true),
        (al, alert("detail", json!(text(1001))), false),
        (al, alert("severity", json!("fatal")), false),
        (al, alert("title", json!("\u{2028}")), false),
        (al, alert("resolved", json!(true)), true),
        (ac, json!({ "text": wide(500) }), true),
        (ac, json!({ "text": wide(501) }), false),
        (ac, json!({ "text": "\u{2003}" }), false),
        (ac, json!({}), false),
        (us, usage("kind", json!("call")), true),
        (us, usage("kind", json!("view")), false),
        (us, usage("tokens", json!(10_000_000)), true),
        (us, usage("tokens", json!(10_000_001)), false),
        (us, usage("latencyMs", json!(3_600_000)), true),
        (us, usage("latencyMs", json!(3_600_001)), false),
        (us, usage("error", json!(true)), true),
        (us, usage("model", json!(wide(100))), true),
        (us, usage("model", json!(wide(101))), false),
        (us, usage("model", json!(" ")), false),
        (us, usage("conversationId", json!(wide(200))), true),
        (us, usage("conversationId", json!(wide(201))), false),
        (us, usage("conversationId", json!("")), false),
        (us, usage("at", json!(now)), true),
        (us, usage("at", json!(-1)), false),
        (us, usage("at", json!(now as f64)), true),
        (us, usage("tokens", json!(5.0)), true),
        (us, usage("latencyMs", json!(0.25)), false),
        (us, message("tokens", json!(5)), true),
        (us, message("latencyMs", json!(5)), false),
        (us, message("latencyMs", Value::Null), true),
        (us, message("error", json!(true)), false),
        (us, message("error", json!(false)), true),
        (us, json!({ "events": [] }), false),
        (
            us,
            json!({ "events": many(1000, usage("tokens", json!(1))) }),
            true,
        ),
        (
            us,
            json!({ "events": many(1001, usage("tokens", json!(1))) }),
            false,
        ),
        (
            us,
            json!({ "events": [message("error", json!(true))] }),
            false,
        ),
        (us, json!({ "events": [], "kind": "call" }), false),
        (ap, ask("tool", json!(text(200))), true),
        (ap, ask("tool", json!(format!("{}  ", text(199)))), false),
        (ap, ask("tool", json!(" ")), false),
        (ap, ask("reason", json!(wide(2000))), true),
        (ap, ask("reason", json!(wide(2001))), false),
        (ap, ask("risk", json!("extreme")), false),
        (ap, ask("deadline", json!(now + 3_600_000)), true),
        (ap, ask("arguments", json!([1, "two", null])), true),
        // PostgreSQL's text holds no NUL: refused where it would be stored as text.
        (ap, ask("tool", json!("a\u{0}b")), false),
        (ap, ask("reason", json!("\u{0}")), false),
        (ap, ask("arguments", json!({ "k\u{0}": "\u{0}" })), true),
        (us, usage("model", json!("m\u{0}")), false),
        (us, usage("conversationId", json!("\u{0}")), false),
        (ru, run("message", json!("\u{0}")), false),
        (ru, run("result", json!("ok\u{0}")), false),
        (
            hb,
            json!({ "status": "idle", "vitals": { "cpuPercent": 1, "memoryMb": 1 }, "message": "\u{0}" }),
            true,
        ),
        (ru, run("progress", json!(100)), true),
        (ru, run("progress", json!(101)), false),
        (ru, run("progress", json!(45.0)), true),
        (ru, run("message", json!(text(500))), true),
        (ru, run("message", json!(text(501))), false),
        (ru, run("result", json!(wide(2000))), true),
        (ru, run("result", json!(wide(2001))), false),
        (ru, run("status", json!("succeeded")), true),
        (ru, run("status", json!("paused")), false),
    ]
}

#[test]
fn the_schema_and_the_server_accept_the_same_bodies() {
    let doc = document();
    let now = crate::records::now_ms();
    for (endpoint, body, valid) in cases(now) {
        let shown: String = body.to_string().chars().take(160).collect();
        assert_eq!(
            schema_allows(&doc, endpoint, &body),
            valid,
            "the schema of {endpoint} on {shown}"
        );
        assert_eq!(
            server_accepts(endpoint, &body, now),
            valid,
            "the server at {endpoint} on {shown}"
        );
    }
}
