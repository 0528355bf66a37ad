//! Reading the audit log, and verifying a chain against its head. There is no update or delete
//! here, and the database refuses both (triggers in the migrations); appending is in
//! [`super::append`].

use super::chain::{AuditKey, Columns};
use super::query::{Bind, Criteria, Cursor};
use super::verify::{Link, Walk};
use super::{AuditEntry, AuditFacets, AuditPage, ChainReport, FacetUser, NewEntry};
use crate::on_pool;
use crate::records::{new_id, now_ms, Records};
use anyhow::Context;

/// An entry as stored.
#[derive(sqlx::FromRow)]
pub(super) struct Row {
    /// Only read when verifying.
    #[sqlx(default)]
    pub(super) seq: i64,
    pub(super) id: String,
    pub(super) timestamp: i64,
    pub(super) workspace_id: Option<String>,
    pub(super) user_id: Option<String>,
    pub(super) agent_id: Option<String>,
    pub(super) action: String,
    pub(super) resource_type: String,
    pub(super) resource_id: Option<String>,
    pub(super) before_state: Option<String>,
    pub(super) after_state: Option<String>,
    pub(super) metadata: String,
    pub(super) prev_hash: Option<String>,
    pub(super) hash: Option<String>,
    /// Only read by the filtered queries.
    #[sqlx(default)]
    pub(super) user_email: Option<String>,
}

impl Row {
    /// A new entry's row, not linked yet.
    pub(super) fn new(entry: NewEntry) -> Self {
        let text = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
        Self {
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
        }
    }

    /// Whether its hash is its link signed with `key`.
    pub(super) fn is_signed(&self, key: &AuditKey) -> bool {
        self.hash.as_deref()
            == Some(
                key.link(self.prev_hash.as_deref(), &self.columns())
                    .as_str(),
            )
    }

    fn link(&self) -> Link<'_> {
        Link {
            seq: self.seq,
            prev_hash: self.prev_hash.as_deref(),
            hash: self.hash.as_deref(),
            columns: self.columns(),
        }
    }

    pub(super) fn columns(&self) -> Columns<'_> {
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

    pub(super) fn entry(self) -> AuditEntry {
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

/// Every stored column but `seq`.
pub(super) const COLUMNS: &str =
    "id, timestamp, workspace_id, user_id, agent_id, action, resource_type, \
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

/// Entries read at a time when verifying.
const PAGE: i64 = 5_000;

fn json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}

impl Records {
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

    /// Walks a workspace's chain from its first entry, in pages, and compares its end with the
    /// head kept outside the database (see [`super::verify`]).
    pub async fn verify_audit_chain(&self, workspace_id: &str) -> anyhow::Result<ChainReport> {
        let chain = self.audit_chain()?;
        let head = chain.heads.get(workspace_id).await?;
        let query = format!(
            "SELECT seq, {COLUMNS} FROM audit_log WHERE workspace_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3"
        );
        let mut walk = Walk::new(&chain.key, workspace_id, head);
        let mut after = 0;
        let outcome = 'pages: loop {
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
            for row in &rows {
                after = row.seq;
                if let Err(broken) = walk.push(&row.link()) {
                    break 'pages Err((broken, walk.entries()));
                }
            }
            if done {
                let entries = walk.entries();
                break walk.finish().map_err(|broken| (broken, entries));
            }
        };
        Ok(match outcome {
            Ok(entries) => ChainReport {
                intact: true,
                entries,
                broken_at: None,
                problem: None,
                kind: None,
            },
            Err((broken, entries)) => ChainReport {
                intact: false,
                entries,
                broken_at: broken.at,
                problem: Some(broken.problem),
                kind: Some(broken.kind),
            },
        })
    }
}
