//! Appending to and reading the audit log. There is no update or delete here, and the database
//! refuses both (triggers in the migrations).

use super::{AuditEntry, NewEntry};
use crate::on_pool;
use crate::records::{new_id, now_ms, Records};
use anyhow::Context;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    timestamp: i64,
    workspace_id: Option<String>,
    user_id: Option<String>,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    metadata: String,
}

fn json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}

impl Records {
    /// Appends an entry and returns it as stored.
    pub async fn audit(&self, entry: NewEntry) -> anyhow::Result<AuditEntry> {
        let stored = AuditEntry {
            id: new_id(),
            timestamp: now_ms(),
            workspace_id: entry.workspace_id,
            user_id: entry.user_id,
            action: entry.action.to_owned(),
            resource_type: entry.resource_type.to_owned(),
            resource_id: entry.resource_id,
            before_state: entry.before_state,
            after_state: entry.after_state,
            metadata: entry.metadata,
        };
        let text = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO audit_log (id, timestamp, workspace_id, user_id, action, resource_type, \
                 resource_id, before_state, after_state, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&stored.id)
            .bind(stored.timestamp)
            .bind(&stored.workspace_id)
            .bind(&stored.user_id)
            .bind(&stored.action)
            .bind(&stored.resource_type)
            .bind(&stored.resource_id)
            .bind(text(&stored.before_state))
            .bind(text(&stored.after_state))
            .bind(stored.metadata.to_string())
            .execute(pool)
            .await
            .map(|_| ())
        })
        .with_context(|| format!("appending {} to the audit log", stored.action))?;
        Ok(stored)
    }

    /// A workspace's newest entries first, at most `limit`.
    pub async fn audit_entries(
        &self,
        workspace_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<AuditEntry>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT id, timestamp, workspace_id, user_id, action, resource_type, resource_id, \
                 before_state, after_state, metadata FROM audit_log WHERE workspace_id = $1 \
                 ORDER BY seq DESC LIMIT $2",
            )
            .bind(workspace_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
        .context("reading the audit log")?;
        Ok(rows
            .into_iter()
            .map(|row| AuditEntry {
                id: row.id,
                timestamp: row.timestamp,
                workspace_id: row.workspace_id,
                user_id: row.user_id,
                action: row.action,
                resource_type: row.resource_type,
                resource_id: row.resource_id,
                before_state: json(row.before_state),
                after_state: json(row.after_state),
                metadata: json(Some(row.metadata)).unwrap_or_default(),
            })
            .collect())
    }
}
