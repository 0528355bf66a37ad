//! Policies and gated calls in the records database. A save inserts revision `base + 1`, so of
//! two operators editing the same revision exactly one wins (the primary key), on any instance.

use super::decide::Hints;
use super::{Effect, GatedCall, Policy, PolicyRevision};
use crate::on_pool;
use crate::records::{new_id, now_ms, Records};
use anyhow::Context;
use serde_json::Value;

/// Calls kept per workspace (the dry run reads the newest 100).
pub const KEPT_CALLS: i64 = 1_000;

/// How a save went.
#[derive(Debug)]
pub enum Saved {
    /// Stored as the new revision.
    New(PolicyRevision),
    /// The edit started from an older revision than the one in force (which is this).
    Stale(PolicyRevision),
}

/// A gated call to record.
#[derive(Debug)]
pub struct NewCall<'a> {
    /// The agent.
    pub agent_id: &'a str,
    /// The upstream server's name.
    pub server: &'a str,
    /// The tool.
    pub tool: &'a str,
    /// Its arguments.
    pub arguments: &'a Value,
    /// What its server says of it.
    pub hints: Hints,
    /// What it got.
    pub effect: Effect,
    /// Which rule decided.
    pub rule: Option<usize>,
    /// Of which revision.
    pub revision: i64,
}

/// A recorded call with what the dry run needs to decide it again.
#[derive(Debug)]
pub struct RecordedCall {
    /// The call.
    pub call: GatedCall,
    /// Its arguments.
    pub arguments: Value,
    /// What its server said of it.
    pub hints: Hints,
}

fn hints_json(hints: Hints) -> String {
    serde_json::json!({ "readOnly": hints.read_only, "destructive": hints.destructive }).to_string()
}

fn hints_of(text: &str) -> Hints {
    let value: Value = serde_json::from_str(text).unwrap_or_default();
    Hints {
        read_only: value["readOnly"].as_bool(),
        destructive: value["destructive"].as_bool(),
    }
}

type CallRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
    i64,
);

impl Records {
    /// The workspace's policy in force: the newest revision, or revision 0 (ask for everything).
    pub async fn policy(&self, workspace_id: &str) -> anyhow::Result<PolicyRevision> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String, String, i64)>(
                "SELECT revision, policy, created_by, created_at FROM policy_revisions \
                 WHERE workspace_id = $1 ORDER BY revision DESC LIMIT 1",
            )
            .bind(workspace_id)
            .fetch_optional(pool)
            .await
        })
        .context("reading the policy")?;
        Ok(match row {
            Some((revision, policy, created_by, created_at)) => PolicyRevision {
                revision,
                policy: serde_json::from_str(&policy).context("a stored policy is not one")?,
                created_by,
                created_at,
            },
            None => PolicyRevision {
                revision: 0,
                policy: Policy::default(),
                created_by: "system".into(),
                created_at: 0,
            },
        })
    }

    /// Saves `policy` as the revision after `base`, unless another save came first.
    pub async fn save_policy(
        &self,
        workspace_id: &str,
        base: i64,
        policy: &Policy,
        by: &str,
    ) -> anyhow::Result<Saved> {
        let current = self.policy(workspace_id).await?;
        if current.revision != base {
            return Ok(Saved::Stale(current));
        }
        let text = serde_json::to_string(policy)?;
        let now = now_ms();
        let inserted = on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO policy_revisions (workspace_id, revision, policy, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(workspace_id)
            .bind(base + 1)
            .bind(&text)
            .bind(by)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .context("saving the policy")?;
        if inserted == 0 {
            return Ok(Saved::Stale(self.policy(workspace_id).await?));
        }
        Ok(Saved::New(PolicyRevision {
            revision: base + 1,
            policy: policy.clone(),
            created_by: by.to_owned(),
            created_at: now,
        }))
    }

    /// Records a call through the gateway, keeping the newest [`KEPT_CALLS`] of the workspace.
    pub async fn record_call(&self, workspace_id: &str, call: &NewCall<'_>) -> anyhow::Result<()> {
        let id = new_id();
        let now = now_ms();
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO gated_calls (id, workspace_id, agent_id, server, tool, arguments, hints, \
                 effect, rule_index, revision, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&id)
            .bind(workspace_id)
            .bind(call.agent_id)
            .bind(call.server)
            .bind(call.tool)
            .bind(call.arguments.to_string())
            .bind(hints_json(call.hints))
            .bind(call.effect.as_str())
            .bind(call.rule.map(|index| index as i64))
            .bind(call.revision)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("recording a gated call")?;
        // Now and then, not on every call: the pruning reads the workspace's calls.
        if id.ends_with(['0', '8']) {
            on_pool!(self, |pool| {
                sqlx::query(
                    "DELETE FROM gated_calls WHERE workspace_id = $1 AND created_at < \
                     (SELECT created_at FROM gated_calls WHERE workspace_id = $1 \
                      ORDER BY created_at DESC LIMIT 1 OFFSET $2)",
                )
                .bind(workspace_id)
                .bind(KEPT_CALLS)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .context("pruning gated calls")?;
        }
        Ok(())
    }

    /// The workspace's newest calls through the gateway, newest first.
    pub async fn recent_calls(
        &self,
        workspace_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<RecordedCall>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, CallRow>(
                "SELECT id, agent_id, server, tool, arguments, hints, effect, rule_index, revision, \
                 created_at FROM gated_calls WHERE workspace_id = $1 \
                 ORDER BY created_at DESC, id LIMIT $2",
            )
            .bind(workspace_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
        .context("reading gated calls")?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    agent_id,
                    server,
                    tool,
                    arguments,
                    hints,
                    effect,
                    rule,
                    revision,
                    created_at,
                )| {
                    RecordedCall {
                        call: GatedCall {
                            id,
                            agent_id,
                            server,
                            tool,
                            effect: Effect::parse(&effect).unwrap_or_default(),
                            rule: rule.and_then(|index| usize::try_from(index).ok()),
                            revision,
                            created_at,
                        },
                        arguments: serde_json::from_str(&arguments).unwrap_or_default(),
                        hints: hints_of(&hints),
                    }
                },
            )
            .collect())
    }
}
