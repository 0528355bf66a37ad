//! `/gallery` — this app's storybook: every widget type in every state (loading, empty, data,
//! error, retrying, gave up), from sample data built here. The error examples' retry is real:
//! it calls an endpoint that fails, so the attempts count up to the limit and stop.

use super::error::{ErrorWidget, Source};
use super::feed::{parse_item, Feed};
use super::ui::{frame, skeleton};
use super::{RetryState, DEFAULT_MAX_RETRIES, REGISTRY};
use crate::fleet::{FleetItem, Kind};
use crate::pages::PageHeader;
use dioxus::prelude::*;
use serde_json::Value;

/// The states every widget is shown in.
const STATES: [&str; 6] = ["loading", "empty", "data", "error", "retrying", "gave-up"];

/// The gallery's data, a little of every kind, as JSON (parsed at run time: literal JSON is far
/// smaller in the browser build than code that builds the same values).
const SAMPLES: &str = r#"[
{"kind":"projects","key":"p1","agentId":"navi-1","agentName":"navi-1","agentRole":"navi","updatedAt":1790000000000,"data":{"id":"p1","name":"Support copilot","progress":64,"health":"on_track"}},
{"kind":"projects","key":"p2","agentId":"navi-1","agentName":"navi-1","agentRole":"navi","updatedAt":1790000000000,"data":{"id":"p2","name":"Billing migration","progress":31,"health":"at_risk"}},
{"kind":"tasks","key":"t1","agentId":"navi-1","agentName":"navi-1","agentRole":"navi","updatedAt":1790000000000,"data":{"id":"t1","title":"Triage new tickets","status":"in_progress","assignee":"navi-1"}},
{"kind":"tasks","key":"t2","agentId":"navi-1","agentName":"navi-1","agentRole":"navi","updatedAt":1790000000000,"data":{"id":"t2","title":"Reindex the docs","status":"blocked","assignee":"herald-1"}},
{"kind":"tasks","key":"t3","agentId":"navi-1","agentName":"navi-1","agentRole":"navi","updatedAt":1790000000000,"data":{"id":"t3","title":"Draft release notes","status":"done","assignee":"navi-1"}},
{"kind":"metrics","key":"latency","agentId":"pulse-1","agentName":"pulse-1","agentRole":"pulse","updatedAt":1790000000000,"data":{"label":"p95 tool latency","value":182.4,"unit":"ms","delta":-12.5,"trend":[220.0,205.5,196.0,194.9,182.4]}},
{"kind":"metrics","key":"spend","agentId":"pulse-1","agentName":"pulse-1","agentRole":"pulse","updatedAt":1790000000000,"data":{"label":"Model spend today","value":14.2,"unit":"$","delta":0.8,"trend":[11.0,12.1,13.4,14.2]}},
{"kind":"alerts","key":"a1","agentId":"herald-1","agentName":"herald-1","agentRole":"herald","updatedAt":1790000000000,"data":{"id":"a1","severity":"critical","title":"Disk almost full on worker-3"}},
{"kind":"alerts","key":"a2","agentId":"herald-1","agentName":"herald-1","agentRole":"herald","updatedAt":1790000000000,"data":{"id":"a2","severity":"warning","title":"herald-1's health endpoint does not answer"}},
{"kind":"vitals","key":"pulse-1","agentId":"pulse-1","agentName":"pulse-1","agentRole":"pulse","updatedAt":1790000000000,"data":{"status":"working","vitals":{"cpuPercent":61.5,"memoryMb":412.0,"queueDepth":3,"uptimeSecs":3600}}},
{"kind":"health","key":"pulse-1","agentId":"pulse-1","agentName":"pulse-1","agentRole":"pulse","updatedAt":1790000000000,"data":{"state":"healthy","latencyMs":4,"checkedAt":1790000000000}},
{"kind":"activity","key":"e1","agentId":"herald-1","agentName":"herald-1","agentRole":"herald","updatedAt":1790000000000,"data":{"text":"herald-1 posted the daily digest to #ops"}},
{"kind":"activity","key":"e2","agentId":"herald-1","agentName":"herald-1","agentRole":"herald","updatedAt":1789999940000,"data":{"text":"herald-1 answered 3 customer emails"}}
]"#;

/// The gallery's data.
pub fn samples() -> Vec<FleetItem> {
    match serde_json::from_str(SAMPLES) {
        Ok(Value::Array(items)) => items.into_iter().filter_map(parse_item).collect(),
        _ => Vec::new(),
    }
}

/// `/gallery`.
#[component]
pub fn Gallery() -> Element {
    // One feed per state a feed can be in: still loading, read but empty, read with the samples.
    let loading = use_hook(Feed::new);
    let empty = use_hook(|| Feed::with(Vec::new()));
    let data = use_hook(|| Feed::with(samples()));
    rsx! {
        PageHeader {
            title: "Widget gallery",
            summary: "Every widget in every state it can be in, from sample data. The error examples retry for real against an endpoint that fails.",
        }
        div { id: "gallery", class: "space-y-8",
            for widget in REGISTRY {
                section {
                    key: "{widget.kind}",
                    class: "gallery-widget",
                    "data-widget": widget.kind,
                    h2 { class: "mb-2 text-lg font-medium", "{widget.title}" }
                    div { class: "grid gap-4 sm:grid-cols-2 xl:grid-cols-3",
                        for state in STATES {
                            article {
                                key: "{state}",
                                class: "gallery-example rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900",
                                "data-widget": widget.kind,
                                "data-state": state,
                                h3 { class: "text-xs font-medium uppercase tracking-wide text-slate-500",
                                    "{state}"
                                }
                                {example(widget.source, state, [loading, empty, data])}
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One widget in one state (`kind` none: the approval queue, drawn as it looks).
fn example(kind: Option<Kind>, state: &'static str, [loading, empty, data]: [Feed; 3]) -> Element {
    let max = DEFAULT_MAX_RETRIES;
    let retry_state = match state {
        "retrying" => Some(RetryState::Retrying { attempt: 1 }),
        "gave-up" => Some(RetryState::GaveUp { attempts: max }),
        _ => None,
    };
    match (state, kind) {
        ("error" | "retrying" | "gave-up", _) => rsx! {
            ErrorWidget {
                error: "the server answered 404: no such fleet data",
                max_retries: max,
                source: Source::Broken,
                retry_state,
            }
        },
        ("loading", Some(kind)) => frame(kind, loading, max),
        ("loading", None) => skeleton(),
        (_, Some(kind)) => frame(kind, if state == "empty" { empty } else { data }, max),
        ("empty", None) => rsx! {
            p { class: "queue-empty mt-3 text-sm text-slate-600 dark:text-slate-300",
                "Nothing waits for a decision."
            }
        },
        (_, None) => rsx! {
            p {
                class: "queue-count mt-2 text-2xl font-semibold",
                "data-count": "2",
                "2 waiting"
            }
            ul { class: "mt-2 space-y-1 text-sm",
                li { class: "queue-item flex gap-2",
                    span { class: "font-mono", "deploy" }
                    span { class: "text-slate-500", "herald-1" }
                }
                li { class: "queue-item flex gap-2",
                    span { class: "font-mono", "send_email" }
                    span { class: "text-slate-500", "herald-1" }
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_cover_every_kind() {
        let samples = samples();
        for kind in Kind::ALL {
            assert!(samples.iter().any(|item| item.kind == kind), "{kind:?}");
        }
    }
}
