//! Saving a settings document as the user edits it ([`Saves`]): each edit changes the latest
//! copy, shown at once, and saves go one at a time, each sending every edit made so far. So a
//! quick second edit never undoes the first (each save used to send the page's copy as rendered,
//! which a save still on its way had not reached), and an answer never puts back a value edited
//! after it was sent. Until the server has an edit, the tab keeps it (session storage): a reload
//! right after a change, before its save landed, applies and sends it again ([`Saves::resume`]).

use super::{AllSettings, UserSettings, WorkspaceSettings};
use crate::auth::Me;
use crate::http::call;
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
}

impl Document for UserSettings {
    const PATH: &'static str = "/api/settings/user";
    fn of(all: &mut AllSettings) -> &mut Self {
        &mut all.user
    }
    fn owner(me: &Me) -> String {
        me.user.id.clone()
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
    pub async fn save(self, change: impl FnOnce(&mut T)) -> Option<Result<T, String>> {
        let mut settings = self.settings;
        change(T::of(settings.write().as_mut()?));
        let owner = self.me.peek().as_ref().map(T::owner);
        if let Some(owner) = &owner {
            unsaved::keep(owner, T::of(settings.peek().clone().as_mut()?));
        }
        if *self.busy.peek() {
            return None;
        }
        let _busy = Busy::new(self.busy);
        let mut answer = None;
        loop {
            let sent = T::of(settings.peek().clone().as_mut()?).clone();
            if self.kept.peek().as_ref() == Some(&sent) {
                unsaved::forget::<T>();
                return answer;
            }
            let body = serde_json::to_value(&sent).ok();
            match call::<T>("PUT", T::PATH, body).await {
                Ok(saved) => {
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
                        unsaved::forget::<T>();
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
        let unsent = unsaved::take::<T>(&owner)?;
        let mut settings = self.settings;
        *T::of(settings.write().as_mut()?) = unsent.clone();
        spawn(async move {
            if let Some(Err(err)) = self.save(|_| ()).await {
                crate::log::warn(&format!("an unsaved edit was not saved: {err}"));
            }
        });
        Some(unsent)
    }
}

/// A document's edits kept in the tab until the server has them.
mod unsaved {
    use super::Document;

    #[cfg(feature = "web")]
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Kept<T> {
        owner: String,
        doc: T,
    }

    #[cfg(feature = "web")]
    fn key<T: Document>() -> String {
        format!("flightdeck.unsaved:{}", T::PATH)
    }

    /// Keeps `doc` as `owner`'s edits not yet saved.
    pub fn keep<T: Document>(owner: &str, doc: &T) {
        #[cfg(feature = "web")]
        {
            use gloo_storage::{SessionStorage, Storage};
            let kept = Kept {
                owner: owner.to_owned(),
                doc,
            };
            // A full or refused storage only costs the edit's survival of a reload.
            let _ = SessionStorage::set(key::<T>(), kept);
        }
        #[cfg(not(feature = "web"))]
        let _ = (owner, doc);
    }

    /// The server has every edit kept.
    pub fn forget<T: Document>() {
        #[cfg(feature = "web")]
        {
            use gloo_storage::{SessionStorage, Storage};
            SessionStorage::delete(key::<T>());
        }
    }

    /// `owner`'s edits not yet saved, if any, no longer kept. Another owner's (who signed out
    /// meanwhile) are dropped.
    pub fn take<T: Document>(owner: &str) -> Option<T> {
        #[cfg(feature = "web")]
        {
            use gloo_storage::{SessionStorage, Storage};
            let kept = SessionStorage::get::<Kept<T>>(key::<T>()).ok();
            if kept.is_some() {
                forget::<T>();
            }
            kept.filter(|kept| kept.owner == owner).map(|kept| kept.doc)
        }
        #[cfg(not(feature = "web"))]
        {
            let _ = owner;
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
