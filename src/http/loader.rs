//! The pages' one loader hook, [`use_api`]: a GET of the JSON API that the server answers while
//! it renders the page (so the HTML it sends holds the data) and the browser then takes from that
//! HTML instead of asking again. Later loads (another filter, a retry) run in the browser, keep
//! the answer shown until the new one arrives, and drop an answer a newer load has overtaken.

use super::{read, Answer, CallError};
use dioxus::fullstack::{serialize_context, SerializeContextEntry};
use dioxus::prelude::*;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A loaded GET: its answer once there, whether a load is running, and a retry.
pub struct Api<T: 'static> {
    /// `None` inside: nothing was asked (an empty path).
    resource: Resource<Option<Result<T, CallError>>>,
}

impl<T> Clone for Api<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Api<T> {}

impl<T> PartialEq for Api<T> {
    fn eq(&self, other: &Self) -> bool {
        self.resource == other.resource
    }
}

/// How a load stands, for a page to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Loaded<T> {
    /// Nothing has arrived yet.
    Loading,
    /// The last load failed.
    Failed(CallError),
    /// The answer (still shown while a newer load runs).
    Ready(T),
}

impl<T> Loaded<T> {
    /// The answer made into something else (errors and loading stay as they are).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Loaded<U> {
        match self {
            Loaded::Loading => Loaded::Loading,
            Loaded::Failed(err) => Loaded::Failed(err),
            Loaded::Ready(value) => Loaded::Ready(f(value)),
        }
    }
}

impl<T: Clone + 'static> Api<T> {
    /// The state of the load (reading it subscribes the render).
    pub fn get(&self) -> Loaded<T> {
        match &*self.resource.read() {
            None | Some(None) => Loaded::Loading,
            Some(Some(Ok(value))) => Loaded::Ready(value.clone()),
            Some(Some(Err(err))) => Loaded::Failed(err.clone()),
        }
    }

    /// The answer, once one arrived and the last load did not fail.
    pub fn ok(&self) -> Option<T> {
        match &*self.resource.read() {
            Some(Some(Ok(value))) => Some(value.clone()),
            _ => None,
        }
    }

    /// The answer or error of the last load, once there.
    fn result(&self) -> Option<Result<T, CallError>> {
        self.resource.read().clone().flatten()
    }

    /// [`Self::result`] without subscribing.
    pub fn peek_result(&self) -> Option<Result<T, CallError>> {
        self.resource.peek().clone().flatten()
    }
}

impl<T: 'static> Api<T> {
    /// How the load stands without its answer (no copy of it is made).
    pub fn status(&self) -> Loaded<()> {
        match &*self.resource.read() {
            None | Some(None) => Loaded::Loading,
            Some(Some(Ok(_))) => Loaded::Ready(()),
            Some(Some(Err(err))) => Loaded::Failed(err.clone()),
        }
    }

    /// Whether a load is running (the first, or a newer one behind the answer shown).
    pub fn loading(&self) -> bool {
        self.resource.pending()
    }

    /// Loads again (a retry, or after a live event said the answer changed).
    pub fn reload(&self) {
        let mut resource = self.resource;
        resource.restart();
    }
}

/// Loads `path()` (`GET`, a path of the JSON API) and again whenever a signal `path` reads
/// changes; an empty path loads nothing (the answer stays [`Loaded::Loading`]). On the server the page waits for the answer (so the HTML holds it); in the browser
/// nothing waits: the page shows [`Loaded::Loading`] or the previous answer meanwhile.
#[track_caller]
pub fn use_api<T: DeserializeOwned + 'static>(
    mut path: impl FnMut() -> String + 'static,
) -> Result<Api<T>, RenderError> {
    let context = use_hook(serialize_context);
    // Made in the same order on both sides: the server writes the answer into it, the browser's
    // first render reads it from the page.
    let entry: SerializeContextEntry<Answer> = use_hook(|| context.create_entry());
    #[cfg(feature = "server")]
    let request = use_hook(dioxus::fullstack::FullstackContext::current);
    #[cfg(feature = "server")]
    let caller = std::panic::Location::caller();
    #[cfg(feature = "web")]
    let first = use_hook(|| Rc::new(Cell::new(Some(entry.get()))));
    let resource = use_resource(move || {
        let path = path();
        #[cfg(feature = "server")]
        let (entry, request) = (entry.clone(), request.clone());
        #[cfg(feature = "web")]
        let first = first.take();
        #[cfg(not(feature = "server"))]
        let _ = &entry;
        async move {
            if path.is_empty() {
                return None;
            }
            #[cfg(feature = "web")]
            match first {
                Some(Ok(answer)) => return Some(read(answer)),
                // The server is still on it (streamed pages): its answer comes with the page.
                Some(Err(dioxus::fullstack::TakeDataError::DataPending)) => {
                    std::future::pending::<()>().await
                }
                _ => {}
            }
            #[cfg(feature = "server")]
            let answer = {
                let answer = super::ssr::get(request.as_ref(), &path).await;
                entry.insert(&answer, caller);
                answer
            };
            #[cfg(not(feature = "server"))]
            let answer = super::request("GET", &path, None).await;
            Some(read(answer))
        }
    });
    // A kept answer is there at once: the first render already shows it.
    use_hook(|| {
        let _ = resource.task().poll_now();
    });
    // The server renders the page once every answer is in (reading the state subscribes this
    // render: the answer's arrival renders it again).
    #[cfg(feature = "server")]
    if resource.state().cloned() == UseResourceState::Pending {
        return Err(dioxus::core::suspend(resource.task()).unwrap_err());
    }
    Ok(Api { resource })
}

/// Calls `take` with each answer of `api`: at once with one already there when the page renders
/// (the one the server put in the page; so the server's render shows what it gives), then with
/// each later one.
pub fn use_answers<T: Clone + 'static>(
    api: Api<T>,
    take: impl FnMut(Result<T, CallError>) + 'static,
) {
    let take = use_hook(|| Rc::new(RefCell::new(take)));
    let had_one = use_hook(|| {
        let now = api.peek_result();
        let had_one = now.is_some();
        if let Some(answer) = now {
            (take.borrow_mut())(answer);
        }
        Rc::new(Cell::new(had_one))
    });
    use_effect(move || {
        let answer = api.result();
        // The answer taken while rendering is not taken a second time.
        if had_one.replace(false) {
            return;
        }
        if let Some(answer) = answer {
            (take.borrow_mut())(answer);
        }
    });
}

/// A signal of what `api`'s answers give (made by `make`) that the page changes itself as well
/// (from live events, say): empty (`U::default()`) until an answer comes, replaced by each one.
pub fn use_synced<T: Clone + 'static, U: Default + 'static>(
    api: Api<T>,
    make: impl Fn(T) -> U + 'static,
) -> Signal<U> {
    let mut synced = use_signal(U::default);
    use_answers(api, move |answer| {
        if let Ok(value) = answer {
            synced.set(make(value));
        }
    });
    synced
}
