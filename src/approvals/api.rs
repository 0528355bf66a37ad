//! The operators' approval services (session cookie), behind the server functions of
//! `server_fns.rs`: list, approve, reject, cancel, and bulk decisions with a result per id.
//! Viewers may look but not decide.

use super::events::{end, end_edited, Actor};
use super::store::Transition;
use super::{
    Approval, Bulk, BulkAnswer, BulkResult, CancelQuery, Decision, ListQuery, Status, Verdict,
    MAX_ARGUMENTS, MAX_BULK, MAX_COMMENT, MAX_LIST,
};
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::records::now_ms;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

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

/// The answer to a transition: the approval (now or already so); 409 with it (see
/// [`Conflict`]) when another ending came first, 404 when there is no such approval here.
pub fn answer(transition: Transition) -> Result<Approval, ApiError> {
    match transition {
        Transition::Applied(approval) | Transition::Already(approval) => Ok(approval),
        Transition::Conflict(approval) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("this approval is already {}", approval.status.as_str()),
        )
        .with("approval", &approval)),
        Transition::NotFound => Err(ApiError::new(StatusCode::NOT_FOUND, "no such approval")),
    }
}

/// GET /api/approvals?status=pending — pending first, oldest first.
pub async fn list(
    state: &AppState,
    auth: &Auth,
    query: ListQuery,
) -> Result<Vec<Approval>, ApiError> {
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
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("limit must be from 1 to {MAX_LIST}"),
        ));
    }
    Ok(state
        .records
        .approvals(&auth.workspace.id, status, limit)
        .await?)
}

/// GET /api/approvals/{id}.
pub async fn one(state: &AppState, auth: &Auth, id: &str) -> Result<Approval, ApiError> {
    state
        .records
        .approval(&auth.workspace.id, id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such approval"))
}

/// POST /api/approvals/{id}/approve or /reject `{comment?, arguments?}`: 200 with the
/// approval, 409 when another ending came first.
pub async fn decide(
    state: &AppState,
    auth: &Auth,
    id: &str,
    verdict: Verdict,
    decision: Decision,
) -> Result<Approval, ApiError> {
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
    answer(transition)
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

/// DELETE /api/approvals/{id}?reason= — `{success, cancelledAt, approval}`; the waiting agent gets
/// `approval:cancelled` with the reason.
pub async fn cancel(
    state: &AppState,
    auth: &Auth,
    id: &str,
    query: CancelQuery,
) -> Result<Withdrawn, ApiError> {
    require_decider(auth)?;
    check_comment(query.reason.as_deref())?;
    let reason = query
        .reason
        .unwrap_or_else(|| format!("cancelled by {}", auth.user.email));
    let transition = end(
        state,
        &auth.workspace.id,
        id,
        Status::Cancelled,
        &person(auth),
        Some(&reason),
    )
    .await?;
    withdrawn(transition)
}

// The answer to a cancellation: the shared model, which the Approvals page decodes.
pub use super::Withdrawn;

/// The cancel answer: [`Withdrawn`], or as [`answer`] says.
pub fn withdrawn(transition: Transition) -> Result<Withdrawn, ApiError> {
    answer(transition).map(|approval| Withdrawn {
        success: true,
        cancelled_at: approval.decided_at,
        approval,
    })
}

/// The same as a response (the agents' own withdrawal).
pub fn cancelled(transition: Transition) -> Response {
    match withdrawn(transition) {
        Ok(withdrawn) => Json(withdrawn).into_response(),
        Err(err) => err.into_response(),
    }
}

/// POST /api/approvals/bulk `{ids, decision, comment?}` — a result per id, in order; one
/// failing never stops the others.
pub async fn bulk(state: &AppState, auth: &Auth, request: Bulk) -> Result<BulkAnswer, ApiError> {
    require_decider(auth)?;
    check_comment(request.comment.as_deref())?;
    if request.ids.is_empty() || request.ids.len() > MAX_BULK {
        return Err(ApiError::field(
            "ids",
            format!("ids must hold 1 to {MAX_BULK} approval ids"),
        ));
    }
    let started = now_ms();
    let actor = person(auth);
    let target = request.decision.status();
    let mut results = Vec::with_capacity(request.ids.len());
    for id in &request.ids {
        let outcome = end(
            state,
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
    Ok(BulkAnswer {
        failed: results.len() - succeeded,
        succeeded,
        results,
        took_ms: now_ms() - started,
    })
}
