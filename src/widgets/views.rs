//! One view per fleet kind: project status, tasks (filtered by status and assignee), metrics with
//! a sparkline, alerts (unresolved first, by severity), vitals with health checks, and activity
//! (newest first). They read the items' JSON directly (the shapes are `crate::fleet`'s) and are
//! plain functions rather than components where they keep no state, which keeps the browser
//! build small. Lists are spaced by a flex gap, not `space-y-*`: its sibling selector (`> * ~ *`)
//! restyles every row of a list when one is moved or inserted, as each update does.

use super::{one_decimal, sparkline};
use crate::agents::role_label;
use crate::fleet::FleetItem;
use crate::settings::locale::{use_locale, Style};
use dioxus::prelude::*;
use serde_json::Value;
use std::rc::Rc;

pub(super) const MUTED: &str = "text-slate-500 dark:text-slate-400";

fn text<'a>(item: &'a FleetItem, field: &str) -> &'a str {
    item.data.get(field).and_then(Value::as_str).unwrap_or("")
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

fn whole(value: &Value) -> i64 {
    number(value).round() as i64
}

pub(super) fn projects(items: Vec<Rc<FleetItem>>) -> Element {
    rsx! {
        ul { class: "projects mt-3 flex flex-col gap-3 text-sm",
            for item in items {
                li { key: "{item.key}", class: "project", "data-health": "{text(&item, \"health\")}",
                    div { class: "flex items-center justify-between gap-2",
                        span { class: "font-medium", "{text(&item, \"name\")}" }
                        span { class: "text-xs {MUTED}", "{health_label(text(&item, \"health\"))} · {whole(&item.data[\"progress\"])}%" }
                    }
                    if !text(&item, "summary").is_empty() {
                        p { class: "text-xs {MUTED}", "{text(&item, \"summary\")}" }
                    }
                    div { class: "mt-1 h-1.5 rounded bg-slate-100 dark:bg-slate-800",
                        div { class: "h-1.5 rounded bg-sky-600", style: "width: {whole(&item.data[\"progress\"])}%" }
                    }
                }
            }
        }
    }
}

fn health_label(health: &str) -> &'static str {
    match health {
        "on_track" => "On track",
        "at_risk" => "At risk",
        "blocked" => "Blocked",
        _ => "Unknown",
    }
}

/// The task list, filtered by status and assignee (kept while the widget lives).
#[component]
pub(super) fn Tasks(items: Vec<Rc<FleetItem>>) -> Element {
    let mut status = use_signal(String::new);
    let mut assignee = use_signal(String::new);
    let assignees: std::collections::BTreeSet<String> = items
        .iter()
        .map(|item| text(item, "assignee").to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let shown: Vec<Rc<FleetItem>> = items
        .into_iter()
        .filter(|item| status.read().is_empty() || text(item, "status") == *status.read())
        .filter(|item| assignee.read().is_empty() || text(item, "assignee") == *assignee.read())
        .collect();
    rsx! {
        div { class: "mt-3 flex gap-2 text-xs",
            select { class: "task-status rounded border border-slate-300 bg-transparent px-1 py-0.5 dark:border-slate-700", "aria-label": "Filter by status",
                onchange: move |e| status.set(e.value()),
                option { value: "", "Any status" }
                for s in crate::fleet::TaskStatus::ALL {
                    option { value: "{s.as_str()}", selected: status() == s.as_str(), "{s.label()}" }
                }
            }
            select { class: "task-assignee rounded border border-slate-300 bg-transparent px-1 py-0.5 dark:border-slate-700", "aria-label": "Filter by assignee",
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
        ul { class: "tasks mt-2 flex max-h-48 flex-col gap-1 overflow-y-auto pr-1 text-sm", tabindex: "0", "aria-label": "Tasks",
            for item in shown {
                li { key: "{item.key}", class: "task flex items-center gap-2", "data-status": "{text(&item, \"status\")}",
                    span { class: "h-2 w-2 shrink-0 rounded-full {status_colour(text(&item, \"status\"))}", aria_hidden: "true" }
                    span { class: "truncate", "{text(&item, \"title\")}" }
                    span { class: "ml-auto shrink-0 text-xs {MUTED}", "{text(&item, \"assignee\")}" }
                }
            }
        }
    }
}

fn status_colour(status: &str) -> &'static str {
    match status {
        "in_progress" => "bg-sky-500",
        "blocked" => "bg-red-500",
        "done" => "bg-emerald-500",
        _ => "bg-slate-400",
    }
}

pub(super) fn metrics(items: Vec<Rc<FleetItem>>) -> Element {
    rsx! {
        ul { class: "metrics mt-3 flex flex-col gap-3",
            for item in items {
                {
                    let data = &item.data;
                    let trend: Vec<f64> = data["trend"].as_array().map(|t| t.iter().map(number).collect()).unwrap_or_default();
                    let delta = data["delta"].as_f64();
                    let (arrow, colour) = match delta {
                        Some(d) if d > 0.0 => ("▲", "text-emerald-700 dark:text-emerald-300"),
                        Some(d) if d < 0.0 => ("▼", "text-red-700 dark:text-red-300"),
                        _ => ("", MUTED),
                    };
                    rsx! {
                        li { key: "{item.key}", class: "metric flex items-center gap-3", "data-key": "{item.key}",
                            div { class: "min-w-0",
                                p { class: "truncate text-xs {MUTED}", "{text(&item, \"label\")}" }
                                p { class: "metric-value text-lg font-semibold", "{one_decimal(number(&data[\"value\"]))}{text(&item, \"unit\")}" }
                            }
                            if let Some(d) = delta {
                                span { class: "metric-delta text-xs {colour}", "{arrow} {one_decimal(d.abs())}" }
                            }
                            svg { class: "sparkline ml-auto h-6 w-24 text-sky-600", view_box: "0 0 100 20", preserve_aspect_ratio: "none", "aria-hidden": "true",
                                polyline { fill: "none", stroke: "currentColor", stroke_width: "1.5", points: "{sparkline(&trend, 100, 20)}" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where an alert goes: unresolved before resolved, then critical, warning, info.
fn alert_rank(item: &FleetItem) -> u8 {
    let severity = match text(item, "severity") {
        "critical" => 0,
        "warning" => 1,
        _ => 2,
    };
    let resolved = item.data["resolved"].as_bool().unwrap_or(false);
    u8::from(resolved) * 3 + severity
}

pub(super) fn alerts(items: Vec<Rc<FleetItem>>) -> Element {
    // Six ranks: one pass each keeps the order without a sort.
    let ranked = (0..6).flat_map(|rank| items.iter().filter(move |item| alert_rank(item) == rank));
    rsx! {
        ul { class: "alerts mt-3 flex flex-col gap-2 text-sm",
            for item in ranked {
                li { key: "{item.key}", class: "alert flex items-start gap-2", "data-severity": "{text(item, \"severity\")}",
                    "data-resolved": "{alert_rank(item) >= 3}",
                    span { class: "rounded px-1.5 text-xs font-medium {severity_colour(text(item, \"severity\"))}", "{text(item, \"severity\")}" }
                    span { class: if alert_rank(item) >= 3 { "line-through {MUTED}" } else { "" }, title: "{text(item, \"detail\")}", "{text(item, \"title\")}" }
                }
            }
        }
    }
}

fn severity_colour(severity: &str) -> &'static str {
    match severity {
        "critical" => "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
        "warning" => "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
        _ => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
    }
}

pub(super) fn vitals(items: Vec<Rc<FleetItem>>, health: Vec<Rc<FleetItem>>) -> Element {
    rsx! {
        ul { class: "vitals mt-3 flex flex-col gap-2 text-sm",
            for item in items {
                {
                    let vitals = &item.data["vitals"];
                    rsx! {
                        li { key: "{item.key}", class: "vital", "data-agent": "{item.agent_name}",
                            div { class: "flex items-center gap-2",
                                span { class: "font-medium", "{item.agent_name}" }
                                span { class: "text-xs {MUTED}", "{role_label(&item.agent_role)}" }
                                span { class: "ml-auto text-xs", "{text(&item, \"status\")}" }
                            }
                            p { class: "text-xs {MUTED}",
                                "CPU {one_decimal(number(&vitals[\"cpuPercent\"]))}% · {one_decimal(number(&vitals[\"memoryMb\"]))} MB · queue {whole(&vitals[\"queueDepth\"])}"
                            }
                            {health_badge(health.iter().find(|h| h.key == item.agent_id).map(Rc::as_ref))}
                        }
                    }
                }
            }
        }
    }
}

/// A health check's outcome and latency (nothing before the first check).
pub fn health_badge(check: Option<&FleetItem>) -> Element {
    let Some(check) = check else {
        return rsx! {};
    };
    let state = text(check, "state");
    let (label, colour) = match state {
        "healthy" => ("Healthy", "text-emerald-700 dark:text-emerald-300"),
        "degraded" => ("Degraded", "text-amber-700 dark:text-amber-300"),
        "timed_out" => ("Timed out", "text-red-700 dark:text-red-300"),
        "refused" => ("Refused", "text-red-700 dark:text-red-300"),
        _ => ("Unreachable", "text-red-700 dark:text-red-300"),
    };
    rsx! {
        span { class: "health text-xs {colour}", "data-state": "{state}", title: "{text(check, \"error\")}",
            "{label} · {whole(&check.data[\"latencyMs\"])} ms"
        }
    }
}

/// The activity feed, newest first, timed in the user's zone.
#[component]
pub(super) fn Activity(items: Vec<Rc<FleetItem>>) -> Element {
    let locale = use_locale();
    // The feed keeps items oldest first: newest first is the other way round.
    rsx! {
        ol { class: "activity mt-3 flex max-h-48 flex-col gap-1 overflow-y-auto pr-1 text-sm", tabindex: "0", "aria-label": "Activity",
            for item in items.iter().rev().take(30) {
                li { key: "{item.key}", class: "event flex gap-2",
                    time { class: "shrink-0 font-mono text-xs {MUTED}", "{locale.format(item.updated_at, Style::Time)}" }
                    span { class: "min-w-0 flex-1", "{text(item, \"text\")}" }
                    span { class: "agent shrink-0 text-xs {MUTED}", title: "{role_label(&item.agent_role)}", "{item.agent_name}" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Kind;
    use serde_json::json;

    fn alert(severity: &str, resolved: bool) -> FleetItem {
        FleetItem {
            kind: Kind::Alerts,
            key: "a".into(),
            agent_id: "x".into(),
            agent_name: "x".into(),
            agent_role: "herald".into(),
            updated_at: 0,
            data: json!({ "severity": severity, "resolved": resolved, "title": "t", "id": "a" }),
        }
    }

    #[test]
    fn unresolved_alerts_come_first_then_by_severity() {
        let ranks: Vec<u8> = [
            alert("critical", false),
            alert("warning", false),
            alert("info", false),
            alert("critical", true),
            alert("info", true),
        ]
        .iter()
        .map(alert_rank)
        .collect();
        assert_eq!(ranks, [0, 1, 2, 3, 5]);
    }
}
