//! The agents page's registration (admins): the form that registers an agent, and the token just
//! issued, shown this once with how to connect the agent.

use crate::agents::{Agent, NewAgent, Registered};
use crate::http::{Api, Created, JsonBody};
use crate::ui::{BUTTON, INPUT};
use dioxus::prelude::*;

/// Registers an agent (admins): name, role, and where and how long its health check waits.
#[component]
pub(super) fn RegisterForm(
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
            match crate::agents::server_fns::register(JsonBody(new)).await {
                Ok(Created(registered)) => {
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
pub(super) fn NewToken(issued: ReadSignal<Option<Registered>>) -> Element {
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
                crate::agents::connect::ConnectAgent { token: registered.token.clone() }
            }
        }
    }
}
