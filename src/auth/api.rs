//! `/api/auth/*`: thin handlers that parse input, call the store and the password hasher, keep
//! the session, and write the audit log (sign-up and the first admin's setup are in
//! [`super::signup`]). [`Auth`] is the extractor every other API uses: user and workspace
//! always come from the session, never from the request body.

use super::password;
use super::sessions::{SessionAuth, AUTH_KEY};
use super::store::Place;
use super::{Email, LoginRequest, Me, Role, SwitchWorkspace, User, Workspace};
use crate::audit::NewEntry;
use crate::http::{ApiError, Removed};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::MethodRouter;
use axum::Router;
use serde_json::json;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};
use tower_sessions::Session;

/// Sign-in and sign-up attempts per client address: bursts of this many…
const ATTEMPT_BURST: u32 = 10;
/// …then one more per this many milliseconds (60 a minute).
const ATTEMPT_EVERY_MS: u64 = 1000;

/// The per-address limit of every route that checks or sets a password (argon2 is deliberately
/// expensive, and guessing passwords should be slow): one budget per client address, shared by
/// sign-in, sign-up, setup and invitations. Made once per router.
#[derive(Clone)]
pub struct Attempts(
    std::sync::Arc<
        tower_governor::governor::GovernorConfig<
            tower_governor::key_extractor::PeerIpKeyExtractor,
            governor::middleware::NoOpMiddleware,
        >,
    >,
);

impl Attempts {
    /// Bursts of [`ATTEMPT_BURST`], then one per [`ATTEMPT_EVERY_MS`].
    pub fn new() -> Self {
        Self(std::sync::Arc::new(
            GovernorConfigBuilder::default()
                .per_millisecond(ATTEMPT_EVERY_MS)
                .burst_size(ATTEMPT_BURST)
                .finish()
                .expect("a valid rate-limit configuration"),
        ))
    }

    /// `route` within the limit: a client over it gets 429 with `Retry-After`.
    pub fn limit(&self, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
        route.layer(GovernorLayer::new(self.0.clone()).error_handler(too_many_attempts))
    }
}

impl Default for Attempts {
    fn default() -> Self {
        Self::new()
    }
}

/// The account route that is not a server function: whether a setup link is still good (204
/// or 404, asked by scripts only).
pub fn routes(attempts: &Attempts) -> Router<AppState> {
    super::signup::routes(attempts)
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
    /// When the session ends however active (ms since the Unix epoch).
    pub ends_at: i64,
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
            ApiError::retry_after(
                wait_time,
                format!("too many attempts from your address; try again in {wait_time} s"),
            )
            .into_response()
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
        match signed_in(state, &session).await? {
            Some((place, ends_at)) => Ok(Auth {
                user: place.user,
                workspace: place.workspace,
                role: place.role,
                session,
                ends_at,
            }),
            None => Err(not_signed_in()),
        }
    }
}

/// Who the session belongs to, where, and when it ends; `None` (the session emptied) when it
/// is past its absolute lifetime or its user belongs to no workspace any more.
pub(crate) async fn signed_in(
    state: &AppState,
    session: &Session,
) -> Result<Option<(Place, i64)>, ApiError> {
    let Some(auth) = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    if !auth.is_current() {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    let place = match state
        .records
        .place(&auth.user_id, &auth.workspace_id)
        .await?
    {
        Some(place) => place,
        // Removed from that workspace since: land in another one, or sign out.
        None => match state.records.first_place(&auth.user_id).await? {
            Some(place) => {
                remember(session, &place, auth.ends_at).await?;
                place
            }
            None => {
                session.flush().await.map_err(session_error)?;
                return Ok(None);
            }
        },
    };
    Ok(Some((place, auth.ends_at)))
}

/// Keeps who and where in the session, which ends at `ends_at` at the latest.
pub(crate) async fn remember(
    session: &Session,
    place: &Place,
    ends_at: i64,
) -> Result<(), ApiError> {
    let auth = SessionAuth {
        user_id: place.user.id.clone(),
        workspace_id: place.workspace.id.clone(),
        ends_at,
    };
    session.insert(AUTH_KEY, auth).await.map_err(session_error)
}

/// Starts a new session for `place` (a fresh id, so a planted one is worthless), ending after
/// `FLIGHTDECK_SESSION_MAX_AGE` however active.
pub(crate) async fn sign_in(
    state: &AppState,
    session: &Session,
    place: &Place,
) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(session_error)?;
    let max_age = state.config.security.session_max_age.as_millis() as i64;
    remember(session, place, crate::records::now_ms() + max_age).await
}

/// The answer of sign-in, sign-up and switching: the user, where they are and their workspaces.
pub(crate) async fn me_of(state: &AppState, place: Place) -> Result<Me, ApiError> {
    let workspaces = state.records.workspaces_of(&place.user.id).await?;
    Ok(Me {
        user: place.user,
        workspace: place.workspace,
        role: place.role,
        workspaces,
    })
}

/// POST /api/auth/login — 401 for any wrong part, without saying which; 429 with `Retry-After`
/// while the account backs off after failed attempts ([`super::backoff`]).
pub async fn login(
    state: &AppState,
    session: &Session,
    request: LoginRequest,
) -> Result<Me, ApiError> {
    let (backoff, email) = (state.quotas.sign_in.clone(), request.email.clone());
    backoff
        .guard(&email, check_credentials(state, session, request))
        .await
}

/// Signs in when the email and password match.
async fn check_credentials(
    state: &AppState,
    session: &Session,
    request: LoginRequest,
) -> Result<Me, ApiError> {
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
    sign_in(state, session, &place).await?;
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
    me_of(state, place).await
}

/// POST /api/auth/logout — ends the session (a no-op without one).
pub async fn logout(state: &AppState, session: &Session) -> Result<Removed, ApiError> {
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
        crate::sync::api::end_session(state, &id, crate::sync::api::Ending::SignedOut).await;
    }
    Ok(Removed { success: true })
}

/// GET /api/auth/me — who is signed in, where, and their other workspaces.
pub async fn me(state: &AppState, auth: Auth) -> Result<Me, ApiError> {
    let place = Place {
        user: auth.user,
        workspace: auth.workspace,
        role: auth.role,
    };
    me_of(state, place).await
}

/// POST /api/auth/workspace — 404 for a workspace that does not exist or is not the user's alike.
pub async fn switch_workspace(
    state: &AppState,
    auth: &Auth,
    request: SwitchWorkspace,
) -> Result<Me, ApiError> {
    let place = state
        .records
        .place(&auth.user.id, &request.workspace_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such workspace"))?;
    remember(&auth.session, &place, auth.ends_at).await?;
    let mut entry = auth.entry("auth.switch_workspace", "session");
    entry.workspace_id = Some(place.workspace.id.clone());
    entry.metadata = json!({ "from": auth.workspace.id });
    state.records.audit(entry).await?;
    if let Some(id) = auth.session.id() {
        let why = crate::sync::api::Ending::WorkspaceChanged;
        crate::sync::api::end_session(state, &id.to_string(), why).await;
    }
    me_of(state, place).await
}
