//! MCP server configurations in the records database.

use super::{McpServer, NewMcpServer, Transport};
use crate::on_pool;
use crate::records::{new_id, now_ms, Records};
use anyhow::Context;

/// How a stored operator transport begins (serde writes the tag first), for counting them.
const OPERATOR_PREFIX: &str = r#"{"kind":"operator","#;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    workspace_id: String,
    name: String,
    transport: String,
}

impl Row {
    /// The server and its workspace; `None` (logged) for a transport this version cannot read.
    fn server(self) -> Option<(String, McpServer)> {
        let transport: Transport = match serde_json::from_str(&self.transport) {
            Ok(transport) => transport,
            Err(err) => {
                tracing::warn!(server = %self.name, "MCP server skipped, unreadable transport: {err}");
                return None;
            }
        };
        Some((
            self.workspace_id,
            McpServer {
                id: self.id,
                name: self.name,
                transport,
            },
        ))
    }
}

impl Records {
    /// Adds a server to the workspace; `None` when the name is taken there.
    pub async fn add_mcp_server(
        &self,
        workspace_id: &str,
        new: &NewMcpServer,
    ) -> anyhow::Result<Option<McpServer>> {
        let server = McpServer {
            id: new_id(),
            name: new.name.trim().to_owned(),
            transport: new.transport.clone(),
        };
        let transport = serde_json::to_string(&server.transport)?;
        let written = on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO mcp_servers (id, workspace_id, name, transport, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, name) DO NOTHING",
            )
            .bind(&server.id)
            .bind(workspace_id)
            .bind(&server.name)
            .bind(&transport)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .context("adding an MCP server")?;
        Ok((written == 1).then_some(server))
    }

    /// The workspace's servers, by name.
    pub async fn mcp_servers(&self, workspace_id: &str) -> anyhow::Result<Vec<McpServer>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT id, workspace_id, name, transport FROM mcp_servers \
                 WHERE workspace_id = $1 ORDER BY name",
            )
            .bind(workspace_id)
            .fetch_all(pool)
            .await
        })
        .context("listing the workspace's MCP servers")?;
        Ok(rows
            .into_iter()
            .filter_map(Row::server)
            .map(|(_, server)| server)
            .collect())
    }

    /// How many servers the workspace has (held to `FLIGHTDECK_MAX_MCP_SERVERS`).
    pub async fn count_mcp_servers(&self, workspace_id: &str) -> anyhow::Result<usize> {
        let count: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM mcp_servers WHERE workspace_id = $1")
                .bind(workspace_id)
                .fetch_one(pool)
                .await
        })
        .context("counting the workspace's MCP servers")?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    /// The operator's programs enabled, in every workspace (each one a process per instance).
    pub async fn count_operator_programs(&self) -> anyhow::Result<usize> {
        let count: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM mcp_servers WHERE transport LIKE $1")
                .bind(format!("{OPERATOR_PREFIX}%"))
                .fetch_one(pool)
                .await
        })
        .context("counting the operator's programs enabled")?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    /// Every configured server with its workspace (what the manager connects at start).
    pub async fn all_mcp_servers(&self) -> anyhow::Result<Vec<(String, McpServer)>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT id, workspace_id, name, transport FROM mcp_servers ORDER BY name",
            )
            .fetch_all(pool)
            .await
        })
        .context("listing MCP servers")?;
        Ok(rows.into_iter().filter_map(Row::server).collect())
    }

    /// Removes a server of the workspace; whether there was one.
    pub async fn delete_mcp_server(&self, workspace_id: &str, id: &str) -> anyhow::Result<bool> {
        let deleted = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM mcp_servers WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id)
                .bind(id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .context("removing an MCP server")?;
        Ok(deleted == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_transport_is_stored_with_the_prefix_counted() {
        let stored = serde_json::to_string(&Transport::Operator {
            server: "files".into(),
        })
        .unwrap();
        assert!(stored.starts_with(OPERATOR_PREFIX), "{stored}");
        let http = serde_json::to_string(&Transport::Http {
            url: r#"https://x.example/{"kind":"operator","#.into(),
        })
        .unwrap();
        assert!(!http.starts_with(OPERATOR_PREFIX), "{http}");
    }
}
