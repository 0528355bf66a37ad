//! Migrations of stored dashboard states: one function per version step (v1→v2, v2→v3, …), run in
//! order on the raw JSON wherever a stored state is loaded (localStorage in the browser, the store
//! on the server). A state that cannot be migrated is never thrown away: the caller gets the
//! defaults to show and the untouched original to keep under a backup key.

use super::{DashboardState, STATE_VERSION};
use serde_json::{json, Map, Value};

/// A JSON object, as stored.
type Doc = Map<String, Value>;

/// One step: turns a version-`from` document into a version-`from + 1` document, or says why not.
/// What it carried over in a way worth knowing (a field it did not know) it adds to the notes.
struct Step {
    from: u32,
    what: &'static str,
    run: fn(Doc, &mut Vec<String>) -> Result<Doc, String>,
}

/// Every step, oldest first. Add the next one here when [`STATE_VERSION`] increments.
const STEPS: [Step; 3] = [
    Step {
        from: 1,
        what: "widgets list → map by id, flat x/y/w/h → position and size, settings → config, theme → preferences",
        run: v1_to_v2,
    },
    Step { from: 2, what: "adds revision, saved filters, updatedAt and preferences.density", run: v2_to_v3 },
    Step {
        from: 3,
        what: "moves the theme out to the user's settings, adds per-section change times",
        run: v3_to_v4,
    },
];

/// Why a stored state could not be brought up to date.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum MigrationError {
    /// The stored value is not a JSON object.
    #[error("a stored dashboard state must be a JSON object")]
    NotAnObject,
    /// It names a version this build does not know.
    #[error("stored state has version {found}; this build reads versions 1 to {STATE_VERSION}")]
    UnknownVersion {
        /// What it says.
        found: Value,
    },
    /// A step failed on its input.
    #[error("migrating from version {from}: {reason}")]
    Step {
        /// The version it started from.
        from: u32,
        /// What was wrong.
        reason: String,
    },
    /// The migrated document is not a valid current state.
    #[error("{}{reason}", path.as_ref().map(|p| format!("{p}: ")).unwrap_or_default())]
    Invalid {
        /// The JSON path of the offending field, when it is one field.
        path: Option<String>,
        /// What is wrong.
        reason: String,
    },
}

/// A state brought up to date.
#[derive(Debug, PartialEq)]
pub struct Migrated {
    /// The current-version state.
    pub state: DashboardState,
    /// The version it was stored as.
    pub from_version: u32,
    /// What each step did, for the log ("v1 → v2: …").
    pub log: Vec<String>,
}

/// What loading a stored state gives: a state to show, and the original when it had to be set aside.
#[derive(Debug, PartialEq)]
pub struct Loaded {
    /// The migrated state, or the defaults.
    pub state: DashboardState,
    /// The steps run.
    pub log: Vec<String>,
    /// When migration failed: the original document (keep it under a backup key) and why.
    pub set_aside: Option<(Value, MigrationError)>,
}

/// Migrates a stored document to [`STATE_VERSION`]. A document without `version` is version 1.
pub fn migrate(stored: Value) -> Result<Migrated, MigrationError> {
    let Value::Object(mut doc) = stored else {
        return Err(MigrationError::NotAnObject);
    };
    let from_version = match doc.get("version") {
        None => 1,
        Some(value) => value
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| (1..=STATE_VERSION).contains(v))
            .ok_or_else(|| MigrationError::UnknownVersion {
                found: value.clone(),
            })?,
    };
    let mut log = Vec::new();
    for step in STEPS.iter().filter(|step| step.from >= from_version) {
        let mut notes = Vec::new();
        doc = (step.run)(doc, &mut notes).map_err(|reason| MigrationError::Step {
            from: step.from,
            reason,
        })?;
        doc.insert("version".into(), json!(step.from + 1));
        log.push(format!(
            "v{} → v{}: {}",
            step.from,
            step.from + 1,
            step.what
        ));
        log.extend(
            notes
                .into_iter()
                .map(|note| format!("v{} → v{}: {note}", step.from, step.from + 1)),
        );
    }
    let state: DashboardState =
        deserialize_at(Value::Object(doc)).map_err(|(path, reason)| MigrationError::Invalid {
            path: (path != ".").then_some(path),
            reason,
        })?;
    state.validate().map_err(|err| MigrationError::Invalid {
        path: match &err {
            super::StateError::Widget { id, .. } => Some(format!("widgets.{id}")),
            super::StateError::Version { .. } => Some("version".into()),
        },
        reason: err.to_string(),
    })?;
    Ok(Migrated {
        state,
        from_version,
        log,
    })
}

/// Loads a stored document: migrated when possible, otherwise the defaults with the original set
/// aside, so nothing is lost.
pub fn load_or_default(stored: Value) -> Loaded {
    match migrate(stored.clone()) {
        Ok(Migrated { state, log, .. }) => Loaded {
            state,
            log,
            set_aside: None,
        },
        Err(err) => Loaded {
            state: DashboardState::default(),
            log: Vec::new(),
            set_aside: Some((stored, err)),
        },
    }
}

fn v1_to_v2(mut doc: Doc, notes: &mut Vec<String>) -> Result<Doc, String> {
    let widgets = match doc.remove("widgets") {
        None => Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => return Err("widgets must be a list".into()),
    };
    let mut by_id = Map::new();
    for (index, widget) in widgets.into_iter().enumerate() {
        let Value::Object(mut widget) = widget else {
            return Err(format!("widget {index} is not an object"));
        };
        let id = match widget.remove("id") {
            Some(Value::String(id)) if !id.is_empty() => id,
            _ => return Err(format!("widget {index} has no id")),
        };
        let cell =
            |widget: &mut Map<String, Value>, key: &str, default: u64| match widget.remove(key) {
                None => Ok(default),
                Some(value) => value
                    .as_u64()
                    .ok_or_else(|| format!("widget {id}: {key} must be a whole number")),
            };
        let (x, y) = (cell(&mut widget, "x", 0)?, cell(&mut widget, "y", 0)?);
        let (w, h) = (cell(&mut widget, "w", 4)?, cell(&mut widget, "h", 3)?);
        let kind = widget.remove("type").unwrap_or(Value::Null);
        let config = v1_config(&id, widget, notes)?;
        let migrated = json!({ "kind": kind, "config": config, "position": { "x": x, "y": y }, "size": { "w": w, "h": h } });
        if by_id.insert(id.clone(), migrated).is_some() {
            return Err(format!("two widgets have the id {id}"));
        }
    }
    doc.insert("widgets".into(), Value::Object(by_id));
    let theme = doc.remove("theme").unwrap_or_else(|| json!("auto"));
    doc.insert("preferences".into(), json!({ "theme": theme }));
    Ok(doc)
}

/// A v1 widget's config: its `settings` (v1's name), its `config` (what the seed's writers
/// sent), and every field this step does not know, each under its own name: nothing is
/// dropped. A name given twice fails the step, so the whole original goes to the backup.
fn v1_config(id: &str, rest: Doc, notes: &mut Vec<String>) -> Result<Value, String> {
    let mut config = Map::new();
    let mut carry = |key: String, value: Value| {
        if config.insert(key.clone(), value).is_some() {
            return Err(format!("widget {id}: its config would get `{key}` twice"));
        }
        Ok(())
    };
    let mut unknown = Vec::new();
    for (key, value) in rest {
        let named = key == "settings" || key == "config";
        match value {
            Value::Null if named => {}
            Value::Object(fields) if named => {
                fields.into_iter().try_for_each(|(k, v)| carry(k, v))?;
                if key == "config" {
                    notes.push(format!("widget {id}: its `config` carried into its config"));
                }
            }
            _ if named => return Err(format!("widget {id}: {key} must be an object")),
            value => {
                carry(key.clone(), value)?;
                unknown.push(key);
            }
        }
    }
    if !unknown.is_empty() {
        notes.push(format!(
            "widget {id}: kept its unknown field(s) {} in its config",
            unknown.join(", ")
        ));
    }
    Ok(Value::Object(config))
}

fn v2_to_v3(mut doc: Doc, _: &mut Vec<String>) -> Result<Doc, String> {
    doc.entry("revision").or_insert(json!(0));
    doc.entry("filters").or_insert(json!({}));
    doc.entry("updatedAt").or_insert(json!(0));
    match doc.get_mut("preferences") {
        Some(Value::Object(preferences)) => {
            preferences.entry("density").or_insert(json!("comfortable"));
        }
        _ => return Err("preferences must be an object".into()),
    }
    Ok(doc)
}

fn v3_to_v4(mut doc: Doc, _: &mut Vec<String>) -> Result<Doc, String> {
    match doc.get_mut("preferences") {
        Some(Value::Object(preferences)) => {
            preferences.remove("theme");
        }
        _ => return Err("preferences must be an object".into()),
    }
    let updated_at = doc.get("updatedAt").cloned().unwrap_or(json!(0));
    doc.entry("sectionTimes").or_insert(
        json!({ "widgets": updated_at, "preferences": updated_at, "filters": updated_at }),
    );
    Ok(doc)
}

/// Deserializes a document, naming the path of the first field that does not fit (`.` when it
/// is the whole document). The browser build skips the path tracking: its code is large, and
/// the server, which answers API clients, is where the path matters.
pub(crate) fn deserialize_at<T: serde::de::DeserializeOwned>(
    value: Value,
) -> Result<T, (String, String)> {
    #[cfg(not(target_arch = "wasm32"))]
    return serde_path_to_error::deserialize(value)
        .map_err(|err| (err.path().to_string(), err.into_inner().to_string()));
    #[cfg(target_arch = "wasm32")]
    serde_json::from_value(value).map_err(|err| (".".to_string(), err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::tests::any_state;
    use proptest::prelude::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/dashboard/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
    }

    #[test]
    fn a_v1_state_becomes_the_expected_current_state() {
        let migrated = migrate(fixture("v1-operator.json")).unwrap();
        assert_eq!(migrated.from_version, 1);
        assert_eq!(migrated.log.len(), 3);
        assert!(migrated.log[0].starts_with("v1 → v2"));
        let expected: DashboardState = serde_json::from_value(fixture("v4-operator.json")).unwrap();
        assert_eq!(migrated.state, expected);
    }

    #[test]
    fn a_v1_widgets_config_and_unknown_fields_are_carried_and_logged() {
        let migrated = migrate(json!({ "widgets": [
            { "id": "w1", "type": "Metrics", "config": { "title": "bar" } },
            { "id": "w2", "type": "tasks", "x": 4, "settings": { "limit": 5 }, "color": "red" },
        ] }))
        .unwrap();
        let config = |id: &str| Value::Object(migrated.state.widgets[id].config.clone());
        assert_eq!(config("w1"), json!({ "title": "bar" }));
        assert_eq!(config("w2"), json!({ "limit": 5, "color": "red" }));
        assert!(migrated
            .log
            .contains(&"v1 → v2: widget w1: its `config` carried into its config".to_string()));
        assert!(migrated.log.contains(
            &"v1 → v2: widget w2: kept its unknown field(s) color in its config".to_string()
        ));
    }

    #[test]
    fn a_v1_field_that_would_be_carried_twice_sets_the_whole_state_aside() {
        let stored = json!({ "widgets": [
            { "id": "w1", "type": "tasks", "settings": { "title": "a" }, "config": { "title": "b" } },
        ] });
        let loaded = load_or_default(stored.clone());
        assert_eq!(loaded.state, DashboardState::default());
        let (kept, why) = loaded.set_aside.expect("set aside");
        assert_eq!(kept, stored);
        assert_eq!(
            why,
            MigrationError::Step {
                from: 1,
                reason: "widget w1: its config would get `title` twice".into()
            }
        );
    }

    #[test]
    fn later_versions_take_only_the_steps_they_need() {
        for (name, from) in [("v2-operator.json", 2), ("v3-operator.json", 3)] {
            let migrated = migrate(fixture(name)).unwrap();
            assert_eq!(migrated.from_version, from, "{name}");
            assert_eq!(migrated.log.len() as u32, STATE_VERSION - from, "{name}");
            let expected: DashboardState =
                serde_json::from_value(fixture("v4-operator.json")).unwrap();
            assert_eq!(migrated.state, expected, "{name}");
        }
    }

    #[test]
    fn version_4_keeps_the_change_time_for_every_section() {
        let stored = json!({ "version": 3, "revision": 7, "widgets": {}, "preferences": { "theme": "dark", "density": "compact" }, "filters": {}, "updatedAt": 1234 });
        let state = migrate(stored).unwrap().state;
        assert_eq!(state.revision, 7);
        assert_eq!(state.section_times.widgets, 1234);
        assert_eq!(state.section_times.filters, 1234);
        assert_eq!(
            state.preferences.density,
            crate::dashboard::Density::Compact
        );
    }

    #[test]
    fn an_unversioned_empty_v1_state_migrates_to_an_empty_dashboard() {
        let migrated = migrate(fixture("v1-empty.json")).unwrap();
        assert!(migrated.state.widgets.is_empty());
        assert_eq!(migrated.state.version, STATE_VERSION);
    }

    #[test]
    fn a_broken_state_falls_back_to_defaults_and_is_set_aside_whole() {
        let stored = fixture("v1-broken.json");
        let loaded = load_or_default(stored.clone());
        assert_eq!(loaded.state, DashboardState::default());
        let (kept, err) = loaded.set_aside.unwrap();
        assert_eq!(kept, stored);
        assert_eq!(
            err,
            MigrationError::Step {
                from: 1,
                reason: "two widgets have the id w1".into()
            }
        );
    }

    #[test]
    fn unknown_and_future_versions_are_refused_not_guessed() {
        for version in [json!(0), json!(STATE_VERSION + 1), json!("3"), json!(-1)] {
            let err = migrate(json!({ "version": version.clone() })).unwrap_err();
            assert_eq!(err, MigrationError::UnknownVersion { found: version });
        }
        assert_eq!(
            migrate(json!([1, 2])).unwrap_err(),
            MigrationError::NotAnObject
        );
    }

    #[test]
    fn a_migrated_state_that_does_not_fit_the_grid_is_invalid() {
        let stored = json!({ "version": 1, "widgets": [{ "id": "w1", "type": "metrics", "x": 10, "w": 4 }] });
        assert!(
            matches!(migrate(stored), Err(MigrationError::Invalid { path: Some(p), .. }) if p == "widgets.w1")
        );
    }

    proptest! {
        #[test]
        fn a_current_state_passes_through_unchanged(state in any_state()) {
            let migrated = migrate(serde_json::to_value(&state).unwrap()).unwrap();
            prop_assert!(migrated.log.is_empty());
            prop_assert_eq!(migrated.state, state);
        }
    }
}
