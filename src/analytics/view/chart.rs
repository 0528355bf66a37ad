//! The analytics page's charts: lines drawn as SVG elements in `rsx!`, one point per bucket,
//! each point carrying its value (`data-value`) and a hover title. Colours come from Tailwind
//! classes with `dark:` variants, chosen to stand out 3:1 or more against both themes' panels.

use crate::widgets::one_decimal;
use dioxus::prelude::*;

/// The elements `rsx!` knows, with SVG's `<title>` added as `svgtitle` (dioxus-html has only
/// HTML's, which the browser would not show as a point's hover title inside an `<svg>`).
mod dioxus_elements {
    pub use dioxus::prelude::dioxus_elements::*;
    /// SVG's `<title>`.
    pub mod svgtitle {
        pub const TAG_NAME: &str = "title";
        pub const NAME_SPACE: Option<&str> = Some("http://www.w3.org/2000/svg");
    }
    pub mod elements {
        pub use super::svgtitle;
        pub use dioxus::prelude::dioxus_elements::elements::*;
    }
}

/// Line colours, in the order roles take them. Each is ≥ 3:1 against white in the light theme
/// and against slate-900 in the dark one.
pub(super) const STROKES: [&str; 6] = [
    "stroke-sky-600 dark:stroke-sky-400",
    "stroke-violet-600 dark:stroke-violet-400",
    "stroke-amber-700 dark:stroke-amber-400",
    "stroke-emerald-700 dark:stroke-emerald-400",
    "stroke-rose-600 dark:stroke-rose-400",
    "stroke-fuchsia-700 dark:stroke-fuchsia-400",
];

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Line {
    /// What it counts (`approved`, a role).
    pub name: String,
    /// Its colour, one of [`STROKES`].
    pub stroke: &'static str,
    /// One value per bucket.
    pub values: Vec<f64>,
}

/// A chart: what it shows, the buckets' labels and its lines.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ChartData {
    /// `data-series`, for tests and styles.
    pub series: &'static str,
    /// Its heading.
    pub title: String,
    /// What follows each value: `""` or `"%"`.
    pub unit: &'static str,
    /// One per bucket.
    pub labels: Vec<String>,
    /// Its lines.
    pub lines: Vec<Line>,
}

// The drawing's box (viewBox units): the plot spans LEFT..RIGHT and TOP..BOTTOM, with the value
// axis's labels left of it and the first and last bucket's below.
const WIDTH: i64 = 320;
const HEIGHT: i64 = 132;
const LEFT: i64 = 34;
const RIGHT: i64 = 312;
const TOP: i64 = 8;
const BOTTOM: i64 = 110;

/// The top of the value axis: the largest value, and at least 1.
pub(super) fn ceiling(lines: &[Line]) -> f64 {
    lines
        .iter()
        .flat_map(|line| line.values.iter().copied())
        .fold(1.0, f64::max)
}

/// Where each of `values` is drawn when `top` is the top of the axis; evenly spread over the
/// plot's width (one value sits in the middle).
pub(super) fn plot(values: &[f64], top: f64) -> Vec<(i64, i64)> {
    let last = values.len() as i64 - 1;
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let x = if last > 0 {
                LEFT + (RIGHT - LEFT) * i as i64 / last
            } else {
                (LEFT + RIGHT) / 2
            };
            let share = (value / top).clamp(0.0, 1.0);
            (x, BOTTOM - (share * (BOTTOM - TOP) as f64).round() as i64)
        })
        .collect()
}

/// `points` as SVG's `points` attribute wants them.
pub(super) fn points(points: &[(i64, i64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The chart in a sentence, for screen readers: its span and each line's total (or, for a
/// rate, its highest value).
pub(super) fn summary(chart: &ChartData) -> String {
    let label = |i: Option<&String>| i.cloned().unwrap_or_default();
    let lines: Vec<String> = chart
        .lines
        .iter()
        .map(|line| {
            if chart.unit.is_empty() {
                let total: f64 = line.values.iter().sum();
                format!("{} {} in all", line.name, one_decimal(total))
            } else {
                let peak = line.values.iter().copied().fold(0.0, f64::max);
                format!("{} at most {}{}", line.name, one_decimal(peak), chart.unit)
            }
        })
        .collect();
    let lines = if lines.is_empty() {
        "nothing to show".to_owned()
    } else {
        lines.join(", ")
    };
    format!(
        "{}, {} to {}: {lines}",
        chart.title,
        label(chart.labels.first()),
        label(chart.labels.last())
    )
}

/// One chart in a figure with its heading: the axes' labels, each line with a point per bucket
/// (its value in `data-value`, a hover title) and, for several lines, a legend.
pub(super) fn chart(data: &ChartData) -> Element {
    let top = ceiling(&data.lines);
    let unit = data.unit;
    let first = data.labels.first().cloned().unwrap_or_default();
    let last = data.labels.last().cloned().unwrap_or_default();
    let several = data.lines.len() > 1;
    rsx! {
        figure { class: "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900",
            figcaption {
                h3 { class: "mb-2 text-sm font-semibold", "{data.title}" }
            }
            svg {
                class: "chart h-auto w-full overflow-visible",
                "data-series": data.series,
                view_box: "0 0 {WIDTH} {HEIGHT}",
                role: "img",
                "aria-label": summary(data),
                line {
                    class: "stroke-slate-200 dark:stroke-slate-700",
                    x1: LEFT,
                    y1: TOP,
                    x2: RIGHT,
                    y2: TOP,
                }
                line {
                    class: "stroke-slate-300 dark:stroke-slate-600",
                    x1: LEFT,
                    y1: BOTTOM,
                    x2: RIGHT,
                    y2: BOTTOM,
                }
                g {
                    class: "fill-slate-500 dark:fill-slate-400",
                    font_size: "9",
                    text { x: LEFT - 4, y: TOP + 3, text_anchor: "end", "{one_decimal(top)}{unit}" }
                    text { x: LEFT - 4, y: BOTTOM + 3, text_anchor: "end", "0" }
                    text { x: LEFT, y: HEIGHT - 4, "{first}" }
                    text { x: RIGHT, y: HEIGHT - 4, text_anchor: "end", "{last}" }
                }
                for line in data.lines.iter() {
                    {series(line, &data.labels, top, unit, several)}
                }
            }
            if several {
                ul {
                    class: "mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-300",
                    "aria-label": "Legend",
                    for line in data.lines.iter() {
                        li { class: "flex items-center gap-1.5",
                            svg {
                                class: "h-2 w-4",
                                view_box: "0 0 16 8",
                                "aria-hidden": "true",
                                line {
                                    class: line.stroke,
                                    x1: "0",
                                    y1: "4",
                                    x2: "16",
                                    y2: "4",
                                    stroke_width: "3",
                                }
                            }
                            "{line.name}"
                        }
                    }
                }
            }
        }
    }
}

/// One line: its polyline and a point per bucket, each with its value and a hover title (named
/// by the line when the chart has `several`).
fn series(line: &Line, labels: &[String], top: f64, unit: &str, several: bool) -> Element {
    let at = plot(&line.values, top);
    let prefix = if several {
        format!("{} · ", line.name)
    } else {
        String::new()
    };
    rsx! {
        g { class: "series", "data-name": "{line.name}",
            polyline {
                class: "line {line.stroke}",
                fill: "none",
                stroke_width: "2",
                stroke_linejoin: "round",
                points: points(&at),
            }
            for (&(x, y), (value, bucket)) in at.iter().zip(line.values.iter().zip(labels)) {
                circle {
                    class: "point fill-white dark:fill-slate-900 {line.stroke}",
                    cx: x,
                    cy: y,
                    r: "3",
                    stroke_width: "2",
                    "data-value": one_decimal(*value),
                    svgtitle { "{prefix}{bucket}: {one_decimal(*value)}{unit}" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(values: &[f64]) -> Line {
        Line {
            name: "calls".into(),
            stroke: STROKES[0],
            values: values.to_vec(),
        }
    }

    #[test]
    fn values_are_spread_across_and_scaled_to_the_ceiling() {
        assert_eq!(ceiling(&[line(&[0.0, 0.0])]), 1.0);
        assert_eq!(ceiling(&[line(&[2.0, 5.0]), line(&[7.0])]), 7.0);
        let at = plot(&[0.0, 5.0, 10.0], 10.0);
        assert_eq!(at, [(LEFT, BOTTOM), ((LEFT + RIGHT) / 2, 59), (RIGHT, TOP)]);
        assert_eq!(plot(&[3.0], 3.0), [((LEFT + RIGHT) / 2, TOP)]);
        // Nothing is drawn outside the plot.
        assert_eq!(plot(&[-1.0, 20.0], 10.0), [(LEFT, BOTTOM), (RIGHT, TOP)]);
        assert_eq!(points(&[(1, 2), (3, 4)]), "1,2 3,4");
    }

    #[test]
    fn the_summary_names_the_span_and_each_line() {
        let mut chart = ChartData {
            series: "messages",
            title: "Messages per day".into(),
            unit: "",
            labels: vec!["2026-11-25".into(), "2026-11-26".into()],
            lines: vec![line(&[3.0, 4.0])],
        };
        assert_eq!(
            summary(&chart),
            "Messages per day, 2026-11-25 to 2026-11-26: calls 7 in all"
        );
        chart.unit = "%";
        assert_eq!(
            summary(&chart),
            "Messages per day, 2026-11-25 to 2026-11-26: calls at most 4%"
        );
        chart.lines.clear();
        assert!(summary(&chart).ends_with(": nothing to show"));
    }

    #[cfg(feature = "server")]
    #[test]
    fn the_chart_has_a_point_per_bucket_with_its_value_and_title() {
        let chart = ChartData {
            series: "approvals",
            title: "Approvals per day".into(),
            unit: "",
            labels: vec!["2026-11-25".into(), "2026-11-26".into()],
            lines: vec![
                line(&[0.0, 2.0]),
                Line {
                    name: "<b>".into(),
                    stroke: STROKES[1],
                    values: vec![1.0, 0.5],
                },
            ],
        };
        let svg = dioxus_ssr::render_element(super::chart(&chart));
        assert!(svg.contains(r#"<svg class="chart "#), "{svg}");
        assert!(svg.contains(r#"data-series="approvals""#));
        assert_eq!(svg.matches(r#"<circle class="point "#).count(), 4);
        assert!(
            svg.contains(r#"data-value="2"><title>calls · 2026-11-26: 2</title>"#),
            "{svg}"
        );
        assert!(svg.contains(r#"data-value="0.5"><title>&#60;b&#62; · 2026-11-26: 0.5</title>"#));
        assert!(svg.contains(r#"<g class="series" data-name="&#60;b&#62;">"#));
        // The legend, for two lines; the axis from 0 to the largest value.
        assert_eq!(svg.matches("<li ").count(), 2);
        assert!(svg.contains(r#"text-anchor="end">2</text>"#));
        assert!(svg.contains(">2026-11-25</text>") && svg.contains(">2026-11-26</text>"));
    }
}
