//! One entry in the audit page's list: when, who, what, on which resource; its before and after
//! as a table of changed fields, on demand.

use crate::audit::diff::{diff, show, Change};
use crate::audit::AuditEntry;
use crate::ui::{BADGE, MUTED};
use dioxus::prelude::*;
use std::rc::Rc;

/// Who acted: the user's email, else the agent, else the server itself.
fn actor(entry: &AuditEntry) -> String {
    match (&entry.user_email, &entry.user_id, &entry.agent_id) {
        (Some(email), _, _) => email.clone(),
        (None, _, Some(agent)) => format!("agent {agent}"),
        (None, Some(user), None) => user.clone(),
        (None, None, None) => "system".into(),
    }
}

/// One change as the diff table's cells: its path, its kind, the value before and after (empty
/// where there is none).
fn cells((path, change): (String, Change)) -> (String, &'static str, String, String) {
    match change {
        Change::Added(after) => (path, "added", String::new(), show(&after)),
        Change::Removed(before) => (path, "removed", show(&before), String::new()),
        Change::Changed(before, after) => (path, "changed", show(&before), show(&after)),
    }
}

/// One entry: when, who, what, on which resource; its changes on demand.
#[component]
pub(super) fn EntryRow(
    entry: Rc<AuditEntry>,
    when: String,
    expanded: bool,
    on_toggle: EventHandler<String>,
) -> Element {
    let changes = diff(entry.before_state.as_ref(), entry.after_state.as_ref());
    let resource = match &entry.resource_id {
        Some(id) => format!("{} {id}", entry.resource_type),
        None => entry.resource_type.clone(),
    };
    let id = entry.id.clone();
    rsx! {
        // Rows out of sight skip style, layout and paint (content-visibility), sized as last
        // shown: the list keeps its rows from one search to the next, so the skipped ones stay
        // skipped (new rows would be laid out twice, at the placeholder's size and then their own).
        li {
            class: "audit-entry px-4 py-3 [content-visibility:auto] [contain-intrinsic-size:auto_3rem]",
            "data-action": "{entry.action}",
            "data-id": "{entry.id}",
            div { class: "flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm",
                time { class: "font-mono text-xs {MUTED}", "{when}" }
                span { class: "actor font-medium", "{actor(&entry)}" }
                code { class: "action {BADGE} bg-slate-100 dark:bg-slate-800", "{entry.action}" }
                span { class: "resource min-w-0 break-all {MUTED}", "{resource}" }
                if !changes.is_empty() {
                    button {
                        class: "diff-toggle ml-auto text-sm text-sky-700 underline-offset-2 hover:underline dark:text-sky-400",
                        "aria-expanded": "{expanded}",
                        onclick: move |_| on_toggle.call(id.clone()),
                        if expanded {
                            "Hide changes"
                        } else {
                            "Show {changes.len()} changes"
                        }
                    }
                }
            }
            if expanded {
                table { class: "diff mt-2 w-full table-fixed text-left text-xs",
                    thead {
                        tr { class: MUTED,
                            th { class: "w-1/4 py-1 font-medium", "Field" }
                            th { class: "py-1 font-medium", "Before" }
                            th { class: "py-1 font-medium", "After" }
                        }
                    }
                    tbody { class: "font-mono",
                        for (path, kind, before, after) in changes.into_iter().map(cells) {
                            tr {
                                key: "{path}",
                                class: "change align-top",
                                "data-change": kind,
                                td { class: "break-all py-0.5 pr-2", "{path}" }
                                td { class: "break-all py-0.5 pr-2 text-rose-700 dark:text-rose-300",
                                    if !before.is_empty() {
                                        del { "{before}" }
                                    }
                                }
                                td { class: "break-all py-0.5 text-emerald-700 dark:text-emerald-300",
                                    if !after.is_empty() {
                                        ins { class: "no-underline", "{after}" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_shown_as_its_cells() {
        use serde_json::json;
        let cells = |change| cells(("tool".into(), change));
        assert_eq!(
            cells(Change::Added(json!("deploy"))),
            ("tool".into(), "added", String::new(), "deploy".into())
        );
        assert_eq!(
            cells(Change::Removed(json!(3))),
            ("tool".into(), "removed", "3".into(), String::new())
        );
        assert_eq!(
            cells(Change::Changed(json!(true), json!(false))),
            ("tool".into(), "changed", "true".into(), "false".into())
        );
    }

    #[test]
    fn the_actor_is_the_person_then_the_agent_then_the_system() {
        let mut entry = AuditEntry {
            id: "e".into(),
            timestamp: 0,
            workspace_id: None,
            user_id: Some("u1".into()),
            agent_id: None,
            action: "a".into(),
            resource_type: "t".into(),
            resource_id: None,
            before_state: None,
            after_state: None,
            metadata: serde_json::Value::Null,
            hash: None,
            user_email: Some("ada@example.com".into()),
        };
        assert_eq!(actor(&entry), "ada@example.com");
        entry.user_email = None;
        assert_eq!(actor(&entry), "u1");
        entry.user_id = None;
        entry.agent_id = Some("pulse-1".into());
        assert_eq!(actor(&entry), "agent pulse-1");
        entry.agent_id = None;
        assert_eq!(actor(&entry), "system");
    }
}
