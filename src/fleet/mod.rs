//! Fleet data: what agents report for the dashboard's widgets (heartbeats with vitals, project
//! status, tasks, KPI metrics, alerts, activity) and what the server adds (health checks). These
//! types are the one contract: the agent API validates against them, `/api/v1/schema` publishes
//! their JSON Schema for agents in any language, and the widgets read them.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod demo;
#[cfg(feature = "server")]
mod memory;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "server")]
pub mod store;

use serde::{Deserialize, Serialize};

/// The kinds of fleet data, one per widget data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Projects' progress and health.
    Projects,
    /// Tasks, by status and assignee.
    Tasks,
    /// KPIs with their change and trend.
    Metrics,
    /// What needs an operator now.
    Alerts,
    /// Each agent's last heartbeat.
    Vitals,
    /// The feed of what happened.
    Activity,
    /// Each agent's last health check (written by the server's health mesh).
    Health,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::Projects,
        Kind::Tasks,
        Kind::Metrics,
        Kind::Alerts,
        Kind::Vitals,
        Kind::Activity,
        Kind::Health,
    ];

    /// The name used in paths and payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Projects => "projects",
            Kind::Tasks => "tasks",
            Kind::Metrics => "metrics",
            Kind::Alerts => "alerts",
            Kind::Vitals => "vitals",
            Kind::Activity => "activity",
            Kind::Health => "health",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One stored piece of fleet data, as operators and widgets read it, and as it is published
/// live on the workspace's `fleet` topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetItem {
    /// What it is.
    pub kind: Kind,
    /// Its id within the kind (a task's id, a metric's key, an agent's id for vitals and health).
    pub key: String,
    /// The agent it came from.
    pub agent_id: String,
    /// That agent's name.
    pub agent_name: String,
    /// That agent's role (`pulse`, `navi`, `herald`, …; see [`crate::agents::role_label`]).
    pub agent_role: String,
    /// When it was last written (ms since the Unix epoch).
    pub updated_at: i64,
    /// The kind's data: [`Project`], [`Task`], [`MetricView`], [`Alert`], [`Heartbeat`],
    /// [`ActivityReport`] or [`HealthResult`].
    pub data: serde_json::Value,
}

impl FleetItem {
    /// The data as the kind's type (none when it is not one): how every view reads an item.
    /// From an owned `Value`, as `crate::http::call` reads answers, so that the browser build
    /// holds one deserializer per type.
    pub fn data<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.data.clone()).ok()
    }
}

/// What is wrong with a report: the field (a JSON path) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// `tasks[2].title`.
    pub field: String,
    /// What it must be.
    pub message: String,
}

/// The JSON Schema pattern of a key: 1 to 64 letters, digits or `-_.:` (what `key` checks).
pub const KEY_PATTERN: &str = "^[A-Za-z0-9_.:-]{1,64}$";

/// The JSON Schema pattern of a text that is not blank: it holds a character other than white
/// space, as Rust's `char::is_whitespace` (Unicode `White_Space`, what `str::trim` removes) counts
/// it. Spelled out rather than `\S`, whose meaning differs between regex dialects (Python's
/// counts U+001C–U+001F as space, ECMAScript's U+FEFF).
pub const NOT_BLANK: &str =
    r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// Largest resident memory a heartbeat may report, in MiB (16 TiB).
pub const MAX_MEMORY_MB: f64 = 16_777_216.0;
/// Longest uptime a heartbeat may report, in seconds (100 years of 365.25 days).
pub const MAX_UPTIME_SECS: u64 = 3_155_760_000;

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn text(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    let count = value.trim().chars().count();
    if count == 0 || value.chars().count() > max {
        Err(invalid(
            field,
            format!("{field} must be 1 to {max} characters"),
        ))
    } else {
        Ok(())
    }
}

fn optional_text(field: &str, value: &Option<String>, max: usize) -> Result<(), Invalid> {
    match value {
        Some(value) if value.chars().count() > max => Err(invalid(
            field,
            format!("{field} must be at most {max} characters"),
        )),
        _ => Ok(()),
    }
}

fn key(field: &str, value: &str) -> Result<(), Invalid> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{field} must be 1 to 64 letters, digits or - _ . :"),
        ))
    }
}

fn count(field: &str, len: usize, max: usize) -> Result<(), Invalid> {
    if len == 0 || len > max {
        Err(invalid(
            field,
            format!("{field} must hold 1 to {max} entries"),
        ))
    } else {
        Ok(())
    }
}

/// What an agent is doing, by its own account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Waiting for work.
    Idle,
    /// Busy.
    Working,
    /// Stuck on an error.
    Error,
}

impl AgentStatus {
    /// The name used in payloads, which the Vitals widget shows.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Idle => "idle",
            AgentStatus::Working => "working",
            AgentStatus::Error => "error",
        }
    }
}

/// An agent's vital signs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vitals {
    /// CPU use, 0 to 100.
    #[cfg_attr(feature = "server", schemars(range(min = 0.0, max = 100.0)))]
    pub cpu_percent: f64,
    /// Resident memory in MiB, 0 to 16,777,216 (16 TiB).
    #[cfg_attr(feature = "server", schemars(range(min = 0.0, max = MAX_MEMORY_MB)))]
    pub memory_mb: f64,
    /// Jobs waiting, 0 to 4,294,967,295.
    #[serde(default, deserialize_with = "crate::http::whole::number")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = u32::MAX)))]
    pub queue_depth: u32,
    /// Seconds since it started, 0 to 3,155,760,000 (100 years).
    #[serde(default, deserialize_with = "crate::http::whole::number")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = MAX_UPTIME_SECS)))]
    pub uptime_secs: u64,
}

/// `POST /api/v1/heartbeat`: the agent is alive, and how it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Heartbeat {
    /// What it is doing.
    pub status: AgentStatus,
    /// How it is.
    pub vitals: Vitals,
    /// A line for operators, up to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schemars(length(max = 200)))]
    pub message: Option<String>,
}

impl Heartbeat {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), Invalid> {
        let vitals = &self.vitals;
        if !(0.0..=100.0).contains(&vitals.cpu_percent) {
            return Err(invalid(
                "vitals.cpuPercent",
                "vitals.cpuPercent must be from 0 to 100",
            ));
        }
        if !(0.0..=MAX_MEMORY_MB).contains(&vitals.memory_mb) {
            return Err(invalid(
                "vitals.memoryMb",
                "vitals.memoryMb must be from 0 to 16777216",
            ));
        }
        if vitals.uptime_secs > MAX_UPTIME_SECS {
            return Err(invalid(
                "vitals.uptimeSecs",
                format!("vitals.uptimeSecs must be from 0 to {MAX_UPTIME_SECS} (100 years)"),
            ));
        }
        optional_text("message", &self.message, 200)
    }
}

/// How a project is going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectHealth {
    /// On track.
    OnTrack,
    /// Slipping.
    AtRisk,
    /// Stopped by something.
    Blocked,
}

impl ProjectHealth {
    /// The name used in payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectHealth::OnTrack => "on_track",
            ProjectHealth::AtRisk => "at_risk",
            ProjectHealth::Blocked => "blocked",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            ProjectHealth::OnTrack => "On track",
            ProjectHealth::AtRisk => "At risk",
            ProjectHealth::Blocked => "Blocked",
        }
    }
}

/// A project's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Project {
    /// Its id (1 to 64 of letters, digits, `-_.:`).
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 64), pattern(KEY_PATTERN))
    )]
    pub id: String,
    /// Its name, 1 to 120 characters, not blank.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 120), pattern(NOT_BLANK))
    )]
    pub name: String,
    /// Percent done, 0 to 100.
    #[serde(deserialize_with = "crate::http::whole::number")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = 100)))]
    pub progress: u8,
    /// How it is going.
    pub health: ProjectHealth,
    /// A line of context, up to 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schemars(length(max = 500)))]
    pub summary: Option<String>,
}

/// `POST /api/v1/projects`: projects' status (each replaces the one with its id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectReport {
    /// 1 to 100 projects.
    #[cfg_attr(feature = "server", schemars(length(min = 1, max = 100)))]
    pub projects: Vec<Project>,
}

impl ProjectReport {
    /// Checks every project.
    pub fn validate(&self) -> Result<(), Invalid> {
        count("projects", self.projects.len(), 100)?;
        for (i, project) in self.projects.iter().enumerate() {
            key(&format!("projects[{i}].id"), &project.id)?;
            text(&format!("projects[{i}].name"), &project.name, 120)?;
            if project.progress > 100 {
                return Err(invalid(
                    format!("projects[{i}].progress"),
                    format!("projects[{i}].progress must be from 0 to 100"),
                ));
            }
            optional_text(&format!("projects[{i}].summary"), &project.summary, 500)?;
        }
        Ok(())
    }
}

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not started.
    Todo,
    /// Being done.
    InProgress,
    /// Waiting on something.
    Blocked,
    /// Finished.
    Done,
}

impl TaskStatus {
    /// Every status, in board order.
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::Blocked,
        TaskStatus::Done,
    ];

    /// The name used in payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Blocked => "blocked",
            TaskStatus::Done => "done",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::Todo => "To do",
            TaskStatus::InProgress => "In progress",
            TaskStatus::Blocked => "Blocked",
            TaskStatus::Done => "Done",
        }
    }

    /// The colour of its dot in the task list (Tailwind background).
    pub fn colour(self) -> &'static str {
        match self {
            TaskStatus::Todo => "bg-slate-400",
            TaskStatus::InProgress => "bg-sky-500",
            TaskStatus::Blocked => "bg-red-500",
            TaskStatus::Done => "bg-emerald-500",
        }
    }
}

/// A task an agent works on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Task {
    /// Its id (1 to 64 of letters, digits, `-_.:`).
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 64), pattern(KEY_PATTERN))
    )]
    pub id: String,
    /// What it is, 1 to 200 characters, not blank.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 200), pattern(NOT_BLANK))
    )]
    pub title: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Who does it (an agent or a person), up to 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schemars(length(max = 64)))]
    pub assignee: Option<String>,
    /// The project's id (1 to 64 of letters, digits, `-_.:`), when it belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 64), pattern(KEY_PATTERN))
    )]
    pub project: Option<String>,
}

/// `POST /api/v1/tasks`: tasks (each replaces the one with its id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskReport {
    /// 1 to 500 tasks.
    #[cfg_attr(feature = "server", schemars(length(min = 1, max = 500)))]
    pub tasks: Vec<Task>,
}

impl TaskReport {
    /// Checks every task.
    pub fn validate(&self) -> Result<(), Invalid> {
        count("tasks", self.tasks.len(), 500)?;
        for (i, task) in self.tasks.iter().enumerate() {
            key(&format!("tasks[{i}].id"), &task.id)?;
            text(&format!("tasks[{i}].title"), &task.title, 200)?;
            optional_text(&format!("tasks[{i}].assignee"), &task.assignee, 64)?;
            if let Some(project) = &task.project {
                key(&format!("tasks[{i}].project"), project)?;
            }
        }
        Ok(())
    }
}

/// One reading of a KPI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSample {
    /// Its key (1 to 64 of letters, digits, `-_.:`), the same at every reading.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 64), pattern(KEY_PATTERN))
    )]
    pub key: String,
    /// What people read, 1 to 80 characters, not blank.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 80), pattern(NOT_BLANK))
    )]
    pub label: String,
    /// The reading (a finite number).
    pub value: f64,
    /// Its unit (`ms`, `%`, `$`), up to 16 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schemars(length(max = 16)))]
    pub unit: Option<String>,
}

/// `POST /api/v1/metrics`: KPI readings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MetricReport {
    /// 1 to 100 readings.
    #[cfg_attr(feature = "server", schemars(length(min = 1, max = 100)))]
    pub metrics: Vec<MetricSample>,
}

impl MetricReport {
    /// Checks every reading.
    pub fn validate(&self) -> Result<(), Invalid> {
        count("metrics", self.metrics.len(), 100)?;
        for (i, metric) in self.metrics.iter().enumerate() {
            key(&format!("metrics[{i}].key"), &metric.key)?;
            text(&format!("metrics[{i}].label"), &metric.label, 80)?;
            if !metric.value.is_finite() {
                return Err(invalid(
                    format!("metrics[{i}].value"),
                    format!("metrics[{i}].value must be a finite number"),
                ));
            }
            optional_text(&format!("metrics[{i}].unit"), &metric.unit, 16)?;
        }
        Ok(())
    }
}

/// How many readings a metric's trend keeps.
pub const TREND_POINTS: usize = 30;

/// A KPI as the Metrics widget shows it: the last reading, its change, and its trend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricView {
    /// What people read.
    pub label: String,
    /// The last reading.
    pub value: f64,
    /// Its unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The last reading minus the one before (none for the first).
    #[serde(default)]
    pub delta: Option<f64>,
    /// The last [`TREND_POINTS`] readings, oldest first.
    pub trend: Vec<f64>,
}

impl MetricView {
    /// The ISO 4217 currency its unit names (`$`, `€`, `£` or the code itself), when it is money.
    pub fn currency(&self) -> Option<&'static str> {
        match self.unit.as_deref()?.trim() {
            "$" | "USD" | "usd" => Some("USD"),
            "€" | "EUR" | "eur" => Some("EUR"),
            "£" | "GBP" | "gbp" => Some("GBP"),
            _ => None,
        }
    }

    /// The view after `sample`, given the view before it.
    pub fn next(before: Option<MetricView>, sample: &MetricSample) -> Self {
        let mut trend = before.as_ref().map(|b| b.trend.clone()).unwrap_or_default();
        trend.push(sample.value);
        if trend.len() > TREND_POINTS {
            trend.drain(..trend.len() - TREND_POINTS);
        }
        Self {
            label: sample.label.clone(),
            value: sample.value,
            unit: sample.unit.clone(),
            delta: before.map(|b| sample.value - b.value),
            trend,
        }
    }
}

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Look soon.
    Warning,
    /// Look now.
    Critical,
}

impl Severity {
    /// The name used in payloads, which the Alerts widget shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// Its badge's colours (Tailwind, light and dark).
    pub fn colour(self) -> &'static str {
        match self {
            Severity::Critical => "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
            Severity::Warning => {
                "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100"
            }
            Severity::Info => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
        }
    }
}

/// Something that needs an operator's attention.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alert {
    /// Its id (1 to 64 of letters, digits, `-_.:`); sending it again updates it.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 64), pattern(KEY_PATTERN))
    )]
    pub id: String,
    /// How urgent.
    pub severity: Severity,
    /// What, 1 to 200 characters, not blank.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 200), pattern(NOT_BLANK))
    )]
    pub title: String,
    /// More, up to 1000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schemars(length(max = 1000)))]
    pub detail: Option<String>,
    /// Whether it is over.
    #[serde(default)]
    pub resolved: bool,
}

impl Alert {
    /// Where it goes in the Alerts widget: unresolved before resolved, then critical, warning,
    /// info (0 to 5).
    pub fn rank(&self) -> u8 {
        let severity = match self.severity {
            Severity::Critical => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        };
        u8::from(self.resolved) * 3 + severity
    }
}

/// `POST /api/v1/alerts`: alerts raised or resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertReport {
    /// 1 to 100 alerts.
    #[cfg_attr(feature = "server", schemars(length(min = 1, max = 100)))]
    pub alerts: Vec<Alert>,
}

impl AlertReport {
    /// Checks every alert.
    pub fn validate(&self) -> Result<(), Invalid> {
        count("alerts", self.alerts.len(), 100)?;
        for (i, alert) in self.alerts.iter().enumerate() {
            key(&format!("alerts[{i}].id"), &alert.id)?;
            text(&format!("alerts[{i}].title"), &alert.title, 200)?;
            optional_text(&format!("alerts[{i}].detail"), &alert.detail, 1000)?;
        }
        Ok(())
    }
}

/// `POST /api/v1/activity`: one line for the activity feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityReport {
    /// What happened, 1 to 500 characters, not blank.
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 500), pattern(NOT_BLANK))
    )]
    pub text: String,
}

impl ActivityReport {
    /// Checks the text.
    pub fn validate(&self) -> Result<(), Invalid> {
        text("text", &self.text, 500)
    }
}

/// How many activity lines a workspace keeps.
pub const ACTIVITY_KEPT: usize = 100;

/// The outcome of one health check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// Answered 2xx.
    Healthy,
    /// Answered, but not 2xx, or said `"status": "degraded"`.
    Degraded,
    /// Could not be reached (no connection, no route, no address).
    Unreachable,
    /// Did not answer within its timeout.
    TimedOut,
    /// Not checked: the egress policy refuses its address (the error names the rule).
    Refused,
}

impl HealthState {
    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            HealthState::Healthy => "Healthy",
            HealthState::Degraded => "Degraded",
            HealthState::Unreachable => "Unreachable",
            HealthState::TimedOut => "Timed out",
            HealthState::Refused => "Refused",
        }
    }

    /// The name used in payloads (and the Agents page's health filter).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Unreachable => "unreachable",
            HealthState::TimedOut => "timed_out",
            HealthState::Refused => "refused",
        }
    }

    /// Its text colour (Tailwind, light and dark).
    pub fn colour(self) -> &'static str {
        match self {
            HealthState::Healthy => "text-emerald-700 dark:text-emerald-300",
            HealthState::Degraded => "text-amber-700 dark:text-amber-300",
            HealthState::Unreachable | HealthState::TimedOut | HealthState::Refused => {
                "text-red-700 dark:text-red-300"
            }
        }
    }

    /// Whether the agent could not be checked or did not answer.
    pub fn failing(self) -> bool {
        matches!(
            self,
            HealthState::Unreachable | HealthState::TimedOut | HealthState::Refused
        )
    }
}

/// An agent's last health check, as the health mesh records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HealthResult {
    /// The outcome.
    pub state: HealthState,
    /// How long it took to answer, in milliseconds (the timeout when it timed out, 0 when
    /// nothing answered).
    pub latency_ms: u64,
    /// What went wrong, in one word (`unreachable`, `timeout`, `degraded`), or the egress
    /// policy's refusal naming its rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was checked (ms since the Unix epoch).
    pub checked_at: i64,
}

impl HealthResult {
    /// Its latency as people read it: `4 ms`, `<1 ms` for an answer within the millisecond (a
    /// loopback agent's, which the whole milliseconds round down to 0), the timeout for a
    /// timeout, and none when nothing answered.
    pub fn latency(&self) -> Option<String> {
        match (self.state, self.latency_ms) {
            (HealthState::Unreachable | HealthState::Refused, _) => None,
            (HealthState::Healthy | HealthState::Degraded, 0) => Some("<1 ms".into()),
            (_, ms) => Some(format!("{ms} ms")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_by_name() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(Kind::parse("weather"), None);
    }

    /// Each enum's `as_str` is its payload name, so the views' `data-*` attributes and filters
    /// say what the API says; its label and colour are one per value.
    #[test]
    fn enum_names_labels_and_colours_match_the_payloads() {
        fn wire<T: Serialize>(value: T) -> String {
            serde_json::to_value(value)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        }
        for s in [AgentStatus::Idle, AgentStatus::Working, AgentStatus::Error] {
            assert_eq!(wire(s), s.as_str());
        }
        for h in [
            ProjectHealth::OnTrack,
            ProjectHealth::AtRisk,
            ProjectHealth::Blocked,
        ] {
            assert_eq!(wire(h), h.as_str());
        }
        assert_eq!(ProjectHealth::OnTrack.label(), "On track");
        assert_eq!(ProjectHealth::AtRisk.label(), "At risk");
        for t in TaskStatus::ALL {
            assert_eq!(wire(t), t.as_str());
        }
        assert_eq!(TaskStatus::InProgress.colour(), "bg-sky-500");
        assert_eq!(TaskStatus::Done.colour(), "bg-emerald-500");
        let severities = [Severity::Info, Severity::Warning, Severity::Critical];
        for s in severities {
            assert_eq!(wire(s), s.as_str());
        }
        let colours: std::collections::BTreeSet<_> = severities.map(Severity::colour).into();
        assert_eq!(colours.len(), 3, "each severity has its colour");
        assert!(Severity::Critical.colour().contains("red"));
        let states = [
            HealthState::Healthy,
            HealthState::Degraded,
            HealthState::Unreachable,
            HealthState::TimedOut,
            HealthState::Refused,
        ];
        for s in states {
            assert_eq!(wire(s), s.as_str());
        }
        assert_eq!(HealthState::TimedOut.label(), "Timed out");
        assert!(HealthState::Healthy.colour().contains("emerald"));
        assert!(HealthState::Degraded.colour().contains("amber"));
        let failing: Vec<_> = states.into_iter().filter(|s| s.failing()).collect();
        assert_eq!(
            failing,
            [
                HealthState::Unreachable,
                HealthState::TimedOut,
                HealthState::Refused
            ]
        );
    }

    #[test]
    fn a_latency_under_a_millisecond_reads_as_such() {
        let check = |state, latency_ms| HealthResult {
            state,
            latency_ms,
            error: None,
            checked_at: 0,
        };
        let latency = |state, ms| check(state, ms).latency();
        assert_eq!(latency(HealthState::Healthy, 0).as_deref(), Some("<1 ms"));
        assert_eq!(latency(HealthState::Degraded, 0).as_deref(), Some("<1 ms"));
        assert_eq!(latency(HealthState::Healthy, 4).as_deref(), Some("4 ms"));
        assert_eq!(
            latency(HealthState::TimedOut, 3000).as_deref(),
            Some("3000 ms")
        );
        assert_eq!(latency(HealthState::Unreachable, 0), None);
        assert_eq!(latency(HealthState::Refused, 0), None);
    }

    #[test]
    fn money_units_name_their_currency_and_alerts_rank_unresolved_first() {
        let view = |unit: Option<&str>| MetricView {
            label: "Model spend today".into(),
            value: 12.7,
            unit: unit.map(str::to_owned),
            delta: None,
            trend: vec![],
        };
        assert_eq!(view(Some("$")).currency(), Some("USD"));
        assert_eq!(view(Some("€")).currency(), Some("EUR"));
        assert_eq!(view(Some("GBP")).currency(), Some("GBP"));
        assert_eq!(view(Some("ms")).currency(), None);
        assert_eq!(view(None).currency(), None);
        let alert = |severity, resolved| Alert {
            id: "a".into(),
            severity,
            title: "t".into(),
            detail: None,
            resolved,
        };
        assert_eq!(alert(Severity::Critical, false).rank(), 0);
        assert_eq!(alert(Severity::Info, false).rank(), 2);
        assert_eq!(alert(Severity::Critical, true).rank(), 3);
        assert_eq!(alert(Severity::Info, true).rank(), 5);
    }

    /// Every kind's data reads back through `FleetItem::data` as the model the server stored,
    /// after the trip over the wire.
    #[test]
    fn fleet_items_read_back_as_their_models() {
        fn round_trip<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
            kind: Kind,
            data: T,
        ) {
            let item = FleetItem {
                kind,
                key: "k".into(),
                agent_id: "a".into(),
                agent_name: "n".into(),
                agent_role: "pulse".into(),
                updated_at: 1,
                data: serde_json::to_value(&data).unwrap(),
            };
            let text = serde_json::to_string(&item).unwrap();
            let read: FleetItem = serde_json::from_str(&text).unwrap();
            assert_eq!(read.data::<T>(), Some(data), "{kind:?}");
        }
        round_trip(
            Kind::Projects,
            Project {
                id: "p".into(),
                name: "P".into(),
                progress: 64,
                health: ProjectHealth::AtRisk,
                summary: Some("s".into()),
            },
        );
        round_trip(
            Kind::Tasks,
            Task {
                id: "t".into(),
                title: "T".into(),
                status: TaskStatus::Blocked,
                assignee: Some("navi".into()),
                project: None,
            },
        );
        round_trip(
            Kind::Metrics,
            MetricView {
                label: "L".into(),
                value: 12.7,
                unit: Some("$".into()),
                delta: Some(-0.5),
                trend: vec![1.0, 12.7],
            },
        );
        round_trip(
            Kind::Alerts,
            Alert {
                id: "a".into(),
                severity: Severity::Warning,
                title: "T".into(),
                detail: Some("d".into()),
                resolved: true,
            },
        );
        round_trip(
            Kind::Vitals,
            Heartbeat {
                status: AgentStatus::Working,
                vitals: Vitals {
                    cpu_percent: 61.5,
                    memory_mb: 256.0,
                    queue_depth: 3,
                    uptime_secs: 60,
                },
                message: Some("m".into()),
            },
        );
        round_trip(Kind::Activity, ActivityReport { text: "did".into() });
        round_trip(
            Kind::Health,
            HealthResult {
                state: HealthState::Healthy,
                latency_ms: 0,
                error: None,
                checked_at: 5,
            },
        );
        let other = FleetItem {
            kind: Kind::Tasks,
            key: "k".into(),
            agent_id: "a".into(),
            agent_name: "n".into(),
            agent_role: "pulse".into(),
            updated_at: 1,
            data: serde_json::json!({ "title": 3 }),
        };
        assert_eq!(other.data::<Task>(), None);
    }

    #[test]
    fn reports_name_the_bad_field() {
        let task = |id: &str, title: &str| Task {
            id: id.into(),
            title: title.into(),
            status: TaskStatus::Todo,
            assignee: None,
            project: None,
        };
        let good = TaskReport {
            tasks: vec![task("t1", "Index the docs")],
        };
        assert_eq!(good.validate(), Ok(()));
        let bad = TaskReport {
            tasks: vec![task("t1", "ok"), task("t 2", "spaces in the id")],
        };
        assert_eq!(bad.validate().unwrap_err().field, "tasks[1].id");
        let blank = TaskReport {
            tasks: vec![task("t1", "  ")],
        };
        assert_eq!(blank.validate().unwrap_err().field, "tasks[0].title");
        assert_eq!(
            TaskReport { tasks: vec![] }.validate().unwrap_err().field,
            "tasks"
        );

        let metric = MetricReport {
            metrics: vec![MetricSample {
                key: "latency".into(),
                label: "Latency".into(),
                value: f64::NAN,
                unit: None,
            }],
        };
        assert_eq!(metric.validate().unwrap_err().field, "metrics[0].value");

        let beat = Heartbeat {
            status: AgentStatus::Idle,
            vitals: Vitals {
                cpu_percent: 140.0,
                memory_mb: 1.0,
                queue_depth: 0,
                uptime_secs: 0,
            },
            message: None,
        };
        assert_eq!(beat.validate().unwrap_err().field, "vitals.cpuPercent");
    }

    #[test]
    fn a_heartbeat_uptime_is_at_most_a_hundred_years() {
        let beat = |uptime_secs| Heartbeat {
            status: AgentStatus::Working,
            vitals: Vitals {
                cpu_percent: 5.0,
                memory_mb: 64.0,
                queue_depth: u32::MAX,
                uptime_secs,
            },
            message: None,
        };
        assert_eq!(beat(MAX_UPTIME_SECS).validate(), Ok(()));
        for past in [MAX_UPTIME_SECS + 1, u64::MAX] {
            assert_eq!(
                beat(past).validate().unwrap_err().field,
                "vitals.uptimeSecs"
            );
        }
    }

    /// `NOT_BLANK` finds a character exactly where `str::trim` leaves one, over every character
    /// up to past the last white space (U+3000) and some beyond.
    #[cfg(feature = "server")]
    #[test]
    fn the_not_blank_pattern_is_rusts_white_space() {
        let schema = serde_json::json!({ "type": "string", "pattern": NOT_BLANK });
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let beyond = ['\u{feff}', '\u{fffd}', '\u{10000}', '\u{10ffff}'];
        for c in (0..=0x3100).filter_map(char::from_u32).chain(beyond) {
            let one = c.to_string();
            assert_eq!(
                validator.is_valid(&serde_json::json!(one)),
                !one.trim().is_empty(),
                "U+{:04X}",
                c as u32
            );
        }
        assert!(!validator.is_valid(&serde_json::json!(" \t\u{3000}\n")));
        assert!(validator.is_valid(&serde_json::json!(" x ")));
    }

    #[test]
    fn a_metric_keeps_its_delta_and_a_bounded_trend() {
        let sample = |value: f64| MetricSample {
            key: "k".into(),
            label: "K".into(),
            value,
            unit: Some("ms".into()),
        };
        let first = MetricView::next(None, &sample(10.0));
        assert_eq!(first.delta, None);
        assert_eq!(first.trend, vec![10.0]);
        let second = MetricView::next(Some(first), &sample(7.5));
        assert_eq!(second.delta, Some(-2.5));
        assert_eq!(second.trend, vec![10.0, 7.5]);
        let mut view = second;
        for i in 0..40 {
            view = MetricView::next(Some(view), &sample(i as f64));
        }
        assert_eq!(view.trend.len(), TREND_POINTS);
        assert_eq!(view.trend.last(), Some(&39.0));
        assert_eq!(view.trend.first(), Some(&10.0));
    }
}
