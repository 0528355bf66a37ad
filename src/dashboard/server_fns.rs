//! The dashboard's server copy as Dioxus server functions, on the JSON API's own path. The body
//! limit (`DASHBOARD_STATE_MAX_BYTES`) is the route's own layer, given where the server functions
//! are mounted (`server::router`). Each body is one call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{SaveRequest, SaveResponse, ServerCopy};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::{JsonBody, Removed};
#[cfg(feature = "server")]
use crate::state::AppState;

/// The path of the dashboard's server copy (its body limit is set by path).
pub const PATH: &str = "/api/dashboard/state";

crate::server_fns! {
    #[get("/api/dashboard/state", auth: Auth, state: AppState)]
    /// GET /api/dashboard/state — the user's dashboard in this workspace, migrated; 404 when
    /// nothing is saved yet (or it expired).
    pub async fn load() -> ServerCopy {
        api::load(&state, &auth).await
    }

    #[post("/api/dashboard/state", auth: Auth, state: AppState)]
    /// POST /api/dashboard/state `{version, state}` — stored when `version` is not older than the
    /// server's revision; else 409 with `serverVersion`, `state` and `lastModified` to merge
    /// with. 413 past the size or widget limits, 400 naming the field of a malformed state.
    pub async fn save(request: JsonBody<SaveRequest>) -> SaveResponse {
        api::save(&state, &auth, request.0).await
    }

    #[delete("/api/dashboard/state", auth: Auth, state: AppState)]
    /// DELETE /api/dashboard/state — `{success}`; the next load starts from the defaults.
    pub async fn delete() -> Removed {
        api::delete(&state, &auth).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn the_dashboards_server_copy_is_three_server_functions() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/dashboard/state",
            "POST /api/dashboard/state",
            "DELETE /api/dashboard/state",
        ]);
    }
}
