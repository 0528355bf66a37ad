//! Fleet data over HTTP. Agents push under `/api/v1` (bearer token): a heartbeat with vitals,
//! project status, tasks, KPI metrics, alerts and activity, each checked against the shared
//! models (400 names the field). Each write lands in the cache, then goes out on the
//! workspace's `fleet` topic. Operators read the cache at `/api/fleet`. `/api/v1/schema` is the
//! JSON Schema of every agent-facing model, generated from the Rust types.

use super::service::put_and_publish;
use super::store::PutError;
use super::{
    ActivityReport, AlertReport, FleetItem, Heartbeat, Invalid, Kind, MetricReport, MetricView,
    ProjectReport, TaskReport,
};
use crate::agents::api::AgentAuth;
use crate::auth::api::Auth;
use crate::http::{ApiError, ErrorBody, JsonBody};
use crate::quota::Refused;
use crate::records::{new_id, now_ms};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

/// What agents call.
pub fn agent_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/heartbeat", post(heartbeat))
        .route("/api/v1/projects", post(projects))
        .route("/api/v1/tasks", post(tasks))
        .route("/api/v1/metrics", post(metrics))
        .route("/api/v1/alerts", post(alerts))
        .route("/api/v1/activity", post(activity))
        .route("/api/v1/schema", get(schema))
}

/// The OpenAPI description of these endpoints (merged into `/api/v1/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(heartbeat, projects, tasks, metrics, alerts, activity),
    components(schemas(
        Accepted,
        Heartbeat,
        super::Vitals,
        super::AgentStatus,
        ProjectReport,
        super::Project,
        super::ProjectHealth,
        TaskReport,
        super::Task,
        super::TaskStatus,
        MetricReport,
        super::MetricSample,
        AlertReport,
        super::Alert,
        super::Severity,
        ActivityReport
    ))
)]
pub struct FleetApiDoc;

/// A push's answer.
#[derive(Debug, Serialize, utoipa::ToSchema, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// How many items were stored.
    pub accepted: usize,
    /// When (ms since the Unix epoch).
    pub received_at: i64,
}

/// The 413 of a fleet push.
const FULL: &str = "The body is larger than 2 MiB, or it would store new keys past FLIGHTDECK_MAX_FLEET_ITEMS of the kind (updates of stored keys pass); nothing was stored";

fn refuse(invalid: Invalid) -> ApiError {
    ApiError::field(invalid.field, invalid.message)
}

/// A stored item from this agent.
fn item(auth: &AgentAuth, kind: Kind, key: String, at: i64, data: impl Serialize) -> FleetItem {
    FleetItem {
        kind,
        key,
        agent_id: auth.agent.id.clone(),
        agent_name: auth.agent.name.clone(),
        agent_role: auth.agent.role.clone(),
        updated_at: at,
        data: serde_json::to_value(data).unwrap_or(Value::Null),
    }
}

impl From<PutError> for ApiError {
    fn from(err: PutError) -> Self {
        match err {
            full @ PutError::Full { .. } => Refused::too_large(full.to_string()).into(),
            PutError::Store(err) => ApiError::from(err),
        }
    }
}

/// Stores items and publishes each ([`put_and_publish`]): the agent's answer.
async fn store_and_publish(
    state: &AppState,
    workspace_id: &str,
    items: Vec<FleetItem>,
) -> Result<Json<Accepted>, ApiError> {
    put_and_publish(&state.fleet, &state.hub, workspace_id, &items).await?;
    Ok(Json(Accepted {
        accepted: items.len(),
        received_at: items.first().map_or_else(now_ms, |item| item.updated_at),
    }))
}

/// Report that the agent is alive, and its vitals.
#[utoipa::path(post, path = "/api/v1/heartbeat", request_body = Heartbeat,
    responses(
        (status = 200, description = "Stored and sent to the dashboards", body = Accepted),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 413, description = FULL, body = ErrorBody),
    ))]
async fn heartbeat(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(beat): JsonBody<Heartbeat>,
) -> Result<Json<Accepted>, ApiError> {
    beat.validate().map_err(refuse)?;
    let at = now_ms();
    // Uptime counts hours with a heartbeat: the first of each hour is written (a failure there
    // must not refuse the heartbeat; the next one tries again).
    let (workspace, agent) = (&auth.workspace_id, &auth.agent.id);
    if state.up_hours.first_in_hour(workspace, agent, at) {
        if let Err(err) = state.records.count_heartbeat(workspace, agent, at).await {
            state.up_hours.forget(workspace, agent);
            tracing::warn!("heartbeat not counted for uptime: {err:#}");
        }
    }
    let item = item(&auth, Kind::Vitals, auth.agent.id.clone(), at, beat);
    store_and_publish(&state, &auth.workspace_id, vec![item]).await
}

/// Report projects' status.
#[utoipa::path(post, path = "/api/v1/projects", request_body = ProjectReport,
    responses(
        (status = 200, description = "Stored and sent to the dashboards", body = Accepted),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 413, description = FULL, body = ErrorBody),
    ))]
async fn projects(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(report): JsonBody<ProjectReport>,
) -> Result<Json<Accepted>, ApiError> {
    report.validate().map_err(refuse)?;
    let at = now_ms();
    let items = report
        .projects
        .into_iter()
        .map(|project| item(&auth, Kind::Projects, project.id.clone(), at, project))
        .collect();
    store_and_publish(&state, &auth.workspace_id, items).await
}

/// Report tasks.
#[utoipa::path(post, path = "/api/v1/tasks", request_body = TaskReport,
    responses(
        (status = 200, description = "Stored and sent to the dashboards", body = Accepted),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 413, description = FULL, body = ErrorBody),
    ))]
async fn tasks(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(report): JsonBody<TaskReport>,
) -> Result<Json<Accepted>, ApiError> {
    report.validate().map_err(refuse)?;
    let at = now_ms();
    let items = report
        .tasks
        .into_iter()
        .map(|task| item(&auth, Kind::Tasks, task.id.clone(), at, task))
        .collect();
    store_and_publish(&state, &auth.workspace_id, items).await
}

/// Report KPI readings; the server keeps each one's change and trend.
#[utoipa::path(post, path = "/api/v1/metrics", request_body = MetricReport,
    responses(
        (status = 200, description = "Stored and sent to the dashboards", body = Accepted),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 413, description = FULL, body = ErrorBody),
    ))]
async fn metrics(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(report): JsonBody<MetricReport>,
) -> Result<Json<Accepted>, ApiError> {
    report.validate().map_err(refuse)?;
    let at = now_ms();
    let mut items = Vec::with_capacity(report.metrics.len());
    for sample in &report.metrics {
        let before = state
            .fleet
            .get(&auth.workspace_id, Kind::Metrics, &sample.key)
            .await?
            .and_then(|item| item.data::<MetricView>());
        let view = MetricView::next(before, sample);
        items.push(item(&auth, Kind::Metrics, sample.key.clone(), at, view));
    }
    store_and_publish(&state, &auth.workspace_id, items).await
}

/// Raise or resolve alerts.
#[utoipa::path(post, path = "/api/v1/alerts", request_body = AlertReport,
    responses(
        (status = 200, description = "Stored and sent to the dashboards", body = Accepted),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
        (status = 413, description = FULL, body = ErrorBody),
    ))]
async fn alerts(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(report): JsonBody<AlertReport>,
) -> Result<Json<Accepted>, ApiError> {
    report.validate().map_err(refuse)?;
    let at = now_ms();
    let items = report
        .alerts
        .into_iter()
        .map(|alert| item(&auth, Kind::Alerts, alert.id.clone(), at, alert))
        .collect();
    store_and_publish(&state, &auth.workspace_id, items).await
}

/// Add a line to the activity feed.
#[utoipa::path(post, path = "/api/v1/activity", request_body = ActivityReport,
    responses(
        (status = 200, description = "Stored (the feed keeps the newest lines) and sent to the dashboards", body = Accepted),
        (status = 400, description = "A field is wrong (named)", body = ErrorBody),
    ))]
async fn activity(
    State(state): State<AppState>,
    auth: AgentAuth,
    JsonBody(report): JsonBody<ActivityReport>,
) -> Result<Json<Accepted>, ApiError> {
    report.validate().map_err(refuse)?;
    let item = item(&auth, Kind::Activity, new_id(), now_ms(), report);
    store_and_publish(&state, &auth.workspace_id, vec![item]).await
}

/// GET /api/fleet — every fresh item of the workspace, kind by kind.
pub async fn everything(state: &AppState, auth: &Auth) -> Result<Vec<FleetItem>, ApiError> {
    let mut all = Vec::new();
    for kind in Kind::ALL {
        all.extend(state.fleet.list(&auth.workspace.id, kind).await?);
    }
    Ok(all)
}

/// GET /api/fleet/{kind} — one kind's fresh items; 404 for a kind that does not exist.
pub async fn of_kind(
    state: &AppState,
    auth: &Auth,
    kind: String,
) -> Result<Vec<FleetItem>, ApiError> {
    let kind = Kind::parse(&kind).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no fleet data of kind {kind:?}; the kinds are {}",
                known.join(", ")
            ),
        )
    })?;
    Ok(state.fleet.list(&auth.workspace.id, kind).await?)
}

/// GET /api/v1/schema — the JSON Schema (draft 2020-12) of every model an agent sends or
/// receives, under `$defs`, with `models` naming the body of each endpoint.
async fn schema() -> Json<Value> {
    Json(agent_schema())
}

/// The agent models' JSON Schema document.
pub fn agent_schema() -> Value {
    use crate::approvals::{AgentEvent, Approval, NewApproval, RunReport};
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let models = [
        (
            "POST /api/v1/heartbeat",
            generator.subschema_for::<Heartbeat>(),
        ),
        (
            "POST /api/v1/projects",
            generator.subschema_for::<ProjectReport>(),
        ),
        (
            "POST /api/v1/tasks",
            generator.subschema_for::<TaskReport>(),
        ),
        (
            "POST /api/v1/metrics",
            generator.subschema_for::<MetricReport>(),
        ),
        (
            "POST /api/v1/alerts",
            generator.subschema_for::<AlertReport>(),
        ),
        (
            "POST /api/v1/activity",
            generator.subschema_for::<ActivityReport>(),
        ),
        (
            "POST /api/v1/usage",
            generator.subschema_for::<crate::analytics::UsageEvent>(),
        ),
        (
            "POST /api/v1/approvals",
            generator.subschema_for::<NewApproval>(),
        ),
        (
            "GET /api/v1/approvals/{id}",
            generator.subschema_for::<Approval>(),
        ),
        (
            "POST /api/v1/approvals/{id}/run",
            generator.subschema_for::<RunReport>(),
        ),
        (
            "GET /api/v1/events",
            generator.subschema_for::<AgentEvent>(),
        ),
    ];
    let usage_batch = generator.subschema_for::<crate::analytics::api::UsageBatch>();
    let accepted = generator.subschema_for::<Accepted>().to_value();
    let approval = generator.subschema_for::<Approval>().to_value();
    let answers = [
        ("POST /api/v1/heartbeat", accepted.clone()),
        ("POST /api/v1/projects", accepted.clone()),
        ("POST /api/v1/tasks", accepted.clone()),
        ("POST /api/v1/metrics", accepted.clone()),
        ("POST /api/v1/alerts", accepted.clone()),
        ("POST /api/v1/activity", accepted),
        (
            "POST /api/v1/usage",
            generator
                .subschema_for::<crate::analytics::api::Recorded>()
                .to_value(),
        ),
        ("POST /api/v1/approvals", approval.clone()),
        ("GET /api/v1/approvals/{id}", approval.clone()),
        ("GET /api/v1/approvals/{id}/wait", approval.clone()),
        (
            "DELETE /api/v1/approvals/{id}",
            generator
                .subschema_for::<crate::approvals::api::Withdrawn>()
                .to_value(),
        ),
        ("POST /api/v1/approvals/{id}/run", approval),
    ];
    let error = generator.subschema_for::<crate::http::ErrorBody>();
    let mut models: serde_json::Map<String, Value> = models
        .into_iter()
        .map(|(endpoint, schema)| (endpoint.to_owned(), schema.to_value()))
        .collect();
    // One event, or a batch of them.
    if let Some(event) = models.remove("POST /api/v1/usage") {
        let either = json!({ "anyOf": [event, usage_batch.to_value()] });
        models.insert("POST /api/v1/usage".to_owned(), either);
    }
    let answers: serde_json::Map<String, Value> = answers
        .into_iter()
        .map(|(endpoint, schema)| (endpoint.to_owned(), schema))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/schema",
        "title": "Flightdeck agent models",
        "description": "What agents send to and receive from /api/v1, generated from the server's Rust types. `models` names each endpoint's body, `answers` each endpoint's successful answer and `error` the body of every error answer; the definitions are under `$defs`.",
        "models": models,
        "answers": answers,
        "error": error.to_value(),
        "$defs": generator.take_definitions(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_defines_every_agent_model() {
        let schema = agent_schema();
        let defs = schema["$defs"].as_object().unwrap();
        for name in [
            "Heartbeat",
            "Vitals",
            "TaskReport",
            "Task",
            "TaskStatus",
            "MetricReport",
            "AlertReport",
            "Severity",
            "NewApproval",
            "Risk",
            "AgentEvent",
            "UsageBatch",
            "Accepted",
            "Recorded",
            "Withdrawn",
            "ErrorBody",
        ] {
            assert!(defs.contains_key(name), "{name} missing from $defs");
        }
        assert_eq!(
            schema["models"]["POST /api/v1/tasks"]["$ref"],
            "#/$defs/TaskReport"
        );
        // What comes back: each endpoint's answer, and the one error body.
        assert_eq!(
            schema["answers"]["POST /api/v1/heartbeat"]["$ref"],
            "#/$defs/Accepted"
        );
        assert_eq!(
            schema["answers"]["DELETE /api/v1/approvals/{id}"]["$ref"],
            "#/$defs/Withdrawn"
        );
        assert_eq!(schema["error"]["$ref"], "#/$defs/ErrorBody");
        assert_eq!(
            schema["models"]["POST /api/v1/usage"]["anyOf"][1]["$ref"],
            "#/$defs/UsageBatch"
        );
        // Documented variants come as `oneOf` of `const`s, each with its description.
        let statuses: Vec<&Value> = defs["TaskStatus"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|variant| &variant["const"])
            .collect();
        assert_eq!(statuses, ["todo", "in_progress", "blocked", "done"]);
        let heartbeat = &defs["Heartbeat"];
        assert_eq!(heartbeat["additionalProperties"], json!(false));
        assert!(heartbeat["required"]
            .as_array()
            .unwrap()
            .contains(&json!("vitals")));
    }
}
