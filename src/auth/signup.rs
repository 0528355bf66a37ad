//! Where accounts come from: `POST /api/auth/signup` as `FLIGHTDECK_SIGNUP` allows (by default
//! nobody signs up: admins invite), the first admin's single-use setup link of an empty store,
//! and `GET /api/auth/options` for the sign-in page. Every route that hashes a password is
//! within the per-address attempt limit.

use super::api::{me_of, sign_in, Attempts};
use super::{parse_workspace_name, password, Email, InputError, NewPassword, SignupRequest};
use super::{AuthOptions, Me, SignupAccepted, SignupMode};
use crate::audit::NewEntry;
use crate::http::{Accepted, ApiError, Created};
use crate::records::Records;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::json;
use tower_sessions::Session;

/// Whether a setup link is still good (204 or 404: not a server function's answer; within the
/// attempt limit, as the setup itself is where the server functions are mounted).
pub fn routes(attempts: &Attempts) -> Router<AppState> {
    Router::new().route("/api/setup/{token}", attempts.limit(get(setup_valid)))
}

fn input(err: InputError) -> ApiError {
    ApiError::field(err.field(), err.to_string())
}

/// GET /api/auth/options — public: whether the sign-in page offers "Create an account".
pub fn options(state: &AppState) -> AuthOptions {
    AuthOptions {
        signup: state.config.security.signup,
    }
}

/// POST /api/auth/signup — with `FLIGHTDECK_SIGNUP=open`, 202 alike whether the email was free
/// (the account and its workspace now exist) or taken (nothing changed): sign in next. Else
/// 403: accounts come through invitations.
pub async fn signup(
    state: &AppState,
    request: SignupRequest,
) -> Result<Accepted<SignupAccepted>, ApiError> {
    if state.config.security.signup != SignupMode::Open {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "accounts are by invitation here: ask an admin of your workspace for an invitation link",
        ));
    }
    let email = Email::parse(&request.email).map_err(input)?;
    let password = NewPassword::parse(&request.password).map_err(input)?;
    let workspace = parse_workspace_name(&request.workspace).map_err(input)?;
    // Hashed whether or not the email is taken, so the answer takes as long either way.
    let hash = password::hash(password.as_str().to_owned()).await?;
    match state
        .records
        .create_account(email.as_str(), &hash, &workspace)
        .await
    {
        Ok(place) => {
            audit_account(&state.records, &place, json!({})).await?;
        }
        Err(super::store::CreateError::EmailTaken) => {
            tracing::info!("sign-up for an email that has an account; answered alike");
        }
        Err(super::store::CreateError::Store(err)) => return Err(err.into()),
    }
    Ok(Accepted(SignupAccepted {
        message:
            "if this email had no account, it has one now with its own workspace: sign in with it"
                .into(),
    }))
}

/// Writes the audit entries of a new account and its workspace.
pub(crate) async fn audit_account(
    records: &Records,
    place: &super::store::Place,
    extra: serde_json::Value,
) -> anyhow::Result<()> {
    let mut after = json!({ "email": place.user.email, "workspace": place.workspace.name });
    if let (Some(after), Some(extra)) = (after.as_object_mut(), extra.as_object()) {
        after.extend(extra.clone());
    }
    let mut entry = NewEntry {
        workspace_id: Some(place.workspace.id.clone()),
        user_id: Some(place.user.id.clone()),
        action: "auth.signup",
        resource_type: "user",
        resource_id: Some(place.user.id.clone()),
        after_state: Some(after),
        metadata: json!({}),
        ..NewEntry::default()
    };
    records.audit(entry.clone()).await?;
    entry.action = "workspace.member_set";
    entry.resource_type = "membership";
    entry.after_state = Some(json!({ "email": place.user.email, "role": place.role }));
    records.audit(entry).await?;
    Ok(())
}

/// GET /api/setup/{token} — public: 204 while the setup link can create the first admin, else 404.
async fn setup_valid(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.records.setup_token_valid(&token).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(setup_not_valid())
    }
}

fn setup_not_valid() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "this setup link is not valid: it was used, has expired, or the first admin exists already",
    )
}

/// POST /api/setup/{token} — the single-use link printed in the log of an empty store: creates
/// the first admin and their workspace, and signs them in (201 with `me`).
pub async fn setup(
    state: &AppState,
    session: &Session,
    token: String,
    request: SignupRequest,
) -> Result<Created<Me>, ApiError> {
    let email = Email::parse(&request.email).map_err(input)?;
    let password = NewPassword::parse(&request.password).map_err(input)?;
    let workspace = parse_workspace_name(&request.workspace).map_err(input)?;
    if !state.records.setup_token_valid(&token).await? {
        return Err(setup_not_valid());
    }
    let hash = password::hash(password.as_str().to_owned()).await?;
    let place = state
        .records
        .create_first_admin(&token, email.as_str(), &hash, &workspace)
        .await?
        .ok_or_else(setup_not_valid)?;
    audit_account(&state.records, &place, json!({ "setup": true })).await?;
    sign_in(state, session, &place).await?;
    Ok(Created(me_of(state, place).await?))
}
