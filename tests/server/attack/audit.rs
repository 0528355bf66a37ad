//! Finding 5, an audit chain one can trust: someone with write access to the database (the
//! append-only triggers dropped) changes an entry, removes one in the middle, the newest or the
//! oldest, inserts one without a hash or recomputes the chain with plain SHA-256, and
//! `GET /api/audit/verify` names each, on both stacks; PostgreSQL refuses TRUNCATE. A log written
//! before the key keeps verifying after the upgrade, and a recomputed one does not. A server on
//! a shared database without a shared key, or with a key file others can read, does not start.

use crate::helpers::{on_both_stacks, run_expecting_exit, Stack, TestApp};
use flightdeck::audit::chain::{legacy_link, Columns};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

on_both_stacks!(
    every_tamper_is_named_by_verify,
    a_log_from_before_the_key_verifies_and_cannot_be_recomputed,
);

const PASSWORD: &str = "correct horse battery";

/// An entry as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
struct Stored {
    id: String,
    timestamp: i64,
    workspace_id: Option<String>,
    user_id: Option<String>,
    agent_id: Option<String>,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    metadata: String,
    prev_hash: Option<String>,
}

impl Stored {
    /// Its plain SHA-256 link after `prev`: what anyone can compute, key or not.
    fn sha256(&self, prev: Option<&str>) -> String {
        legacy_link(
            prev,
            &Columns {
                id: &self.id,
                timestamp: self.timestamp,
                who: [
                    self.workspace_id.as_deref(),
                    self.user_id.as_deref(),
                    self.agent_id.as_deref(),
                ],
                what: [&self.action, &self.resource_type],
                detail: [
                    self.resource_id.as_deref(),
                    self.before_state.as_deref(),
                    self.after_state.as_deref(),
                ],
                metadata: &self.metadata,
            },
        )
    }
}

/// The stack's database, opened with its credentials, as an attacker who has them would.
enum Db {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

macro_rules! on_db {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            Db::Sqlite($conn) => $body,
            Db::Postgres($conn) => $body,
        }
    };
}

const SELECT: &str = "SELECT id, timestamp, workspace_id, user_id, agent_id, action, \
     resource_type, resource_id, before_state, after_state, metadata, prev_hash FROM audit_log";

impl Db {
    async fn open(stack: &Stack, data_dir: &Path) -> Self {
        match stack.var("DATABASE_URL") {
            Some(url) => Db::Postgres(PgConnection::connect(url).await.unwrap()),
            None => {
                let file = data_dir.join("flightdeck.db");
                let url = format!("sqlite://{}", file.display());
                Db::Sqlite(SqliteConnection::connect(&url).await.unwrap())
            }
        }
    }

    /// Runs a statement with text parameters; how many rows it touched, or why it was refused.
    async fn run(&mut self, sql: &str, binds: &[Option<&str>]) -> Result<u64, sqlx::Error> {
        on_db!(self, |conn| {
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
    }

    /// Drops the append-only triggers, as a rewriter would first.
    async fn drop_triggers(&mut self) {
        let drops: &[&str] = match self {
            Db::Sqlite(_) => &[
                "DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
            ],
            Db::Postgres(_) => &["DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"],
        };
        for sql in drops {
            self.run(sql, &[]).await.unwrap();
        }
    }

    /// The entries of a workspace (`None`: of no workspace), oldest first.
    async fn entries(&mut self, workspace: Option<&str>) -> Vec<Stored> {
        let sql = match workspace {
            Some(_) => format!("{SELECT} WHERE workspace_id = $1 ORDER BY seq"),
            None => format!("{SELECT} WHERE workspace_id IS NULL AND $1 = '' ORDER BY seq"),
        };
        on_db!(self, |conn| sqlx::query_as::<_, Stored>(&sql)
            .bind(workspace.unwrap_or_default())
            .fetch_all(&mut *conn)
            .await
            .unwrap())
    }

    async fn delete(&mut self, id: &str) {
        let sql = "DELETE FROM audit_log WHERE id = $1";
        assert_eq!(self.run(sql, &[Some(id)]).await.unwrap(), 1);
    }

    /// Rewrites `entries` as one plain SHA-256 chain, the first linked to `first_prev`.
    async fn recompute(&mut self, entries: &[Stored], first_prev: Option<String>) {
        let mut prev = first_prev;
        for entry in entries {
            let hash = entry.sha256(prev.as_deref());
            self.run(
                "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3",
                &[prev.as_deref(), Some(&hash), Some(&entry.id)],
            )
            .await
            .unwrap();
            prev = Some(hash);
        }
    }
}

pub(super) async fn register(app: &TestApp, admin: &Client, name: &str) -> Value {
    let response = admin
        .post(app.url("/api/agents"))
        .json(&json!({ "name": name, "role": "pulse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A new account with a workspace of its own holding a few entries (its sign-up and four agents'
/// registrations): its signed-in admin and the workspace's id.
async fn workspace(app: &TestApp, name: &str) -> (Client, String) {
    let (admin, me) = app.sign_up(&format!("{name}@example.com"), name).await;
    for i in 0..4 {
        register(app, &admin, &format!("{name}-{i}")).await;
    }
    (admin, me["workspace"]["id"].as_str().unwrap().to_owned())
}

async fn verify(app: &TestApp, admin: &Client) -> Value {
    let response = admin
        .get(app.url("/api/audit/verify"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// `(kind, brokenAt)` of a broken chain's report, with a sentence saying what is wrong.
fn named(report: &Value) -> (&str, &str) {
    assert_eq!(report["intact"], false, "{report}");
    assert!(
        report["problem"].as_str().is_some_and(|p| p.len() > 20),
        "{report}"
    );
    (
        report["kind"].as_str().unwrap_or_default(),
        report["brokenAt"].as_str().unwrap_or_default(),
    )
}

async fn every_tamper_is_named_by_verify(stack: Stack) {
    let app = stack.spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    let mut spaces = Vec::new();
    for name in [
        "intact",
        "changed",
        "middle",
        "newest",
        "oldest",
        "hashless",
        "recomputed",
    ] {
        spaces.push(workspace(&app, name).await);
    }
    let mut db = Db::open(&stack, &app.data_dir).await;
    let mut stored = Vec::new();
    for (admin, id) in &spaces {
        let entries = db.entries(Some(id)).await;
        assert!(entries.len() >= 5, "{entries:?}");
        let report = verify(&app, admin).await;
        assert_eq!(
            (report["intact"].as_bool(), report["entries"].as_u64()),
            (Some(true), Some(entries.len() as u64)),
            "{report}"
        );
        assert!(report.get("kind").is_none(), "{report}");
        stored.push(entries);
    }

    // While the triggers stand, the table cannot be emptied (PostgreSQL's TRUNCATE included).
    let empty = match db {
        Db::Sqlite(_) => "DELETE FROM audit_log",
        Db::Postgres(_) => "TRUNCATE audit_log",
    };
    let refused = db.run(empty, &[]).await.unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    db.drop_triggers().await;
    if let Db::Postgres(_) = db {
        let refused = db.run("TRUNCATE audit_log", &[]).await.unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }

    // An entry changed.
    let (admin, entries) = (&spaces[1].0, &stored[1]);
    let sql = "UPDATE audit_log SET metadata = '{\"reason\":\"nothing to see\"}' WHERE id = $1";
    db.run(sql, &[Some(&entries[2].id)]).await.unwrap();
    let report = verify(&app, admin).await;
    assert_eq!(named(&report), ("changed", entries[2].id.as_str()));

    // One in the middle removed: the next no longer follows.
    let (admin, entries) = (&spaces[2].0, &stored[2]);
    db.delete(&entries[2].id).await;
    let report = verify(&app, admin).await;
    assert_eq!(named(&report), ("removed", entries[3].id.as_str()));

    // The newest removed: the head kept outside the database is missing from the table…
    let (admin, entries) = (&spaces[3].0, &stored[3]);
    let n = entries.len();
    db.delete(&entries[n - 1].id).await;
    let report = verify(&app, admin).await;
    assert_eq!(
        named(&report),
        ("newest_removed", entries[n - 2].id.as_str())
    );
    // …and stays visible after the next entry, which links to that head, not to the table.
    let agent = register(&app, admin, "after-the-gap").await;
    let after = db.entries(Some(&spaces[3].1)).await;
    let newest = after.last().unwrap();
    assert_eq!(newest.resource_id.as_deref(), agent["id"].as_str());
    let report = verify(&app, admin).await;
    assert_eq!(named(&report), ("removed", newest.id.as_str()));

    // The oldest removed: the chain no longer starts from its genesis.
    let (admin, entries) = (&spaces[4].0, &stored[4]);
    db.delete(&entries[0].id).await;
    let report = verify(&app, admin).await;
    assert_eq!(named(&report), ("oldest_removed", entries[1].id.as_str()));

    // A row without a hash inserted.
    let (admin, id) = (&spaces[5].0, &spaces[5].1);
    let sql = format!(
        "INSERT INTO audit_log (id, timestamp, workspace_id, action, resource_type, metadata) \
         VALUES ('inserted', {}, $1, 'agent.revoke', 'agent', '{{}}')",
        stored[5].last().unwrap().timestamp + 1
    );
    db.run(&sql, &[Some(id)]).await.unwrap();
    let report = verify(&app, admin).await;
    assert_eq!(named(&report), ("missing_hash", "inserted"));

    // The whole chain recomputed with plain SHA-256, its first link kept as stored.
    let (admin, entries) = (&spaces[6].0, &stored[6]);
    db.recompute(entries, entries[0].prev_hash.clone()).await;
    let report = verify(&app, admin).await;
    assert_eq!(named(&report), ("forged", entries[0].id.as_str()));

    // The untouched workspace is still intact.
    let report = verify(&app, &spaces[0].0).await;
    assert_eq!(report["intact"], true, "{report}");
}

/// Forgets the chain heads and the seal marker (and, embedded, the key file): the state of a
/// deployment that never ran with an audit key.
async fn forget_heads(stack: &Stack, data_dir: &Path) {
    match stack.var("REDIS_URL") {
        Some(url) => {
            let client = redis::Client::open(url).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let prefix = stack.var("FLIGHTDECK_REDIS_PREFIX").unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}:audit:*"))
                .query_async(&mut conn)
                .await
                .unwrap();
            assert!(keys.len() >= 2, "{keys:?}");
            let _: () = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .unwrap();
        }
        None => {
            std::fs::remove_dir_all(data_dir.join("audit.heads")).unwrap();
            std::fs::remove_file(data_dir.join("audit.key")).unwrap();
        }
    }
}

fn seals(entries: &[Stored]) -> Vec<&Stored> {
    entries
        .iter()
        .filter(|e| e.action == "audit.seal")
        .collect()
}

async fn a_log_from_before_the_key_verifies_and_cannot_be_recomputed(stack: Stack) {
    let vars = [("FLIGHTDECK_SIGNUP", "open")];
    let app = stack.spawn(&vars);
    let (_, id) = workspace(&app, "legacy").await;
    let data_dir = app.data_dir.clone();
    drop(app);
    // Rewritten as the server before the key wrote it: plain SHA-256, the first link empty, and
    // (older still) an entry without any hash first.
    let mut db = Db::open(&stack, &data_dir).await;
    db.drop_triggers().await;
    let entries = db.entries(Some(&id)).await;
    db.run(
        "UPDATE audit_log SET prev_hash = NULL, hash = NULL WHERE id = $1",
        &[Some(&entries[0].id)],
    )
    .await
    .unwrap();
    db.recompute(&entries[1..], None).await;
    forget_heads(&stack, &data_dir).await;

    // The first start with the key seals it: intact, and one seal after the old entries.
    let app = stack.spawn(&vars);
    let admin = app.sign_in("legacy@example.com", PASSWORD).await;
    let report = verify(&app, &admin).await;
    let sealed = db.entries(Some(&id)).await;
    assert_eq!(
        (report["intact"].as_bool(), report["entries"].as_u64()),
        (Some(true), Some(sealed.len() as u64)),
        "{report}"
    );
    assert_eq!(seals(&sealed).len(), 1);
    assert_eq!(sealed[entries.len()].action, "audit.seal");
    let seal_id = sealed[entries.len()].id.clone();
    // A later start does not seal again.
    drop(app);
    let app = stack.spawn(&vars);
    let admin = app.sign_in("legacy@example.com", PASSWORD).await;
    assert_eq!(verify(&app, &admin).await["intact"], true);
    assert_eq!(seals(&db.entries(Some(&id)).await).len(), 1);

    // An old entry changed, and the old chain recomputed after it: the seal no longer agrees.
    let sql = "UPDATE audit_log SET metadata = '{\"reason\":\"nothing to see\"}' WHERE id = $1";
    db.run(sql, &[Some(&entries[2].id)]).await.unwrap();
    let old = db.entries(Some(&id)).await[..entries.len()].to_vec();
    db.recompute(&old[1..], None).await;
    let report = verify(&app, &admin).await;
    assert_eq!(named(&report), ("changed", seal_id.as_str()));
    // Everything recomputed, the seal and what follows included: no longer signed at all.
    let all = db.entries(Some(&id)).await;
    db.recompute(&all, None).await;
    let report = verify(&app, &admin).await;
    assert_eq!(named(&report), ("forged", all[0].id.as_str()));
}

#[test]
fn a_shared_database_without_a_shared_key_or_a_readable_key_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_dir = data.display().to_string();
    // Nothing listens there: the start must stop before connecting.
    let shared = [
        ("FLIGHTDECK_DATA_DIR", data_dir.as_str()),
        ("DATABASE_URL", "postgres://flightdeck@127.0.0.1:9/none"),
    ];
    let (status, log) = run_expecting_exit(&shared);
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(
        log.contains("instances sharing a database need the same audit key")
            && log.contains("FLIGHTDECK_AUDIT_KEY_FILE"),
        "{log}"
    );
    assert!(!data.join("audit.key").exists());

    std::fs::create_dir_all(&data).unwrap();
    let key = data.join("audit.key");
    std::fs::write(&key, "k".repeat(64)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (status, log) = run_expecting_exit(&[("FLIGHTDECK_DATA_DIR", data_dir.as_str())]);
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("chmod 600"), "{log}");
}
