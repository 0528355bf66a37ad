//! `/api/auth/*` and `/api/workspace/members`: thin handlers that parse input, call the store and
//! the password hasher, keep the session, and write the audit log. [`Auth`] is the extractor every
//! other API uses: user and workspace always come from the session, never from the request body.

use super::password;
use super::sessions::{SessionAuth, AUTH_KEY};
use super::store::{CreateError, Place};
use super::{
    parse_workspace_name, Email, LoginRequest, Me, Member, NewPassword, Role, SetMember,
    SignupRequest, SwitchWorkspace, User, Workspace,
};
use crate::audit::NewEntry;
use crate::http::{ApiError, JsonBody};
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};
use tower_sessions::Session;

/// Sign-in and sign-up attempts per client address: bursts of this many…
const ATTEMPT_BURST: u32 = 10;
/// …then one more per this many milliseconds (60 a minute).
const ATTEMPT_EVERY_MS: u64 = 1000;

/// The account routes. Sign-in and sign-up are rate-limited per client address (argon2 is
/// deliberately expensive, and guessing passwords should be slow); a client over the limit gets
/// 429 with `Retry-After`.
pub fn routes() -> Router<AppState> {
    let limit = std::sync::Arc::new(
        GovernorConfigBuilder::default()
            .per_millisecond(ATTEMPT_EVERY_MS)
            .burst_size(ATTEMPT_BURST)
            .finish()
            .expect("a valid rate-limit configuration"),
    );
    let limited = |route: axum::routing::MethodRouter<AppState>| {
        route.layer(GovernorLayer::new(limit.clone()).error_handler(too_many_attempts))
    };
    Router::new()
        .route("/api/auth/signup", limited(post(signup)))
        .route("/api/auth/login", limited(post(login)))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/auth/workspace", post(switch_workspace))
        .route("/api/workspace/members", get(list_members).put(set_member))
}

/// The signed-in user of a request, in the workspace their session is in.
#[derive(Clone, Debug)]
pub struct Auth {
    /// Who.
    pub user: User,
    /// Where.
    pub workspace: Workspace,
    /// As what.
    pub role: Role,
    /// Their session (to switch workspace or sign out).
    pub session: Session,
}

impl Auth {
    /// 403 unless the role may change what the workspace shares.
    pub fn require_shared_changes(&self) -> Result<(), ApiError> {
        if self.role.can_change_shared() {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "a {} cannot change what the workspace shares",
                    self.role.as_str()
                ),
            ))
        }
    }

    /// 403 unless the user is an admin here; `to` says what only an admin may do.
    pub fn require_admin(&self, to: &str) -> Result<(), ApiError> {
        if self.role.can_manage_members() {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("only an admin can {to}"),
            ))
        }
    }

    /// The audit entry skeleton for something this user did here.
    pub fn entry(&self, action: &'static str, resource_type: &'static str) -> NewEntry {
        NewEntry {
            workspace_id: Some(self.workspace.id.clone()),
            user_id: Some(self.user.id.clone()),
            action,
            resource_type,
            metadata: json!({}),
            ..NewEntry::default()
        }
    }
}

fn too_many_attempts(error: GovernorError) -> axum::response::Response {
    use axum::response::IntoResponse;
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            // Whole seconds, rounded up: "0" would invite an immediate retry.
            let wait_time = wait_time.max(1);
            let message =
                format!("too many attempts from your address; try again in {wait_time} s");
            let mut response =
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response();
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, wait_time.into());
            response
        }
        other => ApiError::internal(format!("rate limiter: {other}")).into_response(),
    }
}

fn not_signed_in() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "sign in first")
}

fn session_error(err: tower_sessions::session::Error) -> ApiError {
    ApiError::internal(format!("session store: {err}"))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| ApiError::internal(why))?;
        let Some(auth) = session
            .get::<SessionAuth>(AUTH_KEY)
            .await
            .map_err(session_error)?
        else {
            return Err(not_signed_in());
        };
        let place = match state
            .records
            .place(&auth.user_id, &auth.workspace_id)
            .await?
        {
            Some(place) => place,
            // Removed from that workspace since: land in another one, or sign out.
            None => match state.records.first_place(&auth.user_id).await? {
                Some(place) => {
                    remember(&session, &place).await?;
                    place
                }
                None => {
                    session.flush().await.map_err(session_error)?;
                    return Err(not_signed_in());
                }
            },
        };
        Ok(Auth {
            user: place.user,
            workspace: place.workspace,
            role: place.role,
            session,
        })
    }
}

async fn remember(session: &Session, place: &Place) -> Result<(), ApiError> {
    let auth = SessionAuth {
        user_id: place.user.id.clone(),
        workspace_id: place.workspace.id.clone(),
    };
    session.insert(AUTH_KEY, auth).await.map_err(session_error)
}

async fn me_of(state: &AppState, place: Place) -> Result<Me, ApiError> {
    let workspaces = state.records.workspaces_of(&place.user.id).await?;
    Ok(Me {
        user: place.user,
        workspace: place.workspace,
        role: place.role,
        workspaces,
    })
}

/// POST /api/auth/signup — a new account and workspace; signs in. 409 when the email is taken.
async fn signup(
    State(state): State<AppState>,
    session: Session,
    JsonBody(request): JsonBody<SignupRequest>,
) -> Result<(StatusCode, Json<Me>), ApiError> {
    let input = |err: super::InputError| ApiError::field(err.field(), err.to_string());
    let email = Email::parse(&request.email).map_err(input)?;
    let password = NewPassword::parse(&request.password).map_err(input)?;
    let workspace = parse_workspace_name(&request.workspace).map_err(input)?;
    let hash = password::hash(password.as_str().to_owned()).await?;
    let place = match state
        .records
        .create_account(email.as_str(), &hash, &workspace)
        .await
    {
        Ok(place) => place,
        Err(CreateError::EmailTaken) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                CreateError::EmailTaken.to_string(),
            ))
        }
        Err(CreateError::Store(err)) => return Err(err.into()),
    };
    session.cycle_id().await.map_err(session_error)?;
    remember(&session, &place).await?;
    let mut entry = NewEntry {
        workspace_id: Some(place.workspace.id.clone()),
        user_id: Some(place.user.id.clone()),
        action: "auth.signup",
        resource_type: "user",
        resource_id: Some(place.user.id.clone()),
        after_state: Some(json!({ "email": place.user.email, "workspace": place.workspace.name })),
        metadata: json!({}),
        ..NewEntry::default()
    };
    state.records.audit(entry.clone()).await?;
    entry.action = "workspace.member_set";
    entry.resource_type = "membership";
    entry.after_state = Some(json!({ "email": place.user.email, "role": "admin" }));
    state.records.audit(entry).await?;
    Ok((StatusCode::CREATED, Json(me_of(&state, place).await?)))
}

/// POST /api/auth/login — 401 for any wrong part, without saying which; 429 with `Retry-After`
/// while the account backs off after failed attempts ([`super::backoff`]).
async fn login(state: State<AppState>, session: Session, body: JsonBody<LoginRequest>) -> Response {
    let (backoff, email) = (state.quotas.sign_in.clone(), body.0.email.clone());
    backoff.guard(&email, sign_in(state, session, body)).await
}

async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<Me>, ApiError> {
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "wrong email or password");
    let email = Email::parse(&request.email).ok();
    let credentials = match &email {
        Some(email) => state.records.credentials(email.as_str()).await?,
        None => None,
    };
    let (user_id, hash) = credentials.unzip();
    if !password::verify(request.password, hash).await? {
        state
            .records
            .audit(NewEntry {
                user_id,
                action: "auth.login_failed",
                resource_type: "session",
                metadata: json!({ "email": email.map(|e| e.as_str().to_owned()) }),
                ..NewEntry::default()
            })
            .await?;
        return Err(wrong());
    }
    let user_id = user_id.ok_or_else(wrong)?;
    let place = state.records.first_place(&user_id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "this account belongs to no workspace; ask an admin to add you",
        )
    })?;
    session.cycle_id().await.map_err(session_error)?;
    remember(&session, &place).await?;
    state
        .records
        .audit(NewEntry {
            workspace_id: Some(place.workspace.id.clone()),
            user_id: Some(place.user.id.clone()),
            action: "auth.login",
            resource_type: "session",
            metadata: json!({}),
            ..NewEntry::default()
        })
        .await?;
    Ok(Json(me_of(&state, place).await?))
}

/// POST /api/auth/logout — ends the session (a no-op without one).
async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<serde_json::Value>, ApiError> {
    if let Some(auth) = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
    {
        state
            .records
            .audit(NewEntry {
                workspace_id: Some(auth.workspace_id),
                user_id: Some(auth.user_id),
                action: "auth.logout",
                resource_type: "session",
                metadata: json!({}),
                ..NewEntry::default()
            })
            .await?;
    }
    let id = session.id().map(|id| id.to_string());
    session.flush().await.map_err(session_error)?;
    if let Some(id) = id {
        crate::sync::api::end_session(&state, &id, crate::sync::api::Ending::SignedOut).await;
    }
    Ok(Json(json!({ "success": true })))
}

/// GET /api/auth/me — who is signed in, where, and their other workspaces.
async fn me(State(state): State<AppState>, auth: Auth) -> Result<Json<Me>, ApiError> {
    let place = Place {
        user: auth.user,
        workspace: auth.workspace,
        role: auth.role,
    };
    Ok(Json(me_of(&state, place).await?))
}

/// POST /api/auth/workspace — 404 for a workspace that does not exist or is not the user's alike.
async fn switch_workspace(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(request): JsonBody<SwitchWorkspace>,
) -> Result<Json<Me>, ApiError> {
    let place = state
        .records
        .place(&auth.user.id, &request.workspace_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such workspace"))?;
    remember(&auth.session, &place).await?;
    let mut entry = auth.entry("auth.switch_workspace", "session");
    entry.workspace_id = Some(place.workspace.id.clone());
    entry.metadata = json!({ "from": auth.workspace.id });
    state.records.audit(entry).await?;
    if let Some(id) = auth.session.id() {
        let why = crate::sync::api::Ending::WorkspaceChanged;
        crate::sync::api::end_session(&state, &id.to_string(), why).await;
    }
    Ok(Json(me_of(&state, place).await?))
}

/// GET /api/workspace/members — the current workspace's members.
async fn list_members(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<Member>>, ApiError> {
    Ok(Json(state.records.members(&auth.workspace.id).await?))
}

/// PUT /api/workspace/members — admins add an existing account or change a member's role.
async fn set_member(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(request): JsonBody<SetMember>,
) -> Result<Json<Vec<Member>>, ApiError> {
    auth.require_admin("change who belongs to the workspace")?;
    let email =
        Email::parse(&request.email).map_err(|err| ApiError::field("email", err.to_string()))?;
    let user = state
        .records
        .user_by_email(email.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no account has this email; they sign up first",
            )
        })?;
    if user.id == auth.user.id {
        return Err(ApiError::field("email", "you cannot change your own role"));
    }
    let before = state
        .records
        .set_membership(&auth.workspace.id, &user.id, request.role)
        .await?;
    let mut entry = auth.entry("workspace.member_set", "membership");
    entry.resource_id = Some(user.id.clone());
    entry.before_state = before.map(|role| json!({ "email": user.email, "role": role }));
    entry.after_state = Some(json!({ "email": user.email, "role": request.role }));
    state.records.audit(entry).await?;
    crate::sync::api::member_changed(&state, &auth.workspace.id, &user.id).await;
    Ok(Json(state.records.members(&auth.workspace.id).await?))
}
