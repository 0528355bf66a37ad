//! The agent-data cache: the latest [`FleetItem`]s of each workspace and kind, each fresh for
//! its kind's TTL (`CACHE_TTL_SHORT` for vitals and health, `CACHE_TTL_LONG` for alerts,
//! `CACHE_TTL_DEFAULT` for the rest). In Redis, one hash per workspace and kind shared by every
//! instance, when `REDIS_URL` is set; else in this process's memory ([`super::memory`]). Items
//! past their TTL are not returned and are dropped on the next write or read. Each kind holds
//! at most `FLIGHTDECK_MAX_FLEET_ITEMS` per workspace.

use super::memory::Memory;
use super::{FleetItem, Kind, ACTIVITY_KEPT};
use crate::config::CacheTtl;
use crate::hot::Hot;
use crate::records::now_ms;
use anyhow::Context;
use std::collections::HashMap;
use std::time::Duration;

/// How long items of `kind` stay fresh.
pub fn ttl_of(ttl: &CacheTtl, kind: Kind) -> Duration {
    match kind {
        Kind::Vitals | Kind::Health => ttl.short,
        Kind::Alerts => ttl.long,
        Kind::Projects | Kind::Tasks | Kind::Metrics | Kind::Activity => ttl.default,
    }
}

#[derive(Clone, Debug)]
enum Backend {
    Memory(Memory),
    Redis(Hot),
}

/// Why items were not stored. Nothing of the refused kind was written.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// New keys would pass `FLIGHTDECK_MAX_FLEET_ITEMS`.
    #[error("this workspace already holds {stored} fleet items of kind {}, the most FLIGHTDECK_MAX_FLEET_ITEMS ({max}) allows: new keys are refused, updates of stored ones pass, and old ones expire", .kind.as_str())]
    Full {
        /// The kind.
        kind: Kind,
        /// How many are stored.
        stored: usize,
        /// The cap.
        max: usize,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// The cache, cheap to clone.
#[derive(Clone, Debug)]
pub struct FleetStore {
    ttl: CacheTtl,
    max_items: usize,
    backend: Backend,
}

impl FleetStore {
    /// Redis when given, else memory; at most `max_items` of each kind per workspace
    /// (`FLIGHTDECK_MAX_FLEET_ITEMS`).
    pub fn new(hot: Option<&Hot>, ttl: CacheTtl, max_items: usize) -> Self {
        let backend = match hot {
            Some(hot) => Backend::Redis(hot.clone()),
            None => Backend::Memory(Memory::default()),
        };
        Self {
            ttl,
            max_items,
            backend,
        }
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

    /// Writes items (each replaces the one of the same kind and key), the items of each kind
    /// all or none: new keys that would pass the cap are refused once what expired is dropped
    /// (and the activity feed's oldest lines, which make room for new ones).
    pub async fn put(&self, workspace_id: &str, items: &[FleetItem]) -> Result<(), PutError> {
        let batches = by_kind(items);
        match &self.backend {
            Backend::Memory(memory) => memory
                .put(workspace_id, &batches, &self.ttl, self.max_items)
                .map_err(|(kind, stored)| self.full(kind, stored)),
            Backend::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let script = redis::Script::new(PUT_SCRIPT);
                for (kind, batch) in batches {
                    let mut call = script.key(hot.key(&["fleet", workspace_id, kind.as_str()]));
                    call.arg(self.max_items)
                        .arg(ttl_of(&self.ttl, kind).as_millis() as i64)
                        .arg(now_ms())
                        .arg(if kind == Kind::Activity { "1" } else { "0" })
                        .arg(ACTIVITY_KEPT);
                    for item in batch {
                        call.arg(&item.key)
                            .arg(serde_json::to_string(item).context("encoding a fleet item")?);
                    }
                    let stored: i64 = call
                        .invoke_async(&mut conn)
                        .await
                        .context("writing fleet data to Redis")?;
                    if stored >= 0 {
                        return Err(self.full(kind, stored as usize));
                    }
                }
                Ok(())
            }
        }
    }

    fn full(&self, kind: Kind, stored: usize) -> PutError {
        PutError::Full {
            kind,
            stored,
            max: self.max_items,
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
            Backend::Memory(memory) => memory.get(workspace_id, kind, key),
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
            Backend::Memory(memory) => {
                let items = memory.list(workspace_id, kind);
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

/// The Lua script of a Redis write (see the file for its arguments).
const PUT_SCRIPT: &str = include_str!("put.lua");

/// The items grouped by kind, the last of each key winning.
pub(super) fn by_kind(items: &[FleetItem]) -> Vec<(Kind, Vec<&FleetItem>)> {
    let mut batches: Vec<(Kind, Vec<&FleetItem>)> = Vec::new();
    let mut seen: HashMap<(Kind, &str), (usize, usize)> = HashMap::new();
    for item in items {
        if let Some(&(batch, at)) = seen.get(&(item.kind, item.key.as_str())) {
            batches[batch].1[at] = item;
            continue;
        }
        let batch = match batches.iter().position(|(kind, _)| *kind == item.kind) {
            Some(batch) => batch,
            None => {
                batches.push((item.kind, Vec::new()));
                batches.len() - 1
            }
        };
        seen.insert((item.kind, &item.key), (batch, batches[batch].1.len()));
        batches[batch].1.push(item);
    }
    batches
}

/// The items still fresh at `now`, in the order widgets show them.
pub(super) fn fresh_sorted(
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
        let store = FleetStore::new(None, ttl(), 1000);
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

    #[tokio::test]
    async fn memory_refuses_new_keys_past_the_cap_and_takes_updates() {
        let store = FleetStore::new(None, ttl(), 100);
        let now = now_ms();
        let tasks = |from: usize, to: usize| -> Vec<FleetItem> {
            (from..to)
                .map(|i| item(Kind::Tasks, &format!("t{i}"), now))
                .collect()
        };
        store.put("w", &tasks(0, 90)).await.unwrap();
        let err = store.put("w", &tasks(85, 101)).await.unwrap_err();
        assert!(
            matches!(
                err,
                PutError::Full {
                    kind: Kind::Tasks,
                    stored: 90,
                    max: 100
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("FLIGHTDECK_MAX_FLEET_ITEMS"),
            "{err}"
        );
        assert_eq!(
            store.list("w", Kind::Tasks).await.unwrap().len(),
            90,
            "none of it stored"
        );
        store.put("w", &tasks(0, 90)).await.unwrap();
        store.put("w", &tasks(90, 100)).await.unwrap();
        assert!(store.put("w", &tasks(100, 101)).await.is_err());
        assert!(
            store.put("other", &tasks(0, 100)).await.is_ok(),
            "per workspace"
        );
        // What expired makes room.
        let old: Vec<FleetItem> = (0..100)
            .map(|i| item(Kind::Vitals, &format!("a{i}"), now - 5000))
            .collect();
        store.put("w", &old).await.unwrap();
        store
            .put("w", &[item(Kind::Vitals, "fresh", now)])
            .await
            .unwrap();
        assert_eq!(store.list("w", Kind::Vitals).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn the_feed_drops_its_oldest_lines_instead_of_refusing() {
        let store = FleetStore::new(None, ttl(), 100);
        let now = now_ms();
        for i in 0..250 {
            let line = item(Kind::Activity, &format!("e{i:03}"), now - 1000 + i);
            store.put("w", &[line]).await.unwrap();
        }
        let feed = store.list("w", Kind::Activity).await.unwrap();
        assert_eq!(feed.len(), ACTIVITY_KEPT);
        assert_eq!(feed[0].key, "e249");
    }

    #[test]
    fn a_key_sent_twice_is_written_once_the_last_winning() {
        let (first, mut last) = (item(Kind::Tasks, "t", 1), item(Kind::Tasks, "t", 2));
        last.data = json!({ "n": 2 });
        let items = [first, item(Kind::Alerts, "a", 1), last.clone()];
        let batches = by_kind(&items);
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].1, [&last]);
    }
}
