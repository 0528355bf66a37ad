//! Live-sync fan-out: the time from a `state:update` sent by one client to the `state:sync` frame
//! arriving at each other client of the same user, p50 and p99, with 1, 100 and 1,000 receiving
//! clients on one instance and on two sharing Redis (half the clients on each, the sender on the
//! first), and 10,000 connections on one instance with the server's memory per connection (its
//! VmRSS growth over them). The servers are the release binary, each in its own process on
//! loopback; the clients are this process. Every frame is checked: an error, a missing or
//! out-of-order edit fails the run. Also the bytes of a one-widget edit against the full state.

mod support;

use anyhow::{bail, ensure, Context};
use futures_util::{SinkExt, StreamExt, TryStreamExt};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::process::{open_files_limit, Server};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Edits per row (the burst of frames the server allows one connection); the first `WARMUP`
/// are not counted.
const EDITS: usize = 100;
const WARMUP: usize = 5;
/// Sockets opened at once.
const OPENING: usize = 64;
/// The longest wait for any one frame.
const WAIT: Duration = Duration::from_secs(30);
/// Connections of the memory row, the sender's included.
const MANY: usize = 10_000;

/// Opens a sync socket (without Nagle, as browsers do): it and the length of its `state:full`.
/// Its read buffer is 4 KiB: tungstenite zeroes the whole buffer (128 KiB by default) before
/// each read, which made these clients take the CPU the server needs.
async fn connect(host: &str, cookie: &str) -> anyhow::Result<(Socket, usize)> {
    let mut request = format!("ws://{host}/api/sync").into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .with_context(|| format!("opening a sync socket on {host}"))?;
    match tokio::time::timeout(WAIT, socket.next()).await? {
        Some(Ok(Message::Text(text))) if text.starts_with(r#"{"type":"state:full""#) => {
            Ok((socket, text.len()))
        }
        other => bail!("a new sync socket got {other:?} instead of state:full"),
    }
}

fn is_sync_of(text: &str, edit: usize) -> bool {
    text.starts_with(r#"{"type":"state:sync""#)
        && text.contains(&format!(r#""mutationId":"{edit}""#))
}

/// Where the receivers note each edit's arrival: one slot per receiver (nanoseconds since
/// `start`), a count, and a wake-up once all arrived, so that a frame costs its receiver no more
/// than a clock read and two atomics (no message and no thread wake-up per frame).
struct Board {
    start: Instant,
    arrived_at: Vec<AtomicU64>,
    arrived: AtomicUsize,
    all_arrived: Notify,
    failure: Mutex<Option<String>>,
}

impl Board {
    fn new(receivers: usize) -> Self {
        Self {
            start: Instant::now(),
            arrived_at: (0..receivers).map(|_| AtomicU64::new(0)).collect(),
            arrived: AtomicUsize::new(0),
            all_arrived: Notify::new(),
            failure: Mutex::new(None),
        }
    }

    fn arrive(&self, receiver: usize) {
        let at = self.start.elapsed().as_nanos() as u64;
        self.arrived_at[receiver].store(at, Ordering::Release);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.arrived_at.len() {
            self.all_arrived.notify_one();
        }
    }

    fn fail(&self, why: String) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.get_or_insert(why);
        self.all_arrived.notify_one();
    }

    /// Waits until every receiver got `edit` sent at `sent`: their latencies.
    async fn collect(&self, edit: usize, sent: Instant) -> anyhow::Result<Vec<Duration>> {
        let waited = tokio::time::timeout(WAIT, self.all_arrived.notified()).await;
        if let Some(why) = self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            bail!("edit {edit}: {why}");
        }
        let arrived = self.arrived.swap(0, Ordering::AcqRel);
        ensure!(
            waited.is_ok() && arrived == self.arrived_at.len(),
            "edit {edit} reached {arrived} of {} clients in {WAIT:?}",
            self.arrived_at.len()
        );
        let sent = sent - self.start;
        Ok(self
            .arrived_at
            .iter()
            .map(|at| Duration::from_nanos(at.load(Ordering::Acquire)) - sent)
            .collect())
    }
}

/// Reads receiver `index`'s frames: each edit's `state:sync`, in order, noted on the board;
/// anything else is a failure.
fn receive(mut socket: Socket, index: usize, board: Arc<Board>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut edit = 0;
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Text(text)) if is_sync_of(&text, edit) => {
                    edit += 1;
                    board.arrive(index);
                }
                Ok(Message::Ping(_) | Message::Pong(_)) => {}
                Ok(other) => {
                    return board.fail(format!(
                        "expected the state:sync of edit {edit}, got {other:?}"
                    ));
                }
                Err(err) => return board.fail(format!("a receiver's socket failed: {err}")),
            }
        }
        board.fail("a receiver's socket closed".to_owned());
    })
}

/// Waits for the sender's own `state:sync` of `edit` (an `error` frame fails): its length.
async fn echo(sender: &mut Socket, edit: usize) -> anyhow::Result<usize> {
    loop {
        match tokio::time::timeout(WAIT, sender.next()).await? {
            Some(Ok(Message::Text(text))) if is_sync_of(&text, edit) => return Ok(text.len()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => bail!("the sender expected the echo of edit {edit}, got {other:?}"),
        }
    }
}

/// What one row measured.
struct Measured {
    latencies: Vec<Duration>,
    frame_bytes: usize,
    full_bytes: usize,
    /// The server's VmRSS growth per connection, in KiB, when asked for.
    kib_per_connection: Option<f64>,
}

/// Signs up `email` on the first server, connects a sender there and `receivers` clients
/// (starting on the last server: with two, a lone receiver is across Redis), and times `EDITS`
/// edits, each sent once every receiver got the previous one.
async fn row(
    servers: &[&Server],
    receivers: usize,
    email: &str,
    memory: bool,
) -> anyhow::Result<Measured> {
    let cookie = servers[0].session(email).await?;
    let rss_before = servers[0].rss_kib()?;
    let (mut sender, full_bytes) = connect(servers[0].host(), &cookie).await?;
    let sockets: Vec<Socket> = futures_util::stream::iter(0..receivers)
        .map(|i| connect(servers[(i + 1) % servers.len()].host(), &cookie))
        .buffered(OPENING)
        .map_ok(|(socket, _)| socket)
        .try_collect()
        .await?;
    let board = Arc::new(Board::new(receivers));
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(index, socket)| receive(socket, index, board.clone()))
        .collect();
    let mut latencies = Vec::with_capacity((EDITS - WARMUP) * receivers);
    let mut frame_bytes = 0;
    for edit in 0..EDITS {
        let widget = json!({ "kind": "metrics", "config": { "metric": "tool_calls", "period": "24h", "edit": edit }, "position": { "x": 0, "y": 0 }, "size": { "w": 4, "h": 3 } });
        let frame = json!({ "type": "state:update", "payload": { "path": "widgets.w1", "value": widget, "baseVersion": 0, "clientId": "bench", "mutationId": edit.to_string() } }).to_string();
        let sent = Instant::now();
        sender.send(Message::Text(frame.into())).await?;
        let arrived = board.collect(edit, sent).await?;
        if edit >= WARMUP {
            latencies.extend(arrived);
        }
        frame_bytes = echo(&mut sender, edit).await?;
    }
    let kib_per_connection = match memory {
        true => {
            Some((servers[0].rss_kib()?.saturating_sub(rss_before)) as f64 / (receivers + 1) as f64)
        }
        false => None,
    };
    for task in tasks {
        task.abort();
    }
    latencies.sort();
    Ok(Measured {
        latencies,
        frame_bytes,
        full_bytes,
        kib_per_connection,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Runs a row and prints it, with its p99 target (ms) if it has one: whether it was met.
async fn print_row(
    label: &str,
    servers: &mut [&mut Server],
    receivers: usize,
    target: Option<f64>,
    memory: bool,
) -> anyhow::Result<(Measured, Option<bool>)> {
    for server in servers.iter_mut() {
        server.check_alive()?;
    }
    let shared: Vec<&Server> = servers.iter().map(|server| &**server).collect();
    let email = format!(
        "{}-{receivers}@example.com",
        label.replace([' ', ',', '(', ')'], "")
    );
    let measured = row(&shared, receivers, &email, memory)
        .await
        .with_context(|| {
            let logs: String = shared.iter().map(|server| server.log()).collect();
            format!("{label}, {receivers} clients failed; the server's last lines:\n{logs}")
        })?;
    let (p50, p99) = (
        percentile(&measured.latencies, 0.5),
        percentile(&measured.latencies, 0.99),
    );
    let max = percentile(&measured.latencies, 1.0);
    let met = target.map(|target| p99 < target);
    let memory = measured
        .kib_per_connection
        .map_or("-".to_owned(), |kib| format!("{kib:.1}"));
    let verdict = match (target, met) {
        (Some(target), Some(met)) => {
            format!("< {target} ms: {}", if met { "met" } else { "MISSED" })
        }
        _ => "-".to_owned(),
    };
    println!(
        "{label:<34} {:>7} {p50:>8.2} {p99:>8.2} {max:>8.2} {memory:>13}  {verdict}",
        thousands(receivers),
    );
    Ok((measured, met))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let files = open_files_limit()?;
    ensure!(
        files > MANY as u64 + 100,
        "this process may open {files} files, fewer than the {MANY} sockets of the last row: raise `ulimit -n`"
    );
    let dir = tempfile::tempdir()?;
    // Every socket of a row is the same user's; each edit of a row is within the frame burst.
    let limits = [("FLIGHTDECK_MAX_SOCKETS_PER_USER", MANY.to_string())];
    println!("{} one-widget edits per row (after {WARMUP} not counted); latency from the send to the arrival at each other client (ms); clients: the receivers, besides the sender", EDITS - WARMUP);
    println!(
        "{:<34} {:>7} {:>8} {:>8} {:>8} {:>13}  p99 target",
        "setup", "clients", "p50", "p99", "max", "server KiB/conn"
    );
    let mut missed = Vec::new();
    let mut one = Server::spawn(&dir.path().join("one"), &limits)?;
    let mut sizes = (0, 0);
    for clients in [1, 100, 1000] {
        let target = (clients == 1000).then_some(10.0);
        let (measured, met) = print_row(
            "one instance (in memory)",
            &mut [&mut one],
            clients,
            target,
            false,
        )
        .await?;
        sizes = (measured.frame_bytes, measured.full_bytes);
        missed.extend((met == Some(false)).then(|| format!("one instance, {clients} clients")));
    }
    drop(one);
    match std::env::var("FLIGHTDECK_TEST_REDIS_URL") {
        Ok(redis) => {
            let prefix = format!("bench-{}", std::process::id());
            let mut vars = limits.to_vec();
            vars.extend([("REDIS_URL", redis), ("FLIGHTDECK_REDIS_PREFIX", prefix)]);
            let shared = dir.path().join("shared");
            let mut a = Server::spawn(&shared, &vars)?;
            let mut b = Server::spawn(&shared, &vars)?;
            for clients in [1, 100, 1000] {
                let target = (clients == 1000).then_some(10.0);
                let (_, met) = print_row("two instances over Redis", &mut [&mut a, &mut b], clients, target, false).await?;
                missed.extend((met == Some(false)).then(|| format!("two instances, {clients} clients")));
            }
        }
        Err(_) => println!("FLIGHTDECK_TEST_REDIS_URL unset: the two-instance rows need scripts/services.sh (scripts/bench.sh sources it)"),
    }
    let mut big = Server::spawn(&dir.path().join("big"), &limits)?;
    let label = format!("one instance, {} connections", thousands(MANY));
    let (_, met) = print_row(&label, &mut [&mut big], MANY - 1, Some(100.0), true).await?;
    missed.extend((met == Some(false)).then_some(label));
    drop(big);
    match missed.is_empty() {
        true => println!("\nevery p99 target met"),
        false => println!("\np99 target MISSED: {}", missed.join("; ")),
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
