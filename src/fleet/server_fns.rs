//! The operators' reads of the fleet cache as Dioxus server functions, on the JSON API's own
//! paths (what agents push stays under `/api/v1`, by bearer token). Each body is one call of a
//! service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::FleetItem;
#[cfg(feature = "server")]
use crate::auth::api::Auth;
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/fleet", auth: Auth, state: AppState)]
    /// GET /api/fleet — every fresh item of the workspace, kind by kind.
    pub async fn everything() -> Vec<FleetItem> {
        api::everything(&state, &auth).await
    }

    #[get("/api/fleet/{kind}", auth: Auth, state: AppState)]
    /// GET /api/fleet/{kind} — one kind's fresh items; 404 naming the kinds for any other.
    pub async fn of_kind(kind: String) -> Vec<FleetItem> {
        api::of_kind(&state, &auth, kind).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn the_operators_fleet_reads_are_server_functions() {
        crate::http::sf::assert_server_functions(&["GET /api/fleet", "GET /api/fleet/{kind}"]);
    }
}
