//! Appending to and reading the audit log. There is no update or delete here, and the database
//! refuses both (triggers in the migrations). Appends to one workspace take turns, so that each
//! links to the one before (PostgreSQL: a transaction-scoped advisory lock, which holds across
//! instances; SQLite, one process by design: a lock in the process).

use super::chain::{link, Columns};
use super::query::{Bind, Criteria, Cursor};
use super::{AuditEntry, AuditFacets, AuditPage, ChainReport, FacetUser, NewEntry};
use crate::on_pool;
use crate::records::{new_id, now_ms, Records};
use anyhow::Context;

#[derive(sqlx::FromRow)]
struct Row {
    /// Only read when verifying.
    #[sqlx(default)]
    seq: i64,
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
    hash: Option<String>,
    /// Only read by the filtered queries.
    #[sqlx(default)]
    user_email: Option<String>,
}

impl Row {
    fn columns(&self) -> Columns<'_> {
        Columns {
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
        }
    }

    fn entry(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            timestamp: self.timestamp,
            workspace_id: self.workspace_id,
            user_id: self.user_id,
            agent_id: self.agent_id,
            action: self.action,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            before_state: json(self.before_state),
            after_state: json(self.after_state),
            metadata: json(Some(self.metadata)).unwrap_or_default(),
            hash: self.hash,
            user_email: self.user_email,
        }
    }
}

const COLUMNS: &str = "id, timestamp, workspace_id, user_id, agent_id, action, resource_type, \
     resource_id, before_state, after_state, metadata, prev_hash, hash";

/// Entries of the log with their user's email (the log is `a`).
const SELECT: &str = "SELECT a.seq, a.id, a.timestamp, a.workspace_id, a.user_id, a.agent_id, \
     a.action, a.resource_type, a.resource_id, a.before_state, a.after_state, a.metadata, \
     a.prev_hash, a.hash, u.email AS user_email FROM audit_log a LEFT JOIN users u ON u.id = a.user_id";
/// [`SELECT`] from a window of the log (`(SELECT … FROM audit_log a …) a`) instead of all of it.
const SELECT_WINDOW: &str =
    "SELECT a.seq, a.id, a.timestamp, a.workspace_id, a.user_id, a.agent_id, \
     a.action, a.resource_type, a.resource_id, a.before_state, a.after_state, a.metadata, \
     a.prev_hash, a.hash, u.email AS user_email FROM";

/// The most entries one page of a free-text search reads (about 40 ms on SQLite).
pub const SEARCH_WINDOW: i64 = 20_000;

/// SQLite's appends take turns in the process.
static SQLITE_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Entries read at a time when verifying.
const PAGE: i64 = 5_000;

fn json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}

impl Records {
    /// Appends an entry, linked to the workspace's previous one, and returns it as stored.
    pub async fn audit(&self, entry: NewEntry) -> anyhow::Result<AuditEntry> {
        let text = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
        let mut row = Row {
            seq: 0,
            id: new_id(),
            timestamp: now_ms(),
            workspace_id: entry.workspace_id,
            user_id: entry.user_id,
            agent_id: entry.agent_id,
            action: entry.action.to_owned(),
            resource_type: entry.resource_type.to_owned(),
            resource_id: entry.resource_id,
            before_state: text(&entry.before_state),
            after_state: text(&entry.after_state),
            metadata: entry.metadata.to_string(),
            prev_hash: None,
            hash: None,
            user_email: None,
        };
        let last = match &row.workspace_id {
            Some(_) => "SELECT hash FROM audit_log WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1",
            None => "SELECT hash FROM audit_log WHERE workspace_id IS NULL AND $1 = '' ORDER BY seq DESC LIMIT 1",
        };
        let chain = row.workspace_id.clone().unwrap_or_default();
        let insert =
            "INSERT INTO audit_log (id, timestamp, workspace_id, user_id, agent_id, action, \
             resource_type, resource_id, before_state, after_state, metadata, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
        macro_rules! append {
            ($executor:expr) => {{
                let prev: Option<Option<String>> = sqlx::query_scalar(last)
                    .bind(&chain)
                    .fetch_optional(&mut *$executor)
                    .await?;
                row.prev_hash = prev.flatten();
                row.hash = Some(link(row.prev_hash.as_deref(), &row.columns()));
                sqlx::query(insert)
                    .bind(&row.id)
                    .bind(row.timestamp)
                    .bind(&row.workspace_id)
                    .bind(&row.user_id)
                    .bind(&row.agent_id)
                    .bind(&row.action)
                    .bind(&row.resource_type)
                    .bind(&row.resource_id)
                    .bind(&row.before_state)
                    .bind(&row.after_state)
                    .bind(&row.metadata)
                    .bind(&row.prev_hash)
                    .bind(&row.hash)
                    .execute(&mut *$executor)
                    .await?;
            }};
        }
        let appended: Result<(), sqlx::Error> = async {
            match self {
                Records::Sqlite(pool) => {
                    let _turn = SQLITE_TURN.lock().await;
                    let mut conn = pool.acquire().await?;
                    append!(conn);
                }
                Records::Postgres(pool) => {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                        .bind(format!("audit:{chain}"))
                        .execute(&mut *tx)
                        .await?;
                    append!(tx);
                    tx.commit().await?;
                }
            }
            Ok(())
        }
        .await;
        appended.with_context(|| format!("appending {} to the audit log", row.action))?;
        Ok(row.entry())
    }

    /// A workspace's newest entries first, at most `limit`.
    pub async fn audit_entries(
        &self,
        workspace_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<AuditEntry>> {
        let query = format!(
            "SELECT {COLUMNS} FROM audit_log WHERE workspace_id = $1 ORDER BY seq DESC LIMIT $2"
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .bind(limit)
                .fetch_all(pool)
                .await
        })
        .context("reading the audit log")?;
        Ok(rows.into_iter().map(Row::entry).collect())
    }

    /// One page of a workspace's entries matching `criteria`, newest first, with the cursor of
    /// the next page when there may be one. A free-text search reads at most
    /// [`SEARCH_WINDOW`] entries of the other filters per page, so every page answers in
    /// bounded time: a page can then hold fewer entries than asked (even none) and still have a
    /// next cursor, where the search goes on.
    pub async fn audit_page(
        &self,
        workspace_id: &str,
        criteria: &Criteria,
    ) -> anyhow::Result<AuditPage> {
        let (mut rows, window_end) = self
            .audit_rows(
                workspace_id,
                criteria,
                criteria.limit + 1,
                Some(SEARCH_WINDOW),
            )
            .await?;
        let more = rows.len() as i64 > criteria.limit;
        rows.truncate(criteria.limit as usize);
        let next = match rows.last() {
            Some(row) if more => Some(Cursor {
                timestamp: row.timestamp,
                seq: row.seq,
            }),
            _ => window_end,
        };
        Ok(AuditPage {
            entries: rows.into_iter().map(Row::entry).collect(),
            next_cursor: next.map(Cursor::encode),
        })
    }

    /// Up to `limit` entries matching `criteria` (its offset and cursor apply; a search reads
    /// as far as it takes), newest first, with where they stand for the next batch.
    pub async fn audit_batch(
        &self,
        workspace_id: &str,
        criteria: &Criteria,
        limit: i64,
    ) -> anyhow::Result<Vec<(Cursor, AuditEntry)>> {
        let (rows, _) = self.audit_rows(workspace_id, criteria, limit, None).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                (
                    Cursor {
                        timestamp: row.timestamp,
                        seq: row.seq,
                    },
                    row.entry(),
                )
            })
            .collect())
    }

    /// The rows, and for a search limited to `window` entries that filled it, the last entry
    /// of the window (where the search goes on).
    async fn audit_rows(
        &self,
        workspace_id: &str,
        criteria: &Criteria,
        limit: i64,
        window: Option<i64>,
    ) -> anyhow::Result<(Vec<Row>, Option<Cursor>)> {
        let (filter, mut binds) = criteria.filter(workspace_id);
        let base = binds.len();
        let search = criteria.search(base);
        let order = "ORDER BY a.timestamp DESC, a.seq DESC";
        let query = match (&search, window) {
            (None, _) => format!("{SELECT} WHERE {filter} {order}"),
            (Some((search, _)), None) => format!("{SELECT} WHERE {filter} AND {search} {order}"),
            (Some((search, _)), Some(window)) => format!(
                "{SELECT_WINDOW} (SELECT * FROM audit_log a WHERE {filter} {order} LIMIT {window}) a \
                 LEFT JOIN users u ON u.id = a.user_id WHERE {search} {order}"
            ),
        };
        let query = format!("{query} LIMIT {limit} OFFSET {}", criteria.offset);
        if let Some((_, bind)) = search.clone() {
            binds.push(bind);
        }
        let rows = on_pool!(self, |pool| {
            let mut select = sqlx::query_as::<_, Row>(&query);
            for bind in &binds {
                select = match bind {
                    Bind::Text(text) => select.bind(text.clone()),
                    Bind::Int(n) => select.bind(*n),
                };
            }
            select.fetch_all(pool).await
        })
        .context("reading the audit log")?;
        let (Some(_), Some(window)) = (search, window) else {
            return Ok((rows, None));
        };
        let end = format!(
            "SELECT a.timestamp, a.seq FROM audit_log a WHERE {filter} {order} \
             LIMIT 1 OFFSET {}",
            window - 1
        );
        let end: Option<(i64, i64)> = on_pool!(self, |pool| {
            let mut select = sqlx::query_as(&end);
            for bind in &binds[..base] {
                select = match bind {
                    Bind::Text(text) => select.bind(text.clone()),
                    Bind::Int(n) => select.bind(*n),
                };
            }
            select.fetch_optional(pool).await
        })
        .context("reading the audit log")?;
        Ok((rows, end.map(|(timestamp, seq)| Cursor { timestamp, seq })))
    }

    /// One entry of a workspace by id.
    pub async fn audit_entry(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> anyhow::Result<Option<AuditEntry>> {
        let criteria = Criteria {
            limit: 1,
            ..Default::default()
        };
        let (filter, _) = criteria.filter(workspace_id);
        let query = format!("{SELECT} WHERE {filter} AND a.id = $2");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .context("reading an audit entry")?;
        Ok(row.map(Row::entry))
    }

    /// The actions and resource types recorded in a workspace, and its members. Distinct values
    /// are read by skipping through the indexes (one probe per value, not a scan of the log).
    pub async fn audit_facets(&self, workspace_id: &str) -> anyhow::Result<AuditFacets> {
        let distinct = |column: &str| {
            format!(
                "WITH RECURSIVE v(x) AS (\
                   SELECT MIN({column}) FROM audit_log WHERE workspace_id = $1 \
                   UNION ALL \
                   SELECT (SELECT MIN({column}) FROM audit_log WHERE workspace_id = $1 AND {column} > v.x) \
                   FROM v WHERE v.x IS NOT NULL) \
                 SELECT x FROM v WHERE x IS NOT NULL"
            )
        };
        let (actions, types) = (distinct("action"), distinct("resource_type"));
        let members = "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.workspace_id = $1 ORDER BY u.email";
        let (actions, resource_types, users) = on_pool!(self, |pool| {
            let actions: Vec<String> = sqlx::query_scalar(&actions)
                .bind(workspace_id)
                .fetch_all(pool)
                .await?;
            let types: Vec<String> = sqlx::query_scalar(&types)
                .bind(workspace_id)
                .fetch_all(pool)
                .await?;
            let users: Vec<(String, String)> = sqlx::query_as(members)
                .bind(workspace_id)
                .fetch_all(pool)
                .await?;
            Ok::<_, sqlx::Error>((actions, types, users))
        })
        .context("reading the audit log's filters")?;
        Ok(AuditFacets {
            actions,
            resource_types,
            users: users
                .into_iter()
                .map(|(id, email)| FacetUser { id, email })
                .collect(),
        })
    }

    /// Walks a workspace's chain from its first entry, in pages: every entry's hash must match
    /// its columns and the previous entry's hash. (Entries written before the chain existed,
    /// without a hash, are skipped.)
    pub async fn verify_audit_chain(&self, workspace_id: &str) -> anyhow::Result<ChainReport> {
        let query = format!(
            "SELECT seq, {COLUMNS} FROM audit_log WHERE workspace_id = $1 AND seq > $2 \
             AND hash IS NOT NULL ORDER BY seq LIMIT $3"
        );
        let mut report = ChainReport {
            intact: true,
            entries: 0,
            broken_at: None,
            problem: None,
        };
        let (mut after, mut prev): (i64, Option<String>) = (0, None);
        loop {
            let rows = on_pool!(self, |pool| {
                sqlx::query_as::<_, Row>(&query)
                    .bind(workspace_id)
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(pool)
                    .await
            })
            .context("reading the audit log to verify it")?;
            let done = (rows.len() as i64) < PAGE;
            for row in rows {
                after = row.seq;
                report.entries += 1;
                let problem = if report.entries > 1 && row.prev_hash != prev {
                    Some("it does not follow the entry before it: an entry was removed or moved")
                } else if row.hash.as_deref()
                    != Some(&link(row.prev_hash.as_deref(), &row.columns()))
                {
                    Some("its content does not match its hash: it was changed")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    report.intact = false;
                    report.broken_at = Some(row.id);
                    report.problem = Some(problem.into());
                    return Ok(report);
                }
                prev = row.hash;
            }
            if done {
                return Ok(report);
            }
        }
    }
}
