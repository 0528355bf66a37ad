//! This instance's gateway sessions, for the Agents page (each told on the workspace's
//! `agent_state` topic as it comes and goes), and its compiled policies.

use crate::mcp::McpClient;
use crate::policies::decide::CompiledCache;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// This instance's gateway sessions (for the Agents page) and compiled policies.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    clients: Arc<Mutex<HashMap<u64, (String, McpClient)>>>,
    next: Arc<AtomicU64>,
    /// Each workspace's policy, compiled once per revision.
    pub policies: CompiledCache,
}

/// A session's place in [`Shared`]; dropping it removes the session. Both are told on the
/// workspace's `agent_state` topic, so the Agents page lists who is connected.
pub(super) struct Registration {
    shared: Shared,
    key: u64,
    hub: crate::sync::hub::Hub,
    workspace_id: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.shared.lock().remove(&self.key);
        tell(&self.hub, &self.workspace_id);
    }
}

fn tell(hub: &crate::sync::hub::Hub, workspace_id: &str) {
    let (hub, workspace_id) = (hub.clone(), workspace_id.to_owned());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let event = json!({ "kind": "mcp_client" });
            let topic = crate::sync::Topic::AgentState;
            if let Err(err) = crate::sync::live::publish(&hub, &workspace_id, topic, &event).await {
                tracing::debug!("MCP client change not published: {err:#}");
            }
        });
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (String, McpClient)>> {
        self.clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The MCP clients connected to the workspace's gateway on this instance, oldest first.
    pub fn clients(&self, workspace_id: &str) -> Vec<McpClient> {
        let mut clients: Vec<McpClient> = self
            .lock()
            .values()
            .filter(|(ws, _)| ws == workspace_id)
            .map(|(_, client)| client.clone())
            .collect();
        clients.sort_by_key(|client| client.connected_at);
        clients
    }

    pub(super) fn register(
        &self,
        hub: &crate::sync::hub::Hub,
        workspace_id: &str,
        client: McpClient,
    ) -> Registration {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(key, (workspace_id.to_owned(), client));
        tell(hub, workspace_id);
        Registration {
            shared: self.clone(),
            key,
            hub: hub.clone(),
            workspace_id: workspace_id.to_owned(),
        }
    }
}
