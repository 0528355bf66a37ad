//! Keyboard shortcuts: the actions, their default keys (one key or two in sequence, `g d`), a
//! user's own keys from their settings, the check that no two actions collide, and the matcher
//! that turns key presses into actions. Pure, so the server validates settings with the same
//! rules the page applies.

pub mod ui;

use crate::settings::locale::lowercase;
use std::collections::BTreeMap;

/// What a shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Shows the list of shortcuts.
    Help,
    /// Goes to the dashboard.
    GoDashboard,
    /// Goes to the approvals queue.
    GoApprovals,
    /// Goes to the audit trail.
    GoAudit,
    /// Puts the cursor in the page's search box.
    Search,
    /// Opens the dashboard's "add a widget" picker.
    AddWidget,
    /// Turns the dashboard's "Edit layout" mode on or off.
    EditLayout,
    /// Opens or closes the notification centre.
    Notifications,
    /// Approves the selected approvals (after the usual confirmation).
    ApproveSelected,
    /// Closes what is open (help, notification centre, a confirmation).
    Close,
}

impl Action {
    /// Every action, in the order the help lists them.
    pub const ALL: [Action; 10] = [
        Action::Help,
        Action::GoDashboard,
        Action::GoApprovals,
        Action::GoAudit,
        Action::Search,
        Action::AddWidget,
        Action::EditLayout,
        Action::Notifications,
        Action::ApproveSelected,
        Action::Close,
    ];

    /// Its name in settings (`go.dashboard`).
    pub fn id(self) -> &'static str {
        match self {
            Action::Help => "help",
            Action::GoDashboard => "go.dashboard",
            Action::GoApprovals => "go.approvals",
            Action::GoAudit => "go.audit",
            Action::Search => "search",
            Action::AddWidget => "widget.add",
            Action::EditLayout => "dashboard.layout",
            Action::Notifications => "notifications",
            Action::ApproveSelected => "approvals.approve",
            Action::Close => "close",
        }
    }

    /// What it does, for people.
    pub fn label(self) -> &'static str {
        match self {
            Action::Help => "Show these shortcuts",
            Action::GoDashboard => "Go to the dashboard",
            Action::GoApprovals => "Go to approvals",
            Action::GoAudit => "Go to the audit trail",
            Action::Search => "Search this page",
            Action::AddWidget => "Add a widget (dashboard)",
            Action::EditLayout => "Edit the layout, or stop editing (dashboard)",
            Action::Notifications => "Open the notification centre",
            Action::ApproveSelected => "Approve the selected requests (approvals)",
            Action::Close => "Close the open dialog or panel",
        }
    }

    /// Its keys unless the user chose others.
    pub fn default_keys(self) -> &'static str {
        match self {
            Action::Help => "?",
            Action::GoDashboard => "g d",
            Action::GoApprovals => "g a",
            Action::GoAudit => "g t",
            Action::Search => "s",
            Action::AddWidget => "a",
            Action::EditLayout => "e",
            Action::Notifications => "c",
            Action::ApproveSelected => "Enter",
            Action::Close => "Escape",
        }
    }

    /// The action named `id`.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.id() == id)
    }
}

/// Keys named by the browser that a shortcut may use besides single characters.
const NAMED: [&str; 13] = [
    "Enter",
    "Escape",
    "Tab",
    "Backspace",
    "Delete",
    "Home",
    "End",
    "PageUp",
    "PageDown",
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
];

/// Keys as the user typed them (`G  D`, `esc`) → the stored form (`g d`, `Escape`): one key or
/// two separated by a space; letters in lower case; a key is one character or a named key.
pub fn normalize(keys: &str) -> Result<String, String> {
    let parts: Vec<&str> = keys.split_whitespace().collect();
    if parts.is_empty() || parts.len() > 2 {
        return Err("must be one key or two in sequence, such as `?` or `g d`".into());
    }
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let key = if part.chars().count() == 1 {
            lowercase(part)
        } else {
            let alias = match part.to_ascii_lowercase().as_str() {
                "esc" => "Escape".to_owned(),
                "return" => "Enter".to_owned(),
                "del" => "Delete".to_owned(),
                other => other.to_owned(),
            };
            NAMED
                .iter()
                .find(|name| name.eq_ignore_ascii_case(&alias))
                .map(|name| (*name).to_owned())
                .ok_or_else(|| {
                    format!("`{part}` is not a key: use one character or a key name such as Enter")
                })?
        };
        out.push(key);
    }
    Ok(out.join(" "))
}

/// Every action with its keys: the user's own where set, else the default.
pub fn keymap(own: &BTreeMap<String, String>) -> Vec<(Action, String)> {
    Action::ALL
        .into_iter()
        .map(|action| {
            let keys = own
                .get(action.id())
                .and_then(|keys| normalize(keys).ok())
                .unwrap_or_else(|| action.default_keys().to_owned());
            (action, keys)
        })
        .collect()
}

/// Why a user's shortcuts cannot be kept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShortcutError {
    /// No such action.
    #[error("there is no shortcut action `{0}`")]
    UnknownAction(String),
    /// The keys do not parse.
    #[error("{action}: {message}")]
    BadKeys {
        /// The action's id.
        action: String,
        /// What is wrong.
        message: String,
    },
    /// Two actions would answer the same keys, or one's keys start the other's.
    #[error("`{keys}` of “{first}” collides with `{other_keys}` of “{second}”")]
    Conflict {
        /// One action's label.
        first: &'static str,
        /// Its keys.
        keys: String,
        /// The other's label.
        second: &'static str,
        /// Its keys.
        other_keys: String,
    },
}

/// Checks a user's shortcuts: known actions, keys that parse, and no conflicts with each other
/// or with the defaults of the actions they leave alone.
pub fn check(own: &BTreeMap<String, String>) -> Result<(), ShortcutError> {
    for (id, keys) in own {
        if Action::parse(id).is_none() {
            return Err(ShortcutError::UnknownAction(id.clone()));
        }
        normalize(keys).map_err(|message| ShortcutError::BadKeys {
            action: id.clone(),
            message,
        })?;
    }
    let map = keymap(own);
    for (i, (first, keys)) in map.iter().enumerate() {
        for (second, other) in &map[i + 1..] {
            if collide(keys, other) {
                return Err(ShortcutError::Conflict {
                    first: first.label(),
                    keys: keys.clone(),
                    second: second.label(),
                    other_keys: other.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Same keys, or one sequence starting the other (`g` would hide `g d`).
fn collide(a: &str, b: &str) -> bool {
    a == b || b.starts_with(&format!("{a} ")) || a.starts_with(&format!("{b} "))
}

/// How long the first key of a sequence waits for the second, in milliseconds.
pub const SEQUENCE_MS: f64 = 1500.0;

/// What a key press did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Press {
    /// It completed this action's keys.
    Run(Action),
    /// It started a sequence: the next key decides.
    Wait,
    /// It is no shortcut.
    Miss,
}

/// Turns presses into actions, remembering the first key of a sequence.
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    pending: Option<(String, f64)>,
}

impl Matcher {
    /// One key (as the browser names it) pressed at `now` (ms).
    pub fn press(&mut self, key: &str, now: f64, map: &[(Action, String)]) -> Press {
        let key = if key.chars().count() == 1 {
            lowercase(key)
        } else {
            key.to_owned()
        };
        let keys = match self.pending.take() {
            Some((first, at)) if now - at <= SEQUENCE_MS => format!("{first} {key}"),
            _ => key.clone(),
        };
        if let Some((action, _)) = map.iter().find(|(_, k)| *k == keys) {
            return Press::Run(*action);
        }
        let starts = |first: &str| map.iter().any(|(_, k)| k.starts_with(&format!("{first} ")));
        if starts(&keys) {
            self.pending = Some((keys, now));
            return Press::Wait;
        }
        // A sequence that went nowhere: the key may start a new one.
        if keys != key && starts(&key) {
            self.pending = Some((key, now));
            return Press::Wait;
        }
        Press::Miss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, k)| ((*a).into(), (*k).into()))
            .collect()
    }

    #[test]
    fn keys_are_normalised_and_bad_ones_refused() {
        assert_eq!(normalize("  G   D ").unwrap(), "g d");
        assert_eq!(normalize("esc").unwrap(), "Escape");
        assert_eq!(normalize("enter").unwrap(), "Enter");
        assert_eq!(normalize("?").unwrap(), "?");
        assert!(normalize("").is_err());
        assert!(normalize("g d x").is_err());
        assert!(normalize("ctrl").is_err());
    }

    #[test]
    fn the_defaults_do_not_collide() {
        assert_eq!(check(&BTreeMap::new()), Ok(()));
        assert_eq!(
            keymap(&BTreeMap::new())[1],
            (Action::GoDashboard, "g d".into())
        );
    }

    #[test]
    fn conflicts_unknown_actions_and_bad_keys_are_named() {
        // Same keys as another action's default.
        let err = check(&own(&[("search", "c")])).unwrap_err();
        assert!(matches!(err, ShortcutError::Conflict { .. }), "{err}");
        assert!(err.to_string().contains("Search this page"), "{err}");
        // A single key that starts others' sequences.
        assert!(matches!(
            check(&own(&[("help", "g")])),
            Err(ShortcutError::Conflict { .. })
        ));
        assert_eq!(
            check(&own(&[("fly", "f")])),
            Err(ShortcutError::UnknownAction("fly".into()))
        );
        assert!(matches!(
            check(&own(&[("help", "a b c")])),
            Err(ShortcutError::BadKeys { .. })
        ));
        // Moving one and taking its old keys is fine.
        assert_eq!(
            check(&own(&[("search", "c"), ("notifications", "n")])),
            Ok(())
        );
    }

    #[test]
    fn presses_become_actions_with_sequences_that_expire() {
        let map = keymap(&own(&[("go.audit", "g l")]));
        let mut keys = Matcher::default();
        assert_eq!(keys.press("?", 0.0, &map), Press::Run(Action::Help));
        assert_eq!(keys.press("g", 0.0, &map), Press::Wait);
        assert_eq!(
            keys.press("d", 100.0, &map),
            Press::Run(Action::GoDashboard)
        );
        assert_eq!(keys.press("g", 200.0, &map), Press::Wait);
        assert_eq!(keys.press("l", 300.0, &map), Press::Run(Action::GoAudit));
        // The default `g t` is gone once moved.
        assert_eq!(keys.press("g", 400.0, &map), Press::Wait);
        assert_eq!(keys.press("t", 500.0, &map), Press::Miss);
        // Too slow: the second key stands alone.
        assert_eq!(keys.press("g", 1000.0, &map), Press::Wait);
        assert_eq!(keys.press("a", 3000.0, &map), Press::Run(Action::AddWidget));
        // `g g`: the second `g` starts a new sequence.
        assert_eq!(keys.press("g", 4000.0, &map), Press::Wait);
        assert_eq!(keys.press("g", 4100.0, &map), Press::Wait);
        assert_eq!(
            keys.press("a", 4200.0, &map),
            Press::Run(Action::GoApprovals)
        );
        assert_eq!(
            keys.press("Escape", 5000.0, &map),
            Press::Run(Action::Close)
        );
        assert_eq!(keys.press("S", 5000.0, &map), Press::Run(Action::Search));
        assert_eq!(
            keys.press("E", 5000.0, &map),
            Press::Run(Action::EditLayout)
        );
        assert_eq!(keys.press("x", 5000.0, &map), Press::Miss);
    }
}
