//! Analytics over HTTP. Agents report usage at `POST /api/v1/usage` (one event, or
//! `{"events": [...]}` with up to 1,000; 400 names the field). Every signed-in role reads:
//! `GET /api/analytics` — the report of a period (`period=day|week|month|custom`, `from`, `to`,
//! `tz`), which the page decodes and shows;
//! `GET /api/analytics/report.csv` and `.json` — the same as a download;
//! `GET /api/analytics/exports` and `/exports/{id}` — the reports made on the workspace's
//! export schedule. Admins may run the schedule at once: `POST /api/analytics/exports/run`.

use super::model::{ExportInfo, ReportQuery, RunQuery, RunResult};
use super::period::{Kind, Window};
use super::report::{to_csv, Report};
use super::store::build_report;
use super::{UsageEvent, MAX_BATCH};
use crate::agents::api::AgentAuth;
use crate::auth::api::Auth;
use crate::auth::Role;
use crate::http::{parse, ApiError, ErrorBody, JsonBytes};
use crate::records::now_ms;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// What agents call.
pub fn agent_routes() -> Router<AppState> {
    Router::new().route("/api/v1/usage", post(usage))
}

/// The Analytics page's downloads (its reads are server functions, `server_fns.rs`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/analytics/report.csv", get(report_csv))
        .route("/api/analytics/report.json", get(report_json))
        .route("/api/analytics/exports/{id}", get(export))
}

/// The OpenAPI description of the agent endpoint (merged into `/api/v1/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(usage),
    components(schemas(UsageBody, UsageEvent, UsageBatch, super::UsageKind, Recorded))
)]
pub struct UsageApiDoc;

/// `POST /api/v1/usage` body: one event, or a batch of them (told apart by `events`).
#[derive(Debug, Deserialize, utoipa::ToSchema, schemars::JsonSchema)]
#[serde(untagged)]
pub enum UsageBody {
    /// One event.
    One(UsageEvent),
    /// Up to 1,000 events.
    Batch(UsageBatch),
}

/// A batch of events.
#[derive(Debug, Deserialize, utoipa::ToSchema, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBatch {
    /// 1 to 1,000 events.
    #[schemars(length(min = 1, max = MAX_BATCH))]
    pub events: Vec<UsageEvent>,
}

/// A report's answer.
#[derive(Debug, Serialize, utoipa::ToSchema, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    /// How many events were stored.
    pub accepted: usize,
    /// When (ms since the Unix epoch).
    pub received_at: i64,
}

/// Report usage: calls (with response time and failure), messages, tokens and conversations.
#[utoipa::path(post, path = "/api/v1/usage", request_body = UsageBody,
    responses(
        (status = 200, description = "Stored and counted", body = Recorded),
        (status = 400, description = "A field is wrong (named, e.g. events[3].latencyMs), or an event is dated more than 400 days ago or over 5 minutes ahead", body = ErrorBody),
    ))]
async fn usage(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBytes(body): JsonBytes,
) -> Result<Json<Recorded>, ApiError> {
    let now = now_ms();
    let events = read_events(&body, now)?;
    state
        .records
        .record_usage(&auth.workspace_id, &auth.agent.id, &events, now)
        .await?;
    Ok(Json(Recorded {
        accepted: events.len(),
        received_at: now,
    }))
}

/// The events of a usage body at time `now`: one event, or `{"events": [...]}` with 1 to
/// [`MAX_BATCH`]; the first bad field is a 400 naming it.
pub fn read_events(body: &[u8], now: i64) -> Result<Vec<UsageEvent>, ApiError> {
    let batch = parse::<serde_json::Value>(body)?.get("events").is_some();
    let (events, prefix): (Vec<UsageEvent>, fn(usize) -> String) = if batch {
        let batch: UsageBatch = parse(body)?;
        (batch.events, |i| format!("events[{i}]."))
    } else {
        (vec![parse::<UsageEvent>(body)?], |_| String::new())
    };
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(ApiError::field(
            "events",
            format!("send 1 to {MAX_BATCH} events at a time"),
        ));
    }
    for (i, event) in events.iter().enumerate() {
        event
            .validate(now, &prefix(i))
            .map_err(|bad| ApiError::field(bad.field, bad.message))?;
    }
    Ok(events)
}

impl ReportQuery {
    /// The period this asks for, at `now`.
    pub fn window(&self, now: i64) -> Result<Window, ApiError> {
        let period = self.period.as_deref().unwrap_or("week");
        let kind = Kind::parse(period).ok_or_else(|| {
            ApiError::field("period", "period must be day, week, month or custom")
        })?;
        let tz = self
            .tz
            .as_deref()
            .filter(|tz| !tz.is_empty())
            .unwrap_or("UTC");
        Window::resolve(kind, self.from.as_deref(), self.to.as_deref(), tz, now)
            .map_err(|bad| ApiError::field(bad.field, bad.message))
    }
}

async fn report_of(state: &AppState, auth: &Auth, query: &ReportQuery) -> Result<Report, ApiError> {
    let now = now_ms();
    let window = query.window(now)?;
    Ok(build_report(
        &state.records,
        &state.config.model_prices,
        &auth.workspace.id,
        &window,
        now,
    )
    .await?)
}

/// GET /api/analytics — the report of a period.
pub async fn report(state: &AppState, auth: &Auth, query: ReportQuery) -> Result<Report, ApiError> {
    report_of(state, auth, &query).await
}

/// A download of `content` named `name`.
fn download(content: String, name: &str, content_type: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        content,
    )
        .into_response()
}

/// The file name of a report of these days.
fn file_name(from: &str, to: &str, extension: &str) -> String {
    if from == to {
        format!("flightdeck-usage-{from}.{extension}")
    } else {
        format!("flightdeck-usage-{from}-to-{to}.{extension}")
    }
}

/// GET /api/analytics/report.csv
async fn report_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report_of(&state, &auth, &query).await?;
    let name = file_name(&report.period.from, &report.period.to, "csv");
    Ok(download(to_csv(&report)?, &name, "text/csv; charset=utf-8"))
}

/// GET /api/analytics/report.json
async fn report_json(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report_of(&state, &auth, &query).await?;
    let name = file_name(&report.period.from, &report.period.to, "json");
    let json = serde_json::to_string_pretty(&report).map_err(ApiError::internal)?;
    Ok(download(json, &name, "application/json"))
}

/// GET /api/analytics/exports — the newest 100 scheduled reports.
pub async fn exports(state: &AppState, auth: &Auth) -> Result<Vec<ExportInfo>, ApiError> {
    Ok(state
        .records
        .analytics_exports(&auth.workspace.id, 100)
        .await?)
}

/// GET /api/analytics/exports/{id}
async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (info, content) = state
        .records
        .analytics_export(&auth.workspace.id, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no export {id}")))?;
    let content_type = match info.format.as_str() {
        "json" => "application/json",
        _ => "text/csv; charset=utf-8",
    };
    let name = file_name(&info.from, &info.to, &info.format);
    Ok(download(content, &name, content_type))
}

/// POST /api/analytics/exports/run — the workspace's due reports now (admins).
pub async fn run_exports(
    state: &AppState,
    auth: &Auth,
    query: RunQuery,
) -> Result<RunResult, ApiError> {
    if auth.role != Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only admins may run the export schedule",
        ));
    }
    let at = query.at.unwrap_or_else(now_ms);
    if jiff::Timestamp::from_millisecond(at).is_err() {
        return Err(ApiError::field(
            "at",
            "at is out of range: epoch milliseconds from the year -9999 to 9999",
        ));
    }
    let created = super::schedule::run_workspace(
        &state.records,
        &state.config.model_prices,
        &auth.workspace.id,
        at,
    )
    .await?;
    Ok(RunResult { created })
}
