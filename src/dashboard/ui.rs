//! The dashboard page: the widget grid drawn from the dashboard state, which the shell holds for
//! every page ([`super::provider`]). The server renders the default layout; once hydrated, the
//! browser's copy and the server's are reconciled and every change is saved to both.

use super::provider::{DashboardStore, SyncStatus};
use super::{Density, GridPosition, GridSize, Widget};
use crate::auth::SessionContext;
use crate::pages::PageHeader;
use crate::sync::{Command, Connection};
use crate::widgets::card::{WidgetCard, TOOL};
use crate::widgets::feed::use_feed_provider;
use crate::widgets::layout::{ordered, reflow, swap};
use crate::widgets::{lookup, REGISTRY};
use dioxus::prelude::*;
use serde_json::{json, Value};
use std::rc::Rc;

/// `/` — the widget dashboard.
#[component]
pub fn Dashboard() -> Element {
    let DashboardStore { notice, status, .. } = use_context::<DashboardStore>();
    // One fleet feed for every widget: read once, then live over the `fleet` topic.
    use_feed_provider(None)?;
    // The "Edit layout" mode: the cards' layout controls show only while it is on. It is this
    // page's own (not saved): every layout edit is saved as it is made, whatever the mode.
    let editing = use_signal(|| false);
    let layout = use_layout();
    let loading = status() == SyncStatus::Loading;
    rsx! {
        PageHeader {
            title: "Dashboard",
            summary: "Your fleet at a glance. Widgets fill in live as agents report; add, remove, move and resize them, and the layout follows you to every tab and device.",
        }
        div { class: "mb-4 flex flex-wrap items-center justify-between gap-x-4 gap-y-2",
            SyncIndicators {}
            div { class: "flex flex-wrap items-center justify-end gap-2",
                LayoutToggle { editing, disabled: loading }
                DensityToggle { disabled: loading }
            }
        }
        if editing() {
            p {
                id: "layout-hint",
                class: "mb-4 text-sm text-slate-600 dark:text-slate-300",
                "Move, resize or remove widgets with the controls on each card; every change is saved as you make it. Press Escape or Edit layout again when done."
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
        AddWidget { disabled: loading }
        WidgetGrid { editing, layout }
    }
}

/// Places widgets: each widget whose place changes gets its own `widgets.<id>.position` edit.
fn place(store: DashboardStore, moves: Vec<(String, GridPosition)>) {
    for (id, position) in moves {
        store.edit(format!("widgets.{id}.position"), json!(position));
    }
}

/// Adds a widget of `kind` last; the others move only if their places were not yet in
/// reading order.
fn add_widget(store: DashboardStore, kind: String) {
    let Some(widget) = lookup(&kind) else { return };
    let id = new_widget_id();
    let mut order = ordered(&store.state.peek().widgets);
    let new = Widget {
        kind,
        config: widget.default_config(),
        position: GridPosition { x: 0, y: u16::MAX },
        size: widget.size,
    };
    order.push((id.clone(), new.clone()));
    let mut moves = reflow(&order);
    let position = moves.pop().map_or(new.position, |(_, p)| p);
    place(store, moves);
    store.edit(format!("widgets.{id}"), json!(Widget { position, ..new }));
}

/// Gives a widget a new width or height (the other one as it is now).
fn resize_widget(store: DashboardStore, id: String, w: Option<u16>, h: Option<u16>) {
    let mut order = ordered(&store.state.peek().widgets);
    let Some(index) = order.iter().position(|(i, _)| *i == id) else {
        return;
    };
    let size = &mut order[index].1.size;
    *size = GridSize {
        w: w.unwrap_or(size.w),
        h: h.unwrap_or(size.h),
    };
    let mut moves = reflow(&order);
    if let Some(at) = moves.iter().position(|(i, _)| *i == id) {
        order[index].1.position = moves.remove(at).1;
    }
    store.edit(format!("widgets.{id}"), json!(order[index].1));
    place(store, moves);
}

/// The cards' layout edits: move, resize, remove. Made once for the page's life, so a card
/// whose own props did not change is not rendered again.
#[derive(Clone, Copy, PartialEq)]
struct Layout {
    on_move: Callback<(String, isize)>,
    on_resize: Callback<(String, Option<u16>, Option<u16>)>,
    on_remove: Callback<String>,
}

fn use_layout() -> Layout {
    let store = use_context::<DashboardStore>();
    Layout {
        on_move: use_callback(move |(id, by): (String, isize)| {
            let order = ordered(&store.state.peek().widgets);
            if let Some(index) = order.iter().position(|(i, _)| *i == id) {
                place(store, swap(&order, index, by));
            }
        }),
        on_resize: use_callback(move |(id, w, h)| resize_widget(store, id, w, h)),
        on_remove: use_callback(move |id: String| store.edit(format!("widgets.{id}"), Value::Null)),
    }
}

/// Where the state stands: saving, saved, or kept here only (and why). The session itself
/// could not be loaded (server unreachable): that is said rather than a spinner.
fn sync_status(
    session_error: Option<String>,
    status: SyncStatus,
    waiting: usize,
    connection: Connection,
) -> SyncStatus {
    match (session_error, status, waiting, connection) {
        (Some(err), SyncStatus::Loading, ..) => SyncStatus::Unsaved(err),
        (_, SyncStatus::Loading, ..) => SyncStatus::Loading,
        (_, status, 0, _) => status,
        (_, _, _, Connection::Live | Connection::Polling) => SyncStatus::Saving,
        (_, _, n, Connection::SignedOut) => SyncStatus::Unsaved(format!(
            "{n} change{} will be sent after you sign in again",
            if n == 1 { "" } else { "s" }
        )),
        (_, _, n, _) => SyncStatus::Unsaved(format!(
            "{n} change{} will be sent when the connection returns",
            if n == 1 { "" } else { "s" }
        )),
    }
}

/// The sync socket's state and the state's save status.
#[component]
fn SyncIndicators() -> Element {
    let session = use_context::<SessionContext>();
    let DashboardStore {
        status,
        connection,
        waiting,
        ..
    } = use_context::<DashboardStore>();
    let status_now = sync_status((session.error)(), status(), waiting(), connection());
    let (connection_text, connection_kind) = match connection() {
        Connection::Connecting => ("Connecting…", "connecting"),
        Connection::Live => ("Live", "live"),
        Connection::Reconnecting => ("Reconnecting…", "reconnecting"),
        Connection::Offline => ("Offline", "offline"),
        Connection::Polling => ("Live (polling)", "polling"),
        Connection::SignedOut => ("Signed out", "signed-out"),
    };
    let (status_text, status_kind) = match status_now {
        SyncStatus::Loading => ("Loading your dashboard…".to_string(), "loading"),
        SyncStatus::Saving => ("Saving…".to_string(), "saving"),
        SyncStatus::Saved => ("All changes saved".to_string(), "saved"),
        SyncStatus::Unsaved(why) => (format!("Kept in this browser only: {why}"), "unsaved"),
    };
    rsx! {
        div { class: "flex items-center gap-3 text-sm text-slate-500 dark:text-slate-400",
            span {
                id: "connection",
                "data-state": connection_kind,
                role: "status",
                class: "inline-flex items-center gap-1.5 rounded-full border border-slate-300 px-2 py-0.5 text-xs dark:border-slate-700",
                span {
                    class: if matches!(connection_kind, "live" | "polling") { "h-2 w-2 rounded-full bg-emerald-500" } else { "h-2 w-2 rounded-full bg-amber-500" },
                    aria_hidden: "true",
                }
                "{connection_text}"
            }
            p {
                id: "dashboard-sync",
                "data-status": status_kind,
                role: "status",
                "{status_text}"
            }
        }
    }
}

/// The "Compact layout" toggle (`aria-pressed`), saved with the dashboard's preferences.
#[component]
fn DensityToggle(disabled: bool) -> Element {
    let store = use_context::<DashboardStore>();
    let compact = (store.state)().preferences.density == Density::Compact;
    let toggle_density = move |_| {
        let density = if compact {
            Density::Comfortable
        } else {
            Density::Compact
        };
        store.live.send(Command::Edit(
            "preferences.density".into(),
            serde_json::to_value(density).unwrap_or_default(),
        ));
    };
    rsx! {
        button {
            id: "density-toggle",
            r#type: "button",
            class: PAGE_BUTTON,
            aria_pressed: "{compact}",
            disabled,
            onclick: toggle_density,
            "Compact layout"
        }
    }
}

/// Adds a widget of the kind chosen; the gallery shows them all.
#[component]
fn AddWidget(disabled: bool) -> Element {
    let store = use_context::<DashboardStore>();
    let mut adding = use_signal(|| REGISTRY[0].kind.to_string());
    rsx! {
        div { class: "mb-4 flex flex-wrap items-center gap-2 text-sm",
            label {
                r#for: "widget-add-kind",
                class: "text-slate-600 dark:text-slate-300",
                "Add a widget"
            }
            select {
                id: "widget-add-kind",
                "data-shortcut": "add",
                class: "rounded-md border border-slate-300 bg-transparent px-2 py-1 dark:border-slate-700",
                onchange: move |e| adding.set(e.value()),
                for widget in REGISTRY {
                    option { value: widget.kind, selected: adding() == widget.kind, "{widget.title}" }
                }
            }
            button {
                id: "widget-add",
                r#type: "button",
                class: TOOL,
                disabled,
                onclick: move |_| add_widget(store, adding()),
                "Add"
            }
            a {
                href: "/gallery",
                class: "ml-auto text-sky-700 underline dark:text-sky-300",
                "Widget gallery"
            }
        }
    }
}

/// The widgets in reading order, each a card.
#[component]
fn WidgetGrid(editing: ReadSignal<bool>, layout: Layout) -> Element {
    let store = use_context::<DashboardStore>();
    let current = (store.state)();
    let compact = current.preferences.density == Density::Compact;
    let widgets = ordered(&current.widgets);
    rsx! {
        div {
            id: "widget-grid",
            "data-density": if compact { "compact" } else { "comfortable" },
            "data-editing": "{editing}",
            class: if compact { "grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-12 xl:auto-rows-[minmax(4rem,auto)]" } else { "grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-12 xl:auto-rows-[minmax(4rem,auto)]" },
            if widgets.is_empty() {
                p {
                    id: "widgets-empty",
                    class: "text-sm text-slate-600 sm:col-span-2 xl:col-span-12 dark:text-slate-300",
                    "No widget on this dashboard. Add one above."
                }
            }
            for (i, (id, widget)) in widgets.iter().enumerate() {
                WidgetCard {
                    key: "{id}",
                    id: id.clone(),
                    widget: widget.clone(),
                    compact,
                    editing: editing(),
                    first: i == 0,
                    last: i + 1 == widgets.len(),
                    on_move: layout.on_move,
                    on_resize: layout.on_resize,
                    on_remove: layout.on_remove,
                }
            }
        }
    }
}

/// The page's toggle buttons.
const PAGE_BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 disabled:opacity-50 aria-pressed:border-sky-600 aria-pressed:bg-sky-50 aria-pressed:text-sky-800 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800 dark:aria-pressed:border-sky-400 dark:aria-pressed:bg-sky-900/40 dark:aria-pressed:text-sky-100";

/// The "Edit layout" button, a toggle (`aria-pressed`). While on, Escape (the `close` shortcut)
/// presses it too; leaving the mode puts the focus on it, since the control that had the focus
/// is gone.
#[component]
fn LayoutToggle(editing: Signal<bool>, disabled: bool) -> Element {
    let mut button = use_signal(|| None::<Rc<MountedData>>);
    let toggle = move |_| {
        let on = !editing();
        editing.set(on);
        if !on {
            spawn(async move {
                if let Some(button) = button.peek().clone() {
                    let _ = button.set_focus(true).await;
                }
            });
        }
    };
    rsx! {
        button {
            id: "layout-edit",
            r#type: "button",
            class: PAGE_BUTTON,
            aria_pressed: "{editing}",
            aria_controls: "widget-grid",
            "data-shortcut": if editing() { "layout close" } else { "layout" },
            title: if editing() { "Stop editing the layout (e or Escape)" } else { "Move, resize and remove widgets (e)" },
            disabled,
            onmounted: move |e| button.set(Some(e.data())),
            onclick: toggle,
            "Edit layout"
        }
    }
}

/// A fresh widget id: the time in ms, so two devices adding at once do not collide.
fn new_widget_id() -> String {
    #[cfg(feature = "web")]
    let ms = js_sys::Date::now() as u64;
    #[cfg(not(feature = "web"))]
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    format!("w{ms}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_status_says_why_changes_wait() {
        let unsaved = |why: &str| SyncStatus::Unsaved(why.into());
        let status = |error: Option<&str>, status, waiting, connection| {
            sync_status(error.map(String::from), status, waiting, connection)
        };
        assert_eq!(
            status(Some("down"), SyncStatus::Loading, 0, Connection::Live),
            unsaved("down")
        );
        assert_eq!(
            status(None, SyncStatus::Loading, 3, Connection::Offline),
            SyncStatus::Loading
        );
        assert_eq!(
            status(None, SyncStatus::Saved, 0, Connection::Offline),
            SyncStatus::Saved
        );
        assert_eq!(
            status(None, SyncStatus::Saved, 2, Connection::Polling),
            SyncStatus::Saving
        );
        assert_eq!(
            status(None, SyncStatus::Saved, 1, Connection::SignedOut),
            unsaved("1 change will be sent after you sign in again")
        );
        assert_eq!(
            status(None, SyncStatus::Saved, 2, Connection::Reconnecting),
            unsaved("2 changes will be sent when the connection returns")
        );
    }
}
