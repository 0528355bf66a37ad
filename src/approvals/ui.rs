//! `/approvals` — the queue of tool runs waiting for a human: pending first, oldest first, each
//! with agent, tool, pretty-printed arguments, risk, reason and time left. Approve, reject (with
//! an optional comment) or cancel one; select several and decide them in bulk, confirmed, with a
//! progress bar and every failure listed. New requests and decisions made elsewhere arrive live.
//! Keyboard: j/k move, x selects, a approves, r rejects, Enter opens the arguments. A call the
//! MCP gateway asked about shows its server, tool, rule and policy revision; an operator may edit
//! its arguments before approving, or always allow that tool for that agent; once approved, its
//! run shows live (running with a progress bar, then succeeded or failed).

use super::{Approval, Bulk, BulkResult, Risk, Status, Verdict, Withdrawn, MAX_BULK};
use crate::auth::SessionContext;
use crate::dashboard::provider::use_saved_filter;
use crate::http::{call, use_api, use_synced, Loaded};
use crate::pages::PageHeader;
use crate::settings::locale::{lowercase, use_locale, Style};
use crate::ui::{BADGE, BUTTON_SMALL};
use dioxus::prelude::*;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::rc::Rc;

#[derive(Deserialize)]
struct BulkAnswer {
    results: Vec<BulkResult>,
}

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

/// `/approvals`.
#[component]
pub fn Approvals() -> Element {
    let session = use_context::<SessionContext>();
    let can_decide = (session.me)().is_some_and(|me| me.role.can_change_shared());
    // The filters (decided ones shown, search) are kept per user in the dashboard state.
    let mut saved = use_saved_filter("approvals");
    let show_all = use_memo(move || saved().values.get("status").is_some_and(|s| s == "all"));
    let answer = use_api::<Vec<Approval>>(move || {
        let status = if show_all() { "all" } else { "pending" };
        format!("/api/approvals?status={status}")
    })?;
    // The queue as loaded, then kept current by the live events.
    let mut list = use_synced(answer, shared);
    let search = use_memo(move || lowercase(saved().search.trim()));
    let mut selected = use_signal(BTreeSet::<String>::new);
    let mut cursor = use_signal(|| 0usize);
    let mut open = use_signal(|| None::<String>);
    let mut comment = use_signal(String::new);
    let mut confirm = use_signal(|| None::<Verdict>);
    let mut progress = use_signal(|| None::<Progress>);
    // The ids of the bulk decision under way not counted yet: each counts once, when its live
    // event arrives or else when the answer lists it.
    let mut awaiting = use_signal(BTreeSet::<String>::new);
    let mut message = use_signal(|| None::<String>);
    #[cfg_attr(not(feature = "web"), allow(unused_mut))]
    let mut clock = use_signal(now);

    let reload = move || answer.reload();
    // Live: requests and decisions made anywhere; a reconnect reloads what it may have missed.
    use_future(move || async move {
        #[cfg(feature = "web")]
        crate::sync::client::follow(crate::sync::Topic::ToolRunStatus, reload, move |payload| {
            if let Ok(event) = serde_json::from_value::<LiveEvent>(payload) {
                if event.approval.status.is_terminal()
                    && awaiting.peek().contains(&event.approval.id)
                {
                    count_done(
                        &mut awaiting.write(),
                        &mut progress.write(),
                        &event.approval.id,
                    );
                }
                let keep = stays(&event.approval, show_all()) || event.event == "run";
                let mut items = list.write();
                if keep {
                    upsert(&mut items, event.approval);
                } else {
                    items.retain(|a| a.id != event.approval.id);
                }
            }
        })
        .await;
    });
    // Time left counts down.
    use_future(move || async move {
        #[cfg(feature = "web")]
        loop {
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            clock.set(now());
        }
    });

    let decide = move |id: String, path: &'static str| {
        spawn(async move {
            let body = {
                let text = comment();
                (!text.trim().is_empty()).then(|| serde_json::json!({ "comment": text }))
            };
            // A decision answers with the approval, a cancellation with it inside `Withdrawn`.
            let answer = match path {
                "cancel" => call::<Withdrawn>("DELETE", &format!("/api/approvals/{id}"), body)
                    .await
                    .map(|withdrawn| withdrawn.approval),
                verb => {
                    call::<Approval>("POST", &format!("/api/approvals/{id}/{verb}"), body).await
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
    };
    // Approve with the operator's arguments (JSON text), or say why not.
    let approve_edited = move |(id, text): (String, String)| {
        let arguments = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(arguments) => arguments,
            Err(err) => {
                message.set(Some(format!("The arguments are not JSON: {err}")));
                return;
            }
        };
        spawn(async move {
            let note = comment();
            let body = serde_json::json!({
                "arguments": arguments,
                "comment": (!note.trim().is_empty()).then_some(note),
            });
            match call::<Approval>("POST", &format!("/api/approvals/{id}/approve"), Some(body))
                .await
            {
                Ok(approval) => {
                    upsert(&mut list.write(), approval);
                    message.set(None);
                }
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    };
    let always_allow = move |id: String| {
        spawn(async move {
            let path = format!("/api/approvals/{id}/always-allow");
            match call::<crate::policies::PolicyRevision>("POST", &path, None).await {
                Ok(saved) => message.set(Some(format!(
                    "Rule added first in the policy (revision {}): this agent's next calls of this tool run without asking.",
                    saved.revision
                ))),
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    };
    let mut run_bulk = move |verdict: Verdict| {
        confirm.set(None);
        let ids: Vec<String> = selected().into_iter().collect();
        awaiting.set(ids.iter().cloned().collect());
        progress.set(Some(Progress {
            verdict,
            done: 0,
            total: ids.len(),
            failures: Vec::new(),
        }));
        spawn(async move {
            let text = comment();
            let comment = (!text.trim().is_empty()).then_some(text);
            // One request (the server takes up to MAX_BULK ids); the page counts each decision
            // as its live event arrives.
            for chunk in ids.chunks(MAX_BULK) {
                let body = serde_json::to_value(Bulk {
                    ids: chunk.to_vec(),
                    decision: verdict,
                    comment: comment.clone(),
                })
                .ok();
                let results = match call::<BulkAnswer>("POST", "/api/approvals/bulk", body).await {
                    Ok(answer) => answer.results,
                    Err(err) => chunk
                        .iter()
                        .map(|id| BulkResult {
                            id: id.clone(),
                            ok: false,
                            status: None,
                            error: Some(err.body.error.clone()),
                        })
                        .collect(),
                };
                for result in results {
                    if result.ok {
                        selected.write().remove(&result.id);
                        if !show_all() {
                            list.write().retain(|a| a.id != result.id);
                        }
                    }
                    count_done(&mut awaiting.write(), &mut progress.write(), &result.id);
                    if let (false, Some(p)) = (result.ok, progress.write().as_mut()) {
                        p.failures
                            .push((result.id.clone(), result.error.unwrap_or_default()));
                    }
                }
            }
            if show_all() {
                reload();
            }
        });
    };

    let visible = move || -> Vec<Rc<Approval>> {
        let search = search();
        let list = list.read();
        list.iter()
            .filter(|a| matches(a, &search))
            .cloned()
            .collect()
    };
    let items = visible();
    let count = items.len();
    let pending: Vec<String> = items
        .iter()
        .filter(|a| a.status == Status::Pending)
        .map(|a| a.id.clone())
        .collect();
    let chosen = selected.read().len();
    let all_chosen = {
        let chosen = selected.read();
        !pending.is_empty() && pending.iter().all(|id| chosen.contains(id))
    };
    let at = cursor().min(count.saturating_sub(1));
    let now_ms = clock();

    let on_key = move |event: KeyboardEvent| {
        let items = visible();
        let Some(current) = items
            .get(cursor().min(items.len().saturating_sub(1)))
            .cloned()
        else {
            return;
        };
        match crate::shell::key_name(&event).as_str() {
            "j" => cursor.set((cursor() + 1).min(items.len() - 1)),
            "k" => cursor.set(cursor().saturating_sub(1)),
            "x" if current.status == Status::Pending => {
                let mut chosen = selected.write();
                if !chosen.remove(&current.id) {
                    chosen.insert(current.id.clone());
                }
            }
            "a" if can_decide && current.status == Status::Pending => {
                decide(current.id.clone(), "approve")
            }
            "r" if can_decide && current.status == Status::Pending => {
                decide(current.id.clone(), "reject")
            }
            "Enter" => open.set(if open() == Some(current.id.clone()) {
                None
            } else {
                Some(current.id.clone())
            }),
            _ => return,
        }
        event.prevent_default();
    };

    // The rows' handlers keep their identity across renders, so a row whose props did not change
    // is not rendered again (a fresh closure never compares equal: every row re-rendered on every
    // event).
    let on_toggle = use_callback(move |id: String| {
        let mut chosen = selected.write();
        if !chosen.remove(&id) {
            chosen.insert(id);
        }
    });
    let on_decide = use_callback(move |(id, verb): (String, &'static str)| decide(id, verb));
    let on_edit = use_callback(approve_edited);
    let on_always = use_callback(always_allow);

    rsx! {
        PageHeader {
            title: "Approvals",
            summary: "Agents ask before they run risky tools. Decide here; the waiting agent hears at once.",
        }
        div { class: "mb-4 flex flex-wrap items-center gap-3 text-sm",
            label { class: "flex items-center gap-2",
                input {
                    id: "select-all",
                    r#type: "checkbox",
                    checked: all_chosen,
                    disabled: pending.is_empty() || !can_decide,
                    onchange: move |e: FormEvent| {
                        if e.checked() {
                            selected.set(pending.iter().cloned().collect())
                        } else {
                            selected.set(BTreeSet::new())
                        }
                    },
                }
                "Select all"
            }
            input {
                id: "decision-comment",
                class: "min-w-48 flex-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 dark:border-slate-700 dark:bg-slate-950",
                placeholder: "Comment (optional), sent with your decisions",
                aria_label: "Comment",
                value: "{comment}",
                oninput: move |e| comment.set(e.value()),
            }
            button {
                id: "bulk-approve",
                "data-shortcut": "approve",
                class: BUTTON_SMALL,
                disabled: chosen == 0 || !can_decide,
                onclick: move |_| confirm.set(Some(Verdict::Approve)),
                "Approve selected ({chosen})"
            }
            button {
                id: "bulk-reject",
                class: BUTTON_SMALL,
                disabled: chosen == 0 || !can_decide,
                onclick: move |_| confirm.set(Some(Verdict::Reject)),
                "Reject selected ({chosen})"
            }
            label { class: "flex items-center gap-2",
                input {
                    id: "show-decided",
                    r#type: "checkbox",
                    checked: show_all(),
                    onchange: move |e: FormEvent| {
                        saved
                            .with_mut(|saved| {
                                if e.checked() {
                                    saved.values.insert("status".into(), "all".into());
                                } else {
                                    saved.values.remove("status");
                                }
                            })
                    },
                }
                "Show decided"
            }
            input {
                id: "approvals-search",
                "data-shortcut": "search",
                r#type: "search",
                class: "min-w-40 rounded-md border border-slate-300 bg-white px-3 py-1.5 dark:border-slate-700 dark:bg-slate-950",
                placeholder: "Search tool, agent, reason",
                aria_label: "Search approvals",
                value: "{saved().search}",
                oninput: move |e| saved.with_mut(|saved| saved.search = e.value()),
            }
        }
        if !can_decide && (session.me)().is_some() {
            p {
                id: "approvals-readonly",
                class: "mb-3 text-sm text-slate-600 dark:text-slate-300",
                "As a viewer you can follow the queue; an admin or operator decides."
            }
        }
        if let Some(verdict) = confirm() {
            div {
                id: "bulk-confirm",
                role: "dialog",
                aria_modal: "true",
                aria_labelledby: "bulk-confirm-title",
                class: "mb-4 rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950",
                p { id: "bulk-confirm-title", class: "font-medium",
                    if verdict == Verdict::Approve {
                        "Approve {chosen} tool runs?"
                    } else {
                        "Reject {chosen} tool runs?"
                    }
                }
                div { class: "mt-3 flex gap-2",
                    button {
                        id: "bulk-confirm-yes",
                        class: BUTTON_SMALL,
                        autofocus: true,
                        onclick: move |_| run_bulk(verdict),
                        "Yes, decide all"
                    }
                    button {
                        id: "bulk-confirm-no",
                        "data-shortcut": "close",
                        class: BUTTON_SMALL,
                        onclick: move |_| confirm.set(None),
                        "Keep them"
                    }
                }
            }
        }
        if let Some(p) = progress() {
            div {
                id: "bulk-status",
                class: "mb-4",
                role: "status",
                "data-done": "{p.done}",
                "data-total": "{p.total}",
                label { class: "block text-sm",
                    if p.done < p.total {
                        "Deciding… {p.done} of {p.total}"
                    } else {
                        "Done: {p.total - p.failures.len()} of {p.total} decided"
                    }
                    progress {
                        id: "bulk-progress",
                        class: "mt-1 block h-2 w-full",
                        max: "{p.total}",
                        value: "{p.done}",
                    }
                }
                if !p.failures.is_empty() {
                    ul {
                        id: "bulk-failures",
                        class: "mt-2 list-disc pl-5 text-sm text-red-700 dark:text-red-300",
                        for (id, why) in p.failures.iter() {
                            li { key: "{id}", "{id}: {why}" }
                        }
                    }
                }
            }
        }
        if let Some(text) = message() {
            p {
                role: "alert",
                class: "mb-3 text-sm text-red-700 dark:text-red-300",
                "{text}"
            }
        }
        match answer.status() {
            Loaded::Loading => rsx! {
                p { id: "approvals-loading", role: "status", class: "text-slate-500", "Loading the queue…" }
            },
            Loaded::Failed(why) => rsx! {
                div { role: "alert", class: "text-red-700 dark:text-red-300",
                    "The queue could not be loaded: {why} "
                    button { class: BUTTON_SMALL, onclick: move |_| reload(), "Retry" }
                }
            },
            Loaded::Ready(()) if items.is_empty() && !search().is_empty() => rsx! {
                p {
                    id: "approvals-no-match",
                    class: "rounded-lg border border-dashed border-slate-300 p-6 text-slate-600 dark:border-slate-700 dark:text-slate-300",
                    "No approval matches “{search}”."
                }
            },
            Loaded::Ready(()) if items.is_empty() => rsx! {
                p {
                    id: "approvals-empty",
                    class: "rounded-lg border border-dashed border-slate-300 p-6 text-slate-600 dark:border-slate-700 dark:text-slate-300",
                    "Nothing waits for a decision. New requests appear here as agents make them."
                }
            },
            Loaded::Ready(()) => rsx! {
                // A flex gap, not `space-y-2`: its sibling selector (`> * ~ *`) made Chromium
                // restyle every row when one was added (up to 10,000 elements, 200 ms).
                ul {
                    id: "approval-list",
                    role: "listbox",
                    tabindex: "0",
                    aria_label: "Approvals (j/k move, x select, a approve, r reject, Enter open)",
                    class: "flex flex-col gap-2 outline-none focus-visible:ring-2 focus-visible:ring-sky-600",
                    onkeydown: on_key,
                    for (i, approval) in items.into_iter().enumerate() {
                        ApprovalRow {
                            key: "{approval.id}",
                            current: i == at,
                            checked: selected.read().contains(&approval.id),
                            expanded: open.read().as_deref() == Some(approval.id.as_str()),
                            can_decide,
                            left: time_left(&approval, now_ms),
                            on_toggle,
                            on_decide,
                            on_edit,
                            on_always,
                            approval,
                        }
                    }
                }
            },
        }
    }
}

#[component]
fn ApprovalRow(
    approval: Rc<Approval>,
    current: bool,
    checked: bool,
    expanded: bool,
    can_decide: bool,
    left: Option<String>,
    on_toggle: EventHandler<String>,
    on_decide: EventHandler<(String, &'static str)>,
    on_edit: EventHandler<(String, String)>,
    on_always: EventHandler<String>,
) -> Element {
    let mut editing = use_signal(|| None::<String>);
    let (risk_text, risk_class) = match approval.risk {
        Risk::Low => (
            "low",
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
        ),
        Risk::Medium => (
            "medium",
            "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
        ),
        Risk::High => (
            "high",
            "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
        ),
    };
    let arguments = serde_json::to_string_pretty(&approval.arguments).unwrap_or_default();
    let pending = approval.status == Status::Pending;
    let locale = use_locale();
    let requested = locale.format(approval.created_at, Style::DateTime);
    let deadline = approval
        .deadline_at
        .map(|at| format!("deadline {}", locale.format(at, Style::DateTime)))
        .unwrap_or_default();
    let decided = approval
        .decided_at
        .map(|at| format!(" at {}", locale.format(at, Style::DateTime)))
        .unwrap_or_default();
    let id = approval.id.clone();
    let (a, b, c, d) = (id.clone(), id.clone(), id.clone(), id.clone());
    let (e, f) = (id.clone(), id.clone());
    let pretty = arguments.clone();
    rsx! {
        // Rows out of sight skip style, layout and paint (content-visibility), sized as last shown.
        li {
            class: if current { "approval rounded-lg border border-sky-500 bg-white p-3 ring-1 ring-sky-500 [content-visibility:auto] [contain-intrinsic-size:auto_7rem] dark:bg-slate-900" } else { "approval rounded-lg border border-slate-200 bg-white p-3 [content-visibility:auto] [contain-intrinsic-size:auto_7rem] dark:border-slate-800 dark:bg-slate-900" },
            role: "option",
            aria_selected: "{checked}",
            "data-id": "{id}",
            "data-status": approval.status.as_str(),
            "data-current": "{current}",
            div { class: "flex flex-wrap items-center gap-3",
                if pending && can_decide {
                    input {
                        class: "approval-select",
                        r#type: "checkbox",
                        checked,
                        aria_label: "Select {approval.tool}",
                        onchange: move |_| on_toggle.call(a.clone()),
                    }
                }
                span { class: "font-mono text-sm font-semibold", "{approval.tool}" }
                span { class: "{BADGE} {risk_class}", "{risk_text} risk" }
                span { class: "text-sm text-slate-600 dark:text-slate-300", "by {approval.agent_name}" }
                time {
                    class: "requested text-xs text-slate-500",
                    title: "requested",
                    "{requested}"
                }
                if let Some(left) = left {
                    span {
                        class: "time-left text-sm text-amber-700 dark:text-amber-300",
                        title: "{deadline}",
                        "{left}"
                    }
                }
                span { class: "approval-status ml-auto text-sm font-medium",
                    "{approval.status.as_str()}"
                }
                if pending && can_decide {
                    button {
                        class: "approve {BUTTON_SMALL}",
                        onclick: move |_| on_decide.call((b.clone(), "approve")),
                        "Approve"
                    }
                    button {
                        class: "reject {BUTTON_SMALL}",
                        onclick: move |_| on_decide.call((c.clone(), "reject")),
                        "Reject"
                    }
                    button {
                        class: "cancel {BUTTON_SMALL}",
                        onclick: move |_| on_decide.call((d.clone(), "cancel")),
                        "Cancel"
                    }
                }
            }
            if !approval.reason.is_empty() {
                p { class: "mt-1 text-sm", "{approval.reason}" }
            }
            if let Some(gate) = approval.gate.as_ref() {
                p { class: "approval-gate mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-300",
                    span { class: "font-mono", "{gate.server} / {gate.tool}" }
                    span { "{gate.rule} · policy revision {gate.revision}" }
                    if gate.original_arguments.is_some() {
                        span { class: "edited font-medium", "arguments edited" }
                    }
                    if can_decide {
                        button {
                            class: "always-allow {BUTTON_SMALL}",
                            onclick: move |_| on_always.call(f.clone()),
                            "Always allow this tool for {approval.agent_name}"
                        }
                    }
                }
            }
            if let Some(run) = approval.run.as_ref() {
                div {
                    class: "approval-run mt-2 text-sm",
                    "data-run": run.status.as_str(),
                    role: "status",
                    span { class: "font-medium", "Run {run.status.as_str()}" }
                    if let Some(percent) = run.progress {
                        " {percent}%"
                    }
                    if let Some(text) = run.message.as_ref() {
                        span { class: "text-slate-500", " · {text}" }
                    }
                    if run.status == super::RunStatus::Running {
                        progress {
                            class: "run-progress mt-1 block h-2 w-full",
                            max: "100",
                            value: run.progress.map(|p| p.to_string()).unwrap_or_default(),
                        }
                    }
                    if let Some(result) = run.result.as_ref() {
                        pre { class: "run-result mt-1 overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-950",
                            "{result}"
                        }
                    }
                }
            }
            if pending && can_decide {
                if let Some(text) = editing() {
                    div { class: "approval-edit mt-2",
                        label { class: "block text-xs text-slate-500",
                            "Arguments to run with (JSON)"
                            textarea {
                                class: "edit-arguments mt-1 block h-32 w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-950",
                                value: "{text}",
                                oninput: move |ev| editing.set(Some(ev.value())),
                            }
                        }
                        div { class: "mt-1 flex gap-2",
                            button {
                                class: "approve-edited {BUTTON_SMALL}",
                                onclick: move |_| on_edit.call((e.clone(), editing().unwrap_or_default())),
                                "Approve with these arguments"
                            }
                            button {
                                class: BUTTON_SMALL,
                                onclick: move |_| editing.set(None),
                                "Keep the agent's"
                            }
                        }
                    }
                } else {
                    button {
                        class: "edit {BUTTON_SMALL} mt-2",
                        onclick: move |_| editing.set(Some(pretty.clone())),
                        "Edit arguments"
                    }
                }
            }
            if let (Some(by), false) = (approval.decided_by.as_ref(), pending) {
                p { class: "mt-1 text-xs text-slate-500",
                    "{approval.status.as_str()} by {by}{decided}"
                    if let Some(comment) = approval.comment.as_ref() {
                        ": {comment}"
                    }
                }
            }
            details { open: expanded,
                summary { class: "mt-1 cursor-pointer text-xs text-slate-500", "Arguments" }
                pre { class: "mt-1 overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-950",
                    "{arguments}"
                }
            }
        }
    }
}

/// The dashboard's approval-queue widget: how many wait, the oldest five with approve and
/// reject, live; loading, empty and error (with retry) states; the page for the rest.
#[component]
pub fn ApprovalQueue() -> Element {
    let session = use_context::<SessionContext>();
    let can_decide = (session.me)().is_some_and(|me| me.role.can_change_shared());
    let answer = use_api::<Vec<Approval>>(|| "/api/approvals?status=pending".into())?;
    let mut list = use_synced(answer, shared);
    let reload = move || answer.reload();
    use_future(move || async move {
        #[cfg(feature = "web")]
        crate::sync::client::follow(crate::sync::Topic::ToolRunStatus, reload, move |payload| {
            if let Ok(event) = serde_json::from_value::<LiveEvent>(payload) {
                let items = &mut *list.write();
                items.retain(|a| a.id != event.approval.id);
                // A run shows until the page is loaded again: its bar, then its outcome.
                if event.approval.status == Status::Pending || event.approval.run.is_some() {
                    upsert(items, event.approval);
                }
            }
        })
        .await;
    });
    let decide = move |id: String, verb: &'static str| {
        spawn(async move {
            if call::<Approval>("POST", &format!("/api/approvals/{id}/{verb}"), None)
                .await
                .is_ok()
            {
                list.write().retain(|a| a.id != id);
            }
        });
    };
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
                        li {
                            key: "{approval.id}",
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
                                if run.status == super::RunStatus::Running {
                                    progress {
                                        class: "h-1.5 w-16",
                                        max: "100",
                                        value: run.progress.map(|p| p.to_string()).unwrap_or_default(),
                                    }
                                }
                            } else if can_decide {
                                button {
                                    class: "approve ml-auto {BUTTON_SMALL}",
                                    onclick: {
                                        let id = approval.id.clone();
                                        move |_| decide(id.clone(), "approve")
                                    },
                                    "Approve"
                                }
                                button {
                                    class: "reject {BUTTON_SMALL}",
                                    onclick: {
                                        let id = approval.id.clone();
                                        move |_| decide(id.clone(), "reject")
                                    },
                                    "Reject"
                                }
                            }
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
