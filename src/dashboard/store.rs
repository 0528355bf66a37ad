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

/// Compare-and-set in one round trip: refuse a stale base, else write the next revision and
/// refresh the TTL. Returns `{1, revision}` or `{0, revision, json, updatedAt}`. With an
/// announcement (ARGV[5] a channel, ARGV[6] and ARGV[7] the text around the revision) it also
/// publishes it, in the same atomic step, so that announcements go out in revision order even
/// when several instances write.
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
if ARGV[5] ~= '' then
  redis.call('PUBLISH', ARGV[5], ARGV[6] .. revision .. ARGV[7])
end
return {1, revision, false, false}
";

/// A message to publish atomically with a Redis save: `before` + the new revision + `after`, on
/// `channel`. (The SQL store ignores it; its callers publish in memory after the save.)
#[derive(Clone, Debug, Default)]
pub struct Announce {
    /// The Redis channel.
    pub channel: String,
    /// Text before the revision number.
    pub before: String,
    /// Text after it.
    pub after: String,
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

    /// [`save`](Self::save), and on Redis publishes `announce` in the same atomic step.
    pub async fn save_announcing(
        &self,
        scope: Scope<'_>,
        base: u64,
        json: &str,
        announce: Option<&Announce>,
    ) -> anyhow::Result<Saved> {
        let now = now_ms();
        let none = Announce::default();
        let announce = announce.unwrap_or(&none);
        match self {
            Self::Sql { records, ttl } => save_sql(records, *ttl, scope, base, json, now).await,
            Self::Redis { hot, ttl } => {
                let mut conn = hot.conn.clone();
                let (accepted, revision, kept, kept_at): (i64, u64, Option<String>, Option<i64>) =
                    redis::Script::new(SAVE_SCRIPT)
                        .key(Self::redis_key(hot, scope, "state"))
                        .arg(base)
                        .arg(json)
                        .arg(now)
                        .arg(ttl.as_millis() as u64)
                        .arg(&announce.channel)
                        .arg(&announce.before)
                        .arg(&announce.after)
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
                Ok(done > 0)
            }
            Self::Redis { hot, .. } => {
                let mut conn = hot.conn.clone();
                let removed: u64 = redis::cmd("DEL")
                    .arg(Self::redis_key(hot, scope, "state"))
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
