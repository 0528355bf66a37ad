//! One approval in the approvals page's list: agent, tool, risk, reason, time left and the
//! decide buttons; a gateway call's server, rule and revision; its run, live; the arguments, to
//! read or (before approving) to edit.

use super::{Approval, Status};
use crate::approvals::{Risk, RunStatus};
use crate::settings::locale::{use_locale, Locale, Style};
use crate::ui::{BADGE, BUTTON_SMALL};
use dioxus::prelude::*;
use std::rc::Rc;

/// A risk's name and its badge's colours.
fn risk_badge(risk: Risk) -> (&'static str, &'static str) {
    match risk {
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
    }
}

/// One approval; its handlers come from the page (`use_callback`), so it renders again only
/// when its approval or its place (current, checked, open, time left) changes.
#[component]
pub(super) fn ApprovalRow(
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
    let (risk_text, risk_class) = risk_badge(approval.risk);
    let arguments = serde_json::to_string_pretty(&approval.arguments).unwrap_or_default();
    let pending = approval.status == Status::Pending;
    let (requested, deadline, decided) = times(&approval, &use_locale());
    let id = approval.id.clone();
    let a = id.clone();
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
                    {
                        super::decide_buttons(
                            &id,
                            &[("approve", "Approve"), ("reject", "Reject"), ("cancel", "Cancel")],
                            on_decide,
                        )
                    }
                }
            }
            if !approval.reason.is_empty() {
                p { class: "mt-1 text-sm", "{approval.reason}" }
            }
            if approval.gate.is_some() {
                GateLine {
                    approval: approval.clone(),
                    can_decide,
                    on_always,
                }
            }
            if approval.run.is_some() {
                RunLine { approval: approval.clone() }
            }
            if pending && can_decide {
                ArgumentsEditor {
                    id: id.clone(),
                    arguments: arguments.clone(),
                    on_edit,
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

/// When it was asked, its deadline and when it was decided, as the row says them.
fn times(approval: &Approval, locale: &Locale) -> (String, String, String) {
    let requested = locale.format(approval.created_at, Style::DateTime);
    let deadline = approval
        .deadline_at
        .map(|at| format!("deadline {}", locale.format(at, Style::DateTime)))
        .unwrap_or_default();
    let decided = approval
        .decided_at
        .map(|at| format!(" at {}", locale.format(at, Style::DateTime)))
        .unwrap_or_default();
    (requested, deadline, decided)
}

/// A gateway call's server and tool, the rule that asked and the policy's revision; always
/// allowing the tool for the agent.
#[component]
fn GateLine(approval: Rc<Approval>, can_decide: bool, on_always: EventHandler<String>) -> Element {
    let Some(gate) = approval.gate.as_ref() else {
        return rsx! {};
    };
    let id = approval.id.clone();
    rsx! {
        p { class: "approval-gate mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-300",
            span { class: "font-mono", "{gate.server} / {gate.tool}" }
            span { "{gate.rule} · policy revision {gate.revision}" }
            if gate.original_arguments.is_some() {
                span { class: "edited font-medium", "arguments edited" }
            }
            if can_decide {
                button {
                    class: "always-allow {BUTTON_SMALL}",
                    onclick: move |_| on_always.call(id.clone()),
                    "Always allow this tool for {approval.agent_name}"
                }
            }
        }
    }
}

/// An approved call's run: running with a progress bar, then its outcome.
#[component]
fn RunLine(approval: Rc<Approval>) -> Element {
    let Some(run) = approval.run.as_ref() else {
        return rsx! {};
    };
    rsx! {
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
            if run.status == RunStatus::Running {
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
}

/// The arguments to approve with, edited (or the button that starts editing them).
#[component]
fn ArgumentsEditor(
    id: String,
    arguments: String,
    on_edit: EventHandler<(String, String)>,
) -> Element {
    let mut editing = use_signal(|| None::<String>);
    rsx! {
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
                        onclick: move |_| on_edit.call((id.clone(), editing().unwrap_or_default())),
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
                onclick: move |_| editing.set(Some(arguments.clone())),
                "Edit arguments"
            }
        }
    }
}
