//! The agents page's MCP clients: who is connected to the gateway at `/mcp`, with which client and
//! since when, kept current live.

use crate::http::{use_api, Loaded};
use dioxus::prelude::*;

/// The MCP clients connected to the gateway at `/mcp`: which agent, which client and version,
/// since when; live.
#[component]
pub(super) fn McpClients() -> Element {
    let clients = use_api(crate::mcp::server_fns::load::clients)?;
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
