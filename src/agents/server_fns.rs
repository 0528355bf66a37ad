//! The agent registry's calls as Dioxus server functions, on the JSON API's own paths. Each body
//! is one call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{Agent, NewAgent, Registered, Revoked};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::{Created, JsonBody};
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/agents", auth: Auth, state: AppState)]
    /// GET /api/agents — the workspace's agents (health URLs with their secrets hidden unless the
    /// caller is an admin).
    pub async fn list() -> Vec<Agent> {
        api::list(&state, &auth).await
    }

    #[post("/api/agents", auth: Auth, state: AppState)]
    /// POST /api/agents — 201 `{id, token, agent}`; the token is never shown again; admins only.
    pub async fn register(new: JsonBody<NewAgent>) -> Created<Registered> {
        api::register(&state, &auth, new.0).await
    }

    #[delete("/api/agents/{id}/token", auth: Auth, state: AppState)]
    /// DELETE /api/agents/{id}/token — `{success, revokedAt}`; 404 for an unknown agent.
    pub async fn revoke(id: String) -> Revoked {
        api::revoke(&state, &auth, id).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use dioxus::server::ServerFunction;

    #[test]
    fn every_route_of_the_agent_registry_is_a_server_function() {
        let routes: Vec<String> = ServerFunction::collect()
            .into_iter()
            .map(|function| format!("{} {}", function.method(), function.path()))
            .collect();
        for route in [
            "GET /api/agents",
            "POST /api/agents",
            "DELETE /api/agents/{id}/token",
        ] {
            assert!(routes.iter().any(|r| r == route), "{route} in {routes:?}");
        }
    }
}
