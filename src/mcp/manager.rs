//! The MCP connection manager: one task per configured server, all started at once and never
//! awaited by startup. Each connects through `rmcp` under its own timeout, lists the server's
//! tools, and then waits for the connection to end; a failure (or an end) is logged and retried
//! with exponential backoff. Removing a server drops its task, which closes the connection and
//! stops a stdio server's process.

use super::{backoff_ms, ConnState, McpHealth, McpServer, ServerStatus, ToolInfo, Transport};
use crate::records::{now_ms, Records};
use crate::sync::hub::Hub;
use crate::sync::{live, Topic};
use rmcp::service::RunningService;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Why one connection attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The program could not be started.
    #[error("cannot start {command:?}: {source}")]
    Spawn {
        /// The program.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// The MCP handshake or the tool listing failed.
    #[error("{0}")]
    Protocol(String),
    /// No answer within the connect timeout.
    #[error("no answer within {0} ms")]
    TimedOut(u128),
}

/// A live MCP client session.
pub type Session = RunningService<RoleClient, ()>;

/// Connects to one server and lists its tools, within `timeout`.
pub async fn connect(
    transport: &Transport,
    timeout: Duration,
) -> Result<(Session, Vec<ToolInfo>), ConnectError> {
    let attempt = async {
        let session = match transport {
            Transport::Stdio { command, args } => {
                let mut cmd = tokio::process::Command::new(command);
                cmd.args(args);
                let (child, _) = TokioChildProcess::builder(cmd)
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|source| ConnectError::Spawn {
                        command: command.clone(),
                        source,
                    })?;
                ().serve(child)
                    .await
                    .map_err(|err| ConnectError::Protocol(err.to_string()))?
            }
            Transport::Http { url } => {
                let transport = StreamableHttpClientTransport::from_uri(url.as_str());
                ().serve(transport)
                    .await
                    .map_err(|err| ConnectError::Protocol(err.to_string()))?
            }
        };
        let tools = session
            .list_all_tools()
            .await
            .map_err(|err| ConnectError::Protocol(format!("listing tools: {err}")))?
            .into_iter()
            .map(|tool| ToolInfo {
                name: tool.name.to_string(),
                description: tool.description.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect();
        Ok((session, tools))
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(ConnectError::TimedOut(timeout.as_millis())))
}

/// Connects to every transport, all at once or one after another (for the benchmark's
/// comparison); each result in order, the sessions closed.
pub async fn connect_all(
    transports: &[Transport],
    timeout: Duration,
    parallel: bool,
) -> Vec<Result<Vec<ToolInfo>, ConnectError>> {
    let strip = |result: Result<(Session, Vec<ToolInfo>), ConnectError>| result.map(|(_, t)| t);
    if parallel {
        let attempts = transports.iter().map(|t| connect(t, timeout));
        futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(strip)
            .collect()
    } else {
        let mut results = Vec::new();
        for transport in transports {
            results.push(strip(connect(transport, timeout).await));
        }
        results
    }
}

struct Entry {
    workspace_id: String,
    status: ServerStatus,
    task: JoinHandle<()>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct Settings {
    timeout: Duration,
    backoff_base_ms: u64,
    hub: Option<Hub>,
}

/// Every workspace's MCP connections on this instance; cheap to clone.
#[derive(Clone)]
pub struct Mcp {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    settings: Arc<Settings>,
}

impl std::fmt::Debug for Mcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mcp")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Mcp {
    /// A manager whose attempts time out after `timeout` and back off from `backoff_base_ms`;
    /// status changes are published on the workspace's `agent_state` topic through `hub`.
    pub fn new(timeout: Duration, backoff_base_ms: u64, hub: Option<Hub>) -> Self {
        Self {
            entries: Arc::default(),
            settings: Arc::new(Settings {
                timeout,
                backoff_base_ms,
                hub,
            }),
        }
    }

    /// Starts a connection task for every configured server and returns at once.
    pub async fn start(&self, records: &Records) -> anyhow::Result<usize> {
        let servers = records.all_mcp_servers().await?;
        let count = servers.len();
        for (workspace_id, server) in servers {
            self.connect(&workspace_id, server);
        }
        Ok(count)
    }

    /// Starts (or restarts) the connection of one server.
    pub fn connect(&self, workspace_id: &str, server: McpServer) {
        let id = server.id.clone();
        let status = ServerStatus {
            server: server.clone(),
            state: ConnState::Connecting,
            tools: Vec::new(),
            attempts: 0,
            last_error: None,
            next_retry_at: None,
            connected_at: None,
        };
        let mut entries = self.lock();
        let task = tokio::spawn(self.clone().run(workspace_id.to_owned(), server));
        entries.insert(
            id,
            Entry {
                workspace_id: workspace_id.to_owned(),
                status,
                task,
            },
        );
    }

    /// Stops one server's connection (its process too); whether it was there.
    pub fn remove(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    /// The workspace's servers, by name.
    pub fn statuses(&self, workspace_id: &str) -> Vec<ServerStatus> {
        let mut statuses: Vec<ServerStatus> = self
            .lock()
            .values()
            .filter(|entry| entry.workspace_id == workspace_id)
            .map(|entry| entry.status.clone())
            .collect();
        statuses.sort_by(|a, b| a.server.name.cmp(&b.server.name));
        statuses
    }

    /// The workspace's connectivity.
    pub fn health(&self, workspace_id: &str) -> McpHealth {
        McpHealth::of(&self.statuses(workspace_id))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes one server's status and publishes it.
    async fn update(&self, id: &str, change: impl FnOnce(&mut ServerStatus)) {
        let published = {
            let mut entries = self.lock();
            let Some(entry) = entries.get_mut(id) else {
                return;
            };
            change(&mut entry.status);
            (entry.workspace_id.clone(), entry.status.clone())
        };
        if let Some(hub) = &self.settings.hub {
            let (workspace_id, status) = published;
            let event = serde_json::json!({ "kind": "mcp", "server": status });
            if let Err(err) = live::publish(hub, &workspace_id, Topic::AgentState, &event).await {
                tracing::debug!("MCP status not published: {err:#}");
            }
        }
    }

    /// One server's connection, for as long as it is configured.
    async fn run(self, workspace_id: String, server: McpServer) {
        let mut failures: u32 = 0;
        loop {
            match connect(&server.transport, self.settings.timeout).await {
                Ok((session, tools)) => {
                    tracing::info!(workspace = %workspace_id, server = %server.name, tools = tools.len(), "MCP server connected");
                    self.update(&server.id, |status| {
                        status.state = ConnState::Connected;
                        status.tools = tools;
                        status.attempts = 0;
                        status.last_error = None;
                        status.next_retry_at = None;
                        status.connected_at = Some(now_ms());
                    })
                    .await;
                    let reason = session.waiting().await;
                    tracing::warn!(server = %server.name, ?reason, "MCP server connection ended; reconnecting");
                    self.update(&server.id, |status| {
                        status.state = ConnState::Connecting;
                        status.tools.clear();
                        status.connected_at = None;
                        status.last_error = Some("the connection ended".into());
                    })
                    .await;
                    failures = 1;
                }
                Err(err) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(workspace = %workspace_id, server = %server.name, attempt = failures, "MCP server failed to connect: {err}");
                    let wait = backoff_ms(self.settings.backoff_base_ms, failures);
                    let message = err.to_string();
                    self.update(&server.id, |status| {
                        status.state = ConnState::Failed;
                        status.tools.clear();
                        status.attempts = failures;
                        status.last_error = Some(message);
                        status.next_retry_at = Some(now_ms() + wait as i64);
                        status.connected_at = None;
                    })
                    .await;
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    self.update(&server.id, |status| status.state = ConnState::Connecting)
                        .await;
                    continue;
                }
            }
            tokio::time::sleep(Duration::from_millis(backoff_ms(
                self.settings.backoff_base_ms,
                failures,
            )))
            .await;
        }
    }
}
