//! Shortcuts in the browser: one keydown listener on the document (ignored while typing in a
//! field), the help dialog that `?` opens, and the editor on the Settings page. Pages opt in by
//! marking elements: `data-shortcut="search"` (focused by `s`), `"add"` (focused by `a`),
//! `"layout"` (clicked by `e`), `"approve"` (clicked by Enter) and `"close"` (clicked by Escape);
//! one element may take several, separated by spaces (`"layout close"`).

use super::{check, keymap, normalize, Action};
#[cfg(feature = "web")]
use super::{Matcher, Press};
use crate::auth::SessionContext;
use crate::settings::UserSettings;
use dioxus::prelude::*;
use std::collections::BTreeMap;

/// What the shortcuts open, shared by the shell's dialogs.
#[derive(Clone, Copy, PartialEq)]
pub struct Shortcuts {
    /// Whether the help dialog shows.
    pub help: Signal<bool>,
    /// Whether the notification centre shows.
    pub centre: Signal<bool>,
    /// A shortcut for an element of the page (`s`, `a`, Enter) pressed while the page's code was
    /// still on its way (route-split build): done once the page is there.
    pending: Signal<Option<Action>>,
}

impl Shortcuts {
    /// Called when the content's loading placeholder goes: does the shortcut pressed meanwhile.
    pub fn page_arrived(self) {
        #[cfg(feature = "web")]
        web::page_arrived(self);
    }
}

/// Starts listening for shortcuts: called once by the shell, below the session provider.
pub fn use_shortcuts_provider() -> Shortcuts {
    let shortcuts = Shortcuts {
        help: use_signal(|| false),
        centre: use_signal(|| false),
        pending: use_signal(|| None),
    };
    #[cfg(feature = "web")]
    {
        let session = use_context::<SessionContext>();
        let navigator = use_navigator();
        // The listener runs outside Dioxus: it hands what needs the runtime (navigation, state)
        // to this task.
        let inside = use_coroutine(move |mut actions: UnboundedReceiver<Action>| async move {
            use futures_util::StreamExt;
            while let Some(action) = actions.next().await {
                web::run(action, shortcuts, navigator);
            }
        });
        // Kept for the shell's life; dropping it removes the listener.
        use_hook(move || std::rc::Rc::new(web::listen(shortcuts, session, inside)));
    }
    use_context_provider(|| shortcuts)
}

/// The keys of every action for the signed-in user.
fn current_map(session: &SessionContext) -> Vec<(Action, String)> {
    let own = (session.settings)()
        .map(|all| all.user.shortcuts)
        .unwrap_or_default();
    keymap(&own)
}

/// Keys as key caps: `g d` → `g` then `d`.
#[component]
fn Keys(keys: String) -> Element {
    let parts: Vec<String> = keys.split(' ').map(str::to_owned).collect();
    let last = parts.len().saturating_sub(1);
    rsx! {
        span { class: "keys whitespace-nowrap",
            for (i, key) in parts.into_iter().enumerate() {
                kbd {
                    key: "{i}",
                    class: "rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs dark:border-slate-600 dark:bg-slate-800",
                    "{key}"
                }
                if i < last {
                    span { class: "mx-1 text-xs text-slate-500", "then" }
                }
            }
        }
    }
}

/// The list of shortcuts, opened by `?`.
#[component]
pub fn ShortcutHelp() -> Element {
    let Shortcuts { mut help, .. } = use_context::<Shortcuts>();
    let session = use_context::<SessionContext>();
    if !help() {
        return rsx! {};
    }
    let map = current_map(&session);
    rsx! {
        div {
            class: "fixed inset-0 z-40 flex items-start justify-center bg-slate-900/40 p-4 pt-24",
            onclick: move |_| help.set(false),
            div {
                id: "shortcuts-help",
                role: "dialog",
                "aria-modal": "true",
                "aria-labelledby": "shortcuts-help-title",
                class: "w-full max-w-lg rounded-lg border border-slate-200 bg-white p-5 shadow-xl dark:border-slate-700 dark:bg-slate-900",
                onclick: move |event| event.stop_propagation(),
                div { class: "flex items-center justify-between",
                    h2 {
                        id: "shortcuts-help-title",
                        class: "text-lg font-semibold",
                        "Keyboard shortcuts"
                    }
                    button {
                        class: "rounded px-2 py-1 text-sm hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:bg-slate-800",
                        "aria-label": "Close",
                        onmounted: move |el| async move {
                            let _ = el.set_focus(true).await;
                        },
                        onclick: move |_| help.set(false),
                        "✕"
                    }
                }
                p { class: "mt-1 text-sm text-slate-600 dark:text-slate-300",
                    "Not while typing in a field. Change them in Settings."
                }
                table { class: "mt-4 w-full text-sm",
                    tbody {
                        for (action, keys) in map {
                            tr {
                                key: "{action.id()}",
                                class: "shortcut border-t border-slate-100 dark:border-slate-800",
                                "data-action": action.id(),
                                td { class: "py-1.5", "{action.label()}" }
                                td { class: "py-1.5 text-right",
                                    Keys { keys }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `user`'s settings with `action` on the keys typed, when they parse and collide with nothing.
fn rebind(user: &UserSettings, action: Action, typed: &str) -> Result<UserSettings, String> {
    let keys = normalize(typed).map_err(|why| format!("{}: {why}", action.label()))?;
    let mut next = user.clone();
    if keys == action.default_keys() {
        next.shortcuts.remove(action.id());
    } else {
        next.shortcuts.insert(action.id().into(), keys);
    }
    check(&next.shortcuts).map_err(|why| why.to_string())?;
    Ok(next)
}

/// The Settings page's editor: each action's keys, checked for conflicts before saving.
#[component]
pub fn ShortcutSettings(user: UserSettings, on_save: EventHandler<UserSettings>) -> Element {
    let mut error = use_signal(|| None::<String>);
    let own = user.shortcuts.clone();
    let map = keymap(&own);
    let reset = {
        let user = user.clone();
        move |_| {
            let mut next = user.clone();
            next.shortcuts = BTreeMap::new();
            error.set(None);
            on_save.call(next);
        }
    };
    rsx! {
        h3 { class: "mt-4 text-sm font-semibold uppercase tracking-wide text-slate-500",
            "Keyboard shortcuts"
        }
        p { class: "mt-1 text-xs text-slate-500",
            "One key, or two typed in sequence separated by a space (g d). Press ? anywhere to see them."
        }
        div { id: "shortcut-settings", class: "mt-2 space-y-1",
            for (action, keys) in map {
                label {
                    key: "{action.id()}-{keys}",
                    class: "flex items-center justify-between gap-4 text-sm",
                    "{action.label()}"
                    input {
                        class: "shortcut-keys w-28 rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-sm dark:border-slate-700 dark:bg-slate-950",
                        "data-action": action.id(),
                        value: "{keys}",
                        onchange: {
                            let user = user.clone();
                            move |e: FormEvent| match rebind(&user, action, &e.value()) {
                                Ok(next) => {
                                    error.set(None);
                                    on_save.call(next);
                                }
                                Err(why) => error.set(Some(why)),
                            }
                        },
                    }
                }
            }
        }
        if let Some(why) = error() {
            p {
                id: "shortcut-error",
                role: "alert",
                class: "mt-2 text-sm text-red-700 dark:text-red-300",
                "Not saved: {why}"
            }
        }
        button {
            id: "shortcuts-reset",
            r#type: "button",
            class: "mt-2 rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800",
            disabled: own.is_empty(),
            onclick: reset,
            "Reset to the defaults"
        }
    }
}

#[cfg(feature = "web")]
mod web {
    use super::{Matcher, Press, Shortcuts};
    use crate::app::Route;
    use crate::auth::SessionContext;
    use crate::shortcuts::Action;
    use dioxus::prelude::*;
    use dioxus::router::Navigator;
    use std::cell::RefCell;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{HtmlElement, KeyboardEvent};

    /// The document's keydown listener, removed when dropped.
    pub(super) struct Listener(Option<Closure<dyn FnMut(KeyboardEvent)>>);

    impl Drop for Listener {
        fn drop(&mut self) {
            if let (Some(closure), Some(document)) = (self.0.take(), document()) {
                let _ = document.remove_event_listener_with_callback(
                    "keydown",
                    closure.as_ref().unchecked_ref(),
                );
            }
        }
    }

    fn document() -> Option<web_sys::Document> {
        web_sys::window()?.document()
    }

    pub(super) fn listen(
        shortcuts: Shortcuts,
        session: SessionContext,
        inside: Coroutine<Action>,
    ) -> Listener {
        let matcher = RefCell::new(Matcher::default());
        let closure = Closure::<dyn FnMut(KeyboardEvent)>::new(move |event: KeyboardEvent| {
            if event.default_prevented()
                || event.ctrl_key()
                || event.meta_key()
                || event.alt_key()
                || event.repeat()
            {
                return;
            }
            let key = event.key();
            let target = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            if key != "Escape" && target.as_ref().is_some_and(typing) {
                return;
            }
            // Enter on a button or link is that element's own.
            if key == "Enter" && target.as_ref().is_some_and(interactive) {
                return;
            }
            let own = session
                .settings
                .peek()
                .as_ref()
                .map(|all| all.user.shortcuts.clone())
                .unwrap_or_default();
            let map = crate::shortcuts::keymap(&own);
            let press = matcher.borrow_mut().press(&key, js_sys::Date::now(), &map);
            let handled = match press {
                Press::Run(action) => {
                    let applies = applies(action, shortcuts);
                    if applies {
                        inside.send(action);
                    }
                    applies
                }
                Press::Wait => true,
                Press::Miss => false,
            };
            if handled {
                event.prevent_default();
            }
        });
        let added = document().is_some_and(|document| {
            document
                .add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref())
                .is_ok()
        });
        Listener(added.then_some(closure))
    }

    /// A field being typed in.
    fn typing(element: &web_sys::Element) -> bool {
        matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || element
                .dyn_ref::<HtmlElement>()
                .is_some_and(|el| el.is_content_editable())
    }

    fn interactive(element: &web_sys::Element) -> bool {
        matches!(element.tag_name().as_str(), "BUTTON" | "A" | "SUMMARY")
            || element.has_attribute("role")
    }

    /// The first element marked `data-shortcut=<name>` (among others) that can take it.
    fn marked(name: &str) -> Option<HtmlElement> {
        document()?
            .query_selector(&format!("[data-shortcut~=\"{name}\"]:not([disabled])"))
            .ok()??
            .dyn_into::<HtmlElement>()
            .ok()
    }

    /// The page's element a page-scoped action acts on, by its `data-shortcut` mark.
    fn mark(action: Action) -> Option<&'static str> {
        match action {
            Action::Search => Some("search"),
            Action::AddWidget => Some("add"),
            Action::EditLayout => Some("layout"),
            Action::ApproveSelected => Some("approve"),
            _ => None,
        }
    }

    /// Whether the content shows the shell's "Loading page…" (the page's chunk is on its way).
    fn page_loading() -> bool {
        document().is_some_and(|document| document.get_element_by_id("page-loading").is_some())
    }

    /// Focuses (search, add) or clicks (approve, layout) the page's element for `action`; false
    /// when the page has none.
    fn act_on_page(action: Action) -> bool {
        let Some(element) = mark(action).and_then(marked) else {
            return false;
        };
        if matches!(action, Action::ApproveSelected | Action::EditLayout) {
            element.click();
        } else {
            let _ = element.focus();
        }
        true
    }

    /// Does the shortcut pressed while the page loaded, once the page's elements are in the
    /// document (after the render that replaced the placeholder).
    pub(super) fn page_arrived(shortcuts: Shortcuts) {
        let mut pending = shortcuts.pending;
        if let Some(action) = pending.take() {
            dioxus::core::spawn_forever(async move {
                gloo_timers::future::TimeoutFuture::new(0).await;
                act_on_page(action);
            });
        }
    }

    /// Whether `action` has something to act on here (else the key keeps its usual meaning).
    fn applies(action: Action, shortcuts: Shortcuts) -> bool {
        match action {
            Action::Search | Action::AddWidget | Action::EditLayout | Action::ApproveSelected => {
                mark(action).and_then(marked).is_some() || page_loading()
            }
            Action::Close => {
                *shortcuts.help.peek() || *shortcuts.centre.peek() || marked("close").is_some()
            }
            _ => true,
        }
    }

    /// Does what `action` says (inside the Dioxus runtime); false when it had nothing to act on.
    pub(super) fn run(action: Action, shortcuts: Shortcuts, navigator: Navigator) -> bool {
        let Shortcuts {
            mut help,
            mut centre,
            mut pending,
        } = shortcuts;
        match action {
            Action::Help => help.toggle(),
            Action::GoDashboard => {
                navigator.push(Route::Dashboard {});
            }
            Action::GoApprovals => {
                navigator.push(Route::Approvals {});
            }
            Action::GoAudit => {
                navigator.push(Route::Audit {});
            }
            Action::Notifications => centre.toggle(),
            Action::Search | Action::AddWidget | Action::EditLayout | Action::ApproveSelected => {
                if !act_on_page(action) {
                    if !page_loading() {
                        return false;
                    }
                    pending.set(Some(action));
                }
            }
            Action::Close => {
                if *help.peek() || *centre.peek() {
                    help.set(false);
                    centre.set(false);
                } else if let Some(element) = marked("close") {
                    element.click();
                } else {
                    return false;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebinding_keeps_only_moved_keys_and_refuses_collisions() {
        let user = UserSettings::default();
        let moved = rebind(&user, Action::GoAudit, "G L").unwrap();
        assert_eq!(
            moved.shortcuts.get("go.audit").map(String::as_str),
            Some("g l")
        );
        let back = rebind(&moved, Action::GoAudit, "g t").unwrap();
        assert!(back.shortcuts.is_empty(), "the default is not stored");
        let clash = rebind(&user, Action::Search, "?").unwrap_err();
        assert!(clash.contains("Show these shortcuts"), "{clash}");
        assert!(rebind(&user, Action::Help, "").is_err());
    }
}
