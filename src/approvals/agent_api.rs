//! The agent API under `/api/v1` (bearer token): ask for an approval, read it, wait for its
//! decision (long-poll that answers the moment it lands), cancel it, and follow every event of
//! one's approvals as a server-sent-event stream. Waiting costs no CPU: a waiter is a hub
//! subscription and a timer, woken by the decision on whichever instance it is made.
//! `/api/v1/openapi.json` describes it, generated from these handlers and the shared models
//! (see [`crate::agents::openapi`]).

use super::api::cancelled;
use super::events::{agent_topic, approval_topic, end, Actor, APPROVAL_QUEUE};
use super::{AgentEvent, Approval, Gate, NewApproval, Risk, RunReport, RunStatus, Status, ToolRun};
use crate::agents::api::AgentAuth;
use crate::agents::streams::{revoked_error, OpenStream};
use crate::http::{ApiError, ErrorBody, JsonBody, QueryParams};
use crate::records::now_ms;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::json;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use utoipa::OpenApi;

/// Longest long-poll, in seconds.
pub const MAX_WAIT_SECONDS: u64 = 120;

/// The agent routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/approvals", post(create))
        .route("/api/v1/approvals/{id}", get(read).delete(withdraw))
        .route("/api/v1/approvals/{id}/wait", get(wait))
        .route("/api/v1/approvals/{id}/run", post(run))
        .route("/api/v1/events", get(events))
        .route("/api/v1/openapi.json", get(openapi))
}

/// The approval paths of the agent API's OpenAPI document (assembled by
/// [`crate::agents::openapi::document`], which adds the token scheme and the answers every
/// operation shares).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Flightdeck agent API",
        description = "What agents call: ask a human before running a risky tool, and wait for the decision by events; report heartbeats, fleet data and usage. Bodies and answers are JSON; every error is `{error, field?}`."
    ),
    paths(create, read, wait, withdraw, run, events),
    components(schemas(
        Approval,
        NewApproval,
        Risk,
        Status,
        AgentEvent,
        ErrorBody,
        Gate,
        ToolRun,
        RunStatus,
        RunReport
    ))
)]
pub struct AgentApiDoc;

/// GET /api/v1/openapi.json.
async fn openapi() -> Json<serde_json::Value> {
    Json(crate::agents::openapi::document())
}

/// The agent's own approval: 404 when it is not in the agent's workspace, 403 when another
/// agent asked for it.
async fn own(state: &AppState, auth: &AgentAuth, id: &str) -> Result<Approval, ApiError> {
    let approval = state
        .records
        .approval(&auth.workspace_id, id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such approval"))?;
    if approval.agent_id != auth.agent.id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this approval was asked for by another agent",
        ));
    }
    Ok(approval)
}

/// Ask before running a tool.
#[utoipa::path(post, path = "/api/v1/approvals", request_body = NewApproval,
    responses(
        (status = 201, description = "Stored as pending; wait for the decision", body = Approval),
        (status = 400, description = "A field is wrong (named), the arguments are over 64 KiB, or the deadline is not within the next 30 days", body = ErrorBody),
    ))]
async fn create(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(new): JsonBody<NewApproval>,
) -> Result<(StatusCode, Json<Approval>), ApiError> {
    new.validate(now_ms())
        .map_err(|(field, message)| ApiError::field(field, message))?;
    let approval = state
        .records
        .create_approval(&auth.workspace_id, &auth.agent.id, &new, None)
        .await?;
    super::events::requested(&state, &auth.workspace_id, &auth.agent.id, &approval).await?;
    Ok((StatusCode::CREATED, Json(approval)))
}

/// Read an approval now (the fallback for agents that were disconnected).
#[utoipa::path(get, path = "/api/v1/approvals/{id}",
    params(("id" = String, Path, description = "The approval")),
    responses(
        (status = 200, description = "The approval now", body = Approval),
        (status = 403, description = "Another agent's", body = ErrorBody),
        (status = 404, description = "No such approval in the token's workspace", body = ErrorBody),
    ))]
async fn read(
    State(state): State<AppState>,
    auth: AgentAuth,
    Path(id): Path<String>,
) -> Result<Json<Approval>, ApiError> {
    Ok(Json(own(&state, &auth, &id).await?))
}

/// `?timeout=` of the long-poll.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitQuery {
    /// Seconds to wait at most, 1 to 120 (default 55).
    #[param(minimum = 1, maximum = 120)]
    pub timeout: Option<u64>,
}

/// Wait for the decision: answers the moment it lands, or with `pending` at the timeout (call
/// again).
#[utoipa::path(get, path = "/api/v1/approvals/{id}/wait",
    params(("id" = String, Path, description = "The approval"), WaitQuery),
    responses(
        (status = 200, description = "Decided, or still pending at the timeout", body = Approval),
        (status = 403, description = "Another agent's", body = ErrorBody),
        (status = 404, description = "No such approval in the token's workspace", body = ErrorBody),
    ))]
async fn wait(
    State(state): State<AppState>,
    auth: AgentAuth,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<WaitQuery>,
) -> Result<Json<Approval>, ApiError> {
    let seconds = query.timeout.unwrap_or(55);
    if !(1..=MAX_WAIT_SECONDS).contains(&seconds) {
        return Err(ApiError::field(
            "timeout",
            format!("timeout must be from 1 to {MAX_WAIT_SECONDS} seconds"),
        ));
    }
    // Subscribed before reading, so a decision (or a revocation) in between is not missed.
    let mut open = OpenStream::open(&state, &auth).await?;
    let mut decided = state
        .hub
        .subscribe_bounded(&approval_topic(&id), APPROVAL_QUEUE);
    let approval = own(&state, &auth, &id).await?;
    if approval.status.is_terminal() {
        return Ok(Json(approval));
    }
    let timeout = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(timeout);
    loop {
        tokio::select! {
            () = &mut timeout => return Ok(Json(own(&state, &auth, &id).await?)),
            () = open.revoked() => return Err(revoked_error()),
            message = decided.recv() => match message {
                Ok(text) => {
                    if let Ok(now) = serde_json::from_str::<Approval>(&text) {
                        if now.status.is_terminal() {
                            return Ok(Json(now));
                        }
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    let now = own(&state, &auth, &id).await?;
                    if now.status.is_terminal() {
                        return Ok(Json(now));
                    }
                }
                Err(RecvError::Closed) => return Ok(Json(own(&state, &auth, &id).await?)),
            },
        }
    }
}

/// Withdraw one's own request.
#[utoipa::path(delete, path = "/api/v1/approvals/{id}",
    params(("id" = String, Path, description = "The approval")),
    responses(
        (status = 200, description = "Cancelled now, or it was already", body = super::api::Withdrawn),
        (status = 403, description = "Another agent's", body = ErrorBody),
        (status = 404, description = "No such approval in the token's workspace", body = ErrorBody),
        (status = 409, description = "Already decided otherwise, or expired", body = super::api::Conflict),
    ))]
async fn withdraw(
    State(state): State<AppState>,
    auth: AgentAuth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    own(&state, &auth, &id).await?;
    let actor = Actor {
        user_id: None,
        agent_id: Some(auth.agent.id.clone()),
        name: format!("agent:{}", auth.agent.name),
    };
    let reason = format!("withdrawn by agent {}", auth.agent.name);
    let transition = end(
        &state,
        &auth.workspace_id,
        &id,
        Status::Cancelled,
        &actor,
        Some(&reason),
    )
    .await?;
    Ok(cancelled(transition))
}

/// Report an approved tool run's progress or outcome: `running` (with progress and a message)
/// as often as it moves, then `succeeded` or `failed` with a short result. Operators see it live.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/run", request_body = RunReport,
    params(("id" = String, Path, description = "The approval")),
    responses(
        (status = 200, description = "Recorded; the approval with its run", body = Approval),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 403, description = "Another agent's", body = ErrorBody),
        (status = 404, description = "No such approval in the token's workspace", body = ErrorBody),
        (status = 409, description = "Not approved, or its run finished already", body = ErrorBody),
    ))]
async fn run(
    State(state): State<AppState>,
    auth: AgentAuth,
    Path(id): Path<String>,
    JsonBody(report): JsonBody<RunReport>,
) -> Result<Json<Approval>, ApiError> {
    report
        .validate()
        .map_err(|(field, message)| ApiError::field(field, message))?;
    let approval = own(&state, &auth, &id).await?;
    if approval.status != Status::Approved {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "this approval is {}: only an approved tool runs",
                approval.status.as_str()
            ),
        ));
    }
    match super::events::report_run(
        &state,
        &auth.workspace_id,
        &id,
        &report,
        Some(&auth.agent.id),
    )
    .await?
    {
        Some((true, approval)) => Ok(Json(approval)),
        Some((false, approval)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "this run finished already ({})",
                approval.run.map_or("finished", |run| run.status.as_str())
            ),
        )),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "no such approval")),
    }
}

/// Every event of the agent's approvals as server-sent events (`approval:approved`, `…rejected`,
/// `…cancelled`, `…expired`), each an [`AgentEvent`]. When the token is revoked, a last
/// `revoked` event and the stream ends.
#[utoipa::path(get, path = "/api/v1/events",
    responses(
        (status = 200, description = "The stream: an event per decision, cancellation or expiry of the agent's approvals, and a keep-alive comment every 15 s; it never ends on its own", content_type = "text/event-stream"),
    ))]
async fn events(
    State(state): State<AppState>,
    auth: AgentAuth,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let open = OpenStream::open(&state, &auth).await?;
    let receiver = state.hub.subscribe(&agent_topic(&auth.agent.id));
    // The open stream (its place in the count) lives as long as the response body.
    let stream = futures_util::stream::unfold(Some((receiver, open)), |listening| async move {
        let (mut receiver, mut open) = listening?;
        let event = tokio::select! {
            message = receiver.recv() => match message {
                Ok(text) => {
                    let kind = serde_json::from_str::<AgentEvent>(&text)
                        .map(|event| event.kind)
                        .unwrap_or_else(|_| "approval".into());
                    Event::default().event(kind).data(&*text)
                }
                Err(RecvError::Lagged(missed)) => Event::default()
                    .event("lagged")
                    .data(json!({ "missed": missed }).to_string()),
                Err(RecvError::Closed) => return None,
            },
            () = open.revoked() => {
                let why = json!({ "error": revoked_error().body.error });
                return Some((Ok(Event::default().event("revoked").data(why.to_string())), None));
            }
        };
        Some((Ok(event), Some((receiver, open))))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
