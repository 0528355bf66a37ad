//! One view per fleet kind: project status, tasks (filtered by status and assignee), metrics with
//! a sparkline, alerts (unresolved first, by severity), vitals with health checks, and activity
//! (newest first). They read each item as its kind's model (`FleetItem::data`), and are
//! plain functions rather than components where they keep no state, which keeps the browser
//! build small. Lists are spaced by a flex gap, not `space-y-*`: its sibling selector (`> * ~ *`)
//! restyles every row of a list when one is moved or inserted, as each update does.

use super::{one_decimal, sparkline};
use crate::agents::role_label;
use crate::fleet::{
    ActivityReport, Alert, FleetItem, HealthResult, Heartbeat, MetricView, Project, Task,
    TaskStatus,
};
use crate::settings::locale::{use_locale, Locale, Style};
use dioxus::prelude::*;
use std::rc::Rc;

pub(super) const MUTED: &str = "text-slate-500 dark:text-slate-400";

/// Each item with its data as the kind's type; an item whose data is not one is left out.
fn typed<T: serde::de::DeserializeOwned>(items: &[Rc<FleetItem>]) -> Vec<(Rc<FleetItem>, T)> {
    items
        .iter()
        .filter_map(|item| Some((item.clone(), item.data::<T>()?)))
        .collect()
}

pub(super) fn projects(items: Vec<Rc<FleetItem>>) -> Element {
    rsx! {
        ul { class: "projects mt-3 flex flex-col gap-3 text-sm",
            for (item, project) in typed::<Project>(&items) {
                li {
                    key: "{item.key}",
                    class: "project",
                    "data-health": project.health.as_str(),
                    div { class: "flex items-center justify-between gap-2",
                        span { class: "font-medium", "{project.name}" }
                        span { class: "text-xs {MUTED}",
                            "{project.health.label()} · {project.progress}%"
                        }
                    }
                    if let Some(summary) = project.summary.as_ref().filter(|s| !s.is_empty()) {
                        p { class: "text-xs {MUTED}", "{summary}" }
                    }
                    div { class: "mt-1 h-1.5 rounded bg-slate-100 dark:bg-slate-800",
                        div {
                            class: "h-1.5 rounded bg-sky-600",
                            style: "width: {project.progress}%",
                        }
                    }
                }
            }
        }
    }
}

/// The task list, filtered by status and assignee (kept while the widget lives).
#[component]
pub(super) fn Tasks(items: Vec<Rc<FleetItem>>) -> Element {
    let mut status = use_signal(|| None::<TaskStatus>);
    let mut assignee = use_signal(String::new);
    let tasks = typed::<Task>(&items);
    let assignees: std::collections::BTreeSet<String> = tasks
        .iter()
        .filter_map(|(_, task)| task.assignee.clone())
        .filter(|a| !a.is_empty())
        .collect();
    let shown: Vec<(Rc<FleetItem>, Task)> = tasks
        .into_iter()
        .filter(|(_, task)| status().is_none_or(|s| s == task.status))
        .filter(|(_, task)| {
            assignee.read().is_empty() || task.assignee.as_deref() == Some(assignee.read().as_str())
        })
        .collect();
    rsx! {
        div { class: "mt-3 flex gap-2 text-xs",
            select {
                class: "task-status rounded border border-slate-300 bg-transparent px-1 py-0.5 dark:border-slate-700",
                "aria-label": "Filter by status",
                onchange: move |e| status.set(TaskStatus::ALL.into_iter().find(|s| s.as_str() == e.value())),
                option { value: "", "Any status" }
                for s in TaskStatus::ALL {
                    option { value: "{s.as_str()}", selected: status() == Some(s), "{s.label()}" }
                }
            }
            select {
                class: "task-assignee rounded border border-slate-300 bg-transparent px-1 py-0.5 dark:border-slate-700",
                "aria-label": "Filter by assignee",
                onchange: move |e| assignee.set(e.value()),
                option { value: "", "Anyone" }
                for a in assignees {
                    option { value: "{a}", selected: assignee() == a, "{a}" }
                }
            }
        }
        if shown.is_empty() {
            p { class: "widget-empty mt-2 text-sm {MUTED}", "No task matches these filters." }
        }
        ul {
            class: "tasks mt-2 flex max-h-48 flex-col gap-1 overflow-y-auto pr-1 text-sm",
            tabindex: "0",
            "aria-label": "Tasks",
            for (item, task) in shown {
                li {
                    key: "{item.key}",
                    class: "task flex items-center gap-2",
                    "data-status": task.status.as_str(),
                    span {
                        class: "h-2 w-2 shrink-0 rounded-full {task.status.colour()}",
                        aria_hidden: "true",
                    }
                    span { class: "truncate", "{task.title}" }
                    span { class: "ml-auto shrink-0 text-xs {MUTED}",
                        {task.assignee.unwrap_or_default()}
                    }
                }
            }
        }
    }
}

/// A KPI's reading with its unit: money in the user's locale (`$12.70`), else `120ms`.
fn reading(metric: &MetricView, locale: &Locale) -> String {
    match metric.currency() {
        Some(currency) => locale.money(metric.value, currency),
        None => format!(
            "{}{}",
            one_decimal(metric.value),
            metric.unit.as_deref().unwrap_or_default()
        ),
    }
}

/// A metric's change as an arrow and its colour: up green, down red, none muted.
fn change(delta: f64) -> (&'static str, &'static str) {
    if delta > 0.0 {
        ("▲", "text-emerald-700 dark:text-emerald-300")
    } else if delta < 0.0 {
        ("▼", "text-red-700 dark:text-red-300")
    } else {
        ("", MUTED)
    }
}

/// The KPIs, each with its change and a sparkline of its trend.
///
/// The loop's body is the `li` itself, so its key is the list item's: a body that is a block
/// (`{ let …; rsx! {…} }`) is an unkeyed wrapper, and when the newest metric moves to the end,
/// Dioxus compares the rows by position and rebuilds every one whose key moved.
#[component]
pub(super) fn Metrics(items: Vec<Rc<FleetItem>>) -> Element {
    let locale = use_locale();
    rsx! {
        ul { class: "metrics mt-3 flex flex-col gap-3",
            for (item, metric) in typed::<MetricView>(&items) {
                li {
                    key: "{item.key}",
                    class: "metric flex items-center gap-3",
                    "data-key": "{item.key}",
                    div { class: "min-w-0",
                        p { class: "truncate text-xs {MUTED}", "{metric.label}" }
                        p { class: "metric-value text-lg font-semibold",
                            {reading(&metric, &locale)}
                        }
                    }
                    if let Some(d) = metric.delta {
                        span { class: "metric-delta text-xs {change(d).1}",
                            "{change(d).0} {one_decimal(d.abs())}"
                        }
                    }
                    svg {
                        class: "sparkline ml-auto h-6 w-24 text-sky-600",
                        view_box: "0 0 100 20",
                        preserve_aspect_ratio: "none",
                        "aria-hidden": "true",
                        polyline {
                            fill: "none",
                            stroke: "currentColor",
                            stroke_width: "1.5",
                            points: "{sparkline(&metric.trend, 100, 20)}",
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn alerts(items: Vec<Rc<FleetItem>>) -> Element {
    let alerts = typed::<Alert>(&items);
    // Six ranks: one pass each keeps the feed's order within a rank, without a sort.
    let ranked =
        (0..6).flat_map(|rank| alerts.iter().filter(move |(_, alert)| alert.rank() == rank));
    rsx! {
        ul { class: "alerts mt-3 flex flex-col gap-2 text-sm",
            for (item, alert) in ranked.cloned() {
                li {
                    key: "{item.key}",
                    class: "alert flex items-start gap-2",
                    "data-severity": alert.severity.as_str(),
                    "data-resolved": "{alert.resolved}",
                    span { class: "rounded px-1.5 text-xs font-medium {alert.severity.colour()}",
                        {alert.severity.as_str()}
                    }
                    span {
                        class: if alert.resolved { "line-through {MUTED}" } else { "" },
                        title: alert.detail.unwrap_or_default(),
                        "{alert.title}"
                    }
                }
            }
        }
    }
}

pub(super) fn vitals(items: Vec<Rc<FleetItem>>, health: Vec<Rc<FleetItem>>) -> Element {
    rsx! {
        ul { class: "vitals mt-3 flex flex-col gap-2 text-sm",
            for (item, beat) in typed::<Heartbeat>(&items) {
                li {
                    key: "{item.key}",
                    class: "vital",
                    "data-agent": "{item.agent_name}",
                    div { class: "flex items-center gap-2",
                        span { class: "font-medium", "{item.agent_name}" }
                        span { class: "text-xs {MUTED}", "{role_label(&item.agent_role)}" }
                        span { class: "ml-auto text-xs", {beat.status.as_str()} }
                    }
                    p { class: "text-xs {MUTED}",
                        "CPU {one_decimal(beat.vitals.cpu_percent)}% · {one_decimal(beat.vitals.memory_mb)} MB · queue {beat.vitals.queue_depth}"
                    }
                    {health_badge(health.iter().find(|h| h.key == item.agent_id).map(Rc::as_ref))}
                }
            }
        }
    }
}

/// A health check's outcome and latency (nothing before the first check).
pub fn health_badge(check: Option<&FleetItem>) -> Element {
    let Some(check) = check.and_then(FleetItem::data::<HealthResult>) else {
        return rsx! {};
    };
    let state = check.state;
    let text = match check.latency() {
        Some(latency) => format!("{} · {latency}", state.label()),
        None => state.label().to_owned(),
    };
    rsx! {
        span {
            class: "health text-xs {state.colour()}",
            "data-state": state.as_str(),
            title: check.error.unwrap_or_default(),
            "{text}"
        }
    }
}

/// The activity feed, newest first, timed in the user's zone.
#[component]
pub(super) fn Activity(items: Vec<Rc<FleetItem>>) -> Element {
    let locale = use_locale();
    // The feed keeps items oldest first: newest first is the other way round.
    rsx! {
        ol {
            class: "activity mt-3 flex max-h-48 flex-col gap-1 overflow-y-auto pr-1 text-sm",
            tabindex: "0",
            "aria-label": "Activity",
            for (item, line) in typed::<ActivityReport>(&items).into_iter().rev().take(30) {
                li { key: "{item.key}", class: "event flex gap-2",
                    time { class: "shrink-0 font-mono text-xs {MUTED}",
                        "{locale.format(item.updated_at, Style::Time)}"
                    }
                    span { class: "min-w-0 flex-1", "{line.text}" }
                    span {
                        class: "agent shrink-0 text-xs {MUTED}",
                        title: "{role_label(&item.agent_role)}",
                        "{item.agent_name}"
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{
        AgentStatus, HealthState, Kind, ProjectHealth, Severity, Vitals, TREND_POINTS,
    };

    /// An item as the server stores and sends it: the kind's model as JSON.
    fn item<T: serde::Serialize>(kind: Kind, key: &str, data: &T) -> Rc<FleetItem> {
        let sent = FleetItem {
            kind,
            key: key.into(),
            agent_id: key.into(),
            agent_name: format!("agent {key}"),
            agent_role: "pulse".into(),
            updated_at: 0,
            data: serde_json::to_value(data).unwrap(),
        };
        // Over the wire and back, as the browser gets it.
        Rc::new(serde_json::from_str(&serde_json::to_string(&sent).unwrap()).unwrap())
    }

    fn alert(id: &str, severity: Severity, resolved: bool) -> Rc<FleetItem> {
        let alert = Alert {
            id: id.into(),
            severity,
            title: format!("title {id}"),
            detail: None,
            resolved,
        };
        item(Kind::Alerts, id, &alert)
    }

    #[test]
    fn items_read_back_as_the_model_the_server_sent() {
        let project = Project {
            id: "p1".into(),
            name: "Support copilot".into(),
            progress: 64,
            health: ProjectHealth::AtRisk,
            summary: Some("s".into()),
        };
        let items = vec![
            item(Kind::Projects, "p1", &project),
            item(Kind::Projects, "bad", &serde_json::json!({ "name": 3 })),
        ];
        let read = typed::<Project>(&items);
        assert_eq!(read.len(), 1, "an item that is not a project is left out");
        assert_eq!(read[0].1, project);
    }

    #[test]
    fn a_change_is_an_arrow_up_green_down_red_or_none() {
        assert_eq!(change(2.5).0, "▲");
        assert!(change(2.5).1.contains("emerald"));
        assert_eq!(change(-0.1).0, "▼");
        assert!(change(-0.1).1.contains("red"));
        assert_eq!(change(0.0), ("", MUTED));
    }

    #[test]
    fn unresolved_alerts_come_first_then_by_severity() {
        let items = vec![
            alert("a", Severity::Info, true),
            alert("b", Severity::Info, false),
            alert("c", Severity::Critical, true),
            alert("d", Severity::Critical, false),
            alert("e", Severity::Warning, false),
        ];
        let ranks: Vec<u8> = typed::<Alert>(&items)
            .iter()
            .map(|(_, a)| a.rank())
            .collect();
        assert_eq!(ranks, [5, 2, 3, 0, 1]);
    }

    #[test]
    fn money_is_shown_by_the_locale_and_other_units_after_the_number() {
        let metric = |unit: &str, value| MetricView {
            label: "Model spend today".into(),
            value,
            unit: Some(unit.into()),
            delta: None,
            trend: vec![value; TREND_POINTS],
        };
        let locale = Locale::default();
        assert_eq!(reading(&metric("$", 12.7), &locale), "$12.70");
        assert_eq!(reading(&metric("ms", 120.0), &locale), "120ms");
        assert_eq!(reading(&metric("%", 99.95), &locale), "100%");
    }

    #[cfg(feature = "server")]
    #[test]
    fn the_views_show_what_the_models_say() {
        let beat = Heartbeat {
            status: AgentStatus::Working,
            vitals: Vitals {
                cpu_percent: 61.5,
                memory_mb: 256.0,
                queue_depth: 3,
                uptime_secs: 60,
            },
            message: None,
        };
        let check = |state, latency_ms| HealthResult {
            state,
            latency_ms,
            error: None,
            checked_at: 0,
        };
        let vitals = vitals(
            vec![item(Kind::Vitals, "a1", &beat)],
            vec![item(Kind::Health, "a1", &check(HealthState::Healthy, 0))],
        );
        let html = dioxus_ssr::render_element(vitals);
        assert!(html.contains("working"), "{html}");
        assert!(html.contains("CPU 61.5% · 256 MB · queue 3"), "{html}");
        assert!(html.contains("Healthy · &#60;1 ms"), "{html}");
        assert!(html.contains(r#"data-state="healthy""#), "{html}");
        let down = health_badge(Some(&item(
            Kind::Health,
            "a1",
            &check(HealthState::Unreachable, 0),
        )));
        let html = dioxus_ssr::render_element(down);
        assert!(html.contains(">Unreachable<"), "{html}");
        assert!(html.contains("text-red-700"), "{html}");

        let project = Project {
            id: "p1".into(),
            name: "Support copilot".into(),
            progress: 64,
            health: ProjectHealth::OnTrack,
            summary: None,
        };
        let html = dioxus_ssr::render_element(projects(vec![item(Kind::Projects, "p1", &project)]));
        assert!(html.contains("On track · 64%"), "{html}");
        assert!(html.contains(r#"data-health="on_track""#), "{html}");

        let html = dioxus_ssr::render_element(alerts(vec![
            alert("old", Severity::Critical, true),
            alert("new", Severity::Warning, false),
        ]));
        let (new, old) = (
            html.find("title new").unwrap(),
            html.find("title old").unwrap(),
        );
        assert!(new < old, "{html}");
        assert!(html.contains(Severity::Warning.colour()), "{html}");
    }
}
