//! The audit log over real HTTP: every filter and pagination boundary of `GET /api/audit-logs`
//! checked against a generated set whose answers are computed here, viewers reading, nobody
//! editing, and the CSV export of a million rows streamed in bounded server memory.

use crate::helpers::{Stack, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::time::Duration;

/// 2026-11-20T00:00:00Z: the generated entries' first minute (the real ones come later).
const BASE: i64 = 1_795_132_800_000;
const MINUTE: i64 = 60_000;
const GENERATED: usize = 300;
const ACTIONS: [&str; 3] = ["agent.create", "approval.decide", "settings.update"];
const TYPES: [&str; 3] = ["agent", "approval", "user_settings"];

/// One generated entry, as the test expects to read it back.
#[derive(Clone, Debug)]
struct Generated {
    id: String,
    timestamp: i64,
    user_id: String,
    action: &'static str,
    resource_type: &'static str,
    resource_id: String,
}

/// Entry `i`: two at a time share a minute (ties broken by insertion order), actions and
/// resource types cycle by three, users alternate.
fn generated(i: usize, users: [&str; 2]) -> Generated {
    Generated {
        id: format!("gen-{i:03}"),
        timestamp: BASE + (i as i64 / 2) * MINUTE,
        user_id: users[i % 2].to_owned(),
        action: ACTIONS[i % 3],
        resource_type: TYPES[i % 3],
        resource_id: format!("res-{i:03}"),
    }
}

async fn open_db(app: &TestApp) -> SqliteConnection {
    let options = SqliteConnectOptions::new()
        .filename(app.data_dir.join("flightdeck.db"))
        .busy_timeout(Duration::from_secs(10));
    SqliteConnection::connect_with(&options).await.unwrap()
}

/// Appends entries straight to the database, as old history (no hash: before the chain).
async fn insert(db: &mut SqliteConnection, workspace_id: &str, entries: &[Generated]) {
    let mut tx = db.begin().await.unwrap();
    for e in entries {
        sqlx::query(
            "INSERT INTO audit_log (id, timestamp, workspace_id, user_id, action, resource_type, \
             resource_id, before_state, after_state, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, '{}')",
        )
        .bind(&e.id)
        .bind(e.timestamp)
        .bind(workspace_id)
        .bind(&e.user_id)
        .bind(e.action)
        .bind(e.resource_type)
        .bind(&e.resource_id)
        .bind(json!({"status": "pending"}).to_string())
        .bind(json!({"status": "approved"}).to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn get(client: &Client, app: &TestApp, query: &str) -> (StatusCode, Value) {
    let response = client
        .get(app.url(&format!("/api/audit-logs?{query}")))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ids(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every id of a filter, by following cursors `limit` at a time.
async fn all_ids(client: &Client, app: &TestApp, filter: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = format!("{filter}&limit={limit}");
        if let Some(cursor) = &cursor {
            query.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = get(client, app, &query).await;
        assert_eq!(status, 200, "{query}: {page}");
        let got = ids(&page);
        assert!(got.len() <= limit);
        out.extend(got);
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
}

/// Newest first, as the API orders them.
fn expected(set: &[Generated], keep: impl Fn(usize, &Generated) -> bool) -> Vec<String> {
    let mut kept: Vec<(usize, &Generated)> = set
        .iter()
        .enumerate()
        .filter(|(i, e)| keep(*i, e))
        .collect();
    kept.sort_by_key(|(i, e)| std::cmp::Reverse((e.timestamp, *i)));
    kept.into_iter().map(|(_, e)| e.id.clone()).collect()
}

#[tokio::test]
async fn every_filter_and_pagination_boundary_matches_the_generated_answers() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let (admin, me) = app.sign_up("auditor@example.com", "Audited").await;
    let (viewer, viewer_me) = app.sign_up("viewer@example.com", "Elsewhere").await;
    let workspace = me["workspace"]["id"].as_str().unwrap().to_owned();
    let users = [
        me["user"]["id"].as_str().unwrap(),
        viewer_me["user"]["id"].as_str().unwrap(),
    ];
    let set: Vec<Generated> = (0..GENERATED).map(|i| generated(i, users)).collect();
    let mut db = open_db(&app).await;
    insert(&mut db, &workspace, &set).await;
    let day = "date_from=2026-11-20&date_to=2026-11-20";

    // The whole day, by cursor, in pages that split ties: every entry once, newest first.
    let everything = expected(&set, |_, _| true);
    for limit in [7, 299, 300, 500] {
        assert_eq!(
            all_ids(&admin, &app, day, limit).await,
            everything,
            "limit {limit}"
        );
    }
    // A page of exactly the remaining entries has no next cursor; one fewer has.
    let (_, page) = get(&admin, &app, &format!("{day}&limit=300")).await;
    assert!(page["nextCursor"].is_null());
    let (_, page) = get(&admin, &app, &format!("{day}&limit=299")).await;
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let (_, last) = get(&admin, &app, &format!("{day}&limit=299&cursor={cursor}")).await;
    assert_eq!(ids(&last), vec![everything[299].clone()]);
    assert!(last["nextCursor"].is_null());
    // Offsets: the last entry, then nothing.
    let (_, page) = get(&admin, &app, &format!("{day}&offset=299")).await;
    assert_eq!(ids(&page), vec![everything[299].clone()]);
    let (_, page) = get(&admin, &app, &format!("{day}&offset=300")).await;
    assert!(ids(&page).is_empty() && page["nextCursor"].is_null());
    let (_, page) = get(&admin, &app, &format!("{day}&offset=10&limit=5")).await;
    assert_eq!(ids(&page), everything[10..15].to_vec());

    // Each filter alone and together.
    for (i, action) in ACTIONS.iter().enumerate() {
        let got = all_ids(&admin, &app, &format!("action={action}"), 40).await;
        assert_eq!(got, expected(&set, |j, _| j % 3 == i), "{action}");
    }
    for (i, kind) in TYPES.iter().enumerate() {
        let got = all_ids(&admin, &app, &format!("{day}&resource_type={kind}"), 40).await;
        assert_eq!(got, expected(&set, |j, _| j % 3 == i), "{kind}");
    }
    let got = all_ids(
        &admin,
        &app,
        &format!("{day}&user_id={}&action=approval.decide", users[1]),
        500,
    )
    .await;
    assert_eq!(got, expected(&set, |j, _| j % 2 == 1 && j % 3 == 1));
    assert_eq!(got.len(), 50);

    // Instants: from is inclusive, to is inclusive.
    let from = BASE + 50 * MINUTE; // entries 100 and 101; 01:39 is 198 and 199
    let got = all_ids(
        &admin,
        &app,
        &format!("date_from={from}&date_to=2026-11-20T01:39:00Z"),
        500,
    )
    .await;
    assert_eq!(got, expected(&set, |j, _| (100..200).contains(&j)));

    // Days are whole days in the time zone asked for.
    let in_zone = |day: &str, tz: &str| format!("date_from={day}&date_to={day}&tz={tz}");
    let tokyo = all_ids(&admin, &app, &in_zone("2026-11-20", "Asia/Tokyo"), 500).await;
    assert_eq!(
        tokyo, everything,
        "Tokyo's 20 November covers 00:00–05:00 UTC"
    );
    let new_york = all_ids(
        &admin,
        &app,
        &in_zone("2026-11-19", "America/New_York"),
        500,
    )
    .await;
    assert_eq!(
        new_york, everything,
        "New York's 19 November ends at 05:00 UTC on the 20th"
    );
    let later = all_ids(
        &admin,
        &app,
        &in_zone("2026-11-20", "America/New_York"),
        500,
    )
    .await;
    assert_eq!(
        later,
        Vec::<String>::new(),
        "New York's 20 November starts after the generated entries"
    );

    // Free text: part of the resource id, any case; LIKE's wildcards are literal.
    let got = all_ids(&admin, &app, "q=RES-01", 500).await;
    assert_eq!(got, expected(&set, |j, _| (10..20).contains(&j)));
    let got = all_ids(&admin, &app, &format!("{day}&q=settings"), 500).await;
    assert_eq!(got, expected(&set, |j, _| j % 3 == 2));
    assert!(all_ids(&admin, &app, "q=res-%25", 500).await.is_empty());
    assert!(all_ids(&admin, &app, "q=res_0", 500).await.is_empty());

    // Bad parameters are named.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=10001", "offset"),
        ("cursor=nonsense", "cursor"),
        ("date_from=last+week", "date_from"),
        ("date_from=2026-11-21&date_to=2026-11-20", "date_to"),
        ("tz=Nowhere%2FLand&date_from=2026-11-20", "tz"),
    ] {
        let (status, body) = get(&admin, &app, query).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }

    // Entries carry their user's email and before/after; one entry by id.
    let (_, page) = get(&admin, &app, &format!("{day}&limit=1")).await;
    let newest = &page["entries"][0];
    assert_eq!(newest["user_email"], "viewer@example.com");
    assert_eq!(newest["after_state"]["status"], "approved");
    let one = admin
        .get(app.url("/api/audit-logs/gen-299"))
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    assert_eq!(one.json::<Value>().await.unwrap()["resource_id"], "res-299");
    let missing = admin
        .get(app.url("/api/audit-logs/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Facets: every action recorded, in order, and the members.
    let facets: Value = admin
        .get(app.url("/api/audit-logs/facets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = facets["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for action in ACTIONS {
        assert!(actions.contains(&action), "{actions:?}");
    }
    assert!(actions.windows(2).all(|w| w[0] < w[1]), "{actions:?}");
    assert_eq!(facets["users"][0]["email"], "auditor@example.com");

    // Another workspace's member sees none of it, until made a viewer here; then reads all,
    // and nobody can change or delete an entry.
    let (_, theirs) = get(&viewer, &app, day).await;
    assert!(ids(&theirs).is_empty());
    app.add_member(&admin, &viewer, "viewer@example.com", "viewer")
        .await;
    let switched = viewer
        .post(app.url("/api/auth/workspace"))
        .json(&json!({"workspaceId": workspace}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 200);
    assert_eq!(all_ids(&viewer, &app, day, 500).await, everything);
    for client in [&admin, &viewer] {
        for method in ["PUT", "PATCH", "DELETE"] {
            let response = client
                .request(method.parse().unwrap(), app.url("/api/audit-logs/gen-001"))
                .json(&json!({"action": "nothing.happened"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 405, "{method}");
        }
        let post = client
            .post(app.url("/api/audit-logs"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), 405);
    }
    let (_, page) = get(&admin, &app, "q=gen-001").await;
    assert!(
        ids(&page).is_empty(),
        "ids are not searched, resource ids are"
    );
    let one: Value = admin
        .get(app.url("/api/audit-logs/gen-001"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["action"], ACTIONS[1]);

    // The CSV export of a filter holds exactly its entries, newest first, and is recorded.
    let csv = admin
        .get(app.url(&format!(
            "/api/audit-logs/export.csv?{day}&action=agent.create"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"flightdeck-audit-"));
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("id"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let got: Vec<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    assert_eq!(got, expected(&set, |j, _| j % 3 == 0));
    assert_eq!(&rows[0][1], "2026-11-20T02:28:00.000Z");
    let (_, exports) = get(&admin, &app, "action=audit.export").await;
    assert_eq!(ids(&exports).len(), 1);
    let bad = admin
        .get(app.url("/api/audit-logs/export.csv?limit=-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

/// The server's peak resident memory so far (kB), from the kernel.
fn peak_rss_kb(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_million_row_csv_export_streams_in_bounded_memory() {
    use futures_util::StreamExt;
    const ROWS: i64 = 1_000_000;
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let (admin, me) = app.sign_up("exporter@example.com", "Big").await;
    let workspace = me["workspace"]["id"].as_str().unwrap().to_owned();
    let user = me["user"]["id"].as_str().unwrap().to_owned();
    let mut db = open_db(&app).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO audit_log (id, timestamp, workspace_id, user_id, action, resource_type, \
         resource_id, before_state, after_state, metadata) \
         SELECT 'bulk-' || i, $2 + i * 1000, $3, $4, 'approval.decide', 'approval', 'run-' || i, \
         '{\"status\":\"pending\",\"tool\":\"deploy\"}', '{\"status\":\"approved\",\"tool\":\"deploy\"}', \
         '{\"comment\":\"generated, with a comma\"}' FROM n",
    )
    .bind(ROWS)
    .bind(BASE - ROWS * 1000)
    .bind(&workspace)
    .bind(&user)
    .execute(&mut db)
    .await
    .unwrap();
    drop(db);

    let before = peak_rss_kb(app.pid());
    let response = admin
        .get(app.url("/api/audit-logs/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (mut lines, mut bytes, mut tail) = (0u64, 0u64, Vec::new());
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("the stream completes");
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        tail = chunk.to_vec();
    }
    let after = peak_rss_kb(app.pid());
    // The header, the generated rows, and the account's own entries (sign-up, this export).
    assert!(lines > ROWS as u64, "{lines} lines");
    assert!(lines < ROWS as u64 + 10, "{lines} lines");
    assert!(
        String::from_utf8_lossy(&tail).contains("bulk-1,"),
        "the oldest entry comes last"
    );
    let grown_mb = (after.saturating_sub(before)) as f64 / 1024.0;
    println!(
        "audit CSV export: {lines} lines, {:.1} MB streamed; server peak RSS {:.1} MB before, {:.1} MB after (+{grown_mb:.1} MB)",
        bytes as f64 / 1e6,
        before as f64 / 1024.0,
        after as f64 / 1024.0,
    );
    assert!(bytes > 200_000_000, "{bytes} bytes");
    assert!(
        grown_mb < 64.0,
        "the export grew the server's peak memory by {grown_mb:.1} MB for {:.0} MB of CSV",
        bytes as f64 / 1e6
    );
}

#[tokio::test]
async fn a_search_goes_on_past_its_window_by_cursor() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let (admin, me) = app.sign_up("searcher@example.com", "Search").await;
    let workspace = me["workspace"]["id"].as_str().unwrap().to_owned();
    let mut db = open_db(&app).await;
    // 45,000 entries, more than two search windows; only the newest and the oldest match.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45000) \
         INSERT INTO audit_log (id, timestamp, workspace_id, action, resource_type, resource_id, \
         metadata) SELECT 'w-' || i, $1 + i, $2, 'agent.create', 'agent', \
         CASE WHEN i IN (1, 45000) THEN 'Needle-' || i ELSE 'hay-' || i END, '{}' FROM n",
    )
    .bind(BASE)
    .bind(&workspace)
    .execute(&mut db)
    .await
    .unwrap();
    let (status, first) = get(&admin, &app, "q=needle&limit=10").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&first), vec!["w-45000".to_owned()]);
    assert!(
        first["nextCursor"].is_string(),
        "a page that searched its whole window says where to go on: {first}"
    );
    assert_eq!(
        all_ids(&admin, &app, "q=needle", 10).await,
        vec!["w-45000".to_owned(), "w-1".to_owned()]
    );
    // The export searches everything at once.
    let text = admin
        .get(app.url("/api/audit-logs/export.csv?q=NEEDLE"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
}
