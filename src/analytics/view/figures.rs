//! The report as people read it: figures formatted, the metric cards, the four charts' lines and
//! the top-agents rows, from the typed [`Report`].

use super::chart::{ChartData, Line, STROKES};
use crate::agents::role_label;
use crate::analytics::model::{AgentUsage, Point, Report, Totals};
use crate::settings::locale::Locale;
use crate::widgets::one_decimal;

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

/// How a card shows its total.
#[derive(Clone, Copy)]
enum Shown {
    Count,
    Whole,
    Decimal,
    Percent,
    Millis,
    Money,
    Hour,
}

/// The metric cards: name (`data-metric`), label, how the total is read from the totals and how
/// it is shown.
type Card = (
    &'static str,
    &'static str,
    fn(&Totals) -> Option<f64>,
    Shown,
);
const CARDS: [Card; 16] = [
    (
        "agent-calls",
        "Agent calls",
        |t| Some(t.agent_calls as f64),
        Shown::Count,
    ),
    ("errors", "Errors", |t| Some(t.errors as f64), Shown::Count),
    (
        "error-rate",
        "Error rate",
        |t| Some(t.error_rate),
        Shown::Percent,
    ),
    (
        "avg-response",
        "Avg response",
        |t| t.avg_response_ms,
        Shown::Millis,
    ),
    (
        "tool-runs",
        "Tool runs",
        |t| Some(t.tool_runs as f64),
        Shown::Count,
    ),
    (
        "approved",
        "Approved",
        |t| Some(t.approved as f64),
        Shown::Count,
    ),
    (
        "rejected",
        "Rejected",
        |t| Some(t.rejected as f64),
        Shown::Count,
    ),
    (
        "approval-rate",
        "Approval rate",
        |t| t.approval_rate,
        Shown::Percent,
    ),
    (
        "conversations",
        "Conversations",
        |t| Some(t.conversations as f64),
        Shown::Count,
    ),
    (
        "messages",
        "Messages",
        |t| Some(t.messages as f64),
        Shown::Count,
    ),
    (
        "messages-per-conversation",
        "Messages per conversation",
        |t| t.messages_per_conversation,
        Shown::Decimal,
    ),
    ("tokens", "Tokens", |t| Some(t.tokens as f64), Shown::Count),
    ("cost", "Estimated cost", |t| Some(t.cost_usd), Shown::Money),
    (
        "tokens-per-conversation",
        "Tokens per conversation",
        |t| t.tokens_per_conversation,
        Shown::Whole,
    ),
    ("uptime", "Uptime", |t| t.uptime, Shown::Percent),
    (
        "peak-hour",
        "Peak hour",
        |t| t.peak_hour.map(f64::from),
        Shown::Hour,
    ),
];

/// The metric cards of the report's totals: name (`data-metric`), label and value ("—" for a
/// figure there is nothing to compute from; money in the user's locale).
pub(super) fn cards(t: &Totals, locale: &Locale) -> Vec<(&'static str, &'static str, String)> {
    CARDS
        .iter()
        .map(|&(name, label, read, shown)| {
            let value = match (read(t), shown) {
                (None, _) => NONE.into(),
                (Some(x), Shown::Count | Shown::Whole) => count(x.round() as i64),
                (Some(x), Shown::Decimal) => one_decimal(x),
                (Some(x), Shown::Percent) => percent(Some(x)),
                (Some(x), Shown::Millis) => millis(Some(x)),
                (Some(x), Shown::Money) => locale.money(x, "USD"),
                (Some(x), Shown::Hour) => format!("{:02}:00", x as i64),
            };
            (name, label, value)
        })
        .collect()
}

/// Whether nothing at all happened in the period.
pub(super) fn is_empty(totals: &Totals) -> bool {
    totals.agent_calls + totals.messages + totals.tool_runs == 0
}

/// The report's four charts: messages, approvals, calls by agent role and the error rate.
pub(super) fn charts(report: &Report) -> Vec<ChartData> {
    let series = &report.series;
    let labels: Vec<String> = series.iter().map(|p| p.label.clone()).collect();
    let per = match report.period.bucket.as_str() {
        "hour" => "per hour",
        _ => "per day",
    };
    let line = |name: &str, stroke: &'static str, read: &dyn Fn(&Point) -> f64| Line {
        name: name.to_owned(),
        stroke,
        values: series.iter().map(read).collect(),
    };
    let roles = report
        .roles
        .iter()
        .enumerate()
        .map(|(i, role)| {
            line(role_label(role), STROKES[i % STROKES.len()], &|p| {
                p.by_role.get(role).copied().unwrap_or_default() as f64
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
            vec![line("messages", STROKES[0], &|p| p.messages as f64)],
        ),
        chart(
            "approvals",
            "Approvals",
            "",
            vec![
                line("approved", STROKES[3], &|p| p.approved as f64),
                line("rejected", STROKES[4], &|p| p.rejected as f64),
            ],
        ),
        chart("calls-by-role", "Calls by role", "", roles),
        chart(
            "error-rate",
            "Error rate",
            "%",
            vec![line("error rate", STROKES[4], &|p| p.error_rate * 100.0)],
        ),
    ]
}

/// How a top-agents list ranks them, which is the figure its rows show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Ranking {
    /// Calls and messages.
    MostUsed,
    /// The error rate, with errors of calls.
    ErrorRate,
    /// The mean response time.
    Performance,
}

/// The rows of one top-agents list: the agent's id, name, role and the figure it is ranked by.
pub(super) fn top(agents: &[AgentUsage], ranking: Ranking) -> Vec<[String; 4]> {
    agents
        .iter()
        .map(|a| {
            let figure = match ranking {
                Ranking::MostUsed => {
                    format!("{} calls, {} messages", count(a.calls), count(a.messages))
                }
                Ranking::ErrorRate => format!(
                    "{} ({} of {})",
                    percent(Some(a.error_rate)),
                    count(a.errors),
                    count(a.calls)
                ),
                Ranking::Performance => millis(a.avg_response_ms),
            };
            let role = role_label(&a.role).to_owned();
            [a.agent_id.clone(), a.name.clone(), role, figure]
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::analytics::model::{PeriodInfo, Top};
    use std::collections::BTreeMap;

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
    }

    fn agent(id: &str, calls: i64, errors: i64) -> AgentUsage {
        AgentUsage {
            agent_id: id.into(),
            name: format!("agent {id}"),
            role: "coder".into(),
            calls,
            errors,
            error_rate: errors as f64 / calls as f64,
            avg_response_ms: Some(250.0),
            messages: 4,
            tokens: 900,
            cost_usd: 0.5,
            uptime: None,
        }
    }

    /// A report as the server sends it, read back as the page decodes it.
    pub(in crate::analytics::view) fn report() -> Report {
        let point =
            |start, label: &str, calls, messages, approved, rejected, roles: &[(&str, i64)]| {
                Point {
                    start,
                    label: label.into(),
                    calls,
                    errors: calls / 4,
                    error_rate: 0.25,
                    messages,
                    approved,
                    rejected,
                    by_role: roles
                        .iter()
                        .map(|(r, n)| ((*r).to_owned(), *n))
                        .collect::<BTreeMap<_, _>>(),
                    ..Point::default()
                }
            };
        let sent = Report {
            period: PeriodInfo {
                kind: "week".into(),
                from: "2026-11-25".into(),
                to: "2026-11-26".into(),
                tz: "UTC".into(),
                bucket: "day".into(),
                start: 0,
                end: 1,
            },
            totals: Totals {
                agent_calls: 12,
                errors: 3,
                error_rate: 0.25,
                avg_response_ms: Some(301.6),
                tool_runs: 4,
                approved: 2,
                rejected: 1,
                approval_rate: Some(0.6667),
                conversations: 2,
                messages: 7,
                messages_per_conversation: Some(3.5),
                tokens: 12345,
                cost_usd: 0.054,
                unpriced_tokens: 0,
                tokens_per_conversation: Some(6172.5),
                uptime: None,
                peak_hour: Some(9),
            },
            series: vec![
                point(0, "2026-11-25", 4, 3, 0, 0, &[("coder", 4)]),
                point(
                    1,
                    "2026-11-26",
                    8,
                    4,
                    2,
                    1,
                    &[("coder", 6), ("reviewer", 2)],
                ),
            ],
            roles: vec!["coder".into(), "reviewer".into()],
            agents: vec![agent("a1", 12, 3)],
            top: Top {
                most_used: vec![agent("a1", 12, 3)],
                error_rate: vec![agent("a1", 12, 3)],
                performance: vec![],
            },
            models: vec![],
            generated_at: 5,
        };
        let text = serde_json::to_string(&sent).unwrap();
        let read: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(read, sent, "the page reads the report the server writes");
        read
    }

    #[test]
    fn the_cards_show_every_total() {
        let report = report();
        let cards = cards(&report.totals, &Locale::default());
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
        assert!(!is_empty(&report.totals));
        assert!(is_empty(&Totals::default()));
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
        let most = top(&report.top.most_used, Ranking::MostUsed);
        assert_eq!(
            most,
            [[
                "a1".to_owned(),
                "agent a1".into(),
                "coder".into(),
                "12 calls, 4 messages".into()
            ]]
        );
        assert_eq!(
            top(&report.top.error_rate, Ranking::ErrorRate)[0][3],
            "25% (3 of 12)"
        );
        assert_eq!(
            top(&report.top.most_used, Ranking::Performance)[0][3],
            "250 ms"
        );
        assert!(top(&report.top.performance, Ranking::Performance).is_empty());
    }
}
