//! The report's body — metric cards, four charts, the top agents, usage by model — rendered on the server with
//! Dioxus SSR and sent to the Analytics page as HTML (`GET /api/analytics/view`). It holds no
//! handlers (only links and hover titles), so the browser needs none of this code: it stays out
//! of the wasm, whose first-load budget the charts and formatting would otherwise take ~8 KB of.

mod chart;
mod figures;

use self::chart::chart;
use self::figures::{cards, charts, count, dollars, is_empty, millis, top};
use super::report::{ModelUsage, Report};
use crate::analytics::ui::int;
use dioxus::prelude::*;
use serde_json::Value;

/// The body of `report` as HTML.
pub fn render(report: &Report) -> String {
    let models = models(&report.models);
    let report = serde_json::to_value(report).unwrap_or_default();
    dioxus_ssr::render_element(rsx! {
        {body(&report)}
        {models}
    })
}

/// Usage by model: calls, errors, mean response, messages, tokens and cost (nothing when no
/// usage named a model).
fn models(models: &[ModelUsage]) -> Element {
    if models.is_empty() {
        return VNode::empty();
    }
    rsx! {
        h2 { class: "mb-2 mt-6 font-semibold", "Models" }
        div { class: "overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 p-4",
            table { id: "analytics-models", class: "w-full text-left text-sm",
                thead {
                    tr { class: "text-xs text-slate-500 dark:text-slate-400",
                        for (label, align) in [("Model", ""), ("Calls", "text-right"), ("Errors", "text-right"), ("Avg response", "text-right"), ("Messages", "text-right"), ("Tokens", "text-right"), ("Cost", "text-right")] {
                            th { class: "py-1 font-medium {align}", scope: "col", "{label}" }
                        }
                    }
                }
                tbody {
                    for usage in models {
                        tr { class: "model-row border-t border-slate-100 dark:border-slate-800", "data-model": "{usage.model}",
                            td { class: "py-1 font-medium", "{usage.model}" }
                            td { class: "py-1 text-right tabular-nums", {count(usage.calls)} }
                            td { class: "py-1 text-right tabular-nums", {count(usage.errors)} }
                            td { class: "py-1 text-right tabular-nums", {millis(usage.avg_response_ms)} }
                            td { class: "py-1 text-right tabular-nums", {count(usage.messages)} }
                            td { class: "py-1 text-right tabular-nums", {count(usage.tokens)} }
                            td { class: "py-1 text-right tabular-nums", {usage.cost_usd.map_or_else(|| "no price".to_owned(), dollars)} }
                        }
                    }
                }
            }
        }
    }
}

/// Cards, then (unless nothing happened) charts and top agents.
fn body(report: &Value) -> Element {
    let totals = report.get("totals").cloned().unwrap_or_default();
    let empty = is_empty(&totals);
    let unpriced = int(&totals, "unpricedTokens");
    rsx! {
        if empty {
            div { id: "analytics-empty", class: "mb-4 rounded-lg border border-dashed border-slate-300 p-6 text-center dark:border-slate-700",
                p { class: "text-slate-500 dark:text-slate-400", "No usage in this period: no agent calls, messages or tool runs were reported." }
            }
        }
        div { id: "analytics-cards", class: "grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8",
            for (name, label, value) in cards(&totals) {
                div { class: "metric-card rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 px-3 py-2", "data-metric": name,
                    p { class: "text-xs text-slate-500 dark:text-slate-400", "{label}" }
                    p { class: "metric-value text-lg font-semibold tabular-nums", "{value}" }
                }
            }
        }
        if unpriced > 0 {
            p { id: "analytics-unpriced", class: "mt-2 text-xs text-slate-500 dark:text-slate-400",
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
                {top_agents("top-most-used", "Most used", "Use", top(report, "mostUsed"))}
                {top_agents("top-error-rate", "Highest error rate", "Errors", top(report, "errorRate"))}
                {top_agents("top-performance", "Fastest", "Avg response", top(report, "performance"))}
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
            figcaption { h3 { class: "mb-2 text-sm font-semibold", "{title}" } }
            table { id, class: "w-full text-left text-sm",
                thead {
                    tr { class: "text-xs text-slate-500 dark:text-slate-400",
                        th { class: "py-1 font-medium", scope: "col", "Agent" }
                        th { class: "py-1 font-medium", scope: "col", "Role" }
                        th { class: "py-1 text-right font-medium", scope: "col", "{figure}" }
                    }
                }
                tbody {
                    if rows.is_empty() {
                        tr { td { class: "py-1 text-slate-500 dark:text-slate-400", colspan: "3", "No agent has enough calls in this period." } }
                    }
                    for [agent, name, role, value] in rows {
                        tr { class: "agent-row border-t border-slate-100 dark:border-slate-800", "data-agent": "{agent}",
                            td { class: "py-1 font-medium", "{name}" }
                            td { class: "py-1 text-slate-500 dark:text-slate-400", "{role}" }
                            td { class: "py-1 text-right tabular-nums", "{value}" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(calls: i64) -> Value {
        let agent = json!({"agentId": "a-1", "name": "<script>x</script>", "role": "pulse",
            "calls": calls, "errors": 1, "errorRate": 0.1, "avgResponseMs": 250.0, "messages": 2,
            "tokens": 10, "costUsd": 0.0, "uptime": null});
        let point = |label: &str| {
            json!({"start": 0, "label": label, "calls": calls, "errors": 1,
            "errorRate": 0.1, "messages": 2, "toolRuns": 1, "approved": 1, "rejected": 0,
            "tokens": 10, "byRole": {"pulse": calls}})
        };
        json!({
            "period": {"kind": "week", "from": "2026-11-25", "to": "2026-11-26", "tz": "UTC",
                       "bucket": "day", "start": 0, "end": 1},
            "totals": {"agentCalls": calls, "errors": 1, "errorRate": 0.1, "toolRuns": 1,
                       "approved": 1, "rejected": 0, "messages": 2, "tokens": 10,
                       "costUsd": 0.0, "unpricedTokens": 5},
            "series": [point("2026-11-25"), point("2026-11-26")],
            "roles": ["pulse"],
            "agents": [agent],
            "top": {"mostUsed": [agent], "errorRate": [agent], "performance": [agent]},
            "generatedAt": 0,
        })
    }

    #[test]
    fn the_body_holds_cards_charts_and_tables_with_names_escaped() {
        let html = dioxus_ssr::render_element(body(&report(10)));
        assert!(html.contains(r#"id="analytics-cards""#), "{html}");
        assert_eq!(html.matches(r#"class="metric-card "#).count(), 16);
        assert_eq!(html.matches(r#"<svg class="chart "#).count(), 4, "{html}");
        assert!(html.contains(r#"<table id="top-most-used""#));
        assert_eq!(html.matches(r#"data-agent="a-1""#).count(), 3);
        assert!(
            html.contains("&#60;script&#62;x&#60;/script&#62;"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains(r#"id="analytics-unpriced""#));
        assert!(!html.contains("analytics-empty"));
        // Roles are shown by what they feed, in the tables and the by-role chart's legend.
        assert_eq!(html.matches(">Vitals<").count(), 3, "{html}");
        assert!(html.contains(r#"<g class="series" data-name="Vitals">"#));
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
        let html = dioxus_ssr::render_element(models(&[
            usage("gpt-4o", Some(0.5)),
            usage("<b>house</b>", None),
        ]));
        assert!(html.contains(r#"<table id="analytics-models""#), "{html}");
        assert_eq!(html.matches(r#"class="model-row "#).count(), 2);
        assert!(html.contains(r#"data-model="gpt-4o""#));
        assert!(
            html.contains("1,500") && html.contains("no price"),
            "{html}"
        );
        assert!(!html.contains("<b>"));
        assert!(dioxus_ssr::render_element(models(&[])).is_empty());
    }

    #[test]
    fn an_empty_period_says_so_and_draws_nothing() {
        let mut quiet = report(0);
        quiet["totals"] = json!({});
        let html = dioxus_ssr::render_element(body(&quiet));
        assert!(html.contains(r#"id="analytics-empty""#), "{html}");
        assert!(html.contains(r#"id="analytics-cards""#));
        assert!(!html.contains("<svg"));
    }
}
