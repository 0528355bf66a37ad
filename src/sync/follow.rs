//! The workspace's live topics in the tab, shared by every page that follows one. They ride on
//! the tab's one sync socket ([`super::client`], which also carries the dashboard state; a tab
//! used to open a second socket for them): this hub keeps the topics asked for, has the socket
//! subscribe to them each time it opens, hands each follower its events and tells it when its
//! subscriptions (re)start, and tells the request cache ([`crate::http::cache`]) what is live and
//! what changed. Once asked for, a topic stays subscribed for the life of the tab.

use super::{ServerFrame, Topic, TopicRef};
use futures_util::future::select;
use futures_util::Stream;
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
    /// Between a lost socket and the next one (or when none gets through).
    down: bool,
    wanted: Vec<Topic>,
    /// Confirmed on the current socket.
    subscribed: Vec<Topic>,
    /// Wanted, not yet asked for on the current socket.
    to_ask: Vec<Topic>,
    followers: Vec<Follower>,
    next_id: u64,
    /// The socket, waiting for topics to ask for.
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
    /// Asks for `topics` (the socket subscribes to them when it is open, or once it opens).
    fn want(&mut self, topics: &[Topic]) {
        let mut new = false;
        for topic in topics {
            if !self.wanted.contains(topic) {
                self.wanted.push(*topic);
                self.to_ask.push(*topic);
                new = true;
            }
        }
        if let (true, Some(waker)) = (new, self.socket_waker.take()) {
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

/// The sync socket opened: every topic wanted is to be asked for on it.
pub(super) fn opened() {
    with_hub(|hub| {
        hub.down = false;
        hub.to_ask = hub.wanted.clone();
        if let Some(waker) = hub.socket_waker.take() {
            waker.wake();
        }
    });
}

/// The topics the open socket should subscribe to, as they are asked for (nothing is asked for
/// while the socket is not open: [`opened`] asks for them all again).
pub(super) fn to_subscribe() -> impl Stream<Item = Vec<Topic>> {
    futures_util::stream::poll_fn(|cx| {
        with_hub(|hub| {
            if hub.to_ask.is_empty() {
                hub.socket_waker = Some(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(Some(std::mem::take(&mut hub.to_ask)))
            }
        })
    })
}

/// Takes the live topics' frames (subscriptions confirmed, events) from the sync socket; hands
/// back the others. An error frame is handed back too, after telling the cache (it may say the
/// socket fell behind and events were dropped).
pub(super) fn receive(frame: ServerFrame) -> Option<ServerFrame> {
    match frame {
        ServerFrame::Subscribed(TopicRef { topic }) => {
            crate::http::shared::subscribed(topic);
            with_hub(|hub| {
                if !hub.subscribed.contains(&topic) {
                    hub.subscribed.push(topic);
                }
                hub.open_followers();
                hub.wake_settling();
            });
            None
        }
        ServerFrame::Error(error) => {
            crate::http::shared::lost_events();
            Some(ServerFrame::Error(error))
        }
        frame => match event_of(frame) {
            Ok((topic, payload)) => {
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
                None
            }
            Err(frame) => Some(frame),
        },
    }
}

/// No sync socket is open (lost, not yet back, or none gets through): nothing kept holds, GETs
/// stop waiting for subscriptions, and followers are told again when the next one opens.
pub(super) fn down() {
    crate::http::shared::lost();
    with_hub(|hub| {
        hub.down = true;
        hub.subscribed.clear();
        hub.to_ask.clear();
        for follower in &mut hub.followers {
            follower.opened = false;
        }
        hub.wake_settling();
    });
}

/// The topic and payload of an event; the frame back if it is not one.
fn event_of(frame: ServerFrame) -> Result<(Topic, Value), ServerFrame> {
    match frame {
        ServerFrame::MetricsUpdate(v) => Ok((Topic::MetricsUpdate, v)),
        ServerFrame::ToolRunStatus(v) => Ok((Topic::ToolRunStatus, v)),
        ServerFrame::Activity(v) => Ok((Topic::Activity, v)),
        ServerFrame::AgentState(v) => Ok((Topic::AgentState, v)),
        ServerFrame::Fleet(v) => Ok((Topic::Fleet, v)),
        frame => Err(frame),
    }
}
