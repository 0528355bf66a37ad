//! Where the server keeps dashboard states, one per user and workspace: Redis when `REDIS_URL` is
//! set, else the records database. Both behave the same (one contract suite): a save names the
//! revision it was based on and is refused with the current copy when that is older than the
//! stored one; an accepted save gets the next revision; an untouched state expires after the TTL.

use crate::hot::Hot;
use crate::on_pool;
use crate::records::{now_ms, Records};
use anyhow::Context;
use std::time::Duration;

/// Whose state: the user and workspace, both from the session.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// The user's id.
    pub user_id: &'a str,
    /// The workspace's id.
    pub workspace_id: &'a str,
}

/// A stored state as kept: the JSON document (possibly of an older schema) and its revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// The revision of the last accepted write.
    pub revision: u64,
    /// The document.
    pub json: String,
    /// When it was written, in milliseconds since the Unix epoch.
    pub updated_at: i64,
}

/// How a save ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved {
    /// Written as this revision.
    Accepted {
        /// The new revision.
        revision: u64,
    },
    /// Refused: the save was based on an older revision than this stored copy.
    Stale(Stored),
}

/// The dashboard-state store.
#[derive(Clone, Debug)]
pub enum StateStore {
    /// The `dashboard_states` table.
    Sql {
        /// The records database.
        records: Records,
        /// How long an untouched state is kept.
        ttl: Duration,
    },
    /// Hashes under `prefix:state:<workspace>:<user>`, expiring by Redis.
    Redis {
        /// The connection.
        hot: Hot,
        /// How long an untouched state is kept.
        ttl: Duration,
    },
}

/// Reads the log between two scores (ARGV[1], ARGV[2]) with scores, or nil when the frames add
/// up to more than ARGV[3] bytes (nothing then leaves Redis).
const LOG_READ_SCRIPT: &str = r"
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local total = 0
for i = 1, #rows, 2 do
  total = total + #rows[i]
  if total > tonumber(ARGV[3]) then return false end
end
return rows
";

/// How many one-path edits each state's log keeps for clients catching up.
pub const LOG_LENGTH: u64 = 200;

/// Compare-and-set in one round trip: refuse a stale base, else write the next revision and
/// refresh the TTL. Returns `{1, revision}` or `{0, revision, json, updatedAt}`. With a change
/// (ARGV[5] `delta` or `full`, ARGV[6] and ARGV[7] the frame's text around the revision) it
/// logs a delta in KEYS[2] (a whole state starts the log again) and, given a channel (ARGV[8]),
/// publishes the frame, all in the same atomic step, so that frames go out in revision order
/// even when several instances write.
const SAVE_SCRIPT: &str = r"
local current = tonumber(redis.call('HGET', KEYS[1], 'revision') or '0')
local base = tonumber(ARGV[1])
if base < current then
  local kept = redis.call('HMGET', KEYS[1], 'json', 'updatedAt')
  return {0, current, kept[1], kept[2]}
end
local revision = math.max(base, current) + 1
redis.call('HSET', KEYS[1], 'revision', revision, 'json', ARGV[2], 'updatedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local text = ARGV[6] .. revision .. ARGV[7]
if ARGV[5] == 'delta' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], revision, '+inf')
  redis.call('ZADD', KEYS[2], revision, text)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[9]) + 1))
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
else
  redis.call('DEL', KEYS[2])
end
if ARGV[8] ~= '' and ARGV[5] ~= '' then
  redis.call('PUBLISH', ARGV[8], text)
end
return {1, revision, false, false}
";

/// The frame that tells a user's connections about a save: `before` + the new revision +
/// `after`. A store logs deltas for clients catching up; on Redis it also publishes the frame
/// on `channel` atomically with the save (the SQL store's callers publish in memory).
#[derive(Clone, Debug, Default)]
pub struct Change {
    /// A one-path edit (`state:sync`, logged) rather than a whole new state (`state:full`,
    /// which starts the log again).
    pub delta: bool,
    /// Text before the revision number.
    pub before: String,
    /// Text after it.
    pub after: String,
    /// The Redis channel to publish on, when messages go through Redis.
    pub channel: Option<String>,
}

impl Change {
    /// The frame as sent for `revision`.
    pub fn text(&self, revision: u64) -> String {
        format!("{}{revision}{}", self.before, self.after)
    }
}

impl StateStore {
    /// The store the configuration asks for.
    pub fn new(records: &Records, hot: Option<&Hot>, ttl: Duration) -> Self {
        match hot {
            Some(hot) => Self::Redis {
                hot: hot.clone(),
                ttl,
            },
            None => Self::Sql {
                records: records.clone(),
                ttl,
            },
        }
    }

    fn redis_key(hot: &Hot, scope: Scope<'_>, kind: &str) -> String {
        hot.key(&[kind, scope.workspace_id, scope.user_id])
    }

    /// The stored state, unless there is none or it expired.
    pub async fn load(&self, scope: Scope<'_>) -> anyhow::Result<Option<Stored>> {
        match self {
            Self::Sql { records, .. } => {
                let row = on_pool!(records, |pool| {
                    sqlx::query_as::<_, (i64, String, i64)>(
                        "SELECT revision, state, updated_at FROM dashboard_states \
                         WHERE user_id = $1 AND workspace_id = $2 AND expires_at > $3",
                    )
                    .bind(scope.user_id)
                    .bind(scope.workspace_id)
                    .bind(now_ms())
                    .fetch_optional(pool)
                    .await
                })
                .context("loading a dashboard state")?;
                Ok(row.map(|(revision, json, updated_at)| Stored {
                    revision: revision as u64,
                    json,
                    updated_at,
                }))
            }
            Self::Redis { hot, .. } => {
                let mut conn = hot.conn.clone();
                let (revision, json, updated_at): (Option<u64>, Option<String>, Option<i64>) =
                    redis::cmd("HMGET")
                        .arg(Self::redis_key(hot, scope, "state"))
                        .arg("revision")
                        .arg("json")
                        .arg("updatedAt")
                        .query_async(&mut conn)
                        .await
                        .context("loading a dashboard state from Redis")?;
                Ok(match (revision, json) {
                    (Some(revision), Some(json)) => Some(Stored {
                        revision,
                        json,
                        updated_at: updated_at.unwrap_or(0),
                    }),
                    _ => None,
                })
            }
        }
    }

    /// Saves `json` unless `base` is older than the stored revision.
    pub async fn save(&self, scope: Scope<'_>, base: u64, json: &str) -> anyhow::Result<Saved> {
        self.save_announcing(scope, base, json, None).await
    }

    /// [`save`](Self::save), logging the change (when it is a delta) and on Redis publishing it
    /// in the same atomic step. Without a change the log starts again.
    pub async fn save_announcing(
        &self,
        scope: Scope<'_>,
        base: u64,
        json: &str,
        change: Option<&Change>,
    ) -> anyhow::Result<Saved> {
        let now = now_ms();
        match self {
            Self::Sql { records, ttl } => {
                let saved = save_sql(records, *ttl, scope, base, json, now).await?;
                if let Saved::Accepted { revision } = saved {
                    log_sql(records, scope, revision, change).await?;
                }
                Ok(saved)
            }
            Self::Redis { hot, ttl } => {
                let mut conn = hot.conn.clone();
                let (mode, before, after, channel) = match change {
                    Some(change) => (
                        if change.delta { "delta" } else { "full" },
                        change.before.as_str(),
                        change.after.as_str(),
                        change.channel.as_deref().unwrap_or_default(),
                    ),
                    None => ("", "", "", ""),
                };
                let (accepted, revision, kept, kept_at): (i64, u64, Option<String>, Option<i64>) =
                    redis::Script::new(SAVE_SCRIPT)
                        .key(Self::redis_key(hot, scope, "state"))
                        .key(Self::redis_key(hot, scope, "state-log"))
                        .arg(base)
                        .arg(json)
                        .arg(now)
                        .arg(ttl.as_millis() as u64)
                        .arg(mode)
                        .arg(before)
                        .arg(after)
                        .arg(channel)
                        .arg(LOG_LENGTH)
                        .invoke_async(&mut conn)
                        .await
                        .context("saving a dashboard state to Redis")?;
                Ok(if accepted == 1 {
                    Saved::Accepted { revision }
                } else {
                    Saved::Stale(Stored {
                        revision,
                        json: kept.unwrap_or_default(),
                        updated_at: kept_at.unwrap_or(0),
                    })
                })
            }
        }
    }

    /// The logged deltas after revision `since` up to `upto`, oldest first, as `(revision,
    /// frame)`; `None` when they add up to more than `max_bytes` (a whole state is smaller then,
    /// and reading them would let one member make the server hold the log many times over).
    /// The log is short and starts again on every whole-state save: a caller checks that it
    /// covers what it needs.
    pub async fn log_between(
        &self,
        scope: Scope<'_>,
        since: u64,
        upto: u64,
        max_bytes: usize,
    ) -> anyhow::Result<Option<Vec<(u64, String)>>> {
        match self {
            Self::Sql { records, .. } => {
                const RANGE: &str =
                    "FROM dashboard_state_log WHERE user_id = $1 AND workspace_id = $2 \
                     AND version > $3 AND version <= $4";
                let total = format!("SELECT COALESCE(SUM(LENGTH(frame)), 0) {RANGE}");
                let bytes: i64 = on_pool!(records, |pool| {
                    sqlx::query_scalar(&total)
                        .bind(scope.user_id)
                        .bind(scope.workspace_id)
                        .bind(since as i64)
                        .bind(upto as i64)
                        .fetch_one(pool)
                        .await
                })
                .context("sizing a dashboard state's log")?;
                if bytes > max_bytes as i64 {
                    return Ok(None);
                }
                let frames = format!("SELECT version, frame {RANGE} ORDER BY version");
                let rows = on_pool!(records, |pool| {
                    sqlx::query_as::<_, (i64, String)>(&frames)
                        .bind(scope.user_id)
                        .bind(scope.workspace_id)
                        .bind(since as i64)
                        .bind(upto as i64)
                        .fetch_all(pool)
                        .await
                })
                .context("reading a dashboard state's log")?;
                Ok(Some(
                    rows.into_iter()
                        .map(|(version, frame)| (version as u64, frame))
                        .collect(),
                ))
            }
            Self::Redis { hot, .. } => {
                let mut conn = hot.conn.clone();
                let rows: Option<Vec<(String, f64)>> = redis::Script::new(LOG_READ_SCRIPT)
                    .key(Self::redis_key(hot, scope, "state-log"))
                    .arg(format!("({since}"))
                    .arg(upto)
                    .arg(max_bytes)
                    .invoke_async(&mut conn)
                    .await
                    .context("reading a dashboard state's log from Redis")?;
                Ok(rows.map(|rows| {
                    rows.into_iter()
                        .map(|(frame, version)| (version as u64, frame))
                        .collect()
                }))
            }
        }
    }

    /// Deletes the state; says whether there was one.
    pub async fn delete(&self, scope: Scope<'_>) -> anyhow::Result<bool> {
        match self {
            Self::Sql { records, .. } => {
                let done = on_pool!(records, |pool| {
                    sqlx::query(
                        "DELETE FROM dashboard_states WHERE user_id = $1 AND workspace_id = $2 AND expires_at > $3",
                    )
                    .bind(scope.user_id)
                    .bind(scope.workspace_id)
                    .bind(now_ms())
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
                })
                .context("deleting a dashboard state")?;
                log_sql(records, scope, 0, None).await?;
                Ok(done > 0)
            }
            Self::Redis { hot, .. } => {
                let mut conn = hot.conn.clone();
                let (removed, _): (u64, u64) = redis::pipe()
                    .cmd("DEL")
                    .arg(Self::redis_key(hot, scope, "state"))
                    .cmd("DEL")
                    .arg(Self::redis_key(hot, scope, "state-log"))
                    .query_async(&mut conn)
                    .await
                    .context("deleting a dashboard state from Redis")?;
                Ok(removed > 0)
            }
        }
    }

    /// Keeps a stored document that could not be migrated, so that nothing is lost.
    pub async fn keep_backup(&self, scope: Scope<'_>, json: &str) -> anyhow::Result<()> {
        match self {
            Self::Sql { records, .. } => on_pool!(records, |pool| {
                sqlx::query(
                    "INSERT INTO dashboard_state_backups (user_id, workspace_id, saved_at, state) VALUES ($1, $2, $3, $4)",
                )
                .bind(scope.user_id)
                .bind(scope.workspace_id)
                .bind(now_ms())
                .bind(json)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .context("keeping a dashboard state backup"),
            Self::Redis { hot, .. } => {
                let mut conn = hot.conn.clone();
                redis::cmd("RPUSH")
                    .arg(Self::redis_key(hot, scope, "state-backup"))
                    .arg(json)
                    .query_async::<()>(&mut conn)
                    .await
                    .context("keeping a dashboard state backup in Redis")
            }
        }
    }

    /// `sql` or `redis`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sql { .. } => "sql",
            Self::Redis { .. } => "redis",
        }
    }
}

/// Optimistic compare-and-set: read the revision, then write only if the row still holds it; a
/// concurrent writer in between makes the write touch no row, and the loop reads again.
async fn save_sql(
    records: &Records,
    ttl: Duration,
    scope: Scope<'_>,
    base: u64,
    json: &str,
    now: i64,
) -> anyhow::Result<Saved> {
    let expires_at = now + ttl.as_millis() as i64;
    loop {
        let row = on_pool!(records, |pool| {
            sqlx::query_as::<_, (i64, String, i64, i64)>(
                "SELECT revision, state, updated_at, expires_at FROM dashboard_states \
                 WHERE user_id = $1 AND workspace_id = $2",
            )
            .bind(scope.user_id)
            .bind(scope.workspace_id)
            .fetch_optional(pool)
            .await
        })
        .context("reading a dashboard state's revision")?;
        // An expired row counts as absent, as an expired Redis key would be.
        let current = match &row {
            Some((revision, _, _, expires)) if *expires > now => *revision as u64,
            _ => 0,
        };
        if base < current {
            let (revision, json, updated_at, _) = row.unwrap_or_default();
            return Ok(Saved::Stale(Stored {
                revision: revision as u64,
                json,
                updated_at,
            }));
        }
        let revision = base.max(current) + 1;
        let written = on_pool!(records, |pool| {
            match &row {
                Some((seen, ..)) => sqlx::query(
                    "UPDATE dashboard_states SET revision = $1, state = $2, updated_at = $3, expires_at = $4 \
                     WHERE user_id = $5 AND workspace_id = $6 AND revision = $7",
                )
                .bind(revision as i64)
                .bind(json)
                .bind(now)
                .bind(expires_at)
                .bind(scope.user_id)
                .bind(scope.workspace_id)
                .bind(*seen)
                .execute(pool)
                .await,
                None => sqlx::query(
                    "INSERT INTO dashboard_states (user_id, workspace_id, revision, state, updated_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, workspace_id) DO NOTHING",
                )
                .bind(scope.user_id)
                .bind(scope.workspace_id)
                .bind(revision as i64)
                .bind(json)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await,
            }
            .map(|done| done.rows_affected())
        })
        .context("writing a dashboard state")?;
        if written == 1 {
            return Ok(Saved::Accepted { revision });
        }
    }
}

/// Keeps the log of the SQL store after a save as `revision`: a delta is added (dropping what a
/// restarted counter left behind and what is past [`LOG_LENGTH`]), anything else empties it.
async fn log_sql(
    records: &Records,
    scope: Scope<'_>,
    revision: u64,
    change: Option<&Change>,
) -> anyhow::Result<()> {
    let revision = revision as i64;
    match change {
        Some(change) if change.delta => {
            let frame = change.text(revision as u64);
            on_pool!(records, |pool| {
                sqlx::query(
                    "DELETE FROM dashboard_state_log WHERE user_id = $1 AND workspace_id = $2 \
                     AND (version >= $3 OR version <= $4)",
                )
                .bind(scope.user_id)
                .bind(scope.workspace_id)
                .bind(revision)
                .bind(revision - LOG_LENGTH as i64)
                .execute(pool)
                .await?;
                sqlx::query(
                    "INSERT INTO dashboard_state_log (user_id, workspace_id, version, frame) VALUES ($1, $2, $3, $4)",
                )
                .bind(scope.user_id)
                .bind(scope.workspace_id)
                .bind(revision)
                .bind(&frame)
                .execute(pool)
                .await
                .map(|_| ())
            })
        }
        _ => on_pool!(records, |pool| {
            sqlx::query("DELETE FROM dashboard_state_log WHERE user_id = $1 AND workspace_id = $2")
                .bind(scope.user_id)
                .bind(scope.workspace_id)
                .execute(pool)
                .await
                .map(|_| ())
        }),
    }
    .context("keeping a dashboard state's log")
}
