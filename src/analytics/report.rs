//! The analytics report: rollup rows folded into totals, a time series, per-agent figures and
//! the top agents, for the buckets of a [`super::period::Window`]. Pure: the store reads the
//! rows, this adds them up.

use super::period::Window;
use super::{ratio, Counts, Prices, HOUR_MS};
use crate::audit::export::write_safe_record;
use std::collections::HashMap;

/// How many agents each top list shows.
pub const TOP: usize = 5;
/// Calls an agent needs in the period to be ranked by error rate or response time.
pub const RANKED_FROM_CALLS: i64 = 5;

/// One rollup row: an agent's counts for one model in one hour or UTC day.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The agent.
    pub agent_id: String,
    /// The model (empty for counts without one: tool runs, heartbeats).
    pub model: String,
    /// The hour's or day's start (ms).
    pub at: i64,
    /// What happened in it.
    pub counts: Counts,
}

/// What the report needs to know of an agent.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentInfo {
    /// Its name.
    pub name: String,
    /// Its role (the "type" charts group by).
    pub role: String,
    /// When it was registered (ms).
    pub created_at: i64,
    /// When its token was revoked, if it was.
    pub revoked_at: Option<i64>,
}

// The report's model (what the API sends and the page decodes) is shared with the browser.
pub use super::model::{AgentUsage, ModelUsage, PeriodInfo, Point, Report, Top, Totals};

/// Everything [`fold`] reads besides the rows.
pub struct Inputs<'a> {
    /// The period and its buckets.
    pub window: &'a Window,
    /// The workspace's agents by id.
    pub agents: &'a HashMap<String, AgentInfo>,
    /// The price table.
    pub prices: &'a Prices,
    /// Calls and messages by hour of the day in the period's zone.
    pub by_hour_of_day: [i64; 24],
    /// The clock (ms).
    pub now: i64,
}

/// Adds the rows up into the report.
pub fn fold(rows: &[Row], inputs: &Inputs<'_>) -> Report {
    let window = inputs.window;
    let mut series: Vec<Point> = window
        .starts
        .iter()
        .zip(&window.labels)
        .map(|(&start, label)| Point {
            start,
            label: label.clone(),
            ..Point::default()
        })
        .collect();
    let mut buckets = vec![(Counts::default(), 0.0); series.len()];
    let mut total = Counts::default();
    let mut cost = 0.0;
    let mut unpriced = 0;
    let mut per_agent: HashMap<&str, (Counts, f64)> = HashMap::new();
    let mut per_model: HashMap<&str, Counts> = HashMap::new();
    let mut roles = std::collections::BTreeSet::new();
    for row in rows {
        let Some(bucket) = window.bucket_of(row.at) else {
            continue;
        };
        let role = role_of(inputs.agents, &row.agent_id);
        let counts = &row.counts;
        if counts.calls > 0 {
            *series[bucket].by_role.entry(role.to_owned()).or_default() += counts.calls;
            roles.insert(role.to_owned());
        }
        total.add(counts);
        let row_cost = match inputs.prices.cost(&row.model, counts.tokens) {
            Some(cost) => cost,
            None => {
                unpriced += counts.tokens;
                0.0
            }
        };
        cost += row_cost;
        buckets[bucket].0.add(counts);
        buckets[bucket].1 += row_cost;
        let agent = per_agent.entry(&row.agent_id).or_default();
        agent.0.add(counts);
        agent.1 += row_cost;
        if !row.model.is_empty() {
            per_model.entry(&row.model).or_default().add(counts);
        }
    }
    for (point, (counts, cost)) in series.iter_mut().zip(buckets) {
        point.calls = counts.calls;
        point.errors = counts.errors;
        point.error_rate = counts.error_rate();
        point.avg_response_ms = counts.avg_response_ms();
        point.messages = counts.messages;
        point.conversations = counts.conversations;
        point.tool_runs = counts.tool_runs;
        point.approved = counts.approved;
        point.rejected = counts.rejected;
        point.approval_rate = counts.approval_rate();
        point.tokens = counts.tokens;
        point.cost_usd = cost;
    }

    let mut possible_total = 0;
    let mut agents: Vec<AgentUsage> = per_agent
        .into_iter()
        .map(|(id, (counts, cost))| {
            let possible = possible_hours(inputs.agents.get(id), window, inputs.now);
            possible_total += possible;
            let info = inputs.agents.get(id);
            AgentUsage {
                agent_id: id.to_owned(),
                name: info.map_or_else(|| id.to_owned(), |info| info.name.clone()),
                role: role_of(inputs.agents, id).to_owned(),
                calls: counts.calls,
                errors: counts.errors,
                error_rate: counts.error_rate(),
                avg_response_ms: counts.avg_response_ms(),
                messages: counts.messages,
                tokens: counts.tokens,
                cost_usd: cost,
                uptime: ratio(counts.up_hours.min(possible), possible),
            }
        })
        .collect();
    // Agents registered in the period but silent in it still count against uptime.
    for (id, info) in inputs.agents {
        if !agents.iter().any(|agent| &agent.agent_id == id) {
            possible_total += possible_hours(Some(info), window, inputs.now);
        }
    }
    agents.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));

    let peak_hour = inputs
        .by_hour_of_day
        .iter()
        .enumerate()
        .filter(|(_, &used)| used > 0)
        .max_by(|(ha, a), (hb, b)| a.cmp(b).then(hb.cmp(ha)))
        .map(|(hour, _)| hour as u8);
    let totals = Totals {
        agent_calls: total.calls,
        errors: total.errors,
        error_rate: total.error_rate(),
        avg_response_ms: total.avg_response_ms(),
        tool_runs: total.tool_runs,
        approved: total.approved,
        rejected: total.rejected,
        approval_rate: total.approval_rate(),
        conversations: total.conversations,
        messages: total.messages,
        messages_per_conversation: ratio(total.messages, total.conversations),
        tokens: total.tokens,
        cost_usd: cost,
        unpriced_tokens: unpriced,
        tokens_per_conversation: ratio(total.tokens, total.conversations),
        uptime: ratio(total.up_hours.min(possible_total), possible_total),
        peak_hour,
    };
    let mut models: Vec<ModelUsage> = per_model
        .into_iter()
        .map(|(model, counts)| ModelUsage {
            model: model.to_owned(),
            calls: counts.calls,
            errors: counts.errors,
            avg_response_ms: counts.avg_response_ms(),
            messages: counts.messages,
            tokens: counts.tokens,
            cost_usd: inputs.prices.cost(model, counts.tokens),
        })
        .collect();
    models.sort_by(|a, b| b.tokens.cmp(&a.tokens).then_with(|| a.model.cmp(&b.model)));
    Report {
        period: window.info(),
        models,
        totals,
        series,
        roles: roles.into_iter().collect(),
        top: top(&agents),
        agents,
        generated_at: inputs.now,
    }
}

/// The report as CSV (each cell spreadsheet-safe, as every CSV export is): a row per bucket, then a `total` row (rates as fractions, empty where
/// there is nothing to divide by; times in UTC, RFC 3339).
pub fn to_csv(report: &Report) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    write_safe_record(
        &mut out,
        [
            "bucket",
            "start",
            "calls",
            "errors",
            "error_rate",
            "avg_response_ms",
            "tool_runs",
            "approved",
            "rejected",
            "approval_rate",
            "conversations",
            "messages",
            "tokens",
            "cost_usd",
        ],
    )?;
    let maybe = |value: Option<f64>, places: usize| {
        value.map_or_else(String::new, |value| format!("{value:.places$}"))
    };
    let start = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |ts| ts.to_string())
    };
    let label = |point: &Point| match report.period.bucket.as_str() {
        "hour" => format!("{} {}", report.period.from, point.label),
        _ => point.label.clone(),
    };
    for point in &report.series {
        write_safe_record(
            &mut out,
            [
                label(point),
                start(point.start),
                point.calls.to_string(),
                point.errors.to_string(),
                format!("{:.4}", point.error_rate),
                maybe(point.avg_response_ms, 1),
                point.tool_runs.to_string(),
                point.approved.to_string(),
                point.rejected.to_string(),
                maybe(point.approval_rate, 4),
                point.conversations.to_string(),
                point.messages.to_string(),
                point.tokens.to_string(),
                format!("{:.4}", point.cost_usd),
            ],
        )?;
    }
    let t = &report.totals;
    write_safe_record(
        &mut out,
        [
            "total".to_owned(),
            start(report.period.start),
            t.agent_calls.to_string(),
            t.errors.to_string(),
            format!("{:.4}", t.error_rate),
            maybe(t.avg_response_ms, 1),
            t.tool_runs.to_string(),
            t.approved.to_string(),
            t.rejected.to_string(),
            maybe(t.approval_rate, 4),
            t.conversations.to_string(),
            t.messages.to_string(),
            t.tokens.to_string(),
            format!("{:.4}", t.cost_usd),
        ],
    )?;
    Ok(String::from_utf8(out.into_inner()?)?)
}

fn role_of<'a>(agents: &'a HashMap<String, AgentInfo>, id: &str) -> &'a str {
    agents.get(id).map_or("unknown", |info| info.role.as_str())
}

/// The whole hours of the window in which the agent was registered and not revoked, up to now.
fn possible_hours(info: Option<&AgentInfo>, window: &Window, now: i64) -> i64 {
    let Some(info) = info else { return 0 };
    let from = window
        .start()
        .max(info.created_at - info.created_at.rem_euclid(HOUR_MS));
    let until = window
        .end
        .min(now - now.rem_euclid(HOUR_MS) + HOUR_MS)
        .min(info.revoked_at.unwrap_or(i64::MAX));
    ((until - from).max(0) + HOUR_MS - 1) / HOUR_MS
}

fn top(agents: &[AgentUsage]) -> Top {
    let mut most_used: Vec<AgentUsage> = agents
        .iter()
        .filter(|a| a.calls + a.messages > 0)
        .cloned()
        .collect();
    most_used.sort_by(|a, b| {
        (b.calls + b.messages)
            .cmp(&(a.calls + a.messages))
            .then_with(|| a.name.cmp(&b.name))
    });
    let ranked = || {
        agents
            .iter()
            .filter(|a| a.calls >= RANKED_FROM_CALLS)
            .cloned()
    };
    let mut error_rate: Vec<AgentUsage> = ranked().collect();
    error_rate.sort_by(|a, b| {
        b.error_rate
            .total_cmp(&a.error_rate)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut performance: Vec<AgentUsage> =
        ranked().filter(|a| a.avg_response_ms.is_some()).collect();
    performance.sort_by(|a, b| {
        let (ma, mb) = (
            a.avg_response_ms.unwrap_or(0.0),
            b.avg_response_ms.unwrap_or(0.0),
        );
        ma.total_cmp(&mb)
            .then(a.error_rate.total_cmp(&b.error_rate))
            .then_with(|| a.name.cmp(&b.name))
    });
    for list in [&mut most_used, &mut error_rate, &mut performance] {
        list.truncate(TOP);
    }
    Top {
        most_used,
        error_rate,
        performance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::period::{Kind, Window};

    const T0: i64 = 1_795_000_000_000 - 1_795_000_000_000 % super::super::DAY_MS;

    fn window() -> Window {
        Window::resolve(
            Kind::Week,
            None,
            None,
            "UTC",
            T0 + 6 * super::super::DAY_MS + 5,
        )
        .unwrap()
    }

    fn row(agent: &str, model: &str, day: i64, counts: Counts) -> Row {
        Row {
            agent_id: agent.into(),
            model: model.into(),
            at: T0 + day * super::super::DAY_MS + 3 * HOUR_MS,
            counts,
        }
    }

    fn agents() -> HashMap<String, AgentInfo> {
        let info = |name: &str, role: &str| AgentInfo {
            name: name.into(),
            role: role.into(),
            created_at: T0,
            revoked_at: None,
        };
        HashMap::from([
            ("a".to_owned(), info("alpha", "coder")),
            ("b".to_owned(), info("beta", "reviewer")),
        ])
    }

    #[test]
    fn rows_fold_into_totals_series_and_rankings() {
        let calls = |calls, errors, latency| Counts {
            calls,
            errors,
            latency_sum: latency * calls,
            latency_n: calls,
            tokens: 1_000_000,
            ..Counts::default()
        };
        let rows = vec![
            row("a", "gpt-4o", 0, calls(10, 1, 200)),
            row("a", "mystery", 1, calls(10, 0, 400)),
            row("b", "gpt-4o", 1, calls(5, 5, 100)),
            row(
                "b",
                "",
                2,
                Counts {
                    tool_runs: 4,
                    approved: 3,
                    rejected: 1,
                    messages: 6,
                    conversations: 2,
                    up_hours: 24,
                    ..Counts::default()
                },
            ),
            // Outside the window: ignored.
            row("a", "gpt-4o", 9, calls(100, 0, 1)),
        ];
        let window = window();
        let agents = agents();
        let prices = Prices::parse("gpt-4o=2").unwrap();
        let mut by_hour = [0; 24];
        by_hour[3] = 31;
        by_hour[4] = 31;
        let report = fold(
            &rows,
            &Inputs {
                window: &window,
                agents: &agents,
                prices: &prices,
                by_hour_of_day: by_hour,
                now: window.end - 1,
            },
        );
        let t = &report.totals;
        assert_eq!((t.agent_calls, t.errors), (25, 6));
        assert!((t.error_rate - 0.24).abs() < 1e-12);
        assert_eq!(t.avg_response_ms, Some((2000.0 + 4000.0 + 500.0) / 25.0));
        assert_eq!((t.tool_runs, t.approved, t.rejected), (4, 3, 1));
        assert_eq!(t.approval_rate, Some(0.75));
        assert_eq!(t.messages_per_conversation, Some(3.0));
        assert_eq!(t.tokens, 3_000_000);
        assert_eq!(t.cost_usd, 4.0);
        assert_eq!(t.unpriced_tokens, 1_000_000);
        assert_eq!(t.tokens_per_conversation, Some(1_500_000.0));
        // Two agents over 7 days of 24 hours; 24 of those hours had a heartbeat.
        assert_eq!(t.uptime, Some(24.0 / (2.0 * 7.0 * 24.0)));
        assert_eq!(t.peak_hour, Some(3), "ties go to the earlier hour");

        assert_eq!(report.series.len(), 7);
        assert_eq!(report.series[1].calls, 15);
        assert_eq!(report.series[1].by_role["coder"], 10);
        assert_eq!(report.series[1].by_role["reviewer"], 5);
        assert_eq!(report.series[1].error_rate, 5.0 / 15.0);
        assert_eq!(report.series[2].approved, 3);
        assert_eq!(report.roles, ["coder", "reviewer"]);

        assert_eq!(report.series[1].avg_response_ms, Some(4500.0 / 15.0));
        assert_eq!(report.series[0].cost_usd, 2.0);

        let csv = to_csv(&report).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 7 + 1);
        assert!(lines[0].starts_with("bucket,start,calls,errors,error_rate"));
        assert!(
            lines[3].starts_with(&format!("{},", report.series[2].label)),
            "{}",
            lines[3]
        );
        assert!(
            lines[3].contains(",4,3,1,0.7500,2,6,0,0.0000"),
            "{}",
            lines[3]
        );
        assert!(lines[8].starts_with("total,"));
        assert!(lines[8].contains(",25,6,0.2400,260.0,"), "{}", lines[8]);

        assert_eq!(report.agents[0].name, "alpha");
        assert_eq!(report.agents[0].cost_usd, 2.0);
        assert_eq!(report.top.most_used[0].name, "alpha");
        assert_eq!(report.top.error_rate[0].name, "beta");
        assert_eq!(report.top.performance[0].name, "beta");
        assert_eq!(report.top.performance[1].name, "alpha");
    }

    #[test]
    fn an_empty_period_has_zeros_and_no_rates() {
        let window = window();
        let report = fold(
            &[],
            &Inputs {
                window: &window,
                agents: &HashMap::new(),
                prices: &Prices::default(),
                by_hour_of_day: [0; 24],
                now: window.end,
            },
        );
        assert_eq!(report.totals.agent_calls, 0);
        assert_eq!(report.totals.approval_rate, None);
        assert_eq!(report.totals.uptime, None);
        assert_eq!(report.totals.peak_hour, None);
        assert_eq!(report.series.len(), 7);
        assert!(report.agents.is_empty() && report.top.most_used.is_empty());

        // Every cell is spreadsheet-safe, whatever a label holds.
        let mut report = report;
        report.series[0].label = "=1+1".into();
        let csv = to_csv(&report).unwrap();
        assert!(csv.lines().nth(1).unwrap().starts_with("'=1+1,"), "{csv}");
    }
}
