//! The server's copy of the dashboard, from the browser: fetch it, and save with the revision the
//! change was based on. A stale save comes back with the server's copy to merge with.

use super::{DashboardState, ServerCopy};
use crate::http::{call, CallError};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SaveAnswer {
    server_version: u64,
}

/// How a save ended.
pub enum Pushed {
    /// Stored as this revision.
    Saved(u64),
    /// Refused as stale: the server's newer copy.
    Stale(DashboardState),
}

/// The server's copy; `None` when it has none.
pub async fn fetch() -> Result<Option<DashboardState>, CallError> {
    match call::<ServerCopy>("GET", "/api/dashboard/state", None).await {
        Ok(answer) => Ok(Some(answer.state)),
        Err(err) if err.status == 404 => Ok(None),
        Err(err) => Err(err),
    }
}

/// Saves `state` as based on its own revision.
pub async fn push(state: &DashboardState) -> Result<Pushed, CallError> {
    let body = json!({ "version": state.revision, "state": state });
    match call::<SaveAnswer>("POST", "/api/dashboard/state", Some(body)).await {
        Ok(answer) => Ok(Pushed::Saved(answer.server_version)),
        Err(err) if err.status == 409 => serde_json::from_value(err.raw["state"].clone())
            .map(Pushed::Stale)
            .map_err(|_| err),
        Err(err) => Err(err),
    }
}
