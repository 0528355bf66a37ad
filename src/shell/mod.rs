//! The layout every signed-in page shares: sidebar navigation, top bar, offline notice, content.

mod drawer;
mod nav;
mod offline;
mod sidebar;
mod topbar;

pub use nav::{NavItem, NAV_ITEMS};
pub use offline::{use_online_provider, Online};

use crate::app::Route;
use crate::auth::use_session_provider;
use crate::dashboard::provider::use_dashboard_provider;
use crate::notifications::ui::{use_notifications_provider, NotificationCentre, Toasts};
use crate::shortcuts::ui::{use_shortcuts_provider, ShortcutHelp, Shortcuts};
use dioxus::prelude::*;
use drawer::Drawer;
use offline::OfflineNotice;
use sidebar::Sidebar;
use topbar::TopBar;

/// The shell layout: a fixed sidebar from `md` up, a drawer behind the menu button below it.
/// The key's name as the browser gives it (`j`, `Enter`, `Escape`). Read from the DOM event:
/// Dioxus's `key()` parses it into an enum whose parser is a large table in the wasm.
pub fn key_name(event: &KeyboardEvent) -> String {
    #[cfg(feature = "web")]
    {
        use dioxus::web::WebEventExt;
        event
            .try_as_web_event()
            .map(|e| e.key())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "web"))]
    {
        let _ = event;
        String::new()
    }
}

#[component]
pub fn Shell() -> Element {
    let drawer = Drawer::use_new();
    use_session_provider()?;
    use_dashboard_provider()?;
    use_shortcuts_provider();
    use_notifications_provider();
    use_page_prefetch();

    rsx! {
        a {
            href: "#content",
            class: "sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900",
            "Skip to content"
        }
        div {
            class: "flex min-h-screen",
            onkeydown: move |event: KeyboardEvent| {
                if key_name(&event) == "Escape" {
                    drawer.close(true);
                }
            },
            Sidebar { drawer }
            div { class: "flex min-w-0 flex-1 flex-col",
                TopBar { drawer }
                OfflineNotice {}
                main {
                    id: "content",
                    class: "flex-1 px-4 py-6 sm:px-6 lg:px-8",
                    tabindex: "-1",
                    // In the route-split build a page whose chunk is not loaded yet suspends: the
                    // shell stays, only the content waits.
                    SuspenseBoundary {
                        fallback: |_| rsx! {
                            PageLoading {}
                        },
                        Outlet::<Route> {}
                    }
                }
            }
        }
        ShortcutHelp {}
        NotificationCentre {}
        Toasts {}
    }
}

/// What the content shows while a page's code is on its way (route-split build, first visit).
/// A page shortcut pressed meanwhile (`s` right after `g a`) is done when the page arrives.
#[component]
fn PageLoading() -> Element {
    let shortcuts = use_context::<Shortcuts>();
    use_drop(move || shortcuts.page_arrived());
    rsx! {
        p {
            id: "page-loading",
            role: "status",
            class: "py-12 text-center text-sm text-slate-500 dark:text-slate-400",
            "Loading page…"
        }
    }
}

/// Route-split build: once the first page is up, fetch every page's chunk in the background, one
/// after the other, so moving between pages (by a link or a shortcut) never waits on the network.
/// Elsewhere every page is already in the one wasm, and this does nothing.
fn use_page_prefetch() {
    #[cfg(all(feature = "web", feature = "wasm-split"))]
    use_hook(|| {
        spawn(async {
            // After the first page's own requests, not competing with them.
            gloo_timers::future::TimeoutFuture::new(1_500).await;
            for item in NAV_ITEMS {
                item.route.preload_wasm_split().await;
            }
        })
    });
}
