//! MCP startup: connecting to 8 stdio MCP servers that each take 500 ms to answer `initialize`
//! (tests/fixtures/mcp/slow.mjs under node), all at once as the server does at start, against
//! one after another. Prints both times and the ratio. Run through `scripts/bench.sh`.

use flightdeck::mcp::manager::connect_all;
use flightdeck::mcp::Transport;
use std::time::{Duration, Instant};

const SERVERS: usize = 8;
const DELAY_MS: u64 = 500;
const RUNS: usize = 3;

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
    // Warm node's caches.
    connect_all(&transports[..1], timeout, true).await;

    let mut parallel = Vec::new();
    let mut sequential = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let results = connect_all(&transports, timeout, true).await;
        parallel.push(started.elapsed());
        assert!(results.iter().all(Result::is_ok), "every server connects");
        let started = Instant::now();
        let results = connect_all(&transports, timeout, false).await;
        sequential.push(started.elapsed());
        assert!(results.iter().all(Result::is_ok), "every server connects");
    }
    parallel.sort();
    sequential.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p, s) = (ms(parallel[RUNS / 2]), ms(sequential[RUNS / 2]));
    println!(
        "MCP startup: {SERVERS} stdio servers, {DELAY_MS} ms to initialize each (median of {RUNS})"
    );
    println!("  parallel    {p:.1} ms");
    println!("  sequential  {s:.1} ms");
    println!("  ratio       {:.1}x faster in parallel", s / p);
}
