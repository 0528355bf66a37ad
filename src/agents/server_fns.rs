//! The agent registry's calls as Dioxus server functions, on the JSON API's own paths. Each body
//! is one call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{Agent, HealthRound, NewAgent, Registered, Revoked};
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

    #[post("/api/agents/health/check", auth: Auth, state: AppState)]
    /// POST /api/agents/health/check — checks every agent of the workspace with a health URL
    /// now: `{durationMs, results}`; members who may change shared things; 429 with
    /// `Retry-After` more often than the workspace's cooldown.
    pub async fn check_health() -> HealthRound {
        api::check_now(&state, &auth).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_route_of_the_agent_registry_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/agents",
            "POST /api/agents",
            "DELETE /api/agents/{id}/token",
            "POST /api/agents/health/check",
        ]);
    }
}
