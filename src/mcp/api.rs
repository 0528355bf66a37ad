//! The MCP services behind `server_fns.rs`: every member sees the workspace's MCP servers, their connections and
//! tools, and the connectivity summary (URLs with their secrets hidden unless they are an
//! admin); admins enable the operator's stdio programs by name or add streamable-HTTP URLs, and
//! remove servers, which connect or disconnect at once. `/api/mcp/offered` lists what the
//! operator offers.

use super::{McpOverview, McpServer, NewMcpServer, OfferedServer, ServerStatus, Transport};
use crate::auth::api::Auth;
use crate::http::{ApiError, Created, Removed};
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::json;

/// GET /api/mcp/servers — `{servers, health}`. The records say which servers there are (another
/// instance may have added or removed one): this instance connects or drops them to match first.
pub async fn list(state: &AppState, auth: &Auth) -> Result<McpOverview, ApiError> {
    let configured = state.records.mcp_servers(&auth.workspace.id).await?;
    state.mcp.reconcile(&auth.workspace.id, configured);
    let mut servers = state.mcp.statuses(&auth.workspace.id);
    let health = super::McpHealth::of(&servers);
    if !auth.role.can_manage_members() {
        for status in &mut servers {
            hide_secrets(status);
        }
    }
    Ok(McpOverview { servers, health })
}

fn hide_secrets(status: &mut ServerStatus) {
    status.server.transport = status.server.transport.redacted();
}

/// GET /api/mcp/offered — admins: the stdio programs the operator offers (names, programs,
/// and the names of their variables; values never leave the server).
pub async fn offered(state: &AppState, auth: &Auth) -> Result<Vec<OfferedServer>, ApiError> {
    auth.require_admin("see the operator's MCP programs")?;
    Ok(state.mcp.offered().offered())
}

/// POST /api/mcp/servers — 201 with the server, which starts connecting at once. A stdio
/// command is refused (400): programs come only from the operator's file, enabled by name. An
/// http URL whose host is an IP address the egress policy refuses is a 400 naming the field and
/// the rule (a host name is checked when it is resolved, at each connection). 413 past
/// `FLIGHTDECK_MAX_MCP_SERVERS`, or for an operator's program past
/// `FLIGHTDECK_MAX_OPERATOR_PROGRAMS` (across workspaces); 409 for a program enabled here already.
pub async fn add(
    state: &AppState,
    auth: &Auth,
    new: NewMcpServer,
) -> Result<Created<McpServer>, ApiError> {
    auth.require_admin("add or remove MCP servers")?;
    let max = state.config.limits.max_mcp_servers;
    if state.records.count_mcp_servers(&auth.workspace.id).await? >= max {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("this workspace already has {max} MCP servers, the most FLIGHTDECK_MAX_MCP_SERVERS allows; remove one first")));
    }
    new.validate()
        .map_err(|(field, message)| ApiError::field(field, message))?;
    if let Transport::Operator { server } = &new.transport {
        if state.mcp.offered().get(server).is_none() {
            return Err(ApiError::field(
                "transport.server",
                format!(
                    "the operator offers no MCP server named {server:?} (see GET /api/mcp/offered)"
                ),
            ));
        }
        // One process per program and workspace: enabling it again under another name would
        // only start more of them.
        let enabled = state.records.mcp_servers(&auth.workspace.id).await?;
        if let Some(other) = enabled.iter().find(|s| s.transport == new.transport) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "the operator's {server:?} is already enabled in this workspace, as {:?}",
                    other.name
                ),
            ));
        }
        let max = state.config.limits.max_operator_programs;
        if state.records.count_operator_programs().await? >= max {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the operator's programs are enabled {max} times across all workspaces, the most FLIGHTDECK_MAX_OPERATOR_PROGRAMS allows; ask the operator, or disable one")));
        }
    }
    if let super::Transport::Http { url } = &new.transport {
        state.egress.check_field("transport.url", url)?;
    }
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
    entry.after_state =
        Some(json!({ "name": server.name, "transport": server.transport.redacted() }));
    state.records.audit(entry).await?;
    state.mcp.connect(&auth.workspace.id, server.clone());
    Ok(Created(server))
}

/// DELETE /api/mcp/servers/{id} — `{success}`; 404 for an unknown one.
pub async fn remove(state: &AppState, auth: &Auth, id: String) -> Result<Removed, ApiError> {
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
    Ok(Removed { success: true })
}

/// GET /api/mcp/clients — the MCP clients connected to the workspace's gateway (`/mcp`) on
/// this instance, with the names and versions they gave.
pub fn clients(state: &AppState, auth: &Auth) -> Vec<crate::mcp::McpClient> {
    state.gateway.clients(&auth.workspace.id)
}
