//! `GET /api/audit` — the current workspace's newest audit entries (the audit page builds on it);
//! `GET /api/audit/verify` — whether its hash chain is intact.

use super::{AuditEntry, ChainReport};
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

/// The audit routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/audit", get(list_entries))
        .route("/api/audit/verify", get(verify))
}

/// Query of `GET /api/audit`.
#[derive(Deserialize)]
pub struct ListQuery {
    /// How many entries, 1 to 500 (default 100).
    pub limit: Option<i64>,
}

/// GET /api/audit?limit=N — newest first, only the session's workspace.
async fn list_entries(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "limit must be from 1 to 500"));
    }
    Ok(Json(
        state
            .records
            .audit_entries(&auth.workspace.id, limit)
            .await?,
    ))
}

/// GET /api/audit/verify — walks the workspace's hash chain.
async fn verify(State(state): State<AppState>, auth: Auth) -> Result<Json<ChainReport>, ApiError> {
    Ok(Json(
        state.records.verify_audit_chain(&auth.workspace.id).await?,
    ))
}
