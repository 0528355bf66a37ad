//! An agent token's long-lived requests (the approval long-poll, the event stream): at most
//! `FLIGHTDECK_MAX_STREAMS_PER_TOKEN` open at once on an instance (429 past it), and each ends
//! the moment its token is revoked — on every instance, through the hub.

use super::api::AgentAuth;
use crate::http::ApiError;
use crate::quota::{Refused, Slot};
use crate::state::AppState;
use axum::http::StatusCode;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// The hub topic told when an agent's token is revoked.
fn revoked_topic(agent_id: &str) -> String {
    format!("agent-revoked:{agent_id}")
}

/// Tells every instance that `agent_id`'s token was revoked: its streams end.
pub async fn revoked(state: &AppState, agent_id: &str) {
    let topic = revoked_topic(agent_id);
    if let Err(err) = state.hub.publish(&topic, "revoked".to_owned()).await {
        tracing::error!(
            agent = agent_id,
            "open streams of a revoked token not told: {err:#}"
        );
    }
}

/// The 401 of a request whose token was revoked while it waited.
pub fn revoked_error() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "this token was revoked; ask an admin for a new registration",
    )
}

/// One open long-lived request: its place in the count, and the revocation it listens for.
#[derive(Debug)]
pub struct OpenStream {
    _slot: Slot,
    revocation: broadcast::Receiver<crate::sync::hub::Message>,
}

impl OpenStream {
    /// Takes a place for the token (429 when it holds the most), listens for its revocation,
    /// then checks the token once more (401 if it was revoked since the request was let in).
    pub async fn open(state: &AppState, auth: &AgentAuth) -> Result<Self, ApiError> {
        let max = state.config.limits.max_streams_per_token;
        let slot = state
            .quotas
            .agent_streams
            .take(&auth.agent.id, max)
            .ok_or_else(|| {
                Refused::too_many(format!(
                    "this agent token already has {max} long-polls and event streams open on this server, the most FLIGHTDECK_MAX_STREAMS_PER_TOKEN allows"
                ))
            })?;
        let revocation = state.hub.subscribe(&revoked_topic(&auth.agent.id));
        let now = state
            .records
            .agent(&auth.workspace_id, &auth.agent.id)
            .await?;
        if now.is_none_or(|agent| agent.revoked_at.is_some()) {
            return Err(revoked_error());
        }
        Ok(Self {
            _slot: slot,
            revocation,
        })
    }

    /// Resolves when the token is revoked.
    pub async fn revoked(&mut self) {
        match self.revocation.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => std::future::pending().await,
        }
    }
}
