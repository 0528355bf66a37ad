//! `/api/dashboard/state`: the signed-in user's dashboard in the session's workspace. Saves are
//! compare-and-set on the revision (409 with the server's copy when stale), bodies or states past
//! `DASHBOARD_STATE_MAX_BYTES` and states past `FLIGHTDECK_MAX_WIDGETS` get 413, malformed ones
//! 400 naming the field; stored states of an older schema are migrated when read, and one that
//! cannot be is kept aside, never dropped.

use super::migrate::{load_or_default, migrate, MigrationError};
use super::store::{Saved, Scope, Stored};
use super::DashboardState;
use crate::auth::api::Auth;
use crate::http::{ApiError, JsonBody};
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The dashboard-state routes, with the configured body limit.
pub fn routes(max_bytes: usize) -> Router<AppState> {
    Router::new().route(
        "/api/dashboard/state",
        get(get_state)
            .post(save_state)
            .delete(delete_state)
            .layer(DefaultBodyLimit::max(max_bytes)),
    )
}

/// `POST /api/dashboard/state` body: the state and the revision it is based on.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// The server revision this state was based on (0 for one never saved).
    pub version: u64,
    /// The dashboard state (any known schema version; migrated before it is stored).
    pub state: Value,
}

/// `GET /api/dashboard/state` answer.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateResponse {
    /// The revision.
    pub version: u64,
    /// The state, migrated to this build's schema.
    pub state: DashboardState,
    /// When it was last written, in milliseconds since the Unix epoch.
    pub last_modified: i64,
}

/// `POST` answer.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveResponse {
    /// Always true on 200.
    pub success: bool,
    /// The revision the state was stored as.
    pub server_version: u64,
}

fn scope(auth: &Auth) -> Scope<'_> {
    Scope {
        user_id: &auth.user.id,
        workspace_id: &auth.workspace.id,
    }
}

/// Turns a stored document into the current schema; one that cannot be is backed up and the
/// defaults are given instead.
async fn read_stored(
    state: &AppState,
    auth: &Auth,
    stored: Stored,
) -> Result<StateResponse, ApiError> {
    let value: Value = serde_json::from_str(&stored.json).unwrap_or(Value::Null);
    let loaded = load_or_default(value);
    for step in &loaded.log {
        tracing::info!(user = %auth.user.id, workspace = %auth.workspace.id, "stored dashboard state migrated: {step}");
    }
    if let Some((_, err)) = &loaded.set_aside {
        tracing::warn!(user = %auth.user.id, workspace = %auth.workspace.id, "stored dashboard state set aside: {err}");
        state.states.keep_backup(scope(auth), &stored.json).await?;
    }
    let mut current = loaded.state;
    current.revision = stored.revision;
    Ok(StateResponse {
        version: stored.revision,
        state: current,
        last_modified: stored.updated_at,
    })
}

/// GET /api/dashboard/state — 404 when nothing is saved yet (or it expired).
async fn get_state(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<StateResponse>, ApiError> {
    let stored = state.states.load(scope(&auth)).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no dashboard state is saved for you in this workspace",
        )
    })?;
    Ok(Json(read_stored(&state, &auth, stored).await?))
}

/// POST /api/dashboard/state — saves when `version` is not older than the stored revision.
async fn save_state(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(request): JsonBody<SaveRequest>,
) -> Result<Response, ApiError> {
    let migrated = migrate(request.state).map_err(|err| {
        let field = match &err {
            MigrationError::Invalid {
                path: Some(path), ..
            } => format!("state.{path}"),
            _ => "state".to_string(),
        };
        ApiError::field(field, format!("state: {err}"))
    })?;
    let mut incoming = migrated.state;
    let json = {
        incoming.revision = request.version;
        serde_json::to_string(&incoming).map_err(ApiError::internal)?
    };
    crate::sync::service::check_limits(&state, None, (&incoming, json.len()))
        .map_err(|err| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, err.to_string()))?;
    match crate::sync::service::commit_full(&state, scope(&auth), request.version, &json).await? {
        Saved::Accepted { revision } => {
            let mut entry = auth.entry("dashboard.save", "dashboard_state");
            entry.resource_id = Some(format!("{}:{}", auth.workspace.id, auth.user.id));
            entry.before_state =
                (request.version > 0).then(|| json!({ "revision": request.version }));
            entry.after_state =
                Some(json!({ "revision": revision, "widgets": incoming.widgets.len() }));
            entry.metadata = json!({ "bytes": json.len(), "migratedFrom": migrated.from_version });
            state.records.audit(entry).await?;
            Ok(Json(SaveResponse {
                success: true,
                server_version: revision,
            })
            .into_response())
        }
        Saved::Stale(stored) => {
            let current = read_stored(&state, &auth, stored).await?;
            let body = json!({
                "error": format!(
                    "this save was based on revision {} but the server has revision {}; merge with the server's copy and save again",
                    request.version, current.version
                ),
                "serverVersion": current.version,
                "state": current.state,
                "lastModified": current.last_modified,
            });
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
    }
}

/// DELETE /api/dashboard/state — removes the saved state (the next load starts from defaults).
async fn delete_state(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    let existed = crate::sync::service::commit_delete(&state, scope(&auth)).await?;
    let mut entry = auth.entry("dashboard.delete", "dashboard_state");
    entry.resource_id = Some(format!("{}:{}", auth.workspace.id, auth.user.id));
    entry.metadata = json!({ "existed": existed });
    state.records.audit(entry).await?;
    Ok(Json(json!({ "success": true })))
}
