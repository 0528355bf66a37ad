//! The operators' approval endpoints (session cookie): list, approve, reject, cancel, and bulk
//! decisions with a result per id. Viewers may look but not decide.

use super::events::{end, end_edited, Actor};
use super::store::Transition;
use super::{
    Approval, Bulk, BulkResult, Decision, Status, Verdict, MAX_ARGUMENTS, MAX_BULK, MAX_COMMENT,
};
use crate::auth::api::Auth;
use crate::http::{ApiError, JsonBody};
use crate::records::now_ms;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The operator routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/approvals", get(list))
        .route("/api/approvals/bulk", post(bulk))
        .route("/api/approvals/{id}", get(one).delete(cancel))
        .route("/api/approvals/{id}/approve", post(approve))
        .route("/api/approvals/{id}/reject", post(reject))
}

/// `GET /api/approvals` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this status.
    pub status: Option<String>,
    /// At most this many (1 to 1,000; default 200).
    pub limit: Option<i64>,
}

/// `DELETE /api/approvals/{id}` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// Told to the waiting agent.
    pub reason: Option<String>,
}

fn require_decider(auth: &Auth) -> Result<(), ApiError> {
    if auth.role.can_change_shared() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("a {} cannot decide approvals", auth.role.as_str()),
        ))
    }
}

fn check_comment(comment: Option<&str>) -> Result<(), ApiError> {
    match comment {
        Some(text) if text.chars().count() > MAX_COMMENT => Err(ApiError::field(
            "comment",
            format!("comment must be at most {MAX_COMMENT} characters"),
        )),
        _ => Ok(()),
    }
}

/// A body that may be empty: `{comment?}` or nothing.
/// An optional JSON body: none, or JSON said to be JSON.
fn optional(headers: &HeaderMap, body: &[u8]) -> Result<Decision, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Decision::default())
    } else {
        crate::http::require_json(headers)?;
        crate::http::parse(body)
    }
}

fn person(auth: &Auth) -> Actor {
    Actor {
        user_id: Some(auth.user.id.clone()),
        agent_id: None,
        name: auth.user.email.clone(),
    }
}

/// The 409 of a transition another ending beat: why, and the approval as it is.
#[derive(Debug, Serialize, utoipa::ToSchema, schemars::JsonSchema)]
pub struct Conflict {
    /// What it already is.
    pub error: String,
    /// The approval as it is now.
    pub approval: Approval,
}

/// The answer to a transition: 200 with the approval (now or already so), 409 with it when
/// another ending came first, 404 when there is no such approval here.
pub fn answer(transition: Transition) -> Response {
    match transition {
        Transition::Applied(approval) | Transition::Already(approval) => {
            Json(approval).into_response()
        }
        Transition::Conflict(approval) => (
            StatusCode::CONFLICT,
            Json(Conflict {
                error: format!("this approval is already {}", approval.status.as_str()),
                approval,
            }),
        )
            .into_response(),
        Transition::NotFound => {
            ApiError::new(StatusCode::NOT_FOUND, "no such approval").into_response()
        }
    }
}

/// GET /api/approvals?status=pending — pending first, oldest first.
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<Approval>>, ApiError> {
    let status = match query.status.as_deref() {
        None | Some("") | Some("all") => None,
        Some(text) => Some(Status::parse(text).ok_or_else(|| {
            ApiError::field(
                "status",
                "status must be pending, approved, rejected, cancelled, expired or all",
            )
        })?),
    };
    let limit = query.limit.unwrap_or(200);
    if !(1..=1_000).contains(&limit) {
        return Err(ApiError::field("limit", "limit must be from 1 to 1000"));
    }
    Ok(Json(
        state
            .records
            .approvals(&auth.workspace.id, status, limit)
            .await?,
    ))
}

/// GET /api/approvals/{id}.
async fn one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Approval>, ApiError> {
    state
        .records
        .approval(&auth.workspace.id, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such approval"))
}

async fn decide(
    state: &AppState,
    auth: &Auth,
    id: &str,
    verdict: Verdict,
    decision: Decision,
) -> Result<Response, ApiError> {
    require_decider(auth)?;
    check_comment(decision.comment.as_deref())?;
    if let Some(arguments) = &decision.arguments {
        check_edit(state, auth, id, verdict, arguments).await?;
    }
    let transition = end_edited(
        state,
        &auth.workspace.id,
        id,
        verdict.status(),
        &person(auth),
        decision.comment.as_deref(),
        decision.arguments.as_ref(),
    )
    .await?;
    Ok(answer(transition))
}

/// An operator's edit of the arguments: only when approving, within the size limit, and for a
/// call the gateway asked about, valid against the tool's input schema.
async fn check_edit(
    state: &AppState,
    auth: &Auth,
    id: &str,
    verdict: Verdict,
    arguments: &serde_json::Value,
) -> Result<(), ApiError> {
    if verdict != Verdict::Approve {
        return Err(ApiError::field(
            "arguments",
            "only an approval may change the arguments",
        ));
    }
    if arguments.to_string().len() > MAX_ARGUMENTS {
        return Err(ApiError::field(
            "arguments",
            format!("arguments must be at most {MAX_ARGUMENTS} bytes of JSON"),
        ));
    }
    let approval = state
        .records
        .approval(&auth.workspace.id, id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such approval"))?;
    // Flightdeck's own tools (Claude Code's prompt, request_approval) have no input schema.
    let upstream = |gate: &crate::approvals::Gate| gate.server != crate::policies::OWN_SERVER;
    let Some(gate) = approval.gate.filter(upstream) else {
        return Ok(());
    };
    let schema = state
        .mcp
        .tool(&auth.workspace.id, &gate.server, &gate.tool)
        .map(|tool| serde_json::Value::Object((*tool.input_schema).clone()))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "the edit cannot be checked: {} is not connected or no longer offers {}; approve as asked, or try again when it is back",
                    gate.server, gate.tool
                ),
            )
        })?;
    crate::mcp::gateway::check_arguments(&schema, arguments)
        .map_err(|message| ApiError::field("arguments", message))
}

/// POST /api/approvals/{id}/approve `{comment?}`.
async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let decision = optional(&headers, &body)?;
    decide(&state, &auth, &id, Verdict::Approve, decision).await
}

/// POST /api/approvals/{id}/reject `{comment?}`.
async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let decision = optional(&headers, &body)?;
    decide(&state, &auth, &id, Verdict::Reject, decision).await
}

/// DELETE /api/approvals/{id}?reason= — `{success, cancelledAt, approval}`; the waiting agent gets
/// `approval:cancelled` with the reason.
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(query): Query<CancelQuery>,
) -> Result<Response, ApiError> {
    require_decider(&auth)?;
    check_comment(query.reason.as_deref())?;
    let reason = query
        .reason
        .unwrap_or_else(|| format!("cancelled by {}", auth.user.email));
    let transition = end(
        &state,
        &auth.workspace.id,
        &id,
        Status::Cancelled,
        &person(&auth),
        Some(&reason),
    )
    .await?;
    Ok(cancelled(transition))
}

// The answer to a cancellation: the shared model, which the Approvals page decodes.
pub use super::Withdrawn;

/// The cancel answer: [`Withdrawn`], or as [`answer`] says.
pub fn cancelled(transition: Transition) -> Response {
    match transition {
        Transition::Applied(approval) | Transition::Already(approval) => Json(Withdrawn {
            success: true,
            cancelled_at: approval.decided_at,
            approval,
        })
        .into_response(),
        other => answer(other),
    }
}

/// POST /api/approvals/bulk `{ids, decision, comment?}` — a result per id, in order; one
/// failing never stops the others.
async fn bulk(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(request): JsonBody<Bulk>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require_decider(&auth)?;
    check_comment(request.comment.as_deref())?;
    if request.ids.is_empty() || request.ids.len() > MAX_BULK {
        return Err(ApiError::field(
            "ids",
            format!("ids must hold 1 to {MAX_BULK} approval ids"),
        ));
    }
    let started = now_ms();
    let actor = person(&auth);
    let target = request.decision.status();
    let mut results = Vec::with_capacity(request.ids.len());
    for id in &request.ids {
        let outcome = end(
            &state,
            &auth.workspace.id,
            id,
            target,
            &actor,
            request.comment.as_deref(),
        )
        .await;
        results.push(match outcome {
            Ok(Transition::Applied(a) | Transition::Already(a)) => BulkResult {
                id: id.clone(),
                ok: true,
                status: Some(a.status),
                error: None,
            },
            Ok(Transition::Conflict(a)) => BulkResult {
                id: id.clone(),
                ok: false,
                status: Some(a.status),
                error: Some(format!("already {}", a.status.as_str())),
            },
            Ok(Transition::NotFound) => BulkResult {
                id: id.clone(),
                ok: false,
                status: None,
                error: Some("no such approval".into()),
            },
            Err(err) => {
                tracing::error!("bulk decision of {id}: {err:#}");
                BulkResult {
                    id: id.clone(),
                    ok: false,
                    status: None,
                    error: Some("the server could not decide it; try again".into()),
                }
            }
        });
    }
    let succeeded = results.iter().filter(|r| r.ok).count();
    Ok(Json(json!({
        "results": results,
        "succeeded": succeeded,
        "failed": results.len() - succeeded,
        "tookMs": now_ms() - started,
    })))
}
