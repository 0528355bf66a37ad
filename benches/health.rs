//! The health mesh with hung agents: one round over 100 agents of which 10 never answer (500 ms
//! timeout each), checked the way the server does (every check at once), against the same
//! checks one after another. Prints the round's duration, what it costs beyond the timeout, and
//! the ratio. The agents are a loopback HTTP server in this process. Run through
//! `scripts/bench.sh`.

use flightdeck::agents::health::{round, Target};
use flightdeck::agents::Agent;
use flightdeck::egress::{Egress, Policy};
use flightdeck::fleet::HealthState;
use std::time::{Duration, Instant};

const AGENTS: usize = 100;
const HUNG: usize = 10;
const TIMEOUT: Duration = Duration::from_millis(500);
const ROUNDS: usize = 7;

async fn agents_server() -> String {
    use axum::routing::get;
    let app = axum::Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/hang", get(std::future::pending::<&'static str>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn targets(base: &str) -> Vec<Target> {
    (0..AGENTS)
        .map(|i| Target {
            workspace_id: "bench".into(),
            agent: Agent {
                id: format!("a{i}"),
                name: format!("agent-{i}"),
                role: "pulse".into(),
                health_url: None,
                health_timeout_ms: None,
                created_at: 0,
                revoked_at: None,
            },
            url: if i < HUNG {
                format!("{base}/hang")
            } else {
                format!("{base}/ok")
            },
            timeout: TIMEOUT,
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let base = agents_server().await;
    // The agents are on loopback, which the egress policy refuses unless allowed.
    let loopback = "127.0.0.0/8".parse().unwrap();
    let http = Egress::new(Policy::new(&[loopback], false), Duration::ZERO).unwrap();
    // Warm the connection pool, as a running server's would be.
    round(&http, targets(&base)).await;

    let mut parallel = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let results = round(&http, targets(&base)).await;
        parallel.push(started.elapsed());
        let timed_out = results
            .iter()
            .filter(|(_, r)| r.state == HealthState::TimedOut)
            .count();
        assert_eq!(timed_out, HUNG, "every hung agent timed out, no other");
    }
    parallel.sort();
    let median = parallel[ROUNDS / 2];

    let started = Instant::now();
    for target in targets(&base) {
        flightdeck::agents::health::check(&http, &target.url, target.timeout).await;
    }
    let sequential = started.elapsed();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "health round: {AGENTS} agents, {HUNG} hung, {} ms timeout each",
        TIMEOUT.as_millis()
    );
    println!(
        "  parallel round   median {:.1} ms (min {:.1}, max {:.1}) over {ROUNDS} rounds: timeout + {:.1} ms",
        ms(median),
        ms(parallel[0]),
        ms(parallel[ROUNDS - 1]),
        ms(median) - ms(TIMEOUT)
    );
    println!("  one by one       {:.1} ms", ms(sequential));
    println!(
        "  ratio            {:.1}x faster in parallel",
        ms(sequential) / ms(median)
    );
}
