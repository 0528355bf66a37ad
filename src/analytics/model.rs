//! The analytics report as the API sends it (`GET /api/analytics`) and the Analytics page
//! decodes and shows it: the period, totals, time series, per-agent and per-model figures and the
//! top agents. `report` (server only) computes it from the rollups.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /api/analytics`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The period shown.
    pub period: PeriodInfo,
    /// The metric cards.
    pub totals: Totals,
    /// One point per hour (a one-day period) or day.
    pub series: Vec<Point>,
    /// The agent roles seen, for the usage-by-type chart.
    pub roles: Vec<String>,
    /// Every agent active in the period, most calls first.
    pub agents: Vec<AgentUsage>,
    /// The top agents three ways.
    pub top: Top,
    /// Usage by model (calls, messages and tokens that named one), most tokens first.
    pub models: Vec<ModelUsage>,
    /// When the report was made (ms).
    pub generated_at: i64,
}

/// The period of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodInfo {
    /// `day`, `week`, `month` or `custom`.
    pub kind: String,
    /// Its first day (`2026-11-25`), in `tz`.
    pub from: String,
    /// Its last day, inclusive.
    pub to: String,
    /// The IANA time zone its days are in.
    pub tz: String,
    /// `hour` or `day`: what one point of the series covers.
    pub bucket: String,
    /// Its start (ms).
    pub start: i64,
    /// Its end, exclusive (ms).
    pub end: i64,
}

/// The metric cards.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Calls to agents.
    pub agent_calls: i64,
    /// Failed calls.
    pub errors: i64,
    /// Failed over all calls (0 to 1).
    pub error_rate: f64,
    /// Mean response time (ms), when calls reported one.
    pub avg_response_ms: Option<f64>,
    /// Approvals requested.
    pub tool_runs: i64,
    /// Approved.
    pub approved: i64,
    /// Rejected.
    pub rejected: i64,
    /// Approved over decided (0 to 1).
    pub approval_rate: Option<f64>,
    /// Conversations started.
    pub conversations: i64,
    /// Messages.
    pub messages: i64,
    /// Messages per conversation started.
    pub messages_per_conversation: Option<f64>,
    /// Tokens used.
    pub tokens: i64,
    /// Their estimated cost (US dollars) at `MODEL_PRICES`.
    pub cost_usd: f64,
    /// Tokens of models without a price (not in the cost).
    pub unpriced_tokens: i64,
    /// Tokens per conversation started.
    pub tokens_per_conversation: Option<f64>,
    /// Hours agents sent heartbeats over the hours they were registered (0 to 1).
    pub uptime: Option<f64>,
    /// The hour of the day (0–23, in the period's zone) with the most calls and messages.
    pub peak_hour: Option<u8>,
}

/// One point of the series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    /// The bucket's start (ms).
    pub start: i64,
    /// `2026-11-25` or `14:00`, in the period's zone.
    pub label: String,
    /// Calls.
    pub calls: i64,
    /// Failed calls.
    pub errors: i64,
    /// Failed over all calls.
    pub error_rate: f64,
    /// Mean response time (ms).
    pub avg_response_ms: Option<f64>,
    /// Messages.
    pub messages: i64,
    /// Conversations started.
    pub conversations: i64,
    /// Approvals requested.
    pub tool_runs: i64,
    /// Approved.
    pub approved: i64,
    /// Rejected.
    pub rejected: i64,
    /// Approved over decided.
    pub approval_rate: Option<f64>,
    /// Tokens.
    pub tokens: i64,
    /// Their estimated cost.
    pub cost_usd: f64,
    /// Calls by agent role.
    pub by_role: BTreeMap<String, i64>,
}

/// One agent's figures for the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentUsage {
    /// Its id.
    pub agent_id: String,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: String,
    /// Calls.
    pub calls: i64,
    /// Failed calls.
    pub errors: i64,
    /// Failed over all calls.
    pub error_rate: f64,
    /// Mean response time (ms).
    pub avg_response_ms: Option<f64>,
    /// Messages.
    pub messages: i64,
    /// Tokens.
    pub tokens: i64,
    /// Their estimated cost.
    pub cost_usd: f64,
    /// Its uptime (0 to 1).
    pub uptime: Option<f64>,
}

/// One model's figures for the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelUsage {
    /// The model's name as reported.
    pub model: String,
    /// Calls.
    pub calls: i64,
    /// Failed calls.
    pub errors: i64,
    /// Mean response time (ms).
    pub avg_response_ms: Option<f64>,
    /// Messages.
    pub messages: i64,
    /// Tokens.
    pub tokens: i64,
    /// Their estimated cost, when the model has a price.
    pub cost_usd: Option<f64>,
}

/// The top agents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Top {
    /// Most calls and messages first.
    pub most_used: Vec<AgentUsage>,
    /// Highest error rate first (agents with at least `RANKED_FROM_CALLS` calls).
    pub error_rate: Vec<AgentUsage>,
    /// Fastest mean response first, fewest errors breaking ties (same threshold).
    pub performance: Vec<AgentUsage>,
}

/// A report produced on the export schedule, as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportInfo {
    /// Its id (download at `/api/analytics/exports/{id}`).
    pub id: String,
    /// `daily` or `weekly`.
    pub schedule: String,
    /// Its first day (UTC).
    pub from: String,
    /// Its last day (UTC, inclusive).
    pub to: String,
    /// `csv` or `json`.
    pub format: String,
    /// When it was produced (ms).
    pub created_at: i64,
    /// Its length in characters.
    pub bytes: i64,
}

/// The report's query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportQuery {
    /// `day`, `week` (the default), `month` or `custom`.
    pub period: Option<String>,
    /// A custom period's first day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// A custom period's last day, inclusive.
    pub to: Option<String>,
    /// The IANA zone the days are in (default UTC).
    pub tz: Option<String>,
}

/// The run's query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunQuery {
    /// Run as if the clock said this (ms); now when left out.
    pub at: Option<i64>,
}

/// What a run made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Reports produced.
    pub created: usize,
}
