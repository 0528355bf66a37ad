//! Scheduled exports: with auto export on (Settings → Export), every instance checks every ten
//! minutes whether the workspace's last whole UTC day (daily) or Monday-to-Sunday week (weekly)
//! has its report in the chosen format, and makes it if not. The table's unique key lets
//! exactly one instance keep it.

use super::period::{Kind, Window};
use super::report::to_csv;
use super::store::build_report;
use super::Prices;
use crate::records::{now_ms, Records};
use crate::settings::{ExportFormat, ExportSchedule};
use crate::state::AppState;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::time::Duration;

/// How often the schedule is checked.
pub const EVERY: Duration = Duration::from_secs(600);

/// Checks the schedule now and every [`EVERY`], for as long as the server runs.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match run_all(&state.records, &state.config.model_prices, now_ms()).await {
            Ok(0) => {}
            Ok(created) => tracing::info!(created, "scheduled analytics exports written"),
            Err(err) => tracing::warn!("scheduled exports failed (next try in 10 min): {err:#}"),
        }
    }
}

/// Every workspace's due reports at `at`; how many were made.
pub async fn run_all(records: &Records, prices: &Prices, at: i64) -> anyhow::Result<usize> {
    let mut created = 0;
    for workspace_id in records.workspace_ids().await? {
        created += run_workspace(records, prices, &workspace_id, at).await?;
    }
    Ok(created)
}

/// The workspace's due report at `at`, if auto export is on and it is not made yet (0 or 1).
pub async fn run_workspace(
    records: &Records,
    prices: &Prices,
    workspace_id: &str,
    at: i64,
) -> anyhow::Result<usize> {
    let export = records.workspace_settings(workspace_id).await?.export;
    if !export.auto_export {
        return Ok(0);
    }
    let (schedule, format) = (
        schedule_name(export.schedule),
        format_name(export.default_format),
    );
    let (first, last) = due(export.schedule, at)?;
    let from = first.to_string();
    if records
        .has_export(workspace_id, schedule, &from, format)
        .await?
    {
        return Ok(0);
    }
    let window = Window::of_days(Kind::Custom, first, last, TimeZone::UTC, "UTC")?;
    let report = build_report(records, prices, workspace_id, &window, at).await?;
    let content = match export.default_format {
        ExportFormat::Csv => to_csv(&report)?,
        ExportFormat::Json => serde_json::to_string_pretty(&report)?,
    };
    let kept = records
        .save_export(
            workspace_id,
            schedule,
            (&from, &last.to_string()),
            format,
            &content,
        )
        .await?;
    Ok(usize::from(kept))
}

fn schedule_name(schedule: ExportSchedule) -> &'static str {
    match schedule {
        ExportSchedule::Daily => "daily",
        ExportSchedule::Weekly => "weekly",
    }
}

fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    }
}

/// The last whole period before `at` (UTC): yesterday, or last Monday-to-Sunday week.
pub fn due(schedule: ExportSchedule, at: i64) -> anyhow::Result<(Date, Date)> {
    let today = Timestamp::from_millisecond(at)?
        .to_zoned(TimeZone::UTC)
        .date();
    Ok(match schedule {
        ExportSchedule::Daily => {
            let yesterday = today.yesterday()?;
            (yesterday, yesterday)
        }
        ExportSchedule::Weekly => {
            let monday =
                today.checked_sub(i32::from(today.weekday().to_monday_zero_offset()).days())?;
            (monday.checked_sub(7.days())?, monday.yesterday()?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wednesday 2026-11-25, 08:00 UTC.
    const WEDNESDAY: i64 = 1_795_593_600_000;

    #[test]
    fn the_due_period_is_the_last_whole_one() {
        let show = |(a, b): (Date, Date)| (a.to_string(), b.to_string());
        assert_eq!(
            show(due(ExportSchedule::Daily, WEDNESDAY).unwrap()),
            ("2026-11-24".into(), "2026-11-24".into())
        );
        assert_eq!(
            show(due(ExportSchedule::Weekly, WEDNESDAY).unwrap()),
            ("2026-11-16".into(), "2026-11-22".into())
        );
        // On a Monday, the week that just ended.
        let monday = WEDNESDAY - 2 * 24 * 3_600_000;
        assert_eq!(
            show(due(ExportSchedule::Weekly, monday).unwrap()),
            ("2026-11-16".into(), "2026-11-22".into())
        );
    }
}
