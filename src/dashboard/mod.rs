//! The dashboard state: a user's widget layout, preferences and saved filters in one versioned
//! document, shared by the browser and the server. Maps are keyed by id so that a path such as
//! `widgets.w1` or `preferences.density` names one piece of it (the sync protocol edits by path).

#[cfg(feature = "server")]
pub mod api;
pub mod compress;
#[cfg(feature = "web")]
pub mod local;
pub mod merge;
pub mod migrate;
pub mod provider;
#[cfg(feature = "web")]
mod remote;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
mod ui;

pub use ui::Dashboard;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema version this build writes; [`migrate`] brings older documents up to it.
pub const STATE_VERSION: u32 = 4;
/// Columns of the widget grid.
pub const GRID_COLUMNS: u16 = 12;

/// One user's dashboard in one workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardState {
    /// Schema version ([`STATE_VERSION`] once migrated).
    pub version: u32,
    /// Server revision: increases with every accepted write; 0 before the first.
    pub revision: u64,
    /// Widgets by id.
    pub widgets: BTreeMap<String, Widget>,
    /// Display preferences.
    pub preferences: Preferences,
    /// Saved filters and searches, by list page (`approvals`, `agents`, `audit`).
    pub filters: BTreeMap<String, SavedFilter>,
    /// When it last changed, in milliseconds since the Unix epoch.
    pub updated_at: i64,
    /// When each top-level section last changed: merging two copies keeps each section's newer one.
    pub section_times: SectionTimes,
}

/// The last change of each top-level section, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionTimes {
    /// `widgets`.
    pub widgets: i64,
    /// `preferences`.
    pub preferences: i64,
    /// `filters`.
    pub filters: i64,
}

/// A top-level section of the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The widget layout.
    Widgets,
    /// Display preferences.
    Preferences,
    /// Saved filters.
    Filters,
}

/// A widget placed on the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Widget {
    /// Its type in the widget registry (`metrics`, `tasks`, …).
    pub kind: String,
    /// Type-specific settings.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Top-left cell.
    pub position: GridPosition,
    /// Width and height in cells.
    pub size: GridSize,
}

/// A grid cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridPosition {
    /// Column, from 0.
    pub x: u16,
    /// Row, from 0.
    pub y: u16,
}

/// A widget's extent in cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSize {
    /// Columns.
    pub w: u16,
    /// Rows.
    pub h: u16,
}

/// The preferences that live with the dashboard (and so sync with it). The theme is a user
/// setting since version 4 (it applies to every page, not only the dashboard).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preferences {
    /// How tightly widgets are packed.
    pub density: Density,
}

/// Widget spacing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Density {
    /// Roomy.
    #[default]
    Comfortable,
    /// Tight.
    Compact,
}

/// A list page's remembered search and filter values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedFilter {
    /// Free-text search.
    pub search: String,
    /// Filter values by field (`status` → `pending`).
    pub values: BTreeMap<String, String>,
}

impl SavedFilter {
    /// One of the values (empty: any).
    pub fn value(&self, key: &str) -> String {
        self.values.get(key).cloned().unwrap_or_default()
    }

    /// Sets one of the values (empty: removed, so any).
    pub fn set(&mut self, key: &str, value: String) {
        if value.is_empty() {
            self.values.remove(key);
        } else {
            self.values.insert(key.into(), value);
        }
    }
}

/// What is wrong with a state that parsed but cannot be shown.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum StateError {
    /// A widget reaches past the grid or has no extent.
    #[error("widget {id}: {reason}")]
    Widget {
        /// Its id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// The document is not of this build's version.
    #[error("state version {found} is not {STATE_VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
}

/// The widgets a new dashboard starts with, three to a row.
const DEFAULT_WIDGETS: [&str; 7] = [
    "project_status",
    "tasks",
    "metrics",
    "alerts",
    "vitals",
    "activity",
    "approval_queue",
];

impl Default for DashboardState {
    fn default() -> Self {
        let widgets = DEFAULT_WIDGETS
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                let i = i as u16;
                let widget = Widget {
                    kind: kind.to_string(),
                    config: serde_json::Map::new(),
                    position: GridPosition {
                        x: (i % 3) * 4,
                        y: (i / 3) * 3,
                    },
                    size: GridSize { w: 4, h: 3 },
                };
                (format!("w{}", i + 1), widget)
            })
            .collect();
        Self {
            version: STATE_VERSION,
            revision: 0,
            widgets,
            preferences: Preferences::default(),
            filters: BTreeMap::new(),
            updated_at: 0,
            section_times: SectionTimes::default(),
        }
    }
}

impl DashboardState {
    /// Records that `section` changed at `now` (milliseconds since the Unix epoch).
    pub fn touch(&mut self, section: Section, now: i64) {
        self.updated_at = self.updated_at.max(now);
        let time = match section {
            Section::Widgets => &mut self.section_times.widgets,
            Section::Preferences => &mut self.section_times.preferences,
            Section::Filters => &mut self.section_times.filters,
        };
        *time = (*time).max(now);
    }

    /// Checks what types cannot: the version, and that every widget fits the grid.
    pub fn validate(&self) -> Result<(), StateError> {
        if self.version != STATE_VERSION {
            return Err(StateError::Version {
                found: self.version,
            });
        }
        for (id, widget) in &self.widgets {
            let GridSize { w, h } = widget.size;
            let reason = if w == 0 || h == 0 {
                Some("has no extent".to_string())
            } else if u32::from(widget.position.x) + u32::from(w) > u32::from(GRID_COLUMNS) {
                Some(format!("reaches past column {GRID_COLUMNS}"))
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(StateError::Widget {
                    id: id.clone(),
                    reason,
                });
            }
        }
        Ok(())
    }
}

/// `GET /api/dashboard/state`: the server's copy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerCopy {
    /// The revision.
    pub version: u64,
    /// The state, migrated to this build's schema.
    pub state: DashboardState,
    /// When it was last written, in milliseconds since the Unix epoch.
    pub last_modified: i64,
}

/// `POST /api/dashboard/state` body: the state and the revision it is based on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// The server revision this state was based on (0 for one never saved).
    pub version: u64,
    /// The dashboard state (any known schema version; migrated before it is stored).
    pub state: serde_json::Value,
}

/// The answer to a save that was stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveResponse {
    /// Always true.
    pub success: bool,
    /// The revision the state was stored as.
    pub server_version: u64,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Random valid states, for the round-trip properties here and in `migrate` and `compress`.
    pub(crate) fn any_state() -> impl Strategy<Value = DashboardState> {
        let widget = (
            "[a-z_]{1,16}",
            0u16..8,
            0u16..50,
            1u16..5,
            1u16..6,
            ".{0,24}",
        )
            .prop_map(|(kind, x, y, w, h, note)| {
                let mut config = serde_json::Map::new();
                config.insert("note".into(), note.into());
                Widget {
                    kind,
                    config,
                    position: GridPosition { x, y },
                    size: GridSize { w, h },
                }
            });
        let filter = (
            ".{0,20}",
            prop::collection::btree_map("[a-z]{1,8}", ".{0,12}", 0..3),
        )
            .prop_map(|(search, values)| SavedFilter { search, values });
        (
            any::<u64>(),
            prop::collection::btree_map("w[0-9]{1,4}", widget, 0..12),
            prop_oneof![Just(Density::Comfortable), Just(Density::Compact)],
            prop::collection::btree_map("[a-z]{1,10}", filter, 0..3),
            [
                0i64..4_000_000_000_000,
                0i64..4_000_000_000_000,
                0i64..4_000_000_000_000,
            ],
        )
            .prop_map(
                |(revision, widgets, density, filters, [w, p, f])| DashboardState {
                    version: STATE_VERSION,
                    revision,
                    widgets,
                    preferences: Preferences { density },
                    filters,
                    updated_at: w.max(p).max(f),
                    section_times: SectionTimes {
                        widgets: w,
                        preferences: p,
                        filters: f,
                    },
                },
            )
    }

    #[test]
    fn the_default_dashboard_is_valid_and_holds_every_widget_type() {
        let state = DashboardState::default();
        assert_eq!(state.validate(), Ok(()));
        let kinds: Vec<_> = state.widgets.values().map(|w| w.kind.as_str()).collect();
        assert_eq!(kinds.len(), DEFAULT_WIDGETS.len());
        for kind in DEFAULT_WIDGETS {
            assert!(kinds.contains(&kind), "{kind}");
        }
    }

    #[test]
    fn widgets_past_the_grid_or_without_extent_are_refused() {
        let mut state = DashboardState::default();
        state.widgets.get_mut("w3").unwrap().position.x = 10;
        assert_eq!(
            state.validate(),
            Err(StateError::Widget {
                id: "w3".into(),
                reason: "reaches past column 12".into()
            })
        );
        let mut state = DashboardState::default();
        state.widgets.get_mut("w1").unwrap().size.h = 0;
        assert!(matches!(state.validate(), Err(StateError::Widget { .. })));
    }

    #[test]
    fn the_json_uses_camel_case_and_refuses_unknown_fields() {
        let json = serde_json::to_value(DashboardState::default()).unwrap();
        assert!(json.get("updatedAt").is_some());
        let mut bad = json.clone();
        bad["surprise"] = true.into();
        assert!(serde_json::from_value::<DashboardState>(bad).is_err());
    }

    proptest! {
        #[test]
        fn states_round_trip_through_json(state in any_state()) {
            let json = serde_json::to_string(&state).unwrap();
            prop_assert_eq!(serde_json::from_str::<DashboardState>(&json).unwrap(), state);
        }
    }
}
