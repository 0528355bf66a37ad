//! The audit log's routes, for every role (viewers read too; nobody edits or deletes):
//! `GET /api/audit-logs` — filtered pages, newest first, by offset or cursor;
//! `GET /api/audit-logs/export.csv` — the same filter, every entry, streamed;
//! `GET /api/audit-logs/facets` — the values the filters offer;
//! `GET /api/audit-logs/{id}` — one entry (any other method: 405, the log is append-only);
//! `GET /api/audit/verify` — whether the hash chain is intact;
//! `GET /api/audit` — the newest entries (kept for earlier clients).

use super::query::Params;
use super::{AuditEntry, AuditFacets, AuditPage, ChainReport, NewEntry};
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

/// The audit routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/audit", get(list_entries))
        .route("/api/audit/verify", get(verify))
        .route("/api/audit-logs", get(page).fallback(append_only))
        .route("/api/audit-logs/export.csv", get(export))
        .route("/api/audit-logs/facets", get(facets))
        .route("/api/audit-logs/{id}", get(one).fallback(append_only))
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

/// GET /api/audit-logs — one page of the filter (see [`Params`]).
async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<AuditPage>, ApiError> {
    let criteria = params.criteria()?;
    Ok(Json(
        state
            .records
            .audit_page(&auth.workspace.id, &criteria)
            .await?,
    ))
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

/// GET /api/audit-logs/facets
async fn facets(State(state): State<AppState>, auth: Auth) -> Result<Json<AuditFacets>, ApiError> {
    Ok(Json(state.records.audit_facets(&auth.workspace.id).await?))
}

/// GET /api/audit-logs/{id} — one entry of the session's workspace.
async fn one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AuditEntry>, ApiError> {
    state
        .records
        .audit_entry(&auth.workspace.id, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no audit entry {id}")))
}

/// Any method but GET on the log: refused, whoever asks.
async fn append_only() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "the audit log is append-only: entries can be read, never changed or deleted",
    )
}
