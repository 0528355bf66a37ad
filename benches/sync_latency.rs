//! Live-sync latency: the time from a `state:update` sent by one client to the `state:sync` frame
//! arriving at the other clients of the same user, p50 and p99, with 1, 100 and 1,000 connected
//! clients on one instance, and across two instances sharing Redis (half the clients on each, the
//! sender on the first). Also the bytes on the wire of a one-widget edit against the full state.
//! The servers run in this process on loopback; run through `scripts/bench.sh` (it starts Redis).

use flightdeck::config::Config;
use flightdeck::server::router;
use flightdeck::state::AppState;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const UPDATES: usize = 100;

async fn start(data_dir: &std::path::Path, redis: Option<(&str, &str)>) -> anyhow::Result<String> {
    let mut vars = vec![
        ("IP".to_string(), "127.0.0.1".to_string()),
        ("PORT".to_string(), "0".to_string()),
        (
            "FLIGHTDECK_DATA_DIR".to_string(),
            data_dir.display().to_string(),
        ),
    ];
    if let Some((url, prefix)) = redis {
        vars.push(("REDIS_URL".into(), url.into()));
        vars.push(("FLIGHTDECK_REDIS_PREFIX".into(), prefix.into()));
    }
    let config =
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))?;
    let state = AppState::connect(config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("127.0.0.1:{}", addr.port()))
}

async fn session(host: &str, email: &str) -> anyhow::Result<String> {
    let response = reqwest::Client::new()
        .post(format!("http://{host}/api/auth/signup"))
        .json(&json!({ "email": email, "password": "correct horse battery", "workspace": "Bench" }))
        .send()
        .await?;
    let cookie = response.headers()["set-cookie"].to_str()?.to_string();
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

async fn connect(host: &str, cookie: &str) -> anyhow::Result<(Socket, usize)> {
    let mut request = format!("ws://{host}/api/sync").into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let full = match socket.next().await {
        Some(Ok(Message::Text(text))) => text.len(),
        other => anyhow::bail!("no state:full: {other:?}"),
    };
    Ok((socket, full))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Sends UPDATES edits from `sender`, each after every receiver got the previous one; returns
/// the latency to every receiver for every edit, and the bytes of one `state:sync` frame.
async fn measure(
    mut sender: Socket,
    receivers: Vec<Socket>,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let count = receivers.len();
    for mut socket in receivers {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message {
                    if text.contains("\"state:sync\"") {
                        let _ = tx.send((text.len(), Instant::now()));
                    }
                }
            }
        });
    }
    let mut latencies = Vec::with_capacity(UPDATES * count);
    let mut frame_bytes = 0;
    for i in 0..UPDATES {
        let widget = json!({ "kind": "metrics", "config": { "metric": "tool_calls", "period": "24h", "edit": i }, "position": { "x": 0, "y": 0 }, "size": { "w": 4, "h": 3 } });
        let frame = json!({ "type": "state:update", "payload": { "path": "widgets.w1", "value": widget, "baseVersion": 0, "clientId": "bench", "mutationId": i.to_string() } });
        let sent = Instant::now();
        sender.send(Message::Text(frame.to_string().into())).await?;
        for _ in 0..count {
            let (bytes, at) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await?
                .ok_or_else(|| anyhow::anyhow!("receivers gone"))?;
            frame_bytes = bytes;
            latencies.push(at - sent);
        }
        // Drain the sender's own echo.
        while let Some(Ok(message)) = sender.next().await {
            if matches!(message, Message::Text(ref t) if t.contains("\"state:sync\"")) {
                break;
            }
        }
    }
    latencies.sort();
    Ok((latencies, frame_bytes))
}

async fn run(
    label: &str,
    hosts: &[String],
    clients: usize,
    email: &str,
) -> anyhow::Result<(usize, usize)> {
    let cookie = session(&hosts[0], email).await?;
    let (sender, full_bytes) = connect(&hosts[0], &cookie).await?;
    let mut receivers = Vec::with_capacity(clients);
    for i in 0..clients {
        // Receivers start on the last instance: with two, a lone receiver is across Redis.
        receivers.push(connect(&hosts[(i + 1) % hosts.len()], &cookie).await?.0);
    }
    let (latencies, frame_bytes) = measure(sender, receivers).await?;
    println!(
        "{label:<28} {clients:>7} {:>10.2} {:>10.2} {:>10.2}",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );
    Ok((frame_bytes, full_bytes))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!("{UPDATES} one-widget edits per row; latency from send to arrival at every other client (ms)");
    println!(
        "{:<28} {:>7} {:>10} {:>10} {:>10}",
        "setup", "clients", "p50", "p99", "max"
    );
    let one = start(&dir.path().join("one"), None).await?;
    let mut sizes = (0, 0);
    for clients in [1, 100, 1000] {
        sizes = run(
            "one instance (in memory)",
            std::slice::from_ref(&one),
            clients,
            &format!("one{clients}@example.com"),
        )
        .await?;
    }
    match std::env::var("FLIGHTDECK_TEST_REDIS_URL") {
        Ok(redis) => {
            let prefix = format!("bench-{}", std::process::id());
            let shared = dir.path().join("shared");
            let a = start(&shared, Some((&redis, &prefix))).await?;
            let b = start(&shared, Some((&redis, &prefix))).await?;
            let hosts = [a, b];
            for clients in [1, 100, 1000] {
                run(
                    "two instances over Redis",
                    &hosts,
                    clients,
                    &format!("two{clients}@example.com"),
                )
                .await?;
            }
        }
        Err(_) => {
            println!("FLIGHTDECK_TEST_REDIS_URL unset: the two-instance rows need scripts/bench.sh")
        }
    }
    let (edit, full) = sizes;
    println!("\nbytes on the wire: one-widget state:sync frame {edit} B; state:full of the default dashboard (7 widgets) {full} B ({:.1}%)", edit as f64 * 100.0 / full as f64);
    let big: Value = {
        let mut state = serde_json::to_value(flightdeck::dashboard::DashboardState::default())?;
        for i in 0..60 {
            state["widgets"][format!("x{i}")] = json!({ "kind": "metrics", "config": { "metric": "tool_calls", "period": "24h" }, "position": { "x": 0, "y": 10 + i }, "size": { "w": 4, "h": 3 } });
        }
        json!({ "type": "state:full", "payload": { "state": state, "version": 1 } })
    };
    let big_bytes = big.to_string().len();
    println!(
        "against a 67-widget dashboard's state:full ({big_bytes} B): {:.1}%",
        edit as f64 * 100.0 / big_bytes as f64
    );
    Ok(())
}
