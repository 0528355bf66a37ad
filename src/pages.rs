//! What the app's pages share (their header, the page's origin, copying to the clipboard) and the
//! page for unknown paths. Each domain's page
//! lives in its own folder (`src/<domain>/ui.rs`).

use crate::app::Route;
use dioxus::prelude::*;

/// The document's title. The server puts it in `<head>`; the browser sets `document.title`
/// directly (Dioxus's own `Title` runs a JavaScript string through `new Function`, which the
/// Content-Security-Policy forbids).
#[component]
pub(crate) fn PageTitle(text: String) -> Element {
    #[cfg(feature = "web")]
    {
        let last = use_hook(|| std::rc::Rc::new(std::cell::RefCell::new(String::new())));
        if *last.borrow() != text {
            if let Some(document) = web_sys::window().and_then(|window| window.document()) {
                document.set_title(&text);
            }
            *last.borrow_mut() = text;
        }
        VNode::empty()
    }
    #[cfg(not(feature = "web"))]
    rsx! {
        document::Title { "{text}" }
    }
}

/// A page's title, heading and summary, shared by every page.
#[component]
pub(crate) fn PageHeader(title: &'static str, summary: &'static str) -> Element {
    rsx! {
        PageTitle { text: "{title} · Flightdeck" }
        header { class: "mb-6",
            h1 { class: "text-2xl font-semibold tracking-tight", "{title}" }
            p { class: "mt-1 max-w-3xl text-slate-600 dark:text-slate-300", "{summary}" }
        }
    }
}

/// Any unknown path: says so, and answers 404 when rendered on the server.
#[component]
pub fn NotFound(segments: Vec<String>) -> Element {
    #[cfg(feature = "server")]
    dioxus::fullstack::FullstackContext::commit_http_status(
        dioxus::fullstack::StatusCode::NOT_FOUND,
        None,
    );
    let path = segments.join("/");
    rsx! {
        PageTitle { text: "Not found · Flightdeck" }
        main { class: "flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center",
            h1 { class: "text-2xl font-semibold", "Page not found" }
            p { class: "text-slate-600 dark:text-slate-300", "There is no page at /{path}." }
            Link {
                to: Route::Dashboard {},
                class: "text-sky-700 underline dark:text-sky-300",
                "Go to the dashboard"
            }
        }
    }
}

/// This page's origin (`http://host:port`), to turn a path into a link (empty on the server).
pub fn origin() -> String {
    #[cfg(feature = "web")]
    if let Some(origin) = web_sys::window().and_then(|window| window.location().origin().ok()) {
        return origin;
    }
    String::new()
}

/// Copies `text` to the clipboard (where the browser allows it).
pub fn copy(text: &str) {
    #[cfg(feature = "web")]
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "web"))]
    let _ = text;
}
