//! MCP servers: the tool servers a workspace's agents use, enabled per workspace: a stdio
//! program the operator offers in `FLIGHTDECK_MCP_CONFIG` (by name), or a streamable-HTTP URL.
//! The server connects to each through the official Rust SDK (`rmcp`), all in parallel, each
//! failure isolated and retried with backoff, and reports which are connected ("3 of 4
//! connected") and the tools each offers.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod connect;
#[cfg(feature = "server")]
pub mod gateway;
#[cfg(feature = "server")]
pub mod manager;
#[cfg(feature = "server")]
pub mod operator;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;

use serde::{Deserialize, Serialize};

/// How to reach an MCP server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Transport {
    /// A stdio program the operator offers in `FLIGHTDECK_MCP_CONFIG`, by its name there.
    Operator {
        /// Its name in the operator's file.
        server: String,
    },
    /// A streamable-HTTP endpoint.
    Http {
        /// `http(s)://…`.
        url: String,
    },
    /// A command added through the API by an earlier version: listed so it can be removed,
    /// never run (programs come only from the operator).
    Stdio {
        /// The program.
        command: String,
        /// Its arguments.
        #[serde(default)]
        args: Vec<String>,
    },
}

#[cfg(feature = "server")]
impl Transport {
    /// As someone who is not an admin, the audit log and the live events may see it: an URL's
    /// userinfo and query values hidden, a legacy command's arguments too.
    pub fn redacted(&self) -> Transport {
        match self {
            Transport::Http { url } => Transport::Http {
                url: crate::audit::redact::redact_url(url),
            },
            Transport::Stdio { command, args } => Transport::Stdio {
                command: command.clone(),
                args: vec!["***".into(); args.len().min(1)],
            },
            offered @ Transport::Operator { .. } => offered.clone(),
        }
    }
}

/// `GET /api/mcp/offered`: a stdio server the operator offers, which admins may enable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedServer {
    /// Its name in the operator's file (what `{"kind": "operator", "server"}` names).
    pub name: String,
    /// The program.
    pub command: String,
    /// The names of the variables it gets. Neither their values nor the program's arguments
    /// are shown: either may hold the operator's secrets.
    pub env: Vec<String>,
}

/// A configured MCP server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpServer {
    /// Its id.
    pub id: String,
    /// Its name, unique in the workspace.
    pub name: String,
    /// How to reach it.
    pub transport: Transport,
}

/// `POST /api/mcp/servers` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMcpServer {
    /// 1 to 64 characters.
    pub name: String,
    /// How to reach it.
    pub transport: Transport,
}

impl NewMcpServer {
    /// Checks the fields; `Err((field, message))` names the first bad one.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(("name", "name must be 1 to 64 characters".into()));
        }
        if name.eq_ignore_ascii_case(crate::policies::OWN_SERVER) {
            return Err((
                "name",
                "flightdeck is the name of Flightdeck's own tools in the gateway's policies: choose another".into(),
            ));
        }
        match &self.transport {
            Transport::Stdio { .. } => {
                return Err((
                    "transport.kind",
                    "stdio programs come only from the operator's FLIGHTDECK_MCP_CONFIG file: enable one with {\"kind\": \"operator\", \"server\": \"<name>\"}, or add an http(s) URL".into(),
                ));
            }
            Transport::Operator { server } => {
                if server.trim().is_empty() || server.len() > 128 {
                    return Err((
                        "transport.server",
                        "transport.server must name a server the operator offers".into(),
                    ));
                }
            }
            Transport::Http { url } => {
                let ok = (url.starts_with("http://") || url.starts_with("https://"))
                    && url.len() <= 2048
                    && !url.contains(char::is_whitespace);
                if !ok {
                    return Err((
                        "transport.url",
                        "transport.url must be an http:// or https:// URL".into(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Where a connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnState {
    /// Connecting (the first time, or again after a failure).
    Connecting,
    /// Connected; its tools are listed.
    Connected,
    /// The last attempt failed; the next one is at `nextRetryAt`.
    Failed,
}

impl ConnState {
    /// The name used in payloads, which the Agents page shows.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Connected => "connected",
            ConnState::Failed => "failed",
        }
    }
}

/// A tool an MCP server offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Its name.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
}

/// One server's connection, as the Agents page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    /// The server.
    #[serde(flatten)]
    pub server: McpServer,
    /// Where its connection stands.
    pub state: ConnState,
    /// Its tools, while connected.
    pub tools: Vec<ToolInfo>,
    /// Connection attempts that failed in a row.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt starts (ms since the Unix epoch), after a failure.
    pub next_retry_at: Option<i64>,
    /// When it connected (ms since the Unix epoch).
    pub connected_at: Option<i64>,
}

/// A workspace's MCP connectivity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpHealth {
    /// Servers connected.
    pub connected: usize,
    /// Servers configured.
    pub total: usize,
    /// "3 of 4 connected".
    pub summary: String,
}

impl McpHealth {
    /// The health of these connections.
    pub fn of(statuses: &[ServerStatus]) -> Self {
        let connected = statuses
            .iter()
            .filter(|status| status.state == ConnState::Connected)
            .count();
        let total = statuses.len();
        let summary = match total {
            0 => "no MCP servers configured".to_owned(),
            _ => format!("{connected} of {total} connected"),
        };
        Self {
            connected,
            total,
            summary,
        }
    }
}

/// An MCP client connected to the gateway at `/mcp` (`GET /api/mcp/clients`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpClient {
    /// The agent whose token it uses.
    pub agent_id: String,
    /// Its name.
    pub agent_name: String,
    /// The client's name, as it said in `initialize` ("claude-code").
    pub client_name: String,
    /// Its version.
    pub client_version: String,
    /// When it connected (ms since the Unix epoch).
    pub connected_at: i64,
}

/// `GET /api/mcp/servers` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpOverview {
    /// Each server's connection.
    pub servers: Vec<ServerStatus>,
    /// All of them together.
    pub health: McpHealth,
}

/// The next retry's delay after `attempts` failures in a row: `base`, doubled each time, at most
/// 60 s.
pub fn backoff_ms(base_ms: u64, attempts: u32) -> u64 {
    let doubled = base_ms.saturating_mul(1u64 << attempts.saturating_sub(1).min(16));
    doubled.min(60_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(state: ConnState) -> ServerStatus {
        ServerStatus {
            server: McpServer {
                id: "s".into(),
                name: "s".into(),
                transport: Transport::Http {
                    url: "http://127.0.0.1:1/mcp".into(),
                },
            },
            state,
            tools: vec![],
            attempts: 0,
            last_error: None,
            next_retry_at: None,
            connected_at: None,
        }
    }

    #[test]
    fn the_overview_and_a_new_server_read_back_as_sent() {
        // What the Agents page decodes and sends, through the text as the browser has it.
        let mut failed = status(ConnState::Failed);
        failed.last_error = Some("refused".into());
        failed.attempts = 2;
        let overview = McpOverview {
            health: McpHealth::of(std::slice::from_ref(&failed)),
            servers: vec![failed],
        };
        let text = serde_json::to_string(&overview).unwrap();
        assert_eq!(
            serde_json::from_str::<McpOverview>(&text).unwrap(),
            overview
        );
        let sent: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(sent["servers"][0]["state"], ConnState::Failed.as_str());
        for state in [
            ConnState::Connecting,
            ConnState::Connected,
            ConnState::Failed,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        let new = NewMcpServer {
            name: "docs".into(),
            transport: Transport::Operator {
                server: "fs".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            json!({ "name": "docs", "transport": { "kind": "operator", "server": "fs" } })
        );
    }

    #[test]
    fn health_counts_partial_connectivity() {
        use ConnState::*;
        let statuses = [
            status(Connected),
            status(Connected),
            status(Failed),
            status(Connected),
        ];
        let health = McpHealth::of(&statuses);
        assert_eq!((health.connected, health.total), (3, 4));
        assert_eq!(health.summary, "3 of 4 connected");
        assert_eq!(McpHealth::of(&[]).summary, "no MCP servers configured");
    }

    #[test]
    fn retries_back_off_to_a_minute() {
        assert_eq!(backoff_ms(1000, 1), 1000);
        assert_eq!(backoff_ms(1000, 2), 2000);
        assert_eq!(backoff_ms(1000, 4), 8000);
        assert_eq!(backoff_ms(1000, 30), 60_000);
    }

    #[test]
    fn transports_read_as_tagged_json() {
        let stdio: Transport =
            serde_json::from_value(json!({ "kind": "stdio", "command": "node", "args": ["x.js"] }))
                .unwrap();
        assert_eq!(
            stdio,
            Transport::Stdio {
                command: "node".into(),
                args: vec!["x.js".into()]
            }
        );
        let bad = NewMcpServer {
            name: "x".into(),
            transport: Transport::Http {
                url: "ftp://nope".into(),
            },
        };
        assert_eq!(bad.validate().unwrap_err().0, "transport.url");
        let reserved = NewMcpServer {
            name: "Flightdeck".into(),
            transport: Transport::Http {
                url: "https://mcp.example.com/".into(),
            },
        };
        assert_eq!(reserved.validate().unwrap_err().0, "name");
    }

    #[test]
    fn programs_come_only_from_the_operator() {
        let stdio = NewMcpServer {
            name: "x".into(),
            transport: Transport::Stdio {
                command: "sh".into(),
                args: vec!["-c".into(), "id".into()],
            },
        };
        assert_eq!(stdio.validate().unwrap_err().0, "transport.kind");
        let offered: Transport =
            serde_json::from_value(json!({ "kind": "operator", "server": "everything" })).unwrap();
        let enabled = NewMcpServer {
            name: "x".into(),
            transport: offered,
        };
        assert_eq!(enabled.validate(), Ok(()));
    }
}
