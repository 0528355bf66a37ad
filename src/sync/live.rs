//! Live topics: workspace-scoped events that any part of the server publishes (approvals on
//! `tool_run_status`, agents on `agent_state` and `activity`) and every subscribed connection of
//! that workspace receives, on every instance, through the [`Hub`]. `metrics_update` is produced
//! here: every second, by each instance, for its own subscribers, while it has any.

use super::hub::Hub;
use super::Topic;
use crate::records::now_ms;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often `metrics_update` is sent while someone is subscribed.
pub const METRICS_EVERY: Duration = Duration::from_secs(1);

/// The hub topic of a workspace's live topic.
pub fn hub_topic(workspace_id: &str, topic: Topic) -> String {
    format!("live:{workspace_id}:{}", topic.as_str())
}

/// The frame of an event: `{type: <topic>, payload}`.
pub fn frame(topic: Topic, payload: &impl Serialize) -> serde_json::Result<String> {
    serde_json::to_string(&json!({ "type": topic.as_str(), "payload": payload }))
}

/// Publishes an event to every subscriber of the workspace's topic, on every instance.
pub async fn publish(
    hub: &Hub,
    workspace_id: &str,
    topic: Topic,
    payload: &impl Serialize,
) -> anyhow::Result<()> {
    hub.publish(&hub_topic(workspace_id, topic), frame(topic, payload)?)
        .await
}

/// One workspace's figures on this instance.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    connections: u64,
    edits: u64,
}

/// This instance's live figures per workspace, and its running metrics tickers.
#[derive(Clone, Debug, Default)]
pub struct Live {
    figures: Arc<Mutex<HashMap<String, Figures>>>,
    tickers: Arc<Mutex<HashSet<String>>>,
}

/// Counts a sync connection while it lives.
#[derive(Debug)]
pub struct Connected {
    live: Live,
    workspace_id: String,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.live.change(&self.workspace_id, |f| {
            f.connections = f.connections.saturating_sub(1)
        });
    }
}

impl Live {
    fn change(&self, workspace_id: &str, f: impl FnOnce(&mut Figures)) {
        let mut figures = self
            .figures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(figures.entry(workspace_id.to_owned()).or_default());
    }

    /// A sync connection opened in the workspace; counted until the guard drops.
    pub fn connected(&self, workspace_id: &str) -> Connected {
        self.change(workspace_id, |f| f.connections += 1);
        Connected {
            live: self.clone(),
            workspace_id: workspace_id.to_owned(),
        }
    }

    /// A dashboard edit was applied in the workspace.
    pub fn edited(&self, workspace_id: &str) {
        self.change(workspace_id, |f| f.edits += 1);
    }

    /// The `metrics_update` payload for the workspace now.
    pub fn metrics(&self, workspace_id: &str) -> serde_json::Value {
        let figures = self
            .figures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(workspace_id)
            .copied()
            .unwrap_or_default();
        json!({
            "at": now_ms(),
            "metrics": [
                { "name": "sync.connections", "value": figures.connections, "unit": "connections" },
                { "name": "sync.edits", "value": figures.edits, "unit": "edits" },
            ],
        })
    }

    /// Makes sure this instance sends the workspace's `metrics_update` every second; call after
    /// subscribing. The ticker stops by itself once nobody here is subscribed.
    pub fn tick_metrics(&self, hub: &Hub, workspace_id: &str) {
        let topic = hub_topic(workspace_id, Topic::MetricsUpdate);
        if !self
            .tickers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(topic.clone())
        {
            return;
        }
        let (live, hub, workspace_id) = (self.clone(), hub.clone(), workspace_id.to_owned());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(METRICS_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                {
                    // Decided under the lock `tick_metrics` takes, so that a subscriber arriving
                    // now either keeps this ticker or starts the next.
                    let mut tickers = live
                        .tickers
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    if hub.local_subscribers(&topic) == 0 {
                        tickers.remove(&topic);
                        return;
                    }
                }
                match frame(Topic::MetricsUpdate, &live.metrics(&workspace_id)) {
                    Ok(text) => hub.deliver_locally(&topic, text),
                    Err(err) => tracing::error!("metrics_update not sent: {err}"),
                }
            }
        });
    }
}
