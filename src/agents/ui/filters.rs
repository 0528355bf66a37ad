//! The agents page's filters: the search (name or role) and the health filter, kept per user in
//! the dashboard state, and whether an agent passes them ([`shows`]).

use crate::agents::{role_label, Agent};
use crate::dashboard::SavedFilter;
use crate::fleet::HealthState;
use crate::settings::locale::lowercase;
use crate::ui::INPUT;
use dioxus::prelude::*;

/// The health filter's choices: value kept in the filter, label.
const HEALTH_FILTERS: [(&str, &str); 5] = [
    ("", "Any health"),
    ("healthy", "Healthy"),
    ("degraded", "Degraded"),
    ("failing", "Unreachable, timed out or refused"),
    ("unchecked", "Not checked"),
];

/// Whether an agent passes the page's filters: `search` (lower case) in its name or role, and
/// its last health check's `state` in the `health` choice ([`HEALTH_FILTERS`]).
pub(super) fn shows(agent: &Agent, state: Option<HealthState>, search: &str, health: &str) -> bool {
    let found = search.is_empty()
        || [agent.name.as_str(), &agent.role, role_label(&agent.role)]
            .iter()
            .any(|text| lowercase(text).contains(search));
    let healthy = match health {
        "" => true,
        "unchecked" => state.is_none(),
        "failing" => state.is_some_and(HealthState::failing),
        wanted => state.is_some_and(|state| state.as_str() == wanted),
    };
    found && healthy
}

/// The search (name or role) and the health filter.
#[component]
pub(super) fn AgentFilters(saved: Signal<SavedFilter>) -> Element {
    let wanted = saved().values.get("health").cloned().unwrap_or_default();
    rsx! {
        div {
            id: "agent-filters",
            class: "mb-3 flex flex-wrap items-end gap-3 text-sm",
            label { class: "min-w-48 flex-1",
                "Search"
                input {
                    id: "agents-search",
                    "data-shortcut": "search",
                    class: INPUT,
                    r#type: "search",
                    placeholder: "Name or role",
                    value: "{saved().search}",
                    oninput: move |e| saved.with_mut(|saved| saved.search = e.value()),
                }
            }
            label {
                "Health"
                select {
                    id: "agents-health",
                    class: INPUT,
                    onchange: move |e| {
                        saved
                            .with_mut(|saved| {
                                if e.value().is_empty() {
                                    saved.values.remove("health");
                                } else {
                                    saved.values.insert("health".into(), e.value());
                                }
                            })
                    },
                    for (value, label) in HEALTH_FILTERS {
                        option {
                            key: "{value}",
                            value,
                            selected: wanted == value,
                            "{label}"
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

    fn agent(name: &str, role: &str) -> Agent {
        Agent {
            id: name.into(),
            name: name.into(),
            role: role.into(),
            health_url: None,
            health_timeout_ms: None,
            created_at: 0,
            revoked_at: None,
        }
    }

    #[test]
    fn agents_are_found_by_name_role_or_its_label_and_by_health() {
        use HealthState::*;
        let pulse = agent("pulse-1", "pulse");
        assert!(shows(&pulse, None, "", ""));
        assert!(shows(&pulse, None, "vitals", ""), "by the role's label");
        assert!(shows(&pulse, None, "pulse-", ""));
        assert!(!shows(&pulse, None, "navi", ""));
        assert!(shows(&pulse, None, "", "unchecked"));
        assert!(!shows(&pulse, Some(Healthy), "", "unchecked"));
        assert!(shows(&pulse, Some(TimedOut), "", "failing"));
        assert!(shows(&pulse, Some(Unreachable), "", "failing"));
        assert!(shows(&pulse, Some(Refused), "", "failing"));
        assert!(!shows(&pulse, Some(Degraded), "", "failing"));
        assert!(shows(&pulse, Some(Degraded), "", "degraded"));
        assert!(!shows(&pulse, Some(Healthy), "vitals", "degraded"));
    }
}
