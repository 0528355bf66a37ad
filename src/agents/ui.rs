//! `/agents` — the workspace's agents. Admins register one (its token is shown this once, to
//! copy into the agent's configuration) and revoke tokens; everyone sees the list. Health checks
//! and MCP servers join this page with the live-fleet work.

use super::{Agent, NewAgent, Registered};
use crate::auth::SessionContext;
use crate::http::call;
use crate::pages::PageHeader;
use dioxus::prelude::*;

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800";

/// `/agents`.
#[component]
pub fn Agents() -> Element {
    let session = use_context::<SessionContext>();
    let admin = (session.me)().is_some_and(|me| me.role.can_manage_members());
    let mut agents = use_signal(|| None::<Result<Vec<Agent>, String>>);
    let mut name = use_signal(String::new);
    let mut role = use_signal(String::new);
    let mut health = use_signal(String::new);
    let mut issued = use_signal(|| None::<Registered>);
    let mut message = use_signal(|| None::<String>);
    let reload = move || {
        spawn(async move {
            let answer = call::<Vec<Agent>>("GET", "/api/agents", None).await;
            agents.set(Some(answer.map_err(|err| err.body.error)));
        });
    };
    use_effect(reload);
    let register = move |event: FormEvent| {
        event.prevent_default();
        spawn(async move {
            let url = health().trim().to_owned();
            let new = NewAgent {
                name: name(),
                role: role(),
                health_url: (!url.is_empty()).then_some(url),
                health_timeout_ms: None,
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
                    reload();
                }
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    };
    let revoke = move |id: String| {
        spawn(async move {
            match call::<serde_json::Value>("DELETE", &format!("/api/agents/{id}/token"), None)
                .await
            {
                Ok(_) => reload(),
                Err(err) => message.set(Some(err.body.error)),
            }
        });
    };
    rsx! {
        PageHeader {
            title: "Agents",
            summary: "Every agent in the workspace, how healthy it is, and the MCP servers it can reach.",
        }
        if admin {
            form { id: "register-agent", class: "mb-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4 dark:border-slate-800 dark:bg-slate-900", onsubmit: register,
                label { class: "text-sm", "Name" input { id: "agent-name", class: INPUT, required: true, value: "{name}", oninput: move |e| name.set(e.value()) } }
                label { class: "text-sm", "Role" input { id: "agent-role", class: INPUT, required: true, placeholder: "pulse, navi, herald…", value: "{role}", oninput: move |e| role.set(e.value()) } }
                label { class: "text-sm", "Health URL (optional)" input { id: "agent-health", class: INPUT, r#type: "url", value: "{health}", oninput: move |e| health.set(e.value()) } }
                div { class: "flex items-end", button { id: "agent-register", class: BUTTON, r#type: "submit", "Register" } }
            }
        }
        if let Some(registered) = issued() {
            div { id: "new-token", role: "status", class: "mb-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-700 dark:bg-emerald-950",
                p { "Token for {registered.agent.name}: copy it into the agent's configuration now; it is not shown again." }
                code { class: "mt-2 block select-all break-all font-mono", "{registered.token}" }
            }
        }
        if let Some(text) = message() {
            p { role: "alert", class: "mb-3 text-sm text-red-700 dark:text-red-300", "{text}" }
        }
        match agents() {
            None => rsx! { p { role: "status", class: "text-slate-500", "Loading agents…" } },
            Some(Err(why)) => rsx! { p { role: "alert", "The agents could not be loaded: {why}" } },
            Some(Ok(list)) if list.is_empty() => rsx! { p { id: "agents-empty", class: "text-slate-600 dark:text-slate-300", "No agent is registered yet." } },
            Some(Ok(list)) => rsx! {
                ul { id: "agent-list", class: "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900",
                    for agent in list {
                        li { key: "{agent.id}", class: "agent flex flex-wrap items-center gap-3 p-3 text-sm", "data-id": "{agent.id}",
                            span { class: "font-medium", "{agent.name}" }
                            span { class: "text-slate-600 dark:text-slate-300", "{agent.role}" }
                            if let Some(url) = agent.health_url.as_ref() { span { class: "font-mono text-xs", "{url}" } }
                            if agent.revoked_at.is_some() {
                                span { class: "token-state ml-auto text-red-700 dark:text-red-300", "token revoked" }
                            } else {
                                span { class: "token-state ml-auto text-emerald-700 dark:text-emerald-300", "token active" }
                                if admin {
                                    button { class: "revoke {BUTTON}", onclick: { let id = agent.id.clone(); move |_| revoke(id.clone()) }, "Revoke token" }
                                }
                            }
                        }
                    }
                }
            },
        }
    }
}
