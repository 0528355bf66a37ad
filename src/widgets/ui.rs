//! A widget's body: the frame that shows its loading, empty, error (with a counted retry) and
//! data states around its kind's view, or the approval queue.

use super::error::{ErrorWidget, Source};
use super::feed::{Feed, Load};
use super::views::{alerts, projects, vitals, Activity, Metrics, Tasks, MUTED};
use super::{lookup, WidgetConfig};
use crate::fleet::Kind;
use dioxus::prelude::*;
use serde_json::Value;

pub use super::views::health_badge;

/// A widget's body on the dashboard: its type's view of the page's feed, or the approval queue.
#[component]
pub fn WidgetBody(kind: String, config: serde_json::Map<String, Value>) -> Element {
    let feed = use_context::<Feed>();
    let max = WidgetConfig::parse(&config).max_retries;
    match lookup(&kind).map(|widget| widget.source) {
        None => {
            rsx! {
                p { class: "mt-3 text-sm {MUTED}",
                    "This widget type is not available in this version of Flightdeck."
                }
            }
        }
        Some(None) => rsx! {
            crate::approvals::ui::ApprovalQueue {}
        },
        Some(Some(source)) => frame(source, feed, max),
    }
}

/// A widget's states around its view of `kind` in `feed`: loading, error with a counted retry
/// (at most `max_retries`), empty, data.
pub fn frame(kind: Kind, feed: Feed, max_retries: u32) -> Element {
    match feed.load(kind) {
        Load::Loading => skeleton(),
        Load::Failed(error) => rsx! {
            ErrorWidget {
                error,
                max_retries,
                source: Source::Fleet(feed, kind),
            }
        },
        Load::Ready => {
            let items = feed.items(kind);
            if items.is_empty() {
                return rsx! {
                    p { class: "widget-empty mt-3 text-sm {MUTED}", "{empty_text(kind)}" }
                };
            }
            match kind {
                Kind::Projects => projects(items),
                Kind::Tasks => rsx! {
                    Tasks { items }
                },
                Kind::Metrics => rsx! {
                    Metrics { items }
                },
                Kind::Alerts => alerts(items),
                Kind::Vitals | Kind::Health => vitals(items, feed.items(Kind::Health)),
                Kind::Activity => rsx! {
                    Activity { items }
                },
            }
        }
    }
}

/// A widget's loading placeholder.
pub fn skeleton() -> Element {
    rsx! {
        div {
            class: "widget-loading mt-3 space-y-2",
            role: "status",
            "aria-label": "Loading",
            div { class: "h-4 w-2/3 animate-pulse rounded bg-slate-100 dark:bg-slate-800" }
            div { class: "h-4 w-1/2 animate-pulse rounded bg-slate-100 dark:bg-slate-800" }
            div { class: "h-4 w-3/4 animate-pulse rounded bg-slate-100 dark:bg-slate-800" }
        }
    }
}

fn empty_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Projects => "No project has reported yet.",
        Kind::Tasks => "No task yet: agents report theirs as they work.",
        Kind::Metrics => "No KPI reported yet.",
        Kind::Alerts => "No alert. All quiet.",
        Kind::Vitals | Kind::Health => "No agent has sent a heartbeat lately.",
        Kind::Activity => "Nothing has happened yet.",
    }
}
