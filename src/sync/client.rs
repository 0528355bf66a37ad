//! The browser's end of `/api/sync`. Edits apply locally at once and wait in this tab's queue,
//! kept in localStorage, until the server echoes them back (recognised by client and mutation
//! id); what the server confirms is the base, and the pending edits are re-applied on top of it.
//!
//! The socket reconnects with exponential backoff and jitter. Coming back it asks for what it
//! missed since its last version (`?since=`), then replays its queue; a skipped version makes it
//! ask for `state:full`. Where no WebSocket gets through it polls the HTTP fallback instead. When
//! the session ends it goes to the sign-in page; the queue stays and is sent after signing in.
//!
//! The same socket carries the workspace's live topics that the tab's pages follow
//! ([`super::follow`]): one connection per tab.
//!
//! Each tab keeps its own queue (tabs must not overwrite each other's) under an id that lives in
//! sessionStorage, so a reload finds its queue again. A tab also marks itself alive every few
//! seconds; the queue of a tab that stopped (closed, crashed) is adopted by the next tab that
//! notices, so its edits are sent too.

use super::path::{self, StatePath};
use super::{ClientFrame, Command, Connection, ServerFrame, Since, StateUpdate};
use crate::dashboard::DashboardState;
use crate::http::{JsonBody, QueryParams};
use dioxus::prelude::*;
use futures_util::future::{select, Either};
use futures_util::stream::{self, LocalBoxStream};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use gloo_storage::{LocalStorage, SessionStorage, Storage};
use gloo_timers::future::{IntervalStream, TimeoutFuture};
use serde_json::Value;
use std::collections::HashMap;

/// How often a tab marks itself alive (and looks for stopped tabs' queues).
const HEARTBEAT_MS: u32 = 5_000;
/// A tab not seen alive for this long has stopped; its queue is adopted.
const STOPPED_AFTER_MS: i64 = 20_000;
/// Failed socket opens in a row after which the HTTP fallback takes over.
const FAILURES_BEFORE_POLLING: u32 = 2;
/// How often the fallback asks for other tabs' edits.
const POLL_MS: u32 = 3_000;
/// Polls between attempts to get the socket back.
const POLLS_BEFORE_RETRY: u32 = 10;
/// The server's close codes (see `sync::api`).
const CLOSE_SIGNED_OUT: u16 = 4401;
const CLOSE_REOPEN: u16 = 4000;
const CLOSE_REMOVED: u16 = 4403;

fn now() -> i64 {
    js_sys::Date::now() as i64
}

fn queue_prefix(key: &str) -> String {
    format!("{key}:queue")
}

fn alive_key(client_id: &str) -> String {
    format!("flightdeck:tab-alive:{client_id}")
}

/// This tab's id: kept in sessionStorage, so a reload keeps it (and its queue).
fn tab_id() -> String {
    const KEY: &str = "flightdeck:tab-id";
    if let Ok(id) = SessionStorage::get::<String>(KEY) {
        return id;
    }
    let id = format!("tab-{:x}", (js_sys::Math::random() * 1e15) as u64);
    let _ = SessionStorage::set(KEY, &id);
    id
}

/// The state socket's URL, `?since=` the version this tab has.
pub(super) fn socket_url(since: Option<u64>) -> Option<String> {
    sync_url(&since.map(|v| format!("?since={v}")).unwrap_or_default())
}

fn sync_url(query: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/api/sync{query}",
        location.host().ok()?
    ))
}

/// Goes to the sign-in page, back here afterwards.
fn sign_in_again() {
    if crate::auth::leaving() {
        return;
    }
    if let Some(window) = web_sys::window() {
        let location = window.location();
        let here = location.pathname().unwrap_or_else(|_| "/".into());
        let next = js_sys::encode_uri_component(&here);
        let _ = location.set_href(&format!("/login?next={next}"));
    }
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

/// What the task reacts to: the page's commands, and its own heartbeat.
enum Input {
    Command(Command),
    Heartbeat,
    /// Live topics to subscribe to on the open socket.
    Subscribe(Vec<super::Topic>),
}

struct Sync {
    key: String,
    client_id: String,
    next_mutation: u64,
    confirmed: DashboardState,
    /// Whether `confirmed` came from the server's frames (then `since` can resume from it).
    known: bool,
    pending: Vec<StateUpdate>,
    /// Edits the HTTP fallback had accepted, with their version: a `state:full` at or past it
    /// contains them.
    accepted: HashMap<String, u64>,
    state: Signal<DashboardState>,
    waiting: Signal<usize>,
}

impl Sync {
    fn queue_key(&self) -> String {
        format!("{}:{}", queue_prefix(&self.key), self.client_id)
    }

    fn render(&mut self) {
        let shown = shown(&self.confirmed, &self.pending);
        if let Err(why) = crate::dashboard::local::save(&self.key, &shown) {
            crate::log::warn(&format!("dashboard not kept in this browser: {why}"));
        }
        if self.pending.is_empty() {
            LocalStorage::delete(self.queue_key());
        } else {
            let _ = LocalStorage::set(self.queue_key(), &self.pending);
        }
        self.state.set(shown);
        self.waiting.set(self.pending.len());
    }

    /// Marks this tab alive and takes over the queues of tabs that stopped (and the one queue
    /// of older builds); says whether it took any.
    fn heartbeat(&mut self) -> bool {
        let _ = LocalStorage::set(alive_key(&self.client_id), now());
        let prefix = queue_prefix(&self.key);
        let storage = LocalStorage::raw();
        let keys: Vec<String> = (0..storage.length().unwrap_or(0))
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with(&prefix) && *k != self.queue_key())
            .collect();
        let mut adopted = false;
        for key in keys {
            let owner = key.strip_prefix(&prefix).unwrap_or_default();
            let owner = owner.strip_prefix(':').unwrap_or(owner);
            let seen: i64 = LocalStorage::get(alive_key(owner)).unwrap_or(0);
            if !owner.is_empty() && now() - seen < STOPPED_AFTER_MS {
                continue;
            }
            let theirs: Vec<StateUpdate> = LocalStorage::get(&key).unwrap_or_default();
            LocalStorage::delete(&key);
            LocalStorage::delete(alive_key(owner));
            for edit in theirs {
                let known = self
                    .pending
                    .iter()
                    .any(|p| p.client_id == edit.client_id && p.mutation_id == edit.mutation_id);
                if !known {
                    self.pending.push(edit);
                    adopted = true;
                }
            }
        }
        if adopted {
            self.render();
        }
        adopted
    }

    fn edit(&mut self, path: String, value: Value) -> StateUpdate {
        self.next_mutation += 1;
        let update = StateUpdate {
            path,
            value,
            base_version: Some(self.confirmed.revision),
            client_id: Some(self.client_id.clone()),
            mutation_id: Some(format!("{}-{}", now(), self.next_mutation)),
        };
        self.pending.push(update.clone());
        self.render();
        update
    }

    /// The version to resume from, once the confirmed state is the server's.
    fn since(&self) -> Option<u64> {
        self.known.then_some(self.confirmed.revision)
    }

    /// Applies a server frame; says whether the whole state must be asked for (a gap).
    fn receive(&mut self, frame: ServerFrame) -> bool {
        match frame {
            ServerFrame::StateFull { state, version } => {
                self.confirmed = *state;
                self.confirmed.revision = version;
                self.known = true;
                let accepted = &self.accepted;
                self.pending.retain(|p| {
                    p.mutation_id
                        .as_ref()
                        .and_then(|id| accepted.get(id))
                        .is_none_or(|applied| *applied > version)
                });
            }
            ServerFrame::StateResumed { version } => {
                if version != self.confirmed.revision {
                    return true;
                }
                self.known = true;
                return false;
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
                if let Some(id) = &sync.mutation_id {
                    self.accepted.remove(id);
                }
            }
            ServerFrame::Error(error) => {
                crate::log::warn(&format!(
                    "sync refused a frame: {} ({})",
                    error.message, error.code
                ));
                if let Some(id) = error.mutation_id {
                    self.pending.retain(|p| p.mutation_id.as_ref() != Some(&id));
                }
            }
            // Live topics are for the widgets' subscriptions, not the dashboard state.
            _ => return false,
        }
        self.render();
        false
    }
}

fn text(frame: &ClientFrame) -> Message {
    Message::Text(serde_json::to_string(frame).unwrap_or_default())
}

/// How a stretch of the task ended.
enum Outcome {
    /// The page is gone.
    Quit,
    /// The browser went offline.
    Offline,
    /// The session ended.
    SignedOut,
    /// The user was removed from this workspace.
    Removed,
    /// The socket closed or never opened; `live` says whether it had been.
    Lost { live: bool, reopen: bool },
    /// The HTTP fallback's turn is over; try the socket again.
    TrySocket,
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
    let mut inputs: LocalBoxStream<'static, Input> = stream::select(
        stream::select(
            commands.map(Input::Command),
            IntervalStream::new(HEARTBEAT_MS).map(|()| Input::Heartbeat),
        ),
        super::follow::to_subscribe().map(Input::Subscribe),
    )
    .boxed_local();
    let client_id = tab_id();
    let pending: Vec<StateUpdate> =
        LocalStorage::get(format!("{}:{client_id}", queue_prefix(&key))).unwrap_or_default();
    let mut sync = Sync {
        key,
        client_id,
        next_mutation: 0,
        confirmed: start,
        known: false,
        pending,
        accepted: HashMap::new(),
        state,
        waiting,
    };
    sync.heartbeat();
    sync.render();
    let mut attempt: u32 = 0;
    let mut failures: u32 = 0;
    let mut online = web_sys::window().is_none_or(|window| window.navigator().on_line());
    loop {
        let outcome = if !online {
            super::follow::down();
            Outcome::Offline
        } else if failures >= FAILURES_BEFORE_POLLING {
            super::follow::down();
            poll(&mut sync, &mut inputs, &mut connection).await
        } else {
            socket(&mut sync, &mut inputs, &mut connection).await
        };
        match outcome {
            Outcome::Quit => return,
            ended @ (Outcome::SignedOut | Outcome::Removed) => {
                connection.set(Connection::SignedOut);
                if matches!(ended, Outcome::Removed) {
                    // Reloaded, the app lands in another of the user's workspaces, or on the
                    // sign-in page when there is none.
                    crate::auth::load_page("/");
                } else {
                    sign_in_again();
                }
                // Until the page goes: edits still apply and queue.
                while let Some(input) = inputs.next().await {
                    if let Input::Command(Command::Edit(path, value)) = input {
                        sync.edit(path, value);
                    }
                }
                return;
            }
            Outcome::Offline => {
                connection.set(Connection::Offline);
                // Until the browser is back: edits apply and queue.
                loop {
                    match inputs.next().await {
                        Some(Input::Command(Command::Edit(path, value))) => {
                            sync.edit(path, value);
                        }
                        Some(Input::Command(Command::Online(true))) => break,
                        Some(Input::Heartbeat) => {
                            sync.heartbeat();
                        }
                        Some(_) => {}
                        None => return,
                    }
                }
                online = true;
                attempt = 0;
                continue;
            }
            Outcome::TrySocket => {
                // One attempt; back to polling unless it gets through.
                failures = FAILURES_BEFORE_POLLING - 1;
                continue;
            }
            Outcome::Lost { live, reopen } => {
                if live {
                    failures = 0;
                    attempt = 0;
                } else {
                    failures += 1;
                    if failures >= FAILURES_BEFORE_POLLING {
                        continue;
                    }
                }
                if reopen {
                    continue;
                }
            }
        }
        connection.set(Connection::Reconnecting);
        attempt = attempt.saturating_add(1);
        // 0.5 s, 1 s, 2 s … up to 30 s, each between half and the whole of it.
        let ceiling = (500.0 * 2f64.powi(attempt.min(6) as i32 - 1)).min(30_000.0);
        let wait = ceiling * (0.5 + js_sys::Math::random() / 2.0);
        let mut timer = TimeoutFuture::new(wait as u32);
        // Edits made meanwhile still apply at once and wait in the queue.
        loop {
            match select(&mut timer, inputs.next()).await {
                Either::Left(_) => break,
                Either::Right((Some(Input::Command(Command::Edit(path, value))), _)) => {
                    sync.edit(path, value);
                }
                Either::Right((Some(Input::Command(Command::Online(now_online))), _)) => {
                    online = now_online;
                    break;
                }
                Either::Right((Some(Input::Heartbeat), _)) => {
                    sync.heartbeat();
                }
                Either::Right((
                    Some(Input::Command(Command::Start(..)) | Input::Subscribe(_)),
                    _,
                )) => {}
                Either::Right((None, _)) => return,
            }
        }
    }
}

/// One socket, from opening until it is lost.
async fn socket(
    sync: &mut Sync,
    inputs: &mut LocalBoxStream<'static, Input>,
    connection: &mut Signal<Connection>,
) -> Outcome {
    let Some(socket) = socket_url(sync.since()).and_then(|url| WebSocket::open(&url).ok()) else {
        super::follow::down();
        return Outcome::Lost {
            live: false,
            reopen: false,
        };
    };
    let (mut sink, mut stream) = socket.split();
    // The live topics ride on this socket while it is open.
    super::follow::opened();
    let _down = FollowDown;
    let mut live = false;
    loop {
        match select(stream.next(), inputs.next()).await {
            Either::Left((Some(Ok(Message::Text(text_frame))), _)) => {
                let Some(frame) = ServerFrame::parse(&text_frame)
                    .ok()
                    .and_then(super::follow::receive)
                else {
                    continue;
                };
                let caught_up = matches!(
                    frame,
                    ServerFrame::StateFull { .. } | ServerFrame::StateResumed { .. }
                );
                if sync.receive(frame) {
                    let _ = sink.send(text(&ClientFrame::FullRequest {})).await;
                } else if caught_up {
                    if !live {
                        live = true;
                        connection.set(Connection::Live);
                    }
                    sync.heartbeat();
                    // Replay what is not confirmed yet (setting a path twice is harmless).
                    for edit in sync.pending.clone() {
                        let _ = sink.send(text(&ClientFrame::StateUpdate(edit))).await;
                    }
                }
            }
            Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
            Either::Left((Some(Err(WebSocketError::ConnectionClose(close))), _)) => {
                return match close.code {
                    CLOSE_SIGNED_OUT => Outcome::SignedOut,
                    CLOSE_REMOVED => Outcome::Removed,
                    code => Outcome::Lost {
                        live,
                        reopen: code == CLOSE_REOPEN,
                    },
                };
            }
            Either::Left((Some(Err(_)) | None, _)) => {
                return Outcome::Lost {
                    live,
                    reopen: false,
                }
            }
            Either::Right((Some(Input::Command(Command::Edit(path, value))), _)) => {
                let edit = sync.edit(path, value);
                if live
                    && sink
                        .send(text(&ClientFrame::StateUpdate(edit)))
                        .await
                        .is_err()
                {
                    return Outcome::Lost {
                        live,
                        reopen: false,
                    };
                }
            }
            Either::Right((Some(Input::Command(Command::Online(false))), _)) => {
                return Outcome::Offline
            }
            Either::Right((Some(Input::Heartbeat), _)) => {
                if sync.heartbeat() && live {
                    for edit in sync.pending.clone() {
                        let _ = sink.send(text(&ClientFrame::StateUpdate(edit))).await;
                    }
                }
            }
            Either::Right((Some(Input::Subscribe(topics)), _)) => {
                for topic in topics {
                    let frame = ClientFrame::Subscribe(super::TopicRef { topic });
                    if sink.send(text(&frame)).await.is_err() {
                        return Outcome::Lost {
                            live,
                            reopen: false,
                        };
                    }
                }
            }
            Either::Right((Some(Input::Command(_)), _)) => {}
            Either::Right((None, _)) => return Outcome::Quit,
        }
    }
}

/// Tells the live topics the socket is gone, however [`socket`] ends.
struct FollowDown;

impl Drop for FollowDown {
    fn drop(&mut self) {
        super::follow::down();
    }
}

/// The HTTP fallback for a while: sends the queue as `POST /api/sync/update`s and asks for
/// other tabs' edits every few seconds, then hands back to the socket for another try.
async fn poll(
    sync: &mut Sync,
    inputs: &mut LocalBoxStream<'static, Input>,
    connection: &mut Signal<Connection>,
) -> Outcome {
    for _ in 0..POLLS_BEFORE_RETRY {
        // Send what the server has not accepted yet, in order; stop at the first that fails.
        for edit in sync.pending.clone() {
            let id = edit.mutation_id.clone();
            if id.as_ref().is_some_and(|id| sync.accepted.contains_key(id)) {
                continue;
            }
            match super::server_fns::update(JsonBody(edit.clone())).await {
                Ok(answer) => {
                    // The tab's own edits all have an id (`Sync::edit`).
                    if let Some(id) = id {
                        sync.accepted.insert(id, answer.version);
                    }
                }
                Err(err) if err.status == 401 => return Outcome::SignedOut,
                Err(err) if (400..500).contains(&err.status) => {
                    crate::log::warn(&format!("sync refused an edit: {}", err.body.error));
                    sync.pending.retain(|p| p.mutation_id != edit.mutation_id);
                    sync.render();
                }
                Err(_) => break,
            }
        }
        let since = QueryParams(Since {
            since: sync.since(),
        });
        match super::server_fns::poll(since).await {
            Ok(polled) => {
                connection.set(Connection::Polling);
                for frame in polled.frames {
                    let Ok(frame) = ServerFrame::from_value(frame) else {
                        continue;
                    };
                    if sync.receive(frame) {
                        // A gap: the next poll asks for everything.
                        sync.known = false;
                        break;
                    }
                }
            }
            Err(err) if err.status == 401 => return Outcome::SignedOut,
            Err(_) => connection.set(Connection::Reconnecting),
        }
        let mut timer = TimeoutFuture::new(POLL_MS);
        loop {
            match select(&mut timer, inputs.next()).await {
                Either::Left(_) => break,
                Either::Right((Some(Input::Command(Command::Edit(path, value))), _)) => {
                    sync.edit(path, value);
                    // Sent at once, not at the next poll.
                    break;
                }
                Either::Right((Some(Input::Command(Command::Online(false))), _)) => {
                    return Outcome::Offline
                }
                Either::Right((Some(Input::Heartbeat), _)) => {
                    sync.heartbeat();
                }
                Either::Right((Some(Input::Command(_) | Input::Subscribe(_)), _)) => {}
                Either::Right((None, _)) => return Outcome::Quit,
            }
        }
    }
    Outcome::TrySocket
}

/// Follows one live topic of the workspace for as long as the calling task lives: `on_event`
/// gets each event's payload, and `on_open` is called whenever the subscription (re)starts, so
/// the page can reload what it may have missed. The tab's one live socket carries it (see
/// [`super::follow`]).
pub async fn follow(topic: super::Topic, on_open: impl FnMut(), mut on_event: impl FnMut(Value)) {
    follow_all(&[topic], on_open, move |_, payload| on_event(payload)).await;
}

/// [`follow`] for several topics: `on_event` gets each event's topic too, and `on_open` runs
/// once every topic is subscribed.
pub use super::follow::follow_all;
