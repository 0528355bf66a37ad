//! The agent-data cache in this process's memory, when there is no Redis: each workspace's items
//! behind a lock of its own (the shared map is locked only to find a workspace), pruned in place
//! on every write (what expired, and the activity feed past what it shows) without copying items.
//! Its behaviour is tested through [`super::store::FleetStore`].

use super::store::ttl_of;
use super::{FleetItem, Kind, ACTIVITY_KEPT};
use crate::config::CacheTtl;
use crate::records::now_ms;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Items = HashMap<String, FleetItem>;

/// One workspace's items by kind.
type Workspace = Arc<Mutex<HashMap<Kind, Items>>>;

/// Every workspace's items; cheap to clone (clones share them).
#[derive(Clone, Debug, Default)]
pub struct Memory {
    workspaces: Arc<Mutex<HashMap<String, Workspace>>>,
}

impl Memory {
    fn workspace(&self, workspace_id: &str) -> Option<Workspace> {
        let map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
        map.get(workspace_id).cloned()
    }

    fn workspace_or_new(&self, workspace_id: &str) -> Workspace {
        let mut map = self.workspaces.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(workspace_id.to_owned()).or_default().clone()
    }

    /// Writes each kind's batch (keys unique within it), all or none: when new keys would take
    /// a kind past `max` once what expired is dropped, nothing is written and the kind and how
    /// many it holds are returned.
    pub fn put(
        &self,
        workspace_id: &str,
        batches: &[(Kind, Vec<&FleetItem>)],
        ttl: &CacheTtl,
        max: usize,
    ) -> Result<(), (Kind, usize)> {
        let workspace = self.workspace_or_new(workspace_id);
        let mut kinds = workspace.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_ms();
        for (kind, batch) in batches {
            let stored = kinds.entry(*kind).or_default();
            let kept = ttl_of(ttl, *kind).as_millis() as i64;
            stored.retain(|_, item| now - item.updated_at <= kept);
            let new = batch
                .iter()
                .filter(|i| !stored.contains_key(&i.key))
                .count();
            if *kind == Kind::Activity {
                trim_feed(stored, ACTIVITY_KEPT.min(max.saturating_sub(new)));
            }
            if new > 0 && stored.len() + new > max {
                return Err((*kind, stored.len()));
            }
        }
        for (kind, batch) in batches {
            let stored = kinds.entry(*kind).or_default();
            for item in batch {
                stored.insert(item.key.clone(), (*item).clone());
            }
            if *kind == Kind::Activity {
                trim_feed(stored, ACTIVITY_KEPT);
            }
        }
        Ok(())
    }

    /// One item, fresh or not.
    pub fn get(&self, workspace_id: &str, kind: Kind, key: &str) -> Option<FleetItem> {
        let workspace = self.workspace(workspace_id)?;
        let kinds = workspace.lock().unwrap_or_else(|p| p.into_inner());
        kinds.get(&kind)?.get(key).cloned()
    }

    /// A kind's items, fresh or not, in no order.
    pub fn list(&self, workspace_id: &str, kind: Kind) -> Vec<FleetItem> {
        let Some(workspace) = self.workspace(workspace_id) else {
            return Vec::new();
        };
        let kinds = workspace.lock().unwrap_or_else(|p| p.into_inner());
        kinds
            .get(&kind)
            .map(|items| items.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// Keeps the newest `keep` lines of the activity feed (newest first, then by key, as the feed
/// shows them), copying keys only.
fn trim_feed(items: &mut Items, keep: usize) {
    if items.len() <= keep {
        return;
    }
    let mut order: Vec<(i64, &String)> = items
        .iter()
        .map(|(key, item)| (item.updated_at, key))
        .collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let old: Vec<String> = order[keep..]
        .iter()
        .map(|(_, key)| (*key).clone())
        .collect();
    for key in old {
        items.remove(&key);
    }
}
