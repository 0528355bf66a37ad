//! `/api/mcp/servers` — every member sees the workspace's MCP servers, their connections and
//! tools, and the connectivity summary; admins add and remove servers, which connect or
//! disconnect at once.

use super::{McpOverview, McpServer, NewMcpServer};
use crate::auth::api::Auth;
use crate::http::{ApiError, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::json;

/// The MCP routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/mcp/servers", get(list).post(add))
        .route("/api/mcp/servers/{id}", delete(remove))
}

/// GET /api/mcp/servers — `{servers, health}`. The records say which servers there are (another
/// instance may have added or removed one): this instance connects or drops them to match first.
async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<McpOverview>, ApiError> {
    let configured = state.records.mcp_servers(&auth.workspace.id).await?;
    state.mcp.reconcile(&auth.workspace.id, configured);
    let servers = state.mcp.statuses(&auth.workspace.id);
    let health = super::McpHealth::of(&servers);
    Ok(Json(McpOverview { servers, health }))
}

/// POST /api/mcp/servers — 201 with the server, which starts connecting at once; 413 past
/// `FLIGHTDECK_MAX_MCP_SERVERS`.
async fn add(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(new): JsonBody<NewMcpServer>,
) -> Result<(StatusCode, Json<McpServer>), ApiError> {
    auth.require_admin("add or remove MCP servers")?;
    let max = state.config.limits.max_mcp_servers;
    if state.records.count_mcp_servers(&auth.workspace.id).await? >= max {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("this workspace already has {max} MCP servers, the most FLIGHTDECK_MAX_MCP_SERVERS allows; remove one first")));
    }
    new.validate()
        .map_err(|(field, message)| ApiError::field(field, message))?;
    let server = state
        .records
        .add_mcp_server(&auth.workspace.id, &new)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "an MCP server with this name is already configured in this workspace",
            )
        })?;
    let mut entry = auth.entry("mcp.add", "mcp_server");
    entry.resource_id = Some(server.id.clone());
    entry.after_state = Some(json!({ "name": server.name, "transport": server.transport }));
    state.records.audit(entry).await?;
    state.mcp.connect(&auth.workspace.id, server.clone());
    Ok((StatusCode::CREATED, Json(server)))
}

/// DELETE /api/mcp/servers/{id} — `{success}`; 404 for an unknown one.
async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    auth.require_admin("add or remove MCP servers")?;
    if !state
        .records
        .delete_mcp_server(&auth.workspace.id, &id)
        .await?
    {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such MCP server"));
    }
    state.mcp.remove(&id);
    let mut entry = auth.entry("mcp.remove", "mcp_server");
    entry.resource_id = Some(id);
    state.records.audit(entry).await?;
    Ok(Json(json!({ "success": true })))
}
