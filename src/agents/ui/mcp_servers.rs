//! The agents page's MCP servers: each one's connection, last error and tools, the health summary,
//! and (admins) the form to add one, by URL or by a program the operator offers, and removal.

use crate::auth::SessionContext;
use crate::http::{use_api, Api, JsonBody, Load, Loaded};
use crate::mcp::{McpOverview, NewMcpServer, ServerStatus, Transport};
use crate::ui::{BUTTON, INPUT};
use dioxus::prelude::*;

/// The workspace's MCP servers: each one's connection and tools, the summary, and (admins) a
/// form to add one and a button to remove each.
#[component]
pub(super) fn McpServers(admin: bool) -> Element {
    let overview = use_api(crate::mcp::server_fns::load::list)?;
    let mut message = use_signal(|| None::<String>);
    // What the operator offers (admins enable those by name).
    let session = use_context::<SessionContext>();
    let offered = use_api(move || {
        let admin = (session.me)().is_some_and(|me| me.role.can_manage_members());
        if admin {
            crate::mcp::server_fns::load::offered()
        } else {
            Load::nothing()
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
            match crate::mcp::server_fns::remove(id).await {
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
            match crate::mcp::server_fns::add(JsonBody(new)).await {
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
