//! The dashboard's approval-queue widget: how many wait, the oldest five with approve and
//! reject, live; loading, empty and error (with retry) states; the page for the rest.

use super::live::use_live_list;
use super::{Approval, Status};
use crate::approvals::server_fns::{approve, load, reject};
use crate::approvals::{ListQuery, RunStatus};
use crate::auth::SessionContext;
use crate::http::{use_api, Loaded, MaybeJson, QueryParams};
use crate::ui::BUTTON_SMALL;
use dioxus::prelude::*;
use std::rc::Rc;

/// The dashboard's approval-queue widget: how many wait, the oldest five with approve and
/// reject, live; loading, empty and error (with retry) states; the page for the rest.
#[component]
pub fn ApprovalQueue() -> Element {
    let session = use_context::<SessionContext>();
    let can_decide = (session.me)().is_some_and(|me| me.role.can_change_shared());
    let answer = use_api(|| load::list(QueryParams(ListQuery::status("pending"))))?;
    // Pending ones, and a run until the widget loads again: its bar, then its outcome.
    let live = use_live_list(answer, None);
    let mut list = live.list;
    let reload = move || live.reload();
    use_future(move || async move {
        #[cfg(feature = "web")]
        crate::sync::client::follow(crate::sync::Topic::ToolRunStatus, reload, move |payload| {
            if let Ok(event) = serde_json::from_value::<super::LiveEvent>(payload) {
                live.apply(event);
            }
        })
        .await;
    });
    let decide = use_callback(move |(id, verb): (String, &'static str)| {
        spawn(async move {
            let decision = MaybeJson(Default::default());
            let answer = match verb {
                "reject" => reject(id.clone(), decision).await,
                _ => approve(id.clone(), decision).await,
            };
            if answer.is_ok() {
                list.write().retain(|a| a.id != id);
            }
        });
    });
    let items = list();
    match answer.status() {
        Loaded::Loading => {
            rsx! {
                p {
                    class: "queue-loading mt-3 text-sm text-slate-500",
                    role: "status",
                    "Loading the queue…"
                }
            }
        }
        Loaded::Failed(why) => rsx! {
            div {
                class: "queue-error mt-3 text-sm text-red-700 dark:text-red-300",
                role: "alert",
                "The queue could not be loaded: {why} "
                button { class: BUTTON_SMALL, onclick: move |_| reload(), "Retry" }
            }
        },
        Loaded::Ready(()) if items.is_empty() => {
            rsx! {
                p { class: "queue-empty mt-3 text-sm text-slate-600 dark:text-slate-300",
                    "Nothing waits for a decision."
                }
            }
        }
        Loaded::Ready(()) => {
            let waiting = items.iter().filter(|a| a.status == Status::Pending).count();
            rsx! {
                p {
                    class: "queue-count mt-2 text-2xl font-semibold",
                    "data-count": "{waiting}",
                    "{waiting} waiting"
                }
                ul { class: "mt-2 space-y-1 text-sm",
                    for approval in items.into_iter().take(5) {
                        QueueItem {
                            key: "{approval.id}",
                            approval,
                            can_decide,
                            on_decide: decide,
                        }
                    }
                }
                a {
                    href: "/approvals",
                    class: "mt-2 inline-block text-sm text-sky-700 underline dark:text-sky-300",
                    "Open approvals"
                }
            }
        }
    }
}

/// One approval in the widget: tool and agent, then its run or the approve and reject buttons.
#[component]
fn QueueItem(
    approval: Rc<Approval>,
    can_decide: bool,
    on_decide: EventHandler<(String, &'static str)>,
) -> Element {
    rsx! {
        li {
            class: "queue-item flex items-center gap-2",
            "data-id": "{approval.id}",
            span { class: "font-mono", "{approval.tool}" }
            span { class: "text-slate-500", "{approval.agent_name}" }
            if let Some(run) = approval.run.as_ref() {
                span {
                    class: "queue-run ml-auto text-xs font-medium",
                    "data-run": run.status.as_str(),
                    "{run.status.as_str()}"
                    if let Some(percent) = run.progress {
                        " {percent}%"
                    }
                }
                if run.status == RunStatus::Running {
                    progress {
                        class: "h-1.5 w-16",
                        max: "100",
                        value: run.progress.map(|p| p.to_string()).unwrap_or_default(),
                    }
                }
            } else if can_decide {
                span { class: "ml-auto flex gap-2",
                    {
                        super::decide_buttons(
                            &approval.id,
                            &[("approve", "Approve"), ("reject", "Reject")],
                            on_decide,
                        )
                    }
                }
            }
        }
    }
}
