//! The workspace's member and invitation calls as Dioxus server functions, on the JSON API's own
//! paths. Each body is one call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{AcceptInvite, Invite, InviteOffer, Joined, Member, NewInvite, SetRole};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::{Created, JsonBody, Removed};
#[cfg(feature = "server")]
use crate::state::AppState;
#[cfg(feature = "server")]
use tower_sessions::Session;

/// The path of an invitation's acceptance (the attempt limit is set by path).
pub const ACCEPT_PATH: &str = "/api/invites/{token}/accept";

crate::server_fns! {
    #[get("/api/workspace/members", auth: Auth, state: AppState)]
    /// GET /api/workspace/members — the current workspace's members (every member may look).
    pub async fn list() -> Vec<Member> {
        api::list(&state, &auth).await
    }

    #[patch("/api/workspace/members/{user_id}", auth: Auth, state: AppState)]
    /// PATCH /api/workspace/members/{userId} `{role}` — admins: the members as they are now;
    /// 409 for the last admin's demotion.
    pub async fn set_role(user_id: String, role: JsonBody<SetRole>) -> Vec<Member> {
        api::set_role(&state, &auth, user_id, role.0).await
    }

    #[delete("/api/workspace/members/{user_id}", auth: Auth, state: AppState)]
    /// DELETE /api/workspace/members/{userId} — admins: `{success}`; 409 for the last admin,
    /// 404 for someone who is not a member.
    pub async fn remove(user_id: String) -> Removed {
        api::remove(&state, &auth, user_id).await
    }

    #[get("/api/workspace/invites", auth: Auth, state: AppState)]
    /// GET /api/workspace/invites — admins: the pending invitations with their links.
    pub async fn invites() -> Vec<Invite> {
        api::invites(&state, &auth).await
    }

    #[post("/api/workspace/invites", auth: Auth, state: AppState)]
    /// POST /api/workspace/invites `{email, role}` — admins: 201 with the invitation and its
    /// single-use link; 409 for a member's email; 413 past the pending limit.
    pub async fn invite(new: JsonBody<NewInvite>) -> Created<Invite> {
        api::invite(&state, &auth, new.0).await
    }

    #[get("/api/invites/{token}", state: AppState)]
    /// GET /api/invites/{token} — public: what the link offers (workspace, email, role, expiry,
    /// whether an account may be made through it); 404 once used, revoked or expired.
    pub async fn offer(token: String) -> InviteOffer {
        api::offer(&state, token).await
    }

    #[post("/api/invites/{token}/accept", state: AppState, session: Session)]
    /// POST /api/invites/{token}/accept — signed in as the invitee: joins (200 with `me`, now in
    /// that workspace). Signed out, with `{password}`: creates the invitee's account as a member
    /// and signs in (201), unless `FLIGHTDECK_SIGNUP=closed` (403) or the account exists (409:
    /// sign in first).
    pub async fn accept(token: String, request: JsonBody<AcceptInvite>) -> Joined {
        api::accept(&state, &session, token, request.0).await
    }

    #[delete("/api/workspace/invites/{id}", auth: Auth, state: AppState)]
    /// DELETE /api/workspace/invites/{id} — admins: `{success}`; 404 when it is not pending here.
    pub async fn revoke(id: String) -> Removed {
        api::revoke(&state, &auth, id).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_route_of_the_workspace_roster_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/workspace/members",
            "PATCH /api/workspace/members/{user_id}",
            "DELETE /api/workspace/members/{user_id}",
            "GET /api/workspace/invites",
            "POST /api/workspace/invites",
            "DELETE /api/workspace/invites/{id}",
            "GET /api/invites/{token}",
            "POST /api/invites/{token}/accept",
        ]);
    }
}
