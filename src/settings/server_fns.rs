//! The settings calls as Dioxus server functions, on the JSON API's own paths. Each body is one
//! call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{AllSettings, UserSettings, WorkspaceSettings};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::JsonBody;
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/settings", auth: Auth, state: AppState)]
    /// GET /api/settings — both scopes, and whether the user may change the workspace's.
    pub async fn all() -> AllSettings {
        api::all(&state, &auth).await
    }

    #[put("/api/settings/user", auth: Auth, state: AppState)]
    /// PUT /api/settings/user — replaces the user's settings; 400 naming an out-of-range field.
    pub async fn put_user(settings: JsonBody<UserSettings>) -> UserSettings {
        api::put_user(&state, &auth, settings.0).await
    }

    #[put("/api/settings/workspace", auth: Auth, state: AppState)]
    /// PUT /api/settings/workspace — replaces the shared settings; admins and operators only.
    pub async fn put_workspace(settings: JsonBody<WorkspaceSettings>) -> WorkspaceSettings {
        api::put_workspace(&state, &auth, settings.0).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_settings_route_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/settings",
            "PUT /api/settings/user",
            "PUT /api/settings/workspace",
        ]);
    }
}
