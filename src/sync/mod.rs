//! Live sync: the frames of the `/api/sync` WebSocket, shared by server and browser. A client
//! sends `state:update` (one path of its dashboard state); the server applies it atomically,
//! gives it the next version, persists it, and sends `state:sync` to every connection of that
//! user and workspace, on every instance (through the [`hub`]). A connection starts with
//! `state:full`, and gets it again when it asks or falls too far behind; one coming back with
//! `?since=<version>` gets the `state:sync` frames it missed instead, when the server still has
//! them, then `state:resumed`.
//!
//! The same connection carries the workspace's live [`Topic`]s: `subscribe` to one and its
//! events arrive as `{type: <topic>, payload}` frames.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "web")]
pub mod client;
#[cfg(feature = "server")]
pub mod fanout;
#[cfg(feature = "web")]
pub mod follow;
#[cfg(feature = "server")]
pub mod hub;
#[cfg(feature = "server")]
pub mod live;
pub mod path;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod service;

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
    /// No WebSocket gets through (a proxy in the way): edits go over plain HTTP and other
    /// tabs' edits arrive every few seconds; the socket is tried again now and then.
    Polling,
    /// The session ended (signed out elsewhere, or expired): edits are kept in this browser
    /// and sent after signing in again.
    SignedOut,
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
    /// Start receiving a live topic of the workspace.
    #[serde(rename = "subscribe")]
    Subscribe(TopicRef),
    /// Stop receiving it.
    #[serde(rename = "unsubscribe")]
    Unsubscribe(TopicRef),
    /// Post an event to a topic that people may post to (see [`Topic::open_to_people`]); a
    /// viewer may not.
    #[serde(rename = "publish")]
    Publish(Publication),
}

/// A live topic of the signed-in workspace: what the fleet does, as it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// The workspace's metrics, every second while someone is subscribed.
    MetricsUpdate,
    /// A tool run (approval) was requested, decided, cancelled or expired.
    ToolRunStatus,
    /// Something an agent or operator did.
    Activity,
    /// An agent came up, went down, or changed health.
    AgentState,
    /// Fleet data for the widgets, one [`crate::fleet::FleetItem`] per event.
    Fleet,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 5] = [
        Topic::MetricsUpdate,
        Topic::ToolRunStatus,
        Topic::Activity,
        Topic::AgentState,
        Topic::Fleet,
    ];

    /// The name used in frames.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::MetricsUpdate => "metrics_update",
            Topic::ToolRunStatus => "tool_run_status",
            Topic::Activity => "activity",
            Topic::AgentState => "agent_state",
            Topic::Fleet => "fleet",
        }
    }

    /// Whether operators may post to it over the socket (a note in the activity feed). The
    /// others are written only by the server, from what agents report and decisions made.
    pub fn open_to_people(self) -> bool {
        self == Topic::Activity
    }
}

/// `subscribe` and `unsubscribe`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicRef {
    /// Which topic.
    pub topic: Topic,
}

/// `publish`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// Where.
    pub topic: Topic,
    /// What; the server adds who and when.
    pub data: Value,
}

/// `GET /api/sync/poll`'s query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Since {
    /// The version a returning client has; absent for a client starting afresh.
    pub since: Option<u64>,
}

/// `GET /api/sync/poll`'s answer: the frames a returning connection would get.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Polled {
    /// Server frames, oldest first (read with `ServerFrame::from_value`).
    pub frames: Vec<serde_json::Value>,
}

/// `POST /api/sync/update`'s answer: the edit is applied and announced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    /// The state's version after the edit.
    pub version: u64,
}

/// `state:update`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateUpdate {
    /// Where: `widgets.w1`, `preferences.density`.
    pub path: String,
    /// The new value; `null` deletes.
    pub value: Value,
    /// The version the client had when it made the edit, for the record: the server's order
    /// decides either way, so a sender that does not know it (the seed's own frame) leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<u64>,
    /// The sending tab. Absent for a sender that is not a tab: its echo carries none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The edit, unique within the tab: with `client_id`, how the sender recognises its echo
    /// and which edit an `error` refused. Absent: the echo and any error name no edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation_id: Option<String>,
}

/// A frame from the server. (Read with [`ServerFrame::parse`].)
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// After the `state:sync` frames a returning client missed: it is up to date as of this
    /// version.
    #[serde(rename = "state:resumed")]
    StateResumed {
        /// The version caught up to.
        version: u64,
    },
    /// A frame that was refused; nothing was applied. The connection stays open.
    #[serde(rename = "error")]
    Error(ErrorPayload),
    /// A `subscribe` took effect: the topic's events follow.
    #[serde(rename = "subscribed")]
    Subscribed(TopicRef),
    /// An `unsubscribe` took effect.
    #[serde(rename = "unsubscribed")]
    Unsubscribed(TopicRef),
    /// An event of the [`Topic::MetricsUpdate`] topic.
    #[serde(rename = "metrics_update")]
    MetricsUpdate(Value),
    /// An event of the [`Topic::ToolRunStatus`] topic.
    #[serde(rename = "tool_run_status")]
    ToolRunStatus(Value),
    /// An event of the [`Topic::Activity`] topic.
    #[serde(rename = "activity")]
    Activity(Value),
    /// An event of the [`Topic::AgentState`] topic.
    #[serde(rename = "agent_state")]
    AgentState(Value),
    /// An event of the [`Topic::Fleet`] topic.
    #[serde(rename = "fleet")]
    Fleet(Value),
}

impl ServerFrame {
    /// Reads a frame. Written out rather than derived: serde's code for an adjacently tagged
    /// enum of this many variants is large, and the browser build pays for every byte.
    pub fn parse(text: &str) -> serde_json::Result<Self> {
        Self::from_value(serde_json::from_str(text)?)
    }

    /// [`parse`](Self::parse) from a JSON value.
    pub fn from_value(value: Value) -> serde_json::Result<Self> {
        use serde::de::Error;
        use serde_json::from_value;
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            payload: Value,
        }
        #[derive(Deserialize)]
        struct Full {
            state: Box<DashboardState>,
            version: u64,
        }
        #[derive(Deserialize)]
        struct Version {
            version: u64,
        }
        let Envelope { kind, payload } = from_value(value)?;
        Ok(match kind.as_str() {
            "state:sync" => Self::StateSync(from_value(payload)?),
            "state:full" => {
                let Full { state, version } = from_value(payload)?;
                Self::StateFull { state, version }
            }
            "state:resumed" => Self::StateResumed {
                version: from_value::<Version>(payload)?.version,
            },
            "error" => Self::Error(from_value(payload)?),
            "subscribed" => Self::Subscribed(from_value(payload)?),
            "unsubscribed" => Self::Unsubscribed(from_value(payload)?),
            "metrics_update" => Self::MetricsUpdate(payload),
            "tool_run_status" => Self::ToolRunStatus(payload),
            "activity" => Self::Activity(payload),
            "agent_state" => Self::AgentState(payload),
            "fleet" => Self::Fleet(payload),
            other => {
                return Err(serde_json::Error::custom(format!(
                    "unknown frame type {other:?}"
                )))
            }
        })
    }
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
    /// The tab that sent it, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Its id there, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation_id: Option<String>,
}

/// `error`'s payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    /// A stable code: `malformed`, `invalid_path`, `rejected`, `too_large` (the frame or the
    /// state it would make), `too_many_widgets`, `rate_limited`, `forbidden`, `lagged`,
    /// `signed_out`, `server`.
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
            matches!(frame, ClientFrame::StateUpdate(ref u) if u.base_version == Some(3) && u.value.is_null())
        );
        let sync = ServerFrame::StateSync(StateSync {
            path: "preferences.density".into(),
            value: json!("compact"),
            version: 4,
            client_id: Some("tab-1".into()),
            mutation_id: Some("m2".into()),
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

    #[test]
    fn every_server_frame_reads_back_as_written() {
        let frames = [
            ServerFrame::StateFull {
                state: Box::default(),
                version: 3,
            },
            ServerFrame::StateSync(StateSync {
                path: "widgets.w1".into(),
                value: Value::Null,
                version: 4,
                client_id: Some("c".into()),
                mutation_id: Some("m".into()),
            }),
            ServerFrame::StateResumed { version: 4 },
            ServerFrame::Error(ErrorPayload {
                code: "rejected".into(),
                message: "no".into(),
                mutation_id: Some("m".into()),
            }),
            ServerFrame::Subscribed(TopicRef {
                topic: Topic::Activity,
            }),
            ServerFrame::Unsubscribed(TopicRef {
                topic: Topic::AgentState,
            }),
            ServerFrame::MetricsUpdate(json!({ "at": 1 })),
            ServerFrame::ToolRunStatus(json!({ "event": "decided" })),
            ServerFrame::Activity(json!({ "data": 1 })),
            ServerFrame::AgentState(json!({ "id": "a" })),
            ServerFrame::Fleet(json!({ "kind": "tasks", "key": "t1" })),
        ];
        for frame in frames {
            let text = serde_json::to_string(&frame).unwrap();
            assert_eq!(ServerFrame::parse(&text).unwrap(), frame, "{text}");
        }
        assert!(ServerFrame::parse(r#"{"type":"nope","payload":{}}"#).is_err());
        assert!(ServerFrame::parse("{").is_err());
    }

    #[test]
    fn topic_frames_name_the_topic_as_the_seed_does() {
        let frame: ClientFrame = serde_json::from_value(
            json!({ "type": "subscribe", "payload": { "topic": "metrics_update" } }),
        )
        .unwrap();
        assert_eq!(
            frame,
            ClientFrame::Subscribe(TopicRef {
                topic: Topic::MetricsUpdate
            })
        );
        for topic in Topic::ALL {
            assert_eq!(
                serde_json::to_value(topic).unwrap(),
                json!(topic.as_str()),
                "{topic:?}"
            );
        }
        assert!(serde_json::from_value::<ClientFrame>(
            json!({ "type": "subscribe", "payload": { "topic": "secrets" } })
        )
        .is_err());
        let event = ServerFrame::from_value(
            json!({ "type": "tool_run_status", "payload": { "id": "a1", "status": "approved" } }),
        )
        .unwrap();
        assert!(matches!(event, ServerFrame::ToolRunStatus(ref v) if v["status"] == "approved"));
    }
}
