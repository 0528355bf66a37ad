//! The MCP connection manager: one task per configured server, all started at once and never
//! awaited by startup. Each connects under its own timeout ([`super::connect`]), keeps the session
//! while it lasts, and on a failure (or an end) logs it and retries with exponential backoff.
//! Dropping a server's entry aborts its task, which closes the session and stops its process.
//! What runs follows the records: at start, on each change here, and by a periodic resync (so
//! every instance follows a change made on another).

use super::connect::{connect, Upstream};
use super::operator::OperatorServers;
use super::{backoff_ms, ConnState, McpHealth, McpServer, ServerStatus, ToolInfo};
use crate::egress::Egress;
use crate::records::{now_ms, Records};
use crate::sync::hub::Hub;
use crate::sync::{live, Topic};
use rmcp::handler::client::progress::ProgressDispatcher;
use rmcp::model::Tool;
use rmcp::service::QuitReason;
use rmcp::{Peer, RoleClient};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// How often the running connections are matched against the records.
const RESYNC_EVERY: Duration = Duration::from_secs(30);
/// A connection that lasted this long resets the backoff when it ends.
const STABLE_AFTER: Duration = Duration::from_secs(60);

struct Entry {
    workspace_id: String,
    status: ServerStatus,
    /// While connected: how to call it, its tools as it lists them, its calls' progress.
    live: Option<Live>,
    task: JoinHandle<()>,
}

#[derive(Clone)]
struct Live {
    peer: Peer<RoleClient>,
    tools: Vec<Tool>,
    progress: ProgressDispatcher,
}

/// A connected upstream server, as the gateway calls it.
#[derive(Clone)]
pub struct Connected {
    /// Its name in the workspace.
    pub name: String,
    /// The session's sending side.
    pub peer: Peer<RoleClient>,
    /// Its tools.
    pub tools: Vec<Tool>,
    /// Progress of the calls sent to it, by token.
    pub progress: ProgressDispatcher,
}

fn tool_info(tool: &Tool) -> ToolInfo {
    ToolInfo {
        name: tool.name.to_string(),
        description: tool.description.as_deref().unwrap_or_default().to_owned(),
    }
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
    offered: OperatorServers,
    egress: Egress,
}

/// Every workspace's MCP connections on this instance; cheap to clone.
#[derive(Clone)]
pub struct Mcp {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    settings: Arc<Settings>,
    /// The workspace whose upstream tools changed (connected, gone, relisted): the gateway's
    /// sessions tell their clients.
    changes: tokio::sync::broadcast::Sender<String>,
}

impl std::fmt::Debug for Mcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mcp")
            .field("settings", &self.settings)
            .finish()
    }
}

/// Which configured ids are not running yet, and which running ids are no longer configured.
pub fn plan(running: &[String], configured: &[String]) -> (Vec<String>, Vec<String>) {
    let running_set: HashSet<&String> = running.iter().collect();
    let configured_set: HashSet<&String> = configured.iter().collect();
    let start = configured
        .iter()
        .filter(|id| !running_set.contains(id))
        .cloned()
        .collect();
    let stop = running
        .iter()
        .filter(|id| !configured_set.contains(id))
        .cloned()
        .collect();
    (start, stop)
}

impl Mcp {
    /// A manager whose attempts time out after `timeout` and back off from `backoff_base_ms`;
    /// status changes are published on the workspace's `agent_state` topic through `hub`.
    /// `offered` are the operator's programs, the only ones it starts; HTTP servers are reached
    /// through `egress`.
    pub fn new(
        timeout: Duration,
        backoff_base_ms: u64,
        hub: Option<Hub>,
        offered: OperatorServers,
        egress: Egress,
    ) -> Self {
        Self {
            entries: Arc::default(),
            changes: tokio::sync::broadcast::channel(64).0,
            settings: Arc::new(Settings {
                timeout,
                backoff_base_ms,
                hub,
                offered,
                egress,
            }),
        }
    }

    /// Tells of every workspace whose upstream tools changed.
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// The workspace's connected servers, by name.
    pub fn connected(&self, workspace_id: &str) -> Vec<Connected> {
        let mut connected: Vec<Connected> = self
            .lock()
            .values()
            .filter(|entry| entry.workspace_id == workspace_id)
            .filter_map(|entry| {
                entry.live.as_ref().map(|live| Connected {
                    name: entry.status.server.name.clone(),
                    peer: live.peer.clone(),
                    tools: live.tools.clone(),
                    progress: live.progress.clone(),
                })
            })
            .collect();
        connected.sort_by(|a, b| a.name.cmp(&b.name));
        connected
    }

    /// One tool of a connected server of the workspace, by the server's and the tool's names.
    pub fn tool(&self, workspace_id: &str, server: &str, tool: &str) -> Option<Tool> {
        self.lock()
            .values()
            .filter(|entry| {
                entry.workspace_id == workspace_id && entry.status.server.name == server
            })
            .find_map(|entry| {
                entry
                    .live
                    .as_ref()?
                    .tools
                    .iter()
                    .find(|t| t.name == tool)
                    .cloned()
            })
    }

    /// The operator's programs that admins may enable.
    pub fn offered(&self) -> &OperatorServers {
        &self.settings.offered
    }

    /// Starts a connection task for every configured server and the periodic resync, and
    /// returns at once with the number of servers.
    pub async fn start(&self, records: &Records) -> anyhow::Result<usize> {
        let servers = records.all_mcp_servers().await?;
        let count = servers.len();
        self.reconcile_in(None, servers);
        tokio::spawn(self.clone().resync(records.clone()));
        Ok(count)
    }

    async fn resync(self, records: Records) {
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + RESYNC_EVERY, RESYNC_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match records.all_mcp_servers().await {
                Ok(servers) => self.reconcile_in(None, servers),
                Err(err) => tracing::warn!("MCP resync skipped: {err:#}"),
            }
        }
    }

    /// Makes the workspace's connections those of `configured`: new servers start connecting,
    /// removed ones are dropped, the others go on as they are.
    pub fn reconcile(&self, workspace_id: &str, configured: Vec<McpServer>) {
        let configured = configured
            .into_iter()
            .map(|server| (workspace_id.to_owned(), server))
            .collect();
        self.reconcile_in(Some(workspace_id), configured);
    }

    /// `reconcile` for one workspace, or for all of them when `scope` is `None`.
    fn reconcile_in(&self, scope: Option<&str>, configured: Vec<(String, McpServer)>) {
        let mut entries = self.lock();
        let running: Vec<String> = entries
            .iter()
            .filter(|(_, entry)| scope.is_none_or(|ws| entry.workspace_id == ws))
            .map(|(id, _)| id.clone())
            .collect();
        let ids: Vec<String> = configured.iter().map(|(_, s)| s.id.clone()).collect();
        let (start, stop) = plan(&running, &ids);
        for id in stop {
            entries.remove(&id);
        }
        let start: HashSet<String> = start.into_iter().collect();
        for (workspace_id, server) in configured {
            if start.contains(&server.id) {
                self.spawn(&mut entries, &workspace_id, server);
            }
        }
    }

    /// Starts connecting one server unless it already is; whether it started.
    pub fn connect(&self, workspace_id: &str, server: McpServer) -> bool {
        let mut entries = self.lock();
        if entries.contains_key(&server.id) {
            return false;
        }
        self.spawn(&mut entries, workspace_id, server);
        true
    }

    fn spawn(&self, entries: &mut HashMap<String, Entry>, workspace_id: &str, server: McpServer) {
        let status = ServerStatus {
            server: server.clone(),
            state: ConnState::Connecting,
            tools: Vec::new(),
            attempts: 0,
            last_error: None,
            next_retry_at: None,
            connected_at: None,
        };
        // The task's first update waits for the lock held here, so it finds its entry.
        let task = tokio::spawn(self.clone().run(workspace_id.to_owned(), server.clone()));
        let entry = Entry {
            workspace_id: workspace_id.to_owned(),
            status,
            live: None,
            task,
        };
        entries.insert(server.id, entry);
    }

    /// Stops one server's connection (its process too); whether it was there.
    pub fn remove(&self, id: &str) -> bool {
        let removed = self.lock().remove(id);
        if let Some(entry) = &removed {
            if entry.live.is_some() {
                let _ = self.changes.send(entry.workspace_id.clone());
            }
        }
        removed.is_some()
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

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes one server's status and publishes it.
    async fn update(&self, id: &str, change: impl FnOnce(&mut ServerStatus)) {
        self.update_live(id, None, change).await;
    }

    /// Changes one server's status (and, when `live` is given, what the gateway calls: `Some`
    /// connected, `None` gone) and publishes it.
    async fn update_live(
        &self,
        id: &str,
        live: Option<Option<Live>>,
        change: impl FnOnce(&mut ServerStatus),
    ) {
        let (workspace_id, status) = {
            let mut entries = self.lock();
            let Some(entry) = entries.get_mut(id) else {
                return;
            };
            change(&mut entry.status);
            if let Some(live) = live {
                if let Some(now) = &live {
                    entry.status.tools = now.tools.iter().map(tool_info).collect();
                }
                entry.live = live;
                let _ = self.changes.send(entry.workspace_id.clone());
            }
            (entry.workspace_id.clone(), entry.status.clone())
        };
        if let Some(hub) = &self.settings.hub {
            // Every member follows the topic, viewers too: secrets in the URL stay hidden (the
            // pages read the servers again, as each one may see them).
            let mut status = status;
            status.server.transport = status.server.transport.redacted();
            let event = serde_json::json!({ "kind": "mcp", "server": status });
            if let Err(err) = live::publish(hub, &workspace_id, Topic::AgentState, &event).await {
                tracing::debug!("MCP status not published: {err:#}");
            }
        }
    }

    /// One server's connection, for as long as its entry lives.
    async fn run(self, workspace_id: String, server: McpServer) {
        let id = server.id.as_str();
        // Failures in a row; a connection that ends soon after it was made counts as one more.
        let mut failures: u32 = 0;
        loop {
            let attempt = connect(
                &server.transport,
                self.settings.timeout,
                &self.settings.offered,
                &self.settings.egress,
            );
            let error = match attempt.await {
                Ok((session, tools)) => {
                    tracing::info!(workspace = %workspace_id, server = %server.name, tools = tools.len(), "MCP server connected");
                    let upstream: Upstream = session.service().clone();
                    let live = Live {
                        peer: session.peer().clone(),
                        tools,
                        progress: upstream.progress.clone(),
                    };
                    self.update_live(id, Some(Some(live.clone())), |status| {
                        status.state = ConnState::Connected;
                        status.attempts = 0;
                        status.last_error = None;
                        status.next_retry_at = None;
                        status.connected_at = Some(now_ms());
                    })
                    .await;
                    let since = Instant::now();
                    let reason = self
                        .follow(id, session, live, &upstream.tools_changed)
                        .await;
                    if since.elapsed() >= STABLE_AFTER {
                        failures = 0;
                    }
                    match reason {
                        Ok(QuitReason::Closed) => "the server closed the connection".to_owned(),
                        other => format!("the connection ended: {other:?}"),
                    }
                }
                Err(err) => err.to_string(),
            };
            failures = failures.saturating_add(1);
            let wait = backoff_ms(self.settings.backoff_base_ms, failures);
            tracing::warn!(workspace = %workspace_id, server = %server.name, attempt = failures, retry_in_ms = wait, "MCP server not connected: {error}");
            self.update_live(id, Some(None), |status| {
                status.state = ConnState::Failed;
                status.tools.clear();
                status.attempts = failures;
                status.last_error = Some(error);
                status.next_retry_at = Some(now_ms() + wait as i64);
                status.connected_at = None;
            })
            .await;
            tokio::time::sleep(Duration::from_millis(wait)).await;
            self.update(id, |status| status.state = ConnState::Connecting)
                .await;
        }
    }
}

impl Mcp {
    /// Waits for a connected session to end, listing its tools again each time it says they
    /// changed.
    async fn follow(
        &self,
        id: &str,
        session: super::connect::Session,
        mut live: Live,
        changed: &tokio::sync::Notify,
    ) -> Result<QuitReason, tokio::task::JoinError> {
        let ended = session.waiting();
        tokio::pin!(ended);
        loop {
            tokio::select! {
                reason = &mut ended => return reason,
                () = changed.notified() => match live.peer.list_all_tools().await {
                    Ok(tools) => {
                        tracing::info!(server = id, tools = tools.len(), "MCP server's tools changed");
                        live.tools = tools;
                        self.update_live(id, Some(Some(live.clone())), |_| {}).await;
                    }
                    Err(err) => tracing::warn!(server = id, "MCP server's tools not listed again: {err}"),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
