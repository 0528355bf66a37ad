//! A widget's card on the dashboard: its title, its body and, while the dashboard is in its
//! "Edit layout" mode, its layout controls (move earlier or later, width and height in grid
//! cells, remove). The controls only say what the user asked for; the dashboard turns each into
//! edits of its state.

use super::layout::{span_classes, HEIGHTS, WIDTHS};
use super::lookup;
use super::ui::WidgetBody;
use crate::dashboard::{GridSize, Widget, GRID_COLUMNS};
use dioxus::prelude::*;
use std::rc::Rc;

/// A small tool button's classes.
pub const TOOL: &str = "rounded-md border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 disabled:opacity-40 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800";

/// A widget's card: its title and body, and its layout controls while `editing`.
#[component]
pub fn WidgetCard(
    id: String,
    widget: Widget,
    compact: bool,
    editing: bool,
    first: bool,
    last: bool,
    on_move: EventHandler<(String, isize)>,
    on_resize: EventHandler<(String, Option<u16>, Option<u16>)>,
    on_remove: EventHandler<String>,
) -> Element {
    let registered = lookup(&widget.kind);
    let (title, about) = registered.map_or(("Unknown widget", ""), |w| (w.title, w.about));
    let padding = if compact { "p-3" } else { "p-4" };
    let (columns, rows) = span_classes(widget.size);
    let GridSize { w, h } = widget.size;
    // In the mode, a dashed ring says the cards can be rearranged.
    let ring = if editing {
        "outline-dashed outline-2 outline-offset-2 outline-sky-400/60"
    } else {
        ""
    };
    rsx! {
        article {
            "data-kind": "{widget.kind}",
            "data-id": "{id}",
            "data-size": "{w}x{h}",
            "aria-label": "{title}",
            // Cards out of sight skip style, layout and paint (content-visibility), sized as
            // last shown: on a dashboard of 50 widgets, that was most of each update's frame.
            class: "widget flex min-w-0 flex-col rounded-lg border border-slate-200 bg-white shadow-sm [content-visibility:auto] [contain-intrinsic-block-size:auto_20rem] dark:border-slate-800 dark:bg-slate-900 {padding} {columns} {rows} {ring}",
            // The controls get a row of their own: beside the title they squeezed it.
            if editing {
                LayoutControls {
                    id: id.clone(),
                    title,
                    size: widget.size,
                    first,
                    last,
                    on_move,
                    on_resize,
                    on_remove,
                }
            }
            div { class: "min-w-0",
                h2 { class: "font-medium", "{title}" }
                p { class: "mt-0.5 text-xs text-slate-500 dark:text-slate-400", "{about}" }
            }
            WidgetBody { kind: widget.kind.clone(), config: widget.config.clone() }
        }
    }
}

/// A card's layout controls. Every control is one or a few edits of the dashboard state, so it
/// persists and syncs; a moved widget's button keeps the keyboard focus.
#[component]
fn LayoutControls(
    id: String,
    title: &'static str,
    size: GridSize,
    first: bool,
    last: bool,
    on_move: EventHandler<(String, isize)>,
    on_resize: EventHandler<(String, Option<u16>, Option<u16>)>,
    on_remove: EventHandler<String>,
) -> Element {
    let GridSize { w, h } = size;
    let mut buttons = use_signal(|| [None::<Rc<MountedData>>, None]);
    let shift = {
        let id = id.clone();
        move |which: usize| {
            on_move.call((id.clone(), if which == 0 { -1 } else { 1 }));
            // The card moves in the page: give its button the focus back once it has.
            spawn(async move {
                if let Some(button) = buttons.peek()[which].clone() {
                    let _ = button.set_focus(true).await;
                }
            });
        }
    };
    let earlier = {
        let shift = shift.clone();
        move |_| shift(0)
    };
    let later = move |_| shift(1);
    let width = {
        let id = id.clone();
        move |e: FormEvent| on_resize.call((id.clone(), e.value().parse().ok(), None))
    };
    let height = {
        let id = id.clone();
        move |e: FormEvent| on_resize.call((id.clone(), None, e.value().parse().ok()))
    };
    let remove = move |_| on_remove.call(id.clone());
    rsx! {
        div { class: "layout-controls mb-2 flex flex-wrap items-center justify-end gap-1 border-b border-dashed border-slate-200 pb-2 dark:border-slate-700",
            button {
                class: "widget-earlier {TOOL}",
                r#type: "button",
                disabled: first,
                "aria-label": "Move {title} earlier",
                title: "Move earlier",
                onmounted: move |e| buttons.write()[0] = Some(e.data()),
                onclick: earlier,
                "←"
            }
            button {
                class: "widget-later {TOOL}",
                r#type: "button",
                disabled: last,
                "aria-label": "Move {title} later",
                title: "Move later",
                onmounted: move |e| buttons.write()[1] = Some(e.data()),
                onclick: later,
                "→"
            }
            select {
                class: "widget-width {SELECT}",
                "aria-label": "Width of {title}, in columns of {GRID_COLUMNS}",
                title: "Width",
                onchange: width,
                for n in WIDTHS {
                    option { value: "{n}", selected: n == w, "{n}/{GRID_COLUMNS}" }
                }
            }
            select {
                class: "widget-height {SELECT}",
                "aria-label": "Height of {title}, in rows",
                title: "Height",
                onchange: height,
                for n in HEIGHTS {
                    option { value: "{n}", selected: n == h, "{n}↕" }
                }
            }
            button {
                class: "widget-remove {TOOL}",
                r#type: "button",
                "aria-label": "Remove {title}",
                title: "Remove",
                onclick: remove,
                "✕"
            }
        }
    }
}

const SELECT: &str =
    "rounded border border-slate-300 bg-transparent px-1 py-0.5 text-xs dark:border-slate-700";
