//! The MCP calls as Dioxus server functions, on the JSON API's own paths. Each body is one call
//! of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{McpClient, McpOverview, McpServer, NewMcpServer, OfferedServer};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::{Created, JsonBody, Removed};
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/mcp/servers", auth: Auth, state: AppState)]
    /// GET /api/mcp/servers — `{servers, health}`, URLs with their secrets hidden unless the
    /// caller is an admin.
    pub async fn list() -> McpOverview {
        api::list(&state, &auth).await
    }

    #[post("/api/mcp/servers", auth: Auth, state: AppState)]
    /// POST /api/mcp/servers — 201 with the server, which starts connecting at once; admins only.
    pub async fn add(new: JsonBody<NewMcpServer>) -> Created<McpServer> {
        api::add(&state, &auth, new.0).await
    }

    #[delete("/api/mcp/servers/{id}", auth: Auth, state: AppState)]
    /// DELETE /api/mcp/servers/{id} — `{success}`; 404 for an unknown one; admins only.
    pub async fn remove(id: String) -> Removed {
        api::remove(&state, &auth, id).await
    }

    #[get("/api/mcp/offered", auth: Auth, state: AppState)]
    /// GET /api/mcp/offered — admins: the stdio programs the operator offers.
    pub async fn offered() -> Vec<OfferedServer> {
        api::offered(&state, &auth).await
    }

    #[get("/api/mcp/clients", auth: Auth, state: AppState)]
    /// GET /api/mcp/clients — the MCP clients connected to the workspace's gateway on this
    /// instance.
    pub async fn clients() -> Vec<McpClient> {
        Ok(api::clients(&state, &auth))
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_mcp_route_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/mcp/servers",
            "POST /api/mcp/servers",
            "DELETE /api/mcp/servers/{id}",
            "GET /api/mcp/offered",
            "GET /api/mcp/clients",
        ]);
    }
}
