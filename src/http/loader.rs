//! The pages' one loader hook, [`use_api`]: a GET of the JSON API that the server answers while
//! it renders the page (so the HTML it sends holds the data) and the browser then takes from that
//! HTML instead of asking again. Later loads (another filter, a retry) run in the browser, keep
//! the answer shown until the new one arrives, and drop an answer a newer load has overtaken.
//!
//! Only the parsing is generic: the loading itself (a resource of the answer's status and text,
//! which is also what travels in the page) is one function in the wasm, not one per call site.

use super::{read_text, Answer, CallError};
use dioxus::fullstack::{serialize_context, SerializeContextEntry};
use dioxus::prelude::*;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;

/// What [`use_api`] loads: a `GET` of the JSON API that answers a `T`. Made by a server
/// function's twin in its domain's `server_fns::load` (`approvals::server_fns::load::list(…)`),
/// so that a page names neither the path nor the query, only the typed arguments.
pub struct Load<T> {
    /// The path with its query; empty: nothing to load.
    path: String,
    answer: PhantomData<fn() -> T>,
}

impl<T> Load<T> {
    /// The load of `path` (with its query), as `server_fns!` makes it.
    #[doc(hidden)]
    pub fn new(path: String) -> Self {
        Self {
            path,
            answer: PhantomData,
        }
    }

    /// Nothing to load (yet): the answer stays [`Loaded::Loading`].
    pub fn nothing() -> Self {
        Self::new(String::new())
    }

    /// The same load, its answer read as JSON: for the one hand reader the bytes of the browser
    /// build call for (`widgets::feed`, which reads the live events' items the same way; the
    /// gallery's broken source, which only asks whether it failed).
    pub fn json(self) -> Load<serde_json::Value> {
        Load::new(self.path)
    }

    /// Sends it once now, outside [`use_api`] (a retry or catch-up of a hand-kept list): the
    /// answer read as a `T`, through the same request function (cache, shared in-flight GETs).
    pub async fn fetch(self) -> Result<T, CallError>
    where
        T: DeserializeOwned,
    {
        super::call("GET", self.path, None).await
    }

    /// The path with its query (empty for [`Self::nothing`]).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// An answer as it travels in the page: its status and body (an error's `{error, field}`; status
/// 0 when the server could not be reached).
type Sent = (u16, String);

/// One load's answer: which load (they count up) and what it got; `None`: nothing was asked.
type Got = Option<(u32, Sent)>;

/// A loaded GET: its answer once there, whether a load is running, and a retry.
pub struct Api<T: 'static> {
    resource: Resource<Got>,
    /// The answer read as a `T`, and which load it was read from.
    parsed: CopyValue<Option<(u32, Result<T, CallError>)>>,
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

impl<T: DeserializeOwned + 'static> Api<T> {
    /// Reads the last answer as a `T` unless it was (each answer is read once); whether there is
    /// one. `subscribe`: whether the render or effect asking follows later answers.
    fn refresh(&self, subscribe: bool) -> bool {
        let got = if subscribe {
            self.resource.read()
        } else {
            self.resource.peek()
        };
        let Some(Some((load, (status, text)))) = &*got else {
            return false;
        };
        let mut parsed = self.parsed;
        if parsed.peek().as_ref().map(|(read_from, _)| read_from) != Some(load) {
            parsed.set(Some((*load, parse(*status, text))));
        }
        true
    }

    /// How the load stands without its answer (no copy of it is made).
    pub fn status(&self) -> Loaded<()> {
        if !self.refresh(true) {
            return Loaded::Loading;
        }
        match &*self.parsed.peek() {
            Some((_, Err(err))) => Loaded::Failed(err.clone()),
            _ => Loaded::Ready(()),
        }
    }
}

impl<T: DeserializeOwned + Clone + 'static> Api<T> {
    /// The answer or error of the last load, once there.
    fn current(&self, subscribe: bool) -> Option<Result<T, CallError>> {
        if !self.refresh(subscribe) {
            return None;
        }
        self.parsed
            .peek()
            .as_ref()
            .map(|(_, result)| result.clone())
    }

    /// The state of the load (reading it subscribes the render).
    pub fn get(&self) -> Loaded<T> {
        match self.current(true) {
            None => Loaded::Loading,
            Some(Ok(value)) => Loaded::Ready(value),
            Some(Err(err)) => Loaded::Failed(err),
        }
    }

    /// The answer, once one arrived and the last load did not fail.
    pub fn ok(&self) -> Option<T> {
        self.current(true).and_then(Result::ok)
    }

    /// The answer or error of the last load, once there.
    fn result(&self) -> Option<Result<T, CallError>> {
        self.current(true)
    }

    /// [`Self::result`] without subscribing.
    pub fn peek_result(&self) -> Option<Result<T, CallError>> {
        self.current(false)
    }
}

impl<T: 'static> Api<T> {
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

/// An answer as it travels: a failure's body as JSON text.
fn sent(answer: Answer) -> Sent {
    match answer {
        Ok(sent) => sent,
        Err(err) if err.raw.is_null() => (
            err.status,
            serde_json::to_string(&err.body).unwrap_or_default(),
        ),
        Err(err) => (err.status, err.raw.to_string()),
    }
}

/// The answer, as it travelled, read as a `T`.
fn parse<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, CallError> {
    match status {
        200..=299 => read_text(status, text),
        _ => Err(CallError::answered(status, text)),
    }
}

/// Loads `load()` (a server function's `GET`, from its domain's `server_fns::load`) and again
/// whenever a signal `load` reads changes; [`Load::nothing`] loads nothing (the answer stays
/// [`Loaded::Loading`]). On the server the page waits for the answer (so the HTML holds it); in
/// the browser nothing waits: the page shows [`Loaded::Loading`] or the previous answer
/// meanwhile.
#[track_caller]
pub fn use_api<T: 'static>(
    mut load: impl FnMut() -> Load<T> + 'static,
) -> Result<Api<T>, RenderError> {
    let path = move || load().path;
    let resource = use_answer(Box::new(path), std::panic::Location::caller())?;
    let parsed = use_hook(|| CopyValue::new(None));
    Ok(Api { resource, parsed })
}

/// [`use_api`]'s loading, the same for every answer type.
fn use_answer(
    path: Box<dyn FnMut() -> String>,
    caller: &'static std::panic::Location<'static>,
) -> Result<Resource<Got>, RenderError> {
    let path = use_hook(|| Rc::new(RefCell::new(path)));
    let context = use_hook(serialize_context);
    // Made in the same order on both sides: the server writes the answer into it, the browser's
    // first render reads it from the page.
    let entry: SerializeContextEntry<Sent> = use_hook(|| context.create_entry());
    #[cfg(feature = "server")]
    let request = use_hook(dioxus::fullstack::FullstackContext::current);
    #[cfg(feature = "web")]
    let first = use_hook(|| Rc::new(Cell::new(Some(entry.get()))));
    let loads = use_hook(|| Rc::new(Cell::new(0u32)));
    let resource = use_resource(move || {
        let path = (path.borrow_mut())();
        loads.set(loads.get() + 1);
        let load = loads.get();
        #[cfg(feature = "server")]
        let (entry, request) = (entry.clone(), request.clone());
        #[cfg(feature = "web")]
        let first = first.take();
        #[cfg(not(feature = "server"))]
        let _ = (&entry, caller);
        async move {
            if path.is_empty() {
                return None;
            }
            #[cfg(feature = "web")]
            match first {
                Some(Ok(sent)) => return Some((load, sent)),
                // The server is still on it (streamed pages): its answer comes with the page.
                Some(Err(dioxus::fullstack::TakeDataError::DataPending)) => {
                    std::future::pending::<()>().await
                }
                _ => {}
            }
            #[cfg(feature = "server")]
            let sent = {
                let sent = sent(super::ssr::get(request.as_ref(), &path).await);
                entry.insert(&sent, caller);
                sent
            };
            #[cfg(not(feature = "server"))]
            let sent = sent(super::request("GET", &path, None).await);
            Some((load, sent))
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
    Ok(resource)
}

/// Calls `take` with each answer of `api`: at once with one already there when the page renders
/// (the one the server put in the page; so the server's render shows what it gives), then with
/// each later one.
pub fn use_answers<T: DeserializeOwned + Clone + 'static>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Debug, Deserialize, PartialEq)]
    struct Thing {
        name: String,
    }

    /// What the server's render hands the browser is read back as the same answer or error.
    fn round_trip(answer: Answer) -> Result<Thing, CallError> {
        let (status, text) = sent(answer);
        parse(status, &text)
    }

    #[test]
    fn an_answer_travels_in_the_page_and_is_read_as_its_model() {
        let ok = round_trip(Ok((200, r#"{"name":"night-watch"}"#.into())));
        assert_eq!(ok.unwrap().name, "night-watch");
        let not_a_thing = round_trip(Ok((200, r#"{"id":1}"#.into()))).unwrap_err();
        assert!(not_a_thing
            .body
            .error
            .starts_with("the server's answer was not understood"));
    }

    #[test]
    fn an_error_travels_with_its_status_message_field_and_what_else_it_carries() {
        for (status, body) in [
            (401, r#"{"error":"sign in first"}"#),
            (403, r#"{"error":"admins only"}"#),
            (400, r#"{"error":"period: unknown","field":"period"}"#),
            (409, r#"{"error":"stale","state":{"revision":7}}"#),
        ] {
            let err = round_trip(Err(CallError::answered(status, body))).unwrap_err();
            assert_eq!(err, CallError::answered(status, body), "{status}");
        }
        let err = round_trip(Err(CallError::answered(
            400,
            r#"{"error":"bad","field":"to"}"#,
        )));
        let err = err.unwrap_err();
        assert_eq!((err.status, err.body.field.as_deref()), (400, Some("to")));
        let copy = round_trip(Err(CallError::answered(
            409,
            r#"{"error":"x","state":{"revision":7}}"#,
        )));
        assert_eq!(copy.unwrap_err().raw["state"]["revision"], 7);
        let unreachable = round_trip(Err(CallError::unreachable("no page request"))).unwrap_err();
        assert_eq!(unreachable.status, 0);
        assert_eq!(
            unreachable.body.error,
            "the server could not be reached (no page request)"
        );
    }
}
