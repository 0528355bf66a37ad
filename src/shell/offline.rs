//! The offline notice: shown while the browser reports no network, e.g. when the service worker
//! served the cached shell.

use crate::icons::{Glyph, Icon};
use dioxus::prelude::*;

/// A banner that appears while offline and disappears when the connection returns.
#[component]
pub fn OfflineNotice() -> Element {
    let online = use_online();
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

/// Whether the browser is online; always true while rendering on the server.
fn use_online() -> Signal<bool> {
    let online = use_signal(|| true);
    use_effect(move || follow_online(online));
    online
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
