//! The server's copy of the dashboard, from the browser: fetch it, and save with the revision the
//! change was based on. A stale save comes back with the server's copy to merge with.

use super::server_fns;
use super::{DashboardState, SaveRequest};
use crate::http::{CallError, JsonBody};

/// How a save ended.
pub enum Pushed {
    /// Stored as this revision.
    Saved(u64),
    /// Refused as stale: the server's newer copy.
    Stale(DashboardState),
}

/// The server's copy; `None` when it has none.
pub async fn fetch() -> Result<Option<DashboardState>, CallError> {
    match server_fns::load().await {
        Ok(answer) => Ok(Some(answer.state)),
        Err(err) if err.status == 404 => Ok(None),
        Err(err) => Err(err),
    }
}

/// Saves `state` as based on its own revision.
pub async fn push(state: &DashboardState) -> Result<Pushed, CallError> {
    let request = SaveRequest {
        version: state.revision,
        // A state always serialises (string keys only); were it not, the server's 400 would
        // name `state`.
        state: serde_json::to_value(state).unwrap_or_default(),
    };
    match server_fns::save(JsonBody(request)).await {
        Ok(answer) => Ok(Pushed::Saved(answer.server_version)),
        Err(err) if err.status == 409 => serde_json::from_value(err.raw["state"].clone())
            .map(Pushed::Stale)
            .map_err(|_| err),
        Err(err) => Err(err),
    }
}
