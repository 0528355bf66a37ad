//! Browser side of the theme: reads the system scheme, follows its live changes and writes the
//! cookies the server reads on the next load (so that load renders the right scheme at once).

use super::{cookie_assignment, Scheme, ThemeSnapshot, CHOICE_COOKIE, SYSTEM_COOKIE};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{HtmlDocument, MediaQueryList, MediaQueryListEvent};

const DARK_QUERY: &str = "(prefers-color-scheme: dark)";

fn dark_query() -> Option<MediaQueryList> {
    web_sys::window()?.match_media(DARK_QUERY).ok().flatten()
}

fn html_document() -> Option<HtmlDocument> {
    web_sys::window()?
        .document()?
        .dyn_into::<HtmlDocument>()
        .ok()
}

fn scheme_of(dark: bool) -> Scheme {
    if dark {
        Scheme::Dark
    } else {
        Scheme::Light
    }
}

/// The theme as the browser knows it: cookies plus the live media query.
pub(super) fn snapshot() -> ThemeSnapshot {
    let cookies = html_document().and_then(|doc| doc.cookie().ok());
    let system = dark_query().map(|query| scheme_of(query.matches()).as_str());
    ThemeSnapshot::from_request(cookies.as_deref(), system)
}

fn remember(name: &str, value: &str) {
    if let Some(doc) = html_document() {
        // A refused cookie (privacy mode) only costs the no-flash render on the next load.
        let _ = doc.set_cookie(&cookie_assignment(name, value));
    }
}

/// Persists the user's choice.
pub(super) fn remember_choice(choice: super::ThemeChoice) {
    remember(CHOICE_COOKIE, choice.as_str());
}

/// Puts the scheme's class on `<html>` (replacing what the pre-paint script in index.html set).
pub(super) fn mark_document(scheme: Scheme) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root
            .class_list()
            .toggle_with_force("dark", scheme == Scheme::Dark);
    }
}

/// Calls `on_change` with the current system scheme now and again whenever it changes,
/// remembering each value for the server. The listener lives as long as the page.
pub(super) fn follow_system(mut on_change: impl FnMut(Scheme) + 'static) {
    let Some(query) = dark_query() else { return };
    let current = scheme_of(query.matches());
    remember(SYSTEM_COOKIE, current.as_str());
    on_change(current);

    let listener =
        Closure::<dyn FnMut(MediaQueryListEvent)>::new(move |event: MediaQueryListEvent| {
            let scheme = scheme_of(event.matches());
            remember(SYSTEM_COOKIE, scheme.as_str());
            on_change(scheme);
        });
    if query
        .add_event_listener_with_callback("change", listener.as_ref().unchecked_ref())
        .is_ok()
    {
        listener.forget();
    }
}
