//! Notifications in the browser: the shell follows `tool_run_status` and `fleet` on one socket,
//! turns what matters into notices (as the user's settings allow), shows each as a toast, and as
//! a system notification while the page is hidden and the user allowed them; the notification
//! centre (the bell, or `c`) lists the recent ones, kept in this browser across reloads.

#[cfg(feature = "web")]
use super::{from_approval, from_fleet, push_toast, wanted, HealthSeen};
use super::{Inbox, Notice};
use crate::auth::SessionContext;
use crate::settings::locale::{use_locale, Style};
use crate::shortcuts::ui::Shortcuts;
use dioxus::prelude::*;

/// How long a toast stays, in milliseconds.
#[cfg_attr(not(feature = "web"), allow(dead_code))]
const TOAST_MS: u32 = 8_000;

/// The notices, shared by the bell, the centre and the toasts.
#[derive(Clone, Copy, PartialEq)]
pub struct NoticeBoard {
    /// The recent notices (this browser's copy).
    pub inbox: Signal<Inbox>,
    /// Those showing as toasts.
    pub toasts: Signal<Vec<Notice>>,
    /// Whether the live topics are subscribed (new events will arrive).
    pub live: Signal<bool>,
}

/// Starts following: called once by the shell, below the session provider.
pub fn use_notifications_provider() -> NoticeBoard {
    let session = use_context::<SessionContext>();
    let board = NoticeBoard {
        inbox: use_signal(Inbox::default),
        toasts: use_signal(Vec::new),
        live: use_signal(|| false),
    };
    let mut following = use_signal(|| false);
    use_effect(move || {
        let Some(me) = (session.me)() else {
            return;
        };
        if *following.peek() {
            return;
        }
        following.set(true);
        #[cfg(feature = "web")]
        {
            let key = format!("flightdeck:notices:{}:{}", me.workspace.id, me.user.id);
            spawn(web::follow(board, session, key));
        }
        #[cfg(not(feature = "web"))]
        let _ = me;
    });
    use_context_provider(|| board)
}

/// The bell in the top bar, with the unread count.
#[component]
pub fn NoticeBell() -> Element {
    let board = use_context::<NoticeBoard>();
    let Shortcuts { mut centre, .. } = use_context::<Shortcuts>();
    let unread = board.inbox.read().unread();
    let label = match unread {
        0 => "Notifications".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    rsx! {
        button {
            id: "notifications-button",
            r#type: "button",
            class: "relative rounded-md p-2 text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-200 dark:hover:bg-slate-800",
            "aria-label": "{label}",
            "aria-expanded": "{centre}",
            "aria-controls": "notification-centre",
            "data-live": "{board.live}",
            onclick: move |_| centre.toggle(),
            svg {
                class: "h-5 w-5",
                view_box: "0 0 24 24",
                fill: "none",
                stroke: "currentColor",
                stroke_width: "2",
                stroke_linecap: "round",
                stroke_linejoin: "round",
                "aria-hidden": "true",
                path { d: "M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" }
                path { d: "M13.7 21a2 2 0 0 1-3.4 0" }
            }
            if unread > 0 {
                span {
                    id: "unread-count",
                    class: "absolute -right-0.5 -top-0.5 min-w-4 rounded-full bg-rose-600 px-1 text-center text-[10px] font-semibold leading-4 text-white",
                    "{unread}"
                }
            }
        }
    }
}

/// The recent notices, opened by the bell or `c`; opening it marks them read.
#[component]
pub fn NotificationCentre() -> Element {
    let mut board = use_context::<NoticeBoard>();
    let Shortcuts { mut centre, .. } = use_context::<Shortcuts>();
    let locale = use_locale();
    let permission = use_signal(permission);
    use_effect(move || {
        if centre() && board.inbox.peek().unread() > 0 {
            board.inbox.write().read_all();
            #[cfg(feature = "web")]
            web::keep(board);
        }
    });
    if !centre() {
        return rsx! {};
    }
    let notices = board.inbox.read().notices.clone();
    rsx! {
        aside {
            id: "notification-centre",
            role: "dialog",
            "aria-label": "Notifications",
            class: "fixed right-2 top-16 z-30 flex max-h-[70vh] w-[min(24rem,calc(100vw-1rem))] flex-col rounded-lg border border-slate-200 bg-white shadow-xl dark:border-slate-700 dark:bg-slate-900",
            div { class: "flex items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-700",
                h2 { class: "flex-1 font-semibold", "Notifications" }
                button {
                    class: "rounded px-2 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800",
                    "aria-label": "Close notifications",
                    onmounted: move |el| async move {
                        let _ = el.set_focus(true).await;
                    },
                    onclick: move |_| centre.set(false),
                    "✕"
                }
            }
            match permission().as_str() {
                "default" => rsx! {
                    div { class: "border-b border-slate-200 px-4 py-2 text-sm dark:border-slate-700",
                        button {
                            id: "allow-notifications",
                            class: "text-sky-700 underline-offset-2 hover:underline dark:text-sky-400",
                            onclick: move |_| ask_permission(permission),
                            "Also show them as system notifications"
                        }
                    }
                },
                "denied" => rsx! {
                    p { class: "border-b border-slate-200 px-4 py-2 text-xs text-slate-500 dark:border-slate-700",
                        "System notifications are blocked in this browser's site settings."
                    }
                },
                _ => rsx! {},
            }
            if notices.is_empty() {
                p {
                    id: "notices-empty",
                    class: "px-4 py-6 text-sm text-slate-500",
                    "Nothing yet. New approval requests, agent health changes and alerts appear here."
                }
            } else {
                ol {
                    id: "notice-list",
                    class: "divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800",
                    for notice in notices {
                        li {
                            key: "{notice.id}",
                            class: "notice px-4 py-2 text-sm",
                            "data-kind": notice.kind.as_str(),
                            a {
                                class: "block hover:underline",
                                href: "{notice.href}",
                                onclick: move |_| centre.set(false),
                                span { class: "font-medium", "{notice.title}" }
                            }
                            if !notice.body.is_empty() {
                                p { class: "text-slate-600 dark:text-slate-300", "{notice.body}" }
                            }
                            time { class: "text-xs text-slate-500",
                                "{locale.format(notice.at, Style::DateTime)}"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The toasts, bottom right, each for a few seconds, the newest few at most.
#[component]
pub fn Toasts() -> Element {
    let NoticeBoard { mut toasts, .. } = use_context::<NoticeBoard>();
    rsx! {
        div {
            id: "toasts",
            class: "pointer-events-none fixed bottom-4 right-4 z-50 flex w-80 max-w-[calc(100vw-2rem)] flex-col gap-2",
            role: "status",
            "aria-live": "polite",
            for notice in toasts() {
                div {
                    key: "{notice.id}",
                    class: "toast pointer-events-auto rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900",
                    "data-kind": notice.kind.as_str(),
                    div { class: "flex items-start gap-2",
                        a {
                            class: "flex-1 font-medium hover:underline",
                            href: "{notice.href}",
                            "{notice.title}"
                        }
                        button {
                            class: "rounded px-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800",
                            "aria-label": "Dismiss",
                            onclick: {
                                let id = notice.id.clone();
                                move |_| toasts.retain(|t| t.id != id)
                            },
                            "✕"
                        }
                    }
                    if !notice.body.is_empty() {
                        p { class: "mt-1 text-slate-600 dark:text-slate-300", "{notice.body}" }
                    }
                }
            }
        }
    }
}

/// The browser's permission for system notifications: `default`, `granted`, `denied`, or
/// `unsupported`.
fn permission() -> String {
    #[cfg(feature = "web")]
    return web::permission();
    #[cfg(not(feature = "web"))]
    "unsupported".into()
}

#[cfg_attr(not(feature = "web"), allow(unused_mut))]
fn ask_permission(mut answer: Signal<String>) {
    #[cfg(feature = "web")]
    web::ask_permission(move |now| answer.set(now));
    #[cfg(not(feature = "web"))]
    answer.set("unsupported".into());
}

#[cfg(feature = "web")]
mod web {
    use super::*;
    use crate::sync::Topic;
    use gloo_storage::{LocalStorage, Storage};
    use wasm_bindgen::{closure::Closure, JsValue};

    /// How long the inbox's write to this browser waits for more notices, in milliseconds.
    const SAVE_MS: u32 = 500;

    thread_local! {
        static KEY: std::cell::RefCell<String> = std::cell::RefCell::default();
        static SAVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Keeps the inbox in this browser.
    pub(super) fn keep(board: NoticeBoard) {
        KEY.with(|key| {
            let key = key.borrow();
            if !key.is_empty() {
                let _ = LocalStorage::set(key.as_str(), &*board.inbox.peek());
            }
        });
    }

    pub(super) async fn follow(mut board: NoticeBoard, session: SessionContext, key: String) {
        if let Ok(kept) = LocalStorage::get::<Inbox>(&key) {
            board.inbox.set(kept);
        }
        KEY.with(|slot| *slot.borrow_mut() = key);
        let mut health = HealthSeen::default();
        crate::sync::client::follow_all(
            &[Topic::ToolRunStatus, Topic::Fleet],
            move || board.live.set(true),
            move |topic, payload| {
                let at = js_sys::Date::now() as i64;
                let notice = match topic {
                    Topic::ToolRunStatus => from_approval(&payload, at),
                    Topic::Fleet => from_fleet(&payload, at, &mut health),
                    _ => None,
                };
                let Some(notice) = notice else {
                    return;
                };
                let allowed = session
                    .settings
                    .peek()
                    .as_ref()
                    .is_none_or(|all| wanted(&all.user.system.notifications, notice.kind));
                if !allowed || !board.inbox.write().add(notice.clone()) {
                    return;
                }
                // One write per burst: serialising the inbox for each of 50 events a second
                // cost more than the page's render of them.
                if !SAVING.replace(true) {
                    spawn(async move {
                        gloo_timers::future::TimeoutFuture::new(SAVE_MS).await;
                        SAVING.set(false);
                        keep(board);
                    });
                }
                system_notification(&notice);
                push_toast(&mut board.toasts.write(), notice.clone());
                spawn(async move {
                    gloo_timers::future::TimeoutFuture::new(TOAST_MS).await;
                    board.toasts.retain(|t| t.id != notice.id);
                });
            },
        )
        .await;
    }

    /// A system notification, while the page is out of sight and the user allowed them: through
    /// the service worker when one controls the page (the installed app; phones allow no other
    /// way), else directly. A click opens the notice's page (see `notificationclick` in sw.js).
    fn system_notification(notice: &Notice) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let hidden = window.document().is_some_and(|d| d.hidden());
        if !hidden || permission() != "granted" {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(&notice.body);
        options.set_tag(&notice.id);
        options.set_icon("/icons/icon-192.png");
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&data, &"href".into(), &notice.href.as_str().into());
        options.set_data(&data);
        let workers = window.navigator().service_worker();
        if workers.controller().is_none() {
            let _ = web_sys::Notification::new_with_options(&notice.title, &options);
            return;
        }
        let Ok(ready) = workers.ready() else {
            return;
        };
        let title = notice.title.clone();
        let show = Closure::once(move |registration: JsValue| {
            let registration: web_sys::ServiceWorkerRegistration = registration.into();
            let _ = registration.show_notification_with_options(&title, &options);
        });
        let _ = ready.then(&show);
        show.forget();
    }

    pub(super) fn permission() -> String {
        let supported = web_sys::window().is_some_and(|w| {
            js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false)
        });
        if !supported {
            return "unsupported".into();
        }
        match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted",
            web_sys::NotificationPermission::Denied => "denied",
            _ => "default",
        }
        .into()
    }

    pub(super) fn ask_permission(mut then: impl FnMut(String) + 'static) {
        let Ok(promise) = web_sys::Notification::request_permission() else {
            return;
        };
        let done = Closure::once(move |_: JsValue| then(permission()));
        let _ = promise.then(&done);
        done.forget();
    }
}
