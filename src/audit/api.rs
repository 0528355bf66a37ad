//! The audit log over HTTP, for every role (viewers read too; nobody edits or deletes). The
//! pages' reads are services behind `server_fns.rs`; the routes here are the CSV export (a
//! streamed download) and the 405 for any method but `GET` on the log (it is append-only).

use super::{AuditEntry, AuditFacets, AuditPage, ChainReport, NewEntry, Params, RecentQuery};
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;

/// The audit routes that are not server functions: the export, and the log's refusal of every
/// method but `GET` (merged with the server functions' `GET`s of the same paths).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/audit-logs", any(append_only))
        .route("/api/audit-logs/export.csv", get(export))
        .route("/api/audit-logs/{id}", any(append_only))
}

/// GET /api/audit?limit=N — newest first, only the session's workspace.
pub async fn recent(
    state: &AppState,
    auth: &Auth,
    query: RecentQuery,
) -> Result<Vec<AuditEntry>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "limit must be from 1 to 500"));
    }
    Ok(state
        .records
        .audit_entries(&auth.workspace.id, limit)
        .await?)
}

/// GET /api/audit/verify — walks the workspace's hash chain.
pub async fn verify(state: &AppState, auth: &Auth) -> Result<ChainReport, ApiError> {
    Ok(state.records.verify_audit_chain(&auth.workspace.id).await?)
}

/// GET /api/audit-logs — one page of the filter (see [`Params`]).
pub async fn page(state: &AppState, auth: &Auth, params: Params) -> Result<AuditPage, ApiError> {
    let criteria = params.criteria()?;
    Ok(state
        .records
        .audit_page(&auth.workspace.id, &criteria)
        .await?)
}

/// GET /api/audit-logs/export.csv — every entry of the filter as CSV, streamed. The export is
/// itself recorded (who exported what).
async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let criteria = params.criteria()?;
    state
        .records
        .audit(NewEntry {
            workspace_id: Some(auth.workspace.id.clone()),
            user_id: Some(auth.user.id.clone()),
            action: "audit.export",
            resource_type: "audit_log",
            metadata: serde_json::json!({ "filter": format!("{criteria:?}") }),
            ..Default::default()
        })
        .await?;
    let day = super::export::rfc3339(crate::records::now_ms());
    let name = format!("flightdeck-audit-{}.csv", &day[..10]);
    let body = Body::from_stream(super::export::stream(
        state.records.clone(),
        auth.workspace.id.clone(),
        criteria,
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// GET /api/audit-logs/facets — the values the filters offer.
pub async fn facets(state: &AppState, auth: &Auth) -> Result<AuditFacets, ApiError> {
    Ok(state.records.audit_facets(&auth.workspace.id).await?)
}

/// GET /api/audit-logs/{id} — one entry of the session's workspace.
pub async fn one(state: &AppState, auth: &Auth, id: String) -> Result<AuditEntry, ApiError> {
    state
        .records
        .audit_entry(&auth.workspace.id, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no audit entry {id}")))
}

/// Any method but GET on the log: refused, whoever asks.
async fn append_only() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "the audit log is append-only: entries can be read, never changed or deleted",
    )
}
