//! The report as people read it: figures formatted, the metric cards, the four charts' lines and
//! the top-agents rows, from the report's JSON.

use super::chart::{ChartData, Line, STROKES};
use crate::agents::role_label;
use crate::analytics::ui::{int, list, text};
use crate::widgets::one_decimal;
use serde_json::Value;

/// A number of `v`, none when missing or null.
pub(super) fn real(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// The array at `key` of `v`, empty when missing.
fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).map_or(&[], list)
}

/// A count with thousands separated: `12,345`.
pub(super) fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Shown for a figure there is nothing to compute from.
pub(super) const NONE: &str = "—";

/// A share (0 to 1) as a percentage: `12.5%`.
pub(super) fn percent(share: Option<f64>) -> String {
    share.map_or(NONE.into(), |s| format!("{}%", one_decimal(s * 100.0)))
}

/// Milliseconds, whole: `312 ms`.
pub(super) fn millis(ms: Option<f64>) -> String {
    ms.map_or(NONE.into(), |ms| format!("{} ms", count(ms.round() as i64)))
}

/// US dollars to the cent: `$1,234.05`.
pub(super) fn dollars(usd: f64) -> String {
    let cents = (usd * 100.0).round() as i64;
    format!("${}.{:02}", count(cents / 100), cents % 100)
}

/// How a card shows its total.
#[derive(Clone, Copy)]
enum Shown {
    Count,
    Whole,
    Decimal,
    Percent,
    Millis,
    Dollars,
    Hour,
}

/// The metric cards: name (`data-metric`), label, the total's key and how it is shown.
const CARDS: [(&str, &str, &str, Shown); 16] = [
    ("agent-calls", "Agent calls", "agentCalls", Shown::Count),
    ("errors", "Errors", "errors", Shown::Count),
    ("error-rate", "Error rate", "errorRate", Shown::Percent),
    (
        "avg-response",
        "Avg response",
        "avgResponseMs",
        Shown::Millis,
    ),
    ("tool-runs", "Tool runs", "toolRuns", Shown::Count),
    ("approved", "Approved", "approved", Shown::Count),
    ("rejected", "Rejected", "rejected", Shown::Count),
    (
        "approval-rate",
        "Approval rate",
        "approvalRate",
        Shown::Percent,
    ),
    (
        "conversations",
        "Conversations",
        "conversations",
        Shown::Count,
    ),
    ("messages", "Messages", "messages", Shown::Count),
    (
        "messages-per-conversation",
        "Messages per conversation",
        "messagesPerConversation",
        Shown::Decimal,
    ),
    ("tokens", "Tokens", "tokens", Shown::Count),
    ("cost", "Estimated cost", "costUsd", Shown::Dollars),
    (
        "tokens-per-conversation",
        "Tokens per conversation",
        "tokensPerConversation",
        Shown::Whole,
    ),
    ("uptime", "Uptime", "uptime", Shown::Percent),
    ("peak-hour", "Peak hour", "peakHour", Shown::Hour),
];

/// The metric cards of the report's `totals`: name (`data-metric`), label and value ("—" for
/// a figure there is nothing to compute from).
pub(super) fn cards(t: &Value) -> Vec<(&'static str, &'static str, String)> {
    CARDS
        .iter()
        .map(|&(name, label, key, shown)| {
            let value = match (real(t, key), shown) {
                (None, _) => NONE.into(),
                (Some(x), Shown::Count | Shown::Whole) => count(x.round() as i64),
                (Some(x), Shown::Decimal) => one_decimal(x),
                (Some(x), Shown::Percent) => percent(Some(x)),
                (Some(x), Shown::Millis) => millis(Some(x)),
                (Some(x), Shown::Dollars) => dollars(x),
                (Some(x), Shown::Hour) => format!("{:02}:00", x as i64),
            };
            (name, label, value)
        })
        .collect()
}

/// Whether nothing at all happened in the period.
pub(super) fn is_empty(totals: &Value) -> bool {
    int(totals, "agentCalls") + int(totals, "messages") + int(totals, "toolRuns") == 0
}

/// The report's four charts: messages, approvals, calls by agent role and the error rate.
pub(super) fn charts(report: &Value) -> Vec<ChartData> {
    let series = items(report, "series");
    let labels: Vec<String> = series.iter().map(|p| text(p, "label")).collect();
    let per = match report.get("period").map(|p| text(p, "bucket")).as_deref() {
        Some("hour") => "per hour",
        _ => "per day",
    };
    let line = |name: &str, stroke: &'static str, read: &dyn Fn(&Value) -> f64| Line {
        name: name.to_owned(),
        stroke,
        values: series.iter().map(read).collect(),
    };
    let field = |key: &'static str| move |p: &Value| real(p, key).unwrap_or_default();
    let roles = items(report, "roles")
        .iter()
        .filter_map(Value::as_str)
        .enumerate()
        .map(|(i, role)| {
            line(role_label(role), STROKES[i % STROKES.len()], &|p| {
                p.get("byRole")
                    .and_then(|by| by.get(role))
                    .and_then(Value::as_f64)
                    .unwrap_or_default()
            })
        })
        .collect();
    let chart = |series, title: &str, unit, lines| ChartData {
        series,
        title: format!("{title} {per}"),
        unit,
        labels: labels.clone(),
        lines,
    };
    vec![
        chart(
            "messages",
            "Messages",
            "",
            vec![line("messages", STROKES[0], &field("messages"))],
        ),
        chart(
            "approvals",
            "Approvals",
            "",
            vec![
                line("approved", STROKES[3], &field("approved")),
                line("rejected", STROKES[4], &field("rejected")),
            ],
        ),
        chart("calls-by-role", "Calls by role", "", roles),
        chart(
            "error-rate",
            "Error rate",
            "%",
            vec![line("error rate", STROKES[4], &|p| {
                real(p, "errorRate").unwrap_or_default() * 100.0
            })],
        ),
    ]
}

/// The rows of one top-agents list (`mostUsed`, `errorRate`, `performance`): the agent's id,
/// name, role and the figure it is ranked by.
pub(super) fn top(report: &Value, key: &str) -> Vec<[String; 4]> {
    let agents = report.get("top").map_or(&[][..], |top| items(top, key));
    agents
        .iter()
        .map(|a| {
            let figure = match key {
                "mostUsed" => format!(
                    "{} calls, {} messages",
                    count(int(a, "calls")),
                    count(int(a, "messages"))
                ),
                "errorRate" => format!(
                    "{} ({} of {})",
                    percent(real(a, "errorRate")),
                    count(int(a, "errors")),
                    count(int(a, "calls"))
                ),
                _ => millis(real(a, "avgResponseMs")),
            };
            let role = role_label(&text(a, "role")).to_owned();
            [text(a, "agentId"), text(a, "name"), role, figure]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn figures_read_as_people_expect() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1200), "-1,200");
        assert_eq!(percent(Some(0.125)), "12.5%");
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(None), "—");
        assert_eq!(millis(Some(312.4)), "312 ms");
        assert_eq!(dollars(1.234), "$1.23");
        assert_eq!(dollars(1234.05), "$1,234.05");
        assert_eq!(dollars(0.0), "$0.00");
    }

    fn report() -> Value {
        let agent = |id: &str, calls: i64, errors: i64| {
            json!({"agentId": id, "name": format!("agent {id}"), "role": "coder", "calls": calls,
                   "errors": errors, "errorRate": errors as f64 / calls as f64, "avgResponseMs": 250.0,
                   "messages": 4, "tokens": 900, "costUsd": 0.5, "uptime": null})
        };
        json!({
            "period": {"kind": "week", "from": "2026-11-25", "to": "2026-11-26", "tz": "UTC",
                       "bucket": "day", "start": 0, "end": 1},
            "totals": {"agentCalls": 12, "errors": 3, "errorRate": 0.25, "avgResponseMs": 301.6,
                       "toolRuns": 4, "approved": 2, "rejected": 1, "approvalRate": 0.6667,
                       "conversations": 2, "messages": 7, "messagesPerConversation": 3.5,
                       "tokens": 12345, "costUsd": 0.054, "unpricedTokens": 0,
                       "tokensPerConversation": 6172.5, "uptime": null, "peakHour": 9},
            "series": [
                {"start": 0, "label": "2026-11-25", "calls": 4, "errors": 1, "errorRate": 0.25,
                 "messages": 3, "toolRuns": 0, "approved": 0, "rejected": 0, "tokens": 10,
                 "byRole": {"coder": 4}},
                {"start": 1, "label": "2026-11-26", "calls": 8, "errors": 2, "errorRate": 0.25,
                 "messages": 4, "toolRuns": 4, "approved": 2, "rejected": 1, "tokens": 10,
                 "byRole": {"coder": 6, "reviewer": 2}}
            ],
            "roles": ["coder", "reviewer"],
            "agents": [agent("a1", 12, 3)],
            "top": {"mostUsed": [agent("a1", 12, 3)], "errorRate": [agent("a1", 12, 3)], "performance": []},
            "generatedAt": 5
        })
    }

    #[test]
    fn the_cards_show_every_total() {
        let report = report();
        let cards = cards(&report["totals"]);
        let value = |name: &str| {
            cards
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, _, v)| v.clone())
                .unwrap()
        };
        assert_eq!(cards.len(), 16);
        assert_eq!(value("agent-calls"), "12");
        assert_eq!(value("error-rate"), "25%");
        assert_eq!(value("avg-response"), "302 ms");
        assert_eq!(value("approval-rate"), "66.7%");
        assert_eq!(value("messages-per-conversation"), "3.5");
        assert_eq!(value("tokens"), "12,345");
        assert_eq!(value("cost"), "$0.05");
        assert_eq!(value("tokens-per-conversation"), "6,173");
        assert_eq!(value("uptime"), "—");
        assert_eq!(value("peak-hour"), "09:00");
        assert!(!is_empty(&report["totals"]));
        assert!(is_empty(&json!({"agentCalls": 0, "messages": 0})));
    }

    #[test]
    fn the_series_becomes_four_charts() {
        let charts = charts(&report());
        let names: Vec<_> = charts.iter().map(|c| c.series).collect();
        assert_eq!(
            names,
            ["messages", "approvals", "calls-by-role", "error-rate"]
        );
        assert_eq!(charts[0].title, "Messages per day");
        assert_eq!(charts[0].labels, ["2026-11-25", "2026-11-26"]);
        assert_eq!(charts[0].lines[0].values, [3.0, 4.0]);
        assert_eq!(charts[1].lines[1].name, "rejected");
        assert_eq!(charts[1].lines[0].values, [0.0, 2.0]);
        let roles = &charts[2].lines;
        assert_eq!(roles[1].name, "reviewer");
        assert_eq!(roles[1].values, [0.0, 2.0]);
        assert_ne!(roles[0].stroke, roles[1].stroke);
        assert_eq!(charts[3].unit, "%");
        assert_eq!(charts[3].lines[0].values, [25.0, 25.0]);
    }

    #[test]
    fn the_top_lists_name_each_agent_and_its_figure() {
        let report = report();
        let most = top(&report, "mostUsed");
        assert_eq!(
            most,
            [[
                "a1".to_owned(),
                "agent a1".into(),
                "coder".into(),
                "12 calls, 4 messages".into()
            ]]
        );
        assert_eq!(top(&report, "errorRate")[0][3], "25% (3 of 12)");
        assert!(top(&report, "performance").is_empty());
        assert!(top(&json!({}), "mostUsed").is_empty());
    }

    /// The page reads what the server writes (field names checked against its types).
    #[cfg(feature = "server")]
    #[test]
    fn the_server_totals_read_by_hand() {
        use crate::analytics::report::{AgentUsage, Totals};
        let totals = Totals {
            agent_calls: 7,
            error_rate: 0.5,
            avg_response_ms: Some(120.0),
            cost_usd: 2.5,
            peak_hour: Some(14),
            ..Totals::default()
        };
        let cards = cards(&serde_json::to_value(&totals).unwrap());
        let value = |name: &str| cards.iter().find(|c| c.0 == name).unwrap().2.clone();
        assert_eq!(value("agent-calls"), "7");
        assert_eq!(value("error-rate"), "50%");
        assert_eq!(value("avg-response"), "120 ms");
        assert_eq!(value("cost"), "$2.50");
        assert_eq!(value("peak-hour"), "14:00");
        let agent = AgentUsage {
            agent_id: "a".into(),
            name: "n".into(),
            calls: 3,
            messages: 1,
            ..AgentUsage::default()
        };
        let report = json!({"top": {"mostUsed": [serde_json::to_value(&agent).unwrap()]}});
        assert_eq!(top(&report, "mostUsed")[0][3], "3 calls, 1 messages");
    }
}
