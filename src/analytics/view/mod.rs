//! The report's body — metric cards, four charts, the top agents, usage by model — from the
//! typed [`Report`] the page decodes, in `rsx!` (the charts as SVG elements). It holds no
//! handlers, only links and hover titles.

mod chart;
mod figures;

use self::chart::chart;
use self::figures::{cards, charts, count, is_empty, millis, top, Ranking};
use super::model::{ModelUsage, Report};
use crate::settings::locale::Locale;
use dioxus::prelude::*;

/// The body of `report`: cards, then (unless nothing happened) charts and top agents, then
/// usage by model; money in `locale`.
pub fn body(report: &Report, locale: &Locale) -> Element {
    rsx! {
        {summary(report, locale)}
        {models(&report.models, locale)}
    }
}

/// Usage by model: calls, errors, mean response, messages, tokens and cost (nothing when no
/// usage named a model).
fn models(models: &[ModelUsage], locale: &Locale) -> Element {
    if models.is_empty() {
        return VNode::empty();
    }
    rsx! {
        h2 { class: "mb-2 mt-6 font-semibold", "Models" }
        div { class: "overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 p-4",
            table { id: "analytics-models", class: "w-full text-left text-sm",
                thead {
                    tr { class: "text-xs text-slate-500 dark:text-slate-400",
                        for (label, align) in [
                            ("Model", ""),
                            ("Calls", "text-right"),
                            ("Errors", "text-right"),
                            ("Avg response", "text-right"),
                            ("Messages", "text-right"),
                            ("Tokens", "text-right"),
                            ("Cost", "text-right"),
                        ]
                        {
                            th {
                                class: "py-1 font-medium {align}",
                                scope: "col",
                                "{label}"
                            }
                        }
                    }
                }
                tbody {
                    for usage in models {
                        tr {
                            class: "model-row border-t border-slate-100 dark:border-slate-800",
                            "data-model": "{usage.model}",
                            td { class: "py-1 font-medium", "{usage.model}" }
                            td { class: "py-1 text-right tabular-nums", {count(usage.calls)} }
                            td { class: "py-1 text-right tabular-nums", {count(usage.errors)} }
                            td { class: "py-1 text-right tabular-nums",
                                {millis(usage.avg_response_ms)}
                            }
                            td { class: "py-1 text-right tabular-nums", {count(usage.messages)} }
                            td { class: "py-1 text-right tabular-nums", {count(usage.tokens)} }
                            td { class: "py-1 text-right tabular-nums",
                                {
                                    usage
                                        .cost_usd
                                        .map_or_else(|| "no price".to_owned(), |usd| locale.money(usd, "USD"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Cards, then (unless nothing happened) charts and top agents.
fn summary(report: &Report, locale: &Locale) -> Element {
    let totals = &report.totals;
    let empty = is_empty(totals);
    let unpriced = totals.unpriced_tokens;
    let top_of = &report.top;
    rsx! {
        if empty {
            div {
                id: "analytics-empty",
                class: "mb-4 rounded-lg border border-dashed border-slate-300 p-6 text-center dark:border-slate-700",
                p { class: "text-slate-500 dark:text-slate-400",
                    "No usage in this period: no agent calls, messages or tool runs were reported."
                }
            }
        }
        div {
            id: "analytics-cards",
            class: "grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8",
            for (name, label, value) in cards(totals, locale) {
                div {
                    class: "metric-card rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 px-3 py-2",
                    "data-metric": name,
                    p { class: "text-xs text-slate-500 dark:text-slate-400", "{label}" }
                    p { class: "metric-value text-lg font-semibold tabular-nums",
                        "{value}"
                    }
                }
            }
        }
        if unpriced > 0 {
            p {
                id: "analytics-unpriced",
                class: "mt-2 text-xs text-slate-500 dark:text-slate-400",
                "The cost leaves out {count(unpriced)} tokens of models without a price (MODEL_PRICES)."
            }
        }
        if !empty {
            h2 { class: "mb-2 mt-6 font-semibold", "Over time" }
            div { class: "grid gap-4 lg:grid-cols-2",
                for data in charts(report) {
                    {chart(&data)}
                }
            }
            h2 { class: "mb-2 mt-6 font-semibold", "Top agents" }
            div { class: "grid gap-4 lg:grid-cols-3",
                {
                    top_agents(
                        "top-most-used",
                        "Most used",
                        "Use",
                        top(&top_of.most_used, Ranking::MostUsed),
                    )
                }
                {
                    top_agents(
                        "top-error-rate",
                        "Highest error rate",
                        "Errors",
                        top(&top_of.error_rate, Ranking::ErrorRate),
                    )
                }
                {
                    top_agents(
                        "top-performance",
                        "Fastest",
                        "Avg response",
                        top(&top_of.performance, Ranking::Performance),
                    )
                }
            }
        }
    }
}

/// One top-agents table: name, role and the figure the agents are ranked by.
fn top_agents(
    id: &'static str,
    title: &'static str,
    figure: &'static str,
    rows: Vec<[String; 4]>,
) -> Element {
    rsx! {
        figure { class: "rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 p-4",
            figcaption {
                h3 { class: "mb-2 text-sm font-semibold", "{title}" }
            }
            table { id, class: "w-full text-left text-sm",
                thead {
                    tr { class: "text-xs text-slate-500 dark:text-slate-400",
                        th { class: "py-1 font-medium", scope: "col", "Agent" }
                        th { class: "py-1 font-medium", scope: "col", "Role" }
                        th {
                            class: "py-1 text-right font-medium",
                            scope: "col",
                            "{figure}"
                        }
                    }
                }
                tbody {
                    if rows.is_empty() {
                        tr {
                            td {
                                class: "py-1 text-slate-500 dark:text-slate-400",
                                colspan: "3",
                                "No agent has enough calls in this period."
                            }
                        }
                    }
                    for [agent, name, role, value] in rows {
                        tr {
                            class: "agent-row border-t border-slate-100 dark:border-slate-800",
                            "data-agent": "{agent}",
                            td { class: "py-1 font-medium", "{name}" }
                            td { class: "py-1 text-slate-500 dark:text-slate-400",
                                "{role}"
                            }
                            td { class: "py-1 text-right tabular-nums", "{value}" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use super::figures::tests::report;
    use super::*;
    use crate::analytics::model::Totals;

    #[test]
    fn the_body_holds_cards_charts_and_tables_with_names_escaped() {
        let mut report = report();
        report.top.most_used[0].name = "<script>x</script>".into();
        report.top.most_used[0].role = "pulse".into();
        report.roles = vec!["pulse".into()];
        report.totals.unpriced_tokens = 5;
        let html = dioxus_ssr::render_element(body(&report, &Locale::default()));
        assert!(html.contains(r#"id="analytics-cards""#), "{html}");
        assert_eq!(html.matches(r#"class="metric-card "#).count(), 16);
        assert_eq!(html.matches(r#"<svg class="chart "#).count(), 4, "{html}");
        assert!(html.contains(r#"<table id="top-most-used""#));
        assert_eq!(html.matches(r#"data-agent="a1""#).count(), 2);
        assert!(
            html.contains("&#60;script&#62;x&#60;/script&#62;"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains(r#"id="analytics-unpriced""#));
        assert!(!html.contains("analytics-empty"));
        // Roles are shown by what they feed, in the tables and the by-role chart's legend.
        assert!(html.contains(">Vitals<"), "{html}");
        assert!(html.contains(r#"<g class="series" data-name="Vitals">"#));
        // Each point's hover title is SVG's own.
        assert!(html.contains("<title>2026-11-26: 4</title>"), "{html}");
    }

    #[test]
    fn usage_by_model_is_a_table_with_one_row_per_model() {
        let usage = |model: &str, cost| ModelUsage {
            model: model.into(),
            calls: 2,
            errors: 1,
            avg_response_ms: Some(250.0),
            messages: 0,
            tokens: 1_500,
            cost_usd: cost,
        };
        let locale = Locale::default();
        let html = dioxus_ssr::render_element(models(
            &[usage("gpt-4o", Some(0.5)), usage("<b>house</b>", None)],
            &locale,
        ));
        assert!(html.contains(r#"<table id="analytics-models""#), "{html}");
        assert_eq!(html.matches(r#"class="model-row "#).count(), 2);
        assert!(html.contains(r#"data-model="gpt-4o""#));
        assert!(
            html.contains("1,500") && html.contains("no price") && html.contains("$0.50"),
            "{html}"
        );
        assert!(!html.contains("<b>"));
        assert!(dioxus_ssr::render_element(models(&[], &locale)).is_empty());
    }

    #[test]
    fn an_empty_period_says_so_and_draws_nothing() {
        let mut quiet = report();
        quiet.totals = Totals::default();
        let html = dioxus_ssr::render_element(body(&quiet, &Locale::default()));
        assert!(html.contains(r#"id="analytics-empty""#), "{html}");
        assert!(html.contains(r#"id="analytics-cards""#));
        assert!(!html.contains("<svg"));
    }
}
