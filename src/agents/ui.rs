//! `/agents` — the workspace's agents and MCP servers. Admins register an agent (its token is
//! shown this once, to copy into the agent's configuration) and revoke tokens; everyone sees each
//! agent's last health check, live, and each MCP server's connection and tools.

use super::{role_label, Agent, NewAgent, Registered};
use crate::auth::SessionContext;
use crate::dashboard::provider::use_saved_filter;
use crate::dashboard::SavedFilter;
use crate::fleet::{FleetItem, HealthResult, HealthState, Kind};
use crate::http::{call, use_api, Api, Loaded};
use crate::mcp::{McpOverview, NewMcpServer, OfferedServer, ServerStatus, Transport};
use crate::pages::PageHeader;
use crate::settings::locale::lowercase;
use crate::ui::{BUTTON, INPUT};
use crate::widgets::feed::{use_feed_provider, Feed};
use crate::widgets::ui::health_badge;
use dioxus::prelude::*;
use serde_json::Value;
use std::rc::Rc;

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
fn shows(agent: &Agent, state: Option<HealthState>, search: &str, health: &str) -> bool {
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

/// `/agents`.
#[component]
pub fn Agents() -> Element {
    let session = use_context::<SessionContext>();
    let admin = (session.me)().is_some_and(|me| me.role.can_manage_members());
    let agents = use_api::<Vec<Agent>>(|| "/api/agents".into())?;
    // The last health check of each agent: read, then live over the `fleet` topic.
    let feed = use_feed_provider(Some(Kind::Health))?;
    // The search and health filter are kept per user in the dashboard state.
    let saved = use_saved_filter("agents");
    let issued = use_signal(|| None::<Registered>);
    let mut message = use_signal(|| None::<String>);
    let on_revoke = use_callback(move |id: String| {
        spawn(async move {
            match call::<Value>("DELETE", &format!("/api/agents/{id}/token"), None).await {
                Ok(_) => agents.reload(),
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    });
    let check_now = move |_| {
        spawn(async move {
            if call::<Value>("POST", "/api/agents/health/check", None)
                .await
                .is_ok()
            {
                feed.fetch(Kind::Health).await;
            }
        });
    };
    rsx! {
        PageHeader {
            title: "Agents",
            summary: "Every agent in the workspace, how healthy it is, and the MCP servers it can reach.",
        }
        if admin {
            RegisterForm { agents, issued, message }
        }
        NewToken { issued }
        if let Some(text) = message() {
            p {
                role: "alert",
                class: "mb-3 text-sm text-red-700 dark:text-red-300",
                "{text}"
            }
        }
        AgentFilters { saved }
        AgentList {
            agents,
            feed,
            saved,
            admin,
            on_revoke,
        }
        if (session.me)().is_some_and(|me| me.role.can_change_shared()) {
            button {
                id: "check-health",
                class: "mt-3 {BUTTON}",
                r#type: "button",
                onclick: check_now,
                "Check health now"
            }
        }
        McpServers { admin }
        McpClients {}
    }
}

/// Registers an agent (admins): name, role, and where and how long its health check waits.
#[component]
fn RegisterForm(
    agents: Api<Vec<Agent>>,
    issued: Signal<Option<Registered>>,
    message: Signal<Option<String>>,
) -> Element {
    let mut name = use_signal(String::new);
    let mut role = use_signal(String::new);
    let mut health = use_signal(String::new);
    let mut timeout = use_signal(String::new);
    let register = move |event: FormEvent| {
        event.prevent_default();
        spawn(async move {
            let url = health().trim().to_owned();
            let new = NewAgent {
                name: name(),
                role: role(),
                health_url: (!url.is_empty()).then_some(url),
                health_timeout_ms: timeout().trim().parse().ok(),
            };
            if let Err((field, why)) = new.validate() {
                message.set(Some(format!("{field}: {why}")));
                return;
            }
            match call::<Registered>("POST", "/api/agents", serde_json::to_value(&new).ok()).await {
                Ok(registered) => {
                    issued.set(Some(registered));
                    message.set(None);
                    name.set(String::new());
                    health.set(String::new());
                    agents.reload();
                }
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    };
    rsx! {
        form {
            id: "register-agent",
            class: "mb-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4 dark:border-slate-800 dark:bg-slate-900",
            onsubmit: register,
            label { class: "text-sm",
                "Name"
                input {
                    id: "agent-name",
                    class: INPUT,
                    required: true,
                    value: "{name}",
                    oninput: move |e| name.set(e.value()),
                }
            }
            label { class: "text-sm",
                "Role"
                input {
                    id: "agent-role",
                    class: INPUT,
                    required: true,
                    placeholder: "pulse, navi, herald…",
                    value: "{role}",
                    oninput: move |e| role.set(e.value()),
                }
            }
            label { class: "text-sm",
                "Health URL (optional)"
                input {
                    id: "agent-health",
                    class: INPUT,
                    r#type: "url",
                    value: "{health}",
                    oninput: move |e| health.set(e.value()),
                }
            }
            label { class: "text-sm",
                "Health timeout, ms (optional)"
                input {
                    id: "agent-health-timeout",
                    class: INPUT,
                    r#type: "number",
                    min: "100",
                    max: "60000",
                    placeholder: "server default",
                    value: "{timeout}",
                    oninput: move |e| timeout.set(e.value()),
                }
            }
            div { class: "flex items-end",
                button { id: "agent-register", class: BUTTON, r#type: "submit", "Register" }
            }
        }
    }
}

/// The token just issued, shown this once, with how to connect the agent.
#[component]
fn NewToken(issued: ReadSignal<Option<Registered>>) -> Element {
    rsx! {
        if let Some(registered) = issued() {
            div {
                id: "new-token",
                role: "status",
                class: "mb-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-700 dark:bg-emerald-950",
                p {
                    "Token for {registered.agent.name}: copy it into the agent's configuration now; it is not shown again."
                }
                code { class: "mt-2 block select-all break-all font-mono", "{registered.token}" }
                super::connect::ConnectAgent { token: registered.token.clone() }
            }
        }
    }
}

/// The search (name or role) and the health filter.
#[component]
fn AgentFilters(saved: Signal<SavedFilter>) -> Element {
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

/// The agents the filters let through, each with its last health check.
#[component]
fn AgentList(
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

/// The MCP clients connected to the gateway at `/mcp`: which agent, which client and version,
/// since when; live.
#[component]
fn McpClients() -> Element {
    let clients = use_api::<Vec<crate::mcp::McpClient>>(|| "/api/mcp/clients".into())?;
    use_future(move || async move {
        #[cfg(feature = "web")]
        crate::sync::client::follow(
            crate::sync::Topic::AgentState,
            move || clients.reload(),
            move |_| clients.reload(),
        )
        .await;
    });
    let locale = crate::settings::locale::use_locale();
    rsx! {
        section { id: "mcp-clients", class: "mt-10",
            h2 { class: "mb-1 text-lg font-medium", "Connected over MCP" }
            p { class: "mb-3 text-sm text-slate-600 dark:text-slate-300",
                "Agents reach the workspace's MCP servers through Flightdeck at /mcp with their token; the Policies page decides what their calls get."
            }
            match clients.get() {
                Loaded::Loading => rsx! {
                    p { role: "status", class: "text-slate-500", "Loading…" }
                },
                Loaded::Failed(why) => rsx! {
                    p { role: "alert", "The MCP clients could not be loaded: {why}" }
                },
                Loaded::Ready(list) if list.is_empty() => rsx! {
                    p { id: "mcp-clients-empty", class: "text-slate-600 dark:text-slate-300",
                        "No MCP client is connected."
                    }
                },
                Loaded::Ready(list) => rsx! {
                    ul {
                        id: "mcp-client-list",
                        class: "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900",
                        for client in list {
                            li {
                                class: "mcp-client flex flex-wrap gap-3 p-3",
                                "data-agent": "{client.agent_name}",
                                span { class: "font-medium", "{client.agent_name}" }
                                span { class: "font-mono", "{client.client_name} {client.client_version}" }
                                span { class: "text-slate-500",
                                    "since {locale.format(client.connected_at, crate::settings::locale::Style::DateTime)}"
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

/// The workspace's MCP servers: each one's connection and tools, the summary, and (admins) a
/// form to add one and a button to remove each.
#[component]
fn McpServers(admin: bool) -> Element {
    let overview = use_api::<McpOverview>(|| "/api/mcp/servers".into())?;
    let mut message = use_signal(|| None::<String>);
    // What the operator offers (admins enable those by name).
    let session = use_context::<SessionContext>();
    let offered = use_api::<Vec<OfferedServer>>(move || {
        let admin = (session.me)().is_some_and(|me| me.role.can_manage_members());
        if admin {
            "/api/mcp/offered".into()
        } else {
            String::new()
        }
    })?;
    let offered = offered.ok().unwrap_or_default();
    let offered = offered
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let reload = move || overview.reload();
    use_future(move || async move {
        #[cfg(feature = "web")]
        crate::sync::client::follow(crate::sync::Topic::AgentState, reload, move |_| reload())
            .await;
    });
    let on_remove = use_callback(move |id: String| {
        spawn(async move {
            match call::<Value>("DELETE", &format!("/api/mcp/servers/{id}"), None).await {
                Ok(_) => reload(),
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    });
    rsx! {
        section { id: "mcp", class: "mt-10",
            div { class: "mb-3 flex items-baseline gap-3",
                h2 { class: "text-lg font-medium", "MCP servers" }
                if let Some(now) = overview.ok() {
                    span {
                        id: "mcp-health",
                        class: "text-sm text-slate-600 dark:text-slate-300",
                        "{now.health.summary}"
                    }
                }
            }
            if admin {
                AddMcpServer { overview, message, offered }
            }
            if let Some(text) = message() {
                p {
                    role: "alert",
                    class: "mb-3 text-sm text-red-700 dark:text-red-300",
                    "{text}"
                }
            }
            McpList { overview, admin, on_remove }
        }
    }
}

/// Adds an MCP server (admins): an http(s) URL, or the name of a program the operator offers.
#[component]
fn AddMcpServer(
    overview: Api<McpOverview>,
    message: Signal<Option<String>>,
    offered: String,
) -> Element {
    let mut name = use_signal(String::new);
    let mut target = use_signal(String::new);
    let add = move |event: FormEvent| {
        event.prevent_default();
        spawn(async move {
            let text = target().trim().to_owned();
            let transport = if text.starts_with("http://") || text.starts_with("https://") {
                Transport::Http { url: text }
            } else {
                Transport::Operator { server: text }
            };
            let new = NewMcpServer {
                name: name(),
                transport,
            };
            if let Err((field, why)) = new.validate() {
                message.set(Some(format!("{field}: {why}")));
                return;
            }
            match call::<Value>("POST", "/api/mcp/servers", serde_json::to_value(&new).ok()).await {
                Ok(_) => {
                    message.set(None);
                    name.set(String::new());
                    target.set(String::new());
                    overview.reload();
                }
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    };
    rsx! {
        form {
            id: "add-mcp",
            class: "mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4 dark:border-slate-800 dark:bg-slate-900",
            onsubmit: add,
            label { class: "text-sm",
                "Name"
                input {
                    id: "mcp-name",
                    class: INPUT,
                    required: true,
                    value: "{name}",
                    oninput: move |e| name.set(e.value()),
                }
            }
            label { class: "text-sm sm:col-span-2",
                "An http(s) URL, or a program the operator offers"
                input {
                    id: "mcp-target",
                    class: INPUT,
                    required: true,
                    placeholder: "https://mcp.example.com/mcp",
                    value: "{target}",
                    oninput: move |e| target.set(e.value()),
                }
            }
            div { class: "flex items-end",
                button { id: "mcp-add", class: BUTTON, r#type: "submit", "Add server" }
            }
            p {
                id: "mcp-offered",
                class: "text-xs text-slate-500 sm:col-span-4",
                if offered.is_empty() {
                    "The operator offers no programs (FLIGHTDECK_MCP_CONFIG)."
                } else {
                    "Offered by the operator: {offered}"
                }
            }
        }
    }
}

/// The MCP servers as loaded, or why there are none.
#[component]
fn McpList(overview: Api<McpOverview>, admin: bool, on_remove: EventHandler<String>) -> Element {
    match overview.get() {
        Loaded::Loading => rsx! {
            p { role: "status", class: "text-slate-500", "Loading MCP servers…" }
        },
        Loaded::Failed(why) => rsx! {
            p { role: "alert", "The MCP servers could not be loaded: {why}" }
        },
        Loaded::Ready(now) if now.servers.is_empty() => rsx! {
            p { id: "mcp-empty", class: "text-slate-600 dark:text-slate-300",
                "No MCP server is configured."
            }
        },
        Loaded::Ready(now) => rsx! {
            ul {
                id: "mcp-list",
                class: "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900",
                for status in now.servers {
                    McpServerItem {
                        key: "{status.server.id}",
                        status,
                        admin,
                        on_remove,
                    }
                }
            }
        },
    }
}

/// One MCP server: its connection, last error, tools and (admins) removal.
#[component]
fn McpServerItem(status: ServerStatus, admin: bool, on_remove: EventHandler<String>) -> Element {
    let (id, name) = (status.server.id.clone(), &status.server.name);
    let state = status.state.as_str();
    let tools: Vec<&str> = status.tools.iter().map(|tool| tool.name.as_str()).collect();
    let error = status
        .last_error
        .as_ref()
        .map(|e| format!("{e} (attempt {})", status.attempts));
    rsx! {
        li { class: "mcp-server p-3 text-sm", "data-state": "{state}",
            div { class: "flex flex-wrap items-center gap-3",
                span { class: "font-medium", "{name}" }
                span { class: "mcp-state", "{state}" }
                if let Some(error) = error {
                    span { class: "text-xs text-red-700 dark:text-red-300", "{error}" }
                }
                if admin {
                    button {
                        class: "mcp-remove ml-auto {BUTTON}",
                        onclick: move |_| on_remove.call(id.clone()),
                        "Remove"
                    }
                }
            }
            if !tools.is_empty() {
                p { class: "mcp-tools mt-1 font-mono text-xs text-slate-600 dark:text-slate-300",
                    {tools.join(", ")}
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
