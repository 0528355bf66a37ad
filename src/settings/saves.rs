//! Saving a settings document as the user edits it ([`Saves`]): each edit changes the latest
//! copy, shown at once, and saves go one at a time, each sending every edit made so far. So a
//! quick second edit never undoes the first (each save used to send the page's copy as rendered,
//! which a save still on its way had not reached), and an answer never puts back a value edited
//! after it was sent.

use super::{AllSettings, UserSettings, WorkspaceSettings};
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
}

impl Document for UserSettings {
    const PATH: &'static str = "/api/settings/user";
    fn of(all: &mut AllSettings) -> &mut Self {
        &mut all.user
    }
}

impl Document for WorkspaceSettings {
    const PATH: &'static str = "/api/settings/workspace";
    fn of(all: &mut AllSettings) -> &mut Self {
        &mut all.workspace
    }
}

/// The saves of one document of the session's settings.
pub struct Saves<T: 'static> {
    settings: Signal<Option<AllSettings>>,
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
    pub fn new(settings: Signal<Option<AllSettings>>) -> Self {
        Self {
            settings,
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
        if *self.busy.peek() {
            return None;
        }
        let _busy = Busy::new(self.busy);
        let mut answer = None;
        loop {
            let sent = T::of(settings.peek().clone().as_mut()?).clone();
            if self.kept.peek().as_ref() == Some(&sent) {
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
                Err(err) => return Some(Err(err.to_string())),
            }
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
