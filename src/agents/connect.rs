//! "Connect an agent": once a token is issued, the ways to plug an agent in with it, each a
//! snippet to copy (OpenTelemetry's environment variables, the Python and TypeScript clients,
//! curl, an MCP client's configuration), filled with this server's address and the token.

use crate::pages::{copy, origin};
use dioxus::prelude::*;

/// The snippets' names, in the order the tabs show them.
pub const KINDS: [&str; 5] = ["OpenTelemetry", "Python", "TypeScript", "curl", "MCP"];

/// Snippet `kind` (an index into [`KINDS`]) for the server at `origin` and `token`.
pub fn snippet(kind: usize, origin: &str, token: &str) -> String {
    let template = match kind {
        0 => "export OTEL_EXPORTER_OTLP_ENDPOINT=@O\nexport OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer%20@T\"\n# then run the agent as usual: its GenAI spans fill Analytics and Activity",
        1 => "# pip install ./clients/python\nfrom flightdeck_client import FlightdeckClient\n\nasync with FlightdeckClient(\"@O\", \"@T\") as fd:\n    asked = await fd.ask(\"deploy\", {\"service\": \"api\"}, reason=\"release\", risk=\"high\")\n    decided = await fd.wait_for_approval(asked.id, timeout=600)",
        2 => "import { FlightdeckClient } from \"flightdeck-client\";\n\nconst fd = new FlightdeckClient(\"@O\", \"@T\");\nconst asked = await fd.ask(\"deploy\", { service: \"api\" }, { reason: \"release\", risk: \"high\" });\nconst decided = await fd.waitForApproval(asked.id, { timeoutMs: 600_000 });",
        3 => "curl -X POST @O/api/v1/approvals -H \"Authorization: Bearer @T\" -H \"Content-Type: application/json\" -d '{\"tool\":\"deploy\",\"arguments\":{},\"reason\":\"release\",\"risk\":\"high\"}'\ncurl \"@O/api/v1/approvals/<id>/wait?timeout=55\" -H \"Authorization: Bearer @T\"",
        _ => "{\"mcpServers\": {\"flightdeck\": {\"type\": \"http\", \"url\": \"@O/mcp\",\n  \"headers\": {\"Authorization\": \"Bearer @T\"}}}}",
    };
    template.replace("@O", origin).replace("@T", token)
}

/// The tabs of snippets for a new token, each with a copy button.
#[component]
pub fn ConnectAgent(token: String) -> Element {
    let mut shown = use_signal(|| 0);
    let mut copied = use_signal(|| false);
    let text = snippet(shown(), &origin(), &token);
    rsx! {
        section {
            id: "connect-agent",
            class: "mt-3",
            aria_label: "Connect an agent",
            div { role: "tablist", class: "flex flex-wrap gap-1",
                for (i, kind) in KINDS.iter().enumerate() {
                    button {
                        r#type: "button",
                        role: "tab",
                        class: "snippet-tab rounded-md px-2 py-1 text-xs font-medium aria-selected:bg-emerald-200 dark:aria-selected:bg-emerald-800",
                        aria_selected: "{shown() == i}",
                        "data-kind": "{kind}",
                        onclick: move |_| {
                            shown.set(i);
                            copied.set(false);
                        },
                        "{kind}"
                    }
                }
            }
            pre {
                id: "snippet",
                role: "tabpanel",
                class: "mt-2 overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-white p-2 font-mono text-xs dark:bg-slate-950",
                "{text}"
            }
            button {
                id: "snippet-copy",
                r#type: "button",
                class: "mt-2 rounded-md border border-emerald-400 px-2 py-1 text-xs font-medium",
                onclick: move |_| {
                    copy(&text);
                    copied.set(true);
                },
                if copied() {
                    "Copied"
                } else {
                    "Copy"
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_names_the_server_and_the_token() {
        for kind in 0..KINDS.len() {
            let text = snippet(kind, "http://127.0.0.1:8080", "fd_abc");
            assert!(text.contains("http://127.0.0.1:8080"), "{text}");
            assert!(text.contains("fd_abc"), "{text}");
            assert!(!text.contains('@'), "a placeholder is left: {text}");
        }
        // OTEL_EXPORTER_OTLP_HEADERS is W3C-baggage-like: the space percent-encoded.
        assert!(snippet(0, "o", "t").contains("Authorization=Bearer%20t"));
        let mcp: serde_json::Value = serde_json::from_str(&snippet(4, "http://h", "t")).unwrap();
        assert_eq!(mcp["mcpServers"]["flightdeck"]["url"], "http://h/mcp");
    }
}
