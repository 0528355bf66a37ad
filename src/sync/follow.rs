//! The tab's one socket for the workspace's live topics, shared by every page that follows one
//! (before, each follower opened its own). It subscribes to every topic asked for, hands each
//! follower its events and tells it when its subscriptions (re)start, and tells the request
//! cache ([`crate::http::cache`]) what is live and what changed. Reconnects with backoff and
//! jitter; once asked for, a topic stays subscribed for the life of the tab.

use super::{ClientFrame, ServerFrame, Topic, TopicRef};
use futures_util::future::{select, Either};
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use gloo_timers::future::TimeoutFuture;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::task::{Poll, Waker};

/// How long a GET waits for the socket to vouch for its answer before going without.
const SETTLE_MS: u32 = 2_000;

/// What a follower is told.
enum Note {
    Open,
    Event(Topic, Value),
}

struct Follower {
    id: u64,
    topics: Vec<Topic>,
    opened: bool,
    notes: VecDeque<Note>,
    waker: Option<Waker>,
}

#[derive(Default)]
struct Hub {
    running: bool,
    /// Between a lost socket and the next attempt.
    down: bool,
    wanted: Vec<Topic>,
    /// Confirmed on the current socket.
    subscribed: Vec<Topic>,
    /// Wanted, not yet asked for on the current socket.
    to_ask: Vec<Topic>,
    followers: Vec<Follower>,
    next_id: u64,
    /// The socket task, waiting for topics to ask for.
    socket_waker: Option<Waker>,
    /// GETs waiting for their topics.
    settling: Vec<Waker>,
}

thread_local! {
    static HUB: RefCell<Hub> = RefCell::new(Hub::default());
}

fn with_hub<R>(f: impl FnOnce(&mut Hub) -> R) -> R {
    HUB.with(|hub| f(&mut hub.borrow_mut()))
}

impl Hub {
    /// Asks for `topics` (starting the socket when it is not running).
    fn want(&mut self, topics: &[Topic]) {
        for topic in topics {
            if !self.wanted.contains(topic) {
                self.wanted.push(*topic);
                self.to_ask.push(*topic);
            }
        }
        if !self.running {
            self.running = true;
            let _ = dioxus::core::spawn_forever(run());
        } else if let Some(waker) = self.socket_waker.take() {
            waker.wake();
        }
    }

    /// Tells each follower whose topics are all subscribed now that they (re)started.
    fn open_followers(&mut self) {
        for follower in &mut self.followers {
            if !follower.opened && follower.topics.iter().all(|t| self.subscribed.contains(t)) {
                follower.opened = true;
                follower.notes.push_back(Note::Open);
                if let Some(waker) = follower.waker.take() {
                    waker.wake();
                }
            }
        }
    }

    fn wake_settling(&mut self) {
        for waker in self.settling.drain(..) {
            waker.wake();
        }
    }
}

/// Follows `topics` for as long as the calling task lives: `on_event` gets each event, and
/// `on_open` runs whenever the subscriptions (re)start, so the page can reload what it may
/// have missed. Both run in the calling task.
pub async fn follow_all(
    topics: &[Topic],
    mut on_open: impl FnMut(),
    mut on_event: impl FnMut(Topic, Value),
) {
    let id = with_hub(|hub| {
        hub.next_id += 1;
        let id = hub.next_id;
        hub.followers.push(Follower {
            id,
            topics: topics.to_vec(),
            opened: false,
            notes: VecDeque::new(),
            waker: None,
        });
        hub.want(topics);
        hub.open_followers();
        id
    });
    let _leaves = Leaves(id);
    loop {
        let note = poll_fn(|cx| {
            with_hub(|hub| {
                let Some(follower) = hub.followers.iter_mut().find(|f| f.id == id) else {
                    return Poll::Pending;
                };
                match follower.notes.pop_front() {
                    Some(note) => Poll::Ready(note),
                    None => {
                        follower.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            })
        })
        .await;
        match note {
            Note::Open => on_open(),
            Note::Event(topic, payload) => on_event(topic, payload),
        }
    }
}

/// Removes its follower when the following task ends.
struct Leaves(u64);

impl Drop for Leaves {
    fn drop(&mut self) {
        with_hub(|hub| hub.followers.retain(|f| f.id != self.0));
    }
}

/// Waits (a little at most) until `topics` are subscribed, so that a GET sent then can be kept
/// until they say it changed; at once when the socket is down.
pub async fn settle(topics: &[Topic]) {
    let subscribed = poll_fn(|cx| {
        with_hub(|hub| {
            hub.want(topics);
            if hub.down || topics.iter().all(|t| hub.subscribed.contains(t)) {
                Poll::Ready(())
            } else {
                hub.settling.push(cx.waker().clone());
                Poll::Pending
            }
        })
    });
    let _ = select(Box::pin(subscribed), TimeoutFuture::new(SETTLE_MS)).await;
}

fn subscribe(topic: Topic) -> Message {
    Message::Text(
        serde_json::to_string(&ClientFrame::Subscribe(TopicRef { topic })).unwrap_or_default(),
    )
}

/// The socket, for the life of the tab.
async fn run() {
    let mut attempt: u32 = 0;
    loop {
        with_hub(|hub| {
            hub.down = false;
            hub.to_ask = hub.wanted.clone();
        });
        if let Some(socket) =
            super::client::live_socket_url().and_then(|url| WebSocket::open(&url).ok())
        {
            let (mut sink, mut stream) = socket.split();
            'live: loop {
                for topic in with_hub(|hub| std::mem::take(&mut hub.to_ask)) {
                    if sink.send(subscribe(topic)).await.is_err() {
                        break 'live;
                    }
                }
                let asked = poll_fn(|cx| {
                    with_hub(|hub| {
                        if hub.to_ask.is_empty() {
                            hub.socket_waker = Some(cx.waker().clone());
                            Poll::Pending
                        } else {
                            Poll::Ready(())
                        }
                    })
                });
                let message = match select(stream.next(), Box::pin(asked)).await {
                    Either::Left((Some(Ok(message)), _)) => message,
                    Either::Left(_) => break 'live,
                    Either::Right(_) => continue,
                };
                let Message::Text(frame) = message else {
                    continue;
                };
                match ServerFrame::parse(&frame) {
                    Ok(ServerFrame::Subscribed(TopicRef { topic })) => {
                        attempt = 0;
                        crate::http::shared::subscribed(topic);
                        with_hub(|hub| {
                            if !hub.subscribed.contains(&topic) {
                                hub.subscribed.push(topic);
                            }
                            hub.open_followers();
                            hub.wake_settling();
                        });
                    }
                    // Events were dropped (this socket fell behind): nothing kept holds.
                    Ok(ServerFrame::Error(_)) => crate::http::shared::lost_events(),
                    Ok(frame) => {
                        if let Some((topic, payload)) = event_of(frame) {
                            crate::http::shared::event(topic);
                            with_hub(|hub| {
                                for follower in &mut hub.followers {
                                    if follower.topics.contains(&topic) {
                                        follower
                                            .notes
                                            .push_back(Note::Event(topic, payload.clone()));
                                        if let Some(waker) = follower.waker.take() {
                                            waker.wake();
                                        }
                                    }
                                }
                            });
                        }
                    }
                    Err(_) => {}
                }
            }
        }
        crate::http::shared::lost();
        with_hub(|hub| {
            hub.down = true;
            hub.subscribed.clear();
            hub.socket_waker = None;
            for follower in &mut hub.followers {
                follower.opened = false;
            }
            hub.wake_settling();
        });
        attempt = attempt.saturating_add(1);
        let ceiling = (500.0 * 2f64.powi(attempt.min(6) as i32 - 1)).min(30_000.0);
        TimeoutFuture::new((ceiling * (0.5 + js_sys::Math::random() / 2.0)) as u32).await;
    }
}

/// The topic and payload of an event, if the frame is one.
fn event_of(frame: ServerFrame) -> Option<(Topic, Value)> {
    match frame {
        ServerFrame::MetricsUpdate(v) => Some((Topic::MetricsUpdate, v)),
        ServerFrame::ToolRunStatus(v) => Some((Topic::ToolRunStatus, v)),
        ServerFrame::Activity(v) => Some((Topic::Activity, v)),
        ServerFrame::AgentState(v) => Some((Topic::AgentState, v)),
        ServerFrame::Fleet(v) => Some((Topic::Fleet, v)),
        _ => None,
    }
}
