//! The services behind `/api/dashboard/state` (`server_fns.rs`): the signed-in user's dashboard
//! in the session's workspace. Saves are compare-and-set on the revision (409 with the server's
//! copy when stale), bodies or states past `DASHBOARD_STATE_MAX_BYTES` (the route's body limit,
//! `server::router`) and states past `FLIGHTDECK_MAX_WIDGETS` get 413, malformed ones 400 naming
//! the field; stored states of an older schema are migrated when read, and one that cannot be is
//! kept aside, never dropped.

use super::migrate::{load_or_default, migrate, MigrationError};
use super::store::{Saved, Scope, Stored};
use super::{SaveRequest, SaveResponse, ServerCopy};
use crate::auth::api::Auth;
use crate::http::{ApiError, Removed};
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::{json, Value};

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
) -> Result<ServerCopy, ApiError> {
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
    Ok(ServerCopy {
        version: stored.revision,
        state: current,
        last_modified: stored.updated_at,
    })
}

/// GET /api/dashboard/state — 404 when nothing is saved yet (or it expired).
pub async fn load(state: &AppState, auth: &Auth) -> Result<ServerCopy, ApiError> {
    let stored = state.states.load(scope(auth)).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no dashboard state is saved for you in this workspace",
        )
    })?;
    read_stored(state, auth, stored).await
}

/// POST /api/dashboard/state — saves when `version` is not older than the stored revision.
pub async fn save(
    state: &AppState,
    auth: &Auth,
    request: SaveRequest,
) -> Result<SaveResponse, ApiError> {
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
    crate::sync::service::check_limits(state, None, (&incoming, json.len()))
        .map_err(|err| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, err.to_string()))?;
    match crate::sync::service::commit_full(state, scope(auth), request.version, &json).await? {
        Saved::Accepted { revision } => {
            let mut entry = auth.entry("dashboard.save", "dashboard_state");
            entry.resource_id = Some(format!("{}:{}", auth.workspace.id, auth.user.id));
            entry.before_state =
                (request.version > 0).then(|| json!({ "revision": request.version }));
            entry.after_state =
                Some(json!({ "revision": revision, "widgets": incoming.widgets.len() }));
            entry.metadata = json!({ "bytes": json.len(), "migratedFrom": migrated.from_version });
            state.records.audit(entry).await?;
            Ok(SaveResponse {
                success: true,
                server_version: revision,
            })
        }
        Saved::Stale(stored) => {
            let current = read_stored(state, auth, stored).await?;
            let message = format!(
                "this save was based on revision {} but the server has revision {}; merge with the server's copy and save again",
                request.version, current.version
            );
            Err(ApiError::new(StatusCode::CONFLICT, message)
                .with("serverVersion", &current.version)
                .with("state", &current.state)
                .with("lastModified", &current.last_modified))
        }
    }
}

/// DELETE /api/dashboard/state — removes the saved state (the next load starts from defaults).
pub async fn delete(state: &AppState, auth: &Auth) -> Result<Removed, ApiError> {
    let existed = crate::sync::service::commit_delete(state, scope(auth)).await?;
    let mut entry = auth.entry("dashboard.delete", "dashboard_state");
    entry.resource_id = Some(format!("{}:{}", auth.workspace.id, auth.user.id));
    entry.metadata = json!({ "existed": existed });
    state.records.audit(entry).await?;
    Ok(Removed { success: true })
}
