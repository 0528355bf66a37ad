//! Appending to the audit log: each entry signed with the audit key and linked to its chain's
//! previous one, then the chain's head recorded outside the database. Appends to one chain take
//! turns (PostgreSQL: a transaction-scoped advisory lock, which holds across instances; SQLite,
//! one process by design: a lock in the process, held until the head is written). At the first
//! start with a key, each chain written before it is sealed (see [`super::verify`]).

use super::chain::AuditKey;
use super::head::Heads;
use super::store::{Row, COLUMNS};
use super::verify::{Head, Seal, SEAL_ACTION};
use super::{AuditEntry, NewEntry};
use crate::config::Config;
use crate::hot::Hot;
use crate::on_pool;
use crate::records::{Pool, Records};
use anyhow::Context;

/// What signs the audit log: the key and where the chain heads are kept.
#[derive(Clone, Debug)]
pub struct Chain {
    /// The audit key.
    pub key: AuditKey,
    /// The chain heads.
    pub heads: Heads,
}

impl Chain {
    /// The key from the configuration (or its key file) and the heads in Redis when `hot` is
    /// given, else in the folder beside the key file (`audit.key` → `audit.heads/`).
    pub fn open(config: &Config, hot: Option<&Hot>) -> anyhow::Result<Self> {
        let security = &config.security;
        let key = super::key::load(
            security.audit_key.as_deref(),
            &security.audit_key_file,
            config.database_url.is_some(),
        )?;
        let heads = match hot {
            Some(hot) => Heads::Redis(hot.clone()),
            None => Heads::files(&security.audit_key_file.with_extension("heads"))?,
        };
        Ok(Self { key, heads })
    }
}

/// SQLite's appends take turns in the process.
static SQLITE_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The `WHERE` of one chain, its id bound as `$1` (`''` for entries of no workspace).
fn scope(workspace_id: Option<&str>) -> &'static str {
    match workspace_id {
        Some(_) => "workspace_id = $1",
        None => "workspace_id IS NULL AND $1 = ''",
    }
}

impl Records {
    /// Appends an entry, signed and linked to the workspace's previous one, and returns it as
    /// stored.
    pub async fn audit(&self, entry: NewEntry) -> anyhow::Result<AuditEntry> {
        let action = entry.action;
        self.append(Row::new(entry), false)
            .await
            .and_then(|row| row.context("the entry was not appended"))
            .map(Row::entry)
            .with_context(|| format!("appending {action} to the audit log"))
    }

    /// Appends `row` to its chain. With `seal`, only when the chain has entries and its newest
    /// is not signed, and with the seal's record of them as its metadata.
    async fn append(&self, mut row: Row, seal: bool) -> anyhow::Result<Option<Row>> {
        let chain = self.audit_chain()?;
        let id = row.workspace_id.clone().unwrap_or_default();
        let scope = scope(row.workspace_id.as_deref());
        let last = format!(
            "SELECT seq, hash FROM audit_log WHERE {scope} AND hash IS NOT NULL \
             ORDER BY seq DESC LIMIT 1"
        );
        let newest =
            format!("SELECT seq, {COLUMNS} FROM audit_log WHERE {scope} ORDER BY seq DESC LIMIT 1");
        let count = format!("SELECT COUNT(*) FROM audit_log WHERE {scope}");
        let insert =
            "INSERT INTO audit_log (id, timestamp, workspace_id, user_id, agent_id, action, \
             resource_type, resource_id, before_state, after_state, metadata, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq";
        // Evaluates to whether the row was appended.
        macro_rules! append {
            ($executor:expr) => {{
                let last: Option<(i64, String)> = sqlx::query_as(&last)
                    .bind(&id)
                    .fetch_optional(&mut *$executor)
                    .await?;
                let prev = last.as_ref().map(|(_, hash)| hash.clone());
                // When the table ends before the head, its newest entries were removed: link
                // to the head, so that the gap stays visible after this entry too.
                let head = chain.heads.get(&id).await.unwrap_or_else(|err| {
                    tracing::warn!("appending without the audit chain head: {err:#}");
                    None
                });
                let link_to = match (&last, head) {
                    (Some((seq, _)), Some(head)) if head.seq > *seq => Some(head.hash),
                    (None, Some(head)) => Some(head.hash),
                    _ => prev.clone(),
                };
                let go = if seal {
                    let newest: Option<Row> = sqlx::query_as(&newest)
                        .bind(&id)
                        .fetch_optional(&mut *$executor)
                        .await?;
                    let unsigned = newest.is_some_and(|newest| !newest.is_signed(&chain.key));
                    if unsigned {
                        let entries: i64 = sqlx::query_scalar(&count)
                            .bind(&id)
                            .fetch_one(&mut *$executor)
                            .await?;
                        row.metadata = Seal {
                            legacy_entries: entries.unsigned_abs(),
                            legacy_head: prev.clone(),
                        }
                        .metadata();
                    }
                    unsigned
                } else {
                    true
                };
                if go {
                    row.prev_hash = Some(link_to.unwrap_or_else(|| chain.key.genesis(&id)));
                    row.hash = Some(chain.key.link(row.prev_hash.as_deref(), &row.columns()));
                    row.seq = sqlx::query_scalar(insert)
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
                        .fetch_one(&mut *$executor)
                        .await?;
                }
                go
            }};
        }
        let (appended, turn): (anyhow::Result<bool>, _) = match self.pool() {
            Pool::Sqlite(pool) => {
                let turn = SQLITE_TURN.lock().await;
                let appended = async {
                    let mut conn = pool.acquire().await?;
                    Ok::<_, anyhow::Error>(append!(conn))
                }
                .await;
                (appended, Some(turn))
            }
            Pool::Postgres(pool) => {
                let appended = async {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                        .bind(format!("audit:{id}"))
                        .execute(&mut *tx)
                        .await?;
                    let appended = append!(tx);
                    tx.commit().await?;
                    Ok::<_, anyhow::Error>(appended)
                }
                .await;
                (appended, None)
            }
        };
        if !appended.context("appending to the audit log")? {
            return Ok(None);
        }
        // After the commit. A failure leaves the head behind the table, which verifies.
        let head = Head {
            seq: row.seq,
            hash: row.hash.clone().unwrap_or_default(),
        };
        if let Err(err) = chain.heads.advance(&id, &head).await {
            tracing::warn!(entry = %row.id, "the audit entry is stored but its chain head is not: {err:#}");
        }
        drop(turn);
        Ok(Some(row))
    }

    /// At the first start with the audit key: seals each chain written before it (its entries
    /// are plain SHA-256 or have no hash), so that they keep verifying and nothing unsigned can
    /// be added before the seal later. Skipped once the heads' store says it was done; a chain
    /// with a head or a signed entry is never sealed.
    pub async fn seal_legacy_chains(&self) -> anyhow::Result<()> {
        let chain = self.audit_chain()?;
        if chain.heads.sealed().await? {
            return Ok(());
        }
        let ids: Vec<Option<String>> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT DISTINCT workspace_id FROM audit_log")
                .fetch_all(pool)
                .await
        })
        .context("listing the audit log's chains")?;
        let mut sealed = 0;
        for workspace_id in ids {
            let id = workspace_id.clone().unwrap_or_default();
            if chain.heads.get(&id).await?.is_some()
                || self.has_signed_entry(workspace_id.as_deref()).await?
            {
                continue;
            }
            let seal = Row::new(NewEntry {
                workspace_id,
                action: SEAL_ACTION,
                resource_type: "audit_log",
                ..Default::default()
            });
            if self.append(seal, true).await?.is_some() {
                sealed += 1;
            }
        }
        chain.heads.mark_sealed().await?;
        if sealed > 0 {
            tracing::info!(
                chains = sealed,
                "sealed the audit log written before the audit key: those entries keep verifying, and everything after is signed"
            );
        }
        Ok(())
    }

    /// Whether any entry of the chain is signed with the audit key (read oldest first, up to
    /// the first signed one).
    async fn has_signed_entry(&self, workspace_id: Option<&str>) -> anyhow::Result<bool> {
        let chain = self.audit_chain()?;
        let query = format!(
            "SELECT seq, {COLUMNS} FROM audit_log WHERE {} AND seq > $2 ORDER BY seq LIMIT 1000",
            scope(workspace_id)
        );
        let id = workspace_id.unwrap_or_default();
        let mut after = 0;
        loop {
            let rows: Vec<Row> = on_pool!(self, |pool| {
                sqlx::query_as(&query)
                    .bind(id)
                    .bind(after)
                    .fetch_all(pool)
                    .await
            })
            .context("reading the audit log to seal it")?;
            if rows.iter().any(|row| row.is_signed(&chain.key)) {
                return Ok(true);
            }
            match rows.last() {
                Some(row) if rows.len() == 1000 => after = row.seq,
                _ => return Ok(false),
            }
        }
    }
}
