//! OpenTelemetry GenAI traces in at `/v1/traces`, over real HTTP: the OpenTelemetry Python SDK's
//! own OTLP/HTTP exporter (protobuf, gzip, configured by environment variables only) fills the
//! analytics report and the activity feed, and its retry counts once; the JSON encoding with
//! curl, on both stacks; and what a stranger, a viewer, another workspace and bad bodies get.

use crate::fleet::{call, register};
use crate::helpers::{direct, on_both_stacks, venv, Stack, TestApp};
use crate::sync::account;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Stdio;

on_both_stacks!(the_json_encoding_with_curl);

/// The tests' Python (scripts/bootstrap.sh --test makes it).
fn python() -> std::path::PathBuf {
    let python = venv().join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/bootstrap.sh --test (scripts/test.sh does)",
        python.display()
    );
    python
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

async fn report(app: &TestApp, cookie: &str) -> Value {
    let (status, report) = call(
        app,
        ("cookie", cookie),
        "GET",
        "/api/analytics?period=day",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn activity(app: &TestApp, cookie: &str) -> Vec<String> {
    let (status, items) = call(app, ("cookie", cookie), "GET", "/api/fleet/activity", None).await;
    assert_eq!(status, StatusCode::OK, "{items}");
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["data"]["text"].as_str().unwrap().to_owned())
        .collect()
}

/// `model: calls/errors/tokens` of each model in the report, most tokens first.
fn models(report: &Value) -> Vec<String> {
    report["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: {}/{}/{}",
                m["model"].as_str().unwrap(),
                m["calls"],
                m["errors"],
                m["tokens"]
            )
        })
        .collect()
}

#[tokio::test]
async fn the_opentelemetry_sdk_fills_analytics_and_activity_and_its_retry_counts_once() {
    let app = Stack::embedded().spawn(&[]);
    let cookie = account(&app, "otel@example.com").await;
    let token = register(
        &app,
        &cookie,
        json!({ "name": "support-bot", "role": "pulse" }),
    )
    .await;
    let other = account(&app, "otel-other@example.com").await;

    let out = direct(python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/otel/genai_spans.py"
        ))
        // The two variables the README tells an instrumented agent to set, and gzip.
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", app.url(""))
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("Authorization=Bearer%20{token}"),
        )
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\nserver:\n{}",
        String::from_utf8_lossy(&out.stderr),
        app.log()
    );
    assert_eq!(stdout, "first: SUCCESS\nretry: SUCCESS\n");

    // Exactly the two model calls, once although sent twice; not the agent span, not HTTP.
    let ours = report(&app, &cookie).await;
    let totals = &ours["totals"];
    assert_eq!(
        (
            &totals["agentCalls"],
            &totals["errors"],
            &totals["tokens"],
            &totals["conversations"]
        ),
        (&json!(2), &json!(1), &json!(200), &json!(1)),
        "{totals}"
    );
    assert_eq!(
        models(&ours),
        ["gpt-4o: 1/0/150", "claude-3-5-sonnet: 1/1/50"]
    );
    assert_eq!(ours["agents"][0]["name"], "support-bot");
    let lines = activity(&app, &cookie).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("Support · Tool get_weather ran in "),
        "{lines:?}"
    );
    // Another workspace gets none of it.
    let theirs = report(&app, &other).await;
    assert_eq!(theirs["totals"]["agentCalls"], 0);
    assert!(activity(&app, &other).await.is_empty());

    // What became of the ten spans, on /metrics.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for (outcome, n) in [
        ("counted", 2),
        ("duplicate", 2),
        ("agent", 2),
        ("dropped", 2),
    ] {
        let line = format!("flightdeck_otlp_spans_total{{outcome=\"{outcome}\"}} {n}");
        assert!(metrics.contains(&line), "{line} not in\n{metrics}");
    }
}

/// An OTLP JSON body: one chat span `span` (hex, 16 digits) ending now, a span that is not GenAI
/// and one with a short span id.
fn json_batch(span: &str) -> Value {
    let end = now_nanos();
    let start = end - 800_000_000;
    let attr = |key: &str, value: Value| json!({ "key": key, "value": value });
    json!({ "resourceSpans": [{
        "resource": { "attributes": [attr("service.name", json!({ "stringValue": "curl-agent" }))] },
        "scopeSpans": [{ "scope": { "name": "manual" }, "spans": [
            { "traceId": "5b8efff798038103d269b633813fc60c", "spanId": span, "name": "chat",
              "kind": 3, "startTimeUnixNano": start.to_string(), "endTimeUnixNano": end.to_string(),
              "attributes": [
                  attr("gen_ai.operation.name", json!({ "stringValue": "chat" })),
                  attr("gen_ai.request.model", json!({ "stringValue": "gpt-4o-mini" })),
                  attr("gen_ai.usage.input_tokens", json!({ "intValue": "90" })),
                  attr("gen_ai.usage.output_tokens", json!({ "intValue": 10 })),
              ] },
            { "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000abc", "name": "GET /",
              "startTimeUnixNano": start.to_string(), "endTimeUnixNano": end.to_string(),
              "attributes": [attr("http.request.method", json!({ "stringValue": "GET" }))] },
            { "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "abcd", "name": "short id",
              "startTimeUnixNano": start.to_string(), "endTimeUnixNano": end.to_string(),
              "attributes": [attr("gen_ai.operation.name", json!({ "stringValue": "chat" }))] }
        ] }]
    }] })
}

/// `curl` posting `body` to /v1/traces with `headers`: the status and the answer's text.
async fn curl(app: &TestApp, headers: &[String], body: &[u8]) -> (u16, String) {
    let mut command = direct("curl");
    command.stdin(Stdio::piped()).args([
        "-sS",
        "-X",
        "POST",
        "--data-binary",
        "@-",
        "-w",
        "\n%{http_code}",
    ]);
    for header in headers {
        command.args(["-H", header]);
    }
    let mut child = command.arg(app.url("/v1/traces")).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let body = body.to_vec();
    let writing = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        // The server may answer (413) before reading everything: a broken pipe is fine.
        let _ = stdin.write_all(&body).await;
    });
    let out = child.wait_with_output().await.unwrap();
    writing.await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (answer, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.trim().parse().unwrap_or(0), answer.to_owned())
}

async fn the_json_encoding_with_curl(stack: Stack) {
    let app = stack.spawn(&[]);
    let cookie = account(&app, &format!("otel-json-{}@example.com", stack.name)).await;
    let token = register(
        &app,
        &cookie,
        json!({ "name": "curl-agent", "role": "pulse" }),
    )
    .await;
    let auth = format!("Authorization: Bearer {token}");
    let json = "Content-Type: application/json".to_owned();
    let batch = serde_json::to_vec(&json_batch("eee19b7ec3c1b174")).unwrap();

    // Sent twice: counted once. The bad span is refused, the HTTP one noted and dropped.
    for _ in 0..2 {
        let (status, answer) = curl(&app, &[auth.clone(), json.clone()], &batch).await;
        assert_eq!(status, 200, "{answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["partialSuccess"]["rejectedSpans"], 1, "{answer}");
        let message = answer["partialSuccess"]["errorMessage"].as_str().unwrap();
        assert!(
            message.contains("\"short id\"") && message.contains("1 spans were not GenAI"),
            "{message}"
        );
    }
    let totals = report(&app, &cookie).await["totals"].clone();
    assert_eq!(
        (&totals["agentCalls"], &totals["tokens"]),
        (&json!(1), &json!(100)),
        "{totals}"
    );

    // Bad bodies: a google.rpc.Status in the request's encoding, nothing stored.
    let (status, answer) = curl(
        &app,
        &[auth.clone(), json.clone()],
        b"{\"resourceSpans\": 7}",
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let rpc: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(rpc["code"], 3);
    assert!(rpc["message"]
        .as_str()
        .unwrap()
        .contains("ExportTraceServiceRequest in JSON"));
    let (status, answer) = curl(
        &app,
        &[auth.clone(), "Content-Type: text/plain".into()],
        &batch,
    )
    .await;
    assert_eq!(status, 415, "{answer}");
    let totals = report(&app, &cookie).await["totals"].clone();
    assert_eq!(totals["agentCalls"], 1);
}

#[tokio::test]
async fn strangers_viewers_and_bad_bodies_get_nothing_in() {
    let app = Stack::embedded().spawn(&[]);
    let cookie = account(&app, "otel-edge@example.com").await;
    let token = register(
        &app,
        &cookie,
        json!({ "name": "edge-agent", "role": "pulse" }),
    )
    .await;
    let batch = serde_json::to_vec(&json_batch("00000000000000e1")).unwrap();
    let http = reqwest::Client::new();
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let mut request = http.post(app.url("/v1/traces")).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let json = ("content-type", "application/json".to_owned());
    let bearer = ("authorization", format!("Bearer {token}"));

    // No token, a made-up one, and a signed-in user's session (not an agent): 401.
    for headers in [
        vec![json.clone()],
        vec![json.clone(), ("authorization", "Bearer fd_nope".to_owned())],
        vec![json.clone(), ("cookie", cookie.clone())],
    ] {
        let response = post(headers, batch.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    // Protobuf that is not a request: 400 with a protobuf google.rpc.Status.
    let response = post(
        vec![
            bearer.clone(),
            ("content-type", "application/x-protobuf".into()),
        ],
        vec![0xff, 0xff, 0xff],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["content-type"], "application/x-protobuf");
    let body = response.bytes().await.unwrap();
    // google.rpc.Status: field 1 code (varint 3), field 2 the message.
    assert_eq!(&body[..2], &[0x08, 0x03], "{body:?}");
    assert!(String::from_utf8_lossy(&body).contains("protobuf"));

    // An empty protobuf request is a valid, empty export: 200 and an empty response.
    let response = post(
        vec![
            bearer.clone(),
            ("content-type", "application/x-protobuf".into()),
        ],
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer = ExportTraceServiceResponse::decode(response.bytes().await.unwrap()).unwrap();
    assert_eq!(answer.partial_success, None);

    // Over 4 MiB as sent, and a gzip body that unpacks past 16 MiB: 413.
    let response = post(
        vec![bearer.clone(), json.clone()],
        vec![b' '; 4 * 1024 * 1024 + 1],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let bomb = direct("sh")
        .args(["-c", "head -c 17000000 /dev/zero | gzip -c"])
        .output()
        .await
        .unwrap()
        .stdout;
    assert!(bomb.len() < 100_000);
    let response = post(
        vec![
            bearer.clone(),
            json.clone(),
            ("content-encoding", "gzip".into()),
        ],
        bomb,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let rpc: Value = response.json().await.unwrap();
    assert_eq!(rpc["code"], 8, "{rpc}");
    let response = post(
        vec![
            bearer.clone(),
            json.clone(),
            ("content-encoding", "br".into()),
        ],
        batch.clone(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // None of it counted.
    let totals = report(&app, &cookie).await["totals"].clone();
    assert_eq!(totals["agentCalls"], 0, "{totals}");
}
