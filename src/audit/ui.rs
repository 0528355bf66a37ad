//! `/audit` — the audit log page: entries newest first, filtered by days, user, action, resource
//! type and free text (the filters are kept in the dashboard state, so they come back after a
//! reload and on other devices); pages by cursor; each entry's before and after as a diff; the
//! current filter exported as CSV; and whether the workspace's hash chain is intact.

use super::diff::{diff, show, Change};
use super::{AuditEntry, AuditFacets, AuditFilter, AuditPage, ChainReport};
use crate::dashboard::provider::use_saved_filter;
use crate::dashboard::SavedFilter;
use crate::http::{use_api, Api, Loaded};
use crate::pages::PageHeader;
use crate::settings::locale::{use_locale, use_timezone, Style};
use crate::ui::{BADGE, BUTTON, MUTED};
use dioxus::prelude::*;
use std::rc::Rc;

/// Entries per page.
const PAGE: usize = 50;

const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

/// The page's saved filter as the API's.
fn to_filter(saved: &SavedFilter) -> AuditFilter {
    let value = |key: &str| saved.values.get(key).cloned().unwrap_or_default();
    AuditFilter {
        user_id: value("user_id"),
        resource_type: value("resource_type"),
        action: value("action"),
        date_from: value("date_from"),
        date_to: value("date_to"),
        q: saved.search.clone(),
    }
}

/// A page as the list shows it: each entry shared with its row, so a render of the page clones
/// pointers, and a row whose entry is the same `Rc` is not rendered again.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    entries: Vec<Rc<AuditEntry>>,
    next_cursor: Option<String>,
}

impl From<AuditPage> for Shown {
    fn from(page: AuditPage) -> Self {
        Self {
            entries: page.entries.into_iter().map(Rc::new).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// Who acted: the user's email, else the agent, else the server itself.
fn actor(entry: &AuditEntry) -> String {
    match (&entry.user_email, &entry.user_id, &entry.agent_id) {
        (Some(email), _, _) => email.clone(),
        (None, _, Some(agent)) => format!("agent {agent}"),
        (None, Some(user), None) => user.clone(),
        (None, None, None) => "system".into(),
    }
}

/// What the page shows: the saved filter, the pages walked through, the search as typed and the
/// entry whose changes are open.
#[derive(Clone, Copy, PartialEq)]
struct Browse {
    saved: Signal<SavedFilter>,
    filter: Memo<AuditFilter>,
    /// The cursors of the pages walked through: the last is the page shown (`None`: the newest).
    pages: Signal<Vec<Option<String>>>,
    /// The search as typed (applied when submitted).
    draft: Signal<String>,
    open: Signal<Option<String>>,
}

impl Browse {
    /// Sets one of the saved filter's values (empty: any).
    fn set(self, key: &'static str, value: String) {
        let mut saved = self.saved;
        saved.with_mut(|saved| saved.set(key, value));
    }

    /// One of the saved filter's values (empty: any).
    fn value(self, key: &str) -> String {
        self.saved.read().value(key)
    }
}

/// The page's filter (kept per user in the dashboard state) and where it stands.
fn use_browse() -> Browse {
    let saved = use_saved_filter("audit");
    let filter = use_memo(move || to_filter(&saved()));
    let mut pages = use_signal(|| vec![None::<String>]);
    let mut draft = use_signal(String::new);
    let mut open = use_signal(|| None::<String>);
    // A new filter starts again from the newest entries, with the search box showing it.
    use_effect(move || {
        let current = filter();
        if pages.peek().len() != 1 || pages.peek()[0].is_some() {
            pages.set(vec![None]);
        }
        if *draft.peek() != current.q {
            draft.set(current.q.clone());
        }
        if open.peek().is_some() {
            open.set(None);
        }
    });
    Browse {
        saved,
        filter,
        pages,
        draft,
        open,
    }
}

/// The page shown: loaded again whenever the filter, the page or the zone changes (an answer
/// to an older request is dropped), each entry shared with its row.
fn use_entries(browse: Browse) -> Result<(Api<AuditPage>, Memo<Loaded<Shown>>), RenderError> {
    let Browse { filter, pages, .. } = browse;
    let zone = use_timezone();
    let entries = use_api::<AuditPage>(move || {
        let mut path = format!("/api/audit-logs?limit={PAGE}");
        let query = filter().query(&zone());
        if !query.is_empty() {
            path.push('&');
            path.push_str(&query);
        }
        if let Some(cursor) = pages().last().cloned().flatten() {
            path.push_str(&format!("&cursor={}", super::encode(&cursor)));
        }
        path
    })?;
    let shown = use_memo(move || entries.get().map(Shown::from));
    Ok((entries, shown))
}

/// `/audit`.
#[component]
pub fn Audit() -> Element {
    let browse = use_browse();
    let (entries, shown) = use_entries(browse)?;
    let facets = use_api::<AuditFacets>(|| "/api/audit-logs/facets".into())?;
    // One handler for the page's life: a new closure per render would make every row's props
    // unequal (handlers compare by pointer) and render all of them again.
    let mut open = browse.open;
    let on_toggle = use_callback(move |id: String| {
        let next = if open.peek().as_deref() == Some(id.as_str()) {
            None
        } else {
            Some(id)
        };
        open.set(next);
    });
    rsx! {
        PageHeader {
            title: "Audit log",
            summary: "Who did what, when: every sign-in, decision and change, append-only and hash-chained.",
        }
        ChainStatus {}
        Filters { browse, facets }
        Entries {
            browse,
            entries,
            shown,
            on_toggle,
        }
    }
}

/// The filters: search, days, user, action and resource type; clearing them; the CSV export.
#[component]
fn Filters(browse: Browse, facets: Api<AuditFacets>) -> Element {
    let Browse {
        mut saved,
        filter,
        draft,
        ..
    } = browse;
    let tz = use_locale().timezone;
    let export = format!("/api/audit-logs/export.csv?{}", filter().query(&tz));
    let facets = facets.ok().unwrap_or_default();
    let pairs = |items: &[String]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|item| (item.clone(), item.clone()))
            .collect()
    };
    rsx! {
        form {
            id: "audit-filters",
            class: "mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900",
            "aria-label": "Filters",
            onsubmit: move |event: FormEvent| {
                event.prevent_default();
                saved.with_mut(|saved| saved.search = draft().trim().to_owned());
            },
            label { class: "text-sm lg:col-span-2",
                "Search resource, action or type"
                SearchInput { draft }
            }
            label { class: "text-sm",
                "From"
                input {
                    id: "audit-from",
                    class: FIELD,
                    r#type: "date",
                    value: browse.value("date_from"),
                    onchange: move |e| browse.set("date_from", e.value()),
                }
            }
            label { class: "text-sm",
                "To"
                input {
                    id: "audit-to",
                    class: FIELD,
                    r#type: "date",
                    value: browse.value("date_to"),
                    onchange: move |e| browse.set("date_to", e.value()),
                }
            }
            FacetSelect {
                browse,
                label: "User",
                id: "audit-user",
                key_name: "user_id",
                any: "Anyone",
                choices: facets
                    .users
                    .iter()
                    .map(|user| (user.id.clone(), user.email.clone()))
                    .collect::<Vec<_>>(),
            }
            FacetSelect {
                browse,
                label: "Action",
                id: "audit-action",
                key_name: "action",
                any: "Any action",
                choices: pairs(&facets.actions),
            }
            FacetSelect {
                browse,
                label: "Resource",
                id: "audit-type",
                key_name: "resource_type",
                any: "Any resource",
                choices: pairs(&facets.resource_types),
            }
            div { class: "flex items-end gap-2 lg:col-span-5",
                button { id: "audit-apply", class: BUTTON, r#type: "submit", "Search" }
                button {
                    id: "audit-clear",
                    class: BUTTON,
                    r#type: "button",
                    disabled: filter().is_empty(),
                    onclick: move |_| saved.set(SavedFilter::default()),
                    "Clear filters"
                }
                a {
                    id: "audit-export",
                    class: "{BUTTON} ml-auto",
                    href: "{export}",
                    download: "",
                    "Export CSV"
                }
            }
        }
    }
}

/// One facet of the filter as a select: "any", then each choice (value, text) the log holds.
#[component]
fn FacetSelect(
    browse: Browse,
    label: &'static str,
    id: &'static str,
    key_name: &'static str,
    any: &'static str,
    choices: Vec<(String, String)>,
) -> Element {
    let chosen = browse.value(key_name);
    rsx! {
        label { class: "text-sm",
            "{label}"
            select {
                id,
                class: FIELD,
                value: chosen.clone(),
                onchange: move |e| browse.set(key_name, e.value()),
                option { value: "", "{any}" }
                for (value, text) in choices {
                    option {
                        key: "{value}",
                        value: "{value}",
                        selected: chosen == value,
                        "{text}"
                    }
                }
            }
        }
    }
}

/// The entries of the page shown, or why there are none, and the pages before and after.
#[component]
fn Entries(
    browse: Browse,
    entries: Api<AuditPage>,
    shown: Memo<Loaded<Shown>>,
    on_toggle: EventHandler<String>,
) -> Element {
    let Browse {
        filter,
        pages,
        open,
        ..
    } = browse;
    let locale = use_locale();
    match shown() {
        Loaded::Loading => rsx! {
            p {
                id: "audit-loading",
                class: "py-8 text-center {MUTED}",
                role: "status",
                "Loading entries…"
            }
        },
        Loaded::Failed(why) => rsx! {
            div {
                id: "audit-error",
                class: "rounded-lg border border-rose-300 bg-rose-50 p-4 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100",
                role: "alert",
                p { "The audit log could not be read: {why}" }
                button {
                    class: "{BUTTON} mt-2",
                    onclick: move |_| entries.reload(),
                    "Retry"
                }
            }
        },
        Loaded::Ready(page) => {
            let short = page.entries.len() < PAGE && page.next_cursor.is_some();
            rsx! {
                if page.entries.is_empty() && !short {
                    div {
                        id: "audit-empty",
                        class: "rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700",
                        p { class: MUTED,
                            if filter().is_empty() {
                                "Nothing has been recorded yet."
                            } else {
                                "No entries match these filters."
                            }
                        }
                    }
                } else {
                    ol {
                        id: "audit-entries",
                        class: "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900",
                        for entry in page.entries.iter().cloned() {
                            EntryRow {
                                key: "{entry.id}",
                                when: locale.format(entry.timestamp, Style::DateTime),
                                expanded: open().as_deref() == Some(entry.id.as_str()),
                                on_toggle,
                                entry,
                            }
                        }
                    }
                }
                if short {
                    p { id: "audit-partial", class: "mt-3 text-sm {MUTED}",
                        "The search looked through part of the history; Older searches further back."
                    }
                }
                Pager { pages, next: page.next_cursor.clone() }
            }
        }
    }
}

/// Newer and Older: back to the page before, on to the next cursor.
#[component]
fn Pager(pages: Signal<Vec<Option<String>>>, next: Option<String>) -> Element {
    let newer = pages().len() > 1;
    rsx! {
        nav { class: "mt-4 flex items-center gap-2", "aria-label": "Pages",
            button {
                id: "audit-newer",
                class: BUTTON,
                disabled: !newer,
                onclick: move |_| {
                    pages
                        .with_mut(|pages| {
                            pages.pop();
                        });
                },
                "← Newer"
            }
            span { class: "text-sm {MUTED}", "Page {pages().len()}" }
            button {
                id: "audit-older",
                class: BUTTON,
                disabled: next.is_none(),
                onclick: move |_| {
                    if let Some(next) = next.clone() {
                        pages.with_mut(|pages| pages.push(Some(next)));
                    }
                },
                "Older →"
            }
        }
    }
}

/// The search box, a component of its own: a keystroke renders it alone, not the whole page
/// and its list (the page reads the draft only when the search is submitted).
#[component]
fn SearchInput(draft: Signal<String>) -> Element {
    rsx! {
        input {
            id: "audit-search",
            "data-shortcut": "search",
            class: FIELD,
            r#type: "search",
            placeholder: "run-42, approval.decide …",
            value: "{draft}",
            oninput: move |e| draft.set(e.value()),
        }
    }
}

/// One entry: when, who, what, on which resource; its changes on demand.
#[component]
fn EntryRow(
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
        li {
            class: "audit-entry px-4 py-3",
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
                        for (path, change) in changes {
                            {
                                let (kind, before, after) = match change {
                                    Change::Added(after) => ("added", String::new(), show(&after)),
                                    Change::Removed(before) => ("removed", show(&before), String::new()),
                                    Change::Changed(before, after) => ("changed", show(&before), show(&after)),
                                };
                                rsx! {
                                    tr { key: "{path}", class: "change align-top", "data-change": kind,
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
    }
}

/// Whether the workspace's hash chain is intact, checked when the page opens.
#[component]
fn ChainStatus() -> Element {
    let report = use_api::<ChainReport>(|| "/api/audit/verify".into())?;
    let (tone, text) = match report.get() {
        _ if report.loading() => ("checking", "Checking the hash chain…".to_owned()),
        Loaded::Loading => ("checking", "Checking the hash chain…".to_owned()),
        Loaded::Ready(r) if r.intact => (
            "intact",
            format!("Hash chain intact: {} entries verified.", r.entries),
        ),
        Loaded::Ready(r) => (
            "broken",
            format!(
                "Hash chain broken at entry {}: {}.",
                r.broken_at.as_deref().unwrap_or("?"),
                r.problem.as_deref().unwrap_or("it does not fit")
            ),
        ),
        Loaded::Failed(why) => (
            "unknown",
            format!("The hash chain could not be checked: {why}"),
        ),
    };
    let color = match tone {
        "intact" => "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
        "broken" => "border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100",
        _ => "border-slate-200 bg-white text-slate-700 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-300",
    };
    rsx! {
        div {
            id: "audit-chain",
            class: "mb-4 flex items-center gap-3 rounded-lg border px-4 py-2 text-sm {color}",
            "data-state": tone,
            role: "status",
            span { "{text}" }
            if tone != "checking" {
                button {
                    class: "ml-auto underline-offset-2 hover:underline",
                    onclick: move |_| report.reload(),
                    "Check again"
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_saved_filter_maps_to_the_api_filter() {
        let saved = SavedFilter {
            search: "run-7".into(),
            values: BTreeMap::from([
                ("action".into(), "approval.decide".into()),
                ("date_from".into(), "2026-11-01".into()),
            ]),
        };
        let filter = to_filter(&saved);
        assert_eq!(filter.q, "run-7");
        assert_eq!(filter.action, "approval.decide");
        assert_eq!(filter.date_from, "2026-11-01");
        assert!(filter.user_id.is_empty() && filter.date_to.is_empty());
    }

    #[test]
    fn the_answers_read_back_as_the_models_the_server_writes() {
        // What the page decodes is what the server's handlers serialise (through the text, as
        // the browser gets it).
        fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
            serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
        }
        let page = AuditPage {
            entries: vec![AuditEntry {
                id: "e1".into(),
                timestamp: 42,
                workspace_id: Some("w".into()),
                user_id: None,
                agent_id: Some("a".into()),
                action: "approval.request".into(),
                resource_type: "approval".into(),
                resource_id: Some("ap".into()),
                before_state: None,
                after_state: Some(serde_json::json!({"tool": "deploy"})),
                metadata: serde_json::json!({"reason": "r"}),
                hash: Some("h".into()),
                user_email: None,
            }],
            next_cursor: Some("42.7".into()),
        };
        assert_eq!(round_trip(&page), page);
        assert_eq!(Shown::from(round_trip(&page)).entries[0].id, "e1");
        let facets = AuditFacets {
            actions: vec!["a".into()],
            resource_types: vec!["t".into()],
            users: vec![super::super::FacetUser {
                id: "u".into(),
                email: "e@x".into(),
            }],
        };
        assert_eq!(round_trip(&facets), facets);
        let chain = ChainReport {
            intact: false,
            entries: 9,
            broken_at: Some("e3".into()),
            problem: Some("p".into()),
            kind: Some(crate::audit::BreakKind::OldestRemoved),
        };
        assert_eq!(round_trip(&chain), chain);
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
