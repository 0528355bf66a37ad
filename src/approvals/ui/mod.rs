//! `/approvals` — the queue of tool runs waiting for a human: pending first, oldest first, each
//! with agent, tool, pretty-printed arguments, risk, reason and time left. Approve, reject (with
//! an optional comment) or cancel one; select several and decide them in bulk, confirmed, with a
//! progress bar and every failure listed. New requests and decisions made elsewhere arrive live.
//! A long queue (up to 1,000 loaded) shows its first 100 rows, a count of the rest and "Show
//! more".
//! Keyboard: j/k move, x selects, a approves, r rejects, Enter opens the arguments. A call the
//! MCP gateway asked about shows its server, tool, rule and policy revision; an operator may edit
//! its arguments before approving, or always allow that tool for that agent; once approved, its
//! run shows live (running with a progress bar, then succeeded or failed).
//!
//! The page is put together here from its parts: the queue's state and handlers (`state`),
//! the toolbar, the bulk decision, the list and its rows; `queue` is the dashboard's widget.

mod bulk;
mod list;
mod live;
mod queue;
mod row;
mod state;
mod toolbar;

pub use queue::ApprovalQueue;

use super::{Approval, Status, Verdict};
use crate::auth::SessionContext;
use crate::pages::PageHeader;
use crate::settings::locale::lowercase;
use crate::ui::BUTTON_SMALL;
use dioxus::prelude::*;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::rc::Rc;

#[derive(Deserialize)]
#[cfg_attr(not(feature = "web"), allow(dead_code))]
struct LiveEvent {
    /// `requested`, `decided`, or `run` (a run's progress or outcome).
    #[serde(default)]
    event: String,
    approval: Approval,
}

/// Whether an approval stays in the queue as shown: pending ones always, decided ones when
/// asked for, and one whose tool runs now (its bar moves until the outcome).
fn stays(approval: &Approval, show_all: bool) -> bool {
    show_all || approval.status == Status::Pending || approval.run.is_some()
}

/// A bulk decision under way or done.
#[derive(Clone, Debug, PartialEq)]
struct Progress {
    verdict: Verdict,
    done: usize,
    total: usize,
    failures: Vec<(String, String)>,
}

/// Counts `id` as done in the bulk decision under way, unless it was counted already.
fn count_done(awaiting: &mut BTreeSet<String>, progress: &mut Option<Progress>, id: &str) {
    if let (true, Some(p)) = (awaiting.remove(id), progress.as_mut()) {
        p.done += 1;
    }
}

fn now() -> i64 {
    #[cfg(feature = "web")]
    return js_sys::Date::now() as i64;
    // The server renders the page with the time left as of now, as the browser then shows it.
    #[cfg(not(feature = "web"))]
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// "4 min left", "expired", or nothing without a deadline.
fn time_left(approval: &Approval, now: i64) -> Option<String> {
    let deadline = approval.deadline_at?;
    if approval.status != Status::Pending {
        return None;
    }
    let seconds = (deadline - now) / 1000;
    Some(match seconds {
        s if s <= 0 => "deadline passed".into(),
        s if s < 120 => format!("{s} s left"),
        s if s < 7200 => format!("{} min left", s / 60),
        s => format!("{} h left", s / 3600),
    })
}

/// Whether an approval matches the search (its tool, agent, reason or id, any case).
fn matches(approval: &Approval, search: &str) -> bool {
    search.is_empty()
        || [
            &approval.tool,
            &approval.agent_name,
            &approval.reason,
            &approval.id,
        ]
        .iter()
        .any(|text| lowercase(text).contains(search))
}

/// Keeps the list in queue order after a change. A run, once started, is never lost to an
/// older view of its approval arriving late (the decision read before the run began).
/// Approvals are shared (`Rc`) and replaced whole, so a render clones pointers and a row
/// compares its approval by pointer first (`Approval: Eq`).
fn upsert(list: &mut Vec<Rc<Approval>>, mut approval: Approval) {
    match list.iter_mut().find(|a| a.id == approval.id) {
        Some(slot) => {
            let newer_run = match (&slot.run, &approval.run) {
                (Some(kept), Some(now)) => kept.updated_at > now.updated_at,
                (Some(_), None) => true,
                _ => false,
            };
            if newer_run {
                approval.run = slot.run.clone();
            }
            *slot = Rc::new(approval);
        }
        None => list.push(Rc::new(approval)),
    }
    list.sort_by_key(|a| (a.status != Status::Pending, a.created_at));
}

/// Each approval of an answer shared with its row.
fn shared(items: Vec<Approval>) -> Vec<Rc<Approval>> {
    items.into_iter().map(Rc::new).collect()
}

/// The decisions that may be made on a pending approval, as buttons classed by their verb
/// (`approve`, `reject`, `cancel`), each calling `on_decide` with the approval's id and the verb.
/// (A function, not a component: it has no state, and a component's props machinery would be
/// copied into both the page's chunk and the dashboard's.)
fn decide_buttons(
    id: &str,
    verbs: &'static [(&'static str, &'static str)],
    on_decide: EventHandler<(String, &'static str)>,
) -> Element {
    rsx! {
        for (verb, label) in verbs {
            button {
                class: "{verb} {BUTTON_SMALL}",
                onclick: {
                    let id = id.to_string();
                    move |_| on_decide.call((id.clone(), *verb))
                },
                "{label}"
            }
        }
    }
}

/// `/approvals`.
#[component]
pub fn Approvals() -> Element {
    let session = use_context::<SessionContext>();
    let can_decide = (session.me)().is_some_and(|me| me.role.can_change_shared());
    let queue = state::use_queue()?;
    let bulk = bulk::use_bulk(queue);
    state::use_live(queue, bulk);
    let clock = state::use_clock();
    let handlers = state::use_row_handlers(queue);
    rsx! {
        PageHeader {
            title: "Approvals",
            summary: "Agents ask before they run risky tools. Decide here; the waiting agent hears at once.",
        }
        toolbar::Toolbar { queue, confirm: bulk.confirm, can_decide }
        if !can_decide && (session.me)().is_some() {
            p {
                id: "approvals-readonly",
                class: "mb-3 text-sm text-slate-600 dark:text-slate-300",
                "As a viewer you can follow the queue; an admin or operator decides."
            }
        }
        bulk::BulkConfirm { queue, bulk }
        bulk::BulkStatus { bulk }
        Message { message: queue.message }
        list::QueueList {
            queue,
            clock,
            can_decide,
            handlers,
        }
    }
}

/// The last decision's error, or what a gateway action did.
#[component]
fn Message(message: ReadSignal<Option<String>>) -> Element {
    rsx! {
        if let Some(text) = message() {
            p {
                role: "alert",
                class: "mb-3 text-sm text-red-700 dark:text-red-300",
                "{text}"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_of_a_bulk_decision_counts_once_whether_its_event_or_the_answer_comes_first() {
        let mut awaiting: BTreeSet<String> = ["a", "b"].map(String::from).into();
        let mut progress = Some(Progress {
            verdict: Verdict::Approve,
            done: 0,
            total: 2,
            failures: Vec::new(),
        });
        // a's live event, then the answer listing both; an event of another approval.
        for id in ["a", "x", "a", "b", "a"] {
            count_done(&mut awaiting, &mut progress, id);
        }
        assert_eq!(progress.map(|p| p.done), Some(2));
        assert!(awaiting.is_empty());
    }

    #[test]
    fn the_search_matches_tool_agent_reason_or_id_in_any_case() {
        let approval: Approval = serde_json::from_value(serde_json::json!({
            "id": "ap-1", "agentId": "a1", "agentName": "Navi-2", "tool": "deploy_service",
            "arguments": {}, "reason": "Roll out v2", "risk": "high", "status": "pending",
            "createdAt": 0
        }))
        .unwrap();
        for search in ["", "deploy", "navi", "roll out", "ap-1"] {
            assert!(matches(&approval, search), "{search}");
        }
        assert!(!matches(&approval, "delete"));
    }

    #[test]
    fn a_late_view_of_an_approval_keeps_the_run_already_shown() {
        let at = |run: Option<(&str, i64)>| -> Approval {
            let mut value = serde_json::json!({
                "id": "ap-1", "agentId": "a1", "agentName": "n", "tool": "t", "arguments": {},
                "reason": "", "risk": "low", "status": "approved", "createdAt": 0
            });
            if let Some((status, updated_at)) = run {
                value["run"] = serde_json::json!({ "status": status, "progress": null, "message": null, "result": null, "updatedAt": updated_at });
            }
            serde_json::from_value(value).unwrap()
        };
        let mut list = vec![Rc::new(at(Some(("succeeded", 20))))];
        upsert(&mut list, at(None));
        assert_eq!(
            list[0].run.as_ref().map(|r| r.status),
            Some(super::super::RunStatus::Succeeded)
        );
        upsert(&mut list, at(Some(("running", 10))));
        assert_eq!(list[0].run.as_ref().map(|r| r.updated_at), Some(20));
        upsert(&mut list, at(Some(("failed", 30))));
        assert_eq!(
            list[0].run.as_ref().map(|r| r.status),
            Some(super::super::RunStatus::Failed)
        );
    }
}
