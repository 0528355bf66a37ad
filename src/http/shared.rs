//! The browser's side of [`super::cache`]: one cache per tab, and the requests in flight that
//! identical GETs join. The live socket of [`crate::sync::follow`] tells it what changed.

use super::cache::{topics_of, Begin, Cache, Ticket};
pub use super::Answer;
use crate::sync::Topic;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;

type Flying = Shared<LocalBoxFuture<'static, Answer>>;

thread_local! {
    static CACHE: RefCell<Cache<(u16, String)>> = RefCell::new(Cache::default());
    static FLYING: RefCell<HashMap<u64, Flying>> = RefCell::new(HashMap::new());
}

fn with_cache<R>(f: impl FnOnce(&mut Cache<(u16, String)>) -> R) -> R {
    CACHE.with(|cache| f(&mut cache.borrow_mut()))
}

/// A subscription of the live socket was confirmed.
pub fn subscribed(topic: Topic) {
    with_cache(|cache| cache.subscribed(topic));
}

/// An event arrived on the live socket.
pub fn event(topic: Topic) {
    with_cache(|cache| cache.event(topic));
}

/// The live socket reported an error (events dropped because it fell behind, say).
pub fn lost_events() {
    with_cache(Cache::clear);
}

/// The live socket was lost.
pub fn lost() {
    with_cache(Cache::lost);
}

/// `GET path`: a kept answer, the identical request in flight, or a new one (`send`).
pub async fn get<F>(path: &str, send: impl FnOnce() -> F) -> Answer
where
    F: Future<Output = Answer> + 'static,
{
    if let Some(topics) = topics_of(path) {
        // Sent once the socket vouches for it, the answer can be kept (and a page's reload on
        // subscribing joins it instead of asking again).
        crate::sync::follow::settle(topics).await;
    }
    let flying = match with_cache(|cache| cache.begin(path)) {
        Begin::Kept(answer) => return Ok(answer),
        Begin::Join(id) => FLYING.with(|flying| flying.borrow().get(&id).cloned()),
        Begin::Send(ticket) => {
            let request = send().boxed_local().shared();
            FLYING.with(|flying| flying.borrow_mut().insert(ticket.id(), request.clone()));
            let mut sent = Sent(Some(ticket));
            let answer = request.await;
            sent.finish(answer.as_ref().ok());
            return after(answer);
        }
    };
    match flying {
        Some(request) => request.await,
        None => after(send().await),
    }
}

/// A write (any method but GET) to `path`: what it may change is dropped before and after.
pub async fn write<F: Future<Output = Answer>>(path: &str, send: F) -> Answer {
    with_cache(|cache| cache.wrote(path));
    let answer = send.await;
    with_cache(|cache| cache.wrote(path));
    after(answer)
}

/// A 401 ends the session: nothing kept may be shown to whoever signs in next.
fn after(answer: Answer) -> Answer {
    if matches!(&answer, Err(err) if err.status == 401) {
        with_cache(Cache::clear);
    }
    answer
}

/// A request this tab sent: finished with its answer, or with none when its caller went away
/// first (those who joined it still get its answer; it is just not kept).
struct Sent(Option<Ticket>);

impl Sent {
    fn finish(&mut self, answer: Option<&(u16, String)>) {
        if let Some(ticket) = self.0.take() {
            FLYING.with(|flying| flying.borrow_mut().remove(&ticket.id()));
            with_cache(|cache| cache.finish(ticket, answer));
        }
    }
}

impl Drop for Sent {
    fn drop(&mut self) {
        self.finish(None);
    }
}
