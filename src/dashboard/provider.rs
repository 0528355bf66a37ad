//! The dashboard state, held by the shell for every page: restored once the session is known
//! (this browser's copy and the server's, reconciled), then kept live over the sync socket. The
//! dashboard page draws its widgets from it, and the list pages keep their filters in it
//! ([`use_saved_filter`]), so both follow the user to every tab and device.

#[cfg(feature = "web")]
use super::merge::{merge_sections, on_sign_in};
use super::{DashboardState, SavedFilter};
use crate::auth::SessionContext;
use crate::http::use_api;
use crate::shell::Online;
use crate::sync::{Command, Connection};
use dioxus::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

/// Where the dashboard's copy stands against the server's.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "web"), allow(dead_code))]
pub enum SyncStatus {
    /// Reading this browser's copy and the server's.
    Loading,
    /// Sending a change.
    Saving,
    /// Both copies agree.
    Saved,
    /// The server could not take the last change; it is kept in this browser.
    Unsaved(String),
}

/// The dashboard state and its sync, shared by every page.
#[derive(Clone, Copy, PartialEq)]
pub struct DashboardStore {
    /// The state as shown.
    pub state: Signal<DashboardState>,
    /// A notice about this browser's copy (one restored from a backup, one it could not keep).
    pub notice: Signal<Option<String>>,
    /// Where this copy stands against the server's.
    pub status: Signal<SyncStatus>,
    /// The sync socket.
    pub connection: Signal<Connection>,
    /// Edits not yet acknowledged by the server.
    pub waiting: Signal<usize>,
    /// Sends edits and lifecycle commands to the sync client.
    pub live: Coroutine<Command>,
}

impl DashboardStore {
    /// Applies an edit here at once and sends it to the server (and so every tab and device).
    pub fn edit(&self, path: String, value: serde_json::Value) {
        self.live.send(Command::Edit(path, value));
    }

    /// Whether the state has been restored (before that it is the default one).
    pub fn loaded(&self) -> bool {
        *self.status.read() != SyncStatus::Loading
    }
}

/// Starts the store: called once by the shell, below the session provider. The server renders
/// the page with its copy; the browser then reconciles that copy with its own.
pub fn use_dashboard_provider() -> Result<DashboardStore, RenderError> {
    let session = use_context::<SessionContext>();
    let server_copy = use_api(super::server_fns::load::load)?;
    // The server's copy as the page was rendered with it (`Some(None)`: it has none).
    let rendered = use_hook(|| {
        let copy = match server_copy.peek_result() {
            Some(Ok(answer)) => Some(Some(answer.state)),
            Some(Err(err)) if err.status == 404 => Some(None),
            _ => None,
        };
        Rc::new(RefCell::new(copy))
    });
    let state = use_signal(|| rendered.borrow().clone().flatten().unwrap_or_default());
    let notice = use_signal(|| None::<String>);
    let status = use_signal(|| SyncStatus::Loading);
    let connection = use_signal(|| Connection::Connecting);
    let waiting = use_signal(|| 0usize);
    // Live edits: applied here at once, sent over the sync socket, echoed to every tab and device.
    let live = use_coroutine(move |commands: UnboundedReceiver<Command>| async move {
        #[cfg(feature = "web")]
        crate::sync::client::run(commands, state, connection, waiting).await;
        #[cfg(not(feature = "web"))]
        let _ = (commands, connection, waiting);
    });
    // The browser's connectivity drives the socket: closed while offline, reopened on return.
    let Online(online) = use_context::<Online>();
    use_effect(move || live.send(Command::Online(online())));
    // Once the session is known: this browser's copy and the server's, reconciled, then live;
    // once per user and workspace (the session is read again after some changes).
    let mut restored_for = use_signal(|| None::<String>);
    use_effect(move || {
        if let Some(me) = (session.me)() {
            let key = storage_key(&me.user.id, &me.workspace.id);
            if restored_for.peek().as_deref() == Some(key.as_str()) {
                return;
            }
            restored_for.set(Some(key.clone()));
            let rendered = rendered.borrow_mut().take();
            spawn(async move {
                restore(key.clone(), rendered, state, notice, status).await;
                live.send(Command::Start(key, state()));
            });
        }
    });
    Ok(use_context_provider(|| DashboardStore {
        state,
        notice,
        status,
        connection,
        waiting,
        live,
    }))
}

/// A list page's filters and search, kept in the dashboard state under `filters.<page>`: they
/// start from what was saved (once the state is restored, after a reload too), and every change
/// is saved once typing pauses, so they come back on return, in every tab and on every device.
pub fn use_saved_filter(page: &'static str) -> Signal<SavedFilter> {
    let store = use_context::<DashboardStore>();
    let saved = move || store.state.peek().filters.get(page).cloned();
    let mut filter = use_signal(move || saved().unwrap_or_default());
    let mut restored = use_signal(move || store.loaded());
    use_effect(move || {
        if store.loaded() && !*restored.peek() {
            restored.set(true);
            if let Some(saved) = saved() {
                filter.set(saved);
            }
        }
    });
    // Saved once typing pauses (every saved edit is synced and audited), and on leaving the page.
    let save = move || {
        // On leaving, this page's signals may already be gone: then there is nothing to save.
        let (Ok(current), Ok(restored)) = (filter.try_peek(), restored.try_peek()) else {
            return;
        };
        let current = current.clone();
        if *restored && saved().unwrap_or_default() != current {
            store.edit(
                format!("filters.{page}"),
                serde_json::to_value(&current).unwrap_or_default(),
            );
        }
    };
    let mut pending = use_signal(|| None::<dioxus::core::Task>);
    use_effect(move || {
        let _ = filter();
        if !restored() {
            return;
        }
        if let Some(task) = pending.peek().as_ref() {
            task.cancel();
        }
        pending.set(Some(spawn(async move {
            #[cfg(feature = "web")]
            gloo_timers::future::TimeoutFuture::new(SAVE_AFTER_MS).await;
            save();
        })));
    });
    use_drop(save);
    filter
}

/// How long a filter must stay unchanged before it is saved, in milliseconds.
#[cfg_attr(not(feature = "web"), allow(dead_code))]
const SAVE_AFTER_MS: u32 = 400;

#[cfg(feature = "web")]
fn storage_key(user_id: &str, workspace_id: &str) -> String {
    super::local::key(user_id, workspace_id)
}

#[cfg(not(feature = "web"))]
fn storage_key(user_id: &str, workspace_id: &str) -> String {
    format!("{workspace_id}:{user_id}")
}

/// On arrival: this browser's copy and the server's (the one the page was rendered with, else
/// read now), reconciled as [`on_sign_in`] says (a copy cleared from this browser comes back from
/// the server; one the server lacks is sent to it).
async fn restore(
    key: String,
    rendered: Option<Option<DashboardState>>,
    mut state: Signal<DashboardState>,
    mut notice: Signal<Option<String>>,
    mut status: Signal<SyncStatus>,
) {
    #[cfg(feature = "web")]
    {
        let local = super::local::load(&key);
        if local.notice.is_some() {
            notice.set(local.notice);
        }
        let fetched = match rendered {
            Some(copy) => Ok(copy),
            None => super::remote::fetch().await,
        };
        let server = match fetched {
            Ok(server) => server,
            Err(err) => {
                state.set(local.state.unwrap_or_default());
                status.set(SyncStatus::Unsaved(err.to_string()));
                return;
            }
        };
        match on_sign_in(local.state, server.clone()) {
            None => status.set(SyncStatus::Saved),
            Some(plan) => {
                state.set(plan.state.clone());
                if let Err(why) = super::local::save(&key, &plan.state) {
                    notice.set(Some(format!("This browser could not keep a copy: {why}.")));
                }
                if !plan.push {
                    status.set(SyncStatus::Saved);
                } else if let Some(refusal) = save(key.clone(), state, notice, status).await {
                    // Over the server's limits it never will be taken: the server's copy is
                    // shown (and kept live), this browser's is kept aside rather than lost.
                    notice.set(Some(super::local::keep_aside(&key, &plan.state, &refusal)));
                    state.set(server.unwrap_or_default());
                    status.set(SyncStatus::Saved);
                }
            }
        }
    }
    #[cfg(not(feature = "web"))]
    let _ = (key, rendered, &mut state, &mut notice, &mut status);
}

#[cfg_attr(not(feature = "web"), allow(dead_code))]
/// Keeps the current state in this browser, then on the server; a save refused as stale is
/// merged section by section with the server's copy and sent again. Returns the server's
/// message when it refuses the state for good (over its size or widget limits, a 413).
async fn save(
    key: String,
    mut state: Signal<DashboardState>,
    mut notice: Signal<Option<String>>,
    mut status: Signal<SyncStatus>,
) -> Option<String> {
    #[cfg(feature = "web")]
    {
        use super::remote::{push, Pushed};
        if let Err(why) = super::local::save(&key, &state()) {
            notice.set(Some(format!(
                "Your change is shown but this browser could not keep it: {why}."
            )));
        }
        status.set(SyncStatus::Saving);
        for _ in 0..3 {
            match push(&state()).await {
                Ok(Pushed::Saved(revision)) => {
                    state.with_mut(|current| current.revision = current.revision.max(revision));
                    let _ = super::local::save(&key, &state());
                    status.set(SyncStatus::Saved);
                    return None;
                }
                Ok(Pushed::Stale(server)) => {
                    let merged = merge_sections(&state(), &server);
                    state.set(merged);
                    let _ = super::local::save(&key, &state());
                }
                Err(err) => {
                    status.set(SyncStatus::Unsaved(err.to_string()));
                    return (err.status == 413).then(|| err.to_string());
                }
            }
        }
        status.set(SyncStatus::Unsaved(
            "the server kept receiving newer changes; reload to catch up".into(),
        ));
        None
    }
    #[cfg(not(feature = "web"))]
    {
        let _ = (key, &mut state, &mut notice, &mut status);
        None
    }
}
