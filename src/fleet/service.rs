//! What every writer of fleet data does (the agents' API, the health mesh, the trace intake):
//! store the items in the cache, then announce each on the workspace's `fleet` topic.

use super::store::{FleetStore, PutError};
use super::FleetItem;
use crate::sync::hub::Hub;
use crate::sync::{live, Topic};

/// Stores `items`, then publishes each on the workspace's `fleet` topic. A failed publish is
/// logged, not returned: the cache has the item, and the next read or reconnect shows it.
pub async fn put_and_publish(
    fleet: &FleetStore,
    hub: &Hub,
    workspace_id: &str,
    items: &[FleetItem],
) -> Result<(), PutError> {
    fleet.put(workspace_id, items).await?;
    for item in items {
        if let Err(err) = live::publish(hub, workspace_id, Topic::Fleet, item).await {
            tracing::warn!("fleet event not published: {err:#}");
        }
    }
    Ok(())
}
