//! Approvals under load, on the embedded default (SQLite), server and agents in this process on
//! loopback: with 1,000 agents each long-polling its own approval, the process's CPU time over
//! 10 s of idle waiting; the wake latency from each decision to its agent's answer, p50 and p99
//! (from the decision's commit, and from the operator's request being sent); and the time of one
//! bulk decision of 1,000 approvals. Every answer's status is checked (a timed 429 would make the
//! figures meaningless). Run through `scripts/bench.sh`.

mod support;

use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{answer, OK};

const AGENTS: usize = 1_000;

async fn start(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let vars = [
        ("IP", "127.0.0.1".to_string()),
        ("PORT", "0".to_string()),
        ("FLIGHTDECK_DATA_DIR", data_dir.display().to_string()),
        ("FLIGHTDECK_SIGNUP", "open".to_string()),
        ("FLIGHTDECK_DEMO", "0".to_string()),
        // One agent token asks 2,000 times and holds 1,000 long-polls: raised past the per-token
        // rate limit (default 600/min, 60 burst) and its open streams (default 32).
        ("AGENT_RATE_LIMIT_PER_MINUTE", "1000000".to_string()),
        ("AGENT_RATE_LIMIT_BURST", "100000".to_string()),
        ("FLIGHTDECK_MAX_STREAMS_PER_TOKEN", (AGENTS + 8).to_string()),
    ];
    let (state, base) = support::serve(&vars).await?;
    tokio::spawn(flightdeck::approvals::deadlines::run(state));
    Ok(base)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// This process's user + system CPU time, from /proc (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn ask_many(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let approval = answer(
            http.post(format!("{base}/api/v1/approvals"))
                .bearer_auth(token)
                .json(&json!({ "tool": format!("tool_{i}"), "arguments": { "i": i }, "reason": "bench", "risk": "low" })),
            reqwest::StatusCode::CREATED,
        )
        .await?;
        let id = approval["id"].as_str().unwrap_or_default();
        anyhow::ensure!(!id.is_empty(), "an approval without an id: {approval}");
        ids.push(id.to_owned());
    }
    Ok(ids)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let base = start(dir.path()).await?;
    let operator = support::operator(&base).await?;
    let token = support::agent_token(&operator, &base, "bench", "pulse").await?;
    let agents = reqwest::Client::builder()
        .pool_max_idle_per_host(AGENTS)
        .build()?;
    let ids = ask_many(&agents, &base, &token, AGENTS).await?;

    // 1,000 agents wait, each on its own approval.
    let mut waiters = Vec::with_capacity(AGENTS);
    for id in &ids {
        let (http, url, token) = (
            agents.clone(),
            format!("{base}/api/v1/approvals/{id}/wait?timeout=120"),
            token.clone(),
        );
        waiters.push(tokio::spawn(async move {
            let approval = answer(http.get(url).bearer_auth(token), OK).await?;
            anyhow::Ok((Instant::now(), now_ms(), approval))
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // all connected and parked
    let (cpu_before, wall_before) = (cpu_time(), Instant::now());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (cpu, wall) = (cpu_time() - cpu_before, wall_before.elapsed());
    println!(
        "idle waiting, {AGENTS} agents: {:.0} ms CPU in {:.1} s = {:.2}% of one core (server and agents together)",
        cpu.as_secs_f64() * 1e3,
        wall.as_secs_f64(),
        100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
    );

    // Decide them one at a time; each wakes exactly its agent.
    let mut sent_at = Vec::with_capacity(AGENTS);
    for id in &ids {
        sent_at.push(Instant::now());
        answer(
            operator.post(format!("{base}/api/approvals/{id}/approve")),
            OK,
        )
        .await?;
    }
    let (mut from_commit, mut from_request) = (Vec::new(), Vec::new());
    for (waiter, sent) in waiters.into_iter().zip(sent_at) {
        let (woke, woke_ms, approval) = waiter.await??;
        anyhow::ensure!(approval["status"] == "approved", "woken with {approval}");
        from_commit.push((woke_ms - approval["decidedAt"].as_i64().unwrap_or(woke_ms)) as f64);
        from_request.push(woke.duration_since(sent).as_secs_f64() * 1e3);
    }
    for (name, mut values) in [
        ("decision committed", from_commit),
        ("approve request sent", from_request),
    ] {
        values.sort_by(f64::total_cmp);
        println!(
            "wake latency from {name} to the agent's answer, {AGENTS} waiting: p50 {:.1} ms, p99 {:.1} ms",
            percentile(&values, 0.5),
            percentile(&values, 0.99)
        );
    }

    // One bulk decision of 1,000.
    let ids = ask_many(&agents, &base, &token, AGENTS).await?;
    let started = Instant::now();
    let bulk = support::bulk_approve(&operator, &base, &ids).await?;
    let elapsed = started.elapsed();
    println!(
        "bulk decision of {AGENTS}: {:.0} ms ({} succeeded, {} failed; each audited and announced)",
        elapsed.as_secs_f64() * 1e3,
        bulk["succeeded"],
        bulk["failed"]
    );
    Ok(())
}
