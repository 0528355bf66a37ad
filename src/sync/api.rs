//! `GET /api/sync` — the WebSocket. Authenticated by the session cookie, Origin checked. Each
//! connection subscribes to its user + workspace's topic, starts with `state:full`, applies the
//! `state:update`s it receives (persisted, then published to every connection of that user and
//! workspace, this one included, on every instance), and answers bad frames with an `error` frame
//! without closing. A per-connection rate limit and a bounded queue keep one client from
//! stalling the others.

use super::path::{self, StatePath};
use super::{ClientFrame, ErrorPayload, ServerFrame, StateSync, StateUpdate};
use crate::auth::api::Auth;
use crate::dashboard::migrate::load_or_default;
use crate::dashboard::store::{Announce, Saved, Scope};
use crate::dashboard::DashboardState;
use crate::http::ApiError;
use crate::records::now_ms;
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::json;
use std::num::NonZeroU32;
use tokio::sync::broadcast::error::RecvError;

/// Frames a connection may send per second, after a burst of [`BURST`].
const PER_SECOND: u32 = 50;
const BURST: u32 = 100;

/// The sync route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/sync", get(open))
}

/// The hub topic of one user's dashboard in one workspace.
pub fn state_topic(workspace_id: &str, user_id: &str) -> String {
    format!("state:{workspace_id}:{user_id}")
}

/// A page on another site must not drive a signed-in user's socket: a browser's `Origin` must
/// name this host. (Clients that are not browsers send no `Origin`.)
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bare = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or_default();
    !host.is_empty() && bare == host
}

/// GET /api/sync — upgrades to the sync WebSocket; 401 signed out, 403 from another origin.
async fn open(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !same_origin(&headers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this socket only accepts pages of this site",
        ));
    }
    // Frames up to twice the state limit reach us and get an `error` frame when too large;
    // past that the protocol layer closes the connection.
    let limit = state.config.state_max_bytes;
    Ok(upgrade
        .max_message_size(limit * 2)
        .on_upgrade(move |socket| connection(socket, state, auth)))
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

fn error(code: &str, message: impl Into<String>, mutation_id: Option<String>) -> ServerFrame {
    ServerFrame::Error(ErrorPayload {
        code: code.into(),
        message: message.into(),
        mutation_id,
    })
}

async fn connection(mut socket: WebSocket, state: AppState, auth: Auth) {
    let topic = state_topic(&auth.workspace.id, &auth.user.id);
    let mut updates = state.hub.subscribe(&topic);
    let limiter: DefaultDirectRateLimiter = RateLimiter::direct(
        Quota::per_second(NonZeroU32::new(PER_SECOND).expect("non-zero"))
            .allow_burst(NonZeroU32::new(BURST).expect("non-zero")),
    );
    if !send_full(&mut socket, &state, &auth).await {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if limiter.check().is_err() {
                        if !send(&mut socket, &error("rate_limited", format!("more than {PER_SECOND} frames a second; this one was dropped"), None)).await { return; }
                        continue;
                    }
                    if let Some(reply) = handle(&state, &auth, &mut socket, text.as_str()).await {
                        if !send(&mut socket, &reply).await { return; }
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    if !send(&mut socket, &error("malformed", "frames are JSON text", None)).await { return; }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
            },
            published = updates.recv() => match published {
                Ok(text) => {
                    if socket.send(Message::Text(text.to_string().into())).await.is_err() { return; }
                }
                // Too far behind to replay: start again from the whole state.
                Err(RecvError::Lagged(_)) => {
                    if !send_full(&mut socket, &state, &auth).await { return; }
                }
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Handles one text frame; returns a frame for this connection only (a full state or an error).
async fn handle(
    state: &AppState,
    auth: &Auth,
    socket: &mut WebSocket,
    text: &str,
) -> Option<ServerFrame> {
    if text.len() > state.config.state_max_bytes {
        return Some(error(
            "too_large",
            format!(
                "frames are limited to {} bytes",
                state.config.state_max_bytes
            ),
            None,
        ));
    }
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(err) => {
            return Some(error(
                "malformed",
                format!("not a frame this server knows: {err}"),
                None,
            ))
        }
    };
    match frame {
        ClientFrame::FullRequest {} => {
            send_full(socket, state, auth).await;
            None
        }
        ClientFrame::StateUpdate(update) => {
            let mutation_id = update.mutation_id.clone();
            match apply_update(state, auth, update).await {
                Ok(()) => None,
                Err((code, message)) => Some(error(code, message, Some(mutation_id))),
            }
        }
    }
}

/// The user's current state and its version (the defaults at version 0 when none is stored).
async fn current(state: &AppState, auth: &Auth) -> anyhow::Result<(DashboardState, u64)> {
    let scope = Scope {
        user_id: &auth.user.id,
        workspace_id: &auth.workspace.id,
    };
    Ok(match state.states.load(scope).await? {
        Some(stored) => {
            let value = serde_json::from_str(&stored.json).unwrap_or_default();
            let mut loaded = load_or_default(value).state;
            loaded.revision = stored.revision;
            (loaded, stored.revision)
        }
        None => (DashboardState::default(), 0),
    })
}

async fn send_full(socket: &mut WebSocket, state: &AppState, auth: &Auth) -> bool {
    match current(state, auth).await {
        Ok((dashboard, version)) => {
            send(
                socket,
                &ServerFrame::StateFull {
                    state: Box::new(dashboard),
                    version,
                },
            )
            .await
        }
        Err(err) => {
            tracing::error!("sync: cannot load the state: {err:#}");
            send(
                socket,
                &error("server", "the state could not be loaded; try again", None),
            )
            .await
        }
    }
}

/// Applies one edit on top of the stored state (compare-and-set, retried when another edit got
/// in first), persists it, publishes it, then audits it.
async fn apply_update(
    state: &AppState,
    auth: &Auth,
    update: StateUpdate,
) -> Result<(), (&'static str, String)> {
    let server = |err: anyhow::Error| {
        tracing::error!("sync: {err:#}");
        (
            "server",
            "the edit could not be saved; nothing was applied".to_string(),
        )
    };
    let path = StatePath::parse(&update.path).map_err(|err| ("invalid_path", err.to_string()))?;
    let scope = Scope {
        user_id: &auth.user.id,
        workspace_id: &auth.workspace.id,
    };
    let topic = state_topic(&auth.workspace.id, &auth.user.id);
    let frame = StateSync {
        path: update.path,
        value: update.value,
        version: 0,
        client_id: update.client_id,
        mutation_id: update.mutation_id,
    };
    // `state:sync` frames must leave in version order: in one process, writers of a topic take
    // turns (write, then publish); through Redis, the save script publishes atomically.
    let turn = state.hub.turn(&topic).await;
    let announce = state.hub.channel(&topic).map(|channel| {
        let rest = json!({ "path": frame.path, "value": frame.value, "clientId": frame.client_id, "mutationId": frame.mutation_id });
        Announce {
            channel,
            before: r#"{"type":"state:sync","payload":{"version":"#.to_owned(),
            after: format!(",{}}}", &rest.to_string()[1..]),
        }
    });
    let version = loop {
        let (dashboard, revision) = current(state, auth).await.map_err(server)?;
        let mut next = path::apply(&dashboard, &path, &frame.value, now_ms())
            .map_err(|err| ("rejected", err.to_string()))?;
        next.revision = revision;
        let json = serde_json::to_string(&next).map_err(|err| server(err.into()))?;
        match state
            .states
            .save_announcing(scope, revision, &json, announce.as_ref())
            .await
            .map_err(server)?
        {
            Saved::Accepted { revision } => break revision,
            Saved::Stale(_) => continue,
        }
    };
    let frame = StateSync { version, ..frame };
    if announce.is_none() {
        let text = serde_json::to_string(&ServerFrame::StateSync(frame.clone()))
            .map_err(|err| server(err.into()))?;
        state.hub.publish(&topic, text).await.map_err(server)?;
    }
    drop(turn);
    let mut entry = auth.entry("dashboard.update", "dashboard_state");
    entry.resource_id = Some(format!("{}:{}", auth.workspace.id, auth.user.id));
    entry.after_state = Some(json!({ "path": frame.path, "revision": version }));
    entry.metadata =
        json!({ "clientId": frame.client_id, "mutationId": frame.mutation_id, "via": "sync" });
    // Applied and announced already: a failed audit write is logged, not reported as a failed edit.
    if let Err(err) = state.records.audit(entry).await {
        tracing::error!("sync: the audit entry of an applied edit was not written: {err:#}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_sites_pages_may_open_the_socket() {
        let headers = |origin: Option<&str>, host: &str| {
            let mut map = HeaderMap::new();
            map.insert(HOST, host.parse().unwrap());
            if let Some(origin) = origin {
                map.insert(ORIGIN, origin.parse().unwrap());
            }
            map
        };
        assert!(same_origin(&headers(
            Some("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        )));
        assert!(same_origin(&headers(None, "127.0.0.1:8080")));
        assert!(!same_origin(&headers(
            Some("http://evil.example"),
            "127.0.0.1:8080"
        )));
        assert!(!same_origin(&headers(
            Some("http://127.0.0.1:8080.evil.example"),
            "127.0.0.1:8080"
        )));
        assert!(!same_origin(&headers(Some("null"), "127.0.0.1:8080")));
    }
}
