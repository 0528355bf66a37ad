//! The dashboard state in this browser's localStorage, one entry per user and workspace: migrated
//! when loaded, compressed past 50 KB when saved, and never lost. What cannot be read is kept under
//! a backup key and reported. An interrupted save (value written, flag not yet) is still readable:
//! the loader tries both forms.

use super::compress::{self, Encoded};
use super::migrate::load_or_default;
use super::DashboardState;
use gloo_storage::{LocalStorage, Storage};

/// The entry of one user's dashboard in one workspace.
pub fn key(user_id: &str, workspace_id: &str) -> String {
    format!("flightdeck:dashboard:{workspace_id}:{user_id}")
}

/// Where a state that could not be read is kept.
pub fn backup_key(key: &str) -> String {
    format!("{key}:backup")
}

/// What loading found.
pub struct LocalState {
    /// The saved state, if there is a readable one.
    pub state: Option<DashboardState>,
    /// Something the user should know (a state set aside).
    pub notice: Option<String>,
}

/// Loads the state saved under `key`.
pub fn load(key: &str) -> LocalState {
    let storage = LocalStorage::raw();
    let Ok(Some(stored)) = storage.get_item(key) else {
        return LocalState {
            state: None,
            notice: None,
        };
    };
    let flagged = matches!(storage.get_item(&compress::flag_key(key)), Ok(Some(_)));
    // The flagged form first; the other one reads a save interrupted between its two writes.
    let parsed = [flagged, !flagged].into_iter().find_map(|compressed| {
        let json = compress::decode(&stored, compressed).ok()?;
        serde_json::from_str::<serde_json::Value>(&json).ok()
    });
    let Some(value) = parsed else {
        return set_aside(key, &stored, "it is not readable JSON");
    };
    let loaded = load_or_default(value);
    for step in &loaded.log {
        crate::log::info(&format!("dashboard state migrated: {step}"));
    }
    match loaded.set_aside {
        None => LocalState {
            state: Some(loaded.state),
            notice: None,
        },
        Some((original, err)) => set_aside(key, &original.to_string(), &err.to_string()),
    }
}

fn set_aside(key: &str, original: &str, why: &str) -> LocalState {
    let notice = if backup(key, original, why) {
        format!("Your saved dashboard could not be loaded ({why}). The defaults are shown; the old copy is kept in this browser.")
    } else {
        format!("Your saved dashboard could not be loaded ({why}). The defaults are shown.")
    };
    LocalState {
        state: None,
        notice: Some(notice),
    }
}

/// Keeps under the backup key this browser's copy, which the server refused for good (`why`,
/// e.g. more widgets than it allows), and says so: the server's copy is the one shown.
pub fn keep_aside(key: &str, state: &DashboardState, why: &str) -> String {
    let json = serde_json::to_string(state).unwrap_or_default();
    if backup(key, &json, why) {
        format!("The server did not take this browser's dashboard ({why}). The server's copy is shown; this browser's is kept aside in it.")
    } else {
        format!(
            "The server did not take this browser's dashboard ({why}). The server's copy is shown."
        )
    }
}

/// Writes `original` under the backup key; says whether it could.
fn backup(key: &str, original: &str, why: &str) -> bool {
    crate::log::warn(&format!("saved dashboard state set aside: {why}"));
    LocalStorage::raw()
        .set_item(&backup_key(key), original)
        .is_ok()
}

/// Saves the state under `key`; the error says why it could not be kept (e.g. the quota is full).
pub fn save(key: &str, state: &DashboardState) -> Result<(), String> {
    let json = serde_json::to_string(state).map_err(|err| err.to_string())?;
    let storage = LocalStorage::raw();
    let flag = compress::flag_key(key);
    let written = match compress::encode(&json) {
        Encoded::Plain(text) => storage
            .set_item(key, &text)
            .and_then(|()| storage.remove_item(&flag)),
        Encoded::Compressed { text, ratio } => {
            crate::log::info(&format!(
                "dashboard state compressed: {} → {} UTF-16 units ({}%)",
                json.encode_utf16().count(),
                text.encode_utf16().count(),
                (ratio * 100.0).round() as u32
            ));
            storage
                .set_item(key, &text)
                .and_then(|()| storage.set_item(&flag, "1"))
        }
    };
    written.map_err(|_| "this browser's storage is full or unavailable".to_string())
}
