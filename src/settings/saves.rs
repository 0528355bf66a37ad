//! Saving a settings document as the user edits it ([`Saves`]): each edit changes the latest
//! copy, shown at once, and saves go one at a time, each sending every edit made so far. So a
//! quick second edit never undoes the first (each save used to send the page's copy as rendered,
//! which a save still on its way had not reached), and an answer never puts back a value edited
//! after it was sent. Until the server has an edit, the tab keeps it (session storage): a reload
//! right after a change, before its save landed, applies and sends it again ([`Saves::resume`]).

use super::{AllSettings, UserSettings, WorkspaceSettings};
use crate::auth::Me;
use crate::http::{CallError, JsonBody};
use dioxus::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// One field's change to a document.
pub type Change<T> = Box<dyn FnOnce(&mut T)>;

/// A document of [`AllSettings`] that is saved on its own.
pub trait Document: Clone + PartialEq + Serialize + DeserializeOwned + 'static {
    /// Where it is saved (`PUT`).
    const PATH: &'static str;
    /// It, in all the settings.
    fn of(all: &mut AllSettings) -> &mut Self;
    /// Whose copy it is: the tab keeps unsaved edits for this owner only.
    fn owner(me: &Me) -> String;
    /// Saves it (its server function).
    fn put(self) -> impl std::future::Future<Output = Result<Self, CallError>>;
}

impl Document for UserSettings {
    const PATH: &'static str = "/api/settings/user";
    fn of(all: &mut AllSettings) -> &mut Self {
        &mut all.user
    }
    fn owner(me: &Me) -> String {
        me.user.id.clone()
    }
    fn put(self) -> impl std::future::Future<Output = Result<Self, CallError>> {
        super::server_fns::put_user(JsonBody(self))
    }
}

impl Document for WorkspaceSettings {
    const PATH: &'static str = "/api/settings/workspace";
    fn of(all: &mut AllSettings) -> &mut Self {
        &mut all.workspace
    }
    fn owner(me: &Me) -> String {
        format!("{}/{}", me.workspace.id, me.user.id)
    }
    fn put(self) -> impl std::future::Future<Output = Result<Self, CallError>> {
        super::server_fns::put_workspace(JsonBody(self))
    }
}

/// The saves of one document of the session's settings.
pub struct Saves<T: 'static> {
    settings: Signal<Option<AllSettings>>,
    /// Who is signed in, where (the owner of the unsaved edits).
    me: Signal<Option<Me>>,
    /// Whether a save is on its way (it sends the edits made meanwhile next).
    busy: CopyValue<bool>,
    /// The document as the server last answered it.
    kept: CopyValue<Option<T>>,
}

impl<T> Clone for Saves<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Saves<T> {}

impl<T> PartialEq for Saves<T> {
    fn eq(&self, other: &Self) -> bool {
        self.busy == other.busy
    }
}

impl<T: Document> Saves<T> {
    /// The saves of `settings`' document `T` (made in the scope that owns the settings).
    pub fn new(settings: Signal<Option<AllSettings>>, me: Signal<Option<Me>>) -> Self {
        Self {
            settings,
            me,
            busy: CopyValue::new(false),
            kept: CopyValue::new(None),
        }
    }

    /// Applies `change` to the document shown and saves it. The answer is that of the last save
    /// this call sent (it also carries every edit made while it was on its way), `None` when a
    /// save already on its way sends this edit too (its caller hears how it went) or there are
    /// no settings to change.
    pub fn save(
        self,
        change: impl FnOnce(&mut T),
    ) -> impl std::future::Future<Output = Option<Result<T, String>>> {
        // Not `async`: each caller's closure would make its own copy of the whole save.
        let mut settings = self.settings;
        let changed = settings.write().as_mut().map(|all| change(T::of(all)));
        async move {
            changed?;
            self.send().await
        }
    }

    /// Saves the document shown (see [`Saves::save`]), keeping it in the tab until the server
    /// has it.
    async fn send(self) -> Option<Result<T, String>> {
        let settings = self.settings;
        let owner = self.me.peek().as_ref().map(T::owner);
        if let Some(owner) = owner {
            let latest = serde_json::to_value(T::of(settings.peek().clone().as_mut()?));
            if let Ok(latest) = latest {
                unsaved::keep(T::PATH, &owner, latest);
            }
        }
        if *self.busy.peek() {
            return None;
        }
        let _busy = Busy::new(self.busy);
        let mut answer = None;
        loop {
            let sent = T::of(settings.peek().clone().as_mut()?).clone();
            if self.kept.peek().as_ref() == Some(&sent) {
                unsaved::forget(T::PATH);
                return answer;
            }
            match sent.clone().put().await {
                Ok(saved) => {
                    let mut settings = settings;
                    if let Some(all) = settings.write().as_mut() {
                        settled(T::of(all), &sent, &saved);
                    }
                    let mut kept = self.kept;
                    kept.set(Some(saved.clone()));
                    answer = Some(Ok(saved));
                }
                Err(err) => {
                    // Refused, it would be refused again; unsent (offline), it waits for a reload.
                    if err.status != 0 {
                        unsaved::forget(T::PATH);
                    }
                    return Some(Err(err.to_string()));
                }
            }
        }
    }

    /// Applies and saves again the edits this tab made before a reload that their save had not
    /// reached the server by: their document, when there were some.
    pub fn resume(self) -> Option<T> {
        let owner = self.me.peek().as_ref().map(T::owner)?;
        let unsent: T = serde_json::from_value(unsaved::take(T::PATH, &owner)?).ok()?;
        let mut settings = self.settings;
        *T::of(settings.write().as_mut()?) = unsent.clone();
        spawn(async move {
            if let Some(Err(err)) = self.send().await {
                crate::log::warn(&format!("an unsaved edit was not saved: {err}"));
            }
        });
        Some(unsent)
    }
}

/// A document's edits kept in the tab until the server has them: its owner, a line break, and
/// the JSON the document is sent as. Not generic, nor a type of its own: typed (gloo-storage's
/// `get`/`set` of each document) it added 33 KB raw to the wasm.
mod unsaved {
    use serde_json::Value;

    #[cfg(feature = "web")]
    fn key(path: &str) -> String {
        format!("flightdeck.unsaved:{path}")
    }

    /// Keeps `doc` as `owner`'s edits of the document at `path` not yet saved.
    pub fn keep(path: &str, owner: &str, doc: Value) {
        #[cfg(feature = "web")]
        {
            use gloo_storage::{SessionStorage, Storage};
            // A full or refused storage only costs the edit's survival of a reload.
            let _ = SessionStorage::raw().set_item(&key(path), &format!("{owner}\n{doc}"));
        }
        #[cfg(not(feature = "web"))]
        let _ = (path, owner, doc);
    }

    /// The server has every edit of the document at `path`.
    pub fn forget(path: &str) {
        #[cfg(feature = "web")]
        {
            use gloo_storage::{SessionStorage, Storage};
            SessionStorage::delete(key(path));
        }
        #[cfg(not(feature = "web"))]
        let _ = path;
    }

    /// `owner`'s edits of the document at `path` not yet saved, if any, no longer kept. Another
    /// owner's (who signed out meanwhile) are dropped.
    pub fn take(path: &str, owner: &str) -> Option<Value> {
        #[cfg(feature = "web")]
        {
            use gloo_storage::{SessionStorage, Storage};
            let text = SessionStorage::raw().get_item(&key(path)).ok()??;
            forget(path);
            let (whose, doc) = text.split_once('\n')?;
            (whose == owner).then(|| serde_json::from_str(doc).ok())?
        }
        #[cfg(not(feature = "web"))]
        {
            let _ = (path, owner);
            None
        }
    }
}

/// The document shown, once `saved` answered the save of `sent`: the server's copy, unless it
/// was edited meanwhile (that edit is sent next, and the answer would put the old value back).
fn settled<T: Clone + PartialEq>(shown: &mut T, sent: &T, saved: &T) {
    if shown == sent {
        *shown = saved.clone();
    }
}

/// Marks a save on its way until dropped (also when the page that started it goes away).
struct Busy(CopyValue<bool>);

impl Busy {
    fn new(mut flag: CopyValue<bool>) -> Self {
        flag.set(true);
        Self(flag)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        // The flag's owner (the session) may be gone first, on sign-out.
        if let Ok(mut busy) = self.0.try_write() {
            *busy = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_replaces_the_copy_shown_unless_it_was_edited_after_the_save_was_sent() {
        let sent = UserSettings::default();
        let mut saved = sent.clone();
        saved.system.auto_refresh_seconds = 60;
        let mut shown = sent.clone();
        settled(&mut shown, &sent, &saved);
        assert_eq!(shown, saved, "the server's copy (it may normalise)");

        let mut edited = sent.clone();
        edited.ui.timezone = "Asia/Tokyo".into();
        let mut shown = edited.clone();
        settled(&mut shown, &sent, &saved);
        assert_eq!(
            shown, edited,
            "the edit made meanwhile stays, to be sent next"
        );
    }
}
