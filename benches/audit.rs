//! The audit log's queries over 1,000,000 entries (plus 100,000 of another workspace) on the
//! embedded default (SQLite): p50 and p95 of each filter the page offers, deep pages by cursor and
//! by offset, free-text search and the facets; then the same filters without the filter indexes,
//! in the same run, to show what they buy; and the cost of one append (HMAC link, chain head
//! read and written beside the key, the insert) against its parts. Run through `scripts/bench.sh`.

use flightdeck::audit::append::Chain;
use flightdeck::audit::chain::{legacy_link, AuditKey, Columns};
use flightdeck::audit::head::Heads;
use flightdeck::audit::query::Params;
use flightdeck::audit::verify::Head;
use flightdeck::audit::NewEntry;
use flightdeck::records::{Pool, Records};
use std::time::Instant;

const ENTRIES: i64 = 1_000_000;
const OTHER: i64 = 100_000;
const RUNS: usize = 200;
/// 2026-10-23T00:00:00Z: the first entry; 1M entries over 30 days, one every 2.592 s.
const START: i64 = 1_792_713_600_000;
const DAY: i64 = 86_400_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn fill(records: &Records) -> anyhow::Result<()> {
    let Pool::Sqlite(pool) = records.pool() else {
        anyhow::bail!("the bench runs on SQLite")
    };
    for (workspace, count) in [("ws-main", ENTRIES), ("ws-other", OTHER)] {
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1) \
             INSERT INTO audit_log (id, timestamp, workspace_id, user_id, action, resource_type, \
             resource_id, before_state, after_state, metadata) \
             SELECT $2 || '-' || i, $3 + i * (30 * 86400000 / $1), $2, 'user-' || (i % 10), \
             'action.' || (i % 12), 'type-' || (i % 6), 'run-' || i, \
             '{\"status\":\"pending\"}', '{\"status\":\"approved\"}', '{}' FROM n",
        )
        .bind(count)
        .bind(workspace)
        .bind(START)
        .execute(pool)
        .await?;
    }
    Ok(())
}

fn params(query: &str) -> Params {
    let mut p = Params::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = Some(value.to_owned());
        match key {
            "user_id" => p.user_id = value,
            "resource_type" => p.resource_type = value,
            "action" => p.action = value,
            "date_from" => p.date_from = value,
            "date_to" => p.date_to = value,
            "q" => p.q = value,
            "limit" => p.limit = value,
            "offset" => p.offset = value,
            "cursor" => p.cursor = value,
            _ => panic!("unknown parameter {key}"),
        }
    }
    p
}

/// Times `runs` queries, the i-th from `query(i)`; returns (p50, p95) in ms.
async fn time(
    records: &Records,
    runs: usize,
    query: impl Fn(usize) -> String,
) -> anyhow::Result<(f64, f64, usize)> {
    let mut ms = Vec::with_capacity(runs);
    let mut rows = 0;
    for i in 0..runs {
        let criteria = params(&query(i))
            .criteria()
            .map_err(|e| anyhow::anyhow!("{:?}", e.body))?;
        let started = Instant::now();
        let page = records.audit_page("ws-main", &criteria).await?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        rows += page.entries.len();
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.95), rows / runs))
}

fn day(n: i64) -> String {
    let at = jiff::Timestamp::from_millisecond(START + n * DAY).expect("a time");
    at.strftime("%Y-%m-%d").to_string()
}

const APPENDS: u32 = 1_000;

/// Microseconds per call of `f`, over [`APPENDS`] calls.
async fn per_call<F: std::future::Future<Output = anyhow::Result<()>>>(
    mut f: impl FnMut(u32) -> F,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    for i in 0..APPENDS {
        f(i).await?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(APPENDS))
}

/// One append's cost on SQLite (after the million entries), and its parts.
async fn appends(records: &Records, dir: &std::path::Path) -> anyhow::Result<()> {
    let key = AuditKey::new(b"a benchmark key of at least thirty-two bytes").expect("a key");
    let heads = Heads::files(&dir.join("audit.heads"))?;
    let records = records.clone().with_audit(Chain {
        key: key.clone(),
        heads: heads.clone(),
    });
    let metadata = r#"{"reason":"a typical entry"}"#;
    let columns = Columns {
        id: "0b3c6f9e-4a1d-4a57-9d55-0d5f4e0f6a11",
        timestamp: START,
        who: [Some("ws-append"), Some("user-1"), None],
        what: ["agent.register", "agent"],
        detail: [
            Some("agent-1"),
            None,
            Some(r#"{"name":"coder","role":"pulse"}"#),
        ],
        metadata,
    };
    let sha = per_call(|_| {
        std::hint::black_box(legacy_link(Some("00"), &columns));
        async { Ok(()) }
    })
    .await?;
    let hmac = per_call(|_| {
        std::hint::black_box(key.link(Some("00"), &columns));
        async { Ok(()) }
    })
    .await?;
    let head_rw = per_call(|i| {
        let heads = heads.clone();
        async move {
            heads.get("ws-heads").await?;
            let head = Head {
                seq: i64::from(i) + 1,
                hash: "ab".repeat(32),
            };
            heads.advance("ws-heads", &head).await
        }
    })
    .await?;
    let append = per_call(|_| {
        let records = records.clone();
        async move {
            records
                .audit(NewEntry {
                    workspace_id: Some("ws-append".into()),
                    user_id: Some("user-1".into()),
                    action: "agent.register",
                    resource_type: "agent",
                    resource_id: Some("agent-1".into()),
                    after_state: Some(serde_json::json!({ "name": "coder", "role": "pulse" })),
                    metadata: serde_json::json!({ "reason": "a typical entry" }),
                    ..Default::default()
                })
                .await?;
            Ok(())
        }
    })
    .await?;
    let report = records.verify_audit_chain("ws-append").await?;
    anyhow::ensure!(
        report.intact,
        "the appended chain does not verify: {report:?}"
    );
    println!("\none append on SQLite ({APPENDS} in a row, after the million entries), µs each:");
    println!(
        "{:<44} {append:>9.1}",
        "append (link, insert, head read + write)"
    );
    println!("{:<44} {hmac:>9.2}", "  HMAC-SHA256 link alone");
    println!(
        "{:<44} {sha:>9.2}",
        "  plain SHA-256 link alone (the old chain)"
    );
    println!(
        "{:<44} {head_rw:>9.1}",
        "  head file read + atomic write alone"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let records = Records::open_sqlite(&dir.path().join("bench.db")).await?;
    records.migrate().await?;
    let started = Instant::now();
    fill(&records).await?;
    println!(
        "audit log: {ENTRIES} entries (+{OTHER} in another workspace) written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    appends(&records, dir.path()).await?;
    // A cursor half-way down the log, for deep pages.
    let deep = records
        .audit_page(
            "ws-main",
            &params("offset=10000&limit=500").criteria().unwrap(),
        )
        .await?;
    let mut cursor = deep.next_cursor.clone().unwrap_or_default();
    let mut criteria = params(&format!("cursor={cursor}&limit=500"))
        .criteria()
        .unwrap();
    for _ in 0..980 {
        criteria.after = flightdeck::audit::query::Cursor::decode(&cursor);
        let page = records.audit_page("ws-main", &criteria).await?;
        cursor = page.next_cursor.unwrap_or(cursor);
    }

    type Query = Box<dyn Fn(usize) -> String>;
    let filters: Vec<(&str, Query)> = vec![
        ("newest page, no filter", Box::new(|_| String::new())),
        ("action", Box::new(|i| format!("action=action.{}", i % 12))),
        ("user", Box::new(|i| format!("user_id=user-{}", i % 10))),
        (
            "one day, 20-29 days back",
            Box::new(|i| format!("date_from={0}&date_to={0}", day((i % 10) as i64))),
        ),
        (
            "resource type + one day",
            Box::new(|i| {
                format!(
                    "resource_type=type-{}&date_from={1}&date_to={1}",
                    i % 6,
                    day((i % 20) as i64)
                )
            }),
        ),
        (
            "action + user",
            Box::new(|i| format!("action=action.{}&user_id=user-{}", i % 12, (i * 7) % 10)),
        ),
    ];
    let deep_cursor = cursor.clone();
    let extra: Vec<(&str, Query)> = vec![
        (
            "page at entry ~500,000 by cursor",
            Box::new(move |_| format!("cursor={deep_cursor}")),
        ),
        ("offset 10,000", Box::new(|_| "offset=10000".to_owned())),
        (
            "free text, common (q=run-99)",
            Box::new(|i| format!("q=run-99{}", i % 10)),
        ),
    ];
    println!(
        "\n{:<36} {:>9} {:>9} {:>6}",
        "query (limit 50)", "p50 ms", "p95 ms", "rows"
    );
    let mut indexed = Vec::new();
    for (name, query) in filters.iter().chain(extra.iter()) {
        let (p50, p95, rows) = time(&records, RUNS, query).await?;
        println!("{name:<36} {p50:>9.2} {p95:>9.2} {rows:>6}");
        indexed.push(p95);
    }
    let rare = time(&records, 20, |i| format!("q=no-such-{i}")).await?;
    println!(
        "{:<36} {:>9.2} {:>9.2} {:>6}",
        "free text, no match (one window)", rare.0, rare.1, rare.2
    );
    let facets_started = Instant::now();
    let facets = records.audit_facets("ws-main").await?;
    println!(
        "{:<36} {:>9.2} {:>9} {:>6}",
        "facets (skip-scan)",
        facets_started.elapsed().as_secs_f64() * 1000.0,
        "-",
        facets.actions.len() + facets.resource_types.len()
    );

    // The same filters with only the workspace index the log had before.
    let Pool::Sqlite(pool) = records.pool() else {
        unreachable!()
    };
    for index in [
        "audit_log_by_time",
        "audit_log_by_action",
        "audit_log_by_user",
        "audit_log_by_resource_type",
    ] {
        sqlx::query(&format!("DROP INDEX {index}"))
            .execute(pool)
            .await?;
    }
    println!("\nwithout the filter indexes (same run, 20 queries each):");
    for ((name, query), with) in filters.iter().zip(&indexed) {
        let (_, p95, _) = time(&records, 20, query).await?;
        println!(
            "{name:<36} p95 {p95:>9.2} ms  ({:.0}x the indexed p95)",
            p95 / with.max(0.001)
        );
    }
    Ok(())
}
