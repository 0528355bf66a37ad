//! The hub: topics that any connection can subscribe to and any request can publish on. One
//! process fans out in memory; with `REDIS_URL` every message goes through Redis pub/sub, so
//! that every instance's subscribers get it. Each subscriber has a bounded queue: one that falls
//! too far behind is told (`Lagged`) and catches up with a full state, instead of stalling others.

use crate::hot::Hot;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Messages a subscriber may fall behind by before it is told it lagged.
pub const QUEUE: usize = 256;

/// A message: the text frame as sent, made once per publish. Cloning it for each subscriber
/// shares the one buffer, and a WebSocket sends it as it is (`Message::Text`), without a copy
/// per connection.
pub type Message = axum::extract::ws::Utf8Bytes;

/// Topic → local subscribers, and the turn of each topic's writers.
#[derive(Default, Debug)]
struct Local {
    topics: Mutex<HashMap<String, broadcast::Sender<Message>>>,
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Local {
    fn subscribe(&self, topic: &str, capacity: usize) -> broadcast::Receiver<Message> {
        let mut topics = self
            .topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        topics.retain(|_, sender| sender.receiver_count() > 0);
        topics
            .entry(topic.to_owned())
            .or_insert_with(|| broadcast::channel(capacity).0)
            .subscribe()
    }

    fn deliver(&self, topic: &str, message: Message) {
        let topics = self
            .topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = topics.get(topic) {
            // No receiver left is fine: nobody is listening.
            let _ = sender.send(message);
        }
    }
}

/// The fan-out of one process, over Redis when configured.
#[derive(Clone, Debug)]
pub struct Hub {
    local: Arc<Local>,
    redis: Option<Hot>,
}

impl Hub {
    /// In memory, or through Redis (starting the task that relays Redis messages to local
    /// subscribers, reconnecting when Redis goes away).
    pub async fn start(hot: Option<&Hot>) -> anyhow::Result<Self> {
        let hub = Self {
            local: Arc::new(Local::default()),
            redis: hot.cloned(),
        };
        if let Some(hot) = hot {
            let pattern = hot.key(&["hub", "*"]);
            let prefix = hot.key(&["hub", ""]);
            // Fail at start when pub/sub is unusable, then keep relaying in the background.
            let pubsub = subscribe(hot, &pattern).await?;
            tokio::spawn(relay(
                hot.clone(),
                pubsub,
                pattern,
                prefix,
                hub.local.clone(),
            ));
        }
        Ok(hub)
    }

    /// Subscribes to a topic.
    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<Message> {
        self.local.subscribe(topic, QUEUE)
    }

    /// Subscribes to a topic that carries few messages, with a queue of `capacity` if this
    /// process has no subscriber of it yet (a queue's slots are allocated up front: 256 of them
    /// are ~10 KB, which a thousand waiting approvals would each hold). A subscriber that falls
    /// behind is told it lagged, as on any topic.
    pub fn subscribe_bounded(&self, topic: &str, capacity: usize) -> broadcast::Receiver<Message> {
        self.local.subscribe(topic, capacity)
    }

    /// How many subscribers the topic has in this process.
    pub fn local_subscribers(&self, topic: &str) -> usize {
        self.local
            .topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(topic)
            .map_or(0, |sender| sender.receiver_count())
    }

    /// Delivers to this process's subscribers only (what each instance produces for itself).
    pub fn deliver_locally(&self, topic: &str, message: String) {
        self.local.deliver(topic, message.into());
    }

    /// Waits for this process's turn to write to `topic` and publish the result, so that what it
    /// publishes leaves in the order it was written. (Across instances, Redis orders them: see
    /// [`Hub::channel`].)
    pub async fn turn(&self, topic: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut turns = self
                .local
                .turns
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            turns.retain(|_, lock| Arc::strong_count(lock) > 1);
            turns.entry(topic.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// The Redis channel of a topic, when messages go through Redis (for publishing from a
    /// script, atomically with a write).
    pub fn channel(&self, topic: &str) -> Option<String> {
        self.redis.as_ref().map(|hot| hot.key(&["hub", topic]))
    }

    /// Publishes to every subscriber of the topic, on every instance.
    pub async fn publish(&self, topic: &str, message: String) -> anyhow::Result<()> {
        match &self.redis {
            None => {
                self.local.deliver(topic, message.into());
                Ok(())
            }
            Some(hot) => {
                let mut conn = hot.conn.clone();
                redis::cmd("PUBLISH")
                    .arg(hot.key(&["hub", topic]))
                    .arg(message)
                    .query_async::<i64>(&mut conn)
                    .await
                    .map(|_| ())
                    .context("publishing on Redis")
            }
        }
    }

    /// `memory` or `redis`.
    pub fn kind(&self) -> &'static str {
        if self.redis.is_some() {
            "redis"
        } else {
            "memory"
        }
    }
}

async fn subscribe(hot: &Hot, pattern: &str) -> anyhow::Result<redis::aio::PubSub> {
    let mut pubsub = hot
        .client
        .get_async_pubsub()
        .await
        .context("opening a Redis pub/sub connection")?;
    pubsub
        .psubscribe(pattern)
        .await
        .context("subscribing to the hub's Redis channels")?;
    Ok(pubsub)
}

async fn relay(
    hot: Hot,
    mut pubsub: redis::aio::PubSub,
    pattern: String,
    prefix: String,
    local: Arc<Local>,
) {
    use futures_util::StreamExt;
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let channel = message.get_channel_name();
                let Some(topic) = channel.strip_prefix(&prefix) else {
                    continue;
                };
                match message.get_payload::<String>() {
                    Ok(text) => local.deliver(topic, text.into()),
                    Err(err) => tracing::warn!("unreadable hub message on {channel}: {err}"),
                }
            }
        }
        tracing::warn!("Redis pub/sub connection lost; reconnecting");
        let mut wait = Duration::from_millis(100);
        pubsub = loop {
            match subscribe(&hot, &pattern).await {
                Ok(pubsub) => break pubsub,
                Err(err) => {
                    tracing::warn!("{err:#}; retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_every_subscriber_of_a_topic_gets_each_message_once() {
        let hub = Hub::start(None).await.unwrap();
        let (mut a, mut b) = (hub.subscribe("t1"), hub.subscribe("t1"));
        let mut other = hub.subscribe("t2");
        hub.publish("t1", "hello".into()).await.unwrap();
        assert_eq!(&*a.recv().await.unwrap(), "hello");
        assert_eq!(&*b.recv().await.unwrap(), "hello");
        assert!(other.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_and_others_are_not_held_up() {
        let hub = Hub::start(None).await.unwrap();
        let mut slow = hub.subscribe("t");
        let mut fast = hub.subscribe("t");
        for i in 0..QUEUE + 10 {
            hub.publish("t", i.to_string()).await.unwrap();
            assert_eq!(&*fast.recv().await.unwrap(), i.to_string());
        }
        assert!(matches!(
            slow.recv().await,
            Err(broadcast::error::RecvError::Lagged(10))
        ));
    }
}
