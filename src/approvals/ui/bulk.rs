//! The approvals page's bulk decision: the selected approvals approved or rejected at once, after
//! a confirmation, with a progress bar that counts each decision as its live event (or the answer)
//! arrives, and every failure listed.

use super::state::Queue;
use super::{count_done, Progress};
use crate::approvals::server_fns::bulk;
use crate::approvals::{Bulk, BulkResult, Verdict, MAX_BULK};
use crate::http::JsonBody;
use crate::ui::BUTTON_SMALL;
use dioxus::prelude::*;
use std::collections::BTreeSet;

/// A bulk decision: the one asked to be confirmed, the one under way (or done), and its start.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct BulkDecision {
    pub confirm: Signal<Option<Verdict>>,
    pub progress: Signal<Option<Progress>>,
    /// The ids of the bulk decision under way not counted yet: each counts once, when its live
    /// event arrives or else when the answer lists it.
    awaiting: Signal<BTreeSet<String>>,
    /// Decides the selected approvals (made once, in the page's scope: its requests outlive the
    /// confirmation that started them).
    pub run: Callback<Verdict>,
}

impl BulkDecision {
    /// Counts `id` as done, if the decision under way waits for it.
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    pub fn count(self, id: &str) {
        let Self {
            mut awaiting,
            mut progress,
            ..
        } = self;
        if awaiting.peek().contains(id) {
            count_done(&mut awaiting.write(), &mut progress.write(), id);
        }
    }
}

pub(super) fn use_bulk(queue: Queue) -> BulkDecision {
    let confirm = use_signal(|| None::<Verdict>);
    let progress = use_signal(|| None::<Progress>);
    let awaiting = use_signal(BTreeSet::<String>::new);
    let run = use_callback(move |verdict| decide_all(queue, confirm, progress, awaiting, verdict));
    BulkDecision {
        confirm,
        progress,
        awaiting,
        run,
    }
}

/// Sends the selected approvals' decision and counts each answer.
fn decide_all(
    queue: Queue,
    mut confirm: Signal<Option<Verdict>>,
    mut progress: Signal<Option<Progress>>,
    mut awaiting: Signal<BTreeSet<String>>,
    verdict: Verdict,
) {
    let Queue {
        show_all,
        mut selected,
        mut list,
        ..
    } = queue;
    confirm.set(None);
    let ids: Vec<String> = selected().into_iter().collect();
    awaiting.set(ids.iter().cloned().collect());
    progress.set(Some(Progress {
        verdict,
        done: 0,
        total: ids.len(),
        failures: Vec::new(),
    }));
    spawn(async move {
        let comment = queue.comment();
        // One request (the server takes up to MAX_BULK ids); the page counts each decision
        // as its live event arrives.
        for chunk in ids.chunks(MAX_BULK) {
            let request = JsonBody(Bulk {
                ids: chunk.to_vec(),
                decision: verdict,
                comment: comment.clone(),
            });
            let results = match bulk(request).await {
                Ok(answer) => answer.results,
                Err(err) => chunk
                    .iter()
                    .map(|id| BulkResult {
                        id: id.clone(),
                        ok: false,
                        status: None,
                        error: Some(err.body.error.clone()),
                    })
                    .collect(),
            };
            for result in results {
                if result.ok {
                    selected.write().remove(&result.id);
                    if !show_all() {
                        list.write().retain(|a| a.id != result.id);
                    }
                }
                count_done(&mut awaiting.write(), &mut progress.write(), &result.id);
                if let (false, Some(p)) = (result.ok, progress.write().as_mut()) {
                    p.failures
                        .push((result.id.clone(), result.error.unwrap_or_default()));
                }
            }
        }
        if show_all() {
            queue.reload();
        }
    });
}

/// The confirmation a bulk decision asks for.
#[component]
pub(super) fn BulkConfirm(queue: Queue, bulk: BulkDecision) -> Element {
    let mut confirm = bulk.confirm;
    let chosen = queue.selected.read().len();
    rsx! {
        if let Some(verdict) = confirm() {
            div {
                id: "bulk-confirm",
                role: "dialog",
                aria_modal: "true",
                aria_labelledby: "bulk-confirm-title",
                class: "mb-4 rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950",
                p { id: "bulk-confirm-title", class: "font-medium",
                    if verdict == Verdict::Approve {
                        "Approve {chosen} tool runs?"
                    } else {
                        "Reject {chosen} tool runs?"
                    }
                }
                div { class: "mt-3 flex gap-2",
                    button {
                        id: "bulk-confirm-yes",
                        class: BUTTON_SMALL,
                        autofocus: true,
                        onclick: move |_| bulk.run.call(verdict),
                        "Yes, decide all"
                    }
                    button {
                        id: "bulk-confirm-no",
                        "data-shortcut": "close",
                        class: BUTTON_SMALL,
                        onclick: move |_| confirm.set(None),
                        "Keep them"
                    }
                }
            }
        }
    }
}

/// How far the bulk decision got, and what failed.
#[component]
pub(super) fn BulkStatus(bulk: BulkDecision) -> Element {
    rsx! {
        if let Some(p) = (bulk.progress)() {
            div {
                id: "bulk-status",
                class: "mb-4",
                role: "status",
                "data-done": "{p.done}",
                "data-total": "{p.total}",
                label { class: "block text-sm",
                    if p.done < p.total {
                        "Deciding… {p.done} of {p.total}"
                    } else {
                        "Done: {p.total - p.failures.len()} of {p.total} decided"
                    }
                    progress {
                        id: "bulk-progress",
                        class: "mt-1 block h-2 w-full",
                        max: "{p.total}",
                        value: "{p.done}",
                    }
                }
                if !p.failures.is_empty() {
                    ul {
                        id: "bulk-failures",
                        class: "mt-2 list-disc pl-5 text-sm text-red-700 dark:text-red-300",
                        for (id, why) in p.failures.iter() {
                            li { key: "{id}", "{id}: {why}" }
                        }
                    }
                }
            }
        }
    }
}
