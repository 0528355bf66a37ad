//! Edits of the dashboard state by path: `widgets.w1` (a whole widget), `widgets.w1.position`,
//! `preferences.density`, `filters.audit`. A value replaces what is at the path (creating the
//! objects on the way); `null` deletes it. The result must still be a valid state, and the section
//! edited is stamped with the time, so that merges keep the latest change per section.

use crate::dashboard::{DashboardState, Section};
use serde_json::{Map, Value};

/// Most segments a path may have.
const MAX_DEPTH: usize = 8;

/// Why an edit was refused.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum PathError {
    /// The path is not `section.key…` in the allowed alphabet.
    #[error("invalid path {0:?}: expected dot-separated names of letters, digits, _ and - under widgets, preferences or filters")]
    Invalid(String),
    /// Deleting a whole section, or something that is not there.
    #[error("nothing to delete at {0}")]
    NothingToDelete(String),
    /// The edited state does not fit the model.
    #[error("{path}: {reason}")]
    Rejected {
        /// The path edited.
        path: String,
        /// What is wrong with the result.
        reason: String,
    },
}

/// A checked path.
#[derive(Clone, Debug, PartialEq)]
pub struct StatePath {
    section: Section,
    segments: Vec<String>,
}

impl StatePath {
    /// Parses `section.key…`.
    pub fn parse(raw: &str) -> Result<Self, PathError> {
        let invalid = || PathError::Invalid(raw.to_owned());
        let segments: Vec<String> = raw.split('.').map(str::to_owned).collect();
        if segments.len() < 2 || segments.len() > MAX_DEPTH {
            return Err(invalid());
        }
        let ok = |s: &String| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !segments.iter().all(ok) {
            return Err(invalid());
        }
        let section = match segments[0].as_str() {
            "widgets" => Section::Widgets,
            "preferences" => Section::Preferences,
            "filters" => Section::Filters,
            _ => return Err(invalid()),
        };
        Ok(Self { section, segments })
    }

    /// The top-level section it is in.
    pub fn section(&self) -> Section {
        self.section
    }

    /// The dotted form.
    pub fn as_string(&self) -> String {
        self.segments.join(".")
    }
}

/// Applies `value` at `path` (`null` deletes) and stamps the section with `now`.
pub fn apply(
    state: &DashboardState,
    path: &StatePath,
    value: &Value,
    now: i64,
) -> Result<DashboardState, PathError> {
    let rejected = |reason: String| PathError::Rejected {
        path: path.as_string(),
        reason,
    };
    let mut doc = serde_json::to_value(state).map_err(|err| rejected(err.to_string()))?;
    let (last, parents) = path
        .segments
        .split_last()
        .expect("a path has two segments or more");
    let mut node = &mut doc;
    for segment in parents {
        let Value::Object(map) = node else {
            return Err(rejected(format!(
                "{segment} is inside a value that is not an object"
            )));
        };
        node = map
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(map) = node else {
        return Err(rejected(format!(
            "{last} is inside a value that is not an object"
        )));
    };
    if value.is_null() {
        if map.remove(last).is_none() {
            return Err(PathError::NothingToDelete(path.as_string()));
        }
    } else {
        map.insert(last.clone(), value.clone());
    }
    let mut next: DashboardState = crate::dashboard::migrate::deserialize_at(doc)
        .map_err(|(at, reason)| rejected(format!("{at}: {reason}")))?;
    next.validate().map_err(|err| rejected(err.to_string()))?;
    next.touch(path.section, now);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::Density;
    use serde_json::json;

    fn path(raw: &str) -> StatePath {
        StatePath::parse(raw).unwrap()
    }

    #[test]
    fn paths_are_checked() {
        for bad in [
            "",
            "widgets",
            "theme.x",
            "widgets..w1",
            "widgets.w 1",
            "widgets.a.b.c.d.e.f.g.h",
            "__proto__.x",
        ] {
            assert!(StatePath::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(path("widgets.w1").section(), Section::Widgets);
        assert_eq!(
            path("preferences.density").as_string(),
            "preferences.density"
        );
    }

    #[test]
    fn a_value_replaces_and_null_deletes() {
        let state = DashboardState::default();
        let next = apply(&state, &path("preferences.density"), &json!("compact"), 50).unwrap();
        assert_eq!(next.preferences.density, Density::Compact);
        assert_eq!(next.section_times.preferences, 50);
        assert_eq!(
            next.section_times.widgets, 0,
            "other sections keep their time"
        );
        let next = apply(&next, &path("widgets.w1"), &Value::Null, 60).unwrap();
        assert!(!next.widgets.contains_key("w1"));
        assert_eq!(next.updated_at, 60);
        assert_eq!(
            apply(&next, &path("widgets.w1"), &Value::Null, 70),
            Err(PathError::NothingToDelete("widgets.w1".into()))
        );
    }

    #[test]
    fn nested_edits_and_new_widgets_work() {
        let state = DashboardState::default();
        let next = apply(
            &state,
            &path("widgets.w2.position"),
            &json!({ "x": 8, "y": 9 }),
            1,
        )
        .unwrap();
        assert_eq!(
            (next.widgets["w2"].position.x, next.widgets["w2"].position.y),
            (8, 9)
        );
        let widget = json!({ "kind": "alerts", "config": {}, "position": { "x": 0, "y": 20 }, "size": { "w": 2, "h": 2 } });
        let next = apply(&next, &path("widgets.new1"), &widget, 2).unwrap();
        assert_eq!(next.widgets["new1"].kind, "alerts");
    }

    #[test]
    fn edits_that_break_the_model_are_refused_with_the_reason() {
        let state = DashboardState::default();
        let err = apply(&state, &path("preferences.density"), &json!("tiny"), 1).unwrap_err();
        assert!(
            matches!(err, PathError::Rejected { ref reason, .. } if reason.contains("preferences.density")),
            "{err}"
        );
        let err = apply(&state, &path("widgets.w1.position.x"), &json!(11), 1).unwrap_err();
        assert!(err.to_string().contains("reaches past column 12"), "{err}");
        assert!(apply(&state, &path("widgets.w1.kind.deeper"), &json!(1), 1).is_err());
    }
}
