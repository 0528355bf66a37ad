//! The pages of the app shell whose domains are not built yet: each says what it will hold. A page
//! moves into its domain folder (`src/<domain>/ui.rs`) when that domain is built, as the dashboard did.

use crate::app::Route;
use dioxus::prelude::*;

/// A page's title, heading and summary, shared by every page.
#[component]
pub(crate) fn PageHeader(title: &'static str, summary: &'static str) -> Element {
    rsx! {
        document::Title { "{title} · Flightdeck" }
        header { class: "mb-6",
            h1 { class: "text-2xl font-semibold tracking-tight", "{title}" }
            p { class: "mt-1 max-w-3xl text-slate-600 dark:text-slate-300", "{summary}" }
        }
    }
}

/// A card listing what a page will offer.
#[component]
fn ComingSoon(features: Vec<&'static str>) -> Element {
    rsx! {
        section {
            class: "rounded-lg border border-dashed border-slate-300 bg-white p-6 dark:border-slate-700 dark:bg-slate-900",
            aria_label: "Coming soon",
            h2 { class: "text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-300",
                "What this page will hold"
            }
            ul { class: "mt-3 list-disc space-y-1 pl-5 text-slate-700 dark:text-slate-300",
                for feature in features {
                    li { key: "{feature}", "{feature}" }
                }
            }
        }
    }
}

/// `/analytics` — usage analytics.
#[component]
pub fn Analytics() -> Element {
    rsx! {
        PageHeader {
            title: "Analytics",
            summary: "How the fleet is used: calls, errors, tool runs, tokens and cost over any period.",
        }
        ComingSoon {
            features: vec![
                "Metric cards and time-series charts for a day, week, month or custom period.",
                "Top agents by use, error rate and performance.",
                "Reports exported as CSV or JSON, on demand or on a schedule.",
            ],
        }
    }
}

/// Any unknown path: says so, and answers 404 when rendered on the server.
#[component]
pub fn NotFound(segments: Vec<String>) -> Element {
    #[cfg(feature = "server")]
    dioxus::fullstack::FullstackContext::commit_http_status(
        dioxus::fullstack::StatusCode::NOT_FOUND,
        None,
    );
    let path = segments.join("/");
    rsx! {
        document::Title { "Not found · Flightdeck" }
        main { class: "flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center",
            h1 { class: "text-2xl font-semibold", "Page not found" }
            p { class: "text-slate-600 dark:text-slate-300", "There is no page at /{path}." }
            Link { to: Route::Dashboard {}, class: "text-sky-700 underline dark:text-sky-300", "Go to the dashboard" }
        }
    }
}
