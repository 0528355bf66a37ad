//! The dashboard page: the widget grid drawn from the dashboard state. The server renders the
//! default layout; once hydrated, the browser loads its saved state and saves every change.

use super::{DashboardState, Density};
use crate::pages::PageHeader;
use dioxus::prelude::*;

/// What each widget type is called and shows, until the widgets themselves land.
fn describe(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "project_status" => (
            "Project status",
            "Progress and health of each project the agents work on.",
        ),
        "tasks" => (
            "Tasks",
            "What every agent is doing, filterable by status and assignee.",
        ),
        "metrics" => ("Metrics", "KPIs with their change and a trend line."),
        "alerts" => ("Alerts", "What needs an operator's attention now."),
        "vitals" => ("Vitals", "Heartbeats, latency and health of every agent."),
        "activity" => ("Activity", "The live feed of what the fleet did."),
        "approval_queue" => ("Approval queue", "Tool runs waiting for a human decision."),
        _ => (
            "Unknown widget",
            "This widget type is not available in this version of Flightdeck.",
        ),
    }
}

/// `/` — the widget dashboard.
#[component]
pub fn Dashboard() -> Element {
    let mut state = use_signal(DashboardState::default);
    let mut notice = use_signal(|| None::<String>);
    use_effect(move || load_saved(state, notice));

    let current = state();
    let compact = current.preferences.density == Density::Compact;
    let mut widgets: Vec<_> = current.widgets.into_iter().collect();
    widgets.sort_by(|(a_id, a), (b_id, b)| {
        (a.position.y, a.position.x, a_id).cmp(&(b.position.y, b.position.x, b_id))
    });

    let toggle_density = move |_| {
        let mut next = state();
        next.preferences.density = if compact {
            Density::Comfortable
        } else {
            Density::Compact
        };
        state.set(next.clone());
        if let Err(why) = save(&next) {
            notice.set(Some(format!(
                "Your change is shown but could not be saved: {why}."
            )));
        }
    };

    rsx! {
        PageHeader {
            title: "Dashboard",
            summary: "Your fleet at a glance. Widgets fill in live as agents report; add, remove, move and resize them, and the layout follows you to every tab and device.",
        }
        div { class: "mb-4 flex justify-end",
            button {
                id: "density-toggle",
                r#type: "button",
                class: "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800",
                aria_pressed: "{compact}",
                onclick: toggle_density,
                "Compact layout"
            }
        }
        if let Some(text) = notice() {
            div {
                id: "dashboard-notice",
                role: "status",
                class: "mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100",
                "{text}"
            }
        }
        div {
            id: "widget-grid",
            "data-density": if compact { "compact" } else { "comfortable" },
            class: if compact { "grid gap-2 sm:grid-cols-2 xl:grid-cols-3" } else { "grid gap-4 sm:grid-cols-2 xl:grid-cols-3" },
            for (id, widget) in widgets {
                WidgetCard { key: "{id}", kind: widget.kind, compact }
            }
        }
    }
}

/// A widget's card; its live content arrives with the widget registry.
#[component]
fn WidgetCard(kind: String, compact: bool) -> Element {
    let (name, about) = describe(&kind);
    let padding = if compact { "p-3" } else { "p-4" };
    rsx! {
        article {
            "data-kind": "{kind}",
            class: "rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900 {padding}",
            h2 { class: "font-medium", "{name}" }
            p { class: "mt-1 text-sm text-slate-600 dark:text-slate-300", "{about}" }
            div { class: "mt-4 h-16 animate-pulse rounded bg-slate-100 dark:bg-slate-800", aria_hidden: "true" }
        }
    }
}

#[cfg(feature = "web")]
fn load_saved(mut state: Signal<DashboardState>, mut notice: Signal<Option<String>>) {
    let loaded = super::local::load();
    state.set(loaded.state);
    notice.set(loaded.notice);
}

#[cfg(not(feature = "web"))]
fn load_saved(_state: Signal<DashboardState>, _notice: Signal<Option<String>>) {}

#[cfg(feature = "web")]
fn save(state: &DashboardState) -> Result<(), String> {
    super::local::save(state)
}

#[cfg(not(feature = "web"))]
fn save(_state: &DashboardState) -> Result<(), String> {
    Ok(())
}
