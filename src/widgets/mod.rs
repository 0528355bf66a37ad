//! The widget registry: every widget type the dashboard can hold, with its title, what it shows,
//! its default size and config, and the fleet data it reads. Beside it: the shared fleet feed
//! (`feed`), the grid's geometry (`layout`), the retry rule (`retry`), the components (`ui`, the
//! views of each kind in `views`, the `ErrorWidget` in `error`, the dashboard's `card`) and the
//! gallery page that shows every widget in every state (`gallery`).

pub mod card;
pub mod error;
pub mod feed;
pub mod gallery;
pub mod layout;
pub mod retry;
pub mod ui;
mod views;

pub use retry::{Retry, RetryState};

use crate::dashboard::GridSize;
use crate::fleet::Kind;
use serde_json::{Map, Value};

/// A widget type. Its view is chosen by its data source in `ui::Frame` (one view per fleet
/// kind); a type without a source is the approval queue, which loads its own data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WidgetType {
    /// Its name in the dashboard state (`tasks`, …).
    pub kind: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it shows.
    pub about: &'static str,
    /// Its size when added.
    pub size: GridSize,
    /// The fleet data it reads (none: it loads its own, as the approval queue does).
    pub source: Option<Kind>,
}

const fn widget(
    kind: &'static str,
    title: &'static str,
    about: &'static str,
    source: Option<Kind>,
) -> WidgetType {
    WidgetType {
        kind,
        title,
        about,
        size: GridSize { w: 4, h: 3 },
        source,
    }
}

/// Every widget type, in the order the "add widget" menu lists them.
pub const REGISTRY: [WidgetType; 7] = [
    widget(
        "project_status",
        "Project Status",
        "Progress and health of each project the agents work on.",
        Some(Kind::Projects),
    ),
    widget(
        "tasks",
        "Tasks",
        "What every agent is doing, filterable by status and assignee.",
        Some(Kind::Tasks),
    ),
    widget(
        "metrics",
        "Metrics",
        "KPIs with their change and a trend line.",
        Some(Kind::Metrics),
    ),
    widget(
        "alerts",
        "Alerts",
        "What needs an operator's attention now.",
        Some(Kind::Alerts),
    ),
    widget(
        "vitals",
        "Vitals",
        "Heartbeats, load and health checks of every agent.",
        Some(Kind::Vitals),
    ),
    widget(
        "activity",
        "Activity",
        "The live feed of what the fleet did.",
        Some(Kind::Activity),
    ),
    widget(
        "approval_queue",
        "Approval queue",
        "Tool runs waiting for a human decision.",
        None,
    ),
];

/// The widget type named `kind`.
pub fn lookup(kind: &str) -> Option<&'static WidgetType> {
    REGISTRY.iter().find(|widget| widget.kind == kind)
}

impl WidgetType {
    /// The config a new widget of this type starts with.
    pub fn default_config(&self) -> Map<String, Value> {
        let mut config = Map::new();
        if self.source.is_some() {
            config.insert("maxRetries".into(), DEFAULT_MAX_RETRIES.into());
        }
        config
    }
}

/// Retries a widget gets unless its config says `maxRetries`.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// The most retries a config may ask for.
pub const MOST_RETRIES: u32 = 10;

/// A widget's config as the widgets read it (parsed once, at the edge; unknown keys are kept in
/// the state for other versions and ignored here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WidgetConfig {
    /// Retries allowed after a failed load (`maxRetries`, 1 to [`MOST_RETRIES`]).
    pub max_retries: u32,
}

impl WidgetConfig {
    /// Reads `config`; a missing or unusable value takes its default.
    pub fn parse(config: &Map<String, Value>) -> Self {
        let max_retries = config
            .get("maxRetries")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_MAX_RETRIES, |n| {
                n.clamp(1, u64::from(MOST_RETRIES)) as u32
            });
        Self { max_retries }
    }
}

/// `value` with one decimal, without float formatting (which would weigh on the wasm).
pub fn one_decimal(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let tenths = tenths.unsigned_abs();
    if tenths % 10 == 0 {
        format!("{sign}{}", tenths / 10)
    } else {
        format!("{sign}{}.{}", tenths / 10, tenths % 10)
    }
}

/// The points of a sparkline of `values` in a `width` × `height` box, as SVG wants them.
pub fn sparkline(values: &[f64], width: u32, height: u32) -> String {
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let span = if high > low { high - low } else { 1.0 };
    let step = if values.len() > 1 {
        f64::from(width) / (values.len() - 1) as f64
    } else {
        0.0
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = (i as f64 * step).round() as i64;
            let y = (f64::from(height) - (v - low) / span * f64::from(height)).round() as i64;
            format!("{x},{y}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_holds_every_default_widget_once() {
        for kind in [
            "project_status",
            "tasks",
            "metrics",
            "alerts",
            "vitals",
            "activity",
            "approval_queue",
        ] {
            assert_eq!(lookup(kind).map(|w| w.kind), Some(kind));
        }
        assert_eq!(lookup("weather"), None);
        let mut kinds: Vec<_> = REGISTRY.iter().map(|w| w.kind).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), REGISTRY.len());
    }

    #[test]
    fn configs_are_read_with_defaults_and_limits() {
        let tasks = lookup("tasks").unwrap();
        let config = tasks.default_config();
        assert_eq!(config.get("maxRetries"), Some(&Value::from(3)));
        assert_eq!(WidgetConfig::parse(&config).max_retries, 3);
        assert!(lookup("approval_queue")
            .unwrap()
            .default_config()
            .is_empty());
        let read = |value: Value| {
            let mut config = Map::new();
            config.insert("maxRetries".into(), value);
            WidgetConfig::parse(&config).max_retries
        };
        assert_eq!(read(5.into()), 5);
        assert_eq!(read(0.into()), 1);
        assert_eq!(read(99.into()), MOST_RETRIES);
        assert_eq!(read("lots".into()), DEFAULT_MAX_RETRIES);
        assert_eq!(WidgetConfig::parse(&Map::new()).max_retries, 3);
    }

    #[test]
    fn numbers_and_sparklines_without_float_formatting() {
        assert_eq!(one_decimal(12.0), "12");
        assert_eq!(one_decimal(-2.46), "-2.5");
        assert_eq!(one_decimal(0.05), "0.1");
        assert_eq!(sparkline(&[1.0, 3.0, 2.0], 100, 20), "0,20 50,0 100,10");
        assert_eq!(sparkline(&[5.0], 100, 20), "0,20");
    }
}
