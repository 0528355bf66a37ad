//! The top bar: the menu button on phones, the current page's name, and the theme toggle.

use super::drawer::Drawer;
use crate::app::Route;
use crate::icons::{Glyph, Icon};
use crate::theme::ThemeToggle;
use dioxus::prelude::*;

/// The bar above every page.
#[component]
pub fn TopBar(drawer: Drawer) -> Element {
    rsx! {
        header { class: "sticky top-0 z-20 flex h-16 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90 sm:px-6",
            button {
                id: "menu-button",
                r#type: "button",
                class: "rounded-md p-2 text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-200 dark:hover:bg-slate-800 md:hidden",
                aria_label: "Open menu",
                aria_controls: "sidebar",
                aria_expanded: "{drawer.is_open}",
                onmounted: move |event| drawer.opener.set(Some(event.data())),
                onclick: move |_| drawer.open(),
                Icon { glyph: Glyph::Menu }
            }
            p { class: "flex-1 truncate text-sm text-slate-500 dark:text-slate-400", "Demo workspace" }
            ThemeToggle {}
            Link {
                to: Route::Login {},
                class: "rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800",
                "Sign in"
            }
        }
    }
}
