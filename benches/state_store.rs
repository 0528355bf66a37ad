//! Dashboard-state save and load latency on each store, with 1, 10 and 100 concurrent writers,
//! each writer saving its own user's state (about 1 KB of JSON) based on the last revision, then
//! loading it. Prints p50/p99 per store and concurrency. Run through `scripts/bench.sh`, which
//! starts a throwaway PostgreSQL and Redis on loopback (the SQLite store needs nothing).

use flightdeck::dashboard::store::{Saved, Scope, StateStore};
use flightdeck::dashboard::DashboardState;
use flightdeck::hot::Hot;
use flightdeck::records::Records;
use std::time::{Duration, Instant};

const ROUNDS_PER_WRITER: usize = 200;
const TTL: Duration = Duration::from_secs(3600);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn run(store: &StateStore, writers: usize, json: &str) -> (Vec<Duration>, Vec<Duration>) {
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let store = store.clone();
            let json = json.to_owned();
            let user = format!("bench-{run_id}-{writer}");
            tokio::spawn(async move {
                let scope = Scope {
                    user_id: &user,
                    workspace_id: "bench",
                };
                let (mut saves, mut loads) = (Vec::new(), Vec::new());
                let mut revision = 0;
                for _ in 0..ROUNDS_PER_WRITER {
                    let started = Instant::now();
                    match store.save(scope, revision, &json).await.expect("save") {
                        Saved::Accepted { revision: next } => revision = next,
                        Saved::Stale(_) => panic!("a lone writer was refused as stale"),
                    }
                    saves.push(started.elapsed());
                    let started = Instant::now();
                    store
                        .load(scope)
                        .await
                        .expect("load")
                        .expect("a saved state");
                    loads.push(started.elapsed());
                }
                (saves, loads)
            })
        })
        .collect();
    let (mut saves, mut loads) = (Vec::new(), Vec::new());
    for task in tasks {
        let (s, l) = task.await.expect("writer");
        saves.extend(s);
        loads.extend(l);
    }
    saves.sort();
    loads.sort();
    (saves, loads)
}

fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let json = serde_json::to_string(&DashboardState::default())?;
    let dir = tempfile::tempdir()?;
    let sqlite = Records::open_sqlite(&dir.path().join("bench.db")).await?;
    sqlite.migrate().await?;
    let mut stores = vec![("sqlite (embedded)", StateStore::new(&sqlite, None, TTL))];
    match (
        std::env::var("FLIGHTDECK_TEST_DATABASE_URL"),
        std::env::var("FLIGHTDECK_TEST_REDIS_URL"),
    ) {
        (Ok(pg), Ok(redis)) => {
            let postgres = Records::connect_postgres(&pg).await?;
            postgres.migrate().await?;
            let hot = Hot::connect(&redis, "bench").await?;
            stores.push(("postgres (sql store)", StateStore::new(&postgres, None, TTL)));
            stores.push(("redis (scaled)", StateStore::new(&postgres, Some(&hot), TTL)));
        }
        _ => println!("FLIGHTDECK_TEST_DATABASE_URL / FLIGHTDECK_TEST_REDIS_URL unset: only SQLite is measured (use scripts/bench.sh)"),
    }
    println!(
        "state: {} bytes of JSON; {ROUNDS_PER_WRITER} save+load rounds per writer",
        json.len()
    );
    println!(
        "{:<22} {:>7} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "store", "writers", "save p50", "save p99", "load p50", "load p99", "saves/s"
    );
    for (name, store) in &stores {
        for writers in [1, 10, 100] {
            let started = Instant::now();
            let (saves, loads) = run(store, writers, &json).await;
            let elapsed = started.elapsed();
            println!(
                "{:<22} {:>7} {:>10} {:>10} {:>10} {:>10} {:>12.0}",
                name,
                writers,
                ms(percentile(&saves, 0.5)),
                ms(percentile(&saves, 0.99)),
                ms(percentile(&loads, 0.5)),
                ms(percentile(&loads, 0.99)),
                saves.len() as f64 / elapsed.as_secs_f64(),
            );
        }
    }
    println!("(milliseconds; target: save p99 < 5 ms on Redis at 100 writers)");
    Ok(())
}
