//! Approvals in the records database. A transition is one conditional write (`… WHERE status =
//! 'pending'`), so of two deciders exactly one wins, on any instance; a trigger refuses any change
//! to a decided approval.

use super::{settle, Approval, NewApproval, Risk, Settle, Status};
use crate::analytics::Counts;
use crate::on_pool;
use crate::records::{new_id, now_ms, Records};
use anyhow::Context;

/// How a transition ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Transition {
    /// It happened now.
    Applied(Approval),
    /// It had already happened.
    Already(Approval),
    /// Another ending came first.
    Conflict(Approval),
    /// No such approval in this workspace.
    NotFound,
}

/// An ending to write.
#[derive(Clone, Debug)]
pub struct Ending<'a> {
    /// The status to move to.
    pub status: Status,
    /// Who: a user's email, `agent:<name>`, or `system`.
    pub by: &'a str,
    /// The comment or reason.
    pub comment: Option<&'a str>,
    /// Whether the agent may run the tool.
    pub allowed: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    workspace_id: String,
    agent_id: String,
    agent_name: String,
    tool: String,
    arguments: String,
    reason: String,
    risk: String,
    status: String,
    created_at: i64,
    deadline_at: Option<i64>,
    decided_at: Option<i64>,
    decided_by: Option<String>,
    comment: Option<String>,
    allowed: Option<bool>,
}

impl Row {
    fn approval(self) -> (String, Approval) {
        let risk = match self.risk.as_str() {
            "low" => Risk::Low,
            "medium" => Risk::Medium,
            _ => Risk::High,
        };
        (
            self.workspace_id,
            Approval {
                id: self.id,
                agent_id: self.agent_id,
                agent_name: self.agent_name,
                tool: self.tool,
                arguments: serde_json::from_str(&self.arguments).unwrap_or_default(),
                reason: self.reason,
                risk,
                status: Status::parse(&self.status).unwrap_or(Status::Pending),
                created_at: self.created_at,
                deadline_at: self.deadline_at,
                decided_at: self.decided_at,
                decided_by: self.decided_by,
                comment: self.comment,
                allowed: self.allowed,
            },
        )
    }
}

const SELECT: &str = "SELECT a.id, a.workspace_id, a.agent_id, g.name AS agent_name, a.tool, \
     a.arguments, a.reason, a.risk, a.status, a.created_at, a.deadline_at, a.decided_at, \
     a.decided_by, a.comment, a.allowed FROM approvals a JOIN agents g ON g.id = a.agent_id";

impl Records {
    /// Stores a new pending approval (before anyone is told of it).
    pub async fn create_approval(
        &self,
        workspace_id: &str,
        agent_id: &str,
        new: &NewApproval,
    ) -> anyhow::Result<Approval> {
        let id = new_id();
        let arguments = new.arguments.to_string();
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO approvals (id, workspace_id, agent_id, tool, arguments, reason, risk, \
                 status, created_at, deadline_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)",
            )
            .bind(&id)
            .bind(workspace_id)
            .bind(agent_id)
            .bind(new.tool.trim())
            .bind(&arguments)
            .bind(&new.reason)
            .bind(new.risk.as_str())
            .bind(now_ms())
            .bind(new.deadline)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("storing an approval")?;
        let tool_run = Counts {
            tool_runs: 1,
            ..Counts::default()
        };
        self.count_tool_run(workspace_id, agent_id, &tool_run).await;
        self.approval(workspace_id, &id)
            .await?
            .context("an approval just stored is gone")
    }

    /// Adds a tool run or its decision to the usage rollups (a failure is logged: the approval
    /// stands).
    async fn count_tool_run(&self, workspace_id: &str, agent_id: &str, counts: &Counts) {
        if let Err(err) = self
            .add_usage(workspace_id, agent_id, now_ms(), counts)
            .await
        {
            tracing::warn!("tool run not counted in analytics: {err:#}");
        }
    }

    /// One approval of the workspace.
    pub async fn approval(&self, workspace_id: &str, id: &str) -> anyhow::Result<Option<Approval>> {
        let query = format!("{SELECT} WHERE a.workspace_id = $1 AND a.id = $2");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .context("reading an approval")?;
        Ok(row.map(|row| row.approval().1))
    }

    /// The workspace's approvals, optionally of one status: pending first, then oldest first; at
    /// most `limit`.
    pub async fn approvals(
        &self,
        workspace_id: &str,
        status: Option<Status>,
        limit: i64,
    ) -> anyhow::Result<Vec<Approval>> {
        let query = format!(
            "{SELECT} WHERE a.workspace_id = $1 AND ($2 = '' OR a.status = $2) \
             ORDER BY CASE WHEN a.status = 'pending' THEN 0 ELSE 1 END, a.created_at, a.id LIMIT $3"
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .bind(status.map_or("", Status::as_str))
                .bind(limit)
                .fetch_all(pool)
                .await
        })
        .context("listing approvals")?;
        Ok(rows.into_iter().map(|row| row.approval().1).collect())
    }

    /// Moves a pending approval to `ending`, atomically; repeating an ending that happened is
    /// `Already`, another one `Conflict`.
    pub async fn end_approval(
        &self,
        workspace_id: &str,
        id: &str,
        ending: &Ending<'_>,
    ) -> anyhow::Result<Transition> {
        let written = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE approvals SET status = $1, decided_at = $2, decided_by = $3, comment = $4, allowed = $5 \
                 WHERE workspace_id = $6 AND id = $7 AND status = 'pending'",
            )
            .bind(ending.status.as_str())
            .bind(now_ms())
            .bind(ending.by)
            .bind(ending.comment)
            .bind(ending.allowed)
            .bind(workspace_id)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .context("deciding an approval")?;
        let Some(current) = self.approval(workspace_id, id).await? else {
            return Ok(Transition::NotFound);
        };
        Ok(if written == 1 {
            let decision = Counts {
                approved: i64::from(current.status == Status::Approved),
                rejected: i64::from(current.status == Status::Rejected),
                ..Counts::default()
            };
            if decision != Counts::default() {
                self.count_tool_run(workspace_id, &current.agent_id, &decision)
                    .await;
            }
            Transition::Applied(current)
        } else {
            match settle(current.status, ending.status) {
                Settle::Already | Settle::Apply => Transition::Already(current),
                Settle::Conflict => Transition::Conflict(current),
            }
        })
    }

    /// How many approvals are in each state, over every workspace (for `/metrics`).
    pub async fn approval_counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT status, COUNT(*) FROM approvals GROUP BY status ORDER BY status",
            )
            .fetch_all(pool)
            .await
        })
        .context("counting approvals")
    }

    /// Pending approvals with a deadline, as `(deadline, workspace, id)`.
    pub async fn approval_deadlines(&self) -> anyhow::Result<Vec<(i64, String, String)>> {
        on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String, String)>(
                "SELECT deadline_at, workspace_id, id FROM approvals \
                 WHERE status = 'pending' AND deadline_at IS NOT NULL",
            )
            .fetch_all(pool)
            .await
        })
        .context("reading approval deadlines")
    }
}
