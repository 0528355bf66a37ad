//! `/agents` — the workspace's agents and MCP servers. Admins register an agent (its token is
//! shown this once, to copy into the agent's configuration) and revoke tokens; everyone sees each
//! agent's last health check, live, and each MCP server's connection and tools.
//!
//! The page is put together here from its parts: the register form and the token just issued
//! (`register`), the search and health filter, the list of agents with their health and tokens,
//! the MCP servers (`mcp_servers`) and the MCP clients connected to the gateway (`mcp_clients`).

mod filters;
mod list;
mod mcp_clients;
mod mcp_servers;
mod register;

use self::filters::AgentFilters;
use self::list::AgentList;
use self::mcp_clients::McpClients;
use self::mcp_servers::McpServers;
use self::register::{NewToken, RegisterForm};
use super::Registered;
use crate::auth::SessionContext;
use crate::dashboard::provider::use_saved_filter;
use crate::fleet::Kind;
use crate::http::use_api;
use crate::pages::PageHeader;
use crate::ui::BUTTON;
use crate::widgets::feed::use_feed_provider;
use dioxus::prelude::*;

/// `/agents`.
#[component]
pub fn Agents() -> Element {
    let session = use_context::<SessionContext>();
    let admin = (session.me)().is_some_and(|me| me.role.can_manage_members());
    let agents = use_api(crate::agents::server_fns::load::list)?;
    // The last health check of each agent: read, then live over the `fleet` topic.
    let feed = use_feed_provider(Some(Kind::Health))?;
    // The search and health filter are kept per user in the dashboard state.
    let saved = use_saved_filter("agents");
    let issued = use_signal(|| None::<Registered>);
    let mut message = use_signal(|| None::<String>);
    let on_revoke = use_callback(move |id: String| {
        spawn(async move {
            match crate::agents::server_fns::revoke(id).await {
                Ok(_) => agents.reload(),
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    });
    let check_now = move |_| {
        spawn(async move {
            if super::server_fns::check_health().await.is_ok() {
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
