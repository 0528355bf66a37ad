//! Usage events and their rollups in the records database. A batch of events is stored as sent
//! and added to the hourly and daily rollups in one transaction, so the rollups never disagree
//! with the events; approvals and heartbeats add to the rollups only. Reports read the daily
//! rollup when the period's days are UTC days, else the hourly one, never the events.

use super::period::Window;
use super::report::{fold, AgentInfo, Inputs, Report, Row};
use super::{Counts, UsageEvent, DAY_MS, HOUR_MS};
use crate::on_pool;
use crate::records::{new_id, now_ms, Pool, Records};
use anyhow::Context;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The last hour this instance counted each agent up in, by (workspace, agent): the first
/// heartbeat of an hour writes, the rest of that hour's are answered from here. (Other instances
/// keep their own; the rollup's conditional write still counts each hour once.)
#[derive(Clone, Debug, Default)]
pub struct UpHours(Arc<Mutex<HashMap<(String, String), i64>>>);

impl UpHours {
    /// Whether `at`'s hour is new for the agent here (and remembers it).
    pub fn first_in_hour(&self, workspace_id: &str, agent_id: &str, at: i64) -> bool {
        let hour = Rollup::Hourly.floor(at);
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (workspace_id.to_owned(), agent_id.to_owned());
        seen.insert(key, hour) != Some(hour)
    }

    /// Forgets an hour that could not be written, so the next heartbeat tries again.
    pub fn forget(&self, workspace_id: &str, agent_id: &str) {
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        seen.remove(&(workspace_id.to_owned(), agent_id.to_owned()));
    }
}

/// The rollups' count columns, in [`Counts`]' order.
const COLUMNS: [&str; 11] = [
    "calls",
    "errors",
    "latency_sum",
    "latency_n",
    "messages",
    "conversations",
    "tokens",
    "tool_runs",
    "approved",
    "rejected",
    "up_hours",
];

fn values(c: &Counts) -> [i64; 11] {
    [
        c.calls,
        c.errors,
        c.latency_sum,
        c.latency_n,
        c.messages,
        c.conversations,
        c.tokens,
        c.tool_runs,
        c.approved,
        c.rejected,
        c.up_hours,
    ]
}

/// Rows of an upsert statement at most (15 parameters each, well under both databases' limits).
const UPSERT_CHUNK: usize = 500;
/// Rows of an insert statement at most. Small: on SQLite a statement's time grows faster than
/// its rows (measured with `benches/otlp.rs`: 448 events in one statement ~35 ms, in statements
/// of 16 rows ~13 ms).
const INSERT_CHUNK: usize = 16;

/// A rollup table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rollup {
    Hourly,
    Daily,
}

impl Rollup {
    fn table(self) -> &'static str {
        match self {
            Self::Hourly => "usage_hourly",
            Self::Daily => "usage_daily",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Self::Hourly => "hour",
            Self::Daily => "day",
        }
    }

    /// The start of the hour or UTC day holding `at`.
    fn floor(self, at: i64) -> i64 {
        let span = match self {
            Self::Hourly => HOUR_MS,
            Self::Daily => DAY_MS,
        };
        at - at.rem_euclid(span)
    }

    /// `INSERT … ON CONFLICT DO UPDATE` adding `rows` rows of counts.
    fn upsert(self, rows: usize) -> String {
        let (table, column) = (self.table(), self.column());
        let width = 4 + COLUMNS.len();
        let tuples: Vec<String> = (0..rows)
            .map(|row| {
                let marks: Vec<String> = (1..=width)
                    .map(|i| format!("${}", row * width + i))
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let adds: Vec<String> = COLUMNS
            .iter()
            .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO {table} (workspace_id, agent_id, model, {column}, {}) VALUES {} \
             ON CONFLICT (workspace_id, {column}, agent_id, model) DO UPDATE SET {}",
            COLUMNS.join(", "),
            tuples.join(", "),
            adds.join(", ")
        )
    }
}

/// Counts keyed by agent, model and the start of their hour or day; ordered, so that concurrent
/// transactions upsert rollup rows in the same order (PostgreSQL would otherwise deadlock them).
type Groups = BTreeMap<(String, String, i64), Counts>;

fn group(groups: &mut Groups, rollup: Rollup, agent: &str, model: &str, at: i64, c: &Counts) {
    groups
        .entry((agent.to_owned(), model.to_owned(), rollup.floor(at)))
        .or_default()
        .add(c);
}

#[derive(sqlx::FromRow)]
struct RollupRow {
    agent_id: String,
    model: String,
    at: i64,
    calls: i64,
    errors: i64,
    latency_sum: i64,
    latency_n: i64,
    messages: i64,
    conversations: i64,
    tokens: i64,
    tool_runs: i64,
    approved: i64,
    rejected: i64,
    up_hours: i64,
}

impl RollupRow {
    fn row(self) -> Row {
        Row {
            agent_id: self.agent_id,
            model: self.model,
            at: self.at,
            counts: Counts {
                calls: self.calls,
                errors: self.errors,
                latency_sum: self.latency_sum,
                latency_n: self.latency_n,
                messages: self.messages,
                conversations: self.conversations,
                tokens: self.tokens,
                tool_runs: self.tool_runs,
                approved: self.approved,
                rejected: self.rejected,
                up_hours: self.up_hours,
            },
        }
    }
}

pub use super::model::ExportInfo;

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: String,
    schedule: String,
    day_from: String,
    day_to: String,
    format: String,
    created_at: i64,
    bytes: i64,
}

impl ExportRow {
    fn info(self) -> ExportInfo {
        ExportInfo {
            id: self.id,
            schedule: self.schedule,
            from: self.day_from,
            to: self.day_to,
            format: self.format,
            created_at: self.created_at,
            bytes: self.bytes,
        }
    }
}

const EXPORT_COLUMNS: &str =
    "id, schedule, day_from, day_to, format, created_at, CAST(LENGTH(content) AS BIGINT) AS bytes";

/// Adds groups to a rollup inside the caller's transaction.
macro_rules! upsert_groups {
    ($tx:expr, $rollup:expr, $workspace:expr, $groups:expr) => {{
        let groups: Vec<_> = $groups.iter().collect();
        for chunk in groups.chunks(UPSERT_CHUNK) {
            let sql = $rollup.upsert(chunk.len());
            let mut query = sqlx::query(&sql);
            for ((agent, model, at), counts) in chunk {
                query = query.bind($workspace).bind(agent).bind(model).bind(*at);
                for value in values(counts) {
                    query = query.bind(value);
                }
            }
            query.execute(&mut *$tx).await?;
        }
    }};
}

/// The report of a window for a workspace, from the rollups.
pub async fn build_report(
    records: &Records,
    prices: &super::Prices,
    workspace_id: &str,
    window: &Window,
    now: i64,
) -> anyhow::Result<Report> {
    let (rows, by_hour_of_day) = records.usage_rows(workspace_id, window).await?;
    let agents = records.usage_agents(workspace_id).await?;
    Ok(fold(
        &rows,
        &Inputs {
            window,
            agents: &agents,
            prices,
            by_hour_of_day,
            now,
        },
    ))
}

impl Records {
    /// Stores an agent's events and adds them to the rollups, in one transaction. `events` are
    /// validated; those without a time happened `now`.
    pub async fn record_usage(
        &self,
        workspace_id: &str,
        agent_id: &str,
        events: &[UsageEvent],
        now: i64,
    ) -> anyhow::Result<()> {
        self.record(workspace_id, agent_id, events, None, now)
            .await
            .map(drop)
    }

    /// Like [`Records::record_usage`] for events that each carry a key unique in the workspace
    /// (an OpenTelemetry span's trace and span id, `keys[i]` for `events[i]`): an event whose
    /// key is stored already (an exporter's retry), or repeated in the batch, is skipped.
    /// Returns how many events were new.
    pub async fn record_usage_once(
        &self,
        workspace_id: &str,
        agent_id: &str,
        events: &[UsageEvent],
        keys: &[String],
        now: i64,
    ) -> anyhow::Result<usize> {
        anyhow::ensure!(keys.len() == events.len(), "one key per event");
        self.record(workspace_id, agent_id, events, Some(keys), now)
            .await
    }

    async fn record(
        &self,
        workspace_id: &str,
        agent_id: &str,
        events: &[UsageEvent],
        keys: Option<&[String]>,
        now: i64,
    ) -> anyhow::Result<usize> {
        let at = |event: &UsageEvent| event.at.unwrap_or(now);
        let width = if keys.is_some() { 11 } else { 10 };
        let insert_events = |rows: usize| {
            let tuples: Vec<String> = (0..rows)
                .map(|row| {
                    let marks: Vec<String> = (1..=width)
                        .map(|i| format!("${}", row * width + i))
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            let (column, conflict) = if keys.is_some() {
                (
                    ", span_key",
                    " ON CONFLICT (workspace_id, span_key) DO NOTHING RETURNING span_key",
                )
            } else {
                ("", "")
            };
            format!(
                "INSERT INTO usage_events (workspace_id, agent_id, kind, at, model, tokens, \
                 latency_ms, error, conversation_id, received_at{column}) VALUES {}{conflict}",
                tuples.join(", ")
            )
        };
        let insert_conversations = |rows: usize| {
            let tuples: Vec<String> = (0..rows)
                .map(|row| {
                    format!(
                        "(${}, ${}, ${}, ${})",
                        row * 4 + 1,
                        row * 4 + 2,
                        row * 4 + 3,
                        row * 4 + 4
                    )
                })
                .collect();
            format!(
                "INSERT INTO usage_conversations (workspace_id, conversation_id, agent_id, \
                 started_at) VALUES {} ON CONFLICT DO NOTHING RETURNING conversation_id",
                tuples.join(", ")
            )
        };
        macro_rules! record {
            ($pool:expr) => {{
                let mut tx = $pool.begin().await?;
                // The events to count: all of them, or those whose key was new.
                let mut kept: Vec<&UsageEvent> = Vec::with_capacity(events.len());
                for (n, chunk) in events.chunks(INSERT_CHUNK).enumerate() {
                    let sql = insert_events(chunk.len());
                    macro_rules! bind_events {
                        ($query:expr) => {{
                            let mut query = $query;
                            for (i, event) in chunk.iter().enumerate() {
                                query = query
                                    .bind(workspace_id)
                                    .bind(agent_id)
                                    .bind(event.kind.as_str())
                                    .bind(at(event))
                                    .bind(event.model.as_deref().unwrap_or(""))
                                    .bind(event.tokens as i64)
                                    .bind(event.latency_ms.map(|ms| ms as i64))
                                    .bind(event.error)
                                    .bind(event.conversation_id.as_deref())
                                    .bind(now);
                                if let Some(keys) = keys {
                                    query = query.bind(&keys[n * INSERT_CHUNK + i]);
                                }
                            }
                            query
                        }};
                    }
                    match keys {
                        None => {
                            bind_events!(sqlx::query(&sql)).execute(&mut *tx).await?;
                            kept.extend(chunk);
                        }
                        Some(keys) => {
                            let mut new: HashSet<String> =
                                bind_events!(sqlx::query_scalar::<_, String>(&sql))
                                    .fetch_all(&mut *tx)
                                    .await?
                                    .into_iter()
                                    .collect();
                            let chunk_keys = &keys[n * INSERT_CHUNK..];
                            kept.extend(
                                chunk
                                    .iter()
                                    .zip(chunk_keys)
                                    .filter(|(_, key)| new.remove(key.as_str()))
                                    .map(|(event, _)| event),
                            );
                        }
                    }
                }
                // Each conversation's first event in the batch, in case the conversation is new.
                let mut first_of: HashMap<&str, usize> = HashMap::new();
                for (i, event) in kept.iter().enumerate() {
                    if let Some(id) = &event.conversation_id {
                        first_of.entry(id.as_str()).or_insert(i);
                    }
                }
                // Sorted, for the same reason as the rollups' rows.
                let mut firsts: Vec<(&str, usize)> =
                    first_of.iter().map(|(id, i)| (*id, *i)).collect();
                firsts.sort_unstable();
                let mut started: HashSet<String> = HashSet::new();
                for chunk in firsts.chunks(INSERT_CHUNK) {
                    let sql = insert_conversations(chunk.len());
                    let mut query = sqlx::query_scalar::<_, String>(&sql);
                    for (id, i) in chunk {
                        query = query
                            .bind(workspace_id)
                            .bind(*id)
                            .bind(agent_id)
                            .bind(at(kept[*i]));
                    }
                    started.extend(query.fetch_all(&mut *tx).await?);
                }
                let (mut hourly, mut daily) = (Groups::new(), Groups::new());
                for (i, event) in kept.iter().enumerate() {
                    let mut counts = Counts::of(event);
                    if let Some(id) = event.conversation_id.as_deref() {
                        let first = first_of.get(id) == Some(&i);
                        counts.conversations = i64::from(first && started.contains(id));
                    }
                    let model = event.model.as_deref().unwrap_or("");
                    group(
                        &mut hourly,
                        Rollup::Hourly,
                        agent_id,
                        model,
                        at(event),
                        &counts,
                    );
                    group(
                        &mut daily,
                        Rollup::Daily,
                        agent_id,
                        model,
                        at(event),
                        &counts,
                    );
                }
                upsert_groups!(tx, Rollup::Hourly, workspace_id, hourly);
                upsert_groups!(tx, Rollup::Daily, workspace_id, daily);
                tx.commit().await.map(|()| kept.len())
            }};
        }
        let recorded: Result<usize, sqlx::Error> = async {
            match self.pool() {
                Pool::Sqlite(pool) => record!(pool),
                Pool::Postgres(pool) => record!(pool),
            }
        }
        .await;
        recorded.context("storing usage events")
    }

    /// Adds counts without events (tool runs and their decisions) to an agent's rollups.
    pub async fn add_usage(
        &self,
        workspace_id: &str,
        agent_id: &str,
        at: i64,
        counts: &Counts,
    ) -> anyhow::Result<()> {
        let (mut hourly, mut daily) = (Groups::new(), Groups::new());
        group(&mut hourly, Rollup::Hourly, agent_id, "", at, counts);
        group(&mut daily, Rollup::Daily, agent_id, "", at, counts);
        let added: Result<(), sqlx::Error> = on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            upsert_groups!(tx, Rollup::Hourly, workspace_id, hourly);
            upsert_groups!(tx, Rollup::Daily, workspace_id, daily);
            tx.commit().await
        }
        .await);
        added.context("adding to the usage rollups")
    }

    /// Marks the hour of `at` as one the agent was up in (the first heartbeat of an hour also
    /// adds the hour to its day).
    pub async fn count_heartbeat(
        &self,
        workspace_id: &str,
        agent_id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        let hour = Rollup::Hourly.floor(at);
        let first = "INSERT INTO usage_hourly (workspace_id, agent_id, model, hour, up_hours) \
             VALUES ($1, $2, '', $3, 1) ON CONFLICT (workspace_id, hour, agent_id, model) \
             DO UPDATE SET up_hours = 1 WHERE usage_hourly.up_hours = 0";
        let day = "INSERT INTO usage_daily (workspace_id, agent_id, model, day, up_hours) \
             VALUES ($1, $2, '', $3, 1) ON CONFLICT (workspace_id, day, agent_id, model) \
             DO UPDATE SET up_hours = usage_daily.up_hours + 1";
        let counted: Result<(), sqlx::Error> = on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let new_hour = sqlx::query(first)
                .bind(workspace_id)
                .bind(agent_id)
                .bind(hour)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if new_hour {
                sqlx::query(day)
                    .bind(workspace_id)
                    .bind(agent_id)
                    .bind(Rollup::Daily.floor(at))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await);
        counted.context("counting a heartbeat")
    }

    /// The rollup rows of a window (daily when its days are UTC days, else hourly) and the calls
    /// and messages by hour of the day in the window's zone.
    pub async fn usage_rows(
        &self,
        workspace_id: &str,
        window: &Window,
    ) -> anyhow::Result<(Vec<Row>, [i64; 24])> {
        let rollup = if window.fits_daily_rollup() {
            Rollup::Daily
        } else {
            Rollup::Hourly
        };
        let (table, column) = (rollup.table(), rollup.column());
        let sql = format!(
            "SELECT agent_id, model, {column} AS at, {} FROM {table} \
             WHERE workspace_id = $1 AND {column} >= $2 AND {column} < $3 ORDER BY {column}",
            COLUMNS.join(", ")
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, RollupRow>(&sql)
                .bind(workspace_id)
                .bind(window.start())
                .bind(window.end)
                .fetch_all(pool)
                .await
        })
        .context("reading the usage rollup")?;
        let rows: Vec<Row> = rows.into_iter().map(RollupRow::row).collect();
        let mut by_hour = [0; 24];
        if rollup == Rollup::Hourly {
            let mut last = (i64::MIN, 0);
            for row in &rows {
                if row.at != last.0 {
                    last = (row.at, window.hour_of_day(row.at));
                }
                by_hour[last.1] += row.counts.calls + row.counts.messages;
            }
        } else {
            // UTC days: the zone's hours are UTC hours.
            let sql = "SELECT (hour / 3600000) % 24 AS h, CAST(SUM(calls + messages) AS BIGINT) \
                 FROM usage_hourly WHERE workspace_id = $1 AND hour >= $2 AND hour < $3 GROUP BY 1";
            let hours: Vec<(i64, i64)> = on_pool!(self, |pool| {
                sqlx::query_as(sql)
                    .bind(workspace_id)
                    .bind(window.start())
                    .bind(window.end)
                    .fetch_all(pool)
                    .await
            })
            .context("reading the usage by hour of day")?;
            for (hour, used) in hours {
                by_hour[hour.rem_euclid(24) as usize] += used;
            }
        }
        Ok((rows, by_hour))
    }

    /// The same rows counted from the stored events instead of the rollups, by UTC hour (calls,
    /// errors, response times, messages and tokens only). Slow on purpose: the benchmark's
    /// baseline, and the tests' check that the rollups agree with the events.
    pub async fn usage_rows_from_events(
        &self,
        workspace_id: &str,
        start: i64,
        end: i64,
    ) -> anyhow::Result<Vec<Row>> {
        let sql = "SELECT agent_id, model, (at / 3600000) * 3600000 AS at, \
             CAST(SUM(CASE WHEN kind = 'call' THEN 1 ELSE 0 END) AS BIGINT) AS calls, \
             CAST(SUM(CASE WHEN kind = 'call' AND error THEN 1 ELSE 0 END) AS BIGINT) AS errors, \
             CAST(COALESCE(SUM(latency_ms), 0) AS BIGINT) AS latency_sum, \
             CAST(COUNT(latency_ms) AS BIGINT) AS latency_n, \
             CAST(SUM(CASE WHEN kind = 'message' THEN 1 ELSE 0 END) AS BIGINT) AS messages, \
             CAST(0 AS BIGINT) AS conversations, CAST(SUM(tokens) AS BIGINT) AS tokens, \
             CAST(0 AS BIGINT) AS tool_runs, CAST(0 AS BIGINT) AS approved, \
             CAST(0 AS BIGINT) AS rejected, CAST(0 AS BIGINT) AS up_hours \
             FROM usage_events WHERE workspace_id = $1 AND at >= $2 AND at < $3 \
             GROUP BY 1, 2, 3 ORDER BY 3";
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, RollupRow>(sql)
                .bind(workspace_id)
                .bind(start)
                .bind(end)
                .fetch_all(pool)
                .await
        })
        .context("counting usage events")?;
        Ok(rows.into_iter().map(RollupRow::row).collect())
    }

    /// The workspace's agents, for names, roles and the hours they could have been up.
    pub async fn usage_agents(
        &self,
        workspace_id: &str,
    ) -> anyhow::Result<HashMap<String, AgentInfo>> {
        let rows: Vec<(String, String, String, i64, Option<i64>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, name, role, created_at, revoked_at FROM agents WHERE workspace_id = $1",
            )
            .bind(workspace_id)
            .fetch_all(pool)
            .await
        })
        .context("reading agents")?;
        Ok(rows
            .into_iter()
            .map(|(id, name, role, created_at, revoked_at)| {
                let info = AgentInfo {
                    name,
                    role,
                    created_at,
                    revoked_at,
                };
                (id, info)
            })
            .collect())
    }

    /// Whether the workspace has any usage events (the demo fleet backfills a fresh one).
    pub async fn has_usage(&self, workspace_id: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT seq FROM usage_events WHERE workspace_id = $1 LIMIT 1")
                .bind(workspace_id)
                .fetch_optional(pool)
                .await
        })
        .context("looking for usage events")?;
        Ok(found.is_some())
    }

    /// Every workspace's id (for the export schedule).
    pub async fn workspace_ids(&self) -> anyhow::Result<Vec<String>> {
        on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM workspaces ORDER BY id")
                .fetch_all(pool)
                .await
        })
        .context("listing workspaces")
    }

    /// Keeps a scheduled report unless one of the same period and format exists (another
    /// instance made it first); whether it was kept.
    pub async fn save_export(
        &self,
        workspace_id: &str,
        schedule: &str,
        days: (&str, &str),
        format: &str,
        content: &str,
    ) -> anyhow::Result<bool> {
        let sql = "INSERT INTO analytics_exports (id, workspace_id, schedule, day_from, day_to, \
             format, created_at, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (workspace_id, schedule, day_from, format) DO NOTHING";
        let id = new_id();
        let written = on_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(&id)
                .bind(workspace_id)
                .bind(schedule)
                .bind(days.0)
                .bind(days.1)
                .bind(format)
                .bind(now_ms())
                .bind(content)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .context("saving a scheduled export")?;
        Ok(written == 1)
    }

    /// Whether the report of this period and format was produced.
    pub async fn has_export(
        &self,
        workspace_id: &str,
        schedule: &str,
        day_from: &str,
        format: &str,
    ) -> anyhow::Result<bool> {
        let sql = "SELECT COUNT(*) FROM analytics_exports WHERE workspace_id = $1 \
             AND schedule = $2 AND day_from = $3 AND format = $4";
        let count: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(sql)
                .bind(workspace_id)
                .bind(schedule)
                .bind(day_from)
                .bind(format)
                .fetch_one(pool)
                .await
        })
        .context("looking for a scheduled export")?;
        Ok(count > 0)
    }

    /// The workspace's scheduled reports, newest first, at most `limit`.
    pub async fn analytics_exports(
        &self,
        workspace_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<ExportInfo>> {
        let sql = format!(
            "SELECT {EXPORT_COLUMNS} FROM analytics_exports WHERE workspace_id = $1 \
             ORDER BY created_at DESC, day_from DESC LIMIT $2"
        );
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ExportRow>(&sql)
                .bind(workspace_id)
                .bind(limit)
                .fetch_all(pool)
                .await
        })
        .context("listing scheduled exports")?;
        Ok(rows.into_iter().map(ExportRow::info).collect())
    }

    /// One scheduled report and its content.
    pub async fn analytics_export(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> anyhow::Result<Option<(ExportInfo, String)>> {
        let sql = format!(
            "SELECT {EXPORT_COLUMNS}, content FROM analytics_exports WHERE workspace_id = $1 AND id = $2"
        );
        #[derive(sqlx::FromRow)]
        struct WithContent {
            #[sqlx(flatten)]
            row: ExportRow,
            content: String,
        }
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, WithContent>(&sql)
                .bind(workspace_id)
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .context("reading a scheduled export")?;
        Ok(row.map(|row| (row.row.info(), row.content)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agents_hour_is_new_once() {
        let seen = UpHours::default();
        assert!(seen.first_in_hour("w", "a", 10 * HOUR_MS + 5));
        assert!(!seen.first_in_hour("w", "a", 10 * HOUR_MS + 3_000));
        assert!(seen.first_in_hour("w", "b", 10 * HOUR_MS + 3_000));
        assert!(seen.first_in_hour("w", "a", 11 * HOUR_MS));
        seen.forget("w", "a");
        assert!(seen.first_in_hour("w", "a", 11 * HOUR_MS + 1));
    }

    #[test]
    fn upserts_number_their_parameters_in_order() {
        let sql = Rollup::Daily.upsert(2);
        assert!(
            sql.starts_with("INSERT INTO usage_daily (workspace_id, agent_id, model, day, calls,")
        );
        assert!(sql
            .contains("($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15), ($16,"));
        assert!(sql.ends_with("up_hours = usage_daily.up_hours + excluded.up_hours"));
        assert_eq!(Rollup::Hourly.floor(2 * HOUR_MS + 5), 2 * HOUR_MS);
        assert_eq!(Rollup::Daily.floor(DAY_MS + 5), DAY_MS);
    }
}
