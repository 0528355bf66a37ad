//! An asked call: it becomes an approval (audited, announced, with a deadline), and the MCP
//! request stays open, sending progress notifications so that the client does not time out,
//! until the approval is decided, cancelled, or expires. A client that cancels the call (or goes
//! away) cancels the approval, and so does the revocation of its token. A waiting call holds one
//! of its token's long-lived places (`FLIGHTDECK_MAX_STREAMS_PER_TOKEN`), as a long-poll does.

use crate::agents::api::AgentAuth;
use crate::approvals::events::{approval_topic, end, Actor, APPROVAL_QUEUE};
use crate::approvals::store::arguments_sha256;
use crate::approvals::{Approval, Gate, NewApproval, Risk, Status};
use crate::records::now_ms;
use crate::state::AppState;
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often a waiting call tells its client it is still waiting.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// What to ask about.
pub(super) struct Asked {
    /// The tool as the agent named it.
    pub tool: String,
    /// Its arguments.
    pub arguments: Value,
    /// Why it is asked.
    pub reason: String,
    /// How risky.
    pub risk: Risk,
    /// Where the gateway stands on it.
    pub gate: Gate,
}

fn internal(err: anyhow::Error) -> McpError {
    tracing::error!("gateway approval: {err:#}");
    McpError::internal_error("the gateway could not store the approval; try again", None)
}

/// Asks and waits: the approval once it is no longer pending.
pub(super) async fn ask(
    state: &AppState,
    auth: &AgentAuth,
    asked: Asked,
    context: &RequestContext<RoleServer>,
) -> Result<Approval, McpError> {
    let mut open = crate::agents::streams::OpenStream::open(state, auth)
        .await
        .map_err(|err| McpError::invalid_request(err.body.error, None))?;
    let deadline = now_ms() + state.config.limits.mcp_ask_deadline.as_millis() as i64;
    let new = NewApproval {
        tool: asked.tool,
        arguments: asked.arguments,
        reason: asked.reason,
        risk: asked.risk,
        deadline: Some(deadline),
    };
    new.validate(now_ms()).map_err(|(field, message)| {
        McpError::invalid_params(format!("{field}: {message}"), None)
    })?;
    let approval = state
        .records
        .create_approval(&auth.workspace_id, &auth.agent.id, &new, Some(&asked.gate))
        .await
        .map_err(internal)?;
    let id = approval.id.clone();
    let mut decided = state
        .hub
        .subscribe_bounded(&approval_topic(&id), APPROVAL_QUEUE);
    crate::approvals::events::requested(state, &auth.workspace_id, &auth.agent.id, &approval)
        .await
        .map_err(internal)?;
    let token = context.meta.get_progress_token();
    let mut ticks = tokio::time::interval(KEEP_ALIVE);
    ticks.tick().await;
    let mut waited: u32 = 0;
    let read_now = || async {
        state
            .records
            .approval(&auth.workspace_id, &id)
            .await
            .map_err(internal)?
            .ok_or_else(|| McpError::internal_error("the approval is gone", None))
    };
    // A decision between the store and the subscription is read here.
    let now = read_now().await?;
    if now.status.is_terminal() {
        return Ok(now);
    }
    loop {
        tokio::select! {
            message = decided.recv() => match message {
                Ok(text) => {
                    if serde_json::from_str::<Approval>(&text).is_ok_and(|a| a.status.is_terminal()) {
                        // Read back: the store holds the arguments as approved.
                        return read_now().await;
                    }
                }
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => {
                    let now = read_now().await?;
                    if now.status.is_terminal() {
                        return Ok(now);
                    }
                }
            },
            _ = ticks.tick() => {
                waited += 1;
                if let Some(token) = &token {
                    let note = ProgressNotificationParam::new(token.clone(), f64::from(waited))
                        .with_message(format!("waiting for an operator to decide approval {id}"));
                    let _ = context.peer.notify_progress(note).await;
                }
            }
            () = open.revoked() => {
                let reason = "the agent's token was revoked";
                withdraw(state, auth, &id, reason).await;
                return Err(McpError::invalid_request(reason, None));
            }
            () = context.ct.cancelled() => {
                let reason = "the MCP client cancelled the call";
                withdraw(state, auth, &id, reason).await;
                return Err(McpError::internal_error(reason, None));
            }
        }
    }
}

/// Cancels a waiting call's approval, as its agent.
async fn withdraw(state: &AppState, auth: &AgentAuth, id: &str, reason: &str) {
    let actor = Actor {
        user_id: None,
        agent_id: Some(auth.agent.id.clone()),
        name: format!("agent:{}", auth.agent.name),
    };
    if let Err(err) = end(
        state,
        &auth.workspace_id,
        id,
        Status::Cancelled,
        &actor,
        Some(reason),
    )
    .await
    {
        tracing::warn!(approval = %id, "not cancelled after the call ended: {err:#}");
    }
}

/// Refuses to run arguments whose hash is not the approved one (the store was changed under us).
pub(super) fn check_hash(approval: &Approval) -> Result<(), McpError> {
    match &approval.arguments_sha256 {
        Some(hash) if *hash == arguments_sha256(&approval.arguments) => Ok(()),
        _ => Err(McpError::internal_error(
            "the approved arguments do not match their recorded hash: not run",
            None,
        )),
    }
}

/// What the agent is told when its call will not run.
pub(super) fn refusal_text(approval: &Approval) -> String {
    let by = approval.decided_by.as_deref().unwrap_or("nobody");
    let mut text = match approval.status {
        Status::Rejected => format!("Rejected by {by}"),
        Status::Cancelled => format!("Cancelled by {by}"),
        Status::Expired => "Nobody decided before the deadline".to_owned(),
        _ => format!("Not allowed ({})", approval.status.as_str()),
    };
    if let Some(comment) = approval.comment.as_deref().filter(|c| !c.is_empty()) {
        text.push_str(": ");
        text.push_str(comment);
    }
    text
}
