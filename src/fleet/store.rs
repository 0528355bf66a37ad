//! The agent-data cache: the latest [`FleetItem`]s of each workspace and kind, each fresh for
//! its kind's TTL (`CACHE_TTL_SHORT` for vitals and health, `CACHE_TTL_LONG` for alerts,
//! `CACHE_TTL_DEFAULT` for the rest). In Redis, one hash per workspace and kind shared by every
//! instance, when `REDIS_URL` is set; else in this process's memory. Items past their TTL are
//! not returned and are dropped on the next write or read.

use super::{FleetItem, Kind, ACTIVITY_KEPT};
use crate::config::CacheTtl;
use crate::hot::Hot;
use crate::records::now_ms;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long items of `kind` stay fresh.
pub fn ttl_of(ttl: &CacheTtl, kind: Kind) -> Duration {
    match kind {
        Kind::Vitals | Kind::Health => ttl.short,
        Kind::Alerts => ttl.long,
        Kind::Projects | Kind::Tasks | Kind::Metrics | Kind::Activity => ttl.default,
    }
}

type Items = HashMap<String, FleetItem>;

#[derive(Clone, Debug)]
enum Backend {
    Memory(Arc<Mutex<HashMap<(String, Kind), Items>>>),
    Redis(Hot),
}

/// The cache, cheap to clone.
#[derive(Clone, Debug)]
pub struct FleetStore {
    ttl: CacheTtl,
    backend: Backend,
}

impl FleetStore {
    /// Redis when given, else memory.
    pub fn new(hot: Option<&Hot>, ttl: CacheTtl) -> Self {
        let backend = match hot {
            Some(hot) => Backend::Redis(hot.clone()),
            None => Backend::Memory(Arc::default()),
        };
        Self { ttl, backend }
    }

    /// `redis` or `memory`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// The TTLs in force.
    pub fn ttl(&self) -> CacheTtl {
        self.ttl
    }

    /// Writes items (each replaces the one of the same kind and key).
    pub async fn put(&self, workspace_id: &str, items: &[FleetItem]) -> anyhow::Result<()> {
        match &self.backend {
            Backend::Memory(map) => {
                let now = now_ms();
                let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                for item in items {
                    let kind_items = map.entry((workspace_id.to_owned(), item.kind)).or_default();
                    kind_items.insert(item.key.clone(), item.clone());
                }
                for kind in items.iter().map(|item| item.kind) {
                    if let Some(kind_items) = map.get_mut(&(workspace_id.to_owned(), kind)) {
                        let fresh = fresh_sorted(kind, self.ttl, now, kind_items.values().cloned());
                        if fresh.len() != kind_items.len() {
                            kind_items.retain(|key, _| fresh.iter().any(|item| &item.key == key));
                        }
                    }
                }
                Ok(())
            }
            Backend::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let mut pipe = redis::pipe();
                for item in items {
                    let key = hot.key(&["fleet", workspace_id, item.kind.as_str()]);
                    pipe.hset(&key, &item.key, serde_json::to_string(item)?)
                        .ignore();
                    let ttl = ttl_of(&self.ttl, item.kind).as_millis() as i64;
                    pipe.pexpire(&key, ttl).ignore();
                }
                pipe.query_async::<()>(&mut conn)
                    .await
                    .context("writing fleet data to Redis")
            }
        }
    }

    /// One item, if it is there and fresh.
    pub async fn get(
        &self,
        workspace_id: &str,
        kind: Kind,
        key: &str,
    ) -> anyhow::Result<Option<FleetItem>> {
        let item = match &self.backend {
            Backend::Memory(map) => map
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(&(workspace_id.to_owned(), kind))
                .and_then(|items| items.get(key).cloned()),
            Backend::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let raw: Option<String> = redis::cmd("HGET")
                    .arg(hot.key(&["fleet", workspace_id, kind.as_str()]))
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .context("reading fleet data from Redis")?;
                raw.and_then(|raw| serde_json::from_str(&raw).ok())
            }
        };
        let ttl = ttl_of(&self.ttl, kind).as_millis() as i64;
        Ok(item.filter(|item| now_ms() - item.updated_at <= ttl))
    }

    /// The fresh items of a kind: activity newest first (the last [`ACTIVITY_KEPT`]), the
    /// others by key.
    pub async fn list(&self, workspace_id: &str, kind: Kind) -> anyhow::Result<Vec<FleetItem>> {
        let now = now_ms();
        match &self.backend {
            Backend::Memory(map) => {
                let map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let items = map
                    .get(&(workspace_id.to_owned(), kind))
                    .map(|items| items.values().cloned().collect::<Vec<_>>())
                    .unwrap_or_default();
                Ok(fresh_sorted(kind, self.ttl, now, items))
            }
            Backend::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let key = hot.key(&["fleet", workspace_id, kind.as_str()]);
                let raw: HashMap<String, String> = redis::cmd("HGETALL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await
                    .context("reading fleet data from Redis")?;
                let total = raw.len();
                let items: Vec<FleetItem> = raw
                    .values()
                    .filter_map(|raw| serde_json::from_str(raw).ok())
                    .collect();
                let fresh = fresh_sorted(kind, self.ttl, now, items);
                if fresh.len() != total {
                    // Drop what expired (or was cut from the activity feed); best effort.
                    let stale: Vec<&String> = raw
                        .keys()
                        .filter(|field| !fresh.iter().any(|item| &item.key == *field))
                        .collect();
                    let _: Result<(), _> = redis::cmd("HDEL")
                        .arg(&key)
                        .arg(stale)
                        .query_async(&mut conn)
                        .await;
                }
                Ok(fresh)
            }
        }
    }
}

/// The items still fresh at `now`, in the order widgets show them.
fn fresh_sorted(
    kind: Kind,
    ttl: CacheTtl,
    now: i64,
    items: impl IntoIterator<Item = FleetItem>,
) -> Vec<FleetItem> {
    let ttl = ttl_of(&ttl, kind).as_millis() as i64;
    let mut fresh: Vec<FleetItem> = items
        .into_iter()
        .filter(|item| now - item.updated_at <= ttl)
        .collect();
    if kind == Kind::Activity {
        fresh.sort_by(|a, b| (b.updated_at, &b.key).cmp(&(a.updated_at, &a.key)));
        fresh.truncate(ACTIVITY_KEPT);
    } else {
        fresh.sort_by(|a, b| a.key.cmp(&b.key));
    }
    fresh
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ttl() -> CacheTtl {
        CacheTtl {
            short: Duration::from_secs(1),
            default: Duration::from_secs(10),
            long: Duration::from_secs(100),
        }
    }

    fn item(kind: Kind, key: &str, updated_at: i64) -> FleetItem {
        FleetItem {
            kind,
            key: key.into(),
            agent_id: "a1".into(),
            agent_name: "pulse-1".into(),
            agent_role: "pulse".into(),
            updated_at,
            data: json!({}),
        }
    }

    #[test]
    fn each_kind_expires_on_its_own_ttl() {
        let now = 1_000_000;
        let items = vec![
            item(Kind::Vitals, "a", now - 2000),
            item(Kind::Vitals, "b", now),
        ];
        let fresh = fresh_sorted(Kind::Vitals, ttl(), now, items);
        assert_eq!(
            fresh.len(),
            1,
            "a 2 s old heartbeat is past the 1 s short TTL"
        );
        let alerts = vec![item(Kind::Alerts, "x", now - 50_000)];
        assert_eq!(fresh_sorted(Kind::Alerts, ttl(), now, alerts).len(), 1);
        let tasks = vec![item(Kind::Tasks, "t", now - 50_000)];
        assert!(fresh_sorted(Kind::Tasks, ttl(), now, tasks).is_empty());
    }

    #[test]
    fn the_activity_feed_is_newest_first_and_bounded() {
        let now = 1_000_000;
        let items = (0..ACTIVITY_KEPT as i64 + 20)
            .map(|i| item(Kind::Activity, &format!("e{i}"), now - 5000 + i));
        let feed = fresh_sorted(Kind::Activity, ttl(), now, items);
        assert_eq!(feed.len(), ACTIVITY_KEPT);
        assert!(feed
            .windows(2)
            .all(|pair| pair[0].updated_at >= pair[1].updated_at));
    }

    #[tokio::test]
    async fn memory_keeps_the_latest_per_key() {
        let store = FleetStore::new(None, ttl());
        let now = now_ms();
        store
            .put(
                "w",
                &[
                    item(Kind::Tasks, "t1", now - 5),
                    item(Kind::Tasks, "t2", now),
                ],
            )
            .await
            .unwrap();
        let mut newer = item(Kind::Tasks, "t1", now);
        newer.data = json!({ "title": "again" });
        store.put("w", &[newer.clone()]).await.unwrap();
        let tasks = store.list("w", Kind::Tasks).await.unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0], newer);
        assert_eq!(
            store.get("w", Kind::Tasks, "t1").await.unwrap(),
            Some(newer)
        );
        assert!(store.list("other", Kind::Tasks).await.unwrap().is_empty());
    }
}
