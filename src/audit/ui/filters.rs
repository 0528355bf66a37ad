//! The audit page's filters: the search box, the dates, the user, action and resource selects,
//! clearing them, and the current filter exported as CSV.

use super::browse::Browse;
use super::FIELD;
use crate::audit::AuditFacets;
use crate::dashboard::SavedFilter;
use crate::http::Api;
use crate::settings::locale::use_locale;
use crate::ui::BUTTON;
use dioxus::prelude::*;

/// The filters: search, days, user, action and resource type; clearing them; the CSV export.
#[component]
pub(super) fn Filters(browse: Browse, facets: Api<AuditFacets>) -> Element {
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
