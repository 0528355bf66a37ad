//! The approvals page's toolbar: select all, the comment sent with decisions, the bulk approve
//! and reject buttons, whether decided approvals show, and the search.

use super::state::Queue;
use super::{Status, Verdict};
use crate::ui::BUTTON_SMALL;
use dioxus::prelude::*;
use std::collections::BTreeSet;

/// The controls above the list.
#[component]
pub(super) fn Toolbar(queue: Queue, confirm: Signal<Option<Verdict>>, can_decide: bool) -> Element {
    let Queue {
        mut saved,
        show_all,
        mut selected,
        mut comment,
        ..
    } = queue;
    // Counted, not collected: this renders again for every request that arrives (the ids are
    // collected when "Select all" is clicked).
    let (pending, all_chosen) = {
        let items = queue.visible();
        let chosen = selected.read();
        let mut pending = items.iter().filter(|a| a.status == Status::Pending);
        let count = pending.clone().count();
        (count, count > 0 && pending.all(|a| chosen.contains(&a.id)))
    };
    let chosen = selected.read().len();
    rsx! {
        div { class: "mb-4 flex flex-wrap items-center gap-3 text-sm",
            label { class: "flex items-center gap-2",
                input {
                    id: "select-all",
                    r#type: "checkbox",
                    checked: all_chosen,
                    disabled: pending == 0 || !can_decide,
                    onchange: move |e: FormEvent| {
                        if e.checked() {
                            selected.set(queue.pending_ids())
                        } else {
                            selected.set(BTreeSet::new())
                        }
                    },
                }
                "Select all"
            }
            input {
                id: "decision-comment",
                class: "min-w-48 flex-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 dark:border-slate-700 dark:bg-slate-950",
                placeholder: "Comment (optional), sent with your decisions",
                aria_label: "Comment",
                value: "{comment}",
                oninput: move |e| comment.set(e.value()),
            }
            button {
                id: "bulk-approve",
                "data-shortcut": "approve",
                class: BUTTON_SMALL,
                disabled: chosen == 0 || !can_decide,
                onclick: move |_| confirm.set(Some(Verdict::Approve)),
                "Approve selected ({chosen})"
            }
            button {
                id: "bulk-reject",
                class: BUTTON_SMALL,
                disabled: chosen == 0 || !can_decide,
                onclick: move |_| confirm.set(Some(Verdict::Reject)),
                "Reject selected ({chosen})"
            }
            label { class: "flex items-center gap-2",
                input {
                    id: "show-decided",
                    r#type: "checkbox",
                    checked: show_all(),
                    onchange: move |e: FormEvent| {
                        saved
                            .with_mut(|saved| {
                                if e.checked() {
                                    saved.values.insert("status".into(), "all".into());
                                } else {
                                    saved.values.remove("status");
                                }
                            })
                    },
                }
                "Show decided"
            }
            input {
                id: "approvals-search",
                "data-shortcut": "search",
                r#type: "search",
                class: "min-w-40 rounded-md border border-slate-300 bg-white px-3 py-1.5 dark:border-slate-700 dark:bg-slate-950",
                placeholder: "Search tool, agent, reason",
                aria_label: "Search approvals",
                value: "{saved().search}",
                oninput: move |e| saved.with_mut(|saved| saved.search = e.value()),
            }
        }
    }
}
