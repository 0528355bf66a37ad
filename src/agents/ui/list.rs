//! The agents page's list: loading, error, empty and no-match states, and each agent the filters
//! let through with its role, last health check, health URL and token (admins revoke it).

use super::filters::shows;
use crate::agents::{role_label, Agent};
use crate::dashboard::SavedFilter;
use crate::fleet::{FleetItem, HealthResult, Kind};
use crate::http::{Api, Loaded};
use crate::settings::locale::lowercase;
use crate::ui::BUTTON;
use crate::widgets::feed::Feed;
use crate::widgets::ui::health_badge;
use dioxus::prelude::*;
use std::rc::Rc;

/// The agents the filters let through, each with its last health check.
#[component]
pub(super) fn AgentList(
    agents: Api<Vec<Agent>>,
    feed: Feed,
    saved: Signal<SavedFilter>,
    admin: bool,
    on_revoke: EventHandler<String>,
) -> Element {
    let checks = feed.items(Kind::Health);
    let search = lowercase(saved().search.trim());
    let wanted = saved().values.get("health").cloned().unwrap_or_default();
    let check_of = |id: &str| checks.iter().find(|c| c.key == id).cloned();
    let state_of = |id: &str| {
        check_of(id)
            .and_then(|c| c.data::<HealthResult>())
            .map(|check| check.state)
    };
    let shown = |agent: &Agent| shows(agent, state_of(&agent.id), &search, &wanted);
    match agents.get() {
        Loaded::Loading => rsx! {
            p { role: "status", class: "text-slate-500", "Loading agents…" }
        },
        Loaded::Failed(why) => rsx! {
            p { role: "alert", "The agents could not be loaded: {why}" }
        },
        Loaded::Ready(list) if list.is_empty() => rsx! {
            p {
                id: "agents-empty",
                class: "text-slate-600 dark:text-slate-300",
                "No agent is registered yet."
            }
        },
        Loaded::Ready(list) if !list.iter().any(shown) => rsx! {
            p {
                id: "agents-no-match",
                class: "rounded-lg border border-dashed border-slate-300 p-6 text-slate-600 dark:border-slate-700 dark:text-slate-300",
                "No agent matches these filters. "
                button {
                    class: BUTTON,
                    onclick: move |_| saved.set(Default::default()),
                    "Clear filters"
                }
            }
        },
        Loaded::Ready(list) => rsx! {
            ul {
                id: "agent-list",
                class: "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900",
                for agent in list.into_iter().filter(shown) {
                    AgentItem {
                        key: "{agent.id}",
                        check: check_of(&agent.id),
                        agent,
                        admin,
                        on_revoke,
                    }
                }
            }
        },
    }
}

/// One agent: name, role, health, health URL, and its token's state (admins revoke it).
#[component]
fn AgentItem(
    agent: Agent,
    check: Option<Rc<FleetItem>>,
    admin: bool,
    on_revoke: EventHandler<String>,
) -> Element {
    let id = agent.id.clone();
    rsx! {
        li {
            class: "agent flex flex-wrap items-center gap-3 p-3 text-sm",
            "data-id": "{agent.id}",
            span { class: "font-medium", "{agent.name}" }
            span {
                class: "role text-slate-600 dark:text-slate-300",
                title: "role {agent.role}",
                "{role_label(&agent.role)}"
            }
            {health_badge(check.as_deref())}
            if let Some(url) = agent.health_url.as_ref() {
                span { class: "font-mono text-xs", "{url}" }
            }
            if agent.revoked_at.is_some() {
                span { class: "token-state ml-auto text-red-700 dark:text-red-300", "token revoked" }
            } else {
                span { class: "token-state ml-auto text-emerald-700 dark:text-emerald-300",
                    "token active"
                }
                if admin {
                    button {
                        class: "revoke {BUTTON}",
                        onclick: move |_| on_revoke.call(id.clone()),
                        "Revoke token"
                    }
                }
            }
        }
    }
}
