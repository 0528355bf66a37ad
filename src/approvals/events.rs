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

/// Tells everyone concerned about an approval as it is now. Already persisted: a failed
/// announcement is logged (waiters still get it from `GET /api/v1/approvals/{id}`).
pub async fn announce(state: &AppState, workspace_id: &str, approval: &Approval) {
    let result = async {
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
        .await
    }
    .await;
    if let Err(err) = result {
        tracing::error!(approval = %approval.id, "approval not announced: {err:#}");
    }
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
                metadata: json!({ "tool": approval.tool, "agentId": approval.agent_id }),
            })
            .await?;
        announce(state, workspace_id, approval).await;
    }
    Ok(transition)
}
