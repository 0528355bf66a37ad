//! Live sync: the frames of the `/api/sync` WebSocket, shared by server and browser. A client
//! sends `state:update` (one path of its dashboard state); the server applies it atomically,
//! gives it the next version, persists it, and sends `state:sync` to every connection of that
//! user and workspace, on every instance (through the [`hub`]). A connection starts with
//! `state:full`, and gets it again when it asks or falls too far behind.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "web")]
pub mod client;
#[cfg(feature = "server")]
pub mod hub;
pub mod path;

use crate::dashboard::DashboardState;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The sync socket's state, for the connection indicator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Connection {
    /// Opening the first time.
    Connecting,
    /// Edits reach every tab and device now.
    Live,
    /// Lost; trying again (edits are kept and sent on return).
    Reconnecting,
    /// The browser is offline; edits are kept and sent when it is back.
    Offline,
}

/// What a page asks of the browser's sync task.
pub enum Command {
    /// Start from this state (restored from this browser and the server), kept under this key.
    Start(String, DashboardState),
    /// Set (or with `null` delete) a path.
    Edit(String, Value),
    /// The browser went offline (close the socket, keep queueing) or came back (reconnect now).
    Online(bool),
}

/// A frame from a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum ClientFrame {
    /// Set (or with `null` delete) one path of the dashboard state.
    #[serde(rename = "state:update")]
    StateUpdate(StateUpdate),
    /// Ask for the whole state again (after a gap in versions).
    #[serde(rename = "state:full")]
    FullRequest {},
}

/// `state:update`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateUpdate {
    /// Where: `widgets.w1`, `preferences.density`.
    pub path: String,
    /// The new value; `null` deletes.
    pub value: Value,
    /// The version the client had when it made the edit (for the record; the server's order decides).
    pub base_version: u64,
    /// The sending tab.
    pub client_id: String,
    /// The edit, unique within the tab: with `client_id`, how the sender recognises its echo.
    pub mutation_id: String,
}

/// A frame from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum ServerFrame {
    /// An accepted edit, as version `version`.
    #[serde(rename = "state:sync")]
    StateSync(StateSync),
    /// The whole state.
    #[serde(rename = "state:full")]
    StateFull {
        /// The state.
        state: Box<DashboardState>,
        /// Its version.
        version: u64,
    },
    /// A frame that was refused; nothing was applied. The connection stays open.
    #[serde(rename = "error")]
    Error(ErrorPayload),
}

/// `state:sync`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSync {
    /// Where.
    pub path: String,
    /// The new value (`null`: deleted).
    pub value: Value,
    /// The state's version after it.
    pub version: u64,
    /// The tab that sent it.
    pub client_id: String,
    /// Its id there.
    pub mutation_id: String,
}

/// `error`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    /// A stable code: `malformed`, `invalid_path`, `rejected`, `too_large`, `rate_limited`, `server`.
    pub code: String,
    /// What was wrong.
    pub message: String,
    /// The refused edit, when it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_have_the_seeds_shapes() {
        let frame: ClientFrame = serde_json::from_value(json!({
            "type": "state:update",
            "payload": { "path": "widgets.w1", "value": null, "baseVersion": 3, "clientId": "tab-1", "mutationId": "m1" }
        }))
        .unwrap();
        assert!(
            matches!(frame, ClientFrame::StateUpdate(ref u) if u.base_version == 3 && u.value.is_null())
        );
        let sync = ServerFrame::StateSync(StateSync {
            path: "preferences.density".into(),
            value: json!("compact"),
            version: 4,
            client_id: "tab-1".into(),
            mutation_id: "m2".into(),
        });
        assert_eq!(
            serde_json::to_value(sync).unwrap(),
            json!({ "type": "state:sync", "payload": { "path": "preferences.density", "value": "compact", "version": 4, "clientId": "tab-1", "mutationId": "m2" } })
        );
        assert!(
            serde_json::from_value::<ClientFrame>(json!({ "type": "nope", "payload": {} }))
                .is_err()
        );
    }
}
