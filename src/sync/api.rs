//! `GET /api/sync` — the WebSocket, and its plain-HTTP fallback. Authenticated by the session
//! cookie, Origin checked. Each connection subscribes to its user + workspace's state topic,
//! starts with `state:full` (or, coming back with `?since=<version>`, the frames it missed and
//! `state:resumed`), applies the `state:update`s it receives, carries the live topics it
//! subscribes to, and answers bad frames with an `error` frame without closing. It closes when
//! its session ends (sign-out, workspace switch, expiry) or the user's role changes. A
//! per-connection rate limit and bounded queues keep one client from stalling the others.
//! Opened with `?live=true`, a connection carries the live topics only: no state frames either
//! way (for a client that only follows events; a browser tab carries its state and its live
//! topics on one connection).
//!
//! Where no WebSocket gets through, `GET /api/sync/poll?since=` answers with the same frames
//! and `POST /api/sync/update` takes a `state:update`'s payload.

use super::fanout::{outgoing, Subscriptions};
use super::hub::Message as HubMessage;
use super::live;
use super::service::{catch_up, commit_edit, scope, state_topic, SyncError};
use super::{Applied, ClientFrame, Polled, ServerFrame, Since, StateUpdate, TopicRef};
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::quota::Refused;
use crate::records::now_ms;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::json;
use std::num::NonZeroU32;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

/// Frames a connection may send per second, after a burst of [`BURST`].
const PER_SECOND: u32 = 50;
const BURST: u32 = 100;

/// Each connection's read buffer. tungstenite zeroes the whole buffer before every read (the
/// connection's loop tries one each time it sends a frame), and its default of 128 KiB made
/// that a third of the server's time and 128 KiB of memory per connection; a frame larger than
/// this still arrives whole (the buffer grows to the frame's announced length).
const READ_BUFFER: usize = 4 * 1024;

/// The answer to a state frame on a `?live=true` connection.
const LIVE_ONLY: &str =
    "this connection carries live topics only (opened with ?live=true); send state frames on one opened without it";

/// The close code when the session ended: sign in again.
pub const CLOSE_SIGNED_OUT: u16 = 4401;
/// The close code when the connection must be opened again (a new role or workspace).
pub const CLOSE_REOPEN: u16 = 4000;
/// The close code when the user was removed from the workspace: the page leaves it.
pub const CLOSE_REMOVED: u16 = 4403;

/// The socket's route (the HTTP fallback, poll and update, are server functions:
/// `server_fns.rs`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/sync", get(open))
}

/// Why connections are told to go: sent on a session's or a member's control topic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ending {
    /// The session was signed out (or expired).
    SignedOut,
    /// The session moved to another workspace.
    WorkspaceChanged,
    /// The member's role changed.
    RoleChanged,
    /// The member was removed from the workspace.
    Removed,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::SignedOut => "signed_out",
            Ending::WorkspaceChanged => "workspace_changed",
            Ending::RoleChanged => "role_changed",
            Ending::Removed => "removed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "workspace_changed" => Ending::WorkspaceChanged,
            "role_changed" => Ending::RoleChanged,
            "removed" => Ending::Removed,
            _ => Ending::SignedOut,
        }
    }
}

fn session_topic(session_id: &str) -> String {
    format!("session:{session_id}")
}

fn member_topic(workspace_id: &str, user_id: &str) -> String {
    format!("member:{workspace_id}:{user_id}")
}

/// Tells every connection of a session, on every instance, that it must end.
pub async fn end_session(state: &AppState, session_id: &str, why: Ending) {
    if let Err(err) = state
        .hub
        .publish(&session_topic(session_id), why.as_str().to_owned())
        .await
    {
        tracing::error!("sync: connections of an ended session not told: {err:#}");
    }
}

/// Tells every connection of a member, on every instance, to open again (their role changed).
pub async fn member_changed(state: &AppState, workspace_id: &str, user_id: &str) {
    tell_member(state, workspace_id, user_id, Ending::RoleChanged).await;
}

/// Closes every connection of a removed member to the workspace, on every instance.
pub async fn member_removed(state: &AppState, workspace_id: &str, user_id: &str) {
    tell_member(state, workspace_id, user_id, Ending::Removed).await;
}

async fn tell_member(state: &AppState, workspace_id: &str, user_id: &str, why: Ending) {
    if let Err(err) = state
        .hub
        .publish(
            &member_topic(workspace_id, user_id),
            why.as_str().to_owned(),
        )
        .await
    {
        tracing::error!("sync: connections of a changed member not told: {err:#}");
    }
}

/// `GET /api/sync`'s query: `?since=` a returning client's version, `?live=true` for a
/// connection that carries the live topics only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenQuery {
    since: Option<u64>,
    #[serde(default)]
    live: bool,
}

/// GET /api/sync — upgrades to the sync WebSocket; 401 signed out, 403 from another origin (the
/// edge: a handshake is held to the cross-origin rule of writes),
/// 429 when the user already holds `FLIGHTDECK_MAX_SOCKETS_PER_USER` on this instance.
async fn open(
    State(state): State<AppState>,
    auth: Auth,
    Query(OpenQuery { since, live }): Query<OpenQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let max = state.config.limits.max_sockets_per_user;
    // Held until the socket ends (or the upgrade fails): the closure owns it.
    let slot = state.quotas.sockets.take(&auth.user.id, max).ok_or_else(|| {
        Refused::too_many(format!(
            "you already have {max} sync connections open on this server, the most FLIGHTDECK_MAX_SOCKETS_PER_USER allows; close a tab or window"
        ))
    })?;
    // Frames up to twice the state limit reach us and get an `error` frame when too large;
    // past that the protocol layer closes the connection.
    let limit = state.config.state_max_bytes;
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(limit * 2)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            let carries = match live {
                true => Carries::Live,
                false => Carries::State { since },
            };
            connection(socket, state, auth, carries).await
        }))
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => send_text(socket, text).await,
        Err(_) => false,
    }
}

async fn send_text(socket: &mut WebSocket, text: String) -> bool {
    socket.send(Message::Text(text.into())).await.is_ok()
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// Sends what a client with version `since` needs; false when the socket is gone.
async fn send_catch_up(
    socket: &mut WebSocket,
    state: &AppState,
    auth: &Auth,
    since: Option<u64>,
) -> bool {
    match catch_up(state, scope(auth), since).await {
        Ok(frames) => {
            for frame in frames {
                if !send_text(socket, frame).await {
                    return false;
                }
            }
            true
        }
        Err(err) => {
            tracing::error!("sync: cannot load the state: {err:#}");
            send(socket, &SyncError::Server.frame(None)).await
        }
    }
}

/// What ends a connection's loop.
enum End {
    Gone,
    Close(u16, &'static str),
}

/// What a connection carries besides the live topics it subscribes to.
#[derive(Clone, Copy)]
enum Carries {
    /// The dashboard state: `state:full` (or what it missed since `since`) first, then every
    /// `state:sync`, and the client's `state:update`s.
    State { since: Option<u64> },
    /// Nothing else: the live topics only.
    Live,
}

async fn connection(mut socket: WebSocket, state: AppState, auth: Auth, carries: Carries) {
    let end = serve(&mut socket, &state, &auth, carries).await;
    if let End::Close(code, reason) = end {
        close(socket, code, reason).await;
    }
}

async fn serve(socket: &mut WebSocket, state: &AppState, auth: &Auth, carries: Carries) -> End {
    let _counted = state.live.connected(&auth.workspace.id);
    let _open = state.metrics.socket_opened();
    let mut updates = match carries {
        Carries::State { .. } => Some(state.hub.subscribe(&state_topic(scope(auth)))),
        Carries::Live => None,
    };
    let session_id = auth.session.id().map(|id| id.to_string());
    let mut ended_session = session_id
        .as_deref()
        .map(|id| state.hub.subscribe(&session_topic(id)));
    let mut member = state
        .hub
        .subscribe(&member_topic(&auth.workspace.id, &auth.user.id));
    let (queue, mut events) = mpsc::channel(super::hub::QUEUE);
    let mut subscriptions = Subscriptions::new(queue);
    // The socket lives no longer than the session as it stands now: at its expiry the client
    // opens again, which checks the session afresh.
    let idle_ends = (auth.session.expiry_date()
        - tower_sessions::cookie::time::OffsetDateTime::now_utc())
    .try_into()
    .unwrap_or_default();
    let absolute_ends =
        std::time::Duration::from_millis(u64::try_from(auth.ends_at - now_ms()).unwrap_or(0));
    let expires_in = std::cmp::min(idle_ends, absolute_ends);
    let expiry = tokio::time::sleep(expires_in);
    tokio::pin!(expiry);
    let limiter: DefaultDirectRateLimiter = RateLimiter::direct(
        Quota::per_second(NonZeroU32::new(PER_SECOND).expect("non-zero"))
            .allow_burst(NonZeroU32::new(BURST).expect("non-zero")),
    );
    if let Carries::State { since } = carries {
        if !send_catch_up(socket, state, auth, since).await {
            return End::Gone;
        }
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let reply = if limiter.check().is_err() {
                        Some(SyncError::RateLimited(PER_SECOND).frame(None))
                    } else {
                        handle(state, auth, carries, socket, &mut subscriptions, text.as_str()).await
                    };
                    if let Some(reply) = reply {
                        if !send(socket, &reply).await { return End::Gone; }
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    if !send(socket, &SyncError::Malformed("frames are JSON text".into()).frame(None)).await { return End::Gone; }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return End::Gone,
            },
            published = recv_state(&mut updates) => match published {
                Ok(text) => {
                    if socket.send(outgoing(text)).await.is_err() { return End::Gone; }
                }
                // Too far behind to replay: start again from the whole state.
                Err(RecvError::Lagged(_)) => {
                    if !send_catch_up(socket, state, auth, None).await { return End::Gone; }
                }
                Err(RecvError::Closed) => return End::Gone,
            },
            Some(event) = events.recv() => {
                if socket.send(outgoing(event)).await.is_err() { return End::Gone; }
            }
            why = recv_control(&mut ended_session) => return ending(socket, why).await,
            why = member.recv() => return ending(socket, why.map(|text| Ending::parse(&text)).unwrap_or(Ending::RoleChanged)).await,
            () = &mut expiry => return ending(socket, Ending::SignedOut).await,
        }
    }
}

/// The next state frame; never, on a connection that carries none.
async fn recv_state(
    receiver: &mut Option<broadcast::Receiver<HubMessage>>,
) -> Result<HubMessage, RecvError> {
    match receiver {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn recv_control(receiver: &mut Option<broadcast::Receiver<HubMessage>>) -> Ending {
    match receiver {
        Some(receiver) => match receiver.recv().await {
            Ok(text) => Ending::parse(&text),
            Err(RecvError::Lagged(_)) => Ending::SignedOut,
            Err(RecvError::Closed) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Tells the client why it is closed, then closes: sign in again, or open again.
async fn ending(socket: &mut WebSocket, why: Ending) -> End {
    let (message, code) = match why {
        Ending::SignedOut => (
            "the session ended; sign in again (unsent edits are kept)",
            CLOSE_SIGNED_OUT,
        ),
        Ending::WorkspaceChanged => ("the session moved to another workspace", CLOSE_REOPEN),
        Ending::RoleChanged => ("your role changed; open the connection again", CLOSE_REOPEN),
        Ending::Removed => ("you were removed from this workspace", CLOSE_REMOVED),
    };
    let frame = ServerFrame::Error(super::ErrorPayload {
        code: why.as_str().into(),
        message: message.into(),
        mutation_id: None,
    });
    send(socket, &frame).await;
    End::Close(code, why.as_str())
}

/// Handles one text frame; returns a frame for this connection only (an ack or an error).
async fn handle(
    state: &AppState,
    auth: &Auth,
    carries: Carries,
    socket: &mut WebSocket,
    subscriptions: &mut Subscriptions,
    text: &str,
) -> Option<ServerFrame> {
    if text.len() > state.config.state_max_bytes {
        return Some(SyncError::TooLarge(state.config.state_max_bytes).frame(None));
    }
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(err) => return Some(SyncError::Malformed(err.to_string()).frame(None)),
    };
    let live_only = matches!(carries, Carries::Live);
    match frame {
        ClientFrame::FullRequest {} if live_only => {
            Some(SyncError::Malformed(LIVE_ONLY.into()).frame(None))
        }
        ClientFrame::StateUpdate(update) if live_only => {
            Some(SyncError::Malformed(LIVE_ONLY.into()).frame(update.mutation_id))
        }
        ClientFrame::FullRequest {} => {
            send_catch_up(socket, state, auth, None).await;
            None
        }
        ClientFrame::StateUpdate(update) => {
            let mutation_id = update.mutation_id.clone();
            match commit_edit(state, auth, update).await {
                Ok(_) => None,
                Err(err) => Some(err.frame(mutation_id)),
            }
        }
        ClientFrame::Subscribe(TopicRef { topic }) => {
            subscriptions.add(state, &auth.workspace.id, topic);
            Some(ServerFrame::Subscribed(TopicRef { topic }))
        }
        ClientFrame::Unsubscribe(TopicRef { topic }) => {
            subscriptions.remove(topic);
            Some(ServerFrame::Unsubscribed(TopicRef { topic }))
        }
        ClientFrame::Publish(publication) => publish(state, auth, publication)
            .await
            .err()
            .map(|err| err.frame(None)),
    }
}

/// An operator's post to an open topic, stamped with who and when.
async fn publish(
    state: &AppState,
    auth: &Auth,
    publication: super::Publication,
) -> Result<(), SyncError> {
    let topic = publication.topic;
    if !topic.open_to_people() {
        return Err(SyncError::Forbidden(format!(
            "only the server writes to {}",
            topic.as_str()
        )));
    }
    if !auth.role.can_change_shared() {
        return Err(SyncError::Forbidden(format!(
            "a {} cannot post to the workspace's {}",
            auth.role.as_str(),
            topic.as_str()
        )));
    }
    let payload = json!({
        "by": { "kind": "user", "id": auth.user.id, "email": auth.user.email },
        "at": now_ms(),
        "data": publication.data,
    });
    live::publish(&state.hub, &auth.workspace.id, topic, &payload)
        .await
        .map_err(|err| {
            tracing::error!("sync: {err:#}");
            SyncError::Server
        })
}

/// GET /api/sync/poll?since= — for clients without a WebSocket: `{frames}`, the same frames a
/// returning connection would get.
pub async fn poll(
    state: &AppState,
    auth: &Auth,
    Since { since }: Since,
) -> Result<Polled, ApiError> {
    let frames = catch_up(state, scope(auth), since).await?;
    let frames = frames
        .iter()
        .map(|frame| serde_json::from_str(frame))
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    Ok(Polled { frames })
}

/// POST /api/sync/update — a `state:update`'s payload over HTTP; `{version}` once applied and
/// announced (the `state:sync` reaches every connection and the next poll).
pub async fn update(
    state: &AppState,
    auth: &Auth,
    update: StateUpdate,
) -> Result<Applied, ApiError> {
    match commit_edit(state, auth, update).await {
        Ok(version) => Ok(Applied { version }),
        Err(err @ SyncError::InvalidPath(_)) => Err(ApiError::field("path", err.to_string())),
        Err(err @ SyncError::Rejected(_)) => Err(ApiError::field("value", err.to_string())),
        Err(err @ SyncError::Forbidden(_)) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, err.to_string()))
        }
        Err(err @ (SyncError::StateTooLarge { .. } | SyncError::TooManyWidgets { .. })) => Err(
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, err.to_string()),
        ),
        Err(err) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            err.to_string(),
        )),
    }
}
