//! The settings services behind `server_fns.rs`: read both scopes; replace the user's own;
//! replace the workspace's shared ones (403 for a viewer). Every accepted change is audited with
//! the document before and after.

use super::{AllSettings, UserSettings, WorkspaceSettings};
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::state::AppState;
use serde_json::json;

/// GET /api/settings — the user's settings, the workspace's, and whether they may change the latter.
pub async fn all(state: &AppState, auth: &Auth) -> Result<AllSettings, ApiError> {
    Ok(AllSettings {
        user: state.records.user_settings(&auth.user.id).await?,
        workspace: state.records.workspace_settings(&auth.workspace.id).await?,
        can_change_workspace: auth.role.can_change_shared(),
    })
}

/// PUT /api/settings/user — replaces the user's settings; 400 naming an out-of-range field.
pub async fn put_user(
    state: &AppState,
    auth: &Auth,
    settings: UserSettings,
) -> Result<UserSettings, ApiError> {
    settings
        .validate()
        .map_err(|err| ApiError::field(err.field, err.to_string()))?;
    let before = state.records.user_settings(&auth.user.id).await?;
    if before == settings {
        return Ok(settings);
    }
    state
        .records
        .put_user_settings(&auth.user.id, &settings)
        .await?;
    let mut entry = auth.entry("settings.update", "user_settings");
    entry.resource_id = Some(auth.user.id.clone());
    entry.before_state = Some(json!(before));
    entry.after_state = Some(json!(settings));
    state.records.audit(entry).await?;
    Ok(settings)
}

/// PUT /api/settings/workspace — replaces the shared settings; admins and operators only.
pub async fn put_workspace(
    state: &AppState,
    auth: &Auth,
    settings: WorkspaceSettings,
) -> Result<WorkspaceSettings, ApiError> {
    auth.require_shared_changes()?;
    let before = state.records.workspace_settings(&auth.workspace.id).await?;
    if before == settings {
        return Ok(settings);
    }
    state
        .records
        .put_workspace_settings(&auth.workspace.id, &settings)
        .await?;
    let mut entry = auth.entry("settings.update", "workspace_settings");
    entry.resource_id = Some(auth.workspace.id.clone());
    entry.before_state = Some(json!(before));
    entry.after_state = Some(json!(settings));
    state.records.audit(entry).await?;
    Ok(settings)
}
