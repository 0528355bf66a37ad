//! The audit page's hash chain status: whether the workspace's chain is intact, checked when the
//! page opens and again on demand.

use crate::http::{use_api, Loaded};
use dioxus::prelude::*;

/// Whether the workspace's hash chain is intact, checked when the page opens.
#[component]
pub(super) fn ChainStatus() -> Element {
    let report = use_api(crate::audit::server_fns::load::verify)?;
    let (tone, text) = match report.get() {
        _ if report.loading() => ("checking", "Checking the hash chain…".to_owned()),
        Loaded::Loading => ("checking", "Checking the hash chain…".to_owned()),
        Loaded::Ready(r) if r.intact => (
            "intact",
            format!("Hash chain intact: {} entries verified.", r.entries),
        ),
        Loaded::Ready(r) => (
            "broken",
            format!(
                "Hash chain broken at entry {}: {}.",
                r.broken_at.as_deref().unwrap_or("?"),
                r.problem.as_deref().unwrap_or("it does not fit")
            ),
        ),
        Loaded::Failed(why) => (
            "unknown",
            format!("The hash chain could not be checked: {why}"),
        ),
    };
    let color = match tone {
        "intact" => "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
        "broken" => "border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100",
        _ => "border-slate-200 bg-white text-slate-700 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-300",
    };
    rsx! {
        div {
            id: "audit-chain",
            class: "mb-4 flex items-center gap-3 rounded-lg border px-4 py-2 text-sm {color}",
            "data-state": tone,
            role: "status",
            span { "{text}" }
            if tone != "checking" {
                button {
                    class: "ml-auto underline-offset-2 hover:underline",
                    onclick: move |_| report.reload(),
                    "Check again"
                }
            }
        }
    }
}
