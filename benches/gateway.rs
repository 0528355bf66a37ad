//! The MCP gateway on loopback, server in this process with the embedded store (SQLite),
//! `@modelcontextprotocol/server-everything` upstream over stdio: the server's resident memory
//! with 1,000 gated calls waiting for a decision (policy default `ask`; their rmcp clients in a
//! child process), then one bulk approval of them all; and the gateway's overhead on an allowed
//! `everything__echo` (an rmcp client through `/mcp`) against an rmcp client straight to
//! server-everything over stdio, p50 and p99. Run through `scripts/bench.sh`.

mod support;

use anyhow::{ensure, Context};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{Peer, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{answer, CREATED, OK};

/// Calls of each kind before measuring, then measured.
const WARM_UP: usize = 50;
const CALLS: usize = 500;
/// Gated calls waiting at once, spread over this many MCP sessions of one agent.
const GATED: usize = 1_000;
const SESSIONS: usize = 20;
/// The targets.
const OVERHEAD_P99_MS: f64 = 2.0;
const WAITING_MB: f64 = 50.0;

fn everything_js() -> String {
    format!(
        "{}/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The server on a loopback port, offering server-everything: its base URL.
async fn start(dir: &Path) -> anyhow::Result<String> {
    let mcp_config = dir.join("mcp.json");
    let servers = json!({ "mcpServers": { "everything": { "command": "node", "args": [everything_js(), "stdio"] } } });
    std::fs::write(&mcp_config, servers.to_string())?;
    let vars = [
        ("IP", "127.0.0.1".to_owned()),
        ("PORT", "0".to_owned()),
        (
            "FLIGHTDECK_DATA_DIR",
            dir.join("data").display().to_string(),
        ),
        ("FLIGHTDECK_SIGNUP", "open".to_owned()),
        ("FLIGHTDECK_DEMO", "0".to_owned()),
        ("FLIGHTDECK_MCP_CONFIG", mcp_config.display().to_string()),
        // One agent: each of its sessions and each of its waiting calls holds one of its
        // token's places (default 32).
        (
            "FLIGHTDECK_MAX_STREAMS_PER_TOKEN",
            (GATED + SESSIONS + 8).to_string(),
        ),
        // Each MCP message is an agent request: no 429 may be timed (default 600/min, 60 burst).
        ("AGENT_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
        ("AGENT_RATE_LIMIT_BURST", "100000".to_owned()),
    ];
    let (state, base) = support::serve(&vars).await?;
    tokio::spawn(flightdeck::approvals::deadlines::run(state.clone()));
    state.mcp.start(&state.records).await?;
    Ok(base)
}

/// A signed-in operator whose workspace has server-everything connected, and an agent's token.
async fn workspace(base: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let operator = support::operator(base).await?;
    answer(
        operator.post(format!("{base}/api/mcp/servers")).json(
            &json!({ "name": "everything", "transport": { "kind": "operator", "server": "everything" } }),
        ),
        CREATED,
    )
    .await?;
    let token = support::agent_token(&operator, base, "bench", "coder").await?;
    let started = Instant::now();
    loop {
        let overview = answer(operator.get(format!("{base}/api/mcp/servers")), OK).await?;
        if overview["health"]["connected"] == 1 {
            break;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(60),
            "server-everything did not connect: {overview}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((operator, token))
}

/// Replaces the workspace's policy rules (the default stays `ask`).
async fn set_rules(operator: &reqwest::Client, base: &str, rules: Value) -> anyhow::Result<()> {
    let current = answer(operator.get(format!("{base}/api/policies")), OK).await?;
    answer(
        operator
            .put(format!("{base}/api/policies"))
            .json(&json!({ "baseRevision": current["revision"], "policy": { "rules": rules } })),
        OK,
    )
    .await?;
    Ok(())
}

type Client = RunningService<RoleClient, ()>;

/// An rmcp client session on the gateway.
async fn gateway_client(base: &str, token: &str) -> anyhow::Result<Client> {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp"))
        .auth_header(token.to_owned());
    Ok(
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await?,
    )
}

/// An rmcp client on a server-everything of its own, over stdio.
async fn direct_client() -> anyhow::Result<Client> {
    let mut command = tokio::process::Command::new("node");
    command.arg(everything_js()).arg("stdio");
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()?;
    Ok(().serve(transport).await?)
}

/// Calls `tool` with `{message}` and checks the answer is the upstream's echo of it.
async fn echo(peer: &Peer<RoleClient>, tool: &'static str, message: String) -> anyhow::Result<()> {
    let mut arguments = serde_json::Map::new();
    arguments.insert("message".into(), Value::String(message.clone()));
    let result = peer
        .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
        .await
        .with_context(|| format!("{tool} {message}"))?;
    let text = text_of(&result);
    ensure!(
        result.is_error != Some(true) && text == format!("Echo: {message}"),
        "{tool} {message}: answered {text:?}"
    );
    Ok(())
}

fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.as_str()))
        .collect()
}

/// This process's resident memory, in MB.
fn rss_mb() -> f64 {
    vm_rss("/proc/self/status")
}

/// The VmRSS of a /proc status file, in MB.
fn vm_rss(status: &str) -> f64 {
    std::fs::read_to_string(status)
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// The clients' process: this benchmark again, with `CLIENTS` set to `<base> <token>`.
const CLIENTS: &str = "FLIGHTDECK_BENCH_GATEWAY_CLIENTS";

/// In the clients' process: opens the sessions, says `open`, waits for a line on stdin, sends
/// the gated calls, and says `answered N` once every call has returned its echo.
async fn clients(target: &str) -> anyhow::Result<()> {
    use tokio::io::AsyncBufReadExt;
    let (base, token) = target.split_once(' ').context("<base> <token>")?;
    let mut sessions = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        sessions.push(gateway_client(base, token).await?);
    }
    println!("open");
    let mut go = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut go)
        .await?;
    let calls: Vec<_> = (0..GATED)
        .map(|i| {
            let peer = sessions[i % SESSIONS].peer().clone();
            tokio::spawn(async move { echo(&peer, "everything__echo", format!("gated {i}")).await })
        })
        .collect();
    for call in calls {
        call.await??;
    }
    println!("answered {GATED}");
    for session in sessions {
        session.cancel().await?;
    }
    Ok(())
}

/// Another process's resident memory, in MB.
fn rss_of(pid: Option<u32>) -> f64 {
    pid.map_or(0.0, |pid| vm_rss(&format!("/proc/{pid}/status")))
}

/// 1,000 calls held for a decision (their clients in a process of their own, so that this one
/// is the instance alone): the server's memory above idle, then one bulk approval.
async fn waiting_calls(operator: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    set_rules(operator, base, json!([])).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = rss_mb();
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .env(CLIENTS, format!("{base} {token}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut said = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
    let mut go = child.stdin.take().context("stdin")?;
    ensure!(
        said.next_line().await?.as_deref() == Some("open"),
        "the clients did not open their sessions"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let with_sessions = rss_mb();

    let asked_at = Instant::now();
    go.write_all(b"go\n").await?;
    let pending = format!("{base}/api/approvals?status=pending&limit={GATED}");
    let ids: Vec<String> = loop {
        let list = answer(operator.get(&pending), OK).await?;
        let ids: Vec<String> = list
            .as_array()
            .context("a list of approvals")?
            .iter()
            .filter_map(|approval| approval["id"].as_str().map(str::to_owned))
            .collect();
        if ids.len() == GATED {
            break ids;
        }
        if let Some(status) = child.try_wait()? {
            anyhow::bail!(
                "the clients ended ({status}) with {} calls waiting",
                ids.len()
            );
        }
        ensure!(
            asked_at.elapsed() < Duration::from_secs(180),
            "only {} of {GATED} calls are waiting",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let all_waiting = asked_at.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (waiting, clients_rss) = (rss_mb(), rss_of(child.id()));
    ensure!(
        child.try_wait()?.is_none(),
        "the clients ended before any decision"
    );

    let decided_at = Instant::now();
    let bulk = support::bulk_approve(operator, base, &ids).await?;
    let decided = decided_at.elapsed();
    let answered = said.next_line().await?;
    let all_answered = decided_at.elapsed();
    ensure!(
        answered == Some(format!("answered {GATED}")),
        "the clients said {answered:?}"
    );
    drop(go);
    let status = child.wait().await?;
    ensure!(status.success(), "the clients ended with {status}");

    let above = waiting - idle;
    println!(
        "{GATED} gated calls waiting (policy default ask) over {SESSIONS} MCP sessions of one agent; the clients in a process of their own:"
    );
    println!(
        "  server VmRSS idle {idle:.1} MB, with the sessions open {with_sessions:.1} MB, with {GATED} calls waiting {waiting:.1} MB (the clients' process: {clients_rss:.1} MB)"
    );
    println!(
        "  above idle: {above:.1} MB, {:.1} KB a call (sessions included; target < {WAITING_MB:.0} MB: {})",
        above * 1024.0 / GATED as f64,
        met(above < WAITING_MB)
    );
    println!(
        "  all {GATED} waiting {:.1} s after the calls were sent",
        all_waiting.as_secs_f64()
    );
    println!(
        "  bulk approval of {GATED}: {:.0} ms to its answer ({} succeeded, {} failed); every call had returned its echo {:.0} ms after the request",
        decided.as_secs_f64() * 1e3,
        bulk["succeeded"],
        bulk["failed"],
        all_answered.as_secs_f64() * 1e3
    );
    Ok(())
}

/// Allowed echo calls through the gateway against straight to server-everything over stdio.
async fn overhead(operator: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<()> {
    set_rules(
        operator,
        base,
        json!([{ "server": "everything", "tool": "echo", "effect": "allow" }]),
    )
    .await?;
    let gateway = gateway_client(base, token).await?;
    let direct = direct_client().await?;
    for i in 0..WARM_UP {
        echo(gateway.peer(), "everything__echo", format!("warm {i}")).await?;
        echo(direct.peer(), "echo", format!("warm {i}")).await?;
    }
    let (mut through, mut straight) = (Vec::with_capacity(CALLS), Vec::with_capacity(CALLS));
    let time = |peer: &Peer<RoleClient>, tool: &'static str, i: usize| {
        let peer = peer.clone();
        async move {
            let started = Instant::now();
            echo(&peer, tool, format!("call {i}")).await?;
            anyhow::Ok(started.elapsed().as_secs_f64() * 1e3)
        }
    };
    // Interleaved, each going first half the time, so that both see the same machine.
    for i in 0..CALLS {
        if i % 2 == 0 {
            through.push(time(gateway.peer(), "everything__echo", i).await?);
            straight.push(time(direct.peer(), "echo", i).await?);
        } else {
            straight.push(time(direct.peer(), "echo", i).await?);
            through.push(time(gateway.peer(), "everything__echo", i).await?);
        }
    }
    // The floor under a call: tools/list through the gateway (HTTP, token, session), without
    // the policy's records or the upstream.
    let mut listed = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        let tools = gateway.peer().list_tools(None).await?;
        listed.push(started.elapsed().as_secs_f64() * 1e3);
        ensure!(
            tools
                .tools
                .iter()
                .any(|tool| tool.name == "everything__echo"),
            "tools/list lacks everything__echo"
        );
    }
    gateway.cancel().await?;
    direct.cancel().await?;
    listed.sort_by(f64::total_cmp);
    through.sort_by(f64::total_cmp);
    straight.sort_by(f64::total_cmp);
    let (g50, g99) = (percentile(&through, 0.5), percentile(&through, 0.99));
    let (d50, d99) = (percentile(&straight, 0.5), percentile(&straight, 0.99));
    println!(
        "allowed everything__echo, {CALLS} calls each after {WARM_UP} warm-up, one at a time:"
    );
    println!("  through the gateway (rmcp client, /mcp): p50 {g50:.2} ms, p99 {g99:.2} ms");
    println!("  straight to server-everything (stdio):   p50 {d50:.2} ms, p99 {d99:.2} ms");
    println!(
        "  tools/list through the gateway (no policy, no upstream): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&listed, 0.5),
        percentile(&listed, 0.99)
    );
    println!(
        "  gateway overhead: p50 {:.2} ms, p99 {:.2} ms (target p99 < {OVERHEAD_P99_MS:.0} ms: {})",
        g50 - d50,
        g99 - d99,
        met(g99 - d99 < OVERHEAD_P99_MS)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if let Ok(target) = std::env::var(CLIENTS) {
        return clients(&target).await;
    }
    let dir = tempfile::tempdir()?;
    let base = start(dir.path()).await?;
    let (operator, token) = workspace(&base).await?;
    // Memory first, on a heap no earlier load has grown.
    waiting_calls(&operator, &base, &token).await?;
    overhead(&operator, &base, &token).await?;
    Ok(())
}
