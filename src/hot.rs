//! The hot store: one multiplexed, self-reconnecting Redis connection shared by every request,
//! and the key prefix that scopes this deployment's keys (`REDIS_URL`, `FLIGHTDECK_REDIS_PREFIX`).

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// A Redis connection and the prefix of every key it writes.
#[derive(Clone)]
pub struct Hot {
    /// The shared connection (cheap to clone; reconnects by itself).
    pub conn: ConnectionManager,
    /// The client, for dedicated connections (pub/sub).
    pub client: redis::Client,
    prefix: String,
}

impl std::fmt::Debug for Hot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hot").field("prefix", &self.prefix).finish()
    }
}

impl Hot {
    /// Connects, failing within a few seconds when Redis does not answer.
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("REDIS_URL is not a usable Redis URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .context("cannot connect to Redis at REDIS_URL")?;
        Ok(Self {
            conn,
            client,
            prefix: prefix.to_owned(),
        })
    }

    /// `prefix:part1:part2…`
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.prefix.clone();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }

    /// Whether Redis answers PING.
    pub async fn ping(&self) -> Result<(), String> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|err| err.to_string())
    }
}
