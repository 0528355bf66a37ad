//! The top bar: the menu button on phones, the workspace switcher, the notification bell, the theme toggle and the
//! signed-in user's menu.

use super::drawer::Drawer;
use crate::auth::{SessionContext, UserMenu, WorkspaceSwitcher};
use crate::icons::{Glyph, Icon};
use crate::notifications::ui::NoticeBell;
use crate::theme::{ThemeChoice, ThemeToggle};
use dioxus::prelude::*;

/// The bar above every page.
#[component]
pub fn TopBar(drawer: Drawer) -> Element {
    let session = use_context::<SessionContext>();
    // The theme is a user setting: a choice made here is saved with the account too.
    let save_theme = move |choice: ThemeChoice| {
        spawn(async move {
            let saved = session.user_saves.save(|user| user.ui.theme = choice).await;
            if let Some(Err(err)) = saved {
                crate::log::warn(&format!("theme not saved to the account: {err}"));
            }
        });
    };
    rsx! {
        // On a 390 px phone the items barely fit: tighter gaps, and the workspace select (whose
        // own minimum width is its longest option) may shrink, so it never runs under the bell.
        header { class: "sticky top-0 z-20 flex h-16 items-center gap-1 border-b border-slate-200 bg-white/90 px-2 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90 sm:gap-3 sm:px-6",
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
            div { class: "flex min-w-0 flex-1 items-center [&_select]:min-w-0", WorkspaceSwitcher {} }
            NoticeBell {}
            ThemeToggle { on_change: save_theme }
            UserMenu {}
        }
    }
}
