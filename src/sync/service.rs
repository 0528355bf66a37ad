//! The dashboard state as sync writes and reads it: one edit applied on top of the stored state
//! (compare-and-set), persisted with its frame logged, and announced in version order; a
//! whole-state save announced the same way; and what a returning client missed.

use super::path::{self, StatePath};
use super::{ErrorPayload, ServerFrame, StateUpdate};
use crate::auth::api::Auth;
use crate::dashboard::migrate::load_or_default;
use crate::dashboard::store::{Change, Saved, Scope};
use crate::dashboard::DashboardState;
use crate::records::now_ms;
use crate::state::AppState;
use serde_json::json;

/// Why a frame or request of sync was refused. Nothing was applied.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Not JSON, or not a frame this server knows.
    #[error("not a frame this server knows: {0}")]
    Malformed(String),
    /// The path does not address the dashboard state.
    #[error("{0}")]
    InvalidPath(String),
    /// The value does not fit the path.
    #[error("{0}")]
    Rejected(String),
    /// Past the size limit.
    #[error("frames are limited to {0} bytes (DASHBOARD_STATE_MAX_BYTES)")]
    TooLarge(usize),
    /// The edited state would be past the size limit.
    #[error("this change would make the dashboard state {bytes} bytes, more than the {max} DASHBOARD_STATE_MAX_BYTES allows; nothing was applied")]
    StateTooLarge {
        /// The edited state's size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The edited state would have more widgets than allowed.
    #[error("this change would give the dashboard {count} widgets, more than the {max} FLIGHTDECK_MAX_WIDGETS allows; nothing was applied")]
    TooManyWidgets {
        /// The edited state's widgets.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Past the per-connection rate limit.
    #[error("more than {0} frames a second; this one was dropped")]
    RateLimited(u32),
    /// The role may not do it.
    #[error("{0}")]
    Forbidden(String),
    /// A store failed; logged where it happened.
    #[error("the server could not do it; nothing was applied, try again")]
    Server,
}

impl SyncError {
    /// The stable code of the `error` frame.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::InvalidPath(_) => "invalid_path",
            Self::Rejected(_) => "rejected",
            Self::TooLarge(_) | Self::StateTooLarge { .. } => "too_large",
            Self::TooManyWidgets { .. } => "too_many_widgets",
            Self::RateLimited(_) => "rate_limited",
            Self::Forbidden(_) => "forbidden",
            Self::Server => "server",
        }
    }

    /// The `error` frame, naming the refused edit when there was one.
    pub fn frame(&self, mutation_id: Option<String>) -> ServerFrame {
        ServerFrame::Error(ErrorPayload {
            code: self.code().into(),
            message: self.to_string(),
            mutation_id,
        })
    }

    fn server(err: anyhow::Error) -> Self {
        tracing::error!("sync: {err:#}");
        Self::Server
    }
}

/// The hub topic of one user's dashboard in one workspace.
pub fn state_topic(scope: Scope<'_>) -> String {
    format!("state:{}:{}", scope.workspace_id, scope.user_id)
}

/// The session's user and workspace.
pub fn scope(auth: &Auth) -> Scope<'_> {
    Scope {
        user_id: &auth.user.id,
        workspace_id: &auth.workspace.id,
    }
}

/// The user's current state and its version (the defaults at version 0 when none is stored).
pub async fn current(state: &AppState, scope: Scope<'_>) -> anyhow::Result<(DashboardState, u64)> {
    current_sized(state, scope)
        .await
        .map(|(dashboard, version, _)| (dashboard, version))
}

/// [`current`] and the stored document's size (0 when none is stored).
async fn current_sized(
    state: &AppState,
    scope: Scope<'_>,
) -> anyhow::Result<(DashboardState, u64, usize)> {
    Ok(match state.states.load(scope).await? {
        Some(stored) => {
            let value = serde_json::from_str(&stored.json).unwrap_or_default();
            let mut loaded = load_or_default(value).state;
            loaded.revision = stored.revision;
            (loaded, stored.revision, stored.json.len())
        }
        None => (DashboardState::default(), 0, 0),
    })
}

/// Refuses a new state past `DASHBOARD_STATE_MAX_BYTES` or `FLIGHTDECK_MAX_WIDGETS` (with its
/// serialised size), unless it grows nothing that `before` (the stored state and its size, for
/// an edit) already had: a state over a lowered limit can still shrink.
pub fn check_limits(
    state: &AppState,
    before: Option<(&DashboardState, usize)>,
    next: (&DashboardState, usize),
) -> Result<(), SyncError> {
    let (bytes, max) = (next.1, state.config.state_max_bytes);
    if bytes > max && before.is_none_or(|(_, size)| bytes > size) {
        return Err(SyncError::StateTooLarge { bytes, max });
    }
    let (count, max) = (next.0.widgets.len(), state.config.limits.max_widgets);
    if count > max && before.is_none_or(|(old, _)| count > old.widgets.len()) {
        return Err(SyncError::TooManyWidgets { count, max });
    }
    Ok(())
}

/// `state:sync`'s text around the version, for an edit.
fn sync_change(update: &StateUpdate) -> Change {
    // The edit's own fields but its base (the echo's payload, its version put in front by the
    // save); an absent id stays absent.
    let rest = json!(StateUpdate {
        base_version: None,
        ..update.clone()
    });
    Change {
        delta: true,
        before: r#"{"type":"state:sync","payload":{"version":"#.to_owned(),
        after: format!(",{}}}", &rest.to_string()[1..]),
        channel: None,
    }
}

/// Saves with `change` announced to every connection of the user, in version order: in one
/// process writers of a topic take turns (write, then publish); through Redis the save script
/// publishes atomically with the write.
async fn save_announced(
    state: &AppState,
    scope: Scope<'_>,
    base: u64,
    json: &str,
    mut change: Change,
) -> anyhow::Result<Saved> {
    let topic = state_topic(scope);
    change.channel = state.hub.channel(&topic);
    let saved = state
        .states
        .save_announcing(scope, base, json, Some(&change))
        .await?;
    if let (Saved::Accepted { revision }, None) = (&saved, &change.channel) {
        state.hub.publish(&topic, change.text(*revision)).await?;
    }
    Ok(saved)
}

/// Applies one edit on top of the stored state (compare-and-set, retried when another
/// instance's edit got in first), persists it, announces it as `state:sync`, then audits it.
/// Returns its version.
pub async fn commit_edit(
    state: &AppState,
    auth: &Auth,
    update: StateUpdate,
) -> Result<u64, SyncError> {
    let started = std::time::Instant::now();
    let at =
        StatePath::parse(&update.path).map_err(|err| SyncError::InvalidPath(err.to_string()))?;
    let scope = scope(auth);
    let change = sync_change(&update);
    let turn = state.hub.turn(&state_topic(scope)).await;
    let version = loop {
        let (dashboard, revision, size) = current_sized(state, scope)
            .await
            .map_err(SyncError::server)?;
        let mut next = path::apply(&dashboard, &at, &update.value, now_ms())
            .map_err(|err| SyncError::Rejected(err.to_string()))?;
        next.revision = revision;
        let json = serde_json::to_string(&next).map_err(|err| SyncError::server(err.into()))?;
        check_limits(state, Some((&dashboard, size)), (&next, json.len()))?;
        match save_announced(state, scope, revision, &json, change.clone())
            .await
            .map_err(SyncError::server)?
        {
            Saved::Accepted { revision } => break revision,
            Saved::Stale(_) => continue,
        }
    };
    drop(turn);
    state.metrics.sync_edit(started.elapsed());
    state.live.edited(&auth.workspace.id);
    let mut entry = auth.entry("dashboard.update", "dashboard_state");
    entry.resource_id = Some(format!("{}:{}", auth.workspace.id, auth.user.id));
    entry.after_state = Some(json!({ "path": update.path, "revision": version }));
    entry.metadata =
        json!({ "clientId": update.client_id, "mutationId": update.mutation_id, "via": "sync" });
    // Applied and announced already: a failed audit write is logged, not reported as a failed edit.
    if let Err(err) = state.records.audit(entry).await {
        tracing::error!("sync: the audit entry of an applied edit was not written: {err:#}");
    }
    Ok(version)
}

/// Saves a whole state (the REST API's save) unless `base` is stale, and sends it as
/// `state:full` to every connection of the user, so open tabs follow at once.
pub async fn commit_full(
    state: &AppState,
    scope: Scope<'_>,
    base: u64,
    json: &str,
) -> anyhow::Result<Saved> {
    let change = Change {
        delta: false,
        before: r#"{"type":"state:full","payload":{"version":"#.to_owned(),
        after: format!(r#","state":{json}}}}}"#),
        channel: None,
    };
    let turn = state.hub.turn(&state_topic(scope)).await;
    let saved = save_announced(state, scope, base, json, change).await;
    drop(turn);
    saved
}

/// Deletes the state and tells every connection of the user (they start again from defaults).
pub async fn commit_delete(state: &AppState, scope: Scope<'_>) -> anyhow::Result<bool> {
    let topic = state_topic(scope);
    let turn = state.hub.turn(&topic).await;
    let existed = state.states.delete(scope).await?;
    let frame = ServerFrame::StateFull {
        state: Box::default(),
        version: 0,
    };
    state
        .hub
        .publish(&topic, serde_json::to_string(&frame)?)
        .await?;
    drop(turn);
    Ok(existed)
}

/// What a client that had version `since` needs, as frames to send in order: the `state:sync`
/// frames it missed and `state:resumed` when the log still has all of them and they are no
/// bigger than `DASHBOARD_STATE_MAX_BYTES`, else `state:full`.
/// (`None` for `since`: a client starting afresh.)
pub async fn catch_up(
    state: &AppState,
    scope: Scope<'_>,
    since: Option<u64>,
) -> anyhow::Result<Vec<String>> {
    let (dashboard, version) = current(state, scope).await?;
    if let Some(since) = since.filter(|since| *since <= version) {
        let max = state.config.state_max_bytes;
        let missed = state.states.log_between(scope, since, version, max).await?;
        if let Some(missed) = missed.filter(|missed| missed.len() as u64 == version - since) {
            let mut frames: Vec<String> = missed.into_iter().map(|(_, frame)| frame).collect();
            frames.push(serde_json::to_string(&ServerFrame::StateResumed {
                version,
            })?);
            return Ok(frames);
        }
    }
    Ok(vec![serde_json::to_string(&ServerFrame::StateFull {
        state: Box::new(dashboard),
        version,
    })?])
}
