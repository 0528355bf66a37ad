//! Approvals in the records database. A transition is one conditional write (`… WHERE status =
//! 'pending'`), so of two deciders exactly one wins, on any instance; a trigger refuses any change
//! to a decided approval.

use super::{settle, Approval, Gate, NewApproval, Risk, RunStatus, Settle, Status, ToolRun};
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
    /// On approve: the arguments an operator edited, to run instead of the agent's.
    pub arguments: Option<&'a serde_json::Value>,
}

/// SHA-256 (hex) of `arguments` in RFC 8785 canonical JSON.
pub fn arguments_sha256(arguments: &serde_json::Value) -> String {
    let canonical =
        serde_json_canonicalizer::to_string(arguments).unwrap_or_else(|_| arguments.to_string());
    crate::records::digest(&canonical)
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
    arguments_sha256: Option<String>,
    gate: Option<String>,
    run_status: Option<String>,
    run_progress: Option<i64>,
    run_message: Option<String>,
    run_result: Option<String>,
    run_updated_at: Option<i64>,
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
                arguments_sha256: self.arguments_sha256,
                gate: self
                    .gate
                    .and_then(|text| serde_json::from_str::<Gate>(&text).ok()),
                run: match (
                    self.run_status.as_deref().and_then(RunStatus::parse),
                    self.run_updated_at,
                ) {
                    (Some(status), Some(updated_at)) => Some(ToolRun {
                        status,
                        progress: self.run_progress.and_then(|p| u8::try_from(p).ok()),
                        message: self.run_message,
                        result: self.run_result,
                        updated_at,
                    }),
                    _ => None,
                },
            },
        )
    }
}

const SELECT: &str = "SELECT a.id, a.workspace_id, a.agent_id, g.name AS agent_name, a.tool, \
     a.arguments, a.reason, a.risk, a.status, a.created_at, a.deadline_at, a.decided_at, \
     a.decided_by, a.comment, a.allowed, a.arguments_sha256, a.gate, r.status AS run_status, \
     r.progress AS run_progress, r.message AS run_message, r.result AS run_result, \
     r.updated_at AS run_updated_at \
     FROM approvals a JOIN agents g ON g.id = a.agent_id LEFT JOIN tool_runs r ON r.approval_id = a.id";

impl Records {
    /// Stores a new pending approval (before anyone is told of it).
    pub async fn create_approval(
        &self,
        workspace_id: &str,
        agent_id: &str,
        new: &NewApproval,
        gate: Option<&Gate>,
    ) -> anyhow::Result<Approval> {
        let id = new_id();
        let arguments = new.arguments.to_string();
        let hash = arguments_sha256(&new.arguments);
        let gate = gate.map(serde_json::to_string).transpose()?;
        // Read back in the inserting transaction: the answer is the approval as stored, even if
        // an operator decides it the moment it is committed.
        let query = format!("{SELECT} WHERE a.workspace_id = $1 AND a.id = $2");
        let row = on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO approvals (id, workspace_id, agent_id, tool, arguments, reason, risk, \
                 status, created_at, deadline_at, arguments_sha256, gate) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11)",
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
            .bind(&hash)
            .bind(&gate)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query_as::<_, Row>(&query)
                .bind(workspace_id)
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await.map(|()| row)
        }
        .await)
        .context("storing an approval")?;
        let tool_run = Counts {
            tool_runs: 1,
            ..Counts::default()
        };
        self.count_tool_run(workspace_id, agent_id, &tool_run).await;
        Ok(row.approval().1)
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
        // An edit keeps the agent's arguments in the gate's record and replaces them, in the
        // same conditional write as the decision.
        let edit = match ending.arguments {
            Some(edited) => {
                let Some(before) = self.approval(workspace_id, id).await? else {
                    return Ok(Transition::NotFound);
                };
                let mut gate = before.gate.unwrap_or(Gate {
                    server: String::new(),
                    tool: before.tool.clone(),
                    rule: String::new(),
                    revision: 0,
                    original_arguments: None,
                });
                gate.original_arguments.get_or_insert(before.arguments);
                Some((
                    edited.to_string(),
                    arguments_sha256(edited),
                    serde_json::to_string(&gate)?,
                ))
            }
            None => None,
        };
        let (arguments, hash, gate) = match edit {
            Some((arguments, hash, gate)) => (Some(arguments), Some(hash), Some(gate)),
            None => (None, None, None),
        };
        let written = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE approvals SET status = $1, decided_at = $2, decided_by = $3, comment = $4, allowed = $5, \
                 arguments = COALESCE($8, arguments), arguments_sha256 = COALESCE($9, arguments_sha256), \
                 gate = COALESCE($10, gate) \
                 WHERE workspace_id = $6 AND id = $7 AND status = 'pending'",
            )
            .bind(ending.status.as_str())
            .bind(now_ms())
            .bind(ending.by)
            .bind(ending.comment)
            .bind(ending.allowed)
            .bind(workspace_id)
            .bind(id)
            .bind(&arguments)
            .bind(&hash)
            .bind(&gate)
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

    /// Records an approved run's progress or outcome: `false` when it had finished already (a
    /// finished run does not change again).
    pub async fn report_run(
        &self,
        workspace_id: &str,
        id: &str,
        report: &super::RunReport,
    ) -> anyhow::Result<bool> {
        let written = on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO tool_runs (approval_id, workspace_id, status, progress, message, result, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (approval_id) DO UPDATE SET status = excluded.status, \
                 progress = COALESCE(excluded.progress, tool_runs.progress), \
                 message = COALESCE(excluded.message, tool_runs.message), \
                 result = COALESCE(excluded.result, tool_runs.result), updated_at = excluded.updated_at \
                 WHERE tool_runs.status = 'running'",
            )
            .bind(id)
            .bind(workspace_id)
            .bind(report.status.as_str())
            .bind(report.progress.map(i64::from))
            .bind(&report.message)
            .bind(&report.result)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .context("recording a tool run")?;
        Ok(written == 1)
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
