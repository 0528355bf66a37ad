//! Members and invitations over HTTP. Every member lists the members; admins change roles,
//! remove members (their open sockets of the workspace close at once) and invite (services
//! behind `server_fns.rs`); the invitation links' services let an invitee see what a link
//! offers and accept it, by signing in first or by creating their account through it.

use super::store::{AcceptError, ChangeError, MAX_PENDING_INVITES};
use super::{AcceptInvite, Invite, InviteOffer, Joined, Member, NewInvite, SetRole};
use crate::auth::api::{me_of, remember, sign_in, signed_in, Auth};
use crate::auth::{password, Email, NewPassword, Role, SignupMode};
use crate::http::{ApiError, Created, Removed};
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::json;
use tower_sessions::Session;

fn change_error(err: ChangeError) -> ApiError {
    match err {
        ChangeError::NotMember => ApiError::new(StatusCode::NOT_FOUND, err.to_string()),
        ChangeError::Refused(refused) => ApiError::new(StatusCode::CONFLICT, refused.to_string()),
        ChangeError::Store(err) => err.into(),
    }
}

/// GET /api/workspace/members — the current workspace's members (every member may look).
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<Member>, ApiError> {
    Ok(state.records.members(&auth.workspace.id).await?)
}

/// PATCH /api/workspace/members/{userId} `{role}` — admins: the members as they are now; 409
/// for the last admin's demotion.
pub async fn set_role(
    state: &AppState,
    auth: &Auth,
    user_id: String,
    SetRole { role }: SetRole,
) -> Result<Vec<Member>, ApiError> {
    auth.require_admin("change members' roles")?;
    let before = state
        .records
        .change_membership(&auth.workspace.id, &user_id, Some(role))
        .await
        .map_err(change_error)?;
    let mut entry = auth.entry("workspace.member_set", "membership");
    entry.resource_id = Some(user_id.clone());
    entry.before_state = Some(json!({ "email": before.email, "role": before.role }));
    entry.after_state = Some(json!({ "email": before.email, "role": role }));
    state.records.audit(entry).await?;
    crate::sync::api::member_changed(state, &auth.workspace.id, &user_id).await;
    Ok(state.records.members(&auth.workspace.id).await?)
}

/// DELETE /api/workspace/members/{userId} — admins: `{success}`; the member's open sockets of
/// this workspace close. 409 for the last admin, 404 for someone who is not a member.
pub async fn remove(state: &AppState, auth: &Auth, user_id: String) -> Result<Removed, ApiError> {
    auth.require_admin("remove members")?;
    let before = state
        .records
        .change_membership(&auth.workspace.id, &user_id, None)
        .await
        .map_err(change_error)?;
    let mut entry = auth.entry("workspace.member_remove", "membership");
    entry.resource_id = Some(user_id.clone());
    entry.before_state = Some(json!({ "email": before.email, "role": before.role }));
    state.records.audit(entry).await?;
    crate::sync::api::member_removed(state, &auth.workspace.id, &user_id).await;
    Ok(Removed { success: true })
}

/// GET /api/workspace/invites — admins: the pending invitations with their links.
pub async fn invites(state: &AppState, auth: &Auth) -> Result<Vec<Invite>, ApiError> {
    auth.require_admin("see invitations")?;
    Ok(state.records.invites(&auth.workspace.id).await?)
}

/// POST /api/workspace/invites `{email, role}` — admins: 201 with the invitation and its
/// single-use link, valid 7 days. 409 for a member's email; 413 past the pending limit.
pub async fn invite(
    state: &AppState,
    auth: &Auth,
    new: NewInvite,
) -> Result<Created<Invite>, ApiError> {
    auth.require_admin("invite members")?;
    let email =
        Email::parse(&new.email).map_err(|err| ApiError::field("email", err.to_string()))?;
    let members = state.records.members(&auth.workspace.id).await?;
    if members.iter().any(|member| member.email == email.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "this email belongs to a member already; change their role instead",
        ));
    }
    let invite = state
        .records
        .create_invite(&auth.workspace.id, email.as_str(), new.role, &auth.user.id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a workspace holds at most {MAX_PENDING_INVITES} pending invitations: revoke some first"),
            )
        })?;
    let mut entry = auth.entry("workspace.invite", "invite");
    entry.resource_id = Some(invite.id.clone());
    entry.after_state =
        Some(json!({ "email": invite.email, "role": invite.role, "expiresAt": invite.expires_at }));
    state.records.audit(entry).await?;
    Ok(Created(invite))
}

/// DELETE /api/workspace/invites/{id} — admins: `{success}`; 404 when it is not pending here.
pub async fn revoke(state: &AppState, auth: &Auth, id: String) -> Result<Removed, ApiError> {
    auth.require_admin("revoke invitations")?;
    if !state.records.revoke_invite(&auth.workspace.id, &id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no pending invitation with this id",
        ));
    }
    let mut entry = auth.entry("workspace.invite_revoke", "invite");
    entry.resource_id = Some(id);
    state.records.audit(entry).await?;
    Ok(Removed { success: true })
}

fn accept_error(err: AcceptError) -> ApiError {
    let status = match &err {
        AcceptError::NotValid => StatusCode::NOT_FOUND,
        AcceptError::OtherEmail => StatusCode::FORBIDDEN,
        AcceptError::AccountExists => StatusCode::CONFLICT,
        AcceptError::Store(_) => return ApiError::internal(err),
    };
    ApiError::new(status, err.to_string())
}

/// GET /api/invites/{token} — public: what the link offers; 404 alike for unknown, used,
/// revoked and expired links.
pub async fn offer(state: &AppState, token: String) -> Result<InviteOffer, ApiError> {
    let pending = state
        .records
        .pending_invite(&token)
        .await?
        .ok_or_else(|| accept_error(AcceptError::NotValid))?;
    Ok(InviteOffer {
        workspace: pending.workspace_name,
        email: pending.email,
        role: Role::parse(&pending.role).ok_or_else(|| {
            ApiError::internal(format!("unknown role {:?} in an invitation", pending.role))
        })?,
        expires_at: pending.expires_at,
        can_create_account: state.config.security.signup != SignupMode::Closed,
    })
}

/// POST /api/invites/{token}/accept — signed in as the invitee: joins (200 with `me`, now in
/// that workspace). Signed out, with `{password}`: creates the invitee's account as a member
/// and signs in (201), unless `FLIGHTDECK_SIGNUP=closed` (403) or the account exists (409:
/// sign in first).
pub async fn accept(
    state: &AppState,
    session: &Session,
    token: String,
    request: AcceptInvite,
) -> Result<Joined, ApiError> {
    if let Some((current, ends_at)) = signed_in(state, session).await? {
        let place = state
            .records
            .accept_invite(&token, &current.user)
            .await
            .map_err(accept_error)?;
        remember(session, &place, ends_at).await?;
        audit_join(state, &place, false).await?;
        if let Some(id) = session.id() {
            let why = crate::sync::api::Ending::WorkspaceChanged;
            crate::sync::api::end_session(state, &id.to_string(), why).await;
        }
        let me = me_of(state, place).await?;
        return Ok(Joined { me, created: false });
    }
    if state.config.security.signup == SignupMode::Closed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "new accounts are closed here: sign in with an existing account to accept",
        ));
    }
    let password = request.password.ok_or_else(|| {
        ApiError::field("password", "password is required to create your account")
    })?;
    let password = NewPassword::parse(&password)
        .map_err(|err| ApiError::field("password", err.to_string()))?;
    let pending = state
        .records
        .pending_invite(&token)
        .await?
        .ok_or_else(|| accept_error(AcceptError::NotValid))?;
    let hash = password::hash(password.as_str().to_owned()).await?;
    let place = state
        .records
        .join_by_invite(&pending, &hash)
        .await
        .map_err(accept_error)?;
    sign_in(state, session, &place).await?;
    audit_join(state, &place, true).await?;
    let me = me_of(state, place).await?;
    Ok(Joined { me, created: true })
}

async fn audit_join(
    state: &AppState,
    place: &crate::auth::store::Place,
    new_account: bool,
) -> anyhow::Result<()> {
    let entry = crate::audit::NewEntry {
        workspace_id: Some(place.workspace.id.clone()),
        user_id: Some(place.user.id.clone()),
        action: "workspace.invite_accept",
        resource_type: "membership",
        resource_id: Some(place.user.id.clone()),
        after_state: Some(
            json!({ "email": place.user.email, "role": place.role, "newAccount": new_account }),
        ),
        metadata: json!({}),
        ..Default::default()
    };
    state.records.audit(entry).await?;
    Ok(())
}

/// 201 when the invitation created the account, 200 when a signed-in account joined; `me` as
/// the body.
impl axum::response::IntoResponse for Joined {
    fn into_response(self) -> axum::response::Response {
        let status = match self.created {
            true => StatusCode::CREATED,
            false => StatusCode::OK,
        };
        (status, axum::Json(self.me)).into_response()
    }
}

/// How dioxus's client would read it (ours reads the JSON as `Joined`).
impl dioxus::fullstack::FromResponse for Joined {
    async fn from_response(
        response: dioxus::fullstack::ClientResponse,
    ) -> Result<Self, dioxus::fullstack::ServerFnError> {
        let me = response.json().await?;
        Ok(Joined { me, created: false })
    }
}
