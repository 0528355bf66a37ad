//! The approvals page's state and handlers: the queue as loaded and kept current by live events
//! ([`use_queue`], [`use_live`]), the clock the deadlines count down by, and the rows' handlers
//! (decide, approve with edited arguments, always allow), made once for the page's life.

use super::bulk::BulkDecision;
use super::live::{use_live_list, LiveList};
use super::{stays, upsert, Approval};
use crate::approvals::server_fns::{self, approve, cancel, reject};
use crate::approvals::{CancelQuery, Decision, ListQuery, MAX_LIST};
use crate::dashboard::provider::use_saved_filter;
use crate::dashboard::SavedFilter;
use crate::http::{use_api, Api, MaybeJson, QueryParams};
use crate::settings::locale::lowercase;
use dioxus::prelude::*;
use std::collections::BTreeSet;
use std::rc::Rc;

/// The queue: the approvals as loaded and kept current, the filters they are shown by, what is
/// selected, the comment sent with decisions and the last message.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Queue {
    /// The filters (decided ones shown, search), kept per user in the dashboard state.
    pub saved: Signal<SavedFilter>,
    pub show_all: Memo<bool>,
    pub answer: Api<Vec<Approval>>,
    /// The queue as loaded, then kept current by the live events.
    pub list: Signal<Vec<Rc<Approval>>>,
    live: LiveList,
    /// The search, lower case.
    pub search: Memo<String>,
    /// The approvals the search lets through, in queue order (worked out once per change, for
    /// the toolbar and the list both).
    shown: Memo<Vec<Rc<Approval>>>,
    pub selected: Signal<BTreeSet<String>>,
    pub comment: Signal<String>,
    pub message: Signal<Option<String>>,
}

impl Queue {
    /// Whether the last answer was as long as an answer may be: more may wait on the server.
    pub fn truncated(&self) -> bool {
        (self.live.loaded)() as i64 >= MAX_LIST
    }

    /// The approvals the search lets through, in queue order.
    pub fn visible(&self) -> Vec<Rc<Approval>> {
        (self.shown)()
    }

    /// The ids of the pending approvals the search lets through.
    pub fn pending_ids(&self) -> BTreeSet<String> {
        self.shown
            .read()
            .iter()
            .filter(|a| a.status == super::Status::Pending)
            .map(|a| a.id.clone())
            .collect()
    }

    /// The comment, unless blank.
    pub fn comment(&self) -> Option<String> {
        let text = (self.comment)();
        (!text.trim().is_empty()).then_some(text)
    }

    /// Loads the queue again.
    pub fn reload(&self) {
        self.answer.reload();
    }
}

/// The queue of the `/approvals` page, loaded for the filter shown.
pub(super) fn use_queue() -> Result<Queue, RenderError> {
    let saved = use_saved_filter("approvals");
    let show_all = use_memo(move || saved().values.get("status").is_some_and(|s| s == "all"));
    let answer = use_api(move || {
        let status = if show_all() { "all" } else { "pending" };
        // The whole queue, up to what one answer holds: the list shows its first rows, counts
        // the rest, and a bulk decision may take it all.
        server_fns::load::list(QueryParams(ListQuery::all_of(status)))
    })?;
    let live = use_live_list(answer, Some(show_all));
    let search = use_memo(move || lowercase(saved().search.trim()));
    let shown = use_memo(move || {
        let search = search();
        let list = live.list.read();
        list.iter()
            .filter(|a| super::matches(a, &search))
            .cloned()
            .collect()
    });
    Ok(Queue {
        saved,
        show_all,
        answer,
        list: live.list,
        live,
        search,
        shown,
        selected: use_signal(BTreeSet::new),
        comment: use_signal(String::new),
        message: use_signal(|| None),
    })
}

/// Live: requests and decisions made anywhere; a reconnect reloads what it may have missed.
#[cfg_attr(not(feature = "web"), allow(unused_variables))]
pub(super) fn use_live(queue: Queue, bulk: BulkDecision) {
    use_future(move || async move {
        #[cfg(feature = "web")]
        crate::sync::client::follow(
            crate::sync::Topic::ToolRunStatus,
            move || queue.reload(),
            move |payload| {
                if let Ok(event) = serde_json::from_value::<super::LiveEvent>(payload) {
                    if event.approval.status.is_terminal() {
                        bulk.count(&event.approval.id);
                    }
                    queue.live.apply(event);
                }
            },
        )
        .await;
    });
}

/// The time now, for the deadlines: it counts down each second.
pub(super) fn use_clock() -> Signal<i64> {
    #[cfg_attr(not(feature = "web"), allow(unused_mut))]
    let mut clock = use_signal(super::now);
    use_future(move || async move {
        #[cfg(feature = "web")]
        loop {
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            clock.set(super::now());
        }
    });
    clock
}

/// The rows' handlers. They keep their identity across renders, so a row whose props did not
/// change is not rendered again (a fresh closure never compares equal: every row re-rendered on
/// every event).
#[derive(Clone, Copy, PartialEq)]
pub(super) struct RowHandlers {
    /// Selects an approval, or drops it from the selection.
    pub toggle: Callback<String>,
    /// Approves, rejects or cancels one (`approve`, `reject`, `cancel`).
    pub decide: Callback<(String, &'static str)>,
    /// Approves one with the operator's arguments (JSON text).
    pub edit: Callback<(String, String)>,
    /// Always allows that tool for that agent (a rule first in the policy).
    pub always: Callback<String>,
}

pub(super) fn use_row_handlers(queue: Queue) -> RowHandlers {
    let mut selected = queue.selected;
    RowHandlers {
        toggle: use_callback(move |id: String| {
            let mut chosen = selected.write();
            if !chosen.remove(&id) {
                chosen.insert(id);
            }
        }),
        decide: use_decide(queue),
        edit: use_approve_edited(queue),
        always: use_always_allow(queue),
    }
}

fn use_decide(queue: Queue) -> Callback<(String, &'static str)> {
    let Queue {
        mut list,
        mut selected,
        mut message,
        show_all,
        ..
    } = queue;
    use_callback(move |(id, path): (String, &'static str)| {
        spawn(async move {
            let comment = queue.comment();
            // A decision answers with the approval, a cancellation with it inside `Withdrawn`;
            // a cancellation's comment is its reason, told to the waiting agent.
            let answer = match path {
                "cancel" => cancel(id.clone(), QueryParams(CancelQuery { reason: comment }))
                    .await
                    .map(|withdrawn| withdrawn.approval),
                verb => {
                    let decision = MaybeJson(Decision {
                        comment,
                        arguments: None,
                    });
                    match verb {
                        "reject" => reject(id.clone(), decision).await,
                        _ => approve(id.clone(), decision).await,
                    }
                }
            };
            match answer {
                Ok(approval) => {
                    // An approved gateway call stays to show its run.
                    let keep = stays(&approval, show_all())
                        || (approval.gate.is_some() && approval.allowed == Some(true));
                    if keep {
                        upsert(&mut list.write(), approval)
                    } else {
                        list.write().retain(|a| a.id != id)
                    }
                    selected.write().remove(&id);
                    message.set(None);
                }
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    })
}

fn use_approve_edited(queue: Queue) -> Callback<(String, String)> {
    let Queue {
        mut list,
        mut message,
        ..
    } = queue;
    use_callback(move |(id, text): (String, String)| {
        let arguments = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(arguments) => arguments,
            Err(err) => {
                message.set(Some(format!("The arguments are not JSON: {err}")));
                return;
            }
        };
        spawn(async move {
            let decision = Decision {
                arguments: Some(arguments),
                comment: queue.comment(),
            };
            match approve(id, MaybeJson(decision)).await {
                Ok(approval) => {
                    upsert(&mut list.write(), approval);
                    message.set(None);
                }
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    })
}

fn use_always_allow(queue: Queue) -> Callback<String> {
    let mut message = queue.message;
    use_callback(move |id: String| {
        spawn(async move {
            match crate::policies::server_fns::always_allow(id).await {
                Ok(saved) => message.set(Some(format!(
                    "Rule added first in the policy (revision {}): this agent's next calls of this tool run without asking.",
                    saved.revision
                ))),
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    })
}
