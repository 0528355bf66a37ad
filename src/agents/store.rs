//! Agents in the records database. Tokens are random (two v4 UUIDs, 244 bits) and stored as
//! SHA-256 digests: high-entropy secrets need no slow hash, and a digest can be looked up.

use super::{Agent, NewAgent};
use crate::on_pool;
use crate::records::{digest, new_id, new_secret, now_ms, Records};
use anyhow::Context;

/// Why an agent could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The name is taken in the workspace.
    #[error("an agent with this name is already registered in this workspace")]
    NameTaken,
    /// The workspace has as many agents as it may.
    #[error("this workspace already has {0} agents (revoked ones included), the most FLIGHTDECK_MAX_AGENTS allows")]
    TooMany(usize),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// What a token opens.
#[derive(Clone, Debug)]
pub enum TokenCheck {
    /// A live token of this agent, in this workspace.
    Valid {
        /// The agent.
        agent: Agent,
        /// Its workspace.
        workspace_id: String,
    },
    /// A token that was revoked.
    Revoked,
    /// No such token.
    Unknown,
}

/// An agent's bearer token: `fd_` and a new secret.
fn new_token() -> String {
    format!("fd_{}", new_secret())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    workspace_id: String,
    name: String,
    role: String,
    health_url: Option<String>,
    health_timeout_ms: Option<i64>,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl Row {
    fn agent(self) -> Agent {
        Agent {
            id: self.id,
            name: self.name,
            role: self.role,
            health_url: self.health_url,
            health_timeout_ms: self.health_timeout_ms.and_then(|ms| u32::try_from(ms).ok()),
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        }
    }
}

const COLUMNS: &str =
    "id, workspace_id, name, role, health_url, health_timeout_ms, created_at, revoked_at";

impl Records {
    /// Registers an agent unless the workspace already has `max` (counted in the same
    /// statement as the insert); returns it with its token (shown once).
    pub async fn register_agent(
        &self,
        workspace_id: &str,
        new: &NewAgent,
        max: usize,
    ) -> Result<(Agent, String), RegisterError> {
        let token = new_token();
        let agent = Agent {
            id: new_id(),
            name: new.name.trim().to_owned(),
            role: new.role.trim().to_owned(),
            health_url: new.health_url.clone(),
            health_timeout_ms: new.health_timeout_ms,
            created_at: now_ms(),
            revoked_at: None,
        };
        let written = on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO agents (id, workspace_id, name, role, health_url, health_timeout_ms, token_digest, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                 WHERE (SELECT COUNT(*) FROM agents WHERE workspace_id = $2) < $9 \
                 ON CONFLICT (workspace_id, name) DO NOTHING",
            )
            .bind(&agent.id)
            .bind(workspace_id)
            .bind(&agent.name)
            .bind(&agent.role)
            .bind(&agent.health_url)
            .bind(agent.health_timeout_ms.map(i64::from))
            .bind(digest(&token))
            .bind(agent.created_at)
            .bind(i64::try_from(max).unwrap_or(i64::MAX))
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .context("registering an agent")?;
        if written == 0 {
            let taken = self.agent_named(workspace_id, &agent.name).await?.is_some();
            return Err(if taken {
                RegisterError::NameTaken
            } else {
                RegisterError::TooMany(max)
            });
        }
        Ok((agent, token))
    }

    /// A workspace's agents, by name.
    pub async fn agents(&self, workspace_id: &str) -> anyhow::Result<Vec<Agent>> {
        let query = format!("SELECT {COLUMNS} FROM agents WHERE workspace_id = $1 ORDER BY name");
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .fetch_all(pool)
                .await
        })
        .context("listing agents")?;
        Ok(rows.into_iter().map(Row::agent).collect())
    }

    /// One agent of the workspace.
    pub async fn agent(&self, workspace_id: &str, id: &str) -> anyhow::Result<Option<Agent>> {
        self.agent_by(workspace_id, "id", id).await
    }

    /// The agent of the workspace with this name.
    async fn agent_named(&self, workspace_id: &str, name: &str) -> anyhow::Result<Option<Agent>> {
        self.agent_by(workspace_id, "name", name).await
    }

    /// The agent of the workspace whose `column` (`id` or `name`, both unique there) is `value`.
    async fn agent_by(
        &self,
        workspace_id: &str,
        column: &'static str,
        value: &str,
    ) -> anyhow::Result<Option<Agent>> {
        let query =
            format!("SELECT {COLUMNS} FROM agents WHERE workspace_id = $1 AND {column} = $2");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .bind(value)
                .fetch_optional(pool)
                .await
        })
        .with_context(|| format!("reading an agent by {column}"))?;
        Ok(row.map(Row::agent))
    }

    /// Revokes an agent's token (again is a no-op); the agent as it is now, if it exists.
    pub async fn revoke_agent_token(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> anyhow::Result<Option<Agent>> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE agents SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 AND revoked_at IS NULL",
            )
            .bind(now_ms())
            .bind(workspace_id)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("revoking an agent's token")?;
        self.agent(workspace_id, id).await
    }

    /// Every agent with a health URL and a live token, in every workspace: what the health
    /// mesh checks.
    pub async fn health_targets(&self) -> anyhow::Result<Vec<(String, Agent)>> {
        let query = format!(
            "SELECT {COLUMNS} FROM agents WHERE health_url IS NOT NULL AND revoked_at IS NULL"
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query).fetch_all(pool).await
        })
        .context("listing agents to check")?;
        Ok(rows
            .into_iter()
            .map(|row| (row.workspace_id.clone(), row.agent()))
            .collect())
    }

    /// Gives the agent named `name` a new token (the old one stops working), registering it
    /// when there is none: how the demo fleet gets its tokens at every start.
    pub async fn issue_agent_token(
        &self,
        workspace_id: &str,
        new: &NewAgent,
    ) -> anyhow::Result<(Agent, String)> {
        // The operator's own fleet (the demo) is not held to FLIGHTDECK_MAX_AGENTS.
        match self.register_agent(workspace_id, new, usize::MAX).await {
            Ok(registered) => return Ok(registered),
            Err(RegisterError::NameTaken) => {}
            Err(RegisterError::TooMany(_)) => anyhow::bail!("no room for agent {}", new.name),
            Err(RegisterError::Store(err)) => return Err(err),
        }
        let token = new_token();
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE agents SET token_digest = $1, revoked_at = NULL, health_url = $2, health_timeout_ms = $3 \
                 WHERE workspace_id = $4 AND name = $5",
            )
            .bind(digest(&token))
            .bind(&new.health_url)
            .bind(new.health_timeout_ms.map(i64::from))
            .bind(workspace_id)
            .bind(new.name.trim())
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("issuing an agent token")?;
        let agent = self
            .agent_named(workspace_id, new.name.trim())
            .await?
            .context("the re-issued agent is gone")?;
        Ok((agent, token))
    }

    /// What a bearer token opens.
    pub async fn check_agent_token(&self, token: &str) -> anyhow::Result<TokenCheck> {
        let query = format!("SELECT {COLUMNS} FROM agents WHERE token_digest = $1");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(digest(token))
                .fetch_optional(pool)
                .await
        })
        .context("checking an agent token")?;
        Ok(match row {
            None => TokenCheck::Unknown,
            Some(row) if row.revoked_at.is_some() => TokenCheck::Revoked,
            Some(row) => {
                let workspace_id = row.workspace_id.clone();
                TokenCheck::Valid {
                    agent: row.agent(),
                    workspace_id,
                }
            }
        })
    }
}
