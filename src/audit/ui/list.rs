//! The audit page's list: the entries of the page shown, or why there are none (loading, error
//! with retry, nothing recorded, nothing matching), the note when a search looked through part
//! of the history, and the pager (newer, older).

use super::browse::Browse;
use super::row::EntryRow;
use super::{Shown, PAGE};
use crate::audit::AuditPage;
use crate::http::{Api, Loaded};
use crate::settings::locale::{use_locale, Style};
use crate::ui::{BUTTON, MUTED};
use dioxus::prelude::*;

/// The entries of the page shown, or why there are none, and the pages before and after.
#[component]
pub(super) fn Entries(
    browse: Browse,
    entries: Api<AuditPage>,
    shown: Memo<Loaded<Shown>>,
    on_toggle: EventHandler<String>,
) -> Element {
    let Browse {
        filter,
        pages,
        open,
        ..
    } = browse;
    let locale = use_locale();
    match shown() {
        Loaded::Loading => rsx! {
            p {
                id: "audit-loading",
                class: "py-8 text-center {MUTED}",
                role: "status",
                "Loading entries…"
            }
        },
        Loaded::Failed(why) => rsx! {
            div {
                id: "audit-error",
                class: "rounded-lg border border-rose-300 bg-rose-50 p-4 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100",
                role: "alert",
                p { "The audit log could not be read: {why}" }
                button {
                    class: "{BUTTON} mt-2",
                    onclick: move |_| entries.reload(),
                    "Retry"
                }
            }
        },
        Loaded::Ready(page) => {
            let short = page.entries.len() < PAGE && page.next_cursor.is_some();
            rsx! {
                if page.entries.is_empty() && !short {
                    div {
                        id: "audit-empty",
                        class: "rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700",
                        p { class: MUTED,
                            if filter().is_empty() {
                                "Nothing has been recorded yet."
                            } else {
                                "No entries match these filters."
                            }
                        }
                    }
                } else {
                    ol {
                        id: "audit-entries",
                        class: "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900",
                        // Keyed by position, not by id: a search or a page turn shows other
                        // entries, and rows keyed by id would all be removed and built again.
                        // By position each row keeps its elements and gets new text; a row has
                        // no state of its own (which one is open is the page's).
                        for (i, entry) in page.entries.iter().cloned().enumerate() {
                            EntryRow {
                                key: "{i}",
                                when: locale.format(entry.timestamp, Style::DateTime),
                                expanded: open().as_deref() == Some(entry.id.as_str()),
                                on_toggle,
                                entry,
                            }
                        }
                    }
                }
                if short {
                    p { id: "audit-partial", class: "mt-3 text-sm {MUTED}",
                        "The search looked through part of the history; Older searches further back."
                    }
                }
                Pager { pages, next: page.next_cursor.clone() }
            }
        }
    }
}

/// Newer and Older: back to the page before, on to the next cursor.
#[component]
fn Pager(pages: Signal<Vec<Option<String>>>, next: Option<String>) -> Element {
    let newer = pages().len() > 1;
    rsx! {
        nav { class: "mt-4 flex items-center gap-2", "aria-label": "Pages",
            button {
                id: "audit-newer",
                class: BUTTON,
                disabled: !newer,
                onclick: move |_| {
                    pages
                        .with_mut(|pages| {
                            pages.pop();
                        });
                },
                "← Newer"
            }
            span { class: "text-sm {MUTED}", "Page {pages().len()}" }
            button {
                id: "audit-older",
                class: BUTTON,
                disabled: next.is_none(),
                onclick: move |_| {
                    if let Some(next) = next.clone() {
                        pages.with_mut(|pages| pages.push(Some(next)));
                    }
                },
                "Older →"
            }
        }
    }
}
