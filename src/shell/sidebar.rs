//! The sidebar: the navigation, fixed on wide screens and a drawer on phones.

use super::drawer::Drawer;
use super::NAV_ITEMS;
use crate::app::Route;
use crate::icons::{Glyph, Icon};
use dioxus::prelude::*;

const LINK: &str = "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600";
const IDLE: &str = "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white";
const ACTIVE: &str = "bg-sky-50 text-sky-800 dark:bg-sky-900/40 dark:text-sky-200";

/// Navigation, always shown from `md` up and as a drawer below it. A closed drawer is also
/// invisible, so Tab does not walk into it. `Link` marks the current page `aria-current="page"`.
#[component]
pub fn Sidebar(drawer: Drawer) -> Element {
    let current = use_route::<Route>();
    let open = (drawer.is_open)();
    let position = if open {
        "translate-x-0"
    } else {
        "-translate-x-full max-md:invisible"
    };

    rsx! {
        if open {
            div {
                class: "fixed inset-0 z-30 bg-slate-900/50 md:hidden",
                aria_hidden: "true",
                onclick: move |_| drawer.close(true),
            }
        }
        // From `md` up, the column: as tall as the page, so its background and border run to
        // the bottom of a long one, while the navigation in it stays in view (sticky). Below
        // `md` it draws nothing (`display: contents`) and the navigation is a fixed drawer.
        div {
            id: "sidebar-column",
            class: "max-md:contents md:w-64 md:shrink-0 md:border-r md:border-slate-200 md:bg-white dark:md:border-slate-800 dark:md:bg-slate-900",
            nav {
                id: "sidebar",
                aria_label: "Main",
                class: "fixed inset-y-0 left-0 z-40 flex w-64 flex-col border-r border-slate-200 bg-white transition-transform duration-200 dark:border-slate-800 dark:bg-slate-900 md:sticky md:top-0 md:h-screen md:w-full md:translate-x-0 md:border-r-0 {position}",
                div { class: "flex h-16 items-center justify-between px-4",
                    Link {
                        to: Route::Dashboard {},
                        class: "flex items-center gap-2 text-lg font-semibold tracking-tight",
                        onclick: move |_| drawer.close(false),
                        span { class: "inline-flex h-8 w-8 items-center justify-center rounded-md bg-sky-600 text-white",
                            "F"
                        }
                        "Flightdeck"
                    }
                    button {
                        r#type: "button",
                        class: "rounded-md p-2 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800 md:hidden",
                        aria_label: "Close menu",
                        onmounted: move |event| drawer.first.set(Some(event.data())),
                        onclick: move |_| drawer.close(true),
                        Icon { glyph: Glyph::Close }
                    }
                }
                ul { class: "flex-1 space-y-1 px-3 py-2",
                    for item in NAV_ITEMS {
                        li { key: "{item.label}",
                            Link {
                                class: if item.route == current { "{LINK} {ACTIVE}" } else { "{LINK} {IDLE}" },
                                to: item.route,
                                onclick: move |_| drawer.close(false),
                                Icon { glyph: item.glyph }
                                "{item.label}"
                            }
                        }
                    }
                }
            }
        }
    }
}
