//! What happens around a transition: it is persisted, audited, then announced — to the agent
//! waiting on it (its approval topic and its event stream) and to the operators' live queues
//! (`tool_run_status`), on every instance through the hub.

use super::store::{Ending, Transition};
use super::{AgentEvent, Approval, Status};
use crate::audit::NewEntry;
use crate::settings::ExpiryOutcome;
use crate::state::AppState;
use crate::sync::{live, Topic};
use serde_json::json;

/// How far a waiter of one approval may fall behind (its topic carries the decision and the
/// run's progress; a waiter that lags reads the approval again).
pub const APPROVAL_QUEUE: usize = 16;

/// The hub topic a waiter of one approval listens on.
pub fn approval_topic(id: &str) -> String {
    format!("approval:{id}")
}

/// The hub topic of an agent's event stream.
pub fn agent_topic(agent_id: &str) -> String {
    format!("agent:{agent_id}")
}

/// The hub topic every instance's deadline timer listens on for new deadlines.
pub const DEADLINES_TOPIC: &str = "approval-deadlines";

/// What follows an approval just stored: its audit entry (with the gateway's gate and the
/// arguments' hash when there are), its deadline armed, and its announcement.
pub async fn requested(
    state: &AppState,
    workspace_id: &str,
    agent_id: &str,
    approval: &Approval,
) -> anyhow::Result<()> {
    let mut metadata =
        json!({ "reason": approval.reason, "argumentsSha256": approval.arguments_sha256 });
    if let Some(gate) = &approval.gate {
        metadata["via"] = json!("mcp");
        metadata["gate"] = json!(gate);
    }
    state
        .records
        .audit(NewEntry {
            workspace_id: Some(workspace_id.to_owned()),
            agent_id: Some(agent_id.to_owned()),
            action: "approval.request",
            resource_type: "approval",
            resource_id: Some(approval.id.clone()),
            after_state: Some(json!({ "status": "pending", "tool": approval.tool, "risk": approval.risk, "deadlineAt": approval.deadline_at })),
            metadata,
            ..NewEntry::default()
        })
        .await?;
    if let Some(at) = approval.deadline_at {
        super::deadlines::schedule(state, at, workspace_id, &approval.id).await;
    }
    announce(state, workspace_id, approval).await;
    Ok(())
}

/// Tells everyone concerned about an approval as it is now. Already persisted: a failed
/// announcement is logged (waiters still get it from `GET /api/v1/approvals/{id}`).
pub async fn announce(state: &AppState, workspace_id: &str, approval: &Approval) {
    let result = async {
        // The operators' queues first, then the waiters: a waiter that runs the tool at once
        // publishes its run on the same topic, after the decision.
        let event = if approval.status.is_terminal() {
            "decided"
        } else {
            "requested"
        };
        live::publish(
            &state.hub,
            workspace_id,
            Topic::ToolRunStatus,
            &json!({ "event": event, "approval": approval }),
        )
        .await?;
        let text = serde_json::to_string(approval)?;
        state
            .hub
            .publish(&approval_topic(&approval.id), text)
            .await?;
        if approval.status.is_terminal() {
            let event = AgentEvent {
                kind: format!("approval:{}", approval.status.as_str()),
                approval_id: approval.id.clone(),
                reason: approval.comment.clone(),
                approval: approval.clone(),
            };
            state
                .hub
                .publish(
                    &agent_topic(&approval.agent_id),
                    serde_json::to_string(&event)?,
                )
                .await?;
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(err) = result {
        tracing::error!(approval = %approval.id, "approval not announced: {err:#}");
    }
}

/// The audit metadata of a decision: the tool and agent, and for an edit the new arguments'
/// hash and the RFC 6902 diff from the agent's arguments.
fn edit_record(approval: &Approval, edited: bool) -> serde_json::Value {
    let mut metadata = json!({
        "tool": approval.tool,
        "agentId": approval.agent_id,
        "argumentsSha256": approval.arguments_sha256,
    });
    let original = approval
        .gate
        .as_ref()
        .and_then(|gate| gate.original_arguments.as_ref());
    if let (true, Some(original)) = (edited, original) {
        metadata["edited"] = json!(true);
        metadata["diff"] = json!(json_patch::diff(original, &approval.arguments));
    }
    metadata
}

/// Tells the operators' live queues and the approval's waiters that its run moved on.
pub async fn announce_run(state: &AppState, workspace_id: &str, approval: &Approval) {
    let result = async {
        state
            .hub
            .publish(
                &approval_topic(&approval.id),
                serde_json::to_string(approval)?,
            )
            .await?;
        live::publish(
            &state.hub,
            workspace_id,
            Topic::ToolRunStatus,
            &json!({ "event": "run", "approval": approval }),
        )
        .await
    }
    .await;
    if let Err(err) = result {
        tracing::error!(approval = %approval.id, "tool run not announced: {err:#}");
    }
}

/// Records a run's progress or outcome, audits an outcome, and announces it: `None` when the
/// approval is not there, `Some(false)` when its run had finished already.
pub async fn report_run(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    report: &super::RunReport,
    agent_id: Option<&str>,
) -> anyhow::Result<Option<(bool, Approval)>> {
    let written = state.records.report_run(workspace_id, id, report).await?;
    let Some(approval) = state.records.approval(workspace_id, id).await? else {
        return Ok(None);
    };
    if written {
        if report.status != super::RunStatus::Running {
            state
                .records
                .audit(NewEntry {
                    workspace_id: Some(workspace_id.to_owned()),
                    agent_id: agent_id.map(str::to_owned),
                    action: "tool_run.finish",
                    resource_type: "approval",
                    resource_id: Some(id.to_owned()),
                    after_state: Some(json!({ "status": report.status, "message": report.message, "result": report.result })),
                    metadata: json!({ "tool": approval.tool, "agentId": approval.agent_id }),
                    ..NewEntry::default()
                })
                .await?;
        }
        announce_run(state, workspace_id, &approval).await;
    }
    Ok(Some((written, approval)))
}

/// Who ends an approval, for the record.
pub struct Actor {
    /// The audit entry's user, when a person acted.
    pub user_id: Option<String>,
    /// The audit entry's agent, when an agent acted.
    pub agent_id: Option<String>,
    /// How the approval names them: an email, `agent:<name>`, `system`.
    pub name: String,
}

/// Ends an approval (persisted atomically), and when it happened now audits and announces it.
pub async fn end(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    status: Status,
    actor: &Actor,
    comment: Option<&str>,
) -> anyhow::Result<Transition> {
    end_edited(state, workspace_id, id, status, actor, comment, None).await
}

/// [`end`], approving with arguments an operator edited (already checked): they replace the
/// agent's in the same write, and the audit entry holds their hash and the diff.
pub async fn end_edited(
    state: &AppState,
    workspace_id: &str,
    id: &str,
    status: Status,
    actor: &Actor,
    comment: Option<&str>,
    edited: Option<&serde_json::Value>,
) -> anyhow::Result<Transition> {
    let allowed = match status {
        Status::Approved => true,
        Status::Expired => {
            let settings = state.records.workspace_settings(workspace_id).await?;
            settings.approvals.on_expiry == ExpiryOutcome::Allow
        }
        _ => false,
    };
    let ending = Ending {
        status,
        by: &actor.name,
        comment,
        allowed,
        arguments: edited.filter(|_| status == Status::Approved),
    };
    let transition = state
        .records
        .end_approval(workspace_id, id, &ending)
        .await?;
    if let Transition::Applied(approval) = &transition {
        let action = match status {
            Status::Approved => "approval.approve",
            Status::Rejected => "approval.reject",
            Status::Cancelled => "approval.cancel",
            Status::Expired => "approval.expire",
            Status::Pending => "approval.request",
        };
        state
            .records
            .audit(NewEntry {
                workspace_id: Some(workspace_id.to_owned()),
                user_id: actor.user_id.clone(),
                agent_id: actor.agent_id.clone(),
                action,
                resource_type: "approval",
                resource_id: Some(approval.id.clone()),
                before_state: Some(json!({ "status": "pending" })),
                after_state: Some(
                    json!({ "status": status, "comment": comment, "allowed": allowed }),
                ),
                metadata: edit_record(approval, ending.arguments.is_some()),
            })
            .await?;
        announce(state, workspace_id, approval).await;
    }
    Ok(transition)
}
