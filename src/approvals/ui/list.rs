//! The approvals page's list: its loading, error, no-match and empty states, and the rows with
//! the keyboard (j/k move, x selects, a approves, r rejects, Enter opens the arguments).

use super::row::ApprovalRow;
use super::state::{Queue, RowHandlers};
use super::{time_left, Approval, Status};
use crate::http::Loaded;
use crate::ui::BUTTON_SMALL;
use dioxus::prelude::*;
use std::rc::Rc;

/// The queue as loaded: a state while there is no row to show, else the rows.
#[component]
pub(super) fn QueueList(
    queue: Queue,
    clock: ReadSignal<i64>,
    can_decide: bool,
    handlers: RowHandlers,
) -> Element {
    // The row the keyboard is on, and the one whose arguments are open.
    let cursor = use_signal(|| 0usize);
    let open = use_signal(|| None::<String>);
    let search = queue.search;
    let items = queue.visible();
    match queue.answer.status() {
        Loaded::Loading => rsx! {
            p {
                id: "approvals-loading",
                role: "status",
                class: "text-slate-500",
                "Loading the queue…"
            }
        },
        Loaded::Failed(why) => rsx! {
            div { role: "alert", class: "text-red-700 dark:text-red-300",
                "The queue could not be loaded: {why} "
                button { class: BUTTON_SMALL, onclick: move |_| queue.reload(), "Retry" }
            }
        },
        Loaded::Ready(()) if items.is_empty() && !search().is_empty() => rsx! {
            p {
                id: "approvals-no-match",
                class: "rounded-lg border border-dashed border-slate-300 p-6 text-slate-600 dark:border-slate-700 dark:text-slate-300",
                "No approval matches “{search}”."
            }
        },
        Loaded::Ready(()) if items.is_empty() => rsx! {
            p {
                id: "approvals-empty",
                class: "rounded-lg border border-dashed border-slate-300 p-6 text-slate-600 dark:border-slate-700 dark:text-slate-300",
                "Nothing waits for a decision. New requests appear here as agents make them."
            }
        },
        Loaded::Ready(()) => rsx! {
            Rows {
                queue,
                items,
                cursor,
                open,
                clock,
                can_decide,
                handlers,
            }
        },
    }
}

/// The rows, each rendered again only when its own props change.
#[component]
fn Rows(
    queue: Queue,
    items: Vec<Rc<Approval>>,
    cursor: Signal<usize>,
    open: Signal<Option<String>>,
    clock: ReadSignal<i64>,
    can_decide: bool,
    handlers: RowHandlers,
) -> Element {
    let at = cursor().min(items.len().saturating_sub(1));
    let now_ms = clock();
    let on_key = key_handler(queue, cursor, open, can_decide, handlers);
    let RowHandlers {
        toggle,
        decide,
        edit,
        always,
    } = handlers;
    rsx! {
        // A flex gap, not `space-y-2`: its sibling selector (`> * ~ *`) made Chromium
        // restyle every row when one was added (up to 10,000 elements, 200 ms).
        ul {
            id: "approval-list",
            role: "listbox",
            tabindex: "0",
            aria_label: "Approvals (j/k move, x select, a approve, r reject, Enter open)",
            class: "flex flex-col gap-2 outline-none focus-visible:ring-2 focus-visible:ring-sky-600",
            onkeydown: on_key,
            for (i, approval) in items.into_iter().enumerate() {
                ApprovalRow {
                    key: "{approval.id}",
                    current: i == at,
                    checked: queue.selected.read().contains(&approval.id),
                    expanded: open.read().as_deref() == Some(approval.id.as_str()),
                    can_decide,
                    left: time_left(&approval, now_ms),
                    on_toggle: toggle,
                    on_decide: decide,
                    on_edit: edit,
                    on_always: always,
                    approval,
                }
            }
        }
    }
}

/// The list's keys: j/k move, x selects, a approves, r rejects, Enter opens the arguments.
fn key_handler(
    queue: Queue,
    mut cursor: Signal<usize>,
    mut open: Signal<Option<String>>,
    can_decide: bool,
    handlers: RowHandlers,
) -> impl FnMut(KeyboardEvent) {
    let mut selected = queue.selected;
    move |event: KeyboardEvent| {
        let items = queue.visible();
        let Some(current) = items
            .get(cursor().min(items.len().saturating_sub(1)))
            .cloned()
        else {
            return;
        };
        match crate::shell::key_name(&event).as_str() {
            "j" => cursor.set((cursor() + 1).min(items.len() - 1)),
            "k" => cursor.set(cursor().saturating_sub(1)),
            "x" if current.status == Status::Pending => {
                let mut chosen = selected.write();
                if !chosen.remove(&current.id) {
                    chosen.insert(current.id.clone());
                }
            }
            "a" if can_decide && current.status == Status::Pending => {
                handlers.decide.call((current.id.clone(), "approve"))
            }
            "r" if can_decide && current.status == Status::Pending => {
                handlers.decide.call((current.id.clone(), "reject"))
            }
            "Enter" => open.set(if open() == Some(current.id.clone()) {
                None
            } else {
                Some(current.id.clone())
            }),
            _ => return,
        }
        event.prevent_default();
    }
}
