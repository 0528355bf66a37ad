//! Live sync's HTTP fallback as Dioxus server functions, for tabs without a WebSocket: the edits
//! of the queue and the frames since a version. The update's body limit
//! (`DASHBOARD_STATE_MAX_BYTES`) is the route's own layer, given where the server functions are
//! mounted (`server::router`). Each body is one call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{Applied, Polled, Since, StateUpdate};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::{JsonBody, QueryParams};
#[cfg(feature = "server")]
use crate::state::AppState;

/// The path of the fallback's edits (its body limit is set by path).
pub const UPDATE_PATH: &str = "/api/sync/update";

crate::server_fns! {
    #[get("/api/sync/poll", auth: Auth, state: AppState)]
    /// GET /api/sync/poll?since= — `{frames}`: what a returning connection would get.
    pub async fn poll(since: QueryParams<Since>) -> Polled {
        api::poll(&state, &auth, since.0).await
    }

    #[post("/api/sync/update", auth: Auth, state: AppState)]
    /// POST /api/sync/update — a `state:update`'s payload; `{version}` once applied and
    /// announced. 400 naming `path` or `value`, 403 for a viewer's shared edit, 413 past the
    /// limits.
    pub async fn update(edit: JsonBody<StateUpdate>) -> Applied {
        api::update(&state, &auth, edit.0).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn the_sync_fallback_is_server_functions() {
        crate::http::sf::assert_server_functions(&["GET /api/sync/poll", "POST /api/sync/update"]);
    }
}
