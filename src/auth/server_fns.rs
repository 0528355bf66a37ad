//! The account calls the pages make, as Dioxus server functions on the JSON API's own paths.
//! Sign-in, sign-up and the setup link sit behind the per-address attempt limit, their routes'
//! own layer (given where the server functions are mounted, `server::router`). Each body is one
//! call of a service in `api.rs` or `signup.rs`.

#[cfg(feature = "server")]
use super::api::{self, Auth};
use super::{AuthOptions, LoginRequest, Me, SignupAccepted, SignupRequest, SwitchWorkspace};
use crate::http::{Accepted, Created, JsonBody, Removed};
#[cfg(feature = "server")]
use crate::state::AppState;
#[cfg(feature = "server")]
use tower_sessions::Session;

/// The paths within the per-address attempt limit (set by path): every call that hashes a
/// password.
pub const LIMITED_PATHS: [&str; 3] = ["/api/auth/login", "/api/auth/signup", "/api/setup/{token}"];

crate::server_fns! {
    #[post("/api/auth/login", state: AppState, session: Session)]
    /// POST /api/auth/login `{email, password}` — signs in: `me`. 401 for any wrong part,
    /// without saying which; 429 with `Retry-After` while the account backs off after failed
    /// attempts, or past the address's attempt limit.
    pub async fn login(credentials: JsonBody<LoginRequest>) -> Me {
        api::login(&state, &session, credentials.0).await
    }

    #[post("/api/auth/signup", state: AppState)]
    /// POST /api/auth/signup `{email, password, workspace}` — with `FLIGHTDECK_SIGNUP=open`, 202
    /// alike whether the email was free (the account and its workspace now exist) or taken
    /// (nothing changed): sign in next. Else 403: accounts come through invitations.
    pub async fn signup(account: JsonBody<SignupRequest>) -> Accepted<SignupAccepted> {
        crate::auth::signup::signup(&state, account.0).await
    }

    #[post("/api/setup/{token}", state: AppState, session: Session)]
    /// POST /api/setup/{token} `{email, password, workspace}` — the single-use link printed in
    /// the log of an empty store: creates the first admin and their workspace and signs them in
    /// (201 with `me`); 404 once used or expired.
    pub async fn setup(token: String, account: JsonBody<SignupRequest>) -> Created<Me> {
        crate::auth::signup::setup(&state, &session, token, account.0).await
    }

    #[post("/api/auth/logout", state: AppState, session: Session)]
    /// POST /api/auth/logout — ends the session: `{success}` (also without one).
    pub async fn logout() -> Removed {
        api::logout(&state, &session).await
    }

    #[get("/api/auth/me", auth: Auth, state: AppState)]
    /// GET /api/auth/me — who is signed in, where, and their other workspaces; 401 otherwise.
    pub async fn me() -> Me {
        api::me(&state, auth).await
    }

    #[post("/api/auth/workspace", auth: Auth, state: AppState)]
    /// POST /api/auth/workspace `{workspaceId}` — the session moves to that workspace (its
    /// sockets of the old one close); 404 alike for a workspace that does not exist and one
    /// that is not the user's.
    pub async fn switch_workspace(to: JsonBody<SwitchWorkspace>) -> Me {
        api::switch_workspace(&state, &auth, to.0).await
    }

    #[get("/api/auth/options", state: AppState)]
    /// GET /api/auth/options — public: whether the sign-in page offers "Create an account".
    pub async fn options() -> AuthOptions {
        Ok(crate::auth::signup::options(&state))
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn the_account_calls_of_the_pages_are_server_functions() {
        crate::http::sf::assert_server_functions(&[
            "POST /api/auth/login",
            "POST /api/auth/logout",
            "POST /api/auth/signup",
            "POST /api/setup/{token}",
            "GET /api/auth/me",
            "POST /api/auth/workspace",
            "GET /api/auth/options",
        ]);
    }
}
