//! Whether the browser is online, provided once at the root (its listeners live as long as the
//! page), and the notice the shell shows while offline, e.g. when the service worker served the
//! cached shell.

use crate::icons::{Glyph, Icon};
use dioxus::prelude::*;

/// The browser's connectivity; always online while rendering on the server.
#[derive(Clone, Copy, PartialEq)]
pub struct Online(pub Signal<bool>);

/// Provides [`Online`] to the whole app. Call it from the root component only: the browser
/// listeners it registers are never removed.
pub fn use_online_provider() -> Online {
    let online = use_signal(|| true);
    use_effect(move || follow_online(online));
    use_context_provider(|| Online(online))
}

/// A banner that appears while offline and disappears when the connection returns.
#[component]
pub fn OfflineNotice() -> Element {
    let Online(online) = use_context::<Online>();
    if online() {
        return rsx! {};
    }
    rsx! {
        div {
            id: "offline-notice",
            role: "status",
            class: "flex items-center gap-2 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100 sm:px-6",
            Icon { glyph: Glyph::CloudOff, class: "h-4 w-4 shrink-0" }
            "You are offline. This is the last loaded copy of Flightdeck; live data resumes when the connection returns."
        }
    }
}

#[cfg(feature = "web")]
fn follow_online(mut online: Signal<bool>) {
    use wasm_bindgen::{closure::Closure, JsCast};

    let Some(window) = web_sys::window() else {
        return;
    };
    online.set(window.navigator().on_line());
    for (event, value) in [("online", true), ("offline", false)] {
        let listener = Closure::<dyn FnMut()>::new(move || online.set(value));
        if window
            .add_event_listener_with_callback(event, listener.as_ref().unchecked_ref())
            .is_ok()
        {
            listener.forget();
        }
    }
}

#[cfg(not(feature = "web"))]
fn follow_online(_online: Signal<bool>) {}
