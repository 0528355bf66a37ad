//! `/analytics` — how the fleet was used today, over the last 7 or 30 days or between two days
//! (the choice is kept in the dashboard state): metric cards, four charts, the top agents three
//! ways, the report as CSV or JSON, and the exports written on a schedule.

use super::model::{ExportInfo, Report, ReportQuery};
use super::server_fns::load;
use crate::app::Route;
use crate::dashboard::provider::use_saved_filter;
use crate::dashboard::SavedFilter;
use crate::http::sf::encode;
use crate::http::{use_api, Api, Load, Loaded, QueryParams};
use crate::pages::PageHeader;
use crate::settings::locale::{use_locale, use_timezone, Style};
use crate::ui::BUTTON;
use dioxus::prelude::*;

/// The periods offered: the API's name and the picker's label.
const PERIODS: [(&str, &str); 4] = [
    ("day", "Today"),
    ("week", "Last 7 days"),
    ("month", "Last 30 days"),
    ("custom", "Custom"),
];

/// A byte count for people: `830 B`, `12.3 KB`, `4.1 MB`.
fn size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{} KB", crate::widgets::one_decimal(b / KB))
    } else {
        format!("{} MB", crate::widgets::one_decimal(b / KB / KB))
    }
}

/// An error answer as one sentence, naming its field when the message does not.
fn explain(error: &str, field: Option<&str>) -> String {
    match field {
        Some(field) if !error.starts_with(field) => format!("{field}: {error}"),
        _ => error.to_owned(),
    }
}

/// The saved period: the last 7 days unless another known one was chosen.
fn period(saved: &SavedFilter) -> &'static str {
    let chosen = saved.values.get("period").map(String::as_str);
    PERIODS
        .iter()
        .find(|(name, _)| Some(*name) == chosen)
        .map_or("week", |(name, _)| name)
}

/// The report's query for the saved choice in zone `tz`; none while a custom period still
/// lacks a day.
fn query(saved: &SavedFilter, tz: &str) -> Option<ReportQuery> {
    let day = |key: &str| {
        let day = saved.values.get(key).map_or("", |v| v.trim());
        Some(day.to_owned()).filter(|day| !day.is_empty())
    };
    let period = period(saved);
    let (from, to) = match period {
        "custom" => (Some(day("from")?), Some(day("to")?)),
        _ => (None, None),
    };
    Some(ReportQuery {
        period: Some(period.to_owned()),
        from,
        to,
        tz: Some(tz.to_owned()),
    })
}

/// The period chosen: the saved choice, the report's query it makes, and the custom days as
/// changed but not yet applied (empty: as saved).
#[derive(Clone, Copy, PartialEq)]
struct Choice {
    saved: Signal<SavedFilter>,
    /// What the report is asked for (none: not yet); a memo, so only a real change fetches again.
    wanted: Memo<Option<ReportQuery>>,
    from: Signal<String>,
    to: Signal<String>,
}

impl Choice {
    /// Sets one of the saved choice's values (empty: removed).
    fn set(self, key: &'static str, value: String) {
        let mut saved = self.saved;
        saved.with_mut(|saved| saved.set(key, value));
    }

    /// One of the saved choice's values.
    fn value(self, key: &str) -> String {
        self.saved.read().value(key)
    }

    /// A custom day as it will be applied: as changed, else as saved.
    fn day(self, draft: Signal<String>, key: &str) -> String {
        match draft() {
            changed if changed.is_empty() => self.value(key),
            changed => changed,
        }
    }

    /// Forgets the custom days changed and not applied.
    fn reset(self) {
        let Self {
            mut from, mut to, ..
        } = self;
        from.set(String::new());
        to.set(String::new());
    }
}

/// The page's period, kept in the dashboard state.
fn use_choice() -> Choice {
    let zone = use_timezone();
    let saved = use_saved_filter("analytics");
    // Kept small for the wasm: the state's types repeat ones other pages use (so their code is
    // there once), and class names are written out rather than formatted from constants (a
    // formatted class is built at run time, in code).
    let wanted = use_memo(move || query(&saved(), &zone()));
    Choice {
        saved,
        wanted,
        from: use_signal(String::new),
        to: use_signal(String::new),
    }
}

/// `/analytics`.
#[component]
pub fn Analytics() -> Element {
    let choice = use_choice();
    let wanted = choice.wanted;
    // The report shown (an answer to an older request is dropped), and the scheduled exports.
    let report = use_api(move || match wanted() {
        Some(query) => load::report(QueryParams(query)),
        None => Load::nothing(),
    })?;
    let exports = use_api(super::server_fns::load::exports)?;
    rsx! {
        PageHeader {
            title: "Analytics",
            summary: "How the fleet is used: calls, errors, tool runs, tokens and cost over any period.",
        }
        PeriodForm { choice, report }
        ReportView { wanted, report }
        Exports { exports }
    }
}

/// The period picker, the custom days, and the report's downloads.
#[component]
fn PeriodForm(choice: Choice, report: Api<Report>) -> Element {
    let chosen = period(&(choice.saved)());
    let wanted = (choice.wanted)().map(|query| QueryParams(query).encoded());
    rsx! {
        form {
            id: "analytics-filters",
            class: "rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 mb-4 flex flex-wrap items-end gap-3 p-4",
            "aria-label": "Period",
            onsubmit: move |event: FormEvent| {
                event.prevent_default();
                choice.set("from", choice.day(choice.from, "from"));
                choice.set("to", choice.day(choice.to, "to"));
                choice.reset();
            },
            label { class: "text-sm",
                "Period"
                select {
                    id: "analytics-period",
                    class: "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900",
                    value: chosen,
                    onchange: move |e| {
                        choice.set("period", e.value());
                        choice.reset();
                    },
                    for (name, label) in PERIODS {
                        option {
                            key: "{name}",
                            value: name,
                            selected: chosen == name,
                            "{label}"
                        }
                    }
                }
            }
            if chosen == "custom" {
                CustomDays { choice, report }
            }
            if let Some(wanted) = wanted {
                div { class: "ml-auto flex gap-2",
                    a {
                        id: "analytics-export-csv",
                        class: BUTTON,
                        href: "/api/analytics/report.csv?{wanted}",
                        download: "",
                        "Download CSV"
                    }
                    a {
                        id: "analytics-export-json",
                        class: BUTTON,
                        href: "/api/analytics/report.json?{wanted}",
                        download: "",
                        "Download JSON"
                    }
                }
            }
        }
    }
}

/// A custom period's first and last day, and Apply.
#[component]
fn CustomDays(choice: Choice, report: Api<Report>) -> Element {
    let Choice {
        mut from, mut to, ..
    } = choice;
    // The field the server found wrong, marked on its input.
    let bad = match report.status() {
        Loaded::Failed(err) => err.body.field.clone().unwrap_or_default(),
        _ => String::new(),
    };
    rsx! {
        label { class: "text-sm",
            "From"
            input {
                id: "analytics-from",
                class: "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900",
                r#type: "date",
                value: choice.value("from"),
                "aria-invalid": bad == "from",
                oninput: move |e| from.set(e.value()),
            }
        }
        label { class: "text-sm",
            "To"
            input {
                id: "analytics-to",
                class: "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900",
                r#type: "date",
                value: choice.value("to"),
                "aria-invalid": bad == "to",
                oninput: move |e| to.set(e.value()),
            }
        }
        button {
            id: "analytics-apply",
            class: BUTTON,
            r#type: "submit",
            disabled: choice.day(from, "from").is_empty() || choice.day(to, "to").is_empty(),
            "Apply"
        }
    }
}

/// The report for the period, or why there is none yet.
#[component]
fn ReportView(wanted: Memo<Option<ReportQuery>>, report: Api<Report>) -> Element {
    let locale = use_locale();
    if wanted().is_none() {
        return rsx! {
            p {
                id: "analytics-pick",
                class: "py-8 text-center text-slate-500 dark:text-slate-400",
                "Pick the first and last day, then Apply."
            }
        };
    }
    match report.get() {
        Loaded::Loading => rsx! {
            p {
                id: "analytics-loading",
                class: "py-8 text-center text-slate-500 dark:text-slate-400",
                role: "status",
                "Loading the report…"
            }
        },
        Loaded::Failed(error) => rsx! {
            div {
                id: "analytics-error",
                class: "rounded-lg border border-rose-300 bg-rose-50 p-4 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100",
                role: "alert",
                p {
                    "The report could not be made: "
                    {explain(&error.body.error, error.body.field.as_deref())}
                }
                button {
                    id: "analytics-retry",
                    class: "{BUTTON} mt-2",
                    r#type: "button",
                    onclick: move |_| report.reload(),
                    "Retry"
                }
            }
        },
        Loaded::Ready(report) => {
            let span = &report.period;
            let made = locale.format(report.generated_at, Style::DateTime);
            rsx! {
                p {
                    id: "analytics-span",
                    class: "mb-3 text-sm text-slate-500 dark:text-slate-400",
                    "{span.from} to {span.to} ({span.tz}) · as of {made}"
                }
                div { id: "analytics-report", {super::view::body(&report, &locale)} }
            }
        }
    }
}

/// The exports written on a schedule, each to download.
#[component]
fn Exports(exports: Api<Vec<ExportInfo>>) -> Element {
    let locale = use_locale();
    rsx! {
        section {
            id: "analytics-exports",
            class: "rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 mt-6 p-4",
            "aria-labelledby": "analytics-exports-title",
            h2 { id: "analytics-exports-title", class: "font-semibold", "Scheduled exports" }
            match exports.get() {
                Loaded::Loading => rsx! {
                    p { class: "mt-2 text-sm text-slate-500 dark:text-slate-400", "Loading…" }
                },
                Loaded::Failed(why) => rsx! {
                    p { class: "mt-2 text-sm text-rose-700 dark:text-rose-300", "The exports could not be listed: {why}" }
                },
                Loaded::Ready(files) if files.is_empty() => rsx! {
                    p {
                        id: "analytics-exports-none",
                        class: "mt-2 text-sm text-slate-500 dark:text-slate-400",
                        "None yet. Switch on automatic export in "
                        Link {
                            to: Route::Settings {},
                            class: "text-sky-700 underline-offset-2 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-sky-400",
                            "Settings"
                        }
                        " (workspace export settings) to have a report written daily or weekly."
                    }
                },
                Loaded::Ready(files) => rsx! {
                    ul { class: "mt-2 divide-y divide-slate-200 text-sm dark:divide-slate-800",
                        for file in files.iter() {
                            li {
                                key: "{file.id}",
                                class: "flex flex-wrap items-baseline gap-x-3 py-1.5",
                                a {
                                    class: "export-link text-sky-700 underline-offset-2 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-sky-400",
                                    href: "/api/analytics/exports/{encode(&file.id)}",
                                    download: "",
                                    "{file.from} to {file.to} ({file.format.to_ascii_uppercase()})"
                                }
                                span { class: "text-xs text-slate-500 dark:text-slate-400",
                                    "{file.schedule} · {size(file.bytes)} · written {locale.format(file.created_at, Style::DateTime)}"
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn saved(pairs: &[(&str, &str)]) -> SavedFilter {
        SavedFilter {
            search: String::new(),
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn the_saved_choice_becomes_the_query() {
        let query = |saved: &SavedFilter, tz: &str| {
            query(saved, tz).map_or(String::new(), |q| QueryParams(q).encoded())
        };
        assert_eq!(query(&SavedFilter::default(), "UTC"), "period=week&tz=UTC");
        assert_eq!(period(&saved(&[("period", "year")])), "week");
        let day = saved(&[("period", "day"), ("from", "2026-11-01")]);
        assert_eq!(
            query(&day, "Europe/Berlin"),
            "period=day&tz=Europe%2FBerlin"
        );
        let custom = saved(&[
            ("period", "custom"),
            ("from", "2026-11-01"),
            ("to", " 2026-11-09 "),
        ]);
        assert_eq!(
            query(&custom, "UTC"),
            "from=2026-11-01&period=custom&to=2026-11-09&tz=UTC"
        );
        let half = saved(&[("period", "custom"), ("from", "2026-11-01")]);
        assert_eq!(query(&half, "UTC"), "");
    }

    #[test]
    fn sizes_and_errors_read_as_people_expect() {
        assert_eq!(size(830), "830 B");
        assert_eq!(size(12_595), "12.3 KB");
        assert_eq!(size(5 * 1024 * 1024), "5 MB");
        assert_eq!(explain("is before from", Some("to")), "to: is before from");
        assert_eq!(
            explain("to: is before from", Some("to")),
            "to: is before from"
        );
        assert_eq!(explain("gone", None), "gone");
    }
}
