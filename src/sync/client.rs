//! The browser's end of `/api/sync`. Edits apply locally at once and wait in a queue kept in
//! localStorage until the server echoes them back (recognised by client and mutation id); what
//! the server confirms is the base, and the pending edits are re-applied on top of it. The socket
//! reconnects with exponential backoff and jitter, starts again from `state:full` and replays the
//! queue, and asks for `state:full` whenever a version is skipped.

use super::path::{self, StatePath};
use super::{ClientFrame, Command, Connection, ServerFrame, StateUpdate};
use crate::dashboard::DashboardState;
use dioxus::logger::tracing;
use dioxus::prelude::*;
use futures_util::future::{select, Either};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use gloo_storage::{LocalStorage, Storage};
use serde_json::Value;

fn now() -> i64 {
    js_sys::Date::now() as i64
}

fn queue_key(key: &str) -> String {
    format!("{key}:queue")
}

fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/api/sync", location.host().ok()?))
}

/// The shown state: the confirmed one with every pending edit on top.
fn shown(confirmed: &DashboardState, pending: &[StateUpdate]) -> DashboardState {
    pending.iter().fold(confirmed.clone(), |state, edit| {
        match StatePath::parse(&edit.path) {
            Ok(at) => path::apply(&state, &at, &edit.value, now()).unwrap_or(state),
            Err(_) => state,
        }
    })
}

struct Sync {
    key: String,
    client_id: String,
    next_mutation: u64,
    confirmed: DashboardState,
    pending: Vec<StateUpdate>,
    state: Signal<DashboardState>,
    waiting: Signal<usize>,
}

impl Sync {
    fn render(&mut self) {
        let shown = shown(&self.confirmed, &self.pending);
        if let Err(why) = crate::dashboard::local::save(&self.key, &shown) {
            tracing::warn!("dashboard not kept in this browser: {why}");
        }
        let _ = LocalStorage::set(queue_key(&self.key), &self.pending);
        self.state.set(shown);
        self.waiting.set(self.pending.len());
    }

    fn edit(&mut self, path: String, value: Value) -> StateUpdate {
        self.next_mutation += 1;
        let update = StateUpdate {
            path,
            value,
            base_version: self.confirmed.revision,
            client_id: self.client_id.clone(),
            mutation_id: format!("{}-{}", now(), self.next_mutation),
        };
        self.pending.push(update.clone());
        self.render();
        update
    }

    /// Applies a server frame; says whether the whole state must be asked for (a gap).
    fn receive(&mut self, frame: ServerFrame) -> bool {
        match frame {
            ServerFrame::StateFull { state, version } => {
                self.confirmed = *state;
                self.confirmed.revision = version;
            }
            ServerFrame::StateSync(sync) => {
                if sync.version != self.confirmed.revision + 1 {
                    return sync.version > self.confirmed.revision;
                }
                let applied = StatePath::parse(&sync.path)
                    .ok()
                    .and_then(|at| path::apply(&self.confirmed, &at, &sync.value, now()).ok());
                match applied {
                    Some(next) => self.confirmed = next,
                    None => return true,
                }
                self.confirmed.revision = sync.version;
                self.pending.retain(|p| {
                    !(p.client_id == sync.client_id && p.mutation_id == sync.mutation_id)
                });
            }
            ServerFrame::Error(error) => {
                tracing::warn!("sync refused a frame: {} ({})", error.message, error.code);
                if let Some(id) = error.mutation_id {
                    self.pending.retain(|p| p.mutation_id != id);
                }
            }
        }
        self.render();
        false
    }
}

fn text(frame: &ClientFrame) -> Message {
    Message::Text(serde_json::to_string(frame).unwrap_or_default())
}

/// Runs the sync task: give it [`Command`]s; it keeps `state`, `connection` and `waiting` (edits
/// not yet confirmed by the server) up to date.
pub async fn run(
    mut commands: UnboundedReceiver<Command>,
    state: Signal<DashboardState>,
    mut connection: Signal<Connection>,
    waiting: Signal<usize>,
) {
    // Wait for the restored state.
    let (key, start) = loop {
        match commands.next().await {
            Some(Command::Start(key, start)) => break (key, start),
            Some(Command::Edit(..) | Command::Online(_)) => continue,
            None => return,
        }
    };
    let pending: Vec<StateUpdate> = LocalStorage::get(queue_key(&key)).unwrap_or_default();
    let mut sync = Sync {
        key,
        client_id: format!("tab-{:x}", (js_sys::Math::random() * 1e15) as u64),
        next_mutation: 0,
        confirmed: start,
        pending,
        state,
        waiting,
    };
    sync.render();
    let mut attempt: u32 = 0;
    let mut online = web_sys::window().is_none_or(|window| window.navigator().on_line());
    loop {
        let socket = if online {
            socket_url().and_then(|url| WebSocket::open(&url).ok())
        } else {
            None
        };
        if let Some(socket) = socket {
            let (mut sink, mut stream) = socket.split();
            let mut live = false;
            loop {
                match select(stream.next(), commands.next()).await {
                    Either::Left((Some(Ok(Message::Text(text_frame))), _)) => {
                        let Ok(frame) = serde_json::from_str::<ServerFrame>(&text_frame) else {
                            continue;
                        };
                        let full = matches!(frame, ServerFrame::StateFull { .. });
                        if sync.receive(frame) {
                            let _ = sink.send(text(&ClientFrame::FullRequest {})).await;
                        }
                        if full {
                            if !live {
                                live = true;
                                attempt = 0;
                                connection.set(Connection::Live);
                            }
                            // Replay what is not confirmed yet (setting a path twice is harmless).
                            for edit in sync.pending.clone() {
                                let _ = sink.send(text(&ClientFrame::StateUpdate(edit))).await;
                            }
                        }
                    }
                    Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
                    Either::Left((Some(Err(_)) | None, _)) => break,
                    Either::Right((Some(Command::Edit(path, value)), _)) => {
                        let edit = sync.edit(path, value);
                        if live
                            && sink
                                .send(text(&ClientFrame::StateUpdate(edit)))
                                .await
                                .is_err()
                        {
                            break;
                        }
                    }
                    Either::Right((Some(Command::Online(now_online)), _)) => {
                        online = now_online;
                        if !online {
                            break;
                        }
                    }
                    Either::Right((Some(Command::Start(..)), _)) => {}
                    Either::Right((None, _)) => return,
                }
            }
        }
        if !online {
            connection.set(Connection::Offline);
            // Until the browser is back: edits apply and queue.
            loop {
                match commands.next().await {
                    Some(Command::Edit(path, value)) => {
                        sync.edit(path, value);
                    }
                    Some(Command::Online(true)) => {
                        online = true;
                        break;
                    }
                    Some(_) => {}
                    None => return,
                }
            }
            attempt = 0;
            continue;
        }
        connection.set(Connection::Reconnecting);
        attempt = attempt.saturating_add(1);
        // 0.5 s, 1 s, 2 s … up to 30 s, each between half and the whole of it.
        let ceiling = (500.0 * 2f64.powi(attempt.min(6) as i32 - 1)).min(30_000.0);
        let wait = ceiling * (0.5 + js_sys::Math::random() / 2.0);
        let mut timer = gloo_timers::future::TimeoutFuture::new(wait as u32);
        // Edits made meanwhile still apply at once and wait in the queue.
        loop {
            match select(&mut timer, commands.next()).await {
                Either::Left(_) => break,
                Either::Right((Some(Command::Edit(path, value)), _)) => {
                    sync.edit(path, value);
                }
                Either::Right((Some(Command::Online(now_online)), _)) => {
                    online = now_online;
                    break;
                }
                Either::Right((Some(Command::Start(..)), _)) => {}
                Either::Right((None, _)) => return,
            }
        }
    }
}
