//! MCP startup: connecting to 8 stdio MCP servers that each take 500 ms to answer `initialize`
//! (tests/fixtures/mcp/slow.mjs under node), all at once as the server does at start, against
//! one after another, through the same `connect` the manager uses. Prints one server's time (the
//! floor for parallel: node's own start-up included), both totals and the ratio. Run through
//! `scripts/bench.sh`.

use flightdeck::egress::{Egress, Policy};
use flightdeck::mcp::connect::connect_all;
use flightdeck::mcp::Transport;
use std::time::{Duration, Instant};

const SERVERS: usize = 8;
const DELAY_MS: u64 = 500;
const RUNS: usize = 5;

#[tokio::main]
async fn main() {
    let script = format!("{}/tests/fixtures/mcp/slow.mjs", env!("CARGO_MANIFEST_DIR"));
    let transports: Vec<Transport> = (0..SERVERS)
        .map(|_| Transport::Stdio {
            command: "node".into(),
            args: vec![script.clone(), DELAY_MS.to_string()],
        })
        .collect();
    let timeout = Duration::from_secs(30);
    // Stdio servers only: the egress client is not used.
    let egress = &Egress::new(Policy::default(), Duration::ZERO).unwrap();
    // Warm node's caches.
    connect_all(&transports[..1], timeout, true, egress).await;

    // Lets the closed sessions' processes exit before the next measurement.
    let settle = || tokio::time::sleep(Duration::from_millis(300));
    let mut single = Vec::new();
    let mut parallel = Vec::new();
    let mut sequential = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let results = connect_all(&transports[..1], timeout, true, egress).await;
        single.push(started.elapsed());
        assert!(results.iter().all(Result::is_ok), "the server connects");
        settle().await;
        let started = Instant::now();
        let results = connect_all(&transports, timeout, true, egress).await;
        parallel.push(started.elapsed());
        assert!(results.iter().all(Result::is_ok), "every server connects");
        settle().await;
        let started = Instant::now();
        let results = connect_all(&transports, timeout, false, egress).await;
        sequential.push(started.elapsed());
        assert!(results.iter().all(Result::is_ok), "every server connects");
        settle().await;
    }
    let median = |mut runs: Vec<Duration>| {
        runs.sort();
        runs[RUNS / 2].as_secs_f64() * 1000.0
    };
    let (one, p, s) = (median(single), median(parallel), median(sequential));
    println!(
        "MCP startup: {SERVERS} stdio servers, {DELAY_MS} ms to initialize each (median of {RUNS})"
    );
    println!("  one server  {one:.1} ms");
    println!("  parallel    {p:.1} ms");
    println!("  sequential  {s:.1} ms");
    println!("  ratio       {:.1}x faster in parallel", s / p);
}
