//! The approvals page's list: its loading, error, no-match and empty states, and the rows with
//! the keyboard (j/k move, x selects, a approves, r rejects, Enter opens the arguments). It
//! shows the first [`PAGE`] rows and a "Show more" with the count of the rest: a queue of
//! hundreds stays one frame's work, and a request arriving past the rows shown changes the count.

use super::row::ApprovalRow;
use super::state::{Queue, RowHandlers};
use super::{time_left, Approval, Status};
use crate::approvals::MAX_LIST;
use crate::http::Loaded;
use crate::ui::BUTTON_SMALL;
use dioxus::prelude::*;
use std::rc::Rc;

/// How many rows are shown at first, and how many more each "Show more" adds. At 500 rows, the
/// browser's style, layout and paint of the list took 9–10 ms a frame on a 2-core machine
/// (`node scripts/render-bench.mjs approvals`), and the diff of the rows 2–4 ms.
pub(super) const PAGE: usize = 100;

/// The rows shown of `items` when `limit` are: the first ones, in queue order.
fn window(items: &[Rc<Approval>], limit: usize) -> Vec<Rc<Approval>> {
    items[..limit.min(items.len())].to_vec()
}

/// The limit that shows the row at `cursor`: `limit`, or enough more pages to reach it.
fn reaching(limit: usize, cursor: usize) -> usize {
    if cursor < limit {
        limit
    } else {
        (cursor / PAGE + 1) * PAGE
    }
}

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
    // How many rows are shown (see [`PAGE`]).
    let limit = use_signal(|| PAGE);
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
                items: window(&items, limit()),
                cursor,
                limit,
                open,
                clock,
                can_decide,
                handlers,
            }
            More {
                shown: limit().min(items.len()),
                total: items.len(),
                truncated: queue.truncated(),
                limit,
            }
        },
    }
}

/// How many of the queue's approvals are shown, and the button that shows more; whether the
/// server holds more than one answer brought (`truncated`).
#[component]
fn More(shown: usize, total: usize, truncated: bool, limit: Signal<usize>) -> Element {
    let rest = total - shown;
    rsx! {
        if truncated {
            p {
                id: "approvals-truncated",
                role: "status",
                class: "mt-3 text-sm text-amber-800 dark:text-amber-200",
                "The oldest {MAX_LIST} are loaded; more wait on the server. Decide some, then reload to see the next ones."
            }
        }
        if rest > 0 {
            p {
                id: "approvals-more",
                "data-total": "{total}",
                class: "mt-3 flex flex-wrap items-center gap-3 text-sm text-slate-600 dark:text-slate-300",
                "Showing the first {shown} of {total}."
                button { class: BUTTON_SMALL, onclick: move |_| limit += PAGE,
                    "Show {rest.min(PAGE)} more"
                }
            }
        }
    }
}

/// The rows shown, each rendered again only when its own props change; a request arriving past
/// them leaves the list as it is (its props are the same rows).
#[component]
fn Rows(
    queue: Queue,
    items: Vec<Rc<Approval>>,
    cursor: Signal<usize>,
    limit: Signal<usize>,
    open: Signal<Option<String>>,
    clock: ReadSignal<i64>,
    can_decide: bool,
    handlers: RowHandlers,
) -> Element {
    // The cursor stays within the rows shown: j shows more before it moves past them.
    let at = cursor().min(items.len().saturating_sub(1));
    let now_ms = clock();
    let on_key = key_handler(queue, cursor, limit, open, can_decide, handlers);
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

/// The list's keys: j/k move (past the last row shown, j shows more), x selects, a approves,
/// r rejects, Enter opens the arguments.
fn key_handler(
    queue: Queue,
    mut cursor: Signal<usize>,
    mut limit: Signal<usize>,
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
            "j" => {
                let next = (cursor() + 1).min(items.len() - 1);
                cursor.set(next);
                let shown = limit();
                if reaching(shown, next) != shown {
                    limit.set(reaching(shown, next));
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(n: usize) -> Vec<Rc<Approval>> {
        (0..n)
            .map(|i| {
                Rc::new(
                    serde_json::from_value(serde_json::json!({
                        "id": format!("ap-{i}"), "agentId": "a1", "agentName": "codex",
                        "tool": "shell", "arguments": {}, "reason": "", "risk": "low",
                        "status": "pending", "createdAt": i
                    }))
                    .expect("an approval"),
                )
            })
            .collect()
    }

    #[test]
    fn the_rows_shown_are_the_first_of_the_queue_up_to_the_limit() {
        let items = queue(250);
        let shown = window(&items, PAGE);
        assert_eq!(shown.len(), PAGE);
        assert_eq!(shown[0].id, "ap-0");
        assert_eq!(shown[PAGE - 1].id, "ap-99");
        assert!(
            Rc::ptr_eq(&shown[0], &items[0]),
            "the rows share the queue's approvals"
        );
        assert_eq!(window(&items, 3 * PAGE).len(), 250);
        assert!(window(&[], PAGE).is_empty());
    }

    #[test]
    fn a_request_arriving_past_the_rows_shown_leaves_them_equal() {
        let mut items = queue(150);
        let before = window(&items, PAGE);
        items.extend(queue(151).pop());
        let after = window(&items, PAGE);
        assert_eq!(after.len(), before.len());
        // The same approvals, not copies: the rows' props compare equal by pointer.
        assert!(before.iter().zip(&after).all(|(a, b)| Rc::ptr_eq(a, b)));
    }

    #[test]
    fn moving_the_cursor_past_the_rows_shown_shows_the_next_page() {
        assert_eq!(reaching(PAGE, 0), PAGE);
        assert_eq!(reaching(PAGE, PAGE - 1), PAGE);
        assert_eq!(reaching(PAGE, PAGE), 2 * PAGE);
        assert_eq!(reaching(2 * PAGE, PAGE + 5), 2 * PAGE);
        assert_eq!(reaching(PAGE, 3 * PAGE + 1), 4 * PAGE);
    }
}
