//! `/policies` — the MCP gateway's rules, in order, and the default. Everyone reads them;
//! operators and admins add, remove and reorder rules, try the change on the last 100 calls (a
//! dry run) and save it as a new revision. A save from a stale revision is refused and says who
//! saved in between.

use super::server_fns;
use super::{ArgumentMatch, DryRun, Effect, Hint, Policy, PolicyRevision, PolicyUpdate, Rule};
use crate::auth::SessionContext;
use crate::http::{use_answers, use_api, Api, JsonBody};
use crate::pages::PageHeader;
use crate::ui::{BUTTON_SMALL, FIELD};
use dioxus::prelude::*;

/// The policy as loaded, and the rules being edited.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    saved: PolicyRevision,
    policy: Policy,
}

fn effect_of(text: &str) -> Effect {
    Effect::parse(text).unwrap_or_default()
}

/// The rule the add form describes, or why not.
fn new_rule(
    server: &str,
    tool: &str,
    agent: &str,
    pointer: &str,
    glob: &str,
    effect: &str,
) -> Result<Rule, String> {
    let or_any = |text: &str| match text.trim() {
        "" => "*".to_owned(),
        text => text.to_owned(),
    };
    let argument = match (pointer.trim(), glob.trim()) {
        ("", "") => None,
        (pointer, glob) if pointer.starts_with('/') && !glob.is_empty() => Some(ArgumentMatch {
            pointer: pointer.to_owned(),
            equals: None,
            glob: Some(glob.to_owned()),
        }),
        _ => return Err("an argument condition needs a JSON pointer (/path) and a glob".into()),
    };
    Ok(Rule {
        agent: (!agent.trim().is_empty()).then(|| agent.trim().to_owned()),
        server: or_any(server),
        tool: or_any(tool),
        argument,
        hint: None,
        effect: effect_of(effect),
        note: String::new(),
    })
}

/// The page's state: the draft (loading, failed, or loaded), the dry run's answer and the last
/// message, with what changes them.
#[derive(Clone, Copy, PartialEq)]
struct PolicyEditor {
    saved: Api<PolicyRevision>,
    draft: Signal<Option<Result<Draft, String>>>,
    dry: Signal<Option<DryRun>>,
    message: Signal<Option<(bool, String)>>,
}

impl PolicyEditor {
    /// Loads the saved policy again, dropping the changes.
    fn reload(self) {
        self.saved.reload();
    }

    /// Changes the rules being edited (the last dry run no longer holds).
    fn edit(self, change: impl FnOnce(&mut Policy)) {
        let Self {
            mut draft, mut dry, ..
        } = self;
        if let Some(Ok(now)) = draft.write().as_mut() {
            change(&mut now.policy);
        }
        dry.set(None);
    }

    /// Tries the rules being edited on the last 100 calls.
    fn try_it(self) {
        let Self {
            draft,
            mut dry,
            mut message,
            ..
        } = self;
        let Some(Ok(now)) = draft() else { return };
        spawn(async move {
            match server_fns::dry_run(JsonBody(now.policy.clone())).await {
                Ok(result) => dry.set(Some(result)),
                Err(err) => message.set(Some((false, err.body.error))),
            }
        });
    }

    /// Saves the rules being edited as a new revision of the one they started from.
    fn save(self) {
        let Self {
            mut draft,
            mut message,
            ..
        } = self;
        let Some(Ok(now)) = draft() else { return };
        spawn(async move {
            let update = JsonBody(PolicyUpdate {
                base_revision: now.saved.revision,
                policy: now.policy.clone(),
            });
            match server_fns::save(update).await {
                Ok(saved) => {
                    message.set(Some((
                        true,
                        format!("Saved as revision {}.", saved.revision),
                    )));
                    draft.set(Some(Ok(Draft {
                        policy: saved.policy.clone(),
                        saved,
                    })));
                }
                Err(err) => message.set(Some((false, err.body.error))),
            }
        });
    }
}

/// The policy as saved (the server renders the page with it), and the draft made from it.
fn use_policy_editor() -> Result<PolicyEditor, RenderError> {
    let saved = use_api(super::server_fns::load::read)?;
    let mut editor = PolicyEditor {
        saved,
        draft: use_signal(|| None::<Result<Draft, String>>),
        dry: use_signal(|| None::<DryRun>),
        message: use_signal(|| None::<(bool, String)>),
    };
    // Each load starts the draft again from what is saved.
    use_answers(saved, move |answer| {
        let draft = answer.map(|saved| Draft {
            policy: saved.policy.clone(),
            saved,
        });
        editor.draft.set(Some(draft.map_err(|err| err.body.error)));
        editor.dry.set(None);
    });
    Ok(editor)
}

/// `/policies`.
#[component]
pub fn Policies() -> Element {
    let session = use_context::<SessionContext>();
    let can_edit = (session.me)().is_some_and(|me| me.role.can_change_shared());
    let editor = use_policy_editor()?;
    rsx! {
        PageHeader {
            title: "Policies",
            summary: "What an agent's MCP tool call through the gateway gets: the first rule that matches decides, else the default.",
        }
        PolicyMessage { message: editor.message }
        match (editor.draft)() {
            None => rsx! {
                p { id: "policies-loading", role: "status", class: "text-slate-500", "Loading the policy…" }
            },
            Some(Err(why)) => rsx! {
                div { role: "alert", class: "text-red-700 dark:text-red-300",
                    "The policy could not be loaded: {why} "
                    button { class: BUTTON_SMALL, onclick: move |_| editor.reload(), "Retry" }
                }
            },
            Some(Ok(now)) => rsx! {
                PolicyView { now, can_edit, editor }
            },
        }
    }
}

/// What the last save or dry run said.
#[component]
fn PolicyMessage(message: ReadSignal<Option<(bool, String)>>) -> Element {
    let Some((ok, text)) = message() else {
        return rsx! {};
    };
    rsx! {
        p {
            id: "policy-message",
            role: if ok { "status" } else { "alert" },
            class: if ok { "mb-3 text-sm text-emerald-700 dark:text-emerald-300" } else { "mb-3 text-sm text-red-700 dark:text-red-300" },
            "{text}"
        }
    }
}

/// The loaded policy: its revision, the rules, the default, and (for editors) the add form and
/// the actions.
#[component]
fn PolicyView(now: Draft, can_edit: bool, editor: PolicyEditor) -> Element {
    let changed = now.policy != now.saved.policy;
    rsx! {
        p {
            id: "policy-revision",
            class: "mb-3 text-sm text-slate-600 dark:text-slate-300",
            "data-revision": "{now.saved.revision}",
            if now.saved.revision == 0 {
                "Revision 0: nobody has saved rules yet, so every call is asked about."
            } else {
                "Revision {now.saved.revision}, saved by {now.saved.created_by}."
            }
        }
        RulesTable { rules: now.policy.rules.clone(), can_edit, editor }
        label { class: "mb-4 flex items-center gap-2 text-sm",
            "Otherwise"
            select {
                id: "policy-default",
                class: FIELD,
                disabled: !can_edit,
                value: now.policy.default.as_str(),
                onchange: move |e: FormEvent| {
                    let effect = effect_of(&e.value());
                    editor.edit(|policy| policy.default = effect)
                },
                option { value: "ask", "ask" }
                option { value: "allow", "allow" }
                option { value: "deny", "deny" }
            }
        }
        if can_edit {
            AddRule { on_add: move |rule: Rule| editor.edit(|policy| policy.rules.push(rule)) }
            PolicyActions { changed, editor }
        } else {
            p {
                id: "policies-readonly",
                class: "text-sm text-slate-600 dark:text-slate-300",
                "As a viewer you can read the rules; an admin or operator changes them."
            }
        }
        if let Some(result) = (editor.dry)() {
            DryRunView { result }
        }
    }
}

/// The rules in order; editors move and remove them.
#[component]
fn RulesTable(rules: Vec<Rule>, can_edit: bool, editor: PolicyEditor) -> Element {
    let count = rules.len();
    rsx! {
        table { id: "policy-rules", class: "mb-4 w-full text-left text-sm",
            thead {
                tr { class: "border-b border-slate-200 dark:border-slate-800",
                    th { class: "py-1", "#" }
                    th { "Agent" }
                    th { "Server" }
                    th { "Tool" }
                    th { "Condition" }
                    th { "Effect" }
                    th { "Note" }
                    if can_edit {
                        th {
                            span { class: "sr-only", "Actions" }
                        }
                    }
                }
            }
            tbody {
                for (i, rule) in rules.into_iter().enumerate() {
                    RuleRow {
                        key: "{i}",
                        index: i,
                        last: i + 1 == count,
                        rule,
                        can_edit,
                        on_move: move |(from, to): (usize, usize)| editor.edit(|policy| policy.rules.swap(from, to)),
                        on_remove: move |at: usize| {
                            editor
                                .edit(|policy| {
                                    policy.rules.remove(at);
                                })
                        },
                    }
                }
                if count == 0 {
                    tr {
                        td { colspan: "8", class: "py-2 text-slate-500", "No rules." }
                    }
                }
            }
        }
    }
}

/// Try, save or discard the changes.
#[component]
fn PolicyActions(changed: bool, editor: PolicyEditor) -> Element {
    rsx! {
        div { class: "mt-4 flex flex-wrap gap-2",
            button {
                id: "policy-dry-run",
                class: BUTTON_SMALL,
                onclick: move |_| editor.try_it(),
                "Try on the last 100 calls"
            }
            button {
                id: "policy-save",
                class: BUTTON_SMALL,
                disabled: !changed,
                onclick: move |_| editor.save(),
                "Save as a new revision"
            }
            button {
                id: "policy-discard",
                class: BUTTON_SMALL,
                disabled: !changed,
                onclick: move |_| editor.reload(),
                "Discard changes"
            }
        }
    }
}

#[component]
fn RuleRow(
    index: usize,
    last: bool,
    rule: Rule,
    can_edit: bool,
    on_move: EventHandler<(usize, usize)>,
    on_remove: EventHandler<usize>,
) -> Element {
    let condition = match (&rule.argument, rule.hint) {
        (Some(argument), _) => match (&argument.equals, &argument.glob) {
            (Some(value), _) => format!("{} = {value}", argument.pointer),
            (None, Some(glob)) => format!("{} ~ {glob}", argument.pointer),
            _ => String::new(),
        },
        (None, Some(Hint::ReadOnly)) => "says it is read-only".into(),
        (None, Some(Hint::Destructive)) => "says it is destructive".into(),
        (None, None) => String::new(),
    };
    rsx! {
        tr {
            class: "policy-rule border-b border-slate-100 dark:border-slate-800",
            "data-effect": rule.effect.as_str(),
            td { class: "py-1", "{index + 1}" }
            td { class: "font-mono", {rule.agent.clone().unwrap_or_else(|| "*".into())} }
            td { class: "font-mono", "{rule.server}" }
            td { class: "font-mono", "{rule.tool}" }
            td { class: "font-mono", "{condition}" }
            td { class: "font-medium", "{rule.effect.as_str()}" }
            td { class: "text-slate-500", "{rule.note}" }
            if can_edit {
                td { class: "flex gap-1 py-1",
                    button {
                        class: BUTTON_SMALL,
                        disabled: index == 0,
                        aria_label: "Move rule {index + 1} up",
                        onclick: move |_| on_move.call((index, index - 1)),
                        "↑"
                    }
                    button {
                        class: BUTTON_SMALL,
                        disabled: last,
                        aria_label: "Move rule {index + 1} down",
                        onclick: move |_| on_move.call((index, index + 1)),
                        "↓"
                    }
                    button {
                        class: "remove-rule {BUTTON_SMALL}",
                        aria_label: "Remove rule {index + 1}",
                        onclick: move |_| on_remove.call(index),
                        "Remove"
                    }
                }
            }
        }
    }
}

#[component]
fn AddRule(on_add: EventHandler<Rule>) -> Element {
    let mut fields = use_signal(|| ["", "", "", "", "", "allow"].map(String::from));
    let mut problem = use_signal(|| None::<String>);
    let input = move |at: usize, id: &'static str, label: &'static str, hint: &'static str| {
        rsx! {
            label { class: "flex flex-col gap-1 text-xs",
                "{label}"
                input {
                    id,
                    class: FIELD,
                    placeholder: hint,
                    value: "{fields.read()[at]}",
                    oninput: move |e| fields.write()[at] = e.value(),
                }
            }
        }
    };
    let add = move |_| {
        let f = fields();
        match new_rule(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5]) {
            Ok(rule) => {
                on_add.call(rule);
                problem.set(None);
                fields.set(["", "", "", "", "", "allow"].map(String::from));
            }
            Err(why) => problem.set(Some(why)),
        }
    };
    rsx! {
        fieldset {
            id: "policy-add",
            class: "rounded-lg border border-slate-200 p-3 dark:border-slate-800",
            legend { class: "px-1 text-sm font-medium", "Add a rule" }
            div { class: "flex flex-wrap items-end gap-2",
                {input(0, "rule-server", "Server", "* or a name")}
                {input(1, "rule-tool", "Tool", "* or a glob")}
                {input(2, "rule-agent", "Agent (optional)", "any")}
                {input(3, "rule-pointer", "Argument (optional)", "/path")}
                {input(4, "rule-glob", "matches", "/tmp/*")}
                label { class: "flex flex-col gap-1 text-xs",
                    "Effect"
                    select {
                        id: "rule-effect",
                        class: FIELD,
                        value: "{fields.read()[5]}",
                        onchange: move |e: FormEvent| fields.write()[5] = e.value(),
                        option { value: "allow", "allow" }
                        option { value: "ask", "ask" }
                        option { value: "deny", "deny" }
                    }
                }
                button { id: "rule-add", class: BUTTON_SMALL, onclick: add, "Add" }
            }
            if let Some(why) = problem() {
                p {
                    role: "alert",
                    class: "mt-2 text-sm text-red-700 dark:text-red-300",
                    "{why}"
                }
            }
        }
    }
}

#[component]
fn DryRunView(result: DryRun) -> Element {
    let total = result.calls.len();
    rsx! {
        section {
            id: "policy-dry-run-result",
            class: "mt-4",
            "data-changed": "{result.changed}",
            h2 { class: "mb-2 font-medium",
                "{result.changed} of the last {total} calls would get another effect"
            }
            ul { class: "space-y-1 text-sm",
                for call in result.calls.iter().filter(|c| c.would != c.call.effect) {
                    li {
                        key: "{call.call.id}",
                        class: "dry-run-change font-mono",
                        "{call.call.server}/{call.call.tool}: {call.call.effect.as_str()} → {call.would.as_str()}"
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
    fn the_add_form_reads_blanks_as_any_and_needs_both_halves_of_a_condition() {
        let rule = new_rule("", "echo", "", "", "", "deny").unwrap();
        assert_eq!((rule.server.as_str(), rule.tool.as_str()), ("*", "echo"));
        assert_eq!((rule.agent, rule.effect), (None, Effect::Deny));
        let rule = new_rule("files", "write", "codex", "/path", "/etc/*", "ask").unwrap();
        assert_eq!(rule.agent.as_deref(), Some("codex"));
        assert_eq!(rule.argument.unwrap().glob.as_deref(), Some("/etc/*"));
        assert!(new_rule("", "", "", "/path", "", "ask").is_err());
        assert!(new_rule("", "", "", "path", "x", "ask").is_err());
    }
}
