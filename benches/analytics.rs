//! Usage analytics over 1,000,000 events (20 agents, 30 days) on the embedded default (SQLite):
//! how fast they are stored with their rollups, then p50 and p95 of the report the page asks for
//! — 30 days in UTC (the daily rollup) and in New York (the hourly rollup), 7 days, today — and,
//! in the same run, the same 30 days counted from the raw events, to show what the rollups buy.
//! Run through `scripts/bench.sh`.

use flightdeck::analytics::period::{Kind, Window};
use flightdeck::analytics::store::build_report;
use flightdeck::analytics::{Prices, UsageEvent, UsageKind, DAY_MS};
use flightdeck::records::{now_ms, Pool, Records};
use std::time::Instant;

const EVENTS: usize = 1_000_000;
const AGENTS: usize = 20;
const BATCH: usize = 1_000;
const RUNS: usize = 50;
const RAW_RUNS: usize = 5;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Event `i`: spread evenly over the last 30 days, a call and two messages in turn, four
/// models, one call in twenty failing, a new conversation every six events.
fn event(i: usize, first: i64, span: i64) -> UsageEvent {
    let call = i % 3 == 1;
    UsageEvent {
        kind: if call {
            UsageKind::Call
        } else {
            UsageKind::Message
        },
        at: Some(first + (i as i64 * span) / EVENTS as i64),
        model: Some(["gpt-4o", "gpt-4o-mini", "claude-sonnet", "house"][i % 4].to_owned()),
        tokens: 100 + (i % 900) as u64,
        latency_ms: call.then_some(100 + (i % 1_000) as u64),
        error: call && i % 20 == 1,
        conversation_id: Some(format!("c-{}", i / 6)),
    }
}

async fn timed(
    runs: usize,
    mut run: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<(f64, f64)> {
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        run().await?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.95)))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let records = Records::open_sqlite(&dir.path().join("bench.db")).await?;
    records.migrate().await?;
    let Pool::Sqlite(pool) = records.pool() else {
        anyhow::bail!("the bench runs on SQLite")
    };
    let now = now_ms();
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ('ws', 'Bench', $1)")
        .bind(now - 40 * DAY_MS)
        .execute(pool)
        .await?;
    for agent in 0..AGENTS {
        sqlx::query(
            "INSERT INTO agents (id, workspace_id, name, role, created_at) VALUES ($1, 'ws', $1, $2, $3)",
        )
        .bind(format!("agent-{agent:02}"))
        .bind(["coder", "reviewer", "planner", "support"][agent % 4])
        .bind(now - 40 * DAY_MS)
        .execute(pool)
        .await?;
    }

    let span = 30 * DAY_MS - 60_000;
    let first = now - span;
    let started = Instant::now();
    for (n, batch) in (0..EVENTS).collect::<Vec<_>>().chunks(BATCH).enumerate() {
        let events: Vec<UsageEvent> = batch.iter().map(|&i| event(i, first, span)).collect();
        let agent = format!("agent-{:02}", n % AGENTS);
        records.record_usage("ws", &agent, &events, now).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "analytics: {EVENTS} events from {AGENTS} agents over 30 days stored with their rollups in {seconds:.1} s ({:.0} events/s, batches of {BATCH})",
        EVENTS as f64 / seconds
    );

    let prices = Prices::default();
    println!("\nreport (the page's query)          p50 ms    p95 ms   points  calls");
    let mut figures = Vec::new();
    for (name, kind, tz) in [
        ("30 days, UTC (daily rollup)", Kind::Month, "UTC"),
        (
            "30 days, New York (hourly rollup)",
            Kind::Month,
            "America/New_York",
        ),
        ("7 days, UTC", Kind::Week, "UTC"),
        ("today, by the hour, Tokyo", Kind::Day, "Asia/Tokyo"),
    ] {
        let window = Window::resolve(kind, None, None, tz, now).map_err(anyhow::Error::msg)?;
        let report = build_report(&records, &prices, "ws", &window, now).await?;
        let (p50, p95) = timed(RUNS, async || {
            build_report(&records, &prices, "ws", &window, now).await?;
            Ok(())
        })
        .await?;
        println!(
            "{name:<34} {p50:>7.2} {p95:>9.2} {:>8} {:>6}",
            report.series.len(),
            report.totals.agent_calls
        );
        figures.push((p50, p95));
    }

    let window =
        Window::resolve(Kind::Month, None, None, "UTC", now).map_err(anyhow::Error::msg)?;
    let (raw50, raw95) = timed(RAW_RUNS, async || {
        records
            .usage_rows_from_events("ws", window.start(), window.end)
            .await?;
        Ok(())
    })
    .await?;
    println!(
        "\n30 days counted from the raw events (same run, {RAW_RUNS} runs): p50 {raw50:.1} ms, p95 {raw95:.1} ms"
    );
    for ((p50, p95), name) in figures.iter().take(2).zip(["UTC", "New York"]) {
        println!(
            "the rollups answer the 30-day view ({name}) {:.0}x faster at p50, {:.0}x at p95",
            raw50 / p50,
            raw95 / p95
        );
    }
    Ok(())
}
