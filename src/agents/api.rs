//! `/api/agents` — admins register agents (the token is shown once), everyone in the workspace
//! lists them, admins revoke tokens. [`AgentAuth`] is how the `/api/v1` agent API knows its caller.

use super::store::{RegisterError, TokenCheck};
use super::{Agent, NewAgent, Registered};
use crate::auth::api::Auth;
use crate::http::{ApiError, JsonBody};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::json;

/// The agent-registry routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/agents", get(list).post(register))
        .route("/api/agents/{id}/token", delete(revoke))
}

/// The agent calling `/api/v1`, from its bearer token: 401 without one, with an unknown one, or
/// with a revoked one (each says which).
#[derive(Clone, Debug)]
pub struct AgentAuth {
    /// The agent.
    pub agent: Agent,
    /// Its workspace.
    pub workspace_id: String,
}

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, message);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                unauthorized("send the agent's token as Authorization: Bearer <token>")
            })?;
        match state.records.check_agent_token(token).await? {
            TokenCheck::Valid {
                agent,
                workspace_id,
            } => Ok(Self {
                agent,
                workspace_id,
            }),
            TokenCheck::Revoked => Err(unauthorized(
                "this token was revoked; ask an admin for a new registration",
            )),
            TokenCheck::Unknown => Err(unauthorized("this token is not valid")),
        }
    }
}

fn require_admin(auth: &Auth) -> Result<(), ApiError> {
    if auth.role.can_manage_members() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only an admin can register agents or revoke their tokens",
        ))
    }
}

/// GET /api/agents — the workspace's agents.
async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Agent>>, ApiError> {
    Ok(Json(state.records.agents(&auth.workspace.id).await?))
}

/// POST /api/agents — 201 `{id, token, agent}`; the token is never shown again.
async fn register(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(new): JsonBody<NewAgent>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    require_admin(&auth)?;
    new.validate()
        .map_err(|(field, message)| ApiError::field(field, message))?;
    let (agent, token) = match state.records.register_agent(&auth.workspace.id, &new).await {
        Ok(registered) => registered,
        Err(RegisterError::NameTaken) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                RegisterError::NameTaken.to_string(),
            ))
        }
        Err(RegisterError::Store(err)) => return Err(err.into()),
    };
    let mut entry = auth.entry("agent.register", "agent");
    entry.resource_id = Some(agent.id.clone());
    entry.after_state =
        Some(json!({ "name": agent.name, "role": agent.role, "healthUrl": agent.health_url }));
    state.records.audit(entry).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id: agent.id.clone(),
            token,
            agent,
        }),
    ))
}

/// DELETE /api/agents/{id}/token — `{success, revokedAt}`; 404 for an unknown agent.
async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require_admin(&auth)?;
    let agent = state
        .records
        .revoke_agent_token(&auth.workspace.id, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such agent"))?;
    let mut entry = auth.entry("agent.token_revoke", "agent");
    entry.resource_id = Some(agent.id.clone());
    entry.after_state = Some(json!({ "revokedAt": agent.revoked_at }));
    state.records.audit(entry).await?;
    Ok(Json(
        json!({ "success": true, "revokedAt": agent.revoked_at }),
    ))
}
