//! OTLP intake throughput at `/v1/traces`: batches of 512 spans (as the OpenTelemetry SDKs'
//! batch processor sends them: 448 model calls of four models, 32 tool runs, 32 HTTP spans),
//! protobuf over loopback HTTP with the agent's token, from one exporter and from four at once,
//! on the embedded store (SQLite) and on PostgreSQL. Every answer must be 200 with nothing
//! refused, and the analytics report must count every call once. Server in this process. Run
//! through `scripts/bench.sh` (which starts the throwaway PostgreSQL).

mod support;

use anyhow::{ensure, Context};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::Value;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const BATCH: usize = 512;
/// Batches per run.
const BATCHES: usize = 120;
/// The target on the embedded store, spans per second.
const TARGET: f64 = 20_000.0;

/// The server on a loopback port; its base URL.
async fn start(dir: &Path, database_url: Option<&str>) -> anyhow::Result<String> {
    let mut vars = vec![
        ("IP", "127.0.0.1".to_owned()),
        ("PORT", "0".to_owned()),
        (
            "FLIGHTDECK_DATA_DIR",
            dir.join("data").display().to_string(),
        ),
        ("FLIGHTDECK_SIGNUP", "open".to_owned()),
        ("FLIGHTDECK_DEMO", "0".to_owned()),
        // Every batch is an agent request: no 429 may be timed.
        ("AGENT_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
        ("AGENT_RATE_LIMIT_BURST", "100000".to_owned()),
    ];
    if let Some(url) = database_url {
        vars.push(("DATABASE_URL", url.to_owned()));
        vars.push(("FLIGHTDECK_AUDIT_KEY", "b".repeat(64)));
    }
    Ok(support::serve(&vars).await?.1)
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

/// Batch `n` (unique span ids), its spans ending now.
fn batch(n: usize) -> Vec<u8> {
    let end = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-pro"];
    let spans = (0..BATCH)
        .map(|i| {
            let id = (n * BATCH + i + 1) as u64;
            let mut trace_id = vec![0; 8];
            trace_id.extend((n as u64 + 1).to_be_bytes());
            let attributes = match i % 16 {
                0 => vec![
                    kv(
                        "gen_ai.operation.name",
                        any_value::Value::StringValue("execute_tool".into()),
                    ),
                    kv(
                        "gen_ai.tool.name",
                        any_value::Value::StringValue("search".into()),
                    ),
                ],
                1 => vec![kv(
                    "http.request.method",
                    any_value::Value::StringValue("GET".into()),
                )],
                _ => vec![
                    kv(
                        "gen_ai.operation.name",
                        any_value::Value::StringValue("chat".into()),
                    ),
                    kv(
                        "gen_ai.request.model",
                        any_value::Value::StringValue(models[i % 4].into()),
                    ),
                    kv("gen_ai.usage.input_tokens", any_value::Value::IntValue(100)),
                    kv("gen_ai.usage.output_tokens", any_value::Value::IntValue(20)),
                    kv(
                        "gen_ai.conversation.id",
                        any_value::Value::StringValue(format!("c{}", id % 97)),
                    ),
                ],
            };
            Span {
                trace_id,
                span_id: id.to_be_bytes().to_vec(),
                name: "chat".into(),
                start_time_unix_nano: end - 300_000_000,
                end_time_unix_nano: end,
                attributes,
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv(
                    "service.name",
                    any_value::Value::StringValue("bench".into()),
                )],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Sends `bodies` from `exporters` concurrent exporters; checks every answer.
async fn send(
    base: &str,
    token: &str,
    bodies: Vec<Vec<u8>>,
    exporters: usize,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(bodies));
    let mut tasks = Vec::new();
    for _ in 0..exporters {
        let (http, queue, url, auth) = (
            http.clone(),
            queue.clone(),
            format!("{base}/v1/traces"),
            format!("Bearer {token}"),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().await.pop() else {
                    return anyhow::Ok(());
                };
                let response = http
                    .post(&url)
                    .header("authorization", &auth)
                    .header("content-type", "application/x-protobuf")
                    .body(body)
                    .send()
                    .await?;
                let status = response.status();
                let bytes = response.bytes().await?;
                ensure!(
                    status == reqwest::StatusCode::OK,
                    "{status}: {}",
                    String::from_utf8_lossy(&bytes)
                );
                let answer = ExportTraceServiceResponse::decode(bytes)?;
                let rejected = answer.partial_success.map_or(0, |p| p.rejected_spans);
                ensure!(rejected == 0, "{rejected} spans refused");
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// One store: a run from one exporter, then one from four. Returns the first run's spans/s.
async fn measure(name: &str, database_url: Option<&str>) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let base = start(dir.path(), database_url).await?;
    let operator = support::operator(&base).await?;
    let token = support::agent_token(&operator, &base, "otel-bench", "coder").await?;
    let mut first = 0.0;
    let mut sent = 0;
    for exporters in [1, 4] {
        let bodies: Vec<Vec<u8>> = (sent..sent + BATCHES).map(batch).collect();
        sent += BATCHES;
        let started = Instant::now();
        send(&base, &token, bodies, exporters).await?;
        let seconds = started.elapsed().as_secs_f64();
        let rate = (BATCHES * BATCH) as f64 / seconds;
        if exporters == 1 {
            first = rate;
        }
        println!(
            "{name:<20} {exporters:>9} {:>8} {:>9.2} {:>12.0}",
            BATCHES * BATCH,
            seconds,
            rate
        );
    }
    // Every model call counted once: 14 of every 16 spans.
    let report: Value = operator
        .get(format!("{base}/api/analytics?period=day"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let calls = report["totals"]["agentCalls"].as_u64().unwrap_or(0) as usize;
    let expected = sent * BATCH / 16 * 14;
    ensure!(
        calls == expected,
        "{name}: the report counts {calls} calls, not {expected}"
    );
    Ok(first)
}

async fn fresh_postgres(admin: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let database = format!("bench_otlp_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut conn)
        .await?;
    let (server, _) = admin.rsplit_once('/').context("no database in the URL")?;
    Ok(format!("{server}/{database}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("OTLP/HTTP intake at /v1/traces: {BATCHES} protobuf batches of {BATCH} spans per run");
    println!(
        "{:<20} {:>9} {:>8} {:>9} {:>12}",
        "store", "exporters", "spans", "seconds", "spans/s"
    );
    let embedded = measure("sqlite (embedded)", None).await?;
    match std::env::var("FLIGHTDECK_TEST_DATABASE_URL") {
        Ok(admin) => {
            let url = fresh_postgres(&admin).await?;
            measure("postgres", Some(&url)).await?;
        }
        Err(_) => println!("FLIGHTDECK_TEST_DATABASE_URL unset: PostgreSQL needs scripts/bench.sh"),
    }
    println!(
        "target: >= {TARGET:.0} spans/s from one exporter on the embedded store: {}",
        if embedded >= TARGET { "met" } else { "NOT met" }
    );
    Ok(())
}
