//! Fan-out to one connection. A hub message is a frame serialised once per publish; every
//! connection that receives it sends that same buffer ([`outgoing`]), neither serialising nor
//! copying it per socket. A connection's live-topic subscriptions forward into one bounded queue
//! that it drains.

use super::hub::Message as HubMessage;
use super::live::hub_topic;
use super::{ErrorPayload, ServerFrame, Topic};
use crate::state::AppState;
use axum::extract::ws::Message;
use std::collections::HashMap;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The WebSocket message of a hub message: the shared buffer itself.
pub fn outgoing(message: HubMessage) -> Message {
    Message::Text(message)
}

/// A connection's live-topic subscriptions: each forwards its hub messages into one bounded
/// queue that the connection drains.
pub struct Subscriptions {
    forwarders: HashMap<Topic, JoinHandle<()>>,
    queue: mpsc::Sender<HubMessage>,
}

impl Subscriptions {
    /// None yet; their events will go into `queue`.
    pub fn new(queue: mpsc::Sender<HubMessage>) -> Self {
        Self {
            forwarders: HashMap::new(),
            queue,
        }
    }

    /// Starts forwarding the workspace's `topic` (once, however often asked).
    pub fn add(&mut self, state: &AppState, workspace_id: &str, topic: Topic) {
        if self.forwarders.contains_key(&topic) {
            return;
        }
        let hub_topic = hub_topic(workspace_id, topic);
        let mut receiver = state.hub.subscribe(&hub_topic);
        if topic == Topic::MetricsUpdate {
            state.live.tick_metrics(&state.hub, workspace_id);
        }
        let queue = self.queue.clone();
        let forwarder = tokio::spawn(async move {
            loop {
                let message = match receiver.recv().await {
                    Ok(message) => message,
                    // Events are news, not state: one that fell behind is told what it missed.
                    Err(RecvError::Lagged(missed)) => {
                        let frame = ServerFrame::Error(ErrorPayload {
                            code: "lagged".into(),
                            message: format!(
                                "{missed} {} events were dropped because this connection fell behind",
                                topic.as_str()
                            ),
                            mutation_id: None,
                        });
                        match serde_json::to_string(&frame) {
                            Ok(text) => text.into(),
                            Err(_) => continue,
                        }
                    }
                    Err(RecvError::Closed) => return,
                };
                if queue.send(message).await.is_err() {
                    return;
                }
            }
        });
        self.forwarders.insert(topic, forwarder);
    }

    /// Stops forwarding `topic`.
    pub fn remove(&mut self, topic: Topic) {
        if let Some(forwarder) = self.forwarders.remove(&topic) {
            forwarder.abort();
        }
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        for forwarder in self.forwarders.values() {
            forwarder.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::hub::Hub;

    #[tokio::test]
    async fn every_connection_sends_the_one_buffer_a_publish_made() {
        let hub = Hub::start(None).await.unwrap();
        let mut connections: Vec<_> = (0..3).map(|_| hub.subscribe("t")).collect();
        let frame = r#"{"type":"state:sync","payload":{"version":1}}"#;
        hub.publish("t", frame.to_owned()).await.unwrap();
        let mut sent = Vec::new();
        for connection in &mut connections {
            match outgoing(connection.recv().await.unwrap()) {
                Message::Text(text) => sent.push(text),
                other => panic!("not a text frame: {other:?}"),
            }
        }
        assert!(sent.iter().all(|text| text.as_str() == frame));
        let at = sent[0].as_str().as_ptr();
        assert!(
            sent.iter().all(|text| text.as_str().as_ptr() == at),
            "a connection sent its own copy of the frame"
        );
    }
}
